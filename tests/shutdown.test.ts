/**
 * Issue 11, "Readiness that tells the truth" and "No answer lost on shutdown" (src/server/drain.ts).
 * The server is closed as SIGTERM closes it (server.close(), which main.ts calls), with a pre-stop
 * window (SHUTDOWN_DELAY_MS). Keep-alive clients are raw sockets, so that each request goes exactly on
 * the socket the test chooses, even one the server has half-closed (as a client that has not yet read
 * the FIN does). Every write registers a uniquely named user; the test counts the saved ones, so a
 * write that was saved but never answered cannot hide.
 */
import net from 'node:net';
import { Client as PgClient } from 'pg';
import { startTestServer, TestServer, unique } from './support/server';

interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A keep-alive HTTP/1.1 client on one socket; it may write after the server's FIN (allowHalfOpen). */
class RawClient {
  private buffer = '';
  private ended = false;
  private wake: () => void = () => undefined;
  private constructor(readonly socket: net.Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (d: string) => {
      this.buffer += d;
      this.wake();
    });
    const end = () => {
      this.ended = true;
      this.wake();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Writes a request; its last `holdBack` bytes are kept for `finish()` (a request in flight, or one whose headers are still coming). */
  send(method: string, path: string, body?: unknown, holdBack = 0): { finish(): void } {
    const text = body === undefined ? '' : JSON.stringify(body);
    const head =
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n` +
      (body === undefined ? '' : `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\n`) +
      '\r\n';
    const write = (s: string) => {
      if (!this.socket.destroyed && this.socket.writable) this.socket.write(s);
    };
    const all = head + text;
    write(all.slice(0, all.length - holdBack));
    return { finish: () => write(all.slice(all.length - holdBack)) };
  }

  /** The next response, or undefined when the connection ended without one. */
  async response(timeoutMs = 10_000): Promise<RawResponse | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const parsed = this.parse();
      if (parsed) return parsed;
      if (this.ended) return undefined;
      if (Date.now() > deadline) throw new Error(`no response within ${timeoutMs} ms; got: ${this.buffer}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, 50);
      });
    }
  }

  private parse(): RawResponse | undefined {
    const split = this.buffer.indexOf('\r\n\r\n');
    if (split < 0) return undefined;
    const [statusLine, ...lines] = this.buffer.slice(0, split).split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
    const length = Number(headers['content-length'] ?? 0);
    if (this.buffer.length < split + 4 + length) return undefined;
    const body = this.buffer.slice(split + 4, split + 4 + length);
    this.buffer = this.buffer.slice(split + 4 + length);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }

  close(): void {
    this.socket.destroy();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A compass registration (a write): the body, and the username to look for. */
function registration(): { username: string; body: Record<string, string> } {
  const username = unique('w');
  return { username, body: { username, email_address: `${username}@example.test`, password: 'longenough' } };
}

async function savedUsers(databaseUrl: string, usernames: string[]): Promise<string[]> {
  const db = new PgClient({ connectionString: databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ username: string }>(
      'select coalesce(username, email) as username from users where username = any($1::text[]) or email = any($1::text[]) order by 1',
      [usernames],
    );
    return rows.map((r) => r.username);
  } finally {
    await db.end();
  }
}

describe('shutdown with a pre-stop window', () => {
  const WINDOW_MS = 1_000;
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ SHUTDOWN_DELAY_MS: String(WINDOW_MS) });
  });
  afterAll(() => s.close());

  it('answers /readyz 503 (draining) while still serving, then refuses; every accepted write is answered, no write is saved unanswered', async () => {
    const port = s.server.port;
    const ready = await fetch(`${s.url}/readyz`);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'ok', migrations: 'applied', listener: 'up' });

    // keep-alive sockets, idle after a first request
    const idle = await RawClient.open(port);
    idle.send('GET', '/healthz');
    expect((await idle.response())?.status).toBe(200);
    const quiet = await RawClient.open(port);
    quiet.send('GET', '/healthz');
    expect((await quiet.response())?.status).toBe(200);
    // a keep-alive socket whose next request has begun (its headers are still coming) when SIGTERM lands
    const late = await RawClient.open(port);
    late.send('GET', '/healthz');
    expect((await late.response())?.status).toBe(200);
    const refused = registration();
    const lateRest = late.send('POST', '/compass/api/auth/register', refused.body, JSON.stringify(refused.body).length + 30);
    // a write in flight when SIGTERM lands: headers sent, the end of the body still to come
    const busy = await RawClient.open(port);
    const inFlight = registration();
    const pending = busy.send('POST', '/compass/api/auth/register', inFlight.body, 5);
    await sleep(100);

    const closed = s.close();
    await sleep(100);
    // the pre-stop window: not ready, with the reason; requests are still served, told to close
    const probe = await RawClient.open(port);
    probe.send('GET', '/readyz');
    const draining = await probe.response();
    expect(draining?.status).toBe(503);
    expect(JSON.parse(draining!.body)).toEqual({ status: 'not ready', draining: true, database: 'ok', migrations: 'applied', listener: 'up' });
    const during = registration();
    idle.send('POST', '/compass/api/auth/register', during.body);
    const duringAnswer = await idle.response();
    expect(duringAnswer?.status).toBe(201);
    expect(duringAnswer?.headers.connection).toBe('close');

    // after the window: a request whose headers complete now is refused before it runs, with an answer
    await sleep(WINDOW_MS);
    lateRest.finish();
    const refusedAnswer = await late.response();
    expect(refusedAnswer?.status).toBe(503);
    expect(refusedAnswer?.headers['retry-after']).toBe('1');
    expect(refusedAnswer?.headers.connection).toBe('close');
    expect(JSON.parse(refusedAnswer!.body)).toMatchObject({ status: 'error', status_code: 503 });
    // a keep-alive socket left idle was closed, and the one answered with Connection: close too: a request sent on either now is not executed
    const onIdle = registration();
    quiet.send('POST', '/compass/api/auth/register', onIdle.body);
    expect(await quiet.response(3_000).catch(() => undefined)).toBeUndefined();
    const onClosed = registration();
    idle.send('POST', '/compass/api/auth/register', onClosed.body);
    expect(await idle.response(3_000).catch(() => undefined)).toBeUndefined();

    // the write in flight finishes and is answered, told to close; a write sent right behind it on the
    // same socket (the client had not read the server's FIN yet) is not executed
    pending.finish();
    const inFlightAnswer = await busy.response();
    expect(inFlightAnswer?.status).toBe(201);
    expect(inFlightAnswer?.headers.connection).toBe('close');
    const behind = registration();
    busy.send('POST', '/compass/api/auth/register', behind.body);
    const behindAnswer = await busy.response(3_000).catch(() => undefined);
    if (behindAnswer) expect(behindAnswer.status).toBe(503);

    await closed;
    for (const c of [idle, quiet, late, busy, probe]) c.close();
    // exactly the answered writes are saved
    expect(await savedUsers(s.databaseUrl, [inFlight.username, during.username, refused.username, onIdle.username, onClosed.username, behind.username])).toEqual(
      [inFlight.username, during.username].sort(),
    );
  });
});

describe('shutdown without a pre-stop window', () => {
  it('refuses at once with 503 in each surface envelope and on /graphql, while a request in flight finishes', async () => {
    const s = await startTestServer({ SHUTDOWN_DELAY_MS: '0' });
    const port = s.server.port;
    const busy = await RawClient.open(port);
    const inFlight = registration();
    const pending = busy.send('POST', '/compass/api/auth/register', inFlight.body, 5);
    // requests whose headers are still arriving when the server stops accepting work
    const cake = await RawClient.open(port);
    const cakeBody = { email: `${unique('k')}@example.test`, password: 'longenough' };
    const cakeRest = cake.send('POST', '/cakeplanner/api/auth/register', cakeBody, JSON.stringify(cakeBody).length + 30);
    const gql = await RawClient.open(port);
    const gqlBody = { query: 'mutation { register(input: { username: "never", password: "longenough" }) { id } }' };
    const gqlRest = gql.send('POST', '/graphql', gqlBody, JSON.stringify(gqlBody).length + 30);
    await sleep(100);

    const closed = s.close();
    await sleep(100);
    cakeRest.finish();
    gqlRest.finish();
    const [cakeAnswer, gqlAnswer] = await Promise.all([cake.response(), gql.response()]);
    expect([cakeAnswer?.status, cakeAnswer?.headers['retry-after'], JSON.parse(cakeAnswer!.body)]).toEqual([503, '1', { error: expect.any(String) }]);
    expect([gqlAnswer?.status, gqlAnswer?.headers['retry-after'], JSON.parse(gqlAnswer!.body).errors[0].extensions.code]).toEqual([503, '1', 'UNAVAILABLE']);
    pending.finish();
    const inFlightAnswer = await busy.response();
    expect([inFlightAnswer?.status, inFlightAnswer?.headers.connection]).toEqual([201, 'close']);
    await closed;
    for (const c of [busy, cake, gql]) c.close();
    expect(await savedUsers(s.databaseUrl, [inFlight.username, 'never'])).toEqual([inFlight.username]);
    expect(await savedUsers(s.databaseUrl, [cakeBody.email])).toEqual([]);
  });
});
