/**
 * conduct's notifications (conduct-reports.md "Notifications"): created by the report hook in the unit
 * of work of the change that causes them, for exactly the contract's recipients; read, counted, marked
 * read and deleted by their recipient only (anyone else's is NOT_FOUND, unchanged).
 *
 * Who is told (never the actor, never someone without a role in the report's event, never a deleted or
 * inactive account; each recipient's `*InApp` preference honoured, on by default):
 * - `report_submitted` (priority high): the event's Responders and Admins;
 * - `report_status_changed`: the event's Responders and Admins, and the reporter (docs/compat/conduct.md
 *   "Notifications and dashboards": the contract allows it and the reporter is the one waiting);
 * - `report_assigned`: the new assignee, also when they assigned themselves (the one exception to "never
 *   the actor": the contract names it);
 * - `report_comment_added`: public comment: staff and the reporter; internal comment: staff only.
 * Titles and messages name the report and its event, never a comment's body or a state change's notes,
 * so nothing internal can reach a Reporter through a notification.
 */
import type { AppContext, App } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { badInput, notFound } from '../../errors/domain-error';
import { isUuid } from '../../db/ids';
import { unitOfWork } from '../../db/unit-of-work';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { Topics } from '../../pubsub/topics';
import { ConductEvent } from './event.entity';
import { ConductNotification, ConductNotificationPriority } from './notification.entity';
import { onReportChange, ReportChange } from './report-hooks';
import { audit } from './conduct-access';

/** A page of notifications holds at most this many (conduct-reports.md: `limit` max 100). */
export const NOTIFICATIONS_PAGE_MAX = 100;
export const NOTIFICATION_NOT_FOUND = 'Notification not found';
/** Recipients per `conduct.notificationAdded` event (80 bytes each: well under NOTIFY's cap). */
const PER_EVENT = 60;

export const NOTIFICATION_TYPES = ['report_submitted', 'report_status_changed', 'report_assigned', 'report_comment_added'] as const;
export type ReportNotificationType = (typeof NOTIFICATION_TYPES)[number];

// --- creating them (the report hook) -------------------------------------------------------------

/** Who one change tells, and what. */
interface Plan {
  type: ReportNotificationType;
  priority: ConductNotificationPriority;
  title: string;
  message: string;
  /** the event's Responders and Admins */
  staff: boolean;
  /** one more user (the reporter, the assignee), told only while they hold a role in the event */
  also: string | null;
  /** left out (the actor), or null (a self-assignment is told) */
  except: string | null;
  /** the preference column that must not be false */
  flag: 'report_submitted_in_app' | 'report_status_changed_in_app' | 'report_assigned_in_app' | 'report_comment_added_in_app';
}

const idOf = (ref: { id: string } | string | null | undefined): string | null => (ref ? (typeof ref === 'string' ? ref : ref.id) : null);

function plan(change: ReportChange, event: ConductEvent, actorId: string | null): Plan {
  const report = change.report;
  const quoted = `"${report.title}" in ${event.name}`;
  const reporterId = idOf(report.reporter);
  switch (change.kind) {
    case 'submitted':
      return {
        type: 'report_submitted',
        priority: ConductNotificationPriority.HIGH,
        title: 'New Report Submitted',
        message: `A new report ${quoted} was submitted.`,
        staff: true,
        also: null,
        except: actorId,
        flag: 'report_submitted_in_app',
      };
    case 'stateChanged':
      return {
        type: 'report_status_changed',
        priority: ConductNotificationPriority.NORMAL,
        title: 'Report Status Updated',
        message: `Report ${quoted} moved from ${change.from} to ${change.to}.`,
        staff: true,
        also: reporterId,
        except: actorId,
        flag: 'report_status_changed_in_app',
      };
    case 'assigned':
      return {
        type: 'report_assigned',
        priority: ConductNotificationPriority.NORMAL,
        title: 'Report Assigned',
        message: `Report ${quoted} was assigned to you.`,
        staff: false,
        also: change.assigneeId,
        except: null,
        flag: 'report_assigned_in_app',
      };
    case 'commentAdded': {
      const internal = change.visibility === 'internal';
      return {
        type: 'report_comment_added',
        priority: ConductNotificationPriority.NORMAL,
        title: 'New Comment Added',
        message: internal ? `A new internal comment was added to report ${quoted}.` : `A new comment was added to report ${quoted}.`,
        staff: true,
        // an internal comment is for the staff only, whoever reported
        also: internal ? null : reporterId,
        except: actorId,
        flag: 'report_comment_added_in_app',
      };
    }
  }
}

/**
 * The recipients of a plan and their notifications in one statement (an event may have hundreds of
 * staff): the event's role holders that the plan names, less the excluded user, accounts that are
 * deleted or inactive, and anyone whose preference says no; returns each recipient with their row's id.
 */
const INSERT_NOTIFICATIONS = `
  insert into conduct_notifications (id, user_id, type, priority, title, message, is_read, event_id, report_id, action_url, created_at)
  select gen_random_uuid(), r.user_id, ?, ?, ?, ?, false, ?::uuid, ?::uuid, ?, now()
    from (select distinct er.user_id from conduct_event_roles er
           where er.event_id = ?::uuid
             and ((?::boolean and er.role in ('Responder', 'Admin')) or er.user_id = ?::uuid)) r
    join users u on u.id = r.user_id and u.deleted_at is null and u.is_active
    left join conduct_notification_settings s on s.user_id = r.user_id
   where r.user_id is distinct from ?::uuid
     and coalesce(s.%FLAG%, true)
  returning id, user_id`;

/** The report hook: the change's notifications, in its unit of work; published after its commit. */
export async function notifyReportChange(tx: AppContext, change: ReportChange): Promise<void> {
  // the rows reference the report: a service that has not flushed its new report yet is flushed first
  await tx.em.flush();
  const report = change.report;
  const eventId = idOf(report.event as ConductEvent | string)!;
  const event = await tx.em.findOneOrFail(ConductEvent, { id: eventId });
  const p = plan(change, event, tx.viewer?.id ?? null);
  const rows = await tx.em.execute<{ id: string; user_id: string }[]>(INSERT_NOTIFICATIONS.replace('%FLAG%', p.flag), [
    p.type,
    p.priority,
    p.title,
    p.message,
    event.id,
    report.id,
    actionUrl(event.slug, report.id),
    event.id,
    p.staff,
    p.also,
    p.except,
  ]);
  for (let i = 0; i < rows.length; i += PER_EVENT) {
    tx.publish('conduct.notificationAdded', { n: rows.slice(i, i + PER_EVENT).map((r) => [r.user_id, r.id] as [string, string]) });
  }
}

onReportChange(notifyReportChange);

/** The frontend's page of a report (conduct-reports.md "actionUrl"). */
export function actionUrl(eventSlug: string, reportId: string): string {
  return `/events/${eventSlug}/reports/${reportId}`;
}

// --- reading them --------------------------------------------------------------------------------

export interface NotificationQuery {
  page?: number | null;
  limit?: number | null;
  unreadOnly?: boolean | null;
  type?: string | null;
  priority?: ConductNotificationPriority | null;
}

export interface NotificationPage {
  notifications: ConductNotification[];
  total: number;
  unreadCount: number;
  page: number;
  limit: number;
}

/** The page and limit of a list: page ≥ 1, limit 1..max (default `def`), else BAD_USER_INPUT. */
export function pageOf(page: number | null | undefined, limit: number | null | undefined, def: number, max: number): { page: number; limit: number; offset: number } {
  const p = page ?? 1;
  const l = limit ?? def;
  if (!Number.isInteger(p) || p < 1) throw badInput('page must be 1 or more', { page: 'must be a positive integer' });
  if (!Number.isInteger(l) || l < 1 || l > max) throw badInput(`limit must be from 1 to ${max}`, { limit: `must be from 1 to ${max}` });
  return { page: p, limit: l, offset: (p - 1) * l };
}

/**
 * The viewer's notifications, newest first, with their event and report (two statements whatever the
 * page: the page with its links joined, then the counts).
 */
export async function myNotifications(ctx: AppContext, q: NotificationQuery): Promise<NotificationPage> {
  const viewer = requireViewer(ctx);
  const { page, limit, offset } = pageOf(q.page, q.limit, 20, NOTIFICATIONS_PAGE_MAX);
  const where: Record<string, unknown> = { user: viewer.id };
  if (q.unreadOnly) where.isRead = false;
  if (q.type) where.type = q.type;
  if (q.priority) where.priority = q.priority;
  const notifications = await ctx.em.find(ConductNotification, where, {
    populate: ['event', 'report'],
    orderBy: { createdAt: 'desc', id: 'desc' },
    limit,
    offset,
  });
  const [counts] = await ctx.em.execute<{ total: string; unread: string }[]>(
    `select count(*) filter (where (not ?::boolean or not is_read) and (?::text is null or type = ?) and (?::text is null or priority = ?)) as total,
            count(*) filter (where not is_read) as unread
       from conduct_notifications where user_id = ?`,
    [!!q.unreadOnly, q.type ?? null, q.type ?? null, q.priority ?? null, q.priority ?? null, viewer.id],
  );
  return { notifications, total: Number(counts.total), unreadCount: Number(counts.unread), page, limit };
}

export interface NotificationStats {
  total: number;
  unread: number;
  byType: { key: string; count: number }[];
  byPriority: { key: string; count: number }[];
}

/** The viewer's counts: all, unread, by type and by priority (one statement). */
export async function notificationStats(ctx: AppContext): Promise<NotificationStats> {
  const viewer = requireViewer(ctx);
  const rows = await ctx.em.execute<{ type: string; priority: string; n: string; unread: string }[]>(
    'select type, priority, count(*) as n, count(*) filter (where not is_read) as unread from conduct_notifications where user_id = ? group by type, priority order by type, priority',
    [viewer.id],
  );
  const add = (m: Map<string, number>, k: string, n: number) => m.set(k, (m.get(k) ?? 0) + n);
  const byType = new Map<string, number>();
  const byPriority = new Map<string, number>();
  let total = 0;
  let unread = 0;
  for (const r of rows) {
    total += Number(r.n);
    unread += Number(r.unread);
    add(byType, r.type, Number(r.n));
    add(byPriority, r.priority, Number(r.n));
  }
  const list = (m: Map<string, number>) => [...m].map(([key, count]) => ({ key, count })).sort((a, b) => a.key.localeCompare(b.key));
  return { total, unread, byType: list(byType), byPriority: list(byPriority) };
}

// --- changing them -------------------------------------------------------------------------------

/** The viewer's own notification, else NOT_FOUND (anyone else's reads as unknown). */
async function own(ctx: AppContext, id: string): Promise<ConductNotification> {
  const viewer = requireViewer(ctx);
  const n = isUuid(id) ? await ctx.em.findOne(ConductNotification, { id, user: viewer.id }, { populate: ['event', 'report'] }) : null;
  if (!n) throw notFound(NOTIFICATION_NOT_FOUND);
  return n;
}

/** Marks one of the viewer's notifications read (idempotent: `readAt` keeps the first time). */
export async function markRead(ctx: AppContext, id: string): Promise<ConductNotification> {
  return unitOfWork(ctx, async (tx) => {
    const n = await own(tx, id);
    if (!n.isRead) {
      n.isRead = true;
      n.readAt = new Date();
      await tx.em.flush();
      await audit(tx, { action: 'notification.read', targetType: 'Notification', targetId: n.id });
    }
    return n;
  });
}

/** Marks every unread notification of the viewer read; answers how many changed. */
export async function markAllRead(ctx: AppContext): Promise<number> {
  const viewer = requireViewer(ctx);
  return unitOfWork(ctx, async (tx) => {
    const count = await tx.em.nativeUpdate(ConductNotification, { user: viewer.id, isRead: false }, { isRead: true, readAt: new Date() });
    if (count) await audit(tx, { action: 'notification.read_all', targetType: 'User', targetId: viewer.id, details: { count } });
    return count;
  });
}

/** Deletes one of the viewer's notifications. */
export async function deleteNotification(ctx: AppContext, id: string): Promise<boolean> {
  return unitOfWork(ctx, async (tx) => {
    const n = await own(tx, id);
    await tx.em.nativeDelete(ConductNotification, { id: n.id });
    await audit(tx, { action: 'notification.deleted', targetType: 'Notification', targetId: n.id, details: { type: n.type } });
    return true;
  });
}

// --- live: one load per published event, shared by its recipients ---------------------------------

type Batch = Topics['conduct.notificationAdded'];
const batches = new WeakMap<Batch, Promise<Map<string, ConductNotification>>>();

/**
 * The notifications of one `conduct.notificationAdded` event by recipient, loaded once per event and
 * instance (the pubsub hands every subscriber the same payload object): 200 staff subscribed to one
 * report's notifications cost one statement, not 200. Each subscriber then takes its own row only.
 */
export function notificationsOf(app: App, batch: Batch): Promise<Map<string, ConductNotification>> {
  let loaded = batches.get(batch);
  if (!loaded) {
    const em = app.orm.em.fork() as EntityManager;
    loaded = em.find(ConductNotification, { id: { $in: batch.n.map(([, id]) => id) } }, { populate: ['event', 'report'] }).then((rows) => new Map(rows.map((n) => [n.user.id, n])));
    batches.set(batch, loaded);
  }
  return loaded;
}

/** Whether a published event names the user (cheap: no statement). */
export function batchNames(batch: Batch, userId: string): boolean {
  return batch.n.some(([u]) => u === userId);
}
