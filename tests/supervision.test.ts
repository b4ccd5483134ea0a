/**
 * Supervision of the backend connections (src/pubsub/listener.ts, src/pubsub/pubsub.ts) and the unit of
 * work (src/db/unit-of-work.ts). The connections are killed with pg_terminate_backend, found by their
 * application_name; an outage that lasts is made by refusing new connections to the test database
 * (ALLOW_CONNECTIONS false) until the test lets them in again, as a restarting PostgreSQL would.
 */
import { Client as PgClient } from 'pg';
import { createClient, Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { TestLogoutDocument, TestMeDocument, TestRegisterUsernameDocument, TestUserChangedDocument } from '../src/generated/graphql';
import { collect, createUser, startTestServer, TestServer, TestUser, unique } from './support/server';
import { createHttpContext } from '../src/context/context';
import { unitOfWork } from '../src/db/unit-of-work';
import type { TopicName } from '../src/pubsub/topics';
import { LogCapture, LogLine } from './support/log-capture';

async function adminSql(text: string, values: unknown[] = []) {
  const client = new PgClient({ connectionString: process.env.TEST_ADMIN_DATABASE_URL });
  await client.connect();
  try {
    return (await client.query(text, values)).rows;
  } finally {
    await client.end();
  }
}

const dbName = (s: TestServer) => new URL(s.databaseUrl).pathname.slice(1);

/** Terminates the connections of `s`'s database with that application_name; returns how many. */
async function kill(s: TestServer, applicationName: string): Promise<number> {
  const rows = await adminSql('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and application_name = $2', [dbName(s), applicationName]);
  return rows.length;
}

/** New connections to `s`'s database are refused (true) or accepted again (false); open ones stay. */
async function refuseConnections(s: TestServer, refuse: boolean): Promise<void> {
  await adminSql(`alter database "${dbName(s)}" allow_connections ${refuse ? 'false' : 'true'}`);
}

async function within<T>(limitMs: number, check: () => Promise<T | undefined | false>): Promise<T> {
  const start = Date.now();
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() - start > limitMs) throw new Error(`not within ${limitMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function readyz(s: TestServer): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${s.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** The outcome of a subscription that is expected to end: its error (as JSON) or 'completed'. */
const ending = (p: Promise<unknown>) =>
  p.then(
    () => 'completed',
    (e: unknown) => JSON.stringify(e),
  );

/** A graphql-ws client that keeps its socket open without subscriptions (the harness's is lazy). */
function eagerWs(s: TestServer, token: string): { client: WsClient; closed: Promise<number> } {
  let closedWith: (code: number) => void = () => undefined;
  const closed = new Promise<number>((resolve) => (closedWith = resolve));
  const client = createClient({
    url: `ws://127.0.0.1:${s.server.port}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { token },
    retryAttempts: 0,
    lazy: false,
    // the close is what the test waits for (`closed`); graphql-ws would also print it with console.error
    onNonLazyError: () => undefined,
    on: { closed: (e) => closedWith((e as { code: number }).code) },
  });
  return { client, closed };
}

/** The structured log of each outage server (started with LOG_LEVEL=info and a capture). */
const captures = new WeakMap<TestServer, LogCapture>();

/** Runs `body` with the server's log lines of the test given to it (live); lets connections in again after. */
async function supervised(s: TestServer, body: (log: LogLine[]) => Promise<void>): Promise<void> {
  const recording = captures.get(s)!.record();
  try {
    await body(recording.lines);
  } finally {
    recording.stop();
    await refuseConnections(s, false);
  }
}

/** A server (postgres pubsub) with an admin, and the test's own database connection, opened before any outage. */
async function outageServer(): Promise<{ s: TestServer; admin: TestUser; db: PgClient }> {
  const capture = new LogCapture();
  const s = await startTestServer({ PUBSUB: 'postgres', LOG_LEVEL: 'info' }, undefined, { logDestination: capture });
  captures.set(s, capture);
  const admin = await createUser(s, { username: unique('admin') });
  const db = new PgClient({ connectionString: s.databaseUrl });
  await db.connect();
  return { s, admin, db };
}

async function closeOutageServer(s: TestServer, db: PgClient, clients: WsClient[]): Promise<void> {
  await refuseConnections(s, false);
  for (const c of clients) await c.dispose();
  await db.end();
  await s.close();
}

describe('the listening connection dies', () => {
  let s: TestServer;
  let admin: TestUser;
  let db: PgClient;
  const clients: WsClient[] = [];
  beforeAll(async () => void ({ s, admin, db } = await outageServer()));
  afterAll(() => closeOutageServer(s, db, clients));

  it('is logged, /readyz answers 503 while it is down, subscriptions end with an error, and all comes back', () =>
    supervised(s, async (log) => {
      const u = await createUser(s);
      const client = s.ws(admin.token);
      clients.push(client);
      const open = collect(client, TestUserChangedDocument, {}, 100);
      await open.ready;
      expect(await readyz(s)).toEqual({ status: 200, body: { status: 'ready', database: 'ok', migrations: 'applied', listener: 'up' } });
      expect(s.app.auth.cacheState().listening).toBe(true);

      await refuseConnections(s, true);
      expect(await kill(s, 'interchange-listener')).toBe(1);

      // /readyz says so, naming the listener
      const down = await within(2000, async () => {
        const r = await readyz(s);
        return r.status === 503 && r;
      });
      expect(down.body).toEqual({ status: 'not ready', database: 'ok', migrations: 'applied', listener: 'down', listenerDownSince: expect.any(String) });
      // the open subscription ended with an error (graphql-ws `error`), so the client knows to subscribe again
      expect(await ending(open.done)).toMatch(/EVENTS_INTERRUPTED/);
      // one asked for while the listener is down fails at once rather than hear nothing
      expect(await ending(collect(client, TestUserChangedDocument).done)).toMatch(/EVENTS_INTERRUPTED/);
      // the session cache is off: a revocation nobody hears of is still seen
      expect(s.app.auth.cacheState()).toEqual({ listening: false, sessions: 0 });
      await db.query('update sessions set revoked_at = now() where user_id = $1', [u.id]);
      expect((await s.gql(TestMeDocument, undefined, { token: u.token })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
      // writes still work and answer success
      expect((await s.gql(TestRegisterUsernameDocument, { u: unique('during') })).data?.register.id).toEqual(expect.any(String));

      await refuseConnections(s, false);
      const back = await within(5000, async () => {
        const r = await readyz(s);
        return r.status === 200 && r;
      });
      expect(back.body).toEqual({ status: 'ready', database: 'ok', migrations: 'applied', listener: 'up' });
      expect(s.app.auth.cacheState().listening).toBe(true);
      // logged as the listener going down (an error) and coming back (a warning, after an outage)
      expect(log.some((l) => l.component === 'listener' && l.listener === 'down' && l.level === 'error' && l.msg.startsWith('connection lost'))).toBe(true);
      expect(log.some((l) => l.component === 'listener' && l.listener === 'up' && l.msg.startsWith('listening again'))).toBe(true);

      // a new subscription receives events again
      const again = collect(client, TestUserChangedDocument);
      await again.ready;
      const reg = await s.gql(TestRegisterUsernameDocument, { u: unique('after') });
      const [event] = await again.done;
      expect(event.data!.userChanged).toEqual({ kind: 'CREATED', userId: reg.data!.register.id });
      // and the session cache is used again
      const v = await createUser(s);
      expect((await s.gql(TestMeDocument, undefined, { token: v.token })).data!.me.id).toBe(v.id);
      expect(s.app.auth.cacheState().sessions).toBeGreaterThan(0);
    }));

  it('reconnects within a second when nothing holds it back', () =>
    supervised(s, async () => {
      expect(await kill(s, 'interchange-listener')).toBe(1);
      await within(1000, async () => !s.app.listener!.ready);
      const ms = Date.now();
      await within(3000, async () => s.app.listener!.ready);
      expect(Date.now() - ms).toBeLessThan(1000);
      expect((await readyz(s)).status).toBe(200);
    }));

  /** A user's socket (kept open without subscriptions) with one subscription on it. */
  async function subscribedSocket() {
    const u = await createUser(s);
    const { client, closed } = eagerWs(s, u.token);
    clients.push(client);
    const sub = collect(client, TestUserChangedDocument, {}, 100);
    const ended = ending(sub.done);
    await sub.ready;
    return { u, client, closed, ended };
  }

  it('logout after a reconnection still closes the session’s sockets', () =>
    supervised(s, async () => {
      const { u, client, closed, ended } = await subscribedSocket();
      expect(await kill(s, 'interchange-listener')).toBe(1);
      expect(await ended).toMatch(/EVENTS_INTERRUPTED/);
      await within(5000, async () => s.app.listener!.ready);
      // the socket stayed open; its client subscribes again, then logs out
      const again = collect(client, TestUserChangedDocument, {}, 100);
      again.done.catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200)); // already connected: `ready` would wait for a new connection
      expect((await s.gql(TestLogoutDocument, {}, { token: u.token })).data!.logout).toBe(true);
      expect(await closed).toBe(4401);
    }));

  it('a revocation published while the listener was down closes the sockets once it is back', () =>
    supervised(s, async () => {
      const { u, closed } = await subscribedSocket();
      await refuseConnections(s, true);
      expect(await kill(s, 'interchange-listener')).toBe(1);
      await within(2000, async () => !s.app.listener!.ready);
      // the logout's event goes out while this instance cannot hear it
      expect((await s.gql(TestLogoutDocument, {}, { token: u.token })).data!.logout).toBe(true);
      await refuseConnections(s, false);
      expect(await closed).toBe(4401);
    }));
});

describe('the publishing connection dies', () => {
  let s: TestServer;
  let admin: TestUser;
  let db: PgClient;
  beforeAll(async () => void ({ s, admin, db } = await outageServer()));
  afterAll(() => closeOutageServer(s, db, []));

  it('a write whose publish fails answers success, and its event is delivered by a retry', () =>
    supervised(s, async (log) => {
      const client = s.ws(admin.token);
      const sub = collect(client, TestUserChangedDocument, {}, 2, 15_000);
      await sub.ready;
      // the admin's registration opened the publish connection: kill it, and keep new ones out
      await refuseConnections(s, true);
      expect(await kill(s, 'interchange-publish')).toBe(1);

      // a GraphQL write and a REST one (a surface route executing a mutation) answer success
      const reg = await s.gql(TestRegisterUsernameDocument, { u: unique('committed') });
      expect(reg.status).toBe(200);
      expect(reg.errors).toBeUndefined();
      const rest = await s.rest('POST', '/coparent/api/admin/users', { token: admin.token, body: { username: unique('rest'), password: 'longenough12' } });
      expect(rest.status).toBeLessThan(300);
      const ids = [reg.data!.register.id as string, rest.body.id as string];
      expect(log.filter((l) => l.component === 'pubsub' && l.topic === 'identity.userChanged' && l.msg === 'publishing identity.userChanged failed, retrying')).toHaveLength(2);
      const { rows } = await db.query('select id from users where id = any($1::uuid[])', [ids]);
      expect(rows).toHaveLength(2);

      // the database lets the publisher in again: the retries deliver both events
      await new Promise((r) => setTimeout(r, 300));
      await refuseConnections(s, false);
      const events = await sub.done;
      // (each retries on its own schedule: in either order)
      expect(events.map((e) => e.data!.userChanged)).toEqual(expect.arrayContaining(ids.map((userId) => ({ kind: 'CREATED', userId }))));
      await within(3000, async () => log.some((l) => l.component === 'pubsub' && l.msg.includes('succeeded after a retry')));
      await client.dispose();
    }));
});

describe('the unit of work', () => {
  let s: TestServer;
  const published: string[] = [];
  beforeAll(async () => {
    s = await startTestServer({ PUBSUB: 'memory' });
    const pubsub = s.app.pubsub as unknown as { publish(topic: TopicName, payload: { userId: string }): Promise<void> };
    pubsub.publish = async (_topic, payload) => void published.push(payload.userId);
  });
  afterAll(() => s.close());
  beforeEach(() => void published.splice(0));

  const event = (name: string): ['identity.userChanged', { kind: 'UPDATED'; userId: string }] => ['identity.userChanged', { kind: 'UPDATED', userId: name }];
  const context = () => createHttpContext(s.app, { headers: {}, socket: {} } as never, undefined, 'http');

  it('publishes nothing when it rolls back', async () => {
    const ctx = await context();
    await expect(
      unitOfWork(ctx, async (tx) => {
        tx.publish(...event('lost'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await ctx.runAfterCommit();
    expect(published).toEqual([]);
  });

  it("publishes a nested unit's events after the outer commit, and drops a rolled-back nested unit's", async () => {
    const ctx = await context();
    await unitOfWork(ctx, async (tx) => {
      tx.publish(...event('outer'));
      await unitOfWork(tx, async (inner) => inner.publish(...event('inner')));
      await expect(
        unitOfWork(tx, async (inner) => {
          inner.publish(...event('savepoint rolled back'));
          throw new Error('inner failure');
        }),
      ).rejects.toThrow('inner failure');
      expect(published).toEqual([]);
    });
    expect(published).toEqual(['outer', 'inner']);
  });

  it("joins a module's own sub-context over a transactional em (compass's `within`) and waits for its commit", async () => {
    const ctx = await context();
    await ctx.em.transactional(async (em) => {
      const sub = { ...ctx, em, runAfterCommit: async () => undefined } as typeof ctx;
      await unitOfWork(sub, async (tx) => tx.publish(...event('joined')));
      expect(published).toEqual([]);
    });
    await ctx.runAfterCommit();
    expect(published).toEqual(['joined']);
  });
});
