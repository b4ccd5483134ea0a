/**
 * Per-request loaders of the cake module: every nested field of a list costs one statement per relation,
 * whatever the list's length. Raw SQL reads that do not need managed entities leave the identity map alone.
 */
import type DataLoader from 'dataloader';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { User } from '../identity/user.entity';
import { CakeGroup, CakeGroupRole, CakeMembership } from './cake-group.entity';
import { CakePhoto } from './cake-photo.entity';
import { CakeRating } from './cake-rating.entity';
import type { CakeRatingSummary, CakeUserRef } from './cake.inputs';

export const DELETED_USER_NAME = 'Deleted User';

function groupBy<T>(items: T[], key: (t: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    let list = out.get(k);
    if (!list) out.set(k, (list = []));
    list.push(item);
  }
  return out;
}

/** id and display name of users (a missing user reads as "Deleted User"). */
export function userRefs(ctx: AppContext): DataLoader<string, CakeUserRef> {
  return ctx.loader<string, CakeUserRef>('cake.userRef', async (ids) => {
    const rows = await ctx.em.execute<{ id: string; name: string }[]>('select id, name from users where id in (?)', [ids as string[]]);
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id) ?? { id, name: DELETED_USER_NAME });
  });
}

export function usersById(ctx: AppContext): DataLoader<string, User | null> {
  return ctx.loader<string, User | null>('cake.userById', async (ids) => {
    const users = await ctx.em.find(User, { id: { $in: ids as string[] } });
    const byId = new Map(users.map((u) => [u.id, u]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

export function groupsById(ctx: AppContext): DataLoader<string, CakeGroup | null> {
  return ctx.loader<string, CakeGroup | null>('cake.groupById', async (ids) => {
    const groups = await ctx.em.find(CakeGroup, { id: { $in: ids as string[] } });
    const byId = new Map(groups.map((g) => [g.id, g]));
    return ids.map((id) => byId.get(id) ?? null);
  });
}

/** The id of each event's cover photo: the baker's own photo, if any. */
export function coverPhotoIds(ctx: AppContext): DataLoader<string, string | null> {
  return ctx.loader<string, string | null>('cake.coverPhotoId', async (eventIds) => {
    const rows = await ctx.em.execute<{ event_id: string; id: string }[]>(
      'select p.event_id, p.id from cake_photos p join cake_events e on e.id = p.event_id and e.baker_id = p.user_id where p.event_id in (?)',
      [eventIds as string[]],
    );
    const byEvent = new Map(rows.map((r) => [r.event_id, r.id]));
    return eventIds.map((id) => byEvent.get(id) ?? null);
  });
}

export function photosByEvent(ctx: AppContext): DataLoader<string, CakePhoto[]> {
  return ctx.loader<string, CakePhoto[]>('cake.photosByEvent', async (eventIds) => {
    const photos = await ctx.em.find(CakePhoto, { event: { $in: eventIds as string[] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    const byEvent = groupBy(photos, (p) => p.event.id);
    return eventIds.map((id) => byEvent.get(id) ?? []);
  });
}

export function ratingsByEvent(ctx: AppContext): DataLoader<string, CakeRating[]> {
  return ctx.loader<string, CakeRating[]>('cake.ratingsByEvent', async (eventIds) => {
    const ratings = await ctx.em.find(CakeRating, { event: { $in: eventIds as string[] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    const byEvent = groupBy(ratings, (r) => r.event.id);
    return eventIds.map((id) => byEvent.get(id) ?? []);
  });
}

interface SummaryRow {
  event_id: string;
  average: string | number;
  count: string | number;
  mine: number | null;
}

/** Mean stars rounded to 2 decimals (0 when unrated), count, and the viewer's own stars. */
export async function summaryRows(em: EntityManager, eventIds: string[], viewerId: string | null): Promise<Map<string, CakeRatingSummary>> {
  const rows = await em.execute<SummaryRow[]>(
    `select event_id, round(avg(stars)::numeric, 2) as average, count(*) as count, max(stars) filter (where user_id = ?) as mine
       from cake_ratings where event_id in (?) group by event_id`,
    [viewerId, eventIds],
  );
  return new Map(rows.map((r) => [r.event_id, { average: Number(r.average), count: Number(r.count), myRating: r.mine === null ? null : Number(r.mine) }]));
}

export function ratingSummaries(ctx: AppContext): DataLoader<string, CakeRatingSummary> {
  return ctx.loader<string, CakeRatingSummary>('cake.ratingSummary', async (eventIds) => {
    const byEvent = await summaryRows(ctx.em, eventIds as string[], ctx.viewer?.id ?? null);
    return eventIds.map((id) => byEvent.get(id) ?? { average: 0, count: 0, myRating: null });
  });
}

/** Memberships of users that still exist (anonymised accounts are left out). */
export function membershipsByGroup(ctx: AppContext): DataLoader<string, CakeMembership[]> {
  return ctx.loader<string, CakeMembership[]>('cake.membershipsByGroup', async (groupIds) => {
    const list = await ctx.em.find(CakeMembership, { group: { $in: groupIds as string[] }, user: { deletedAt: null } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    const byGroup = groupBy(list, (m) => m.group.id);
    return groupIds.map((id) => byGroup.get(id) ?? []);
  });
}

export function membershipsByUser(ctx: AppContext): DataLoader<string, CakeMembership[]> {
  return ctx.loader<string, CakeMembership[]>('cake.membershipsByUser', async (userIds) => {
    const list = await ctx.em.find(CakeMembership, { user: { $in: userIds as string[] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
    const byUser = groupBy(list, (m) => m.user.id);
    return userIds.map((id) => byUser.get(id) ?? []);
  });
}

function rolesLoader(ctx: AppContext): DataLoader<string, Map<string, CakeGroupRole>> {
  return ctx.loader<string, Map<string, CakeGroupRole>>('cake.viewerRoles', async (userIds) => {
    const rows = await ctx.em.execute<{ user_id: string; group_id: string; role: CakeGroupRole }[]>('select user_id, group_id, role from cake_memberships where user_id in (?)', [
      userIds as string[],
    ]);
    return userIds.map((id) => new Map(rows.filter((r) => r.user_id === id).map((r) => [r.group_id, r.role])));
  });
}

/** The viewer's groups and roles, read once per request. */
export function viewerRoles(ctx: AppContext): Promise<Map<string, CakeGroupRole>> {
  return rolesLoader(ctx).load(requireViewer(ctx).user.id);
}

/** Forgets the cached roles after a membership change within the same request. */
export function forgetViewerRoles(ctx: AppContext): void {
  rolesLoader(ctx).clearAll();
}
