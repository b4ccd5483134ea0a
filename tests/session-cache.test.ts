/**
 * The session cache (src/auth/auth-store.ts): a cached session's requests run no statement, and every
 * change to a user or a session is seen — by the client's very next request on the instance that made
 * it, on another instance as soon as PostgreSQL's notice arrives, and after an operator's SQL too; when
 * its listening connection is lost the cache is not used until it is back.
 */
import { setFlagsFromString } from 'node:v8';
import { Client as PgClient } from 'pg';
import { MEMBERSHIPS } from '../src/auth/auth-store';
import {
  SessionCacheTestChangePasswordDocument,
  SessionCacheTestLoginDocument,
  SessionCacheTestMeDocument,
  SessionCacheTestSettingsDocument,
  TestDeactivateDocument,
  TestDeleteUserDocument,
  TestLogoutDocument,
  TestPromoteDocument,
} from '../src/generated/graphql';
import { cookieFrom, createTestDatabase, createUser, loginToken, startTestServer, TestServer, TestUser, unique } from './support/server';
import { startCountingServer } from './support/sql-counter';
import { resolveViewer } from '../src/context/context';

// This file's operations; codegen generates the typed `SessionCacheTest…Document`s used below from them
// (operations several files send are in ./support/operations.ts).
/* GraphQL */ `
  query SessionCacheTestMe { me { id role } }
  mutation SessionCacheTestLogin($i: LoginInput!) { login(input: $i) { token } }
  mutation SessionCacheTestChangePassword { changePassword(oldPassword: "correct horse battery", newPassword: "a new long password") }
  mutation SessionCacheTestSettings { updateSettings(language: "de") { language } }
`;

async function sql(s: TestServer, text: string, values: unknown[] = []) {
  const client = new PgClient({ connectionString: s.databaseUrl });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Polls `check` until it is true; returns the milliseconds it took (fails after `limitMs`). */
async function within(limitMs: number, check: () => Promise<boolean>): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/**
 * Takes over how `s`'s supervised listener receives notifications (every channel: the session cache's,
 * the pubsub's, its own heartbeat): `receive(handler)` routes each one to `handler` (given the
 * listener's own handling), `restore()` gives it back.
 */
function notices(s: TestServer) {
  const listener = s.app.listener as unknown as { deliver(channel: string, payload: string): void };
  const original = listener.deliver.bind(listener);
  return {
    receive: (handler: (payload: string, apply: (payload: string) => void) => void) => {
      listener.deliver = (channel, payload) => handler(payload, (p) => original(channel, p));
    },
    restore: () => {
      listener.deliver = original;
    },
  };
}

/** A logout and a role change made on `s` show on `s` from the client's very next request. */
async function changesSeenAtOnce(s: TestServer, admin: TestUser) {
  const u = await createUser(s);
  const cookie = `session=${u.token}`;
  expect((await s.rest('GET', '/coparent/api/auth/me', { cookie })).status).toBe(200);
  expect((await s.rest('POST', '/coparent/api/auth/logout', { cookie })).status).toBe(204);
  expect((await s.rest('GET', '/coparent/api/auth/me', { cookie })).status).toBe(401);
  const v = await createUser(s);
  expect((await s.gql(SessionCacheTestMeDocument, undefined, { token: v.token })).data!.me.role).toBe('USER');
  await s.gql(TestPromoteDocument, { id: v.id }, { token: admin.token });
  expect((await s.gql(SessionCacheTestMeDocument, undefined, { token: v.token })).data!.me.role).toBe('ADMIN');
  return v;
}

const refused = async (s: TestServer, u: { token: string }) =>
  (await s.gql(SessionCacheTestMeDocument, undefined, { token: u.token })).errors?.[0]?.extensions?.code === 'UNAUTHENTICATED';

describe('a cached session', () => {
  it('answers its requests without a statement, over GraphQL and REST', async () => {
    const s = await startCountingServer({ SESSION_CACHE_SECONDS: '30' });
    try {
      const u = await createUser(s);
      const first = await s.sql.during(() => s.gql(SessionCacheTestMeDocument, undefined, { token: u.token }));
      expect(first.result.data!.me.id).toBe(u.id);
      expect(first.statements).toHaveLength(1); // the session check
      const again = await s.sql.during(() => s.gql(SessionCacheTestMeDocument, undefined, { token: u.token }));
      expect(again.result.data!.me.id).toBe(u.id);
      expect(again.statements).toEqual([]);
      const rest = await s.sql.during(() => s.rest('GET', '/coparent/api/auth/me', { cookie: `session=${u.token}` }));
      expect(rest.result.body).toEqual({ id: u.id, username: u.username, role: expect.any(String) });
      expect(rest.statements).toEqual([]);
      expect(s.app.auth.cacheState()).toEqual({ listening: true, sessions: 1 });
    } finally {
      await s.close();
    }
  });
});

describe('cached session rows', () => {
  it('are frozen, carry the memberships and share one hidden class (inline caches on them hit)', async () => {
    const s = await startCountingServer({ SESSION_CACHE_SECONDS: '30' });
    try {
      const [u, v] = [await createUser(s), await createUser(s)];
      for (const x of [u, v]) expect((await s.gql(SessionCacheTestMeDocument, undefined, { token: x.token })).data!.me.id).toBe(x.id);
      const sid = (token: string) => (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { sid: string }).sid;
      const [a, b] = [s.app.auth.cachedViewerRow(sid(u.token)), s.app.auth.cachedViewerRow(sid(v.token))];
      expect(a?.id).toBe(u.id);
      expect(b?.id).toBe(v.id);
      expect(Object.isFrozen(a) && Object.isFrozen(b)).toBe(true);
      expect(Array.isArray(a![MEMBERSHIPS])).toBe(true);
      expect(Object.keys(a!)).not.toContain('ix_memberships');
      setFlagsFromString('--allow-natives-syntax');
      const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
      expect(sameMap(a!, b!)).toBe(true);
    } finally {
      await s.close();
    }
  });
});

describe('a burst of session checks', () => {
  it('shares one statement, as a fan-out re-checking many subscribers does (cache off)', async () => {
    const s = await startCountingServer({ SESSION_CACHE_SECONDS: '0' });
    try {
      const users = await Promise.all(Array.from({ length: 12 }, () => createUser(s)));
      const { result, statements } = await s.sql.during(() => Promise.all(users.map((u) => resolveViewer(s.app, () => s.app.orm.em.fork() as never, u.token))));
      expect(result.map((v) => v?.id)).toEqual(users.map((u) => u.id));
      expect(statements.filter((t) => /from sessions s join users u/.test(t))).toHaveLength(1);
      // a logged-out session in the same burst is refused, the others still answered
      expect((await s.rest('POST', '/coparent/api/auth/logout', { cookie: `session=${users[0].token}` })).status).toBe(204);
      const again = await Promise.all(users.map((u) => resolveViewer(s.app, () => s.app.orm.em.fork() as never, u.token)));
      expect(again[0]).toBeUndefined();
      expect(again.slice(1).map((v) => v?.id)).toEqual(users.slice(1).map((u) => u.id));
    } finally {
      await s.close();
    }
  });
});

describe('the prepared session check', () => {
  it('keeps working after a migration adds a column to users', async () => {
    const s = await startTestServer({ SESSION_CACHE_SECONDS: '0' });
    try {
      const u = await createUser(s);
      // every pooled connection prepares the statements
      await Promise.all(Array.from({ length: 12 }, () => s.gql(SessionCacheTestMeDocument, undefined, { token: u.token })));
      await sql(s, 'alter table users add column added_later int');
      for (let i = 0; i < 12; i++) {
        const res = await s.gql(SessionCacheTestMeDocument, undefined, { token: u.token });
        expect(res.status).toBe(200);
        expect(res.data!.me.id).toBe(u.id);
      }
      const login = await s.gql(SessionCacheTestLoginDocument, { i: { login: u.username, password: u.password } });
      expect(login.data!.login.token).toEqual(expect.any(String));
    } finally {
      await s.close();
    }
  });
});

describe('changes reach the cache', () => {
  let a: TestServer;
  let b: TestServer;
  let admin: TestUser;
  beforeAll(async () => {
    const db = await createTestDatabase();
    a = await startTestServer({}, db);
    b = await startTestServer({}, db);
    admin = await createUser(a, { username: unique('admin') });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('on the same instance, by the very next request: logout, role, deactivation, password change', async () => {
    for (let i = 0; i < 5; i++) {
      const v = await changesSeenAtOnce(a, admin);
      await a.gql(TestDeactivateDocument, { id: v.id }, { token: admin.token });
      expect(await refused(a, v)).toBe(true);

      const w = await createUser(a);
      const other = await a.gql(SessionCacheTestLoginDocument, { i: { login: w.username, password: w.password } });
      const otherToken = other.data!.login.token as string;
      expect(await refused(a, { token: otherToken })).toBe(false);
      const changed = await a.gql(SessionCacheTestChangePasswordDocument, undefined, { token: w.token });
      expect(changed.data!.changePassword).toBe(true);
      expect(await refused(a, { token: otherToken })).toBe(true);
      expect(await refused(a, w)).toBe(false);
    }
  });

  it('the answer to a change waits for its notice, however late notices arrive', async () => {
    // Notices reach this instance 100 ms late (in order, as PostgreSQL delivers them): an answer that
    // did not wait for its own marker would leave the next request a stale cache.
    const late = notices(a);
    late.receive((payload, apply) => void setTimeout(() => apply(payload), 100));
    try {
      await changesSeenAtOnce(a, admin);
    } finally {
      late.restore();
    }
  });

  it('on another instance, as soon as the notice arrives', async () => {
    const u = await createUser(a);
    expect(await refused(b, u)).toBe(false); // cached on b
    expect(b.app.auth.cacheState().sessions).toBeGreaterThan(0);
    const logout = await a.gql(TestLogoutDocument, undefined, { token: u.token });
    expect(logout.data!.logout).toBe(true);
    const ms = await within(2000, () => refused(b, u));
    expect(ms).toBeLessThan(2000);

    const v = await createUser(a);
    expect((await b.gql(SessionCacheTestMeDocument, undefined, { token: v.token })).data!.me.role).toBe('USER');
    await a.gql(TestPromoteDocument, { id: v.id }, { token: admin.token });
    await within(2000, async () => (await b.gql(SessionCacheTestMeDocument, undefined, { token: v.token })).data?.me.role === 'ADMIN');
  });

  it("after an operator's SQL", async () => {
    const u = await createUser(a);
    expect(await refused(a, u)).toBe(false);
    await sql(a, 'update users set is_active = false where id = $1', [u.id]);
    await within(2000, () => refused(a, u));
    const v = await createUser(a);
    expect(await refused(a, v)).toBe(false);
    await sql(a, 'update sessions set revoked_at = now() where user_id = $1', [v.id]);
    await within(2000, () => refused(a, v));
  });

  it('is not used while its listening connection is down, and is again once it is back', async () => {
    const u = await createUser(b);
    expect(await refused(b, u)).toBe(false);
    expect(b.app.auth.cacheState()).toMatchObject({ listening: true });
    // cut every session-cache listener on this database (a's and b's)
    await sql(b, "select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'interchange-listener'");
    await within(5000, async () => !b.app.auth.cacheState().listening);
    expect(b.app.auth.cacheState().sessions).toBe(0);
    // a revocation nobody hears of: the database is asked, so it takes effect at once
    await sql(b, 'update sessions set revoked_at = now() where user_id = $1', [u.id]);
    expect(await refused(b, u)).toBe(true);
    // reconnected (after about a second): caching again
    await within(10_000, async () => b.app.auth.cacheState().listening);
    const v = await createUser(b);
    expect(await refused(b, v)).toBe(false);
    expect(b.app.auth.cacheState().sessions).toBeGreaterThan(0);
    await within(10_000, async () => a.app.auth.cacheState().listening);
  });

  it('a listener that hears nothing (a connection dropped without an error) is replaced, not trusted', async () => {
    // Notices stop arriving on a's listener while its socket stays open.
    const deaf = notices(a);
    deaf.receive(() => undefined);
    try {
      const u = await createUser(a);
      const v = await createUser(a);
      expect(await refused(a, v)).toBe(false); // cached
      // a write waits for its marker, which never comes: the cache goes dark before the answer leaves
      const settled = await a.gql(SessionCacheTestSettingsDocument, undefined, { token: u.token });
      expect(settled.data!.updateSettings.language).toBe('de');
      expect(a.app.auth.cacheState()).toEqual({ listening: false, sessions: 0 });
      await sql(a, 'update sessions set revoked_at = now() where user_id = $1', [v.id]);
      expect(await refused(a, v)).toBe(true);
      // without any write, the heartbeat finds a deaf listener too
      deaf.restore();
      await within(10_000, async () => a.app.auth.cacheState().listening);
      deaf.receive(() => undefined);
      const w = await createUser(a);
      expect(await refused(a, w)).toBe(false);
      await within(10_000, async () => !a.app.auth.cacheState().listening);
    } finally {
      deaf.restore();
    }
    await within(10_000, async () => a.app.auth.cacheState().listening);
  });

  it('a TRUNCATE empties every cache', async () => {
    const u = await createUser(b);
    expect(await refused(b, u)).toBe(false);
    expect(b.app.auth.cacheState().sessions).toBeGreaterThan(0);
    await sql(b, 'truncate sessions');
    await within(2000, async () => b.app.auth.cacheState().sessions === 0);
    expect(await refused(b, u)).toBe(true);
    // every session is gone, the admin's too: log in again for the tests that follow
    admin.token = await loginToken(a, admin.username, admin.password);
  });

  it('a cookie of a user deleted by an admin stops working at once', async () => {
    const u = await createUser(a);
    const cookie = cookieFrom((await a.rest('POST', '/coparent/api/auth/login', { body: { username: u.username, password: u.password } })).headers)!;
    expect((await a.rest('GET', '/coparent/api/auth/me', { cookie })).status).toBe(200);
    const del = await a.gql(TestDeleteUserDocument, { id: u.id }, { token: admin.token });
    expect(del.errors).toBeUndefined();
    expect((await a.rest('GET', '/coparent/api/auth/me', { cookie })).status).toBe(401);
  });
});
