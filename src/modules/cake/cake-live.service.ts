/**
 * The live side of the cake module: the durable change log (cake_event_log) written in the same
 * transaction as the change, the `cake.changed` topic published after commit, the subscription
 * filtered to the subscriber's groups, and the resume query behind SSE Last-Event-ID.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { filterAsync } from '../../pubsub/filter';
import { badInput } from '../../errors/domain-error';
import type { CakeEvent } from './cake-event.entity';
import type { CakeChangeKind, CakeChangePayload, CakeEventSnapshot } from './cake-change';
import { CakeEventChange, CakeEventChangeKind } from './cake-change';
import { photoUrl } from './cake-common';
import { DELETED_USER_NAME, viewerRoles } from './cake.loaders';
import { CAKE_CHANGES_MAX } from './list-sizes';

/** Transaction-scoped advisory lock serialising log appends, so log ids follow commit order. */
const LOG_LOCK = 7316402;
/** Rows kept per group (the contract asks for at least the last 100). */
const LOG_KEEP = 1000;
/** Most rows one resume returns (the list's declared size). */
const RESUME_MAX = CAKE_CHANGES_MAX;

/** The event as it is now inside `em`'s transaction: baker name, cover photo, rating summary. */
async function snapshot(em: EntityManager, event: CakeEvent): Promise<CakeEventSnapshot> {
  const [row] = await em.execute<{ baker_name: string | null; cover_id: string | null; average: string | null; count: string }[]>(
    `select u.name as baker_name,
            (select p.id from cake_photos p where p.event_id = e.id and p.user_id = e.baker_id) as cover_id,
            (select round(avg(r.stars)::numeric, 2) from cake_ratings r where r.event_id = e.id) as average,
            (select count(*) from cake_ratings r where r.event_id = e.id) as count
       from cake_events e left join users u on u.id = e.baker_id where e.id = ?`,
    [event.id],
  );
  return {
    id: event.id,
    date: event.date,
    description: event.description,
    bakerId: event.baker.id,
    bakerName: row?.baker_name ?? DELETED_USER_NAME,
    coverPhotoId: row?.cover_id ?? null,
    average: row?.average ? Number(row.average) : 0,
    count: row ? Number(row.count) : 0,
  };
}

/**
 * Appends a change to the log inside the caller's unit of work (`tx`) and publishes it after commit. Call it
 * after the change's own statements (a `deleted` change before the delete, so the snapshot still exists).
 */
export async function recordChange(tx: AppContext, kind: CakeChangeKind, event: CakeEvent, photo: CakeChangePayload['photo'] = null): Promise<void> {
  const { em } = tx;
  const groupId = event.group.id;
  const body = { kind, groupId, event: await snapshot(em, event), photo };
  await em.execute('select pg_advisory_xact_lock(?)', [LOG_LOCK]);
  const [row] = await em.execute<{ id: string; created_at: Date }[]>(
    'insert into cake_event_log (group_id, event_id, kind, payload) values (?, ?, ?, ?) returning id, created_at',
    [groupId, event.id, kind, JSON.stringify(body)],
  );
  const id = String(row.id);
  if (Number(id) % 50 === 0) {
    await em.execute(
      'delete from cake_event_log where group_id = ? and id <= (select id from cake_event_log where group_id = ? order by id desc offset ? limit 1)',
      [groupId, groupId, LOG_KEEP],
    );
  }
  const payload: CakeChangePayload = { id, at: new Date(row.created_at).toISOString(), ...body };
  tx.publish('cake.changed', payload);
}

/** The GraphQL shape of a published change (no SQL: everything is in the payload). */
export function toEventChange(ctx: AppContext, p: CakeChangePayload): CakeEventChange {
  const url = (id: string | null) => (id ? photoUrl(ctx.app.config, id) : null);
  return {
    id: p.id,
    kind: p.kind as CakeEventChangeKind,
    at: new Date(p.at),
    eventId: p.event.id,
    groupId: p.groupId,
    date: p.event.date,
    description: p.event.description,
    baker: { id: p.event.bakerId, name: p.event.bakerName },
    coverPhotoId: p.event.coverPhotoId,
    photoUrl: url(p.event.coverPhotoId),
    rating: { average: p.event.average, count: p.event.count, myRating: null },
    photo: p.photo ? { id: p.photo.id, url: url(p.photo.id)!, user: { id: p.photo.userId, name: p.photo.userName } } : null,
  };
}

/** Changes of the viewer's groups after `after` (a change id), oldest first; at most 1000. */
export async function changesAfter(ctx: AppContext, after: string): Promise<CakeEventChange[]> {
  requireViewer(ctx);
  if (typeof after !== 'string' || !/^\d{1,18}$/.test(after)) throw badInput('after must be a change id', { after: 'must be a change id' });
  const groups = [...(await viewerRoles(ctx)).keys()];
  if (!groups.length) return [];
  const rows = await ctx.em.execute<{ id: string; created_at: Date; payload: Omit<CakeChangePayload, 'id' | 'at'> }[]>(
    'select id, created_at, payload from cake_event_log where group_id in (?) and id > ? order by id limit ?',
    [groups, after, RESUME_MAX],
  );
  return rows.map((r) => toEventChange(ctx, { ...r.payload, id: String(r.id), at: new Date(r.created_at).toISOString() }));
}

/**
 * The subscriber's stream of `cake.changed`, kept to the groups they belong to. The group set is read
 * once and re-read when a membership of theirs changes (no SQL per event, so fan-out stays cheap). A
 * revoked session ends the transport's stream (ws socket, SSE response) through the one session watch
 * (src/auth/session-watch.ts); the access guard re-checks the session on every event besides.
 */
export function subscribeChanges(ctx: AppContext): AsyncIterableIterator<CakeChangePayload> {
  const viewer = requireViewer(ctx);
  const { pubsub } = ctx.app;
  const conn = ctx.app.orm.em.getConnection();
  const loadGroups = async () => {
    const rows = await conn.execute<{ group_id: string }[]>('select group_id from cake_memberships where user_id = ?', [viewer.id]);
    return new Set(rows.map((r) => r.group_id));
  };
  let groups = loadGroups();
  const stream = filterAsync(pubsub.subscribe('cake.changed'), async (c) => (await groups).has(c.groupId));
  const offMembership = pubsub.on('cake.membershipChanged', (e) => {
    if (e.userId === viewer.id) groups = loadGroups();
  });
  const close = stream.return!.bind(stream);
  stream.return = () => {
    offMembership();
    return close();
  };
  stream.throw = (err?: unknown) => stream.return!().then(() => Promise.reject(err));
  return stream;
}
