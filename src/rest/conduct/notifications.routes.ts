/**
 * Notifications, dashboards and the testing routes (conduct-reports.md "Notifications", "Dashboard",
 * "Testing routes"). Each notification route answers under the document's three prefixes
 * (`/api/users/me/…`, `/api/notifications/users/me/…`, `/users/me/…`); the dashboard answers carry both
 * the document's and upstream's names. Operations: notifications.resolver.ts, dashboard.resolver.ts.
 */
import { access } from '../../auth/access';
import type { RestRoute, RouteRequest } from '../engine/types';
import type {
  ConductActivityQuery,
  ConductAdminOnlyQuery,
  ConductAuditTestMutation,
  ConductDeleteNotificationMutation,
  ConductEventCardStatsQuery,
  ConductEventStatsQuery,
  ConductMarkAllNotificationsReadMutation,
  ConductMarkNotificationReadMutation,
  ConductMyNotificationsQuery,
  ConductNotificationPriority,
  ConductNotificationStatsQuery,
  ConductQuickStatsQuery,
} from '../../generated/graphql';
import { MESSAGES as ACCESS_MESSAGES } from '../../modules/conduct/conduct-access';
import { paths, route } from './kit';
import { queryString, refuse } from './request';

const MESSAGES = {
  read: 'Notification marked as read',
  deleted: 'Notification deleted successfully',
  readAll: (n: number) => `Marked ${n} notifications as read`,
  notFound: 'Notification not found',
  auditLogged: 'Audit event logged!',
  superAdmin: 'SuperAdmin access granted!',
};

/** `/api/users/me/notifications<rest>` under its three prefixes (the document's list). */
const notificationPaths = (rest = '') => ({
  path: `/api/users/me/notifications${rest}`,
  aliases: [`/api/notifications/users/me/notifications${rest}`, `/users/me/notifications${rest}`],
});

/** A positive whole number from the query (absent: undefined), at most `max` (larger ones are cut to it, as upstream); else 400. */
function positive(r: RouteRequest, key: string, max: number): number | undefined {
  const v = queryString(r, key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) refuse(`${key} must be a positive whole number.`, { [key]: 'must be a positive whole number' });
  return Math.min(Number(v), max);
}

const PRIORITIES = ['low', 'normal', 'high', 'urgent'];

const lower = <T extends string | null | undefined>(v: T): T => (typeof v === 'string' ? (v.toLowerCase() as T) : v);

type Notification = ConductMyNotificationsQuery['myConductNotifications']['notifications'][number];

/**
 * conduct-reports.md's notification `{id, userId, type, priority, title, message, isRead, readAt, eventId,
 * reportId, actionUrl, createdAt}`, `event {id, name, slug}` and `report {id, title, state}` when linked (the
 * frontend reads them), and upstream's `updatedAt` (a notification changes only when read).
 */
function legacyNotification(n: Notification) {
  return {
    id: n.id,
    userId: n.userId,
    type: n.type,
    priority: lower(n.priority),
    title: n.title,
    message: n.message,
    isRead: n.isRead,
    readAt: n.readAt ?? null,
    eventId: n.eventId ?? null,
    reportId: n.reportId ?? null,
    actionUrl: n.actionUrl ?? null,
    createdAt: n.createdAt,
    updatedAt: n.readAt ?? n.createdAt,
    event: n.event ? { id: n.event.id, name: n.event.name, slug: n.event.slug } : null,
    report: n.report ? { id: n.report.id, title: n.report.title, state: lower(n.report.state) } : null,
  };
}

const counts = (list: { key: string; count: number }[]) => Object.fromEntries(list.map((c) => [c.key, c.count]));

const markAllRead: RestRoute = {
  method: 'patch',
  ...notificationPaths('/read-all'),
  summary: 'Marks every notification of the caller read → {success: true, message}',
  operation: /* GraphQL */ `mutation ConductMarkAllNotificationsRead { markAllConductNotificationsRead }`,
  result: (data: ConductMarkAllNotificationsReadMutation) => ({ success: true, message: MESSAGES.readAll(data.markAllConductNotificationsRead) }),
};

export const notificationRoutes: RestRoute[] = [
  // --- Dashboard ---------------------------------------------------------------------------------
  {
    method: 'get',
    ...paths('/api/users/me/quickstats'),
    summary: "The caller's numbers → {totalReports, totalEvents, unreadNotifications, recentActivity} and upstream's {eventCount, reportCount, needsResponseCount}",
    operation: /* GraphQL */ `query ConductQuickStats {
      conductQuickStats { totalReports totalEvents unreadNotifications recentActivity needsResponse }
    }`,
    result: ({ conductQuickStats: q }: ConductQuickStatsQuery) => ({
      totalReports: q.totalReports,
      totalEvents: q.totalEvents,
      unreadNotifications: q.unreadNotifications,
      recentActivity: q.recentActivity,
      eventCount: q.totalEvents,
      reportCount: q.totalReports,
      needsResponseCount: q.needsResponse,
    }),
  },
  {
    method: 'get',
    ...paths('/api/users/me/activity'),
    summary: 'What happened to the reports the caller sees, newest first, ?limit (default 10, at most 50) → {activities, activity}',
    operation: /* GraphQL */ `query ConductActivity($limit: Int) {
      conductActivity(limit: $limit) { type message timestamp eventSlug reportId }
    }`,
    variables: (r) => ({ limit: positive(r, 'limit', 50) ?? null }),
    result: (data: ConductActivityQuery) => {
      const items = data.conductActivity.map((a) => ({ type: a.type, message: a.message, timestamp: a.timestamp, eventSlug: a.eventSlug, reportId: a.reportId }));
      // the document's `activities`, the frontend's `activity`
      return { activities: items, activity: items };
    },
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/stats'),
    summary: "Staff: the event's numbers → {totalReports, totalUsers, needsResponseCount, pendingInvites, assignedReports, resolvedReports, myReports}",
    operation: /* GraphQL */ `query ConductEventStats($slug: String!) {
      conductEventStats(slug: $slug) { totalReports totalUsers needsResponse pendingInvites assignedToMe resolvedReports myReports }
    }`,
    variables: (r) => ({ slug: r.params.slug }),
    result: ({ conductEventStats: e }: ConductEventStatsQuery) => ({
      totalReports: e.totalReports,
      totalUsers: e.totalUsers,
      needsResponseCount: e.needsResponse,
      pendingInvites: e.pendingInvites,
      assignedReports: e.assignedToMe,
      resolvedReports: e.resolvedReports,
      myReports: e.myReports,
    }),
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/cardstats'),
    summary: "Any role: the event's card over the reports the caller may see → {totalReports, urgentReports, assignedToMe, needsResponse, recentActivity, recentReports}",
    operation: /* GraphQL */ `query ConductEventCardStats($slug: String!) {
      conductEventCardStats(slug: $slug) {
        totalReports urgentReports assignedToMe needsResponse recentActivity
        recentReports { id title state severity createdAt }
      }
    }`,
    variables: (r) => ({ slug: r.params.slug }),
    result: ({ conductEventCardStats: c }: ConductEventCardStatsQuery) => ({
      totalReports: c.totalReports,
      urgentReports: c.urgentReports,
      assignedToMe: c.assignedToMe,
      needsResponse: c.needsResponse,
      recentActivity: c.recentActivity,
      recentReports: c.recentReports.map((x) => ({ id: x.id, title: x.title, state: lower(x.state), severity: lower(x.severity ?? null), createdAt: x.createdAt })),
    }),
  },

  // --- Notifications -----------------------------------------------------------------------------
  {
    method: 'get',
    ...notificationPaths(),
    summary: "The caller's notifications, newest first, ?page&limit (≤ 100)&unreadOnly=true&type&priority → {notifications, pagination, unreadCount}",
    operation: /* GraphQL */ `query ConductMyNotifications($page: Int, $limit: Int, $unreadOnly: Boolean, $type: String, $priority: ConductNotificationPriority) {
      myConductNotifications(page: $page, limit: $limit, unreadOnly: $unreadOnly, type: $type, priority: $priority) {
        total unreadCount page limit
        notifications {
          id userId type priority title message isRead readAt eventId reportId actionUrl createdAt
          event { id name slug }
          report { id title state }
        }
      }
    }`,
    variables: (r) => {
      const priority = queryString(r, 'priority');
      if (priority !== undefined && !PRIORITIES.includes(priority)) refuse('priority must be low, normal, high or urgent.', { priority: 'must be low, normal, high or urgent' });
      const type = queryString(r, 'type');
      if (type !== undefined && type.length > 50) refuse('type is too long.', { type: 'must be at most 50 characters' });
      return {
        page: positive(r, 'page', 1_000_000) ?? null,
        limit: positive(r, 'limit', 100) ?? null,
        unreadOnly: queryString(r, 'unreadOnly') === 'true',
        type: type ?? null,
        priority: priority ? (priority.toUpperCase() as ConductNotificationPriority) : null,
      };
    },
    result: ({ myConductNotifications: p }: ConductMyNotificationsQuery) => ({
      notifications: p.notifications.map(legacyNotification),
      pagination: { page: p.page, limit: p.limit, total: p.total, totalPages: Math.ceil(p.total / p.limit) },
      unreadCount: p.unreadCount,
    }),
  },
  {
    method: 'get',
    ...notificationPaths('/stats'),
    summary: "The caller's notification counts → {total, unread, byType: {type: n}, byPriority: {priority: n}}",
    operation: /* GraphQL */ `query ConductNotificationStats {
      conductNotificationStats { total unread byType { key count } byPriority { key count } }
    }`,
    result: ({ conductNotificationStats: s }: ConductNotificationStatsQuery) => ({
      total: s.total,
      unread: s.unread,
      byType: counts(s.byType),
      byPriority: counts(s.byPriority),
    }),
  },
  markAllRead,
  route(
    {
      method: 'patch',
      path: '/api/notifications/:notificationId/read',
      summary: "Marks one of the caller's notifications read (idempotent) → {message}; another user's or unknown: 404",
      operation: /* GraphQL */ `mutation ConductMarkNotificationRead($id: ID!) { markConductNotificationRead(id: $id) { id isRead } }`,
      variables: (r) => ({ id: r.params.notificationId }),
      result: (_: ConductMarkNotificationReadMutation) => ({ message: MESSAGES.read }),
    },
    { NOT_FOUND: MESSAGES.notFound },
  ),
  route(
    {
      method: 'delete',
      path: '/api/notifications/:notificationId',
      summary: "Deletes one of the caller's notifications → {message}; another user's or unknown: 404",
      operation: /* GraphQL */ `mutation ConductDeleteNotification($id: ID!) { deleteConductNotification(id: $id) }`,
      variables: (r) => ({ id: r.params.notificationId }),
      result: (_: ConductDeleteNotificationMutation) => ({ message: MESSAGES.deleted }),
    },
    { NOT_FOUND: MESSAGES.notFound },
  ),

  // --- Testing & Development ---------------------------------------------------------------------
  {
    method: 'get',
    path: '/audit-test',
    summary: 'Writes a test audit entry → {message, auditLog} (public, as upstream)',
    operation: /* GraphQL */ `mutation ConductAuditTest {
      recordConductAuditTest { id actorId action targetType targetId eventId organizationId details createdAt }
    }`,
    result: (data: ConductAuditTestMutation) => ({ message: MESSAGES.auditLogged, auditLog: data.recordConductAuditTest }),
  },
  route(
    {
      method: 'get',
      path: '/admin-only',
      summary: 'SuperAdmin only → {message}; anyone else 403, anonymous 401',
      operation: /* GraphQL */ `query ConductAdminOnly { conductSession { superAdmin } }`,
      access: access.admin,
      result: (_: ConductAdminOnlyQuery) => ({ message: MESSAGES.superAdmin }),
    },
    { FORBIDDEN: ACCESS_MESSAGES.superAdminRequired },
  ),
];
