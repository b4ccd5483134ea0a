/**
 * Who may touch a report (conduct-reports.md "Access rules"), shared by the report, evidence, comment
 * and notification services: no session 401; unknown event 404; no role in the event 403; unknown report,
 * a report of another event, or an id that is not a UUID 404; a Reporter on someone else's report 403.
 * Staff (Responder, Admin, SuperAdmin) reach every report of their event.
 */
import type { AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { forbidden, notFound } from '../../errors/domain-error';
import { isUuid } from '../../db/ids';
import { ConductEvent } from './event.entity';
import { ConductReport } from './report.entity';
import { ConductRef, EventAccess, eventWithRole, MESSAGES, requireEventRole } from './conduct-access';

export const REPORT_NOT_FOUND = 'Report not found';

/** The viewer's access to one report: the event's access plus whether the report is the viewer's own. */
export interface ReportAccess extends EventAccess {
  /** the viewer reported it */
  own: boolean;
}

export interface ReportWithAccess {
  report: ConductReport;
  event: ConductEvent;
  access: ReportAccess;
}

/** What an operation on a report requires beyond a role in its event. */
export type ReportNeed =
  /** the reporter or staff (reading, commenting, evidence on the slug routes) */
  | 'ownOrStaff'
  /** Responder, Admin or SuperAdmin of the event (state, assignment, deleting evidence) */
  | 'staff'
  /** the reporter, an Admin or the SuperAdmin (not a Responder: description, contact preference, by-id title) */
  | 'ownOrAdmin';

function check(access: ReportAccess, need: ReportNeed): void {
  const ok = need === 'staff' ? access.staff : need === 'ownOrAdmin' ? access.own || access.admin : access.own || access.staff;
  if (!ok) throw forbidden(MESSAGES.insufficientRole);
}

function withOwn(access: EventAccess, report: ConductReport): ReportAccess {
  const reporterId = report.reporter ? (typeof report.reporter === 'string' ? report.reporter : report.reporter.id) : null;
  const own = reporterId !== null && reporterId === access.viewer.id;
  // a literal of one shape (an object spread and then added to got a hidden class of its own each time in optimized code)
  return { viewer: access.viewer, superAdmin: access.superAdmin, roles: access.roles, highest: access.highest, staff: access.staff, admin: access.admin, own };
}

/** A report by event (id or slug) and report id, with the checks in the contract's order. */
export async function reportInEvent(ctx: AppContext, ref: ConductRef, reportId: string, need: ReportNeed = 'ownOrStaff'): Promise<ReportWithAccess> {
  const { event, access } = await eventWithRole(ctx, ref, 'Reporter');
  const report = isUuid(reportId) ? await ctx.em.findOne(ConductReport, { id: reportId, event: event.id }) : null;
  if (!report) throw notFound(REPORT_NOT_FOUND);
  const reportAccess = withOwn(access, report);
  check(reportAccess, need);
  return { report, event, access: reportAccess };
}

/**
 * A report by its id alone (`/api/reports/:id/...`, `/api/evidence/:eid`): 401, then 404 for an unknown
 * report, then the same role rules in its event (upstream left these routes unchecked; the doc wins).
 */
export async function reportById(ctx: AppContext, reportId: string, need: ReportNeed = 'ownOrStaff'): Promise<ReportWithAccess> {
  requireViewer(ctx);
  const report = isUuid(reportId) ? await ctx.em.findOne(ConductReport, { id: reportId }, { populate: ['event'] }) : null;
  if (!report) throw notFound(REPORT_NOT_FOUND);
  const access = withOwn(await requireEventRole(ctx, report.event, 'Reporter'), report);
  check(access, need);
  return { report, event: report.event, access };
}
