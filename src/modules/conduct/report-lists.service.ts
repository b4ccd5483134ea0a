/**
 * Reading reports in bulk (conduct-reports.md "Reports" lists, "Cross-event reports"): an event's list
 * (by slug or id) with every filter, sort, search and paging of the contract, the cross-event list with
 * role-aware visibility, and the per-request loaders the report's fields use (people, events, evidence).
 *
 * Lists cost a constant number of statements whatever the page size, all prepared (src/db/prepared-sql.ts):
 * the event with the viewer's roles, the page with its total (a window count), one statement for the
 * people the page names (loader), plus a count for a page past the end and the stats when asked.
 * Reports are answered as `ReportView`s (plain rows with the ids of what they name), whichever way
 * they were read, so the field resolvers have one shape to deal with.
 */
import { existingEm, type AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { badInput } from '../../errors/domain-error';
import { isUuid } from '../../db/ids';
import { epochMs, statement, Statement } from '../../db/prepared-sql';
import { listUserColumns, listUserFromRow, userColumns, userFromRow } from '../identity/user-row';
import type { UserRow } from '../../auth/auth-store';
import type { User } from '../identity/user.entity';
import { ConductEvent } from './event.entity';
import { ConductEvidence } from './evidence.entity';
import { ConductContactPreference, ConductReport, ConductReportSeverity, ConductReportState, ConductReportType } from './report.entity';
import { ConductRef, eventIdWithRole, EventAccess, isSlug } from './conduct-access';
import { ConductReportAssigned, ConductReportSort, ConductSortOrder, REPORT_EVIDENCE_MAX, REPORTS_PAGE_MAX } from './reports.inputs';
import type { PeopleSelection } from './report-people-selection';

// --- the view --------------------------------------------------------------------------------------

/** A report as the graph answers it: its columns, and the ids of its event and people. */
export interface ReportView {
  id: string;
  eventId: string;
  reporterId: string | null;
  assignedResponderId: string | null;
  title: string;
  description: string;
  type: ConductReportType;
  state: ConductReportState;
  severity: ConductReportSeverity | null;
  resolution: string | null;
  location: string | null;
  contactPreference: ConductContactPreference;
  incidentAt: Date | null;
  parties: string | null;
  createdAt: Date;
  updatedAt: Date;
  /**
   * The people read with a list's page (`readPeople`), for the field resolvers to answer without a
   * loader; a field left undefined was not read (its resolver loads it).
   */
  preloaded?: { reporter?: User | null; assignedResponder?: User | null };
}

const idOf = (ref: { id: string } | string | null | undefined): string | null => (ref ? (typeof ref === 'string' ? ref : ref.id) : null);

/** The view of a managed report (after a write). */
export function viewOf(r: ConductReport): ReportView {
  return {
    id: r.id,
    eventId: idOf(r.event)!,
    reporterId: idOf(r.reporter),
    assignedResponderId: idOf(r.assignedResponder),
    title: r.title,
    description: r.description,
    type: r.type,
    state: r.state,
    severity: r.severity ?? null,
    resolution: r.resolution ?? null,
    location: r.location ?? null,
    contactPreference: r.contactPreference,
    incidentAt: r.incidentAt ?? null,
    parties: r.parties ?? null,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/**
 * The report columns every statement here selects (named: prepared statements survive added columns).
 * Times come as epoch milliseconds (`epochMs`), three per report.
 */
const COLUMNS = `r.id, r.event_id, r.reporter_id, r.assigned_responder_id, r.title, r.description, r.type, r.state, r.severity,
  r.resolution, r.location, r.contact_preference, ${epochMs('r.incident_at', 'incident_ms')}, r.parties,
  ${epochMs('r.created_at', 'created_ms')}, ${epochMs('r.updated_at', 'updated_ms')}`;

interface ReportRow {
  id: string;
  event_id: string;
  reporter_id: string | null;
  assigned_responder_id: string | null;
  title: string;
  description: string;
  type: ConductReportType;
  state: ConductReportState;
  severity: ConductReportSeverity | null;
  resolution: string | null;
  location: string | null;
  contact_preference: ConductContactPreference;
  incident_ms: number | null;
  parties: string | null;
  created_ms: number;
  updated_ms: number;
}

function viewOfRow(r: ReportRow): ReportView {
  return {
    id: r.id,
    eventId: r.event_id,
    reporterId: r.reporter_id,
    assignedResponderId: r.assigned_responder_id,
    title: r.title,
    description: r.description,
    type: r.type,
    state: r.state,
    severity: r.severity,
    resolution: r.resolution,
    location: r.location,
    contactPreference: r.contact_preference,
    incidentAt: r.incident_ms === null ? null : new Date(r.incident_ms),
    parties: r.parties,
    createdAt: new Date(r.created_ms),
    updatedAt: new Date(r.updated_ms),
  };
}

const REPORT_BY_ID = statement('conduct_report_by_id', `select ${COLUMNS} from conduct_reports r where r.id = $1::uuid`);

/** One report's view by id, or null (no access check: the caller did it, or filters by event and viewer). */
export async function reportView(ctx: AppContext, reportId: string): Promise<ReportView | null> {
  if (!isUuid(reportId)) return null;
  const [row] = await ctx.app.sql.read<ReportRow>(existingEm(ctx), REPORT_BY_ID, [reportId]);
  return row ? viewOfRow(row) : null;
}

// --- paging and order --------------------------------------------------------------------------------

export interface PageArgs {
  page?: number | null;
  limit?: number | null;
}

function paging(q: PageArgs, defaultLimit: number): { page: number; limit: number; offset: number } {
  const page = q.page ?? 1;
  const limit = q.limit ?? defaultLimit;
  if (!Number.isInteger(page) || page < 1) throw badInput('page must be a whole number from 1', { page: 'must be from 1' });
  if (!Number.isInteger(limit) || limit < 1 || limit > REPORTS_PAGE_MAX)
    throw badInput(`limit must be from 1 to ${REPORTS_PAGE_MAX}`, { limit: `must be from 1 to ${REPORTS_PAGE_MAX}` });
  return { page, limit, offset: (page - 1) * limit };
}

/** conduct-reports.md `sort`: states and severities in their own order (severity unset: lowest). */
const ORDER: Record<ConductReportSort, string> = {
  createdAt: 'r.created_at',
  updatedAt: 'r.updated_at',
  title: 'lower(r.title)',
  state: "array_position(array['submitted','acknowledged','investigating','resolved','closed'], r.state)",
  severity: "coalesce(array_position(array['low','medium','high','critical'], r.severity), 0)",
};

function pattern(search: string | null | undefined): string | null {
  const s = search?.trim();
  return s ? `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
}

/**
 * A page of reports with its total: the matching rows (`r.*` and the window count `ix_total`) sorted and
 * cut in a subquery, the columns (times as epoch milliseconds) computed over the page's rows only —
 * computed beside the window count, PostgreSQL would make them for every matching row — and the page
 * ordered again (twenty rows) so its order never rests on a subquery's.
 */
function pageOf(matching: string, sort: ConductReportSort, order: ConductSortOrder, limit: string, offset: string): string {
  const orderBy = `order by ${ORDER[sort]} ${order}, r.id ${order}`;
  return `select ${COLUMNS}, r.ix_total from (${matching} ${orderBy} limit ${limit} offset ${offset}) r ${orderBy}`;
}

/** A page's statements, one per sort and direction (a static text each, so each is prepared once). */
function cached(map: Map<string, Statement>, name: string, text: () => string): Statement {
  let s = map.get(name);
  if (!s) map.set(name, (s = statement(name, text())));
  return s;
}

const ASSIGNED = (mode: string, viewer: string) =>
  `(${mode}::text is null or (${mode} = 'me' and r.assigned_responder_id = ${viewer}) or (${mode} = 'unassigned' and r.assigned_responder_id is null)` +
  ` or (${mode} = 'others' and r.assigned_responder_id <> ${viewer}))`;

// --- one event's list --------------------------------------------------------------------------------

export interface EventReportQuery extends PageArgs {
  search?: string | null;
  state?: ConductReportState | null;
  severity?: ConductReportSeverity | null;
  assigned?: ConductReportAssigned | null;
  userId?: string | null;
  ids?: string[] | null;
  sort?: ConductReportSort | null;
  order?: ConductSortOrder | null;
}

export interface ReportPage {
  reports: ReportView[];
  total: number;
  page: number;
  limit: number;
  totalPages: number;
  canViewAssignments: boolean;
  /** the event and the viewer's access there (stats are computed on demand by the resolver) */
  scope?: { eventId: string; access: EventAccess };
}

/**
 * $1 event, $2 only this reporter (a Reporter's own; null for staff), $3 search pattern, $4 state,
 * $5 severity, $6 assigned mode, $7 the viewer, $8 the `userId` filter, $9 report ids.
 */
const EVENT_WHERE = `r.event_id = $1::uuid
  and ($2::uuid is null or r.reporter_id = $2::uuid)
  and ($3::text is null or r.title ilike $3 or r.description ilike $3)
  and ($4::text is null or r.state = $4)
  and ($5::text is null or r.severity = $5)
  and ${ASSIGNED('$6', '$7::uuid')}
  and ($8::uuid is null or r.reporter_id = $8::uuid)
  and ($9::uuid[] is null or r.id = any($9::uuid[]))`;
const EVENT_TOTAL = statement('conduct_event_reports_total', `select count(*)::int as total from conduct_reports r where ${EVENT_WHERE}`);
const eventPages = new Map<string, Statement>();

/** An event list's filters as the service resolved them (null: not given). */
interface EventFilters {
  eventId: string;
  /** only this reporter's (a Reporter's own list) */
  reporter: string | null;
  pattern: string | null;
  state: string | null;
  severity: string | null;
  assigned: string | null;
  viewer: string;
  userId: string | null;
  ids: string[] | null;
}

/** `EVENT_TOTAL`'s values ($1…$9, the order of `EVENT_WHERE`). */
function totalValues(f: EventFilters): unknown[] {
  return [f.eventId, f.reporter, f.pattern, f.state, f.severity, f.assigned, f.viewer, f.userId, f.ids];
}

/**
 * An event's page: a statement per sort, direction and combination of the filters given, each filter a
 * condition only when given (the values numbered in that order). With `($n is null or …)` for every filter
 * in one statement, PostgreSQL either plans it anew at every execution or, as its cost model chose in the
 * bench (pg_stat_statements: 48 plans for 5,600 executions), keeps one generic plan that evaluates every
 * `$n is null or …` on every row of the event: 1.49 ms an execution against 0.97 plus 0.14 of planning for
 * the same filters planned each time. Without those conditions the plan kept is as good as a fresh one.
 */
function eventPage(sort: ConductReportSort, order: ConductSortOrder, f: EventFilters, limit: number, offset: number): { statement: Statement; values: unknown[] } {
  const values: unknown[] = [f.eventId];
  const where = ['r.event_id = $1::uuid'];
  let key = '';
  const param = (value: unknown, cast = '') => `$${values.push(value)}${cast}`;
  const when = (flag: string, condition: string) => {
    key += flag;
    where.push(condition);
  };
  if (f.reporter !== null) when('r', `r.reporter_id = ${param(f.reporter, '::uuid')}`);
  if (f.pattern !== null) {
    const p = param(f.pattern, '::text');
    when('s', `(r.title ilike ${p} or r.description ilike ${p})`);
  }
  if (f.state !== null) when('t', `r.state = ${param(f.state, '::text')}`);
  if (f.severity !== null) when('v', `r.severity = ${param(f.severity, '::text')}`);
  if (f.assigned === ConductReportAssigned.ME) when('m', `r.assigned_responder_id = ${param(f.viewer, '::uuid')}`);
  else if (f.assigned === ConductReportAssigned.UNASSIGNED) when('n', 'r.assigned_responder_id is null');
  else if (f.assigned === ConductReportAssigned.OTHERS) when('o', `r.assigned_responder_id <> ${param(f.viewer, '::uuid')}`);
  if (f.userId !== null) when('u', `r.reporter_id = ${param(f.userId, '::uuid')}`);
  if (f.ids !== null) when('i', `r.id = any(${param(f.ids, '::uuid[]')})`);
  const limitAt = param(limit);
  const offsetAt = param(offset);
  const statement = cached(eventPages, `conduct_event_reports_${sort}_${order}_${key}`, () =>
    pageOf(`select r.*, count(*) over ()::int as ix_total from conduct_reports r where ${where.join(' and ')}`, sort, order, limitAt, offsetAt),
  );
  return { statement, values };
}

/**
 * An event's reports (any role there; conduct-reports.md "Lists"): Reporters get only their own, staff
 * all. Two prepared statements for the page and its total (the event with the viewer's roles; the page
 * with a window count), a third only for a page past the end.
 */
export async function eventReports(ctx: AppContext, ref: ConductRef, q: EventReportQuery, defaultLimit = 20, people?: PeopleSelection): Promise<ReportPage> {
  const { eventId, access } = await eventIdWithRole(ctx, ref, 'Reporter');
  const { page, limit, offset } = paging(q, defaultLimit);
  if (q.userId != null && !isUuid(q.userId)) throw badInput('userId must be a user id', { userId: 'must be a user id' });
  const ids = q.ids ? q.ids.filter(isUuid) : null;
  if (ids && q.ids!.length > REPORTS_PAGE_MAX) throw badInput(`at most ${REPORTS_PAGE_MAX} ids`, { ids: `at most ${REPORTS_PAGE_MAX}` });
  const filters: EventFilters = {
    eventId,
    reporter: access.staff ? null : access.viewer.id,
    pattern: pattern(q.search),
    state: q.state ?? null,
    severity: q.severity ?? null,
    assigned: q.assigned ?? null,
    viewer: access.viewer.id,
    userId: q.userId ?? null,
    ids,
  };
  const { statement, values } = eventPage(q.sort ?? ConductReportSort.CREATED_AT, q.order ?? ConductSortOrder.DESC, filters, limit, offset);
  const rows = await ctx.app.sql.read<ReportRow & { ix_total: number }>(existingEm(ctx), statement, values);
  const total = rows.length ? rows[0].ix_total : offset === 0 ? 0 : (await ctx.app.sql.read<{ total: number }>(existingEm(ctx), EVENT_TOTAL, totalValues(filters)))[0].total;
  const reports = rows.map(viewOfRow);
  if (people) await readPeople(ctx, reports, people);
  return {
    reports,
    total,
    page,
    limit,
    totalPages: Math.ceil(total / limit),
    canViewAssignments: access.staff,
    scope: { eventId, access },
  };
}

const STATS = statement(
  'conduct_event_report_stats',
  `select count(*) filter (where r.state = 'submitted')::int as submitted,
          count(*) filter (where r.state = 'acknowledged')::int as acknowledged,
          count(*) filter (where r.state = 'investigating')::int as investigating,
          count(*) filter (where r.state = 'resolved')::int as resolved,
          count(*) filter (where r.state = 'closed')::int as closed,
          count(*)::int as total
     from conduct_reports r where r.event_id = $1::uuid and ($2::uuid is null or r.reporter_id = $2::uuid)`,
);

/** Per-state counts of the reports the viewer may see in the event (the list's filters do not apply: upstream's `stats`). */
export async function eventReportStats(ctx: AppContext, scope: NonNullable<ReportPage['scope']>) {
  const [row] = await ctx.app.sql.read<Record<string, number>>(existingEm(ctx), STATS, [scope.eventId, scope.access.staff ? null : scope.access.viewer.id]);
  return row as { submitted: number; acknowledged: number; investigating: number; resolved: number; closed: number; total: number };
}

// --- the cross-event list ----------------------------------------------------------------------------

export interface MyReportQuery extends PageArgs {
  search?: string | null;
  state?: ConductReportState | null;
  severity?: ConductReportSeverity | null;
  assigned?: ConductReportAssigned | null;
  /** an event id or slug */
  event?: string | null;
  sort?: ConductReportSort | null;
  order?: ConductSortOrder | null;
}

/**
 * conduct-reports.md "Cross-event reports": the events where user $1 holds a role and whether they are
 * staff there, then every report of the staff events and their own in the others. $2 search pattern
 * (with the reporter's name), $3 state, $4 severity, $5 assigned mode, $6 event id, $7 event slug.
 */
const MINE_FROM = `(select event_id, bool_or(role in ('Responder', 'Admin')) as staff from conduct_event_roles where user_id = $1::uuid group by event_id) mine
  join conduct_reports r on r.event_id = mine.event_id and (mine.staff or r.reporter_id = $1::uuid)
  join conduct_events e on e.id = r.event_id
  left join users ru on ru.id = r.reporter_id`;
const MINE_WHERE = `($2::text is null or r.title ilike $2 or r.description ilike $2 or ru.name ilike $2)
  and ($3::text is null or r.state = $3)
  and ($4::text is null or r.severity = $4)
  and ${ASSIGNED('$5', '$1::uuid')}
  and ($6::uuid is null or e.id = $6::uuid)
  and ($7::text is null or e.slug = $7)`;
const MINE_TOTAL = statement('conduct_my_reports_total', `select count(*)::int as total from ${MINE_FROM} where ${MINE_WHERE}`);
/** whether the user is staff in any event (the cross-event list's `canViewAssignments`) */
const MINE_STAFF = statement('conduct_my_reports_staff', `select exists (select 1 from conduct_event_roles where user_id = $1::uuid and role in ('Responder', 'Admin')) as staff`);
const myPages = new Map<string, Statement>();

function myPage(sort: ConductReportSort, order: ConductSortOrder): Statement {
  return cached(myPages, `conduct_my_reports_${sort}_${order}`, () =>
    pageOf(`select r.*, count(*) over ()::int as ix_total from ${MINE_FROM} where ${MINE_WHERE}`, sort, order, '$8', '$9'),
  );
}

/**
 * The viewer's reports across events: every report of the events where they are a Responder or Admin,
 * and their own where they are only a Reporter; nothing where they hold no role (a SuperAdmin's too:
 * the list follows roles, as upstream's and the dashboards' do).
 */
export async function myReports(ctx: AppContext, q: MyReportQuery, people?: PeopleSelection): Promise<ReportPage> {
  const viewer = requireViewer(ctx);
  const { page, limit, offset } = paging(q, 20);
  const event = q.event?.trim() || null;
  const eventId = event && isUuid(event) ? event : null;
  const eventSlug = event && !eventId ? (isSlug(event) ? event : '\u0000') : null;
  const params = [viewer.id, pattern(q.search), q.state ?? null, q.severity ?? null, q.assigned ?? null, eventId, eventSlug];
  const rows = await ctx.app.sql.read<ReportRow & { ix_total: number }>(existingEm(ctx), myPage(q.sort ?? ConductReportSort.CREATED_AT, q.order ?? ConductSortOrder.DESC), [
    ...params,
    limit,
    offset,
  ]);
  const total = rows.length ? rows[0].ix_total : offset === 0 ? 0 : (await ctx.app.sql.read<{ total: number }>(existingEm(ctx), MINE_TOTAL, params))[0].total;
  const [{ staff }] = await ctx.app.sql.read<{ staff: boolean }>(existingEm(ctx), MINE_STAFF, [viewer.id]);
  const reports = rows.map(viewOfRow);
  if (people) await readPeople(ctx, reports, people);
  return { reports, total, page, limit, totalPages: Math.ceil(total / limit), canViewAssignments: staff };
}

// --- loaders of the report's fields ------------------------------------------------------------------

const USERS_BY_ID = (ctx: AppContext) => cached(userStatements, 'conduct_report_people', () => `select ${userColumns(ctx.app.orm, 'u')} from users u where u.id = any($1::uuid[])`);
const userStatements = new Map<string, Statement>();

const PEOPLE_NARROW = statement('conduct_report_people_narrow', `select ${listUserColumns('u')} from users u where u.id = any($1::uuid[])`);

/**
 * The people a page's reports name, read with the page when the selection asks for them
 * (report-people-selection.ts): one statement, as the loader would have sent (none when no report names
 * anyone asked), carried on each view in `preloaded` so that `reporter` and `assignedResponder` answer
 * synchronously instead of through a loader promise per report and field. When only LIST_USER_FIELDS are
 * asked of the people, only their columns are read (5 of ~20), as slim Users (user-row.ts).
 */
async function readPeople(ctx: AppContext, reports: ReportView[], people: PeopleSelection): Promise<void> {
  if (people.read !== 'narrow' && people.read !== 'full') return;
  const ids = new Set<string>();
  for (const r of reports) {
    if (people.reporter && r.reporterId) ids.add(r.reporterId);
    if (people.assignedResponder && r.assignedResponderId) ids.add(r.assignedResponderId);
  }
  if (!ids.size) return;
  const byId = new Map<string, User>();
  if (people.read === 'narrow') {
    const rows = await ctx.app.sql.read<UserRow>(existingEm(ctx), PEOPLE_NARROW, [[...ids]]);
    for (const row of rows) byId.set(row.id, listUserFromRow(ctx.app.orm, row));
  } else {
    const rows = await ctx.app.sql.read<UserRow>(existingEm(ctx), USERS_BY_ID(ctx), [[...ids]]);
    for (const row of rows) byId.set(row.id as string, userFromRow(ctx.app.orm, row));
  }
  for (const r of reports) {
    r.preloaded = {
      reporter: people.reporter ? (r.reporterId ? (byId.get(r.reporterId) ?? null) : null) : undefined,
      assignedResponder: people.assignedResponder ? (r.assignedResponderId ? (byId.get(r.assignedResponderId) ?? null) : null) : undefined,
    };
  }
}

/** A person a report names (reporter, assignee, author of a change), one statement per request and page. */
export function reportPerson(ctx: AppContext, userId: string | null): Promise<User | null> {
  if (!userId) return Promise.resolve(null);
  return ctx
    .loader<string, User | null>('conduct.reportPerson', async (ids) => {
      const rows = await ctx.app.sql.read<UserRow>(existingEm(ctx), USERS_BY_ID(ctx), [ids as string[]]);
      const byId = new Map(rows.map((r) => [r.id as string, userFromRow(ctx.app.orm, r)]));
      return ids.map((id) => byId.get(id) ?? null);
    })
    .load(userId);
}

/** The event a report belongs to. */
export function reportEvent(ctx: AppContext, eventId: string): Promise<ConductEvent | null> {
  return ctx
    .loader<string, ConductEvent | null>('conduct.reportEvent', async (ids) => {
      const events = await ctx.em.find(ConductEvent, { id: { $in: ids as string[] } });
      const byId = new Map(events.map((e) => [e.id, e]));
      return ids.map((id) => byId.get(id) ?? null);
    })
    .load(eventId);
}

/** A report's evidence files (metadata), oldest first. */
export function reportEvidence(ctx: AppContext, reportId: string): Promise<ConductEvidence[]> {
  return ctx
    .loader<string, ConductEvidence[]>('conduct.reportEvidence', async (ids) => {
      const files = await ctx.em.find(ConductEvidence, { report: { $in: ids as string[] } }, { orderBy: { createdAt: 'asc', id: 'asc' } });
      return ids.map((id) => files.filter((f) => idOf(f.report) === id).slice(0, REPORT_EVIDENCE_MAX));
    })
    .load(reportId);
}
