/**
 * Cake events, ratings, photos, the Hall of Fame and ICS export. Every rule and authorization check of
 * these lives here (cakeplanner.md and issue 4), so REST, GraphQL and ws behave alike.
 */
import type { FileUpload } from 'graphql-upload-minimal';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { readOnlyView } from '../../db/read-only-view';
import { existingEm, type AppContext } from '../../context/context';
import { isAdmin, requireViewer } from '../../auth/guards';
import { badInput, conflict, forbidden, notFound } from '../../errors/domain-error';
import { IMAGE_TYPES, readUpload, sniffContentType, StoragePolicy } from '../../storage/storage';
import { User } from '../identity/user.entity';
import { CakeGroup, CakeGroupRole } from './cake-group.entity';
import { CakeEvent } from './cake-event.entity';
import { CakePhoto } from './cake-photo.entity';
import type { CreateCakeEventInput } from './cake.inputs';
import { checkDate, checkText, isUuid } from './cake-common';
import { unitOfWork } from '../../db/unit-of-work';
import { coverPhotoIds, DELETED_USER_NAME, groupsById, photosByEvent, ratingSummaries, userRefs, viewerRoles } from './cake.loaders';
import { recordChange } from './cake-live.service';
import { buildIcs } from './cake-ics';
import { statement } from '../../db/prepared-sql';
import { CAKE_EVENTS_MAX, HALL_OF_FAME_MAX, HALL_OF_FAME_SIZE } from './list-sizes';

/** issue 4: JPEG, PNG or WebP by content, at most 10 MB. */
export const PHOTO_POLICY: StoragePolicy = { purpose: 'cake-photo', maxBytes: 10 * 1024 * 1024, accept: IMAGE_TYPES };
export const DESCRIPTION_MAX = 1000;
export const COMMENT_MAX = 1000;
/** issue 4: the Hall of Fame is the top 50 (list-sizes.ts). */
export { HALL_OF_FAME_SIZE };

// ---------------------------------------------------------------------------------------------
// access

/** An event the viewer may see: a member of its group, or an admin. Others get 404 (cakeplanner: no leak). */
export async function visibleEvent(ctx: AppContext, id: string): Promise<CakeEvent> {
  requireViewer(ctx);
  const event = isUuid(id) ? await ctx.em.findOne(CakeEvent, { id }) : null;
  if (!event) throw notFound('Event not found');
  if (!isAdmin(ctx) && !(await viewerRoles(ctx)).has(event.group.id)) throw notFound('Event not found');
  return event;
}

export function isOwner(ctx: AppContext, event: CakeEvent): boolean {
  return ctx.viewer?.id === event.baker.id;
}

/** issue 4: the creator (baker), that group's group admin, or an admin. */
export async function canDelete(ctx: AppContext, event: CakeEvent): Promise<boolean> {
  if (!ctx.viewer) return false;
  if (isOwner(ctx, event) || isAdmin(ctx)) return true;
  return (await viewerRoles(ctx)).get(event.group.id) === CakeGroupRole.ADMIN;
}

// ---------------------------------------------------------------------------------------------
// reading

/** The viewer's groups' events from start to end inclusive, by date. */
export async function listEvents(ctx: AppContext, start: string, end: string): Promise<CakeEvent[]> {
  requireViewer(ctx);
  const from = checkDate(start, 'start');
  const to = checkDate(end, 'end');
  if (from > to) throw badInput('start must not be after end', { start: 'must not be after end' });
  const groups = [...(await viewerRoles(ctx)).keys()];
  if (!groups.length) return [];
  return ctx.em.find(CakeEvent, { group: { $in: groups }, date: { $gte: from, $lte: to } }, { orderBy: { date: 'asc', createdAt: 'asc', id: 'asc' }, limit: CAKE_EVENTS_MAX });
}

interface RankedRow {
  id: string;
  group_id: string;
  baker_id: string;
  date: string;
  description: string;
  created_at: Date;
  updated_at: Date;
  baker_name: string | null;
  cover_id: string | null;
  average: string;
  count: string;
  mine: number | null;
  /** the event's group (cake_groups columns) */
  group_name: string;
  group_description: string | null;
  group_created_at: Date;
  /** the event's photos (cake_photos columns and the uploader's name), oldest first */
  gallery: { id: string; event_id: string; user_id: string; file_id: string; content_type: string; created_at: string; user_name: string }[];
}

/** The Hall of Fame's one statement (below), prepared (src/db/prepared-sql.ts): $1 the viewer, $2 the limit. */
const RANKED = statement(
  'cake_hall_of_fame',
  `with ranked as (
     select e.id, e.group_id, e.baker_id, e.date, e.description, e.created_at, e.updated_at,
            u.name as baker_name, cover.id as cover_id,
            coalesce(r.average, 0) as average, coalesce(r.count, 0) as count, r.mine
       from cake_events e
       join cake_memberships m on m.group_id = e.group_id and m.user_id = $1
       left join users u on u.id = e.baker_id
       left join cake_photos cover on cover.event_id = e.id and cover.user_id = e.baker_id
       left join lateral (
         select avg(stars) as average, count(*) as count, max(stars) filter (where user_id = $1) as mine
           from cake_ratings where event_id = e.id
       ) r on true
      order by coalesce(r.average, 0) desc, e.date desc, e.created_at desc, e.id
      limit $2
   )
   select ranked.*, g.name as group_name, g.description as group_description, g.created_at as group_created_at,
          coalesce(gal.photos, '[]'::json) as gallery
     from ranked
     join cake_groups g on g.id = ranked.group_id
     left join lateral (
       select json_agg(json_build_object('id', p.id, 'event_id', p.event_id, 'user_id', p.user_id, 'file_id', p.file_id,
                                         'content_type', p.content_type, 'created_at', p.created_at, 'user_name', pu.name)
                       order by p.created_at, p.id) as photos
         from cake_photos p left join users pu on pu.id = p.user_id
        where p.event_id = ranked.id
     ) gal on true
    order by ranked.average desc, ranked.date desc, ranked.created_at desc, ranked.id`,
);

/**
 * Hall of Fame (issue 4): the viewer's groups' events by mean stars (unrated count as 0), then date,
 * newest first; ties beyond that by creation, newest first. One statement computes the ranking and
 * everything the legacy list shows (baker, cover photo, rating summary, group, gallery with the
 * uploaders' names), so the list costs the same number of statements whatever the number of events,
 * ratings and photos. The rows, their groups and photos are read-only views (not managed entities:
 * no identity map, no hydration; one view per distinct group, not one `em.map` per row), carried in
 * `preloaded` so that the event's field resolvers answer without a loader or a promise; the request's
 * loaders are primed with them too.
 */
export async function hallOfFame(ctx: AppContext, limit = HALL_OF_FAME_SIZE): Promise<CakeEvent[]> {
  const viewer = requireViewer(ctx);
  if (!Number.isInteger(limit) || limit < 1 || limit > HALL_OF_FAME_MAX) {
    throw badInput(`limit must be from 1 to ${HALL_OF_FAME_MAX}`, { limit: `must be from 1 to ${HALL_OF_FAME_MAX}` });
  }
  const rows = await ctx.app.sql.read<RankedRow>(existingEm(ctx), RANKED, [viewer.id, limit]);
  const groupLoader = groupsById(ctx);
  const galleryLoader = photosByEvent(ctx);
  const names = userRefs(ctx);
  const groupViews = new Map<string, CakeGroup>();
  return rows.map((r) => {
    let group = groupViews.get(r.group_id);
    if (!group) {
      group = readOnlyView<CakeGroup>(CakeGroup.prototype, { id: r.group_id, name: r.group_name, description: r.group_description, createdAt: new Date(r.group_created_at) });
      groupViews.set(r.group_id, group);
      groupLoader.prime(r.group_id, group);
    }
    const gallery = r.gallery.map((p) => {
      names.prime(p.user_id, { id: p.user_id, name: p.user_name ?? DELETED_USER_NAME });
      return readOnlyView<CakePhoto>(CakePhoto.prototype, {
        id: p.id,
        event: { id: p.event_id },
        user: { id: p.user_id },
        fileId: p.file_id,
        contentType: p.content_type,
        createdAt: new Date(p.created_at),
      });
    });
    galleryLoader.prime(r.id, gallery);
    return readOnlyView<CakeEvent>(CakeEvent.prototype, {
      id: r.id,
      group: { id: r.group_id },
      baker: { id: r.baker_id },
      date: r.date,
      description: r.description,
      createdAt: new Date(r.created_at),
      updatedAt: new Date(r.updated_at),
      preloaded: {
        baker: { id: r.baker_id, name: r.baker_name ?? DELETED_USER_NAME },
        coverPhotoId: r.cover_id,
        rating: { average: Math.round(Number(r.average) * 100) / 100, count: Number(r.count), myRating: r.mine === null ? null : Number(r.mine) },
        group,
        gallery,
      },
    });
  });
}

/** The ICS file of an event: one all-day VEVENT (RFC 5545). */
export async function eventIcs(ctx: AppContext, event: CakeEvent): Promise<string> {
  const baker = await userRefs(ctx).load(event.baker.id);
  return buildIcs({
    uid: `${event.id}@cakeplanner`,
    date: event.date,
    stamp: event.updatedAt,
    summary: `Cake by ${baker.name}`,
    description: event.description,
  });
}

// ---------------------------------------------------------------------------------------------
// writing

async function readPhoto(upload: Promise<FileUpload> | FileUpload): Promise<{ bytes: Buffer; contentType: string }> {
  let file: FileUpload;
  try {
    file = await upload;
  } catch {
    throw badInput('The photo could not be read');
  }
  const bytes = await readUpload(file.createReadStream(), PHOTO_POLICY.maxBytes);
  if (bytes.length === 0) throw badInput('The photo is empty', { photo: 'is empty' });
  const contentType = await sniffContentType(bytes);
  if (!contentType || !(PHOTO_POLICY.accept as readonly string[]).includes(contentType)) {
    throw badInput('The photo must be a JPEG, PNG or WebP image', { photo: 'must be a JPEG, PNG or WebP image' });
  }
  return { bytes, contentType };
}

/** The group of a new event: the one given (the baker must belong to it), else the baker's only group. */
async function groupForNewEvent(ctx: AppContext, groupId: string | null | undefined): Promise<string> {
  const roles = await viewerRoles(ctx);
  if (groupId !== undefined && groupId !== null && groupId !== '') {
    if (roles.has(groupId)) return groupId;
    const exists = isUuid(groupId) && (await ctx.em.count(CakeGroup, { id: groupId })) > 0;
    if (!exists) throw notFound('Group not found');
    throw forbidden('You are not a member of this group');
  }
  if (roles.size === 1) return [...roles.keys()][0];
  if (roles.size === 0) throw badInput('You are not a member of any group', { groupId: 'you are not a member of any group' });
  throw badInput('groupId is required: you are a member of several groups', { groupId: 'is required when you belong to several groups' });
}

/** The viewer becomes the baker; an optional image becomes their (cover) photo in the same transaction. */
export async function createEvent(ctx: AppContext, input: CreateCakeEventInput, image?: Promise<FileUpload> | null): Promise<CakeEvent> {
  const viewer = requireViewer(ctx);
  const date = checkDate(input?.date, 'date');
  const description = checkText(input?.description, 'description', DESCRIPTION_MAX);
  const groupId = await groupForNewEvent(ctx, input?.groupId);
  const photo = image ? await readPhoto(image) : null;
  try {
    return await unitOfWork(ctx, async (tx) => {
      const { em } = tx;
      const event = em.create(CakeEvent, { group: em.getReference(CakeGroup, groupId), baker: em.getReference(User, viewer.id), date, description });
      em.persist(event);
      if (photo) {
        const stored = await ctx.app.storage.put(em, photo.bytes, PHOTO_POLICY);
        em.persist(em.create(CakePhoto, { event, user: em.getReference(User, viewer.id), fileId: stored.id, contentType: stored.contentType }));
      }
      await em.flush();
      await recordChange(tx, 'created', event);
      return event;
    });
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) throw conflict('You already bring a cake on this date', { date: 'you already bring a cake on this date' });
    throw err;
  }
}

export async function deleteEvent(ctx: AppContext, id: string): Promise<boolean> {
  requireViewer(ctx);
  const event = isUuid(id) ? await ctx.em.findOne(CakeEvent, { id }) : null;
  if (!event) throw notFound('Event not found');
  if (!(await canDelete(ctx, event))) throw forbidden('Only the baker, a group admin or an admin can delete this event');
  await unitOfWork(ctx, async (tx) => {
    const { em } = tx;
    const locked = await em.execute<{ id: string }[]>('select id from cake_events where id = ? for update', [id]);
    if (!locked.length) throw notFound('Event not found');
    await recordChange(tx, 'deleted', event);
    // ratings and photos cascade; the photos' bytes go with them (trigger of migration "cake")
    await em.nativeDelete(CakeEvent, { id });
  });
  return true;
}

/**
 * One rating per user and event (a second one replaces the first). Bakers may rate their own cake, as in
 * the original backend (issue 9: its frontend offers it and has no error handler there).
 */
export async function rateEvent(ctx: AppContext, eventId: string, stars: number, comment?: string | null): Promise<CakeEvent> {
  const viewer = requireViewer(ctx);
  if (typeof stars !== 'number' || !Number.isInteger(stars) || stars < 1 || stars > 5) {
    throw badInput('stars must be a whole number from 1 to 5', { stars: 'must be a whole number from 1 to 5' });
  }
  const text = checkText(comment, 'comment', COMMENT_MAX) || null;
  const event = await visibleEvent(ctx, eventId);
  await unitOfWork(ctx, async (tx) => {
    const { em } = tx;
    const locked = await em.execute<{ id: string }[]>('select id from cake_events where id = ? for update', [event.id]);
    if (!locked.length) throw notFound('Event not found');
    await em.execute(
      `insert into cake_ratings (id, event_id, user_id, stars, comment, created_at, updated_at)
       values (gen_random_uuid(), ?, ?, ?, ?, now(), now())
       on conflict (event_id, user_id) do update set stars = excluded.stars, comment = excluded.comment, updated_at = now()`,
      [event.id, viewer.id, stars, text],
    );
    await recordChange(tx, 'rated', event);
  });
  ratingSummaries(ctx).clear(event.id);
  return event;
}

/** One photo per user and event: a new upload replaces theirs. The baker's photo is the cover. */
export async function uploadPhoto(ctx: AppContext, eventId: string, upload: Promise<FileUpload>): Promise<CakePhoto> {
  const viewer = requireViewer(ctx);
  const event = await visibleEvent(ctx, eventId);
  if (!upload) throw badInput('A photo is required', { photo: 'is required' });
  const photo = await readPhoto(upload);
  const created = await unitOfWork(ctx, async (tx) => {
    const { em } = tx;
    const locked = await em.execute<{ id: string }[]>('select id from cake_events where id = ? for update', [event.id]);
    if (!locked.length) throw notFound('Event not found');
    // the replaced photo's bytes go with its row (trigger of migration "cake")
    await em.nativeDelete(CakePhoto, { event: event.id, user: viewer.id });
    const stored = await ctx.app.storage.put(em, photo.bytes, PHOTO_POLICY);
    const row = em.create(CakePhoto, { event: em.getReference(CakeEvent, event.id), user: em.getReference(User, viewer.id), fileId: stored.id, contentType: stored.contentType });
    em.persist(row);
    await em.flush();
    await recordChange(tx, 'photo', event, { id: row.id, userId: viewer.id, userName: viewer.profile.name });
    return row;
  });
  coverPhotoIds(ctx).clear(event.id);
  return created;
}

/** A photo whose event the viewer may see (for serving its bytes). */
export async function getPhoto(ctx: AppContext, id: string): Promise<CakePhoto> {
  requireViewer(ctx);
  const photo = isUuid(id) ? await ctx.em.findOne(CakePhoto, { id }) : null;
  if (!photo) throw notFound('Photo not found');
  try {
    await visibleEvent(ctx, photo.event.id);
  } catch {
    throw notFound('Photo not found');
  }
  return photo;
}
