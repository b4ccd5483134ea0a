/**
 * One report's use cases (conduct-reports.md "Reports"): create, read, change state (with the assignee
 * and notes rules), change fields (each with the contract's who-may rule), and the state history. The
 * checks follow conduct's order (report-access.ts: 401, event 404, no role 403, report 404, not one's own
 * 403; then the input 400; then the ids the input names). Every change runs in one unit of work with its
 * audit entry, its state-history row, the notes comment and the report hooks (notifications), and is
 * published on `conduct.reportChanged` after commit.
 */
import { LockMode } from '@mikro-orm/core';
import type { AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { badInput, forbidden } from '../../errors/domain-error';
import { isUuid } from '../../db/ids';
import { unitOfWork } from '../../db/unit-of-work';
import { User } from '../identity/user.entity';
import { ConductEvent } from './event.entity';
import { ConductEventRoleName } from './event-role.entity';
import { ConductComment, ConductCommentVisibility } from './comment.entity';
import { ConductReportStateChange } from './report-state-change.entity';
import { ConductContactPreference, ConductReport, ConductReportSeverity, ConductReportState, ConductReportType } from './report.entity';
import { audit, ConductRef, eventRoles, eventWithRole, MESSAGES } from './conduct-access';
import { reportInEvent } from './report-access';
import { reportChanged } from './report-hooks';
import { ReportView, viewOf } from './report-lists.service';
import { STATE_HISTORY_MAX } from './reports.inputs';
import type { Topics } from '../../pubsub/topics';
import type { FileUpload } from 'graphql-upload-minimal';
import { attachEvidence, readEvidence } from './evidence.service';

export const REPORT_MESSAGES = {
  title: 'Report title must be between 10 and 70 characters.',
  description: 'Description is required.',
  descriptionLength: 'Description must be at most 5000 characters.',
  parties: 'Parties must be at most 1000 characters.',
  location: 'Location must be at most 1000 characters.',
  resolution: 'Resolution must be at most 5000 characters.',
  incidentAt: 'Incident date cannot be more than 24 hours in the future.',
  badDate: 'Incident date must be a valid date.',
  nothingToUpdate: 'Nothing to update.',
  assigneeRequired: 'An assigned responder is required to move a report to investigating.',
  notesRequired: (state: string) => `Notes are required to move a report to ${state}.`,
  assignee: 'Assignee must be a Responder or Admin of this event.',
  required: (field: string) => `${field} is required.`,
} as const;

const TITLE_MIN = 10;
const TITLE_MAX = 70;
const DESCRIPTION_MAX = 5000;
const PARTIES_MAX = 1000;
const LOCATION_MAX = 1000;
const RESOLUTION_MAX = 5000;
/** conduct-reports.md field edits: `incidentAt` at most 24 h ahead (upstream) */
const INCIDENT_AHEAD_MS = 24 * 3600 * 1000;

// --- checks ----------------------------------------------------------------------------------------

function checkTitle(title: string): string {
  const t = title.trim();
  if (t.length < TITLE_MIN || t.length > TITLE_MAX) throw badInput(REPORT_MESSAGES.title, { title: `must be ${TITLE_MIN} to ${TITLE_MAX} characters` });
  return t;
}

function checkDescription(description: string): string {
  if (!description.trim()) throw badInput(REPORT_MESSAGES.description, { description: 'is required' });
  if (description.length > DESCRIPTION_MAX) throw badInput(REPORT_MESSAGES.descriptionLength, { description: `at most ${DESCRIPTION_MAX} characters` });
  return description;
}

function optionalText(value: string | null, field: string, max: number, message: string): string | null {
  if (value === null || !value.trim()) return null;
  if (value.length > max) throw badInput(message, { [field]: `at most ${max} characters` });
  return value;
}

function checkIncidentAt(value: Date | null): Date | null {
  if (value === null) return null;
  if (Number.isNaN(value.getTime())) throw badInput(REPORT_MESSAGES.badDate, { incidentAt: 'must be a date' });
  if (value.getTime() > Date.now() + INCIDENT_AHEAD_MS) throw badInput(REPORT_MESSAGES.incidentAt, { incidentAt: 'at most 24 hours ahead' });
  return value;
}

/** A value of a string enum, else 400 naming the field (the REST surface hands raw strings through). */
function oneOf<T extends string>(values: Record<string, T>, value: unknown, field: string): T {
  const all = Object.values(values);
  if (!all.includes(value as T)) throw badInput(`${field} must be one of: ${all.join(', ')}.`, { [field]: `must be one of ${all.join(', ')}` });
  return value as T;
}

/** conduct-reports.md: an assignee is a Responder or Admin of the event (else 400, an unknown user too). */
async function checkAssignee(ctx: AppContext, eventId: string, userId: string): Promise<void> {
  const roles = isUuid(userId) ? await eventRoles(ctx, eventId, userId) : [];
  if (!roles.some((r) => r === ConductEventRoleName.RESPONDER || r === ConductEventRoleName.ADMIN)) {
    throw badInput(REPORT_MESSAGES.assignee, { assignedResponderId: 'must be a Responder or Admin of the event' });
  }
}

function publishChange(tx: AppContext, report: ConductReport, kind: Topics['conduct.reportChanged']['kind']): void {
  const v = viewOf(report);
  tx.publish('conduct.reportChanged', { eventId: v.eventId, reportId: v.id, reporterId: v.reporterId, kind, internal: false });
}

// --- create and read -------------------------------------------------------------------------------

export interface CreateReportInput {
  title: string;
  type: ConductReportType;
  description: string;
  location?: string | null;
  contactPreference?: ConductContactPreference | null;
  severity?: ConductReportSeverity | null;
  incidentAt?: Date | null;
  parties?: string | null;
}

/**
 * Any role in the event (an inactive event too, as upstream): a new report, `submitted`, unassigned,
 * reported by the viewer. Its event's staff are told (report hooks) in the same transaction.
 */
/**
 * A new report by any role holder of the event; its evidence files, when given, are read and checked
 * after the report's fields and stored in the same unit of work (evidence.service.ts `attachEvidence`),
 * so one bad file creates nothing.
 */
export async function createReport(
  ctx: AppContext,
  ref: ConductRef,
  input: CreateReportInput,
  evidence?: readonly (Promise<FileUpload> | FileUpload)[] | null,
): Promise<ReportView> {
  const { event } = await eventWithRole(ctx, ref, 'Reporter');
  const viewer = requireViewer(ctx);
  const fields = {
    title: checkTitle(input.title),
    type: oneOf(ConductReportType, input.type, 'type'),
    description: checkDescription(input.description),
    location: optionalText(input.location ?? null, 'location', LOCATION_MAX, REPORT_MESSAGES.location),
    contactPreference: input.contactPreference ? oneOf(ConductContactPreference, input.contactPreference, 'contactPreference') : ConductContactPreference.EMAIL,
    severity: input.severity ? oneOf(ConductReportSeverity, input.severity, 'severity') : null,
    incidentAt: checkIncidentAt(input.incidentAt ?? null),
    parties: optionalText(input.parties ?? null, 'parties', PARTIES_MAX, REPORT_MESSAGES.parties),
  };
  const files = evidence?.length ? await readEvidence(ctx, evidence) : [];
  return unitOfWork(ctx, async (tx) => {
    const report = tx.em.create(ConductReport, {
      ...fields,
      event: tx.em.getReference(ConductEvent, event.id),
      reporter: tx.em.getReference(User, viewer.id),
    });
    tx.em.persist(report);
    await tx.em.flush();
    await attachEvidence(tx, report, files);
    await audit(tx, { action: 'report.created', targetType: 'Report', targetId: report.id, eventId: event.id, details: { type: report.type } });
    await reportChanged(tx, { kind: 'submitted', report });
    publishChange(tx, report, 'CREATED');
    return viewOf(report);
  });
}

/** The reporter or the event's staff: one report of the event. */
export async function getReport(ctx: AppContext, ref: ConductRef, reportId: string): Promise<ReportView> {
  return viewOf((await reportInEvent(ctx, ref, reportId, 'ownOrStaff')).report);
}

// --- changes ---------------------------------------------------------------------------------------

/** What one change sets; undefined keeps a value (the checks are done). */
interface Change {
  title?: string;
  type?: ConductReportType;
  description?: string;
  location?: string | null;
  contactPreference?: ConductContactPreference;
  incidentAt?: Date | null;
  parties?: string | null;
  severity?: ConductReportSeverity | null;
  resolution?: string | null;
  state?: ConductReportState;
  /** null unassigns */
  assignee?: string | null;
  /** the actor's notes (a state change): an internal comment and the history row's notes */
  notes?: string | null;
}

const PLAIN_FIELDS = ['title', 'type', 'description', 'location', 'contactPreference', 'incidentAt', 'parties', 'severity', 'resolution'] as const;

const same = (a: unknown, b: unknown) => (a instanceof Date && b instanceof Date ? a.getTime() === b.getTime() : (a ?? null) === (b ?? null));

/**
 * Applies a checked change under the report's row lock: the fields, then the state (a history row, the
 * notes as an internal comment by the actor), then the assignee; one audit entry; the hooks for a state
 * change and a new assignee; one published change. Nothing that changed: nothing written.
 */
async function applyChange(ctx: AppContext, eventId: string, reportId: string, change: Change): Promise<ReportView> {
  const viewer = requireViewer(ctx);
  return unitOfWork(ctx, async (tx) => {
    const report = await tx.em.findOneOrFail(ConductReport, { id: reportId }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
    const fields: string[] = [];
    for (const key of PLAIN_FIELDS) {
      const value = change[key];
      if (value !== undefined && !same(report[key], value)) {
        (report as unknown as Record<string, unknown>)[key] = value;
        fields.push(key);
      }
    }
    const from = report.state;
    const to = change.state !== undefined && change.state !== from ? change.state : null;
    if (to) report.state = to;
    const before = report.assignedResponder ? report.assignedResponder.id : null;
    const assignee = change.assignee !== undefined && change.assignee !== before ? change.assignee : undefined;
    if (assignee !== undefined) report.assignedResponder = assignee ? tx.em.getReference(User, assignee) : null;
    const notes = change.notes?.trim() || null;
    if (!fields.length && !to && assignee === undefined && !notes) return viewOf(report);
    report.updatedAt = new Date();
    await tx.em.flush();
    const actor = tx.em.getReference(User, viewer.id);
    if (to) tx.em.persist(tx.em.create(ConductReportStateChange, { report, fromState: from, toState: to, changedBy: actor, notes }));
    let note: ConductComment | null = null;
    if (notes) {
      const body = to ? `State changed from ${from} to ${to}.\n\n${notes}` : notes;
      note = tx.em.create(ConductComment, { report, author: actor, body, visibility: ConductCommentVisibility.INTERNAL });
      tx.em.persist(note);
    }
    await tx.em.flush();
    // the notes are a comment like any other: staff watching the report's comments see them arrive
    if (note) tx.publish('conduct.commentAdded', { eventId, reportId: report.id, commentId: note.id, visibility: ConductCommentVisibility.INTERNAL });
    const action = to ? 'report.state_changed' : assignee !== undefined ? 'report.assigned' : 'report.updated';
    await audit(tx, {
      action,
      targetType: 'Report',
      targetId: report.id,
      eventId,
      details: { fields, ...(to ? { from, to } : {}), ...(assignee !== undefined ? { assignedResponderId: assignee } : {}) },
    });
    if (to) await reportChanged(tx, { kind: 'stateChanged', report, from, to });
    if (assignee) await reportChanged(tx, { kind: 'assigned', report, assigneeId: assignee });
    publishChange(tx, report, to ? 'STATE_CHANGED' : assignee !== undefined ? 'ASSIGNED' : 'UPDATED');
    return viewOf(report);
  });
}

export interface StateChangeInput {
  state: ConductReportState;
  assignedResponderId?: string | null;
  notes?: string | null;
}

/**
 * Staff (Reporters 403): a new state, optionally an assignee and notes (conduct-reports.md "States"):
 * `investigating` needs an assignee (given, or the report's) and notes, `resolved` needs notes.
 */
export async function changeState(ctx: AppContext, ref: ConductRef, reportId: string, input: StateChangeInput): Promise<ReportView> {
  const { report, event } = await reportInEvent(ctx, ref, reportId, 'staff');
  const state = oneOf(ConductReportState, input.state, 'state');
  const notes = input.notes?.trim() || null;
  const assignee = input.assignedResponderId || null;
  const current = report.assignedResponder ? report.assignedResponder.id : null;
  if (state === ConductReportState.INVESTIGATING && !(assignee ?? current)) throw badInput(REPORT_MESSAGES.assigneeRequired, { assignedToUserId: 'is required' });
  if ((state === ConductReportState.INVESTIGATING || state === ConductReportState.RESOLVED) && !notes)
    throw badInput(REPORT_MESSAGES.notesRequired(state), { notes: 'are required' });
  if (assignee) await checkAssignee(ctx, event.id, assignee);
  return applyChange(ctx, event.id, report.id, { state, notes, ...(assignee ? { assignee } : {}) });
}

export interface UpdateReportInput {
  title?: string | null;
  type?: ConductReportType | null;
  description?: string | null;
  location?: string | null;
  contactPreference?: ConductContactPreference | null;
  incidentAt?: Date | null;
  parties?: string | null;
  state?: ConductReportState | null;
  assignedResponderId?: string | null;
  severity?: ConductReportSeverity | null;
  resolution?: string | null;
}

/** conduct-reports.md: who may change which field (the strictest rule of the fields given applies). */
const STAFF_ONLY: (keyof UpdateReportInput)[] = ['state', 'assignedResponderId', 'severity', 'resolution'];
const OWN_OR_ADMIN: (keyof UpdateReportInput)[] = ['description', 'contactPreference'];

/**
 * Changes fields of a report; absent keeps, null clears an optional one (title, type, description,
 * contact preference and state cannot be cleared: 400). Who may: state, assignee, severity, resolution:
 * staff; description, contact preference: the reporter, Admins, SuperAdmin; title: the reporter or staff
 * by slug, the reporter, Admins or SuperAdmin by event id (conduct-reports.md "Document vs original
 * backend" 6); location, type, incident date, parties: the reporter or staff.
 */
export async function updateReport(ctx: AppContext, ref: ConductRef, reportId: string, input: UpdateReportInput): Promise<ReportView> {
  const given = (Object.keys(input) as (keyof UpdateReportInput)[]).filter((k) => input[k] !== undefined);
  const { report, event, access } = await reportInEvent(ctx, ref, reportId, 'ownOrStaff');
  if (given.some((k) => STAFF_ONLY.includes(k)) && !access.staff) throw forbidden(MESSAGES.insufficientRole);
  const ownOrAdmin = given.some((k) => OWN_OR_ADMIN.includes(k)) || (given.includes('title') && !!ref.id);
  if (ownOrAdmin && !(access.own || access.admin)) throw forbidden(MESSAGES.insufficientRole);
  if (!given.length) throw badInput(REPORT_MESSAGES.nothingToUpdate);

  const change: Change = {};
  const required = <K extends keyof UpdateReportInput>(key: K): NonNullable<UpdateReportInput[K]> => {
    const v = input[key];
    if (v === null || v === undefined) throw badInput(REPORT_MESSAGES.required(key), { [key]: 'cannot be cleared' });
    return v as NonNullable<UpdateReportInput[K]>;
  };
  if (input.title !== undefined) change.title = checkTitle(required('title'));
  if (input.type !== undefined) change.type = oneOf(ConductReportType, required('type'), 'type');
  if (input.description !== undefined) change.description = checkDescription(required('description'));
  if (input.contactPreference !== undefined) change.contactPreference = oneOf(ConductContactPreference, required('contactPreference'), 'contactPreference');
  if (input.state !== undefined) change.state = oneOf(ConductReportState, required('state'), 'state');
  if (input.location !== undefined) change.location = optionalText(input.location, 'location', LOCATION_MAX, REPORT_MESSAGES.location);
  if (input.parties !== undefined) change.parties = optionalText(input.parties, 'parties', PARTIES_MAX, REPORT_MESSAGES.parties);
  if (input.resolution !== undefined) change.resolution = optionalText(input.resolution, 'resolution', RESOLUTION_MAX, REPORT_MESSAGES.resolution);
  if (input.incidentAt !== undefined) change.incidentAt = checkIncidentAt(input.incidentAt);
  if (input.severity !== undefined) change.severity = input.severity === null ? null : oneOf(ConductReportSeverity, input.severity, 'severity');
  if (input.assignedResponderId !== undefined) {
    change.assignee = input.assignedResponderId || null;
    if (change.assignee) await checkAssignee(ctx, event.id, change.assignee);
  }
  return applyChange(ctx, event.id, report.id, change);
}

// --- history ---------------------------------------------------------------------------------------

export interface StateHistoryEntry {
  id: string;
  fromState: ConductReportState;
  toState: ConductReportState;
  changedById: string | null;
  changedAt: Date;
  /** staff only */
  notes: string | null;
}

/** The reporter or staff: the report's state changes, newest first; the notes only for staff. */
export async function stateHistory(ctx: AppContext, ref: ConductRef, reportId: string): Promise<StateHistoryEntry[]> {
  const { report, access } = await reportInEvent(ctx, ref, reportId, 'ownOrStaff');
  const rows = await ctx.em.find(ConductReportStateChange, { report: report.id }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: STATE_HISTORY_MAX });
  return rows.map((r) => ({
    id: r.id,
    fromState: r.fromState,
    toState: r.toState,
    changedById: r.changedBy ? r.changedBy.id : null,
    changedAt: r.createdAt,
    notes: access.staff ? (r.notes ?? null) : null,
  }));
}
