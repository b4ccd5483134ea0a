/**
 * The live side of the cake module: the durable change log (cake_event_log) written in the same
 * transaction as the change, the `cake.changed` topic published after commit, the subscription
 * filtered to the subscriber's groups, and the resume query behind SSE Last-Event-ID; the live views
 * of groups and memberships (`cake.groupChanged`, `cake.membershipChanged`).
 */
import { LOCKS } from '../../db/locks';
import type { AppContext } from '../../context/context';
import { isAdmin, requireViewer } from '../../auth/guards';
import type { Topics } from '../../pubsub/topics';
import { filterAsync } from '../../pubsub/filter';
import { badInput } from '../../errors/domain-error';
import type { CakeEvent } from './cake-event.entity';
import type { CakeChangeKind, CakeChangePayload } from './cake-change';
import { CakeEventChange, CakeEventChangeKind } from './cake-change';
import { photoUrl } from './cake-common';
import { DELETED_USER_NAME, viewerRoles } from './cake.loaders';
import { CAKE_CHANGES_MAX } from './list-sizes';
import { CakeGroup, CakeMembership } from './cake-group.entity';
import { CakeGroupChange, CakeGroupChangeKind, CakeMembershipChange, CakeMembershipChangeKind } from './cake-group-change';

/** Transaction-scoped advisory lock serialising log appends, so log ids follow commit order. */
const LOG_LOCK = LOCKS.cakeLog;
/** Rows kept per group (the contract asks for at least the last 100). */
const LOG_KEEP = 1000;
/** Most rows one resume returns (the list's declared size). */
const RESUME_MAX = CAKE_CHANGES_MAX;

/**
 * One statement appends a change to the log: the log's advisory lock (a subquery the row is built from,
 * so it is held before the row's id is drawn: ids follow commit order), the event as it is now inside
 * the transaction (baker name, cover photo, rating summary: `CakeEventSnapshot`, built as JSON by
 * PostgreSQL) and the row, which returns its id, time and payload. It was three round trips (the
 * snapshot's SELECT, the lock, the INSERT), each on the path of the write's answer and of its event
 * (issue 14: the SSE latency is mostly the write's own). An event row that is gone reads as the deleted
 * user's, unrated and without a cover, as before.
 */
const APPEND_SQL = `insert into cake_event_log (group_id, event_id, kind, payload)
  select ?::uuid, ?::uuid, ?::text, jsonb_build_object(
    'kind', ?::text,
    'groupId', ?::text,
    'event', jsonb_build_object(
      'id', ?::text, 'date', ?::text, 'description', ?::text, 'bakerId', ?::text,
      'bakerName', coalesce(u.name, ?::text),
      'coverPhotoId', (select p.id from cake_photos p where p.event_id = e.id and p.user_id = e.baker_id),
      'average', coalesce((select round(avg(r.stars)::numeric, 2) from cake_ratings r where r.event_id = e.id), 0),
      'count', (select count(*) from cake_ratings r where r.event_id = e.id)),
    'photo', ?::jsonb)
  from (select pg_advisory_xact_lock(?) as locked) l
  left join cake_events e on e.id = ?::uuid
  left join users u on u.id = e.baker_id
  returning id, created_at, payload`;

/**
 * Appends a change to the log inside the caller's unit of work (`tx`) and publishes it after commit. Call it
 * after the change's own statements (a `deleted` change before the delete, so the snapshot still exists).
 */
export async function recordChange(tx: AppContext, kind: CakeChangeKind, event: CakeEvent, photo: CakeChangePayload['photo'] = null): Promise<void> {
  const { em } = tx;
  const groupId = event.group.id;
  const [row] = await em.execute<{ id: string; created_at: Date; payload: Omit<CakeChangePayload, 'id' | 'at'> }[]>(APPEND_SQL, [
    groupId,
    event.id,
    kind,
    kind,
    groupId,
    event.id,
    event.date,
    event.description,
    event.baker.id,
    DELETED_USER_NAME,
    JSON.stringify(photo),
    LOG_LOCK,
    event.id,
  ]);
  const id = String(row.id);
  if (Number(id) % 50 === 0) {
    await em.execute('delete from cake_event_log where group_id = ? and id <= (select id from cake_event_log where group_id = ? order by id desc offset ? limit 1)', [
      groupId,
      groupId,
      LOG_KEEP,
    ]);
  }
  const { kind: k, groupId: g, event: snapshot, photo: p } = row.payload;
  const payload: CakeChangePayload = { id, at: new Date(row.created_at).toISOString(), kind: k, groupId: g, event: snapshot, photo: p };
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
 * The subscriber's cake groups, read once and again whenever a membership of theirs changes: the
 * `cake.membershipChanged` events arrive in commit order before any later event, so a member who left a
 * group stops hearing it at the next event, and a filter costs no SQL per event (fan-out stays cheap).
 */
function watchGroups(ctx: AppContext, userId: string): { has(groupId: string): boolean | Promise<boolean>; stop(): void } {
  const conn = ctx.app.orm.em.getConnection();
  /** the groups as last read, once that read is the latest one and has answered (undefined while one is pending) */
  let loaded: Set<string> | undefined;
  const load = () => {
    loaded = undefined;
    const p = conn.execute<{ group_id: string }[]>('select group_id from cake_memberships where user_id = ?', [userId]).then((rows) => {
      const set = new Set(rows.map((r) => r.group_id));
      if (groups === p) loaded = set;
      return set;
    });
    p.catch(() => undefined); // read by the next event's filter, which fails the stream with it
    return p;
  };
  let groups: Promise<Set<string>> = load();
  const stop = ctx.app.pubsub.on('cake.membershipChanged', (e) => {
    if (e.userId === userId) groups = load();
  });
  // answered synchronously once the latest read is in (every event of a fan-out but the first ones):
  // no promise per stream and event; while a read is pending, after it, as before
  return { has: (groupId) => (loaded ? loaded.has(groupId) : groups.then((g) => g.has(groupId))), stop };
}

/** `stream` with `cleanup` run once when the consumer ends it (unsubscribe, error). */
function withCleanup<T>(stream: AsyncIterableIterator<T>, cleanup: () => void): AsyncIterableIterator<T> {
  const close = stream.return!.bind(stream);
  let cleaned = false;
  stream.return = () => {
    if (!cleaned) {
      cleaned = true;
      cleanup();
    }
    return close();
  };
  stream.throw = (err?: unknown) => stream.return!().then(() => Promise.reject(err));
  return stream;
}

/**
 * The subscriber's stream of `cake.changed`, kept to the groups they belong to (`watchGroups`). A
 * revoked session ends the transport's stream (ws socket, SSE response) through the one session watch
 * (src/auth/session-watch.ts); the access guard re-checks the session on every event besides.
 */
export function subscribeChanges(ctx: AppContext): AsyncIterableIterator<CakeChangePayload> {
  const viewer = requireViewer(ctx);
  const groups = watchGroups(ctx, viewer.id);
  return withCleanup(
    filterAsync(ctx.app.pubsub.subscribe('cake.changed'), (c) => groups.has(c.groupId)),
    groups.stop,
  );
}

/**
 * `cakeGroupChanged`: a group's members hear its changes, platform admins every group's (a created
 * group has no members yet: admins only). Checked per event against the subscriber as they are now
 * (`refreshViewer`: a demoted admin stops hearing other groups at once; `watchGroups`: a removed member).
 */
export function subscribeGroupChanges(ctx: AppContext): AsyncIterableIterator<Topics['cake.groupChanged']> {
  const viewer = requireViewer(ctx);
  const groups = watchGroups(ctx, viewer.id);
  return withCleanup(
    filterAsync(ctx.app.pubsub.subscribe('cake.groupChanged'), async (e) => {
      await ctx.refreshViewer(e);
      if (!ctx.viewer) return false;
      return isAdmin(ctx) || groups.has(e.groupId);
    }),
    groups.stop,
  );
}

/**
 * `cakeMembershipChanged`: a group's members hear who joins, changes role and leaves it; the user
 * concerned hears their own changes (being removed included); platform admins hear every group's.
 * Checked per event as `subscribeGroupChanges` is.
 */
export function subscribeMembershipChanges(ctx: AppContext): AsyncIterableIterator<Topics['cake.membershipChanged']> {
  const viewer = requireViewer(ctx);
  const groups = watchGroups(ctx, viewer.id);
  return withCleanup(
    filterAsync(ctx.app.pubsub.subscribe('cake.membershipChanged'), async (e) => {
      await ctx.refreshViewer(e);
      if (!ctx.viewer) return false;
      return isAdmin(ctx) || e.userId === ctx.viewer.id || groups.has(e.groupId);
    }),
    groups.stop,
  );
}

/**
 * The subscriber's long-lived EntityManager forgets what it read for earlier events, so the group and
 * its members are read as they are now (a managed entity would keep a description cleared since).
 */
function freshReads(ctx: AppContext): void {
  ctx.em.clear();
}

/** The GraphQL shape of a group event: the group read now (null once deleted). */
export async function toGroupChange(ctx: AppContext, e: Topics['cake.groupChanged']): Promise<CakeGroupChange> {
  freshReads(ctx);
  const group = e.kind === 'DELETED' ? null : await ctx.em.findOne(CakeGroup, { id: e.groupId });
  return { kind: e.kind as CakeGroupChangeKind, groupId: e.groupId, group };
}

/** The GraphQL shape of a membership event: the membership read now (null once removed). */
export async function toMembershipChange(ctx: AppContext, e: Topics['cake.membershipChanged']): Promise<CakeMembershipChange> {
  freshReads(ctx);
  const membership = e.kind === 'REMOVED' ? null : await ctx.em.findOne(CakeMembership, { group: e.groupId, user: e.userId });
  return { kind: e.kind as CakeMembershipChangeKind, groupId: e.groupId, userId: e.userId, role: e.role, membership };
}
