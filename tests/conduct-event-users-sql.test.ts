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

describe('what a member page reads', () => {
  type Member = { user: Record<string, unknown> };
  const page = (selection: string, fragments = '') => `query MemberFields($slug: String!) {
    conductEventUsers(slug: $slug, search: "member", limit: 5) { users { user { ${selection} } } }
  } ${fragments}`;
  const members = (r: { data?: unknown }) => (r.data as { conductEventUsers: { users: Member[] } }).conductEventUsers.users.map((m) => m.user);
  /** whether the member page's statement (not the session check's) reads the users' whole rows */
  const readsProfile = (statements: string[]) => {
    const pages = statements.filter((q) => /ix_join_date/.test(q));
    expect(pages).toHaveLength(1);
    return /password_hash/.test(pages[0]);
  };

  it('reads only the shown columns when the users are asked only for them (the legacy list: REST and the same GraphQL)', async () => {
    const rest = await s.sql.during(() => api(s, 'GET', `/api/events/slug/${event.slug}/users?search=member&limit=5`, { cookie: viewer.cookie }));
    expect(rest.result.status).toBe(200);
    expect(readsProfile(rest.statements)).toBe(false);
    const viaFragment = await s.sql.during(() =>
      s.gql(page('...Shown', 'fragment Shown on User { id name email avatarFileId hasAvatar username __typename }'), { slug: event.slug }, { cookie: viewer.cookie }),
    );
    expect(viaFragment.result.errors).toBeUndefined();
    expect(readsProfile(viaFragment.statements)).toBe(false);
    expect(members(viaFragment.result)[0]).toEqual({
      id: expect.any(String),
      name: 'Member 001',
      email: expect.stringMatching(/^member1-/),
      avatarFileId: null,
      hasAvatar: false,
      username: null,
      __typename: 'User',
    });
  });

  it('reads just the columns of the shown fields asked (the id always), and answers them as the whole profile does', async () => {
    /** the users' columns the member page's statement selects */
    const columns = (statements: string[]) => {
      const [pageSql] = statements.filter((q) => /ix_join_date/.test(q));
      return [...pageSql.matchAll(/u\."(\w+)"/g)].map((m) => m[1]).filter((c, i, all) => all.indexOf(c) === i);
    };
    const rest = await s.sql.during(() => api(s, 'GET', `/api/events/slug/${event.slug}/users?search=member&limit=5`, { cookie: viewer.cookie }));
    expect(columns(rest.statements)).toEqual(['id', 'email', 'name', 'avatar_file_id']);
    const names = await s.sql.during(() => s.gql(page('name'), { slug: event.slug }, { cookie: viewer.cookie }));
    expect(columns(names.statements)).toEqual(['id', 'name']);
    const avatars = await s.sql.during(() => s.gql(page('id hasAvatar username'), { slug: event.slug }, { cookie: viewer.cookie }));
    expect(columns(avatars.statements)).toEqual(['id', 'username', 'avatar_file_id']);
    const whole = await s.gql(page('id name username hasAvatar role'), { slug: event.slug }, { cookie: viewer.cookie });
    expect(members(names.result)).toEqual(members(whole).map(({ name }) => ({ name })));
    expect(members(avatars.result)).toEqual(members(whole).map(({ id, hasAvatar, username }) => ({ id, hasAvatar, username })));
  });

  it('reads the whole profile when anything else of the users is asked, with the same answers for the shown fields', async () => {
    const narrow = await s.gql(page('id name email avatarFileId'), { slug: event.slug }, { cookie: viewer.cookie });
    const full = await s.sql.during(() => s.gql(page('id name email avatarFileId role createdAt isActive'), { slug: event.slug }, { cookie: viewer.cookie }));
    expect(full.result.errors).toBeUndefined();
    expect(readsProfile(full.statements)).toBe(true);
    const users = members(full.result);
    expect(users.map(({ id, name, email, avatarFileId }) => ({ id, name, email, avatarFileId }))).toEqual(members(narrow));
    for (const u of users) expect(u).toMatchObject({ role: 'USER', isActive: true, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
  });
});
