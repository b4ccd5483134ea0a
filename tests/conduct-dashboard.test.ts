/**
 * conduct's dashboards (conduct-reports.md "Dashboard"): quick stats, an event's stats and card stats,
 * and the activity feed, from real rows (reports, state changes, comments, assignments, notifications),
 * as the frontend reads them and through GraphQL; a Reporter never sees internal comments, others'
 * reports or assignments in them. The audit log through GraphQL (SuperAdmin all, an event Admin their
 * event's, anyone else 403) and the testing routes (`/audit-test`, `/admin-only`).
 */
import { randomBytes } from 'node:crypto';
import { api, conductServer, conductUser, ConductUser, grantEventRole, seedEvent, seedInvite, seedOrganization, sql } from './conduct.helpers';
import type { TestServer } from './support/server';

let s: TestServer;
let superAdmin: ConductUser;
let admin: ConductUser;
let responder: ConductUser;
let reporter: ConductUser;
let otherReporter: ConductUser;
let outsider: ConductUser;
let event: { id: string; slug: string };
let other: { id: string; slug: string };
const r: Record<string, string> = {};

const INTERNAL_TEXT = `internal-${randomBytes(6).toString('hex')}`;
const PUBLIC_TEXT = `public-${randomBytes(6).toString('hex')}`;
const NOTES_TEXT = `notes-${randomBytes(6).toString('hex')}`;
const MISSING = '00000000-0000-0000-0000-000000000000';

async function seedReport(
  eventId: string,
  over: { reporterId?: string | null; assigneeId?: string | null; state?: string; severity?: string | null; title?: string; createdAt?: Date } = {},
): Promise<string> {
  const at = over.createdAt ?? new Date();
  const rows = await sql<{ id: string }>(
    s,
    `insert into conduct_reports (id, event_id, reporter_id, assigned_responder_id, title, description, type, state, severity, created_at, updated_at)
     values (gen_random_uuid(), $1, $2, $3, $4, 'Something happened at the venue', 'harassment', $5, $6, $7, $7) returning id`,
    [eventId, over.reporterId ?? null, over.assigneeId ?? null, over.title ?? `Report ${randomBytes(3).toString('hex')}`, over.state ?? 'submitted', over.severity ?? null, at],
  );
  return rows[0].id;
}

const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000);

beforeAll(async () => {
  ({ s, superAdmin } = await conductServer());
  admin = await conductUser(s, { name: 'Ada Admin' });
  responder = await conductUser(s, { name: 'Rita Responder' });
  reporter = await conductUser(s, { name: 'Rob Reporter' });
  otherReporter = await conductUser(s, { name: 'Otis Reporter' });
  outsider = await conductUser(s, { name: 'Olga Outsider' });
  event = await seedEvent(s, { name: 'Main Conf' });
  other = await seedEvent(s, { name: 'Other Conf' });
  await grantEventRole(s, admin.id, event.id, 'Admin');
  await grantEventRole(s, responder.id, event.id, 'Responder');
  await grantEventRole(s, reporter.id, event.id, 'Reporter');
  await grantEventRole(s, otherReporter.id, event.id, 'Reporter');
  await grantEventRole(s, outsider.id, other.id, 'Admin');

  // the Reporter's report: acknowledged, then investigating (with notes), assigned to the Responder,
  // a public and an internal comment
  r.mine = await seedReport(event.id, {
    reporterId: reporter.id,
    assigneeId: responder.id,
    state: 'investigating',
    severity: 'high',
    title: 'Mine: harassment at lunch',
    createdAt: minutesAgo(50),
  });
  r.theirs = await seedReport(event.id, { reporterId: otherReporter.id, state: 'submitted', title: 'Theirs: unsafe stairs', createdAt: minutesAgo(40) });
  r.closed = await seedReport(event.id, {
    reporterId: otherReporter.id,
    state: 'closed',
    severity: 'low',
    title: 'Closed: resolved last year',
    createdAt: new Date(Date.now() - 30 * 86400_000),
  });
  r.elsewhere = await seedReport(other.id, { reporterId: outsider.id, title: 'Elsewhere: other event' });
  await sql(
    s,
    `insert into conduct_report_state_changes (id, report_id, from_state, to_state, changed_by_id, notes, created_at) values
       (gen_random_uuid(), $1, 'submitted', 'acknowledged', $2, null, $3), (gen_random_uuid(), $1, 'acknowledged', 'investigating', $2, $4, $5)`,
    [r.mine, responder.id, minutesAgo(45), NOTES_TEXT, minutesAgo(30)],
  );
  await sql(
    s,
    `insert into conduct_comments (id, report_id, author_id, body, visibility, created_at, updated_at) values
       (gen_random_uuid(), $1, $2, $3, 'public', $4, $4), (gen_random_uuid(), $1, $2, $5, 'internal', $6, $6)`,
    [r.mine, responder.id, PUBLIC_TEXT, minutesAgo(20), INTERNAL_TEXT, minutesAgo(10)],
  );
  await sql(
    s,
    `insert into conduct_audit_logs (id, actor_id, action, target_type, target_id, event_id, details, created_at)
     values (gen_random_uuid(), $1, 'report.assigned', 'Report', $2, $3, $4, $5), (gen_random_uuid(), $1, 'report.updated', 'Report', $2, $3, $6, $7)`,
    [
      admin.id,
      r.mine,
      event.id,
      JSON.stringify({ fields: ['assignedResponderId'], assignedResponderId: responder.id }),
      minutesAgo(35),
      JSON.stringify({ fields: ['severity'] }),
      minutesAgo(34),
    ],
  );
  await sql(
    s,
    `insert into conduct_notifications (id, user_id, type, title, message) values (gen_random_uuid(), $1, 'report_assigned', 't', 'm'), (gen_random_uuid(), $1, 'report_submitted', 't', 'm')`,
    [responder.id],
  );
  await seedInvite(s, { eventId: event.id }, {});
  await seedInvite(s, { eventId: event.id }, { disabled: true });
  await seedInvite(s, { eventId: event.id }, { expiresAt: new Date(Date.now() - 1000) });
  await seedInvite(s, { eventId: event.id }, { maxUses: 1, useCount: 1 });
});
afterAll(() => s?.close());

describe('quick stats', () => {
  it('count what each caller sees, under both name sets', async () => {
    const stats = async (u: ConductUser) => {
      const res = await api(s, 'GET', '/api/users/me/quickstats', { cookie: u.cookie });
      expect(res.status).toBe(200);
      return res.body;
    };
    expect(await stats(responder)).toEqual({
      totalReports: 3,
      totalEvents: 1,
      unreadNotifications: 2,
      recentActivity: 2,
      eventCount: 1,
      reportCount: 3,
      needsResponseCount: 1,
    });
    // a Reporter: only their own report
    expect(await stats(reporter)).toMatchObject({ totalReports: 1, reportCount: 1, totalEvents: 1, eventCount: 1, needsResponseCount: 0, unreadNotifications: 0 });
    expect(await stats(otherReporter)).toMatchObject({ totalReports: 2, recentActivity: 1 });
    // the other event's Admin sees that event's report only; the SuperAdmin without roles: nothing
    expect(await stats(outsider)).toMatchObject({ totalReports: 1, totalEvents: 1 });
    expect(await stats(superAdmin)).toMatchObject({ totalReports: 0, totalEvents: 0 });
    expect((await api(s, 'GET', '/users/me/quickstats', { cookie: reporter.cookie })).body.reportCount).toBe(1);
    expect((await api(s, 'GET', '/api/users/me/quickstats')).status).toBe(401);
    const g = await s.gql<{ conductQuickStats: { totalReports: number; needsResponse: number } }>(
      'query { conductQuickStats { totalReports needsResponse } }',
      {},
      { cookie: responder.cookie },
    );
    expect(g.data).toEqual({ conductQuickStats: { totalReports: 3, needsResponse: 1 } });
  });
});

describe('event stats and card stats', () => {
  it("give staff the event's numbers; Reporters 403; outsiders 403; unknown 404", async () => {
    const res = await api(s, 'GET', `/api/events/slug/${event.slug}/stats`, { cookie: responder.cookie });
    expect([res.status, res.body]).toEqual([
      200,
      { totalReports: 3, totalUsers: 4, needsResponseCount: 2, pendingInvites: 1, assignedReports: 1, resolvedReports: 1, myReports: 0 },
    ]);
    expect((await api(s, 'GET', `/events/slug/${event.slug}/stats`, { cookie: superAdmin.cookie })).body.totalReports).toBe(3);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/stats`, { cookie: reporter.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/stats`, { cookie: outsider.cookie })).status).toBe(403);
    expect((await api(s, 'GET', '/api/events/slug/no-such-event/stats', { cookie: admin.cookie })).status).toBe(404);
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/stats`)).status).toBe(401);
  });

  it('count only the reports the caller may see, with the newest three', async () => {
    const card = async (u: ConductUser) => {
      const res = await api(s, 'GET', `/api/events/slug/${event.slug}/cardstats`, { cookie: u.cookie });
      expect(res.status).toBe(200);
      return res.body;
    };
    const staff = await card(responder);
    expect(staff).toEqual({
      totalReports: 3,
      // high severity, and a report submitted within the day
      urgentReports: 2,
      assignedToMe: 1,
      needsResponse: 2,
      recentActivity: 2,
      recentReports: [
        { id: r.theirs, title: 'Theirs: unsafe stairs', state: 'submitted', severity: null, createdAt: expect.any(String) },
        { id: r.mine, title: 'Mine: harassment at lunch', state: 'investigating', severity: 'high', createdAt: expect.any(String) },
        { id: r.closed, title: 'Closed: resolved last year', state: 'closed', severity: 'low', createdAt: expect.any(String) },
      ],
    });
    const own = await card(reporter);
    expect(own).toMatchObject({ totalReports: 1, urgentReports: 1, assignedToMe: 0, needsResponse: 1 });
    expect(own.recentReports.map((x: { id: string }) => x.id)).toEqual([r.mine]);
    const g = await s.gql<{ conductEventCardStats: { totalReports: number; recentReports: { id: string }[] }; conductEventStats: unknown }>(
      'query($slug: String!) { conductEventCardStats(slug: $slug) { totalReports recentReports { id } } }',
      { slug: event.slug },
      { cookie: reporter.cookie },
    );
    expect(g.data).toEqual({ conductEventCardStats: { totalReports: 1, recentReports: [{ id: r.mine }] } });
    const denied = await s.gql<unknown>('query($slug: String!) { conductEventStats(slug: $slug) { totalReports } }', { slug: event.slug }, { cookie: reporter.cookie });
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect((await api(s, 'GET', `/api/events/slug/${event.slug}/cardstats`, { cookie: outsider.cookie })).status).toBe(403);
    expect((await api(s, 'GET', `/api/events/slug/nope/cardstats`, { cookie: outsider.cookie })).status).toBe(404);
  });
});

describe('activity feed', () => {
  type Item = { type: string; message: string; timestamp: string; eventSlug: string; reportId: string };
  const feed = async (u: ConductUser, q = '') => {
    const res = await api<{ activities: Item[]; activity: Item[] }>(s, 'GET', `/api/users/me/activity${q}`, { cookie: u.cookie });
    expect(res.status).toBe(200);
    expect(res.body.activity).toEqual(res.body.activities);
    return res.body.activities;
  };

  it('shows staff every kind of activity on their event, newest first, internal comments included', async () => {
    const items = await feed(responder, '?limit=50');
    expect(items.map((i) => [i.type, i.reportId])).toEqual([
      ['comment_added', r.mine],
      ['comment_added', r.mine],
      ['report_status_changed', r.mine],
      ['report_assigned', r.mine],
      ['report_submitted', r.theirs],
      ['report_status_changed', r.mine],
      ['report_submitted', r.mine],
      ['report_submitted', r.closed],
    ]);
    expect(items[0]).toEqual({
      type: 'comment_added',
      message: 'You added an internal comment to report "Mine: harassment at lunch" in Main Conf.',
      timestamp: expect.any(String),
      eventSlug: event.slug,
      reportId: r.mine,
    });
    expect(items[3].message).toBe('Report "Mine: harassment at lunch" in Main Conf was assigned to you.');
    expect((await feed(admin))[3].message).toBe('Report "Mine: harassment at lunch" in Main Conf was assigned to Rita Responder.');
    // never a comment's text or a state change's notes
    const text = JSON.stringify(items);
    for (const secret of [INTERNAL_TEXT, PUBLIC_TEXT, NOTES_TEXT]) expect(text).not.toContain(secret);
  });

  it("shows a Reporter their own report's public activity only: no internal comment, no assignment, no one else's report", async () => {
    const items = await feed(reporter);
    expect(items.map((i) => i.type)).toEqual(['comment_added', 'report_status_changed', 'report_status_changed', 'report_submitted']);
    expect(items.every((i) => i.reportId === r.mine)).toBe(true);
    expect(items[3].message).toBe('You submitted the report "Mine: harassment at lunch" in Main Conf.');
    expect(items[0].message).toBe('Rita Responder added a comment to report "Mine: harassment at lunch" in Main Conf.');
    const text = JSON.stringify(items);
    expect(text).not.toContain('internal');
    for (const secret of [INTERNAL_TEXT, NOTES_TEXT]) expect(text).not.toContain(secret);
    const g = await s.gql<{ conductActivity: { type: string; message: string }[] }>('query { conductActivity(limit: 50) { type message } }', {}, { cookie: reporter.cookie });
    expect(g.data!.conductActivity.map((i) => i.type)).toEqual(items.map((i) => i.type));
    expect(JSON.stringify(g.data)).not.toContain('internal');
  });

  it('honours limit (default 10, at most 50) and refuses nonsense', async () => {
    expect(await feed(responder, '?limit=2')).toHaveLength(2);
    expect((await feed(responder)).length).toBe(8);
    expect((await feed(outsider)).map((i) => i.reportId)).toEqual([r.elsewhere]);
    expect(await feed(superAdmin)).toEqual([]);
    for (const bad of ['?limit=0', '?limit=abc', '?limit=-1']) expect((await api(s, 'GET', `/api/users/me/activity${bad}`, { cookie: responder.cookie })).status).toBe(400);
    expect((await api(s, 'GET', '/users/me/activity')).status).toBe(401);
    const tooMany = await s.gql<unknown>('query { conductActivity(limit: 51) { type } }', {}, { cookie: responder.cookie });
    expect(tooMany.status).toBe(400);
  });
});

describe('the audit log through GraphQL', () => {
  const LOG = 'query($e: ID, $o: ID, $l: Int) { conductAuditLog(eventId: $e, organizationId: $o, limit: $l) { total entries { action targetType targetId eventId } } }';
  type Log = { conductAuditLog: { total: number; entries: { action: string; targetType: string; targetId: string; eventId: string | null }[] } };

  beforeAll(async () => {
    const org = await seedOrganization(s);
    await sql(
      s,
      `insert into conduct_audit_logs (id, action, target_type, target_id, event_id, organization_id) values
         (gen_random_uuid(), 'other.thing', 'Event', $1::text, $1::uuid, null), (gen_random_uuid(), 'org.thing', 'Organization', $2::text, null, $2::uuid)`,
      [other.id, org.id],
    );
  });

  it("shows the SuperAdmin everything, or one event's", async () => {
    const all = await s.gql<Log>(LOG, {}, { cookie: superAdmin.cookie });
    expect(all.errors).toBeUndefined();
    const [{ n }] = await sql<{ n: string }>(s, 'select count(*) as n from conduct_audit_logs');
    expect(all.data!.conductAuditLog.total).toBe(Number(n));
    const one = await s.gql<Log>(LOG, { e: other.id }, { cookie: superAdmin.cookie });
    expect(one.data!.conductAuditLog.entries).toEqual([{ action: 'other.thing', targetType: 'Event', targetId: other.id, eventId: other.id }]);
  });

  it("shows an event Admin their event's entries only; everyone else is refused", async () => {
    const mine = await s.gql<Log>(LOG, { e: event.id }, { cookie: admin.cookie });
    expect(mine.errors).toBeUndefined();
    expect(mine.data!.conductAuditLog.entries.map((e) => e.action)).toEqual(['report.updated', 'report.assigned']);
    const refusals: [ConductUser, Record<string, string>, string][] = [
      [admin, { e: other.id }, 'FORBIDDEN'],
      [admin, {}, 'FORBIDDEN'],
      [responder, { e: event.id }, 'FORBIDDEN'],
      [reporter, { e: event.id }, 'FORBIDDEN'],
      [outsider, { e: event.id }, 'FORBIDDEN'],
      [admin, { o: MISSING }, 'FORBIDDEN'],
      [admin, { e: MISSING }, 'NOT_FOUND'],
    ];
    for (const [u, vars, code] of refusals) {
      const res = await s.gql<Log>(LOG, vars, { cookie: u.cookie });
      expect([u.name, vars, res.errors?.[0].extensions?.code, res.data?.conductAuditLog ?? null]).toEqual([u.name, vars, code, null]);
    }
    expect((await s.gql<Log>(LOG, {})).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});

describe('testing routes', () => {
  it('audit-test writes an entry and answers it', async () => {
    const res = await api(s, 'GET', '/audit-test', { cookie: reporter.cookie });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      message: 'Audit event logged!',
      auditLog: {
        id: expect.any(String),
        actorId: reporter.id,
        action: 'audit_test',
        targetType: 'System',
        targetId: 'audit-test',
        eventId: null,
        organizationId: null,
        details: null,
        createdAt: expect.any(String),
      },
    });
    const [row] = await sql<{ actor_id: string; action: string }>(s, 'select actor_id, action from conduct_audit_logs where id = $1', [res.body.auditLog.id]);
    expect(row).toEqual({ actor_id: reporter.id, action: 'audit_test' });
    const anon = await api(s, 'GET', '/audit-test');
    expect([anon.status, anon.body.auditLog.actorId]).toEqual([200, null]);
  });

  it('admin-only lets the SuperAdmin in: others 403, anonymous 401', async () => {
    expect(await api(s, 'GET', '/admin-only', { cookie: superAdmin.cookie }).then((x) => [x.status, x.body])).toEqual([200, { message: 'SuperAdmin access granted!' }]);
    expect(await api(s, 'GET', '/admin-only', { cookie: admin.cookie }).then((x) => [x.status, x.body])).toEqual([403, { error: 'Forbidden: Super Admins only' }]);
    expect((await api(s, 'GET', '/admin-only')).status).toBe(401);
  });
});
