/** Reports, evidence and comments (conduct-reports.md "Reports", "Cross-event reports", "Evidence", "Comments"). */
import type { RestRoute, RouteRequest } from '../engine/types';
import type {
  ConductChangeReportStateMutation,
  ConductCreateReportByIdMutation,
  ConductCreateReportMutation,
  ConductEventReportsByIdQuery,
  ConductEventReportsQuery,
  ConductMyReportsQuery,
  ConductReportByIdQuery,
  ConductReportExportQuery,
  ConductReportQuery,
  ConductReportStateHistoryQuery,
  ConductUpdateReportFieldMutation,
  ConductUpdateReportMutation,
  ConductUpdateReportTitleByIdMutation,
  ConductUpdateReportTitleMutation,
} from '../../generated/graphql';
import { paths, route } from './kit';
import { EVIDENCE_UPLOADS } from './evidence.routes';
import { body, queryString, refuse } from './request';

// --- reports: reading legacy input ----------------------------------------------------------------

const MESSAGES = {
  createRequired: 'Title, type, and description are required.',
  title: 'Report title must be between 10 and 70 characters.',
  type: 'Invalid report type. Must be one of: harassment, safety, other.',
  contactPreference: 'Invalid contact preference. Must be one of: email, phone, in_person, no_contact.',
  severity: 'Invalid severity. Must be one of: low, medium, high, critical.',
  state: 'Invalid state. Must be one of: submitted, acknowledged, investigating, resolved, closed.',
  stateRequired: 'State is required.',
  nothingToUpdate: 'At least one of assignedResponderId, severity, resolution or state is required.',
  format: 'Invalid format. Must be csv or pdf.',
};

const TYPES = ['harassment', 'safety', 'other'];
const STATES = ['submitted', 'acknowledged', 'investigating', 'resolved', 'closed'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];
const CONTACTS = ['email', 'phone', 'in_person', 'no_contact'];
const SORTS: Record<string, string> = { createdAt: 'CREATED_AT', updatedAt: 'UPDATED_AT', title: 'TITLE', state: 'STATE', status: 'STATE', severity: 'SEVERITY' };

/** The graph's enum name of a stored value (`in_person` → `IN_PERSON`). */
const enumName = (v: string) => v.toUpperCase();

/** A value of a legacy enum (case-insensitive; `in-person` reads `in_person`), else 400. */
function legacyEnum(value: unknown, allowed: string[], field: string, message: string): string {
  const v = typeof value === 'string' ? value.trim().toLowerCase().replace(/-/g, '_') : undefined;
  if (v === undefined || !allowed.includes(v)) refuse(message, { [field]: `must be one of ${allowed.join(', ')}` });
  return enumName(v);
}

/** A create's or edit's optional text: a string, or null/"" (none); anything else 400. */
function optionalText(value: unknown, field: string): string | null {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string') refuse(`${field} must be text.`, { [field]: 'must be a string' });
  return value;
}

/** `incidentAt`: an ISO date-time or date (null/"" none); a zone-less one reads as UTC. */
function incidentAt(value: unknown): string | null {
  if (value === undefined || value === null || value === '') return null;
  const bad = () => refuse('Incident date must be a valid date.', { incidentAt: 'must be an ISO date' });
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value.trim())) bad();
  const v = (value as string).trim();
  const d = new Date(/T|\s/.test(v) && !/(Z|[+-]\d{2}:?\d{2})$/.test(v) ? `${v.replace(' ', 'T')}Z` : v);
  if (Number.isNaN(d.getTime())) bad();
  return d.toISOString();
}

/** The create body: JSON, or the text fields of a multipart form (its files are evidence: EVIDENCE_UPLOADS). */
function createInput(r: RouteRequest): Record<string, unknown> {
  const b: Record<string, unknown> = r.req.is('multipart/form-data') ? r.fields : body(r);
  const missing = ['title', 'type', 'description'].filter((k) => typeof b[k] !== 'string' || !(b[k] as string).trim());
  if (missing.length) refuse(MESSAGES.createRequired, Object.fromEntries(missing.map((k) => [k, 'is required'])));
  const title = (b.title as string).trim();
  if (title.length < 10 || title.length > 70) refuse(MESSAGES.title, { title: 'must be 10 to 70 characters' });
  const input: Record<string, unknown> = {
    title,
    type: legacyEnum(b.type, TYPES, 'type', MESSAGES.type),
    description: b.description,
    location: optionalText(b.location, 'location'),
    parties: optionalText(b.parties, 'parties'),
    incidentAt: incidentAt(b.incidentAt),
  };
  if (b.contactPreference !== undefined && b.contactPreference !== null && b.contactPreference !== '') {
    input.contactPreference = legacyEnum(b.contactPreference, CONTACTS, 'contactPreference', MESSAGES.contactPreference);
  }
  // the form's `urgency` is the report's severity (conduct-reports.md "Create body")
  const urgency = b.urgency ?? b.severity;
  if (urgency !== undefined && urgency !== null && urgency !== '') input.severity = legacyEnum(urgency, SEVERITIES, 'urgency', MESSAGES.severity);
  return input;
}

/** A positive whole number of the query (absent: null), else 400; `max` bounds it. */
function positive(r: RouteRequest, key: string, max?: number): number | null {
  const v = queryString(r, key);
  if (v === undefined) return null;
  if (!/^\d+$/.test(v) || Number(v) < 1) refuse(`${key} must be a positive whole number.`, { [key]: 'must be a positive whole number' });
  if (max !== undefined && Number(v) > max) refuse(`${key} must be at most ${max}.`, { [key]: `must be at most ${max}` });
  return Number(v);
}

/** The list filters every report list takes (`status`/`severity`/`priority`, `assigned`, `sort`, `order`, `search`). */
function listFilter(r: RouteRequest, cross: boolean): Record<string, unknown> {
  const filter: Record<string, unknown> = { search: queryString(r, 'search') ?? null };
  const status = queryString(r, 'status') ?? queryString(r, 'state');
  if (status !== undefined) filter.state = legacyEnum(status, STATES, 'status', MESSAGES.state);
  const severity = queryString(r, 'severity') ?? queryString(r, 'priority');
  if (severity !== undefined) filter.severity = legacyEnum(severity, SEVERITIES, 'severity', MESSAGES.severity);
  const assigned = queryString(r, 'assigned');
  if (assigned !== undefined) filter.assigned = legacyEnum(assigned, ['me', 'unassigned', 'others'], 'assigned', 'assigned must be me, unassigned or others.');
  const sort = queryString(r, 'sort');
  if (sort !== undefined) {
    if (!SORTS[sort]) refuse('Invalid sort field.', { sort: `must be one of ${Object.keys(SORTS).join(', ')}` });
    filter.sort = SORTS[sort];
  }
  const order = queryString(r, 'order');
  if (order !== undefined) filter.order = legacyEnum(order, ['asc', 'desc'], 'order', 'order must be asc or desc.');
  if (cross) {
    filter.event = queryString(r, 'event') ?? null;
  } else {
    const userId = queryString(r, 'userId');
    if (userId !== undefined) filter.userId = userId;
  }
  return filter;
}

// --- reports: legacy shapes -----------------------------------------------------------------------

interface Person {
  id: string;
  name: string;
  email?: string | null;
}
interface ReportData {
  id: string;
  eventId: string;
  reporterId?: string | null;
  assignedResponderId?: string | null;
  title: string;
  description: string;
  type: string;
  state: string;
  severity?: string | null;
  resolution?: string | null;
  location?: string | null;
  contactPreference: string;
  incidentAt?: string | null;
  parties?: string | null;
  createdAt: string;
  updatedAt: string;
  reporter?: Person | null;
  assignedResponder?: Person | null;
  event?: { id: string; name: string; slug: string } | null;
  evidenceFiles?: { id: string; filename: string; mimetype: string; size: number; createdAt: string }[];
  viewerRoles?: string[];
}

const person = (p?: Person | null) => (p ? { id: p.id, name: p.name, email: p.email ?? null } : null);

/** conduct-reports.md "Report object": stored enum values (`in_person`), unset fields null; the people and files when selected. */
function legacyReport(d: ReportData) {
  const out: Record<string, unknown> = {
    id: d.id,
    eventId: d.eventId,
    reporterId: d.reporterId ?? null,
    title: d.title,
    description: d.description,
    type: d.type.toLowerCase(),
    state: d.state.toLowerCase(),
    severity: d.severity?.toLowerCase() ?? null,
    resolution: d.resolution ?? null,
    location: d.location ?? null,
    contactPreference: d.contactPreference.toLowerCase(),
    incidentAt: d.incidentAt ?? null,
    parties: d.parties ?? null,
    assignedResponderId: d.assignedResponderId ?? null,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
  if (d.reporter !== undefined) out.reporter = person(d.reporter);
  if (d.assignedResponder !== undefined) out.assignedResponder = person(d.assignedResponder);
  if (d.event !== undefined) out.event = d.event;
  if (d.evidenceFiles !== undefined) out.evidenceFiles = d.evidenceFiles;
  if (d.viewerRoles !== undefined) out.userRoles = d.viewerRoles.map((r) => r.charAt(0) + r.slice(1).toLowerCase());
  return out;
}

/** A CSV cell: quoted when needed; a leading `=`, `+`, `-`, `@` is defused (spreadsheet formulas). */
function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

const EXPORT_COLUMNS = ['id', 'title', 'type', 'state', 'severity', 'reporter', 'assignedResponder', 'location', 'incidentAt', 'createdAt', 'updatedAt', 'description'] as const;

function exportRows(reports: ReportData[]): string[][] {
  return reports.map((d) => {
    const l = legacyReport(d) as Record<string, unknown>;
    return EXPORT_COLUMNS.map((c) => (c === 'reporter' ? (d.reporter?.name ?? '') : c === 'assignedResponder' ? (d.assignedResponder?.name ?? '') : String(l[c] ?? '')));
  });
}

// --- reports: operations --------------------------------------------------------------------------

// every document repeats the report's fields (codegen reads each document alone)
export const reportRouteGroup: RestRoute[] = [
  {
    method: 'post',
    ...paths('/api/events/slug/:slug/reports'),
    summary:
      'Any role in the event: a new report {title (10–70), type, description, location?, contactPreference?, urgency?, incidentAt?, parties?}, JSON or multipart → 201 {report}',
    operation: /* GraphQL */ `mutation ConductCreateReport($slug: String!, $input: CreateConductReportInput!, $files: [Upload!]) {
      createConductReport(slug: $slug, input: $input, evidence: $files) { id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt }
    }`,
    // multipart: the text fields, and evidence files in `evidence`/`evidence[]`, stored with the report (one bad file creates nothing)
    ...EVIDENCE_UPLOADS,
    variables: (r) => ({ slug: r.params.slug, input: createInput(r) }),
    status: 201,
    result: (data: ConductCreateReportMutation) => ({ report: legacyReport(data.createConductReport) }),
  },
  {
    method: 'post',
    ...paths('/api/events/:eventId/reports'),
    summary: 'Any role in the event: a new report (as by slug) → 201 {report}',
    operation: /* GraphQL */ `mutation ConductCreateReportById($eventId: ID!, $input: CreateConductReportInput!, $files: [Upload!]) {
      createConductReport(eventId: $eventId, input: $input, evidence: $files) { id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt }
    }`,
    ...EVIDENCE_UPLOADS,
    variables: (r) => ({ eventId: r.params.eventId, input: createInput(r) }),
    status: 201,
    result: (data: ConductCreateReportByIdMutation) => ({ report: legacyReport(data.createConductReport) }),
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/reports'),
    summary:
      'Any role (Reporters: their own): ?page&limit (≤ 100)&search&status&severity&assigned=me|unassigned|others&sort&order&userId&includeStats → {reports, total, page, limit, totalPages, canViewAssignments, stats?}',
    operation: /* GraphQL */ `query ConductEventReports($slug: String!, $filter: ConductReportFilter, $page: Int, $limit: Int, $withStats: Boolean!) {
      conductReports(slug: $slug, filter: $filter, page: $page, limit: $limit) {
        total page limit totalPages canViewAssignments
        stats @include(if: $withStats) { submitted acknowledged investigating resolved closed total }
        reports {
          id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt
          reporter { id name email } assignedResponder { id name email }
        }
      }
    }`,
    variables: (r) => ({
      slug: r.params.slug,
      filter: listFilter(r, false),
      page: positive(r, 'page'),
      limit: positive(r, 'limit', 100),
      withStats: queryString(r, 'includeStats') === 'true',
    }),
    result: ({ conductReports: p }: ConductEventReportsQuery) => ({
      reports: p.reports.map(legacyReport),
      total: p.total,
      page: p.page,
      limit: p.limit,
      totalPages: p.totalPages,
      canViewAssignments: p.canViewAssignments,
      ...(p.stats ? { stats: p.stats } : {}),
    }),
  },
  {
    method: 'get',
    ...paths('/api/events/:eventId/reports'),
    summary: 'Any role (Reporters: their own): the same filters, limit default 10 → {reports}',
    operation: /* GraphQL */ `query ConductEventReportsById($eventId: ID!, $filter: ConductReportFilter, $page: Int, $limit: Int) {
      conductReports(eventId: $eventId, filter: $filter, page: $page, limit: $limit) {
        reports {
          id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt
          reporter { id name email } assignedResponder { id name email }
        }
      }
    }`,
    variables: (r) => ({ eventId: r.params.eventId, filter: listFilter(r, false), page: positive(r, 'page'), limit: positive(r, 'limit', 100) ?? 10 }),
    result: (data: ConductEventReportsByIdQuery) => ({ reports: data.conductReports.reports.map(legacyReport) }),
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/reports/export'),
    summary: 'Any role (Reporters: their own): ?format=csv|pdf&ids=a,b → an attachment (pdf: plain text)',
    operation: /* GraphQL */ `query ConductReportExport($slug: String!, $filter: ConductReportFilter) {
      conductReports(slug: $slug, filter: $filter, limit: 1000) {
        reports {
          id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt
          reporter { id name email } assignedResponder { id name email }
        }
      }
    }`,
    variables: (r) => {
      const format = queryString(r, 'format') ?? 'csv';
      if (format !== 'csv' && format !== 'pdf') refuse(MESSAGES.format, { format: 'must be csv or pdf' });
      const ids = queryString(r, 'ids')
        ?.split(',')
        .map((s) => s.trim())
        .filter(Boolean);
      return { slug: r.params.slug, filter: ids?.length ? { ids } : null };
    },
    produces: ['text/csv', 'text/plain'],
    raw: (data: ConductReportExportQuery, r) => {
      const rows = exportRows(data.conductReports.reports);
      const stamp = new Date().toISOString().slice(0, 10);
      const slug = r.params.slug.replace(/[^\w-]/g, '');
      if (queryString(r, 'format') === 'pdf') {
        const text = [`Reports of ${slug} (${stamp})`, '', ...rows.map((row) => EXPORT_COLUMNS.map((c, i) => `${c}: ${row[i]}`).join('\n') + '\n')].join('\n');
        return { contentType: 'text/plain; charset=utf-8', body: text, headers: { 'Content-Disposition': `attachment; filename="reports-${slug}-${stamp}.txt"` } };
      }
      const csv = [EXPORT_COLUMNS.join(','), ...rows.map((row) => row.map(csvCell).join(','))].join('\r\n') + '\r\n';
      return { contentType: 'text/csv; charset=utf-8', body: csv, headers: { 'Content-Disposition': `attachment; filename="reports-${slug}-${stamp}.csv"` } };
    },
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/reports/:reportId'),
    summary: 'The reporter or staff: one report with its reporter, assignee, evidence files (metadata) and event → {report}',
    operation: /* GraphQL */ `query ConductReport($slug: String!, $reportId: ID!) {
      conductReport(slug: $slug, reportId: $reportId) {
        id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt
        reporter { id name email } assignedResponder { id name email } event { id name slug }
        evidenceFiles { id filename mimetype size createdAt }
      }
    }`,
    variables: (r) => ({ slug: r.params.slug, reportId: r.params.reportId }),
    result: (data: ConductReportQuery) => ({ report: legacyReport(data.conductReport) }),
  },
  {
    method: 'get',
    ...paths('/api/events/:eventId/reports/:reportId'),
    summary: 'The reporter or staff: one report (as by slug) → {report}',
    operation: /* GraphQL */ `query ConductReportById($eventId: ID!, $reportId: ID!) {
      conductReport(eventId: $eventId, reportId: $reportId) {
        id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt
        reporter { id name email } assignedResponder { id name email } event { id name slug }
        evidenceFiles { id filename mimetype size createdAt }
      }
    }`,
    variables: (r) => ({ eventId: r.params.eventId, reportId: r.params.reportId }),
    result: (data: ConductReportByIdQuery) => ({ report: legacyReport(data.conductReport) }),
  },
  {
    method: 'patch',
    ...paths('/api/events/:eventId/reports/:reportId/state'),
    summary: 'Staff: {state} or {status}, assignedTo/assignedToUserId?, notes? (investigating: assignee and notes; resolved: notes) → {report}',
    operation: /* GraphQL */ `mutation ConductChangeReportState($eventId: ID!, $reportId: ID!, $input: ChangeConductReportStateInput!) {
      changeConductReportState(eventId: $eventId, reportId: $reportId, input: $input) { id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt }
    }`,
    variables: (r) => {
      const b = body(r);
      const state = b.state ?? b.status;
      if (state === undefined || state === null || state === '') refuse(MESSAGES.stateRequired, { state: 'is required' });
      const assignee = b.assignedTo ?? b.assignedToUserId;
      if (assignee !== undefined && assignee !== null && assignee !== '' && typeof assignee !== 'string')
        refuse('assignedTo must be a user id.', { assignedTo: 'must be a user id' });
      return {
        eventId: r.params.eventId,
        reportId: r.params.reportId,
        input: { state: legacyEnum(state, STATES, 'state', MESSAGES.state), assignedResponderId: (assignee as string) || null, notes: optionalText(b.notes, 'notes') },
      };
    },
    result: (data: ConductChangeReportStateMutation) => ({ report: legacyReport(data.changeConductReportState) }),
  },
  {
    method: 'patch',
    ...paths('/api/events/slug/:slug/reports/:reportId'),
    summary: 'Staff: {assignedResponderId?, severity?, resolution?, state?} (at least one; null clears the first three) → {report}',
    operation: /* GraphQL */ `mutation ConductUpdateReport($slug: String!, $reportId: ID!, $input: UpdateConductReportInput!) {
      updateConductReport(slug: $slug, reportId: $reportId, input: $input) {
        id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt
        reporter { id name email } assignedResponder { id name email }
      }
    }`,
    variables: (r) => {
      const b = body(r);
      const input: Record<string, unknown> = {};
      if (b.assignedResponderId !== undefined) {
        if (b.assignedResponderId !== null && typeof b.assignedResponderId !== 'string')
          refuse('assignedResponderId must be a user id.', { assignedResponderId: 'must be a user id' });
        input.assignedResponderId = b.assignedResponderId || null;
      }
      if (b.severity !== undefined) input.severity = b.severity === null || b.severity === '' ? null : legacyEnum(b.severity, SEVERITIES, 'severity', MESSAGES.severity);
      if (b.resolution !== undefined) input.resolution = optionalText(b.resolution, 'resolution');
      if (b.state !== undefined) input.state = legacyEnum(b.state, STATES, 'state', MESSAGES.state);
      if (!Object.keys(input).length) refuse(MESSAGES.nothingToUpdate);
      return { slug: r.params.slug, reportId: r.params.reportId, input };
    },
    result: (data: ConductUpdateReportMutation) => ({ report: legacyReport(data.updateConductReport) }),
  },
  ...titleRoutes(),
  ...fieldRoutes(),
  {
    method: 'get',
    ...paths('/api/events/:eventId/reports/:reportId/state-history'),
    summary: 'The reporter or staff: the state changes, newest first → {history: [{id, fromState, toState, changedBy, changedAt, notes? (staff)}]}',
    operation: /* GraphQL */ `query ConductReportStateHistory($eventId: ID!, $reportId: ID!) {
      conductReportStateHistory(eventId: $eventId, reportId: $reportId) { id fromState toState changedAt notes changedBy { name } }
    }`,
    variables: (r) => ({ eventId: r.params.eventId, reportId: r.params.reportId }),
    result: (data: ConductReportStateHistoryQuery) => ({
      history: data.conductReportStateHistory.map((h) => ({
        id: h.id,
        fromState: h.fromState.toLowerCase(),
        toState: h.toState.toLowerCase(),
        changedBy: h.changedBy?.name ?? null,
        changedAt: h.changedAt,
        // internal: present only for staff (conduct-reports.md)
        ...(h.notes ? { notes: h.notes } : {}),
      })),
    }),
  },
  {
    method: 'get',
    ...paths('/api/users/me/reports'),
    summary:
      'Signed in: reports across events (staff: all of their events; Reporters: their own) ?page&limit (1–100)&search&status&severity&event&assigned&sort&order → {reports, pagination, total, page, limit, totalPages, canViewAssignments}',
    operation: /* GraphQL */ `query ConductMyReports($filter: ConductMyReportFilter, $page: Int, $limit: Int) {
      myConductReports(filter: $filter, page: $page, limit: $limit) {
        total page limit totalPages canViewAssignments
        reports {
          id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt
          reporter { id name email } assignedResponder { id name email } event { id name slug } viewerRoles
        }
      }
    }`,
    variables: (r) => ({ filter: listFilter(r, true), page: positive(r, 'page'), limit: positive(r, 'limit', 100) }),
    result: ({ myConductReports: p }: ConductMyReportsQuery) => {
      const numbers = { page: p.page, limit: p.limit, total: p.total, totalPages: p.totalPages };
      return { reports: p.reports.map(legacyReport), pagination: numbers, ...numbers, canViewAssignments: p.canViewAssignments };
    },
  },
];

/** Title by slug (the reporter or staff) and by event id (the reporter, Admins: a Responder 403): `{title}` → {report}. */
function titleRoutes(): RestRoute[] {
  const input = (r: RouteRequest) => {
    const title = body(r).title;
    if (typeof title !== 'string' || title.trim().length < 10 || title.trim().length > 70) refuse(MESSAGES.title, { title: 'must be 10 to 70 characters' });
    return { title: title.trim() };
  };
  return [
    {
      method: 'patch',
      ...paths('/api/events/slug/:slug/reports/:reportId/title'),
      summary: 'The reporter or staff: {title} (10–70) → {report}',
      operation: /* GraphQL */ `mutation ConductUpdateReportTitle($slug: String!, $reportId: ID!, $input: UpdateConductReportInput!) {
        updateConductReport(slug: $slug, reportId: $reportId, input: $input) { id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt }
      }`,
      variables: (r) => ({ slug: r.params.slug, reportId: r.params.reportId, input: input(r) }),
      result: (data: ConductUpdateReportTitleMutation) => ({ report: legacyReport(data.updateConductReport) }),
    },
    {
      method: 'patch',
      ...paths('/api/events/:eventId/reports/:reportId/title'),
      summary: 'The reporter, Admins, SuperAdmin (not Responders): {title} (10–70) → {report}',
      operation: /* GraphQL */ `mutation ConductUpdateReportTitleById($eventId: ID!, $reportId: ID!, $input: UpdateConductReportInput!) {
        updateConductReport(eventId: $eventId, reportId: $reportId, input: $input) { id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt }
      }`,
      variables: (r) => ({ eventId: r.params.eventId, reportId: r.params.reportId, input: input(r) }),
      result: (data: ConductUpdateReportTitleByIdMutation) => ({ report: legacyReport(data.updateConductReport) }),
    },
  ];
}

/**
 * The field edits of upstream (the frontend's edit forms), `PATCH /api/events/:eventId/reports/:id/<field>`:
 * location, type, incident-date, parties (the reporter or staff); description, contact-preference (the
 * reporter, Admins, SuperAdmin). One operation, one input key each.
 */
function fieldRoutes(): RestRoute[] {
  const edits: { segment: string; summary: string; input: (b: Record<string, unknown>) => Record<string, unknown> }[] = [
    { segment: 'location', summary: '{location} (null clears)', input: (b) => ({ location: optionalText(b.location, 'location') }) },
    { segment: 'type', summary: '{type}: harassment|safety|other', input: (b) => ({ type: legacyEnum(b.type, TYPES, 'type', MESSAGES.type) }) },
    { segment: 'incident-date', summary: '{incidentAt} (ISO or null, at most 24 h ahead)', input: (b) => ({ incidentAt: incidentAt(b.incidentAt) }) },
    { segment: 'parties', summary: '{parties} (≤ 1000 characters or null)', input: (b) => ({ parties: optionalText(b.parties, 'parties') }) },
    {
      segment: 'description',
      summary: '{description} (required, ≤ 5000 characters)',
      input: (b) => {
        if (typeof b.description !== 'string' || !b.description.trim()) refuse('Description is required.', { description: 'is required' });
        return { description: b.description };
      },
    },
    {
      segment: 'contact-preference',
      summary: '{contactPreference}: email|phone|in_person|no_contact',
      input: (b) => ({ contactPreference: legacyEnum(b.contactPreference, CONTACTS, 'contactPreference', MESSAGES.contactPreference) }),
    },
  ];
  return edits.map((e): RestRoute =>
    route({
      method: 'patch',
      ...paths(`/api/events/:eventId/reports/:reportId/${e.segment}`),
      summary: `${e.segment === 'description' || e.segment === 'contact-preference' ? 'The reporter, Admins, SuperAdmin' : 'The reporter or staff'}: ${e.summary} → {report}`,
      operation: /* GraphQL */ `mutation ConductUpdateReportField($eventId: ID!, $reportId: ID!, $input: UpdateConductReportInput!) {
          updateConductReport(eventId: $eventId, reportId: $reportId, input: $input) { id eventId reporterId assignedResponderId title description type state severity resolution location contactPreference incidentAt parties createdAt updatedAt }
        }`,
      variables: (r) => ({ eventId: r.params.eventId, reportId: r.params.reportId, input: e.input(body(r)) }),
      result: (data: ConductUpdateReportFieldMutation) => ({ report: legacyReport(data.updateConductReport) }),
    }),
  );
}

export const reportRoutes: RestRoute[] = [
  // --- reports (conduct-reports.md "Reports", "Cross-event reports") --------------------------------
  ...reportRouteGroup,
  // --- evidence and comments: their own groups below ------------------------------------------------
];
