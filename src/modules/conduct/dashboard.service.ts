/**
 * conduct's dashboards (conduct-reports.md "Dashboard"), from real data, each one prepared statement:
 * the viewer's quick stats and activity feed across events, and one event's stats and card stats.
 *
 * "Reports the user can see", across events (conduct-reports.md "Cross-event reports"): every report of
 * the events where they are a Responder or Admin, and their own reports in the events where they are only
 * a Reporter; nothing in events where they hold no role. The SuperAdmin's cross-event numbers follow the
 * same rule (their roles), as the cross-event report list does; their view of every event is the
 * SuperAdmin's own (`/api/admin/events/stats`). Inside one event (stats, card stats) the event's access
 * rules apply, so a SuperAdmin there counts as staff.
 */
import { existingEm, type AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { badInput } from '../../errors/domain-error';
import { epochMs, statement } from '../../db/prepared-sql';
import { ConductReport } from './report.entity';
import { eventIdWithRole } from './conduct-access';

/** The activity feed: `limit` default 10, at most 50 (conduct-reports.md). */
export const ACTIVITY_MAX = 50;
/** Card stats list this many newest reports. */
export const RECENT_REPORTS = 3;
/** "Needs response" (conduct-reports.md): submitted, acknowledged or investigating. */
const OPEN_STATES = `('submitted', 'acknowledged', 'investigating')`;

/** The events where user $1 holds a role, and whether they are staff there; then the reports they see. */
const VISIBLE = `
  mine as (select event_id, bool_or(role in ('Responder', 'Admin')) as staff
             from conduct_event_roles where user_id = $1 group by event_id),
  vis as (select r.id, r.event_id, r.title, r.state, r.reporter_id, r.assigned_responder_id, r.created_at, r.updated_at, mine.staff
            from conduct_reports r join mine on mine.event_id = r.event_id
           where mine.staff or r.reporter_id = $1)`;

const QUICK_STATS = statement(
  'conduct_quick_stats',
  `with ${VISIBLE}
   select (select count(*) from mine)::int as total_events,
          (select count(*) from vis)::int as total_reports,
          (select count(*) from vis where assigned_responder_id = $1 and state in ${OPEN_STATES})::int as needs_response,
          (select count(*) from vis where updated_at > now() - interval '7 days')::int as recent_activity,
          (select count(*) from conduct_notifications where user_id = $1 and not is_read)::int as unread`,
);

export interface QuickStats {
  totalReports: number;
  totalEvents: number;
  unreadNotifications: number;
  /** visible reports created or changed in the last 7 days */
  recentActivity: number;
  /** visible reports assigned to the viewer that are submitted, acknowledged or investigating */
  needsResponse: number;
}

export async function quickStats(ctx: AppContext): Promise<QuickStats> {
  const viewer = requireViewer(ctx);
  const [r] = await ctx.app.sql.read<Record<string, number>>(existingEm(ctx), QUICK_STATS, [viewer.id]);
  return {
    totalReports: r.total_reports,
    totalEvents: r.total_events,
    unreadNotifications: r.unread,
    recentActivity: r.recent_activity,
    needsResponse: r.needs_response,
  };
}

// --- one event --------------------------------------------------------------------------------------

const EVENT_STATS = statement(
  'conduct_event_stats',
  `select (select count(*) from conduct_reports where event_id = $1)::int as total_reports,
          (select count(distinct user_id) from conduct_event_roles where event_id = $1)::int as total_users,
          (select count(*) from conduct_reports where event_id = $1 and state in ${OPEN_STATES})::int as needs_response,
          (select count(*) from conduct_invites where event_id = $1 and not disabled
              and (expires_at is null or expires_at > now()) and (max_uses is null or use_count < max_uses))::int as pending_invites,
          (select count(*) from conduct_reports where event_id = $1 and assigned_responder_id = $2)::int as assigned_to_me,
          (select count(*) from conduct_reports where event_id = $1 and state in ('resolved', 'closed'))::int as resolved,
          (select count(*) from conduct_reports where event_id = $1 and reporter_id = $2)::int as my_reports`,
);

export interface EventStats {
  totalReports: number;
  /** distinct users holding a role in the event */
  totalUsers: number;
  needsResponse: number;
  /** invite links still usable: enabled, not expired, not used up */
  pendingInvites: number;
  assignedToMe: number;
  /** resolved or closed */
  resolvedReports: number;
  myReports: number;
}

/** An event's numbers for its staff (Responder, Admin, SuperAdmin): 404 unknown event, 403 anyone else. */
export async function eventStats(ctx: AppContext, slug: string): Promise<EventStats> {
  const { eventId, access } = await eventIdWithRole(ctx, { slug }, 'Responder');
  const [r] = await ctx.app.sql.read<Record<string, number>>(existingEm(ctx), EVENT_STATS, [eventId, access.viewer.id]);
  return {
    totalReports: r.total_reports,
    totalUsers: r.total_users,
    needsResponse: r.needs_response,
    pendingInvites: r.pending_invites,
    assignedToMe: r.assigned_to_me,
    resolvedReports: r.resolved,
    myReports: r.my_reports,
  };
}

/** The reports of event $1 that the viewer $2 may see ($3: staff sees all, else only their own). */
const CARD_STATS = statement(
  'conduct_event_card_stats',
  `with seen as (select id, state, severity, assigned_responder_id, created_at, updated_at from conduct_reports
                  where event_id = $1 and ($3::boolean or reporter_id = $2))
   select (select count(*) from seen)::int as total_reports,
          (select count(*) from seen where severity in ('high', 'critical')
              or (state = 'submitted' and created_at > now() - interval '24 hours'))::int as urgent,
          (select count(*) from seen where assigned_responder_id = $2)::int as assigned_to_me,
          (select count(*) from seen where state in ${OPEN_STATES})::int as needs_response,
          (select count(*) from seen where updated_at > now() - interval '7 days')::int as recent_activity,
          (select coalesce(array_agg(id order by created_at desc, id desc), '{}')
             from (select id, created_at from seen order by created_at desc, id desc limit ${RECENT_REPORTS}) newest) as recent`,
);

export interface EventCardStats {
  totalReports: number;
  /** high or critical severity, or submitted within the last 24 hours (upstream's rule, critical added) */
  urgentReports: number;
  assignedToMe: number;
  needsResponse: number;
  /** reports created or changed in the last 7 days */
  recentActivity: number;
  recentReports: ConductReport[];
}

/** An event's card for any role there, counting only the reports the viewer may see. */
export async function eventCardStats(ctx: AppContext, slug: string): Promise<EventCardStats> {
  const { eventId, access } = await eventIdWithRole(ctx, { slug }, 'Reporter');
  const [r] = await ctx.app.sql.read<Record<string, unknown>>(existingEm(ctx), CARD_STATS, [eventId, access.viewer.id, access.staff]);
  const ids = Array.isArray(r.recent) ? (r.recent as string[]) : String(r.recent).replace(/^{|}$/g, '').split(',').filter(Boolean);
  const rows = ids.length ? await ctx.em.find(ConductReport, { id: { $in: ids } }) : [];
  const byId = new Map(rows.map((x) => [x.id, x]));
  return {
    totalReports: r.total_reports as number,
    urgentReports: r.urgent as number,
    assignedToMe: r.assigned_to_me as number,
    needsResponse: r.needs_response as number,
    recentActivity: r.recent_activity as number,
    recentReports: ids.map((id) => byId.get(id)).filter((x): x is ConductReport => !!x),
  };
}

// --- the activity feed ------------------------------------------------------------------------------

/**
 * What happened to the reports the viewer sees, newest first: submissions, state changes, comments
 * (internal ones only in events where the viewer is staff) and assignments (staff only: a Reporter does
 * not see assignments, conduct-reports.md `canViewAssignments`; an assignment is a `report.*` audit entry of
 * the report naming a new assignee in `details.assignedResponderId`, as the report service writes it, or
 * `details.assigneeId`; null is an unassignment, not listed). Each branch takes its newest `$2`, then
 * the union is cut to `$2`. Never a comment's body or a state change's notes.
 */
const ACTIVITY = statement(
  'conduct_activity',
  `with ${VISIBLE},
   items as (
     (select 'report_submitted' as type, v.id as report_id, v.event_id, v.title, v.created_at as at,
             v.reporter_id = $1 as by_me, null::text as who, null::text as from_state, null::text as to_state, null::text as visibility, false as to_me
        from vis v order by v.created_at desc limit $2)
     union all
     (select 'report_status_changed', v.id, v.event_id, v.title, sc.created_at, sc.changed_by_id = $1, u.name, sc.from_state, sc.to_state, null, false
        from conduct_report_state_changes sc join vis v on v.id = sc.report_id left join users u on u.id = sc.changed_by_id
       order by sc.created_at desc limit $2)
     union all
     (select 'comment_added', v.id, v.event_id, v.title, c.created_at, c.author_id = $1, u.name, null, null, c.visibility, false
        from conduct_comments c join vis v on v.id = c.report_id left join users u on u.id = c.author_id
       where c.visibility = 'public' or v.staff
       order by c.created_at desc limit $2)
     union all
     (select 'report_assigned', v.id, v.event_id, v.title, a.created_at, a.actor_id = $1, u.name, null, null, null, a.assignee = $1
        from (select created_at, actor_id, target_id, (coalesce(details->>'assignedResponderId', details->>'assigneeId'))::uuid as assignee
                from conduct_audit_logs
               where target_type = 'Report' and action like 'report.%'
                 and coalesce(details->>'assignedResponderId', details->>'assigneeId') is not null) a
        join vis v on a.target_id = v.id::text
        left join users u on u.id = a.assignee
       where v.staff
       order by a.created_at desc limit $2))
   select i.type, i.report_id, i.title, ${epochMs('i.at', 'at_ms')}, coalesce(i.by_me, false) as by_me, i.who, i.from_state, i.to_state, i.visibility,
          i.to_me, e.slug as event_slug, e.name as event_name
     from items i join conduct_events e on e.id = i.event_id
    order by i.at desc, i.report_id desc limit $2`,
);

export interface ActivityItem {
  type: string;
  message: string;
  timestamp: Date;
  eventSlug: string;
  reportId: string;
}

interface ActivityRow {
  type: string;
  report_id: string;
  title: string;
  /** milliseconds since the epoch (the prepared pool leaves timestamps as text) */
  at_ms: number;
  by_me: boolean;
  who: string | null;
  from_state: string | null;
  to_state: string | null;
  visibility: string | null;
  to_me: boolean;
  event_slug: string;
  event_name: string;
}

function message(r: ActivityRow): string {
  const report = `"${r.title}" in ${r.event_name}`;
  const who = r.by_me ? 'You' : (r.who ?? 'Someone');
  switch (r.type) {
    case 'report_submitted':
      return r.by_me ? `You submitted the report ${report}.` : `A new report ${report} was submitted.`;
    case 'report_status_changed':
      return `${who} moved report ${report} from ${r.from_state} to ${r.to_state}.`;
    case 'comment_added':
      return `${who} added ${r.visibility === 'internal' ? 'an internal comment' : 'a comment'} to report ${report}.`;
    default:
      return `Report ${report} was assigned to ${r.to_me ? 'you' : (r.who ?? 'someone')}.`;
  }
}

/** The viewer's activity feed (limit 1..50, default 10), newest first. */
export async function activity(ctx: AppContext, limit?: number | null): Promise<ActivityItem[]> {
  const viewer = requireViewer(ctx);
  const n = limit ?? 10;
  if (!Number.isInteger(n) || n < 1 || n > ACTIVITY_MAX) throw badInput(`limit must be from 1 to ${ACTIVITY_MAX}`, { limit: `must be from 1 to ${ACTIVITY_MAX}` });
  const rows = await ctx.app.sql.read<ActivityRow>(existingEm(ctx), ACTIVITY, [viewer.id, n]);
  return rows.map((r) => ({
    type: r.type,
    message: message(r),
    timestamp: new Date(Number(r.at_ms)),
    eventSlug: r.event_slug,
    reportId: r.report_id,
  }));
}
