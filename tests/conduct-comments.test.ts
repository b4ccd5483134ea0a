/**
 * Comments on conduct reports (conduct-reports.md "Comments"), as conduct's frontend sends them: the role
 * matrix of every route, visibility (a Reporter posts and reads public comments only), pagination, search
 * (wildcards taken literally), sorting, edit by the author, delete by the author or an event Admin, and the
 * leak test: an internal comment's text never reaches a Reporter by list, search, count or the live feed.
 */
import { api, conductServer, conductUser, ConductUser, grantEventRole, reportBody, seedEvent, seedReport, sql } from './conduct.helpers';
import { collect, type TestServer } from './support/server';

let s: TestServer;
let superAdmin: ConductUser;
let admin: ConductUser;
let responder: ConductUser;
let responder2: ConductUser;
let reporter: ConductUser;
let reporter2: ConductUser;
let outsider: ConductUser;
let otherAdmin: ConductUser;
let event: { id: string; slug: string };
let other: { id: string; slug: string };
let own: string;
let elsewhere: string;

const MISSING = '00000000-0000-0000-0000-000000000000';
const SECRET = 'ZEBRA-internal-only';

const comments = (report: string, slug = event.slug) => `/api/events/slug/${slug}/reports/${report}/comments`;
const post = (report: string, who: ConductUser | null, body: unknown, slug?: string) => api(s, 'POST', comments(report, slug), { cookie: who?.cookie, body });
const list = (report: string, who: ConductUser | null, query = '') => api(s, 'GET', `${comments(report)}${query}`, { cookie: who?.cookie });

/** Posts a comment that must succeed; answers it. */
async function comment(report: string, who: ConductUser, body: string, visibility: 'public' | 'internal' = 'public'): Promise<{ id: string; body: string }> {
  const res = await post(report, who, { body, visibility });
  expect([body, res.status]).toEqual([body, 201]);
  return res.body.comment;
}

beforeAll(async () => {
  ({ s, superAdmin } = await conductServer());
  admin = await conductUser(s, { name: 'Ada Admin' });
  responder = await conductUser(s, { name: 'Rita Responder' });
  responder2 = await conductUser(s, { name: 'Remy Responder' });
  reporter = await conductUser(s, { name: 'Rob Reporter' });
  reporter2 = await conductUser(s, { name: 'Ria Reporter' });
  outsider = await conductUser(s, { name: 'Olga Outsider' });
  otherAdmin = await conductUser(s, { name: 'Otto Admin' });
  event = await seedEvent(s, { name: 'Main Conf', isActive: true });
  other = await seedEvent(s, { name: 'Other Conf' });
  await grantEventRole(s, admin.id, event.id, 'Admin');
  await grantEventRole(s, responder.id, event.id, 'Responder');
  await grantEventRole(s, responder2.id, event.id, 'Responder');
  await grantEventRole(s, reporter.id, event.id, 'Reporter');
  await grantEventRole(s, reporter2.id, event.id, 'Reporter');
  await grantEventRole(s, otherAdmin.id, other.id, 'Admin');
  // the reports their reporters filed (the create route)
  const file = async (who: ConductUser) => (await api(s, 'POST', `/api/events/slug/${event.slug}/reports`, { cookie: who.cookie, body: reportBody() })).body.report.id as string;
  own = await file(reporter);
  elsewhere = await seedReport(s, other.id, { reporterId: otherAdmin.id });
});
afterAll(() => s?.close());

describe('adding', () => {
  it('answers 201 {comment} with its author; markdown kept verbatim', async () => {
    const md = '  **Bold** claim\n\n- first  \n- second\n\n```\ncode\n```\n';
    const res = await post(own, reporter, { body: md, isMarkdown: true });
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      comment: {
        id: expect.any(String),
        reportId: own,
        authorId: reporter.id,
        body: md,
        visibility: 'public',
        isMarkdown: true,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        author: { id: reporter.id, name: reporter.name, email: reporter.email, avatarUrl: null },
      },
    });
    const plain = await post(own, responder, { body: 'Thanks, we are on it.' });
    expect(plain.body.comment).toMatchObject({ visibility: 'public', isMarkdown: false, authorId: responder.id });
    const audit = await sql(s, `select 1 from conduct_audit_logs where action = 'report.comment_added' and target_id = $1`, [own]);
    expect(audit.length).toBeGreaterThanOrEqual(2);
  });

  it('lets the own reporter and staff comment (staff internally too); others 403, anonymous 401, unknown 404', async () => {
    for (const who of [reporter, responder, admin, superAdmin]) expect([who.name, (await post(own, who, { body: 'public note' })).status]).toEqual([who.name, 201]);
    for (const who of [responder, admin, superAdmin]) expect([who.name, (await post(own, who, { body: 'staff note', visibility: 'internal' })).status]).toEqual([who.name, 201]);
    const internal = await post(own, reporter, { body: 'I want this hidden', visibility: 'internal' });
    expect(internal.status).toBe(403);
    expect(internal.body).toEqual({ error: 'Only Responders, Admins, and SuperAdmins can create internal comments.' });
    for (const who of [reporter2, outsider, otherAdmin]) {
      const res = await post(own, who, { body: 'not mine' });
      expect([who.name, res.status, res.body]).toEqual([who.name, 403, { error: 'Forbidden: insufficient role' }]);
    }
    expect((await post(own, null, { body: 'anonymous' })).status).toBe(401);
    expect((await post(own, admin, { body: 'x' }, 'no-such-event')).status).toBe(404);
    for (const report of [MISSING, 'not-a-uuid', elsewhere]) expect([report, (await post(report, superAdmin, { body: 'x' })).status]).toEqual([report, 404]);
    // the /api-less alias the frontend also uses
    expect((await api(s, 'POST', `/events/slug/${event.slug}/reports/${own}/comments`, { cookie: reporter.cookie, body: { body: 'via alias' } })).status).toBe(201);
  });

  it('refuses a missing, blank or too long body and a bad visibility or flag (400), after 404 and 403', async () => {
    for (const bad of [{}, { body: '' }, { body: '   \n ' }, { body: 'x'.repeat(5001) }, { body: 12 }, { body: 'ok', visibility: 'secret' }, { body: 'ok', isMarkdown: 'yes' }]) {
      const res = await post(own, reporter, bad);
      expect([bad, res.status]).toEqual([bad, 400]);
      expect(res.body.error).toEqual(expect.any(String));
    }
    expect((await post(own, reporter, {})).body.error).toBe('Comment body is required.');
    expect((await post(own, reporter, { body: 'x'.repeat(5001) })).body.error).toBe('Comment body must be no more than 5000 characters.');
    expect((await post(own, reporter, { body: 'y'.repeat(5000) })).status).toBe(201);
    expect((await post(own, outsider, {})).status).toBe(403);
    expect((await post(MISSING, reporter, {})).status).toBe(404);
    const malformed = await api(s, 'POST', comments(own), { cookie: reporter.cookie, rawBody: '{"body":', headers: { 'content-type': 'application/json' } });
    expect(malformed.status).toBe(400);
  });
});

describe('listing', () => {
  let report: string;
  beforeAll(async () => {
    report = await seedReport(s, event.id, { reporterId: reporter.id });
    // 12 public comments (alternating authors), 3 internal ones, then two with wildcards in them
    for (let i = 1; i <= 12; i++) await comment(report, i % 2 ? reporter : responder, `Public comment number ${String(i).padStart(2, '0')}`);
    for (let i = 1; i <= 3; i++) await comment(report, responder, `${SECRET} ${i}: staff think it is the sponsor`, 'internal');
    await comment(report, reporter, 'progress: 100%_done');
    await comment(report, reporter, 'progress: 100xydone');
  });

  const page = (r: { body: { comments: { body: string }[] } }) => r.body.comments.map((c) => c.body);

  it('gives staff every comment, 10 a page by default, with the pagination numbers', async () => {
    const first = await list(report, responder);
    expect(first.status).toBe(200);
    expect(first.body.pagination).toEqual({ page: 1, limit: 10, total: 17, totalPages: 2 });
    expect(page(first)).toHaveLength(10);
    expect(page(first)[0]).toBe('Public comment number 01');
    const second = await list(report, admin, '?page=2');
    expect(page(second)).toHaveLength(7);
    expect(page(second).filter((b) => b.startsWith(SECRET))).toHaveLength(3);
    expect((await list(report, responder, '?visibility=internal')).body.pagination.total).toBe(3);
    expect((await list(report, responder, '?visibility=public')).body.pagination.total).toBe(14);
    expect((await list(report, superAdmin, '?visibility=all')).body.pagination.total).toBe(17);
  });

  it('gives the reporter the public comments only: internal 403, all and the default public, totals counting only those', async () => {
    const mine = await list(report, reporter, '?limit=100');
    expect(mine.status).toBe(200);
    expect(mine.body.pagination).toEqual({ page: 1, limit: 100, total: 14, totalPages: 1 });
    expect(mine.body.comments.every((c: { visibility: string }) => c.visibility === 'public')).toBe(true);
    expect((await list(report, reporter, '?visibility=all&limit=100')).body.pagination.total).toBe(14);
    const internal = await list(report, reporter, '?visibility=internal');
    expect(internal.status).toBe(403);
    expect(internal.body).toEqual({ error: 'Not authorized to view comments with that visibility level.' });
    const search = await list(report, reporter, `?search=${encodeURIComponent('zebra')}`);
    expect(search.body).toEqual({ comments: [], pagination: { page: 1, limit: 10, total: 0, totalPages: 0 } });
    const sponsor = await list(report, reporter, '?search=SPONSOR');
    expect(sponsor.body.pagination.total).toBe(0);
    // staff find them
    expect((await list(report, responder, '?search=zebra')).body.pagination.total).toBe(3);
  });

  it('searches the body in any case, with % and _ taken literally', async () => {
    const res = await list(report, reporter, `?search=${encodeURIComponent('100%_')}`);
    expect(page(res)).toEqual(['progress: 100%_done']);
    expect(page(await list(report, reporter, '?search=PROGRESS'))).toEqual(['progress: 100%_done', 'progress: 100xydone']);
    expect(page(await list(report, reporter, `?search=${encodeURIComponent('\\')}`))).toEqual([]);
    expect(page(await list(report, reporter, '?search=comment%20number%2007'))).toEqual(['Public comment number 07']);
  });

  it('sorts by createdAt or updatedAt, ascending by default; pages do not overlap', async () => {
    const desc = await list(report, reporter, '?sortOrder=desc&limit=3');
    expect(page(desc)).toEqual(['progress: 100xydone', 'progress: 100%_done', 'Public comment number 12']);
    const a = page(await list(report, reporter, '?sortBy=updatedAt&limit=5&page=1'));
    const b = page(await list(report, reporter, '?sortBy=updatedAt&limit=5&page=2'));
    expect(a.filter((x) => b.includes(x))).toEqual([]);
    expect(a[0]).toBe('Public comment number 01');
  });

  it('refuses bad parameters (400) and caps the limit at 100 as upstream', async () => {
    for (const q of ['?sortBy=body', '?sortOrder=up', '?page=0', '?page=abc', '?limit=0', '?limit=-3', '?visibility=everyone']) {
      expect([q, (await list(report, responder, q)).status]).toEqual([q, 400]);
    }
    expect((await list(report, responder, '?limit=500')).body.pagination.limit).toBe(100);
  });

  it("follows the access rules: another reporter, an outsider and another event's admin 403, anonymous 401, unknown 404", async () => {
    for (const who of [reporter2, outsider, otherAdmin]) expect([who.name, (await list(report, who)).status]).toEqual([who.name, 403]);
    expect((await list(report, null)).status).toBe(401);
    for (const r of [MISSING, elsewhere, 'nope']) expect([r, (await list(r, superAdmin)).status]).toEqual([r, 404]);
    expect((await api(s, 'GET', `/events/slug/${event.slug}/reports/${report}/comments`, { cookie: reporter.cookie })).status).toBe(200);
  });

  it("never lets an internal comment's text reach the reporter through any list, page, sort or search", async () => {
    for (const q of [
      '',
      '?limit=100',
      '?visibility=all&limit=100',
      '?visibility=public',
      '?search=ZEBRA',
      '?search=staff',
      '?sortOrder=desc&limit=100',
      '?page=2&limit=5',
      '?sortBy=updatedAt&limit=100',
    ]) {
      const res = await list(report, reporter, q);
      expect([q, res.status]).toEqual([q, 200]);
      expect(res.text).not.toContain('ZEBRA');
      expect(res.text).not.toContain('sponsor');
    }
  });
});

describe('editing and deleting', () => {
  let report: string;
  beforeAll(async () => {
    report = await seedReport(s, event.id, { reporterId: reporter.id });
  });
  const path = (id: string) => `${comments(report)}/${id}`;
  const patch = (id: string, who: ConductUser | null, body: unknown) => api(s, 'PATCH', path(id), { cookie: who?.cookie, body });
  const del = (id: string, who: ConductUser | null) => api(s, 'DELETE', path(id), { cookie: who?.cookie });

  it('lets the author edit (body, markdown flag), nobody else; only staff make a comment internal', async () => {
    const c = await comment(report, reporter, 'first draft');
    const edited = await patch(c.id, reporter, { body: 'second draft', isMarkdown: true });
    expect(edited.status).toBe(200);
    expect(edited.body.comment).toMatchObject({ id: c.id, body: 'second draft', isMarkdown: true, visibility: 'public', author: { id: reporter.id } });
    for (const who of [responder, admin, superAdmin, reporter2, outsider]) expect([who.name, (await patch(c.id, who, { body: 'hijack' })).status]).toEqual([who.name, 403]);
    expect((await patch(c.id, null, { body: 'anon' })).status).toBe(401);
    const internal = await patch(c.id, reporter, { visibility: 'internal' });
    expect(internal.status).toBe(403);
    for (const bad of [{}, { body: '' }, { body: 'x'.repeat(5001) }, { visibility: 'secret' }, { isMarkdown: 1 }])
      expect([bad, (await patch(c.id, reporter, bad)).status]).toEqual([bad, 400]);
    const staff = await comment(report, responder, 'staff remark');
    const hidden = await patch(staff.id, responder, { visibility: 'internal' });
    expect(hidden.status).toBe(200);
    expect(hidden.body.comment.visibility).toBe('internal');
    expect((await patch(MISSING, reporter, { body: 'x' })).status).toBe(404);
    const onOther = await comment(own, reporter, 'on another report');
    expect((await patch(onOther.id, reporter, { body: 'x' })).status).toBe(404);
    expect((await list(report, reporter)).body.comments.map((x: { body: string }) => x.body)).toEqual(['second draft']);
  });

  it('hides an internal comment from a Reporter who names it (404 for edit and delete)', async () => {
    const secret = await comment(report, responder, `${SECRET} edit`, 'internal');
    for (const res of [await patch(secret.id, reporter, { body: 'x' }), await del(secret.id, reporter)]) {
      expect(res.status).toBe(404);
      expect(res.text).not.toContain('ZEBRA');
    }
  });

  it("lets the author or an Admin/SuperAdmin delete; a Responder deleting another's comment is 403", async () => {
    const byReporter = await comment(report, reporter, 'to delete myself');
    expect((await del(byReporter.id, reporter2)).status).toBe(403);
    expect((await del(byReporter.id, responder)).status).toBe(403);
    expect((await del(byReporter.id, null)).status).toBe(401);
    const gone = await del(byReporter.id, reporter);
    expect(gone.status).toBe(200);
    expect(gone.body).toEqual({ message: 'Comment deleted successfully' });
    expect((await del(byReporter.id, reporter)).status).toBe(404);
    const byResponder = await comment(report, responder, 'responder remark');
    expect((await del(byResponder.id, responder2)).status).toBe(403);
    expect((await del(byResponder.id, admin)).status).toBe(200);
    const another = await comment(report, responder2, 'another remark', 'internal');
    expect((await del(another.id, superAdmin)).status).toBe(200);
    const mine = await comment(report, responder, 'my own remark');
    expect((await del(mine.id, responder)).status).toBe(200);
    const rows = await sql(s, 'select id from conduct_comments where id = any($1::uuid[])', [[byReporter.id, byResponder.id, another.id, mine.id]]);
    expect(rows).toEqual([]);
  });
});

describe('notifications and the activity feed', () => {
  it('tell the reporter of public comments only, and never quote an internal one', async () => {
    const report = (await api(s, 'POST', `/api/events/slug/${event.slug}/reports`, { cookie: reporter.cookie, body: reportBody({ title: 'Report for the notification check' }) }))
      .body.report.id;
    await comment(report, responder, `${SECRET} notified`, 'internal');
    await comment(report, responder, 'a public answer');
    const mine = await api(s, 'GET', '/api/users/me/notifications?limit=100', { cookie: reporter.cookie });
    expect(mine.status).toBe(200);
    const onReport = mine.body.notifications.filter((n: { reportId: string; type: string }) => n.reportId === report && n.type === 'report_comment_added');
    expect(onReport).toHaveLength(1);
    expect(mine.text).not.toContain('ZEBRA');
    const staff = await api(s, 'GET', '/api/users/me/notifications?limit=100', { cookie: admin.cookie });
    expect(staff.body.notifications.filter((n: { reportId: string; type: string }) => n.reportId === report && n.type === 'report_comment_added')).toHaveLength(2);
    for (const path of ['/api/users/me/activity?limit=50', '/api/users/me/quickstats']) {
      const res = await api(s, 'GET', path, { cookie: reporter.cookie });
      expect([path, res.status]).toEqual([path, 200]);
      expect(res.text).not.toContain('ZEBRA');
    }
  });
});

describe('the live feed (conductCommentAdded)', () => {
  const DOC = 'subscription C($r: ID!) { conductCommentAdded(reportId: $r) { body visibility authorId reportId author { name } } }';

  it('tells staff every new comment and the reporter only the public ones', async () => {
    const report = await seedReport(s, event.id, { reporterId: reporter.id });
    const reporterWs = s.ws(undefined, { headers: { cookie: reporter.cookie } });
    const staffWs = s.ws(undefined, { headers: { cookie: responder.cookie } });
    try {
      type Added = { conductCommentAdded: { body: string; visibility: string } | null };
      const forReporter = collect<Added>(reporterWs, DOC, { r: report }, 2, 15000);
      const forStaff = collect<Added>(staffWs, DOC, { r: report }, 3, 15000);
      await Promise.all([forReporter.ready, forStaff.ready]);
      await comment(report, admin, `${SECRET} live`, 'internal');
      await comment(report, responder, 'public live one');
      // another report's comment reaches neither
      await comment(own, responder, 'elsewhere live');
      await comment(report, reporter, 'public live two');
      const staffSaw = (await forStaff.done).map((r) => r.data?.conductCommentAdded?.body);
      expect(staffSaw).toEqual([`${SECRET} live`, 'public live one', 'public live two']);
      const reporterGot = await forReporter.done;
      expect(reporterGot.map((r) => r.data?.conductCommentAdded?.body)).toEqual(['public live one', 'public live two']);
      expect(JSON.stringify(reporterGot)).not.toContain('ZEBRA');
    } finally {
      await reporterWs.dispose();
      await staffWs.dispose();
    }
  });

  it("checks the subscriber's roles at every event: a Responder demoted to Reporter hears nothing more of another's report", async () => {
    const report = await seedReport(s, event.id, { reporterId: reporter.id });
    const demoted = await conductUser(s, { name: 'Dora Demoted' });
    await grantEventRole(s, demoted.id, event.id, 'Responder');
    const ws = s.ws(undefined, { headers: { cookie: demoted.cookie } });
    try {
      const got = collect<{ conductCommentAdded: { body: string } | null }>(ws, DOC, { r: report }, 2, 15000);
      await got.ready;
      await comment(report, admin, 'internal before', 'internal');
      await got.received(1);
      await sql(s, `update conduct_event_roles set role = 'Reporter' where user_id = $1 and event_id = $2`, [demoted.id, event.id]);
      await comment(report, admin, `${SECRET} after demotion`, 'internal');
      await comment(report, admin, 'public after demotion');
      await sql(s, `update conduct_event_roles set role = 'Responder' where user_id = $1 and event_id = $2`, [demoted.id, event.id]);
      await comment(report, admin, 'marker once restored');
      expect((await got.done).map((r) => r.data?.conductCommentAdded?.body)).toEqual(['internal before', 'marker once restored']);
    } finally {
      await ws.dispose();
    }
  });

  it('tells staff the notes of a state change as they are written (an internal comment); the reporter hears nothing of them', async () => {
    const report = await seedReport(s, event.id, { reporterId: reporter.id });
    const reporterWs = s.ws(undefined, { headers: { cookie: reporter.cookie } });
    const staffWs = s.ws(undefined, { headers: { cookie: responder.cookie } });
    try {
      type Added = { conductCommentAdded: { body: string; visibility: string } | null };
      const forReporter = collect<Added>(reporterWs, DOC, { r: report }, 1, 15000);
      const forStaff = collect<Added>(staffWs, DOC, { r: report }, 2, 15000);
      await Promise.all([forReporter.ready, forStaff.ready]);
      const res = await api(s, 'PATCH', `/api/events/${event.id}/reports/${report}/state`, { cookie: admin.cookie, body: { state: 'acknowledged', notes: `${SECRET} triage` } });
      expect(res.status).toBe(200);
      await comment(report, responder, 'public marker');
      const staffSaw = (await forStaff.done).map((r) => r.data?.conductCommentAdded);
      expect(staffSaw).toEqual([
        expect.objectContaining({ body: `State changed from submitted to acknowledged.\n\n${SECRET} triage`, visibility: expect.stringMatching(/^internal$/i) }),
        expect.objectContaining({ body: 'public marker' }),
      ]);
      const reporterGot = await forReporter.done;
      expect(reporterGot.map((r) => r.data?.conductCommentAdded?.body)).toEqual(['public marker']);
      expect(JSON.stringify(reporterGot)).not.toContain('ZEBRA');
    } finally {
      await reporterWs.dispose();
      await staffWs.dispose();
    }
  });

  it('refuses subscribers who may not read the report (403, 404, 401)', async () => {
    // a refused subscription answers one result with errors (or the errors themselves)
    const code = (rs: unknown) => {
      const first = (rs as { errors?: { extensions?: { code?: string } }[]; extensions?: { code?: string } }[])[0];
      return first?.errors?.[0]?.extensions?.code ?? first?.extensions?.code;
    };
    const ws = s.ws(undefined, { headers: { cookie: reporter2.cookie } });
    const anon = s.ws();
    try {
      expect(code(await collect(ws, DOC, { r: own }, 1, 3000).done.catch((e) => e))).toBe('FORBIDDEN');
      expect(code(await collect(ws, DOC, { r: MISSING }, 1, 3000).done.catch((e) => e))).toBe('NOT_FOUND');
      expect(code(await collect(anon, DOC, { r: own }, 1, 3000).done.catch((e) => e))).toBe('UNAUTHENTICATED');
    } finally {
      await ws.dispose();
      await anon.dispose();
    }
  });
});

describe('GraphQL', () => {
  it('adds, lists, edits and deletes with the same rules', async () => {
    const report = await seedReport(s, event.id, { reporterId: reporter.id });
    const add = await s.gql(
      'mutation A($r: ID!, $slug: String, $i: CreateConductCommentInput!) { createConductComment(reportId: $r, slug: $slug, input: $i) { id body visibility author { id } } }',
      { r: report, slug: event.slug, i: { body: 'via graph', visibility: 'INTERNAL' } },
      { cookie: responder.cookie },
    );
    expect(add.errors).toBeUndefined();
    const id = (add.data as { createConductComment: { id: string } }).createConductComment.id;
    const refused = await s.gql(
      'mutation A($r: ID!, $e: ID, $i: CreateConductCommentInput!) { createConductComment(reportId: $r, eventId: $e, input: $i) { id } }',
      { r: report, e: event.id, i: { body: 'mine', visibility: 'INTERNAL' } },
      { cookie: reporter.cookie },
    );
    expect(refused.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const L = 'query L($r: ID!, $e: ID) { conductComments(reportId: $r, eventId: $e) { total comments { id body } } }';
    const staffList = await s.gql(L, { r: report, e: event.id }, { cookie: admin.cookie });
    expect(staffList.data).toEqual({ conductComments: { total: 1, comments: [{ id, body: 'via graph' }] } });
    const reporterList = await s.gql(L, { r: report, e: event.id }, { cookie: reporter.cookie });
    expect(reporterList.data).toEqual({ conductComments: { total: 0, comments: [] } });
    const U = 'mutation U($r: ID!, $slug: String, $id: ID!) { updateConductComment(reportId: $r, slug: $slug, id: $id, input: { body: "edited" }) { body } }';
    expect((await s.gql(U, { r: report, slug: event.slug, id }, { cookie: admin.cookie })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await s.gql(U, { r: report, slug: event.slug, id }, { cookie: responder.cookie })).data).toEqual({ updateConductComment: { body: 'edited' } });
    const D = 'mutation D($r: ID!, $slug: String, $id: ID!) { deleteConductComment(reportId: $r, slug: $slug, id: $id) }';
    expect((await s.gql(D, { r: report, slug: event.slug, id }, { cookie: responder2.cookie })).errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await s.gql(D, { r: report, slug: event.slug, id }, { cookie: admin.cookie })).data).toEqual({ deleteConductComment: true });
    // neither or both of eventId and slug
    expect((await s.gql(L, { r: report }, { cookie: admin.cookie })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
