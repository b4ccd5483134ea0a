/**
 * conduct's report lists (conduct-reports.md "Lists", "Cross-event reports"): every filter, sort, search
 * and paging of the slug list, the by-id list, stats, the cross-event list's role-aware visibility, bad
 * queries (400), and a constant number of SQL statements per page whatever its size.
 */
import { api, conductUser, ConductUser, grantEventRole, seedEvent, seedReport } from './conduct.helpers';
import { startCountingServer, CountingServer } from './support/sql-counter';

let s: CountingServer;
let admin: ConductUser;
let responder: ConductUser;
let p1: ConductUser;
let p2: ConductUser;
let nobody: ConductUser;
let event: { id: string; slug: string };
let second: { id: string; slug: string };
let closed: { id: string; slug: string };

const STATES = ['submitted', 'acknowledged', 'investigating', 'resolved', 'closed'];
const SEVERITIES = ['low', 'medium', 'high', 'critical'];

interface Seeded {
  id: string;
  i: number;
  reporterId: string;
  assigneeId: string | null;
  state: string;
  severity: string | null;
  title: string;
  createdAt: Date;
}
const seeded: Seeded[] = [];
const base = Date.parse('2025-05-01T09:00:00Z');

beforeAll(async () => {
  s = await startCountingServer();
  await conductUser(s, { name: 'Super Admin' });
  admin = await conductUser(s, { name: 'Ada Admin' });
  responder = await conductUser(s, { name: 'Rita Responder' });
  p1 = await conductUser(s, { name: 'Pat Zebra' });
  p2 = await conductUser(s, { name: 'Quinn Reporter' });
  nobody = await conductUser(s, { name: 'No Roles' });
  event = await seedEvent(s, { name: 'Lists Conf' });
  second = await seedEvent(s, { name: 'Second Conf' });
  closed = await seedEvent(s, { name: 'Closed Conf' });
  await grantEventRole(s, admin.id, event.id, 'Admin');
  await grantEventRole(s, responder.id, event.id, 'Responder');
  await grantEventRole(s, p1.id, event.id, 'Reporter');
  await grantEventRole(s, p2.id, event.id, 'Reporter');
  // the responder is only a Reporter in the second event
  await grantEventRole(s, responder.id, second.id, 'Reporter');
  await grantEventRole(s, p2.id, second.id, 'Admin');
  for (let i = 0; i < 25; i++) {
    const row: Omit<Seeded, 'id'> = {
      i,
      reporterId: i % 5 === 0 ? p1.id : p2.id,
      assigneeId: i % 3 === 0 ? responder.id : i % 3 === 1 ? admin.id : null,
      state: STATES[i % 5],
      severity: i % 7 === 0 ? null : SEVERITIES[i % 4],
      title: `Report ${String(i).padStart(2, '0')} ${i % 2 ? 'wifi' : 'badge'} issue`,
      createdAt: new Date(base + i * 60_000),
    };
    seeded.push({ ...row, id: await seedReport(s, event.id, { ...row, createdAt: row.createdAt }) });
  }
}, 120_000);
afterAll(() => s?.close());

const list = (who: ConductUser, query = '') => api(s, 'GET', `/api/events/slug/${event.slug}/reports${query}`, { cookie: who.cookie });
const newestFirst = (rows: Seeded[]) => [...rows].sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime()).map((r) => r.id);
const ids = (res: { body: { reports: { id: string }[] } }) => res.body.reports.map((r) => r.id);

describe('slug list', () => {
  it('staff get every report, newest first, 20 a page, with the paging numbers and canViewAssignments', async () => {
    const res = await list(admin);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 25, page: 1, limit: 20, totalPages: 2, canViewAssignments: true });
    expect(res.body.stats).toBeUndefined();
    expect(ids(res)).toEqual(newestFirst(seeded).slice(0, 20));
    const first = res.body.reports[0];
    const row = seeded.find((r) => r.id === first.id)!;
    expect(first.assignedResponder).toEqual(
      row.assigneeId === responder.id
        ? { id: responder.id, name: 'Rita Responder', email: responder.email }
        : row.assigneeId === admin.id
          ? { id: admin.id, name: 'Ada Admin', email: admin.email }
          : null,
    );
    const page2 = await list(admin, '?page=2&limit=20');
    expect(ids(page2)).toEqual(newestFirst(seeded).slice(20));
    const past = await list(admin, '?page=3');
    expect(past.body).toMatchObject({ reports: [], total: 25, page: 3, totalPages: 2 });
  });

  it('Reporters get only their own and no assignments view; staff may ask for one reporter (userId)', async () => {
    const own = await list(p1, '?limit=100');
    expect(own.body.canViewAssignments).toBe(false);
    expect(new Set(ids(own))).toEqual(new Set(seeded.filter((r) => r.reporterId === p1.id).map((r) => r.id)));
    const sneaky = await list(p1, `?limit=100&userId=${p2.id}`);
    expect(sneaky.body.reports).toEqual([]);
    const byUser = await list(responder, `?limit=100&userId=${p1.id}`);
    expect(byUser.body.total).toBe(seeded.filter((r) => r.reporterId === p1.id).length);
  });

  it('filters by search (title or description, any case), status, severity and assignment', async () => {
    const count = async (query: string, who: ConductUser = responder) => (await list(who, `?limit=100&${query}`)).body.total;
    expect(await count('search=WIFI')).toBe(seeded.filter((r) => r.title.includes('wifi')).length);
    expect(await count('search=venue')).toBe(25);
    expect(await count('search=nothing-like-this')).toBe(0);
    expect(await count('search=100%25')).toBe(0);
    expect(await count('status=resolved')).toBe(seeded.filter((r) => r.state === 'resolved').length);
    expect(await count('severity=high')).toBe(seeded.filter((r) => r.severity === 'high').length);
    expect(await count('assigned=me')).toBe(seeded.filter((r) => r.assigneeId === responder.id).length);
    expect(await count('assigned=unassigned')).toBe(seeded.filter((r) => r.assigneeId === null).length);
    expect(await count('assigned=others')).toBe(seeded.filter((r) => r.assigneeId === admin.id).length);
    expect(await count('status=closed&severity=low&search=badge')).toBe(seeded.filter((r) => r.state === 'closed' && r.severity === 'low' && r.title.includes('badge')).length);
  });

  it('sorts by title, state, severity and updatedAt, both ways', async () => {
    const byTitle = await list(admin, '?limit=100&sort=title&order=asc');
    expect(ids(byTitle)).toEqual([...seeded].sort((a, b) => a.title.localeCompare(b.title)).map((r) => r.id));
    const byState = await list(admin, '?limit=100&sort=state&order=asc');
    const states = byState.body.reports.map((r: { state: string }) => STATES.indexOf(r.state));
    expect(states).toEqual([...states].sort((a, b) => a - b));
    const bySeverity = await list(admin, '?limit=100&sort=severity&order=desc');
    const rank = (v: string | null) => (v === null ? 0 : SEVERITIES.indexOf(v) + 1);
    const sev = bySeverity.body.reports.map((r: { severity: string | null }) => rank(r.severity));
    expect(sev).toEqual([...sev].sort((a, b) => b - a));
    const oldest = await list(admin, '?limit=100&sort=createdAt&order=asc');
    expect(ids(oldest)).toEqual(newestFirst(seeded).reverse());
    expect((await list(admin, '?sort=updatedAt')).status).toBe(200);
  });

  it('adds stats with includeStats=true (what the caller may see, per state)', async () => {
    const staff = await list(admin, '?includeStats=true&status=closed');
    const per = (rows: Seeded[]) => Object.fromEntries([...STATES.map((st) => [st, rows.filter((r) => r.state === st).length]), ['total', rows.length]]);
    expect(staff.body.stats).toEqual(per(seeded));
    const own = await list(p1, '?includeStats=true');
    expect(own.body.stats).toEqual(per(seeded.filter((r) => r.reporterId === p1.id)));
  });

  it('refuses bad queries with 400', async () => {
    for (const q of [
      '?page=0',
      '?limit=0',
      '?limit=101',
      '?page=abc',
      '?limit=-1',
      '?status=bogus',
      '?severity=urgent',
      '?sort=priority',
      '?order=up',
      '?assigned=someone',
      '?userId=abc',
    ]) {
      const res = await list(admin, q);
      expect({ q, status: res.status }).toEqual({ q, status: 400 });
    }
  });

  it("403 for another event's people, 401 anonymous, 404 unknown event", async () => {
    expect((await list(nobody)).status).toBe(403);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/reports`)).status).toBe(401);
    expect((await api(s, 'GET', '/api/events/slug/nope/reports', { cookie: admin.cookie })).status).toBe(404);
  });
});

describe('filters, each a condition only when given (a statement per combination)', () => {
  it('every combination answers the rows the filters select, and the same total as the all-filters statement past the last page', async () => {
    const combos: string[] = [];
    for (const search of ['', '&search=wifi'])
      for (const status of ['', '&status=closed'])
        for (const severity of ['', '&severity=high'])
          for (const assigned of ['', '&assigned=me', '&assigned=unassigned', '&assigned=others'])
            for (const userId of ['', `&userId=${p2.id}`]) combos.push(`${search}${status}${severity}${assigned}${userId}`);
    let nonEmpty = 0;
    for (const who of [responder, p1]) {
      for (const q of combos) {
        const page = await list(who, `?limit=100${q}`);
        expect(page.status).toBe(200);
        // the rows, as the filters select them from the seeded reports (a Reporter sees their own only)
        const expected = seeded.filter(
          (r) =>
            (who !== p1 || r.reporterId === p1.id) &&
            (!q.includes('search=wifi') || r.title.includes('wifi')) &&
            (!q.includes('status=closed') || r.state === 'closed') &&
            (!q.includes('severity=high') || r.severity === 'high') &&
            (!q.includes('assigned=me') || r.assigneeId === who.id) &&
            (!q.includes('assigned=unassigned') || r.assigneeId === null) &&
            (!q.includes('assigned=others') || (r.assigneeId !== null && r.assigneeId !== who.id)) &&
            (!q.includes('userId=') || r.reporterId === p2.id),
        );
        expect([q, ids(page)]).toEqual([q, newestFirst(expected)]);
        if (expected.length) nonEmpty++;
        // past the last page the total comes from the statement with every filter as `$n is null or …`
        const past = await list(who, `?limit=100&page=9${q}`);
        expect([q, past.body.total, past.body.reports]).toEqual([q, expected.length, []]);
      }
    }
    expect(nonEmpty).toBeGreaterThan(20);
  });
});

describe('by-id list', () => {
  it('answers {reports}, 10 by default, with the same filters and rules', async () => {
    const res = await api(s, 'GET', `/api/events/${event.id}/reports`, { cookie: admin.cookie });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body)).toEqual(['reports']);
    expect(ids(res)).toEqual(newestFirst(seeded).slice(0, 10));
    const own = await api(s, 'GET', `/api/events/${event.id}/reports?limit=100&priority=high`, { cookie: p2.cookie });
    expect(new Set(ids(own))).toEqual(new Set(seeded.filter((r) => r.reporterId === p2.id && r.severity === 'high').map((r) => r.id)));
    expect((await api(s, 'GET', `/events/${event.id}/reports`, { cookie: nobody.cookie })).status).toBe(403);
  });
});

describe('cross-event list', () => {
  let inSecond: { own: string; others: string };
  beforeAll(async () => {
    inSecond = {
      own: await seedReport(s, second.id, { reporterId: responder.id, title: 'Responder reported this' }),
      others: await seedReport(s, second.id, { reporterId: p2.id, title: 'Hidden from the responder' }),
    };
    await seedReport(s, closed.id, { reporterId: p1.id, title: 'In an event without roles' });
  });
  const mine = (who: ConductUser, query = '') => api(s, 'GET', `/api/users/me/reports${query}`, { cookie: who.cookie });

  it('staff events: every report; Reporter-only events: their own; none elsewhere; both paging shapes', async () => {
    const res = await mine(responder, '?limit=100');
    expect(res.status).toBe(200);
    expect(new Set(ids(res))).toEqual(new Set([...seeded.map((r) => r.id), inSecond.own]));
    expect(res.body).toMatchObject({ total: 26, page: 1, limit: 100, totalPages: 1, pagination: { page: 1, limit: 100, total: 26, totalPages: 1 }, canViewAssignments: true });
    const item = res.body.reports.find((r: { id: string }) => r.id === inSecond.own);
    expect(item.event).toEqual({ id: second.id, name: 'Second Conf', slug: second.slug });
    expect(item.userRoles).toEqual(['Reporter']);
    const reporterOnly = await mine(p1, '?limit=100');
    expect(new Set(ids(reporterOnly))).toEqual(new Set(seeded.filter((r) => r.reporterId === p1.id).map((r) => r.id)));
    expect(reporterOnly.body.canViewAssignments).toBe(false);
    const none = await mine(nobody);
    expect(none.body).toMatchObject({ reports: [], total: 0, pagination: { total: 0, page: 1, limit: 20, totalPages: 0 } });
  });

  it("filters by event (id or slug), search with the reporter's name, status, assignment; sorts; pages", async () => {
    expect(ids(await mine(responder, `?event=${second.id}`))).toEqual([inSecond.own]);
    expect(ids(await mine(responder, `?event=${second.slug}`))).toEqual([inSecond.own]);
    expect((await mine(responder, '?event=unknown-slug')).body.total).toBe(0);
    expect((await mine(responder, '?search=zebra&limit=100')).body.total).toBe(seeded.filter((r) => r.reporterId === p1.id).length);
    expect((await mine(responder, '?status=acknowledged&limit=100')).body.total).toBe(seeded.filter((r) => r.state === 'acknowledged').length);
    expect((await mine(responder, '?assigned=me&limit=100')).body.total).toBe(seeded.filter((r) => r.assigneeId === responder.id).length);
    const paged = await mine(responder, '?page=2&limit=10&sort=status&order=asc');
    expect(paged.body).toMatchObject({ page: 2, limit: 10, total: 26, totalPages: 3 });
    expect(paged.body.reports).toHaveLength(10);
    for (const q of ['?limit=0', '?limit=101', '?page=0', '?sort=nope', '?status=nope']) expect((await mine(responder, q)).status).toBe(400);
    expect((await api(s, 'GET', '/api/users/me/reports')).status).toBe(401);
  });
});

describe('SQL statements', () => {
  it('a page of 5 and a page of 100 cost the same statements (slug list, cross-event list, GraphQL)', async () => {
    const run = (path: string) => s.sql.during(() => api(s, 'GET', path, { cookie: admin.cookie }));
    // warm the session cache and the prepared statements
    await run(`/api/events/slug/${event.slug}/reports?limit=1`);
    const small = await run(`/api/events/slug/${event.slug}/reports?limit=5&search=issue&status=closed&includeStats=true`);
    const big = await run(`/api/events/slug/${event.slug}/reports?limit=100&search=issue&includeStats=true`);
    expect(small.result.body.reports.length).toBeLessThan(big.result.body.reports.length);
    expect(big.result.body.reports).toHaveLength(25);
    expect(big.statements).toHaveLength(small.statements.length);
    // the session check, the event with the viewer's roles, the page with its total, the stats, the people
    expect(big.statements.length).toBeLessThanOrEqual(5);
    const plain = await run(`/api/events/slug/${event.slug}/reports?limit=20&search=issue`);
    expect(plain.statements.length).toBeLessThanOrEqual(4);

    const crossSmall = await s.sql.during(() => api(s, 'GET', '/api/users/me/reports?limit=5', { cookie: responder.cookie }));
    const crossBig = await s.sql.during(() => api(s, 'GET', '/api/users/me/reports?limit=100', { cookie: responder.cookie }));
    expect(crossBig.result.body.reports).toHaveLength(26);
    expect(crossBig.statements).toHaveLength(crossSmall.statements.length);

    const doc = `query Counted($slug: String!, $limit: Int) { conductReports(slug: $slug, limit: $limit) { total reports { id title reporter { name } assignedResponder { name } event { slug } } } }`;
    const g5 = await s.sql.during(() => s.gql(doc, { slug: event.slug, limit: 5 }, { cookie: admin.cookie }));
    const g100 = await s.sql.during(() => s.gql(doc, { slug: event.slug, limit: 100 }, { cookie: admin.cookie }));
    expect(g5.result.errors).toBeUndefined();
    expect(g100.statements).toHaveLength(g5.statements.length);
  });
});

describe("the page's people", () => {
  // the list reads the people with the page when its selection is plain enough (narrow columns when only
  // id/name/email are asked), else the field resolvers load whole users: every form answers the same
  const FULL = 'id name email number username role isActive hasAvatar createdAt';
  const listOf = async (selection: string, fragments = '', cookie = admin.cookie) => {
    const doc = `query People($slug: String!) { conductReports(slug: $slug, limit: 100) { ${selection} } } ${fragments}`;
    const run = await s.sql.during(() => s.gql(doc, { slug: event.slug }, { cookie }));
    expect(run.result.errors).toBeUndefined();
    const people = run.statements.filter((q) => /from users u where/.test(q));
    return { data: (run.result.data as { conductReports: unknown }).conductReports, statements: run.statements.length, people };
  };

  it('answers the same people whether read narrow, whole, through fragments, under directives or aliases', async () => {
    // a directive on the way leaves the people to the loader: the reference answer
    const lazy = await listOf(`reports { id reporter @include(if: true) { ${FULL} } assignedResponder @include(if: true) { ${FULL} } }`);
    const whole = await listOf(`reports { id reporter { ${FULL} } assignedResponder { ${FULL} } }`);
    expect(whole.data).toEqual(lazy.data);
    expect(whole.statements).toBe(lazy.statements);

    const pick = (data: unknown, keys: string[]) =>
      (data as { reports: Record<string, Record<string, unknown> | null | string>[] }).reports.map((r) => {
        const person = (p: unknown) => (p ? Object.fromEntries(keys.map((k) => [k, (p as Record<string, unknown>)[k]])) : null);
        return { id: r.id, reporter: person(r.reporter), assignedResponder: person(r.assignedResponder) };
      });
    const narrow = await listOf('reports { id reporter { id name email } assignedResponder { id name email } }');
    expect(narrow.data).toEqual({ reports: pick(lazy.data, ['id', 'name', 'email']) });
    expect(narrow.statements).toBe(lazy.statements);
    // the narrow read: the listed columns (user-row.ts LIST_USER_FIELDS), not the whole row
    expect(narrow.people).toHaveLength(1);
    expect(narrow.people[0]).toMatch(/select u\."id", u\."username", u\."email", u\."name", u\."avatar_file_id" from users u/);
    expect(lazy.people[0]).toMatch(/u\."password_hash"/);
    expect((narrow.data as { reports: { assignedResponder: unknown }[] }).reports.some((r) => r.assignedResponder === null)).toBe(true);

    const viaFragments = await listOf(
      '... on ConductReportPage { reports { id reporter { ...P } assignedResponder { ... on User { id name email } } } }',
      'fragment P on User { id name email }',
    );
    expect(viaFragments.data).toEqual(narrow.data);

    // a wider field in one of two aliases of the list: whole users for both
    const aliased = await listOf('a: reports { id reporter { id name } } b: reports { id reporter { role } }');
    const reporters = (lazy.data as { reports: { reporter: { id: string; name: string; role: string } }[] }).reports.map((r) => r.reporter);
    expect(aliased.data).toEqual({
      a: reporters.map((p, i) => ({ id: (lazy.data as { reports: { id: string }[] }).reports[i].id, reporter: { id: p.id, name: p.name } })),
      b: reporters.map((p, i) => ({ id: (lazy.data as { reports: { id: string }[] }).reports[i].id, reporter: { role: p.role } })),
    });

    // only the assignee asked: only assignees read
    const assignees = await listOf('reports { assignedResponder { name } }');
    expect(assignees.data).toEqual({ reports: pick(lazy.data, ['name']).map((r) => ({ assignedResponder: r.assignedResponder })) });

    // no person asked: no people statement
    const none = await listOf('reports { id }');
    expect(none.statements).toBe(lazy.statements - 1);
  });

  it("the cross-event list's people, narrow and whole, are the loader's", async () => {
    const doc = (sel: string) => `query Mine { myConductReports(limit: 100) { reports { id ${sel} } } }`;
    const run = async (sel: string) => {
      const r = await s.gql(doc(sel), {}, { cookie: responder.cookie });
      expect(r.errors).toBeUndefined();
      return (r.data as { myConductReports: unknown }).myConductReports;
    };
    const lazy = await run(`reporter @skip(if: false) { id name email role } assignedResponder @skip(if: false) { id name email role }`);
    expect(await run('reporter { id name email role } assignedResponder { id name email role }')).toEqual(lazy);
    const narrow = (await run('reporter { id name email } assignedResponder { id name email }')) as { reports: { reporter: { name: string } }[] };
    expect(narrow.reports.map((r) => r.reporter.name)).toEqual((lazy as { reports: { reporter: { name: string } }[] }).reports.map((r) => r.reporter.name));
  });
});
