/**
 * Issue 11, "Time limits": a table lock held longer than the limits (from a connection of the test's
 * own) must not make requests wait as long as the lock. A statement that waits for the lock, or a
 * request that waits for a pooled connection, is answered 503 with Retry-After within about the limit,
 * in the envelope of its surface and as an UNAVAILABLE GraphQL error with HTTP 503; /readyz has its own
 * connection and answers within 2 s even with the pool exhausted. Before, everything waited for the lock.
 */
import { Client as PgClient, PoolClient } from 'pg';
import WebSocket from 'ws';
import { createUser, startTestServer, TestServer, TestUser, unique } from './support/server';
import { WS_CLOSE_TRY_AGAIN } from '../src/server/ws';

const LIMITS = { DB_STATEMENT_TIMEOUT_MS: '2000', DB_LOCK_TIMEOUT_MS: '500', DB_POOL_WAIT_MS: '500', SESSION_CACHE_SECONDS: '0' };
/**
 * The limits plus argon2 and a loaded test machine's noise. The lock is released only after the
 * requests answered, so an answer at all proves that nobody waited for the lock to go.
 */
const PROMPT_MS = 3_000;
const REGISTER = `mutation R($u: String!) { register(input: { username: $u, password: "longenough" }) { id } }`;

async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const start = Date.now();
  const result = await fn();
  return { ms: Date.now() - start, result };
}

describe('a table locked longer than the time limits', () => {
  let s: TestServer;
  let admin: TestUser;
  let locker: PgClient;
  beforeAll(async () => {
    s = await startTestServer(LIMITS);
    admin = await createUser(s, { username: unique('admin') });
    locker = new PgClient({ connectionString: s.databaseUrl });
    await locker.connect();
  });
  afterAll(async () => {
    await locker.end();
    await s.close();
  });

  /** Runs `body` while `table` is locked ACCESS EXCLUSIVE by the test's connection (released after, whatever happens). */
  async function whileLocked<T>(table: string, body: () => Promise<T>): Promise<T> {
    await locker.query('begin');
    await locker.query(`lock table ${table} in access exclusive mode`);
    try {
      return await body();
    } finally {
      await locker.query('rollback');
    }
  }

  it('a REST write answers 503 with Retry-After in the surface envelope, within about the limit', async () => {
    await whileLocked('users', async () => {
      const compass = await timed(() =>
        s.rest('POST', '/compass/api/auth/register', { body: { username: unique('c'), email_address: `${unique('c')}@example.test`, password: 'longenough' } }),
      );
      expect(compass.ms).toBeLessThan(PROMPT_MS);
      expect(compass.result.status).toBe(503);
      expect(compass.result.headers.get('retry-after')).toBe('1');
      expect(compass.result.body).toEqual({ status: 'error', message: expect.any(String), timestamp: expect.any(String), status_code: 503 });

      const cake = await timed(() => s.rest('POST', '/cakeplanner/api/auth/register', { body: { email: `${unique('k')}@example.test`, password: 'longenough' } }));
      expect(cake.ms).toBeLessThan(PROMPT_MS);
      expect([cake.result.status, cake.result.headers.get('retry-after')]).toEqual([503, '1']);
      expect(cake.result.body).toEqual({ error: expect.any(String) });
      expect(cake.result.text).not.toMatch(/insert|select|users/i);
    });
    // once the lock is gone the same request works
    const after = await s.rest('POST', '/compass/api/auth/register', { body: { username: unique('c'), email_address: `${unique('c')}@example.test`, password: 'longenough' } });
    expect(after.status).toBe(201);
  });

  it('GraphQL answers HTTP 503 with Retry-After and an UNAVAILABLE error, for a mutation and for the session check', async () => {
    await whileLocked('users, sessions', async () => {
      const write = await timed(() => s.gql(REGISTER, { u: unique('g') }));
      expect(write.ms).toBeLessThan(PROMPT_MS);
      expect(write.result.status).toBe(503);
      expect(write.result.headers.get('retry-after')).toBe('1');
      expect(write.result.errors?.[0]).toMatchObject({ extensions: { code: 'UNAVAILABLE', details: { retryAfter: 1 } } });
      // the viewer's session check (auth store, its own pool) runs before Apollo executes anything
      const me = await timed(() => s.gql(`{ me { id } }`, {}, { token: admin.token }));
      expect(me.ms).toBeLessThan(PROMPT_MS);
      expect([me.result.status, me.result.headers.get('retry-after'), me.result.errors?.[0]?.extensions?.code]).toEqual([503, '1', 'UNAVAILABLE']);
      // and the same check on a REST route, in the surface's envelope
      const validate = await s.rest('GET', '/compass/api/auth/validate', { token: admin.token });
      expect([validate.status, validate.headers.get('retry-after'), validate.body.status_code]).toEqual([503, '1', 503]);
    });
  });

  /** Runs `body` while every connection of the session check's pool (src/db/prepared-sql.ts) is checked out by the test. */
  async function whilePoolHeld<T>(body: () => Promise<T>): Promise<T> {
    const pool = s.server.app.sql.pool;
    const held: PoolClient[] = [];
    try {
      while (held.length < (pool.options.max ?? 8)) held.push(await pool.connect());
      return await body();
    } finally {
      for (const c of held) c.release();
    }
  }

  /** A raw graphql-ws socket: connection_init with the token, then what the server does (ack, or close with a code and reason). */
  function wsOpen(token: string): { socket: WebSocket; outcome: Promise<string> } {
    const socket = new WebSocket(`ws://127.0.0.1:${s.server.port}/graphql`, 'graphql-transport-ws');
    const outcome = new Promise<string>((resolve) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { token } })));
      socket.on('message', (m) => {
        if (JSON.parse(String(m)).type === 'connection_ack') resolve('ack');
      });
      socket.on('close', (code, reason) => resolve(`closed ${code} ${String(reason)}`));
    });
    return { socket, outcome };
  }

  it('graphql-ws: a connection_init whose session check finds no pooled connection in time closes with 1013 Try Again Later; a subscribe on an open socket gets UNAVAILABLE', async () => {
    const { socket: open, outcome: opened } = wsOpen(admin.token);
    expect(await opened).toBe('ack');
    const frames: { type: string; id?: string; payload?: unknown }[] = [];
    open.on('message', (m) => frames.push(JSON.parse(String(m))));
    await whilePoolHeld(async () => {
      // a new socket: not an auth failure (4403) nor an internal error (4500), but "try again"
      const fresh = await timed(() => wsOpen(admin.token).outcome);
      expect(fresh.result).toBe(`closed ${WS_CLOSE_TRY_AGAIN} Try again later: the service is busy`);
      expect(fresh.ms).toBeLessThan(PROMPT_MS);
      // the open socket: the operation is refused with UNAVAILABLE, the socket stays open
      open.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: '{ me { id } }' } }));
      const deadline = Date.now() + PROMPT_MS;
      while (!frames.some((f) => f.id === '1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(frames.find((f) => f.id === '1')).toEqual({
        id: '1',
        type: 'error',
        payload: [expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAVAILABLE' }) })],
      });
      expect(open.readyState).toBe(WebSocket.OPEN);
    });
    // with the pool back, the same socket runs the operation and a new socket is acknowledged
    open.send(JSON.stringify({ id: '2', type: 'subscribe', payload: { query: '{ me { id } }' } }));
    const deadline = Date.now() + PROMPT_MS;
    while (!frames.some((f) => f.id === '2' && f.type === 'next') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(frames.find((f) => f.id === '2' && f.type === 'next')?.payload).toEqual({ data: { me: { id: admin.id } } });
    open.close();
    const again = wsOpen(admin.token);
    expect(await again.outcome).toBe('ack');
    again.socket.close();
  });

  it('many writes at once (more than the pool) all answer 503 promptly, and /readyz answers within 2 s meanwhile', async () => {
    await whileLocked('users', async () => {
      const writes = Array.from({ length: 24 }, () =>
        timed(() => s.rest('POST', '/compass/api/auth/register', { body: { username: unique('m'), email_address: `${unique('m')}@example.test`, password: 'longenough' } })),
      );
      // while the writes hold (or wait for) every pooled connection
      await new Promise((r) => setTimeout(r, 200));
      const ready = await timed(() => fetch(`${s.url}/readyz`));
      expect(ready.ms).toBeLessThan(2_100);
      // the database is reachable (only one table is locked): ready
      expect(ready.result.status).toBe(200);
      const answers = await Promise.all(writes);
      for (const a of answers) {
        expect([a.result.status, a.result.headers.get('retry-after')]).toEqual([503, '1']);
        expect(a.ms).toBeLessThan(PROMPT_MS * 3);
      }
    });
  });
});
