/**
 * conduct's reports (conduct-reports.md "Reports"), route by route as conduct's frontend sends them, with
 * the role matrix (a Reporter on their own and on others' reports, Responder, Admin, SuperAdmin without a
 * role, an outsider 403, a report under another event 404, anonymous 401), bad input 400 (never 500), and
 * the same operations through GraphQL.
 */
import { api, conductServer, conductUser, ConductUser, grantEventRole, reportBody, seedEvent, seedReport, sql } from './conduct.helpers';
import { form, PNG } from './cakeplanner.helpers';
import type { TestServer } from './support/server';

let s: TestServer;
let superAdmin: ConductUser;
let admin: ConductUser;
let responder: ConductUser;
let reporter: ConductUser;
let reporter2: ConductUser;
let outsider: ConductUser;
let event: { id: string; slug: string };
let other: { id: string; slug: string };
const MISSING = '00000000-0000-0000-0000-000000000000';

const REPORT_KEYS = [
  'id',
  'eventId',
  'reporterId',
  'title',
  'description',
  'type',
  'state',
  'severity',
  'resolution',
  'location',
  'contactPreference',
  'incidentAt',
  'parties',
  'assignedResponderId',
  'createdAt',
  'updatedAt',
];

beforeAll(async () => {
  ({ s, superAdmin } = await conductServer());
  admin = await conductUser(s, { name: 'Ada Admin' });
  responder = await conductUser(s, { name: 'Rita Responder' });
  reporter = await conductUser(s, { name: 'Rob Reporter' });
  reporter2 = await conductUser(s, { name: 'Rae Reporter' });
  outsider = await conductUser(s, { name: 'Olga Outsider' });
  event = await seedEvent(s, { name: 'Main Conf' });
  other = await seedEvent(s, { name: 'Other Conf' });
  await grantEventRole(s, admin.id, event.id, 'Admin');
  await grantEventRole(s, responder.id, event.id, 'Responder');
  await grantEventRole(s, reporter.id, event.id, 'Reporter');
  await grantEventRole(s, reporter2.id, event.id, 'Reporter');
  await grantEventRole(s, outsider.id, other.id, 'Admin');
});
afterAll(() => s?.close());

const create = (who: ConductUser, over: Record<string, unknown> = {}, path = `/api/events/slug/${event.slug}/reports`) =>
  api(s, 'POST', path, { cookie: who.cookie, body: reportBody(over) });

describe('create', () => {
  it('answers 201 {report} with every field, submitted, unassigned, by the caller (an inactive event too)', async () => {
    const res = await create(reporter, {
      location: 'Hall B',
      contactPreference: 'in-person',
      urgency: 'high',
      incidentAt: '2025-01-02T10:00:00Z',
      parties: 'A person in a red hat',
    });
    expect(res.status).toBe(201);
    const r = res.body.report;
    expect(Object.keys(r).sort()).toEqual([...REPORT_KEYS].sort());
    expect(r).toMatchObject({
      eventId: event.id,
      reporterId: reporter.id,
      title: 'Harassment at the venue',
      type: 'harassment',
      state: 'submitted',
      severity: 'high',
      resolution: null,
      location: 'Hall B',
      contactPreference: 'in_person',
      incidentAt: '2025-01-02T10:00:00.000Z',
      parties: 'A person in a red hat',
      assignedResponderId: null,
    });
    const [row] = await sql(s, 'select contact_preference, severity, state from conduct_reports where id = $1', [r.id]);
    expect(row).toEqual({ contact_preference: 'in_person', severity: 'high', state: 'submitted' });
    const audit = await sql(s, "select actor_id, event_id from conduct_audit_logs where action = 'report.created' and target_id = $1", [r.id]);
    expect(audit).toEqual([{ actor_id: reporter.id, event_id: event.id }]);
  });

  it('by event id and without /api; contactPreference defaults to email; no-contact is stored no_contact', async () => {
    const byId = await create(responder, {}, `/api/events/${event.id}/reports`);
    expect(byId.status).toBe(201);
    expect(byId.body.report.contactPreference).toBe('email');
    const alias = await create(admin, { contactPreference: 'no-contact' }, `/events/slug/${event.slug}/reports`);
    expect(alias.status).toBe(201);
    expect(alias.body.report.contactPreference).toBe('no_contact');
  });

  it('takes the multipart form with its text fields, and stores the report when files come along', async () => {
    const fields = { title: 'Multipart report title', type: 'safety', description: 'Sent as a form', urgency: 'low' };
    const res = await api(s, 'POST', `/api/events/slug/${event.slug}/reports`, { cookie: reporter.cookie, rawBody: form(fields) });
    expect(res.status).toBe(201);
    expect(res.body.report).toMatchObject({ title: 'Multipart report title', type: 'safety', severity: 'low', reporterId: reporter.id });
    const withFile = await api(s, 'POST', `/api/events/slug/${event.slug}/reports`, {
      cookie: reporter.cookie,
      rawBody: form({ ...fields, title: 'Multipart with a file', 'evidence[]': { bytes: PNG, filename: 'photo.png', type: 'image/png' } }),
    });
    expect(withFile.status).toBe(201);
    expect((await sql(s, 'select 1 from conduct_reports where id = $1', [withFile.body.report.id])).length).toBe(1);
  });

  it('refuses bad input with 400 and stores nothing', async () => {
    const before = (await sql<{ n: number }>(s, 'select count(*)::int as n from conduct_reports'))[0].n;
    const bad: Record<string, unknown>[] = [
      { title: undefined },
      { title: 'Too short' },
      { title: 'x'.repeat(71) },
      { type: 'rudeness' },
      { type: undefined },
      { description: '   ' },
      { contactPreference: 'pigeon' },
      { urgency: 'extreme' },
      { incidentAt: 'yesterday' },
      { incidentAt: new Date(Date.now() + 3 * 24 * 3600 * 1000).toISOString() },
      { parties: 'p'.repeat(1001) },
      { title: 42 },
    ];
    for (const over of bad) {
      const res = await create(reporter, over);
      expect({ over, status: res.status }).toEqual({ over, status: 400 });
      expect(typeof res.body.error).toBe('string');
    }
    const malformed = await api(s, 'POST', `/api/events/slug/${event.slug}/reports`, {
      cookie: reporter.cookie,
      rawBody: '{"title": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(malformed.status).toBe(400);
    expect((await sql<{ n: number }>(s, 'select count(*)::int as n from conduct_reports'))[0].n).toBe(before);
  });

  it("401 anonymous, 403 without a role (another event's Admin), 404 unknown event", async () => {
    expect((await api(s, 'POST', `/api/events/slug/${event.slug}/reports`, { body: reportBody() })).status).toBe(401);
    const forbidden = await create(outsider);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toEqual({ error: 'Forbidden: insufficient role' });
    expect((await create(reporter, {}, '/api/events/slug/no-such-event/reports')).status).toBe(404);
    expect((await create(reporter, {}, '/api/events/not-a-uuid/reports')).status).toBe(404);
  });

  it('lets the SuperAdmin report without a role', async () => {
    expect((await create(superAdmin)).status).toBe(201);
  });
});

describe('one report', () => {
  let mine: string;
  let theirs: string;
  beforeAll(async () => {
    mine = await seedReport(s, event.id, { reporterId: reporter.id, title: 'My own report here' });
    theirs = await seedReport(s, event.id, { reporterId: reporter2.id, title: 'Someone else report' });
  });

  it('the reporter gets their own with reporter, evidenceFiles and event; another Reporter 403', async () => {
    for (const path of [`/api/events/slug/${event.slug}/reports/${mine}`, `/api/events/${event.id}/reports/${mine}`, `/events/slug/${event.slug}/reports/${mine}`]) {
      const res = await api(s, 'GET', path, { cookie: reporter.cookie });
      expect(res.status).toBe(200);
      expect(res.body.report).toMatchObject({
        id: mine,
        reporterId: reporter.id,
        reporter: { id: reporter.id, name: 'Rob Reporter', email: reporter.email },
        assignedResponder: null,
        evidenceFiles: [],
        event: { id: event.id, name: 'Main Conf', slug: event.slug },
      });
    }
    const res = await api(s, 'GET', `/api/events/slug/${event.slug}/reports/${theirs}`, { cookie: reporter.cookie });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'Forbidden: insufficient role' });
  });

  it('staff and the SuperAdmin read any; outsiders 403; other event 404; unknown or malformed 404; anonymous 401', async () => {
    for (const who of [responder, admin, superAdmin]) expect((await api(s, 'GET', `/api/events/${event.id}/reports/${theirs}`, { cookie: who.cookie })).status).toBe(200);
    expect((await api(s, 'GET', `/api/events/${event.id}/reports/${theirs}`, { cookie: outsider.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/events/${other.id}/reports/${theirs}`, { cookie: outsider.cookie })).status).toBe(404);
    expect((await api(s, 'GET', `/api/events/slug/${other.slug}/reports/${theirs}`, { cookie: superAdmin.cookie })).status).toBe(404);
    expect((await api(s, 'GET', `/api/events/${event.id}/reports/${MISSING}`, { cookie: admin.cookie })).status).toBe(404);
    expect((await api(s, 'GET', `/api/events/${event.id}/reports/nope`, { cookie: admin.cookie })).status).toBe(404);
    expect((await api(s, 'GET', `/api/events/${event.id}/reports/${theirs}`)).status).toBe(401);
  });
});

describe('state', () => {
  let report: string;
  beforeEach(async () => {
    report = await seedReport(s, event.id, { reporterId: reporter.id });
  });
  const patch = (who: ConductUser | null, b: unknown, id = report) => api(s, 'PATCH', `/api/events/${event.id}/reports/${id}/state`, { cookie: who?.cookie, body: b });

  it('staff move a report ({state} or {status}); a history row per change', async () => {
    const res = await patch(responder, { state: 'acknowledged' });
    expect(res.status).toBe(200);
    expect(res.body.report).toMatchObject({ id: report, state: 'acknowledged' });
    const alias = await patch(admin, { status: 'closed' });
    expect(alias.body.report.state).toBe('closed');
    expect((await patch(superAdmin, { state: 'submitted' })).status).toBe(200);
    const rows = await sql(s, 'select from_state, to_state, changed_by_id from conduct_report_state_changes where report_id = $1 order by created_at', [report]);
    expect(rows).toEqual([
      { from_state: 'submitted', to_state: 'acknowledged', changed_by_id: responder.id },
      { from_state: 'acknowledged', to_state: 'closed', changed_by_id: admin.id },
      { from_state: 'closed', to_state: 'submitted', changed_by_id: superAdmin.id },
    ]);
    const audits = await sql(s, "select count(*)::int as n from conduct_audit_logs where action = 'report.state_changed' and target_id = $1", [report]);
    expect(audits).toEqual([{ n: 3 }]);
  });

  it('investigating needs an assignee and notes; resolved needs notes; the notes are an internal comment by the actor', async () => {
    expect((await patch(responder, { state: 'investigating', notes: 'Looking into it' })).status).toBe(400);
    expect((await patch(responder, { state: 'investigating', assignedTo: responder.id })).status).toBe(400);
    expect((await patch(responder, { state: 'investigating', assignedTo: responder.id, notes: '   ' })).status).toBe(400);
    expect((await patch(responder, { state: 'resolved' })).status).toBe(400);
    const ok = await patch(responder, { state: 'investigating', assignedToUserId: responder.id, notes: 'Talked to the venue' });
    expect(ok.status).toBe(200);
    expect(ok.body.report).toMatchObject({ state: 'investigating', assignedResponderId: responder.id });
    const comments = await sql<{ author_id: string; visibility: string; body: string }>(s, 'select author_id, visibility, body from conduct_comments where report_id = $1', [
      report,
    ]);
    expect(comments).toHaveLength(1);
    expect(comments[0]).toMatchObject({ author_id: responder.id, visibility: 'internal' });
    expect(comments[0].body).toContain('Talked to the venue');
    expect(comments[0].body).toContain('submitted');
    // an assignee already set is enough the next time
    expect((await patch(admin, { state: 'acknowledged' })).status).toBe(200);
    expect((await patch(admin, { state: 'investigating', notes: 'Again' })).status).toBe(200);
    expect((await patch(admin, { state: 'resolved', notes: 'Resolved with a warning' })).status).toBe(200);
    const [row] = await sql(s, 'select notes from conduct_report_state_changes where report_id = $1 and to_state = $2', [report, 'resolved']);
    expect(row).toEqual({ notes: 'Resolved with a warning' });
  });

  it('refuses Reporters (even their own), outsiders, bad states and assignees who are not staff; changes nothing', async () => {
    expect((await patch(reporter, { state: 'closed' })).status).toBe(403);
    expect((await patch(outsider, { state: 'closed' })).status).toBe(403);
    expect((await patch(null, { state: 'closed' })).status).toBe(401);
    expect((await patch(responder, {})).status).toBe(400);
    expect((await patch(responder, { state: 'done' })).status).toBe(400);
    expect((await patch(responder, { state: 42 })).status).toBe(400);
    expect((await patch(responder, { state: 'acknowledged', assignedTo: reporter.id })).status).toBe(400);
    expect((await patch(responder, { state: 'acknowledged', assignedTo: MISSING })).status).toBe(400);
    expect((await patch(responder, { state: 'acknowledged', assignedTo: 'nobody' })).status).toBe(400);
    expect((await patch(responder, { state: 'acknowledged' }, MISSING)).status).toBe(404);
    const [row] = await sql(s, 'select state, assigned_responder_id from conduct_reports where id = $1', [report]);
    expect(row).toEqual({ state: 'submitted', assigned_responder_id: null });
  });
});

describe('slug PATCH', () => {
  let report: string;
  beforeAll(async () => {
    report = await seedReport(s, event.id, { reporterId: reporter.id });
  });
  const patch = (who: ConductUser, b: unknown) => api(s, 'PATCH', `/api/events/slug/${event.slug}/reports/${report}`, { cookie: who.cookie, body: b });

  it('staff set the assignee, severity, resolution and state; null clears (the frontend sends all three)', async () => {
    const res = await patch(responder, { assignedResponderId: admin.id, severity: 'critical', resolution: 'Spoke to them', state: 'acknowledged' });
    expect(res.status).toBe(200);
    expect(res.body.report).toMatchObject({
      assignedResponderId: admin.id,
      severity: 'critical',
      resolution: 'Spoke to them',
      state: 'acknowledged',
      assignedResponder: { id: admin.id, name: 'Ada Admin' },
    });
    const cleared = await patch(admin, { assignedResponderId: null, severity: null, resolution: null });
    expect(cleared.status).toBe(200);
    expect(cleared.body.report).toMatchObject({ assignedResponderId: null, severity: null, resolution: null, state: 'acknowledged' });
  });

  it('400 for nothing, bad values or a non-staff assignee; 403 for Reporters', async () => {
    expect((await patch(admin, {})).status).toBe(400);
    expect((await patch(admin, { unknown: 1 })).status).toBe(400);
    expect((await patch(admin, { severity: 'huge' })).status).toBe(400);
    expect((await patch(admin, { state: 'gone' })).status).toBe(400);
    expect((await patch(admin, { assignedResponderId: reporter2.id })).status).toBe(400);
    expect((await patch(reporter, { severity: 'low' })).status).toBe(403);
    expect((await patch(outsider, { severity: 'low' })).status).toBe(403);
  });
});

describe('title and field edits', () => {
  let report: string;
  beforeAll(async () => {
    report = await seedReport(s, event.id, { reporterId: reporter.id });
  });
  const edit = (who: ConductUser, path: string, b: unknown) => api(s, 'PATCH', path, { cookie: who.cookie, body: b });

  it('title by slug: the reporter or staff; by id: the reporter, Admins and SuperAdmin, not Responders', async () => {
    const slugPath = `/api/events/slug/${event.slug}/reports/${report}/title`;
    const idPath = `/api/events/${event.id}/reports/${report}/title`;
    expect((await edit(reporter, slugPath, { title: 'A clearer title now' })).body.report.title).toBe('A clearer title now');
    expect((await edit(responder, slugPath, { title: 'Responder renamed it' })).status).toBe(200);
    expect((await edit(responder, idPath, { title: 'Responder by id here' })).status).toBe(403);
    expect((await edit(admin, idPath, { title: 'Admin renamed it by id' })).status).toBe(200);
    expect((await edit(superAdmin, idPath, { title: 'SuperAdmin renamed it' })).status).toBe(200);
    expect((await edit(reporter, idPath, { title: 'Reporter renamed it again' })).status).toBe(200);
    expect((await edit(reporter2, slugPath, { title: 'Not my report at all' })).status).toBe(403);
    expect((await edit(reporter, slugPath, { title: 'short' })).status).toBe(400);
    expect((await edit(reporter, slugPath, {})).status).toBe(400);
  });

  it('location, type, incident date, parties: the reporter or staff; description, contact preference: the reporter or Admins', async () => {
    const path = (f: string) => `/api/events/${event.id}/reports/${report}/${f}`;
    expect((await edit(reporter, path('location'), { location: 'Main hall' })).body.report.location).toBe('Main hall');
    expect((await edit(responder, path('type'), { type: 'safety' })).body.report.type).toBe('safety');
    expect((await edit(responder, path('incident-date'), { incidentAt: '2025-03-01T12:00:00Z' })).body.report.incidentAt).toBe('2025-03-01T12:00:00.000Z');
    expect((await edit(reporter, path('incident-date'), { incidentAt: null })).body.report.incidentAt).toBeNull();
    expect((await edit(reporter, path('parties'), { parties: 'Two people' })).body.report.parties).toBe('Two people');
    expect((await edit(reporter, path('description'), { description: 'A fuller account' })).body.report.description).toBe('A fuller account');
    expect((await edit(admin, path('contact-preference'), { contactPreference: 'in-person' })).body.report.contactPreference).toBe('in_person');
    expect((await edit(responder, path('description'), { description: 'Responder edit' })).status).toBe(403);
    expect((await edit(responder, path('contact-preference'), { contactPreference: 'phone' })).status).toBe(403);
    expect((await edit(reporter2, path('location'), { location: 'Elsewhere' })).status).toBe(403);
    expect((await edit(reporter, path('incident-date'), { incidentAt: new Date(Date.now() + 2 * 24 * 3600 * 1000).toISOString() })).status).toBe(400);
    expect((await edit(reporter, path('parties'), { parties: 'x'.repeat(1001) })).status).toBe(400);
    expect((await edit(reporter, path('description'), { description: '' })).status).toBe(400);
    expect((await edit(reporter, path('description'), { description: 'd'.repeat(5001) })).status).toBe(400);
    expect((await edit(reporter, path('type'), { type: 'other-kind' })).status).toBe(400);
    expect((await edit(admin, path('contact-preference'), { contactPreference: 'telegram' })).status).toBe(400);
    const [row] = await sql(s, 'select location, type, parties, description, contact_preference from conduct_reports where id = $1', [report]);
    expect(row).toEqual({ location: 'Main hall', type: 'safety', parties: 'Two people', description: 'A fuller account', contact_preference: 'in_person' });
  });
});

describe('state history', () => {
  it("newest first with the actor's name; notes for staff only; other Reporters 403", async () => {
    const report = await seedReport(s, event.id, { reporterId: reporter.id });
    const state = (b: unknown) => api(s, 'PATCH', `/api/events/${event.id}/reports/${report}/state`, { cookie: responder.cookie, body: b });
    await state({ state: 'acknowledged' });
    await state({ state: 'investigating', assignedTo: responder.id, notes: 'Secret staff notes' });
    const path = `/api/events/${event.id}/reports/${report}/state-history`;
    const staff = await api(s, 'GET', path, { cookie: admin.cookie });
    expect(staff.status).toBe(200);
    expect(staff.body.history).toEqual([
      { id: expect.any(String), fromState: 'acknowledged', toState: 'investigating', changedBy: 'Rita Responder', changedAt: expect.any(String), notes: 'Secret staff notes' },
      { id: expect.any(String), fromState: 'submitted', toState: 'acknowledged', changedBy: 'Rita Responder', changedAt: expect.any(String) },
    ]);
    const own = await api(s, 'GET', path, { cookie: reporter.cookie });
    expect(own.status).toBe(200);
    expect(own.body.history.map((h: Record<string, unknown>) => h.toState)).toEqual(['investigating', 'acknowledged']);
    expect(own.text).not.toContain('Secret staff notes');
    expect((await api(s, 'GET', path, { cookie: reporter2.cookie })).status).toBe(403);
    expect((await api(s, 'GET', path, { cookie: outsider.cookie })).status).toBe(403);
  });
});

describe('export', () => {
  it('CSV of what the caller may see (Reporters: their own), selected ids, pdf as text; another format 400', async () => {
    const ev = await seedEvent(s, { name: 'Export Conf' });
    await grantEventRole(s, admin.id, ev.id, 'Admin');
    await grantEventRole(s, reporter.id, ev.id, 'Reporter');
    const a = await seedReport(s, ev.id, { reporterId: reporter.id, title: 'First, "quoted" report' });
    const b = await seedReport(s, ev.id, { reporterId: admin.id, title: '=cmd formula title' });
    const path = `/api/events/slug/${ev.slug}/reports/export`;
    const all = await api(s, 'GET', `${path}?format=csv`, { cookie: admin.cookie });
    expect(all.status).toBe(200);
    expect(all.headers.get('content-type')).toContain('text/csv');
    expect(all.headers.get('content-disposition')).toMatch(/^attachment; filename="reports-.+\.csv"$/);
    const lines = all.text.trim().split('\r\n');
    expect(lines[0]).toBe('id,title,type,state,severity,reporter,assignedResponder,location,incidentAt,createdAt,updatedAt,description');
    expect(lines).toHaveLength(3);
    expect(all.text).toContain('"First, ""quoted"" report"');
    expect(all.text).toContain("'=cmd formula title");
    const own = await api(s, 'GET', `${path}?format=csv`, { cookie: reporter.cookie });
    expect(own.text).toContain(a);
    expect(own.text).not.toContain(b);
    const picked = await api(s, 'GET', `${path}?format=csv&ids=${b}`, { cookie: admin.cookie });
    expect(picked.text.trim().split('\r\n')).toHaveLength(2);
    const pdf = await api(s, 'GET', `${path}?format=pdf`, { cookie: admin.cookie });
    expect(pdf.status).toBe(200);
    expect(pdf.headers.get('content-disposition')).toMatch(/^attachment; /);
    expect(pdf.text).toContain('=cmd formula title');
    expect((await api(s, 'GET', `${path}?format=xml`, { cookie: admin.cookie })).status).toBe(400);
    expect((await api(s, 'GET', `${path}?format=csv`, { cookie: outsider.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `${path}?format=csv`)).status).toBe(401);
  });
});

describe('GraphQL', () => {
  it('creates, reads and changes a report with the same rules', async () => {
    const created = await s.gql<{ createConductReport: { id: string; state: string; reporter: { id: string } } }>(
      `mutation { createConductReport(slug: "${event.slug}", input: { title: "Reported over GraphQL", type: SAFETY, description: "Details" }) { id state reporter { id } } }`,
      {},
      { cookie: reporter.cookie },
    );
    expect(created.errors).toBeUndefined();
    expect(created.data!.createConductReport).toMatchObject({ state: 'SUBMITTED', reporter: { id: reporter.id } });
    const id = created.data!.createConductReport.id;
    const denied = await s.gql(
      `mutation { changeConductReportState(eventId: "${event.id}", reportId: "${id}", input: { state: CLOSED }) { id } }`,
      {},
      { cookie: reporter.cookie },
    );
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const other = await s.gql(`query { conductReport(slug: "${event.slug}", reportId: "${id}") { id } }`, {}, { cookie: reporter2.cookie });
    expect(other.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const page = await s.gql<{ conductReports: { total: number; canViewAssignments: boolean; reports: { id: string }[] } }>(
      `query { conductReports(slug: "${event.slug}", filter: { search: "over graphql" }) { total canViewAssignments reports { id } } }`,
      {},
      { cookie: responder.cookie },
    );
    expect(page.data!.conductReports).toEqual({ total: 1, canViewAssignments: true, reports: [{ id }] });
    // the report's fields also work on reports other modules answer (a member profile's reports)
    const profile = await s.gql<{ conductEventUserReports: { reports: { report: { id: string; eventId: string; reporterId: string; reporter: { name: string } } }[] } }>(
      `query { conductEventUserReports(slug: "${event.slug}", userId: "${reporter.id}", type: "submitted", limit: 100) { reports { report { id eventId reporterId reporter { name } } } } }`,
      {},
      { cookie: admin.cookie },
    );
    expect(profile.errors).toBeUndefined();
    expect(profile.data!.conductEventUserReports.reports.find((x) => x.report.id === id)!.report).toEqual({
      id,
      eventId: event.id,
      reporterId: reporter.id,
      reporter: { name: 'Rob Reporter' },
    });
    const anonymous = await s.gql(`query { conductReports(slug: "${event.slug}") { total } }`);
    expect(anonymous.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
