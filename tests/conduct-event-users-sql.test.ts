/**
 * Issue 12, "Benchmarks": the member list of an event costs a constant number of SQL statements,
 * whatever the page size (REST by slug and the GraphQL operation), counted by the server's own logger
 * and its prepared-statement pool (tests/support/sql-counter.ts).
 */
import { api, conductUser, ConductUser, grantEventRole, seedEvent, sql } from './conduct.helpers';
import { startCountingServer, CountingServer } from './support/sql-counter';

let s: CountingServer;
let viewer: ConductUser;
let event: { id: string; slug: string };

beforeAll(async () => {
  s = await startCountingServer();
  await conductUser(s, { name: 'Super Admin' });
  viewer = await conductUser(s, { name: 'Vera Viewer' });
  event = await seedEvent(s, { name: 'Counted Conf' });
  await grantEventRole(s, viewer.id, event.id, 'Admin');
  // 120 members made in SQL, each a Reporter, every 10th a Responder too
  const rows = await sql<{ id: string }>(
    s,
    `insert into users (id, name, email) select gen_random_uuid(), 'Member ' || lpad(i::text, 3, '0'), 'member' || i || '-' || md5(random()::text) || '@example.test' from generate_series(1, 120) i returning id`,
  );
  for (const [i, r] of rows.entries()) {
    await grantEventRole(s, r.id, event.id, 'Reporter');
    if (i % 10 === 0) await grantEventRole(s, r.id, event.id, 'Responder');
  }
}, 120_000);
afterAll(() => s?.close());

const LIST = `query CountedEventUsers($slug: String!, $limit: Int) {
  conductEventUsers(slug: $slug, limit: $limit) { total users { user { id name email avatarFileId } roles joinDate lastActivity } }
}`;

it('answers a page of 5 and a page of 100 members with the same statements (REST and GraphQL)', async () => {
  const rest = async (limit: number) => s.sql.during(() => api(s, 'GET', `/api/events/slug/${event.slug}/users?search=member&limit=${limit}`, { cookie: viewer.cookie }));
  const small = await rest(5);
  const big = await rest(100);
  expect([small.result.status, big.result.status]).toEqual([200, 200]);
  expect(small.result.body.users).toHaveLength(5);
  expect(big.result.body.users).toHaveLength(100);
  expect(big.result.body.total).toBe(120);
  expect(big.result.body.users[0]).toEqual({
    id: expect.any(String),
    email: expect.stringMatching(/^member1-/),
    name: 'Member 001',
    roles: ['Responder', 'Reporter'],
    avatarUrl: null,
    joinDate: expect.any(String),
    lastActivity: null,
  });
  // the session check, the event with the viewer's roles, the page with its total
  expect(big.statements).toHaveLength(small.statements.length);
  expect(big.statements.length).toBeLessThanOrEqual(3);

  const gql = async (limit: number) => s.sql.during(() => s.gql(LIST, { slug: event.slug, limit }, { cookie: viewer.cookie }));
  const g5 = await gql(5);
  const g100 = await gql(100);
  expect(g5.result.errors).toBeUndefined();
  expect((g100.result.data as { conductEventUsers: { users: unknown[] } }).conductEventUsers.users).toHaveLength(100);
  expect(g100.statements).toHaveLength(g5.statements.length);
});

it('a page past the end still tells the total', async () => {
  const res = await api(s, 'GET', `/api/events/slug/${event.slug}/users?page=50&limit=20`, { cookie: viewer.cookie });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ users: [], total: 121 });
});
