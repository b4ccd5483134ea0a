/**
 * The notification list and the dashboards cost a constant number of SQL statements whatever the page
 * size (docs/graph.md "Lists"), counted by the server's own logger and its prepared-statement pool.
 */
import { api, conductUser, ConductUser, grantEventRole, seedEvent, sql } from './conduct.helpers';
import { startCountingServer, CountingServer } from './support/sql-counter';

let s: CountingServer;
let viewer: ConductUser;

beforeAll(async () => {
  s = await startCountingServer();
  await conductUser(s, { name: 'Super Admin' });
  viewer = await conductUser(s, { name: 'Vera Viewer' });
  const event = await seedEvent(s, { name: 'Counted Conf' });
  await grantEventRole(s, viewer.id, event.id, 'Responder');
  const reports = await sql<{ id: string }>(
    s,
    `insert into conduct_reports (id, event_id, reporter_id, title, description, type)
     select gen_random_uuid(), $1, null, 'Counted report ' || i, 'What happened', 'other' from generate_series(1, 30) i returning id`,
    [event.id],
  );
  // 120 notifications, each linked to its event and one of 30 reports
  await sql(
    s,
    `insert into conduct_notifications (id, user_id, type, title, message, event_id, report_id, created_at)
     select gen_random_uuid(), $1, 'report_submitted', 'Title ' || i, 'Message', $2, ($3::uuid[])[1 + i % 30], now() - i * interval '1 second'
       from generate_series(1, 120) i`,
    [viewer.id, event.id, reports.map((r) => r.id)],
  );
}, 60_000);
afterAll(() => s?.close());

it('answers a page of 5 and a page of 100 notifications with the same statements', async () => {
  const page = (limit: number) => s.sql.during(() => api(s, 'GET', `/api/users/me/notifications?limit=${limit}`, { cookie: viewer.cookie }));
  const small = await page(5);
  const big = await page(100);
  expect([small.result.status, big.result.status]).toEqual([200, 200]);
  expect(big.result.body.notifications).toHaveLength(100);
  expect(big.result.body.notifications.every((n: { event: unknown; report: unknown }) => n.event && n.report)).toBe(true);
  // the session check, the page with its event and report, the counts
  expect(big.statements).toHaveLength(small.statements.length);
  expect(big.statements.length).toBeLessThanOrEqual(3);
});

it('answers the dashboards with one statement each after the session check', async () => {
  for (const path of ['/api/users/me/quickstats', '/api/users/me/activity?limit=50', '/api/users/me/notifications/stats']) {
    const { result, statements } = await s.sql.during(() => api(s, 'GET', path, { cookie: viewer.cookie }));
    expect([path, result.status]).toEqual([path, 200]);
    expect([path, statements.length]).toEqual([path, 2]);
  }
});
