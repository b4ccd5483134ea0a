/**
 * Hardening against abuse (issue 11), through the public surface:
 * - the client address is the rightmost untrusted one of X-Forwarded-For, on HTTP and ws alike, so
 *   rotating the leftmost entry no longer escapes the login limit;
 * - `?token=` is a credential only where a browser cannot send headers (SSE, photo GETs);
 * - URLs that users store and others follow are http or https only;
 * - a cookie-authenticated write from a foreign site is refused; the cookie is Secure behind HTTPS;
 * - caps on what one user holds open (ws sockets, operations per socket, SSE streams);
 * - password resets: limited per address and per client address, a new token ends the older ones,
 *   and repeated requests do not keep replacing the temporary password;
 * - uploads: access before the body, declared file fields only, each route's size limit enforced while
 *   the bytes stream in (the rest of an oversized body is never read).
 */
import { WebSocket } from 'ws';
import http from 'node:http';
import { Readable } from 'node:stream';
import { startTestServer, TestServer, TestUser, unique, createUser, enrollIn } from './support/server';
import {
  HardeningTestLoginDocument,
  HardeningTestMeDocument,
  HardeningTestOutboxDocument,
  HardeningTestResetDocument,
  HardeningTestResetPasswordDocument,
  HardeningTestUrlDocument,
} from '../src/generated/graphql';
import { cakeServerWithAdmin, api, cakeGroup } from './cakeplanner.helpers';
import { compassAccount, compassApi } from './compass.helpers';

/* GraphQL */ `
  mutation HardeningTestUrl($id: ID!, $p: String) { updateUser(id: $id, input: { profileUrl: $p }) { id } }
  query HardeningTestMe { me { id } }
  mutation HardeningTestReset($e: String!) { requestPasswordReset(email: $e) }
  query HardeningTestOutbox($to: String) { mailOutbox(to: $to) { text } }
  mutation HardeningTestResetPassword($t: String!, $p: String!) { resetPassword(token: $t, newPassword: $p) }
  mutation HardeningTestLogin($i: LoginInput!) { login(input: $i) { requiresTwoFactor user { mustChangePassword } } }
`;
const LOGIN = /* GraphQL */ `mutation HardeningLogin($i: LoginInput!) { login(input: $i) { requiresTwoFactor } }`;

describe('TRUST_PROXY: the client is the rightmost untrusted address', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ TRUST_PROXY: '1', LOGIN_MAX_PER_MINUTE: '3' });
  });
  afterAll(() => s?.close());

  it('rotating the leftmost X-Forwarded-For does not escape the login limit (HTTP)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      // what the client wrote, then what our one trusted proxy appended: the client's real address
      const res = await s.gql(LOGIN, { i: { login: unique('nobody'), password: 'wrong password' } }, { headers: { 'x-forwarded-for': `198.51.100.${i}, 203.0.113.7` } });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    // another client behind the same proxy is counted on its own
    const other = await s.gql(LOGIN, { i: { login: unique('nobody'), password: 'wrong password' } }, { headers: { 'x-forwarded-for': '198.51.100.1, 203.0.113.8' } });
    expect(other.status).toBe(200);
  });

  it('ws counts the same address as HTTP', async () => {
    const user = await createUser(s);
    const attempt = async (forwarded: string) => {
      const client = s.ws(undefined, { headers: { 'x-forwarded-for': forwarded } });
      try {
        return await new Promise<{ data?: unknown; errors?: { extensions?: { code?: string } }[] }>((resolve, reject) => {
          client.subscribe(
            { query: LOGIN, variables: { i: { login: user.username, password: 'wrong password' } } },
            { next: (r) => resolve(r as never), error: reject, complete: () => undefined },
          );
        });
      } finally {
        await client.dispose();
      }
    };
    const codes: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await attempt(`192.0.2.${i}, 203.0.113.9`);
      codes.push(r.errors?.[0]?.extensions?.code);
    }
    expect(codes.slice(0, 3).every((c) => c !== 'RATE_LIMITED')).toBe(true);
    expect(codes[3]).toBe('RATE_LIMITED');
  });
});

describe('TRUST_PROXY as a list of proxy addresses', () => {
  it('trusts only the listed proxies', async () => {
    const s = await startTestServer({ TRUST_PROXY: 'loopback', LOGIN_MAX_PER_MINUTE: '2' });
    try {
      const statuses: number[] = [];
      // loopback (our peer) is a trusted proxy; 203.0.113.10 is not, so it is the client
      for (let i = 0; i < 3; i++) {
        const res = await s.gql(LOGIN, { i: { login: unique('nobody'), password: 'wrong password' } }, { headers: { 'x-forwarded-for': `10.1.1.${i}, 203.0.113.10` } });
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
    } finally {
      await s.close();
    }
  });
});

describe('?token= only where a browser cannot send headers', () => {
  it('cakeplanner: refused on writes and JSON reads, accepted on the SSE stream', async () => {
    const { s, admin } = await cakeServerWithAdmin();
    try {
      await cakeGroup(s, admin);
      const q = `?token=${encodeURIComponent(admin.token)}`;
      expect((await s.rest('GET', `/cakeplanner/api/user/groups${q}`)).status).toBe(401);
      expect((await s.rest('POST', `/cakeplanner/api/admin/groups${q}`, { body: { name: unique('Team ') } })).status).toBe(401);
      expect((await s.rest('DELETE', `/cakeplanner/api/user${q}`)).status).toBe(401);
      // the same token as a header works, and the stream takes it from the query
      expect((await api(s, 'GET', '/api/user/groups', { token: admin.token })).status).toBe(200);
      const controller = new AbortController();
      const stream = await fetch(`${s.url}/cakeplanner/api/events/stream${q}`, { signal: controller.signal });
      expect(stream.status).toBe(200);
      expect(stream.headers.get('content-type')).toMatch(/text\/event-stream/);
      controller.abort();
    } finally {
      await s.close();
    }
  });
});

describe('errors are JSON in every mode', () => {
  it.each([['development'], ['production']])('a malformed multipart request to /graphql answers JSON (%s)', async (mode) => {
    const s = await startTestServer({ NODE_ENV: mode, JWT_SECRET: 'h'.repeat(40) });
    try {
      const boundary = 'xyz';
      const bodies = [
        // operations that are not JSON
        `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{not json\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n{}\r\n--${boundary}--\r\n`,
        // a map that is not an object
        `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query":"{ me { id } }"}\r\n--${boundary}\r\nContent-Disposition: form-data; name="map"\r\n\r\n[1\r\n--${boundary}--\r\n`,
        // a truncated stream
        `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n{"query"`,
      ];
      for (const body of bodies) {
        const res = await fetch(`${s.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'apollo-require-preflight': 'true' },
          body,
        });
        const text = await res.text();
        expect(res.headers.get('content-type')).toMatch(/json/);
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(() => JSON.parse(text)).not.toThrow();
        expect(text).not.toMatch(/<html|<pre>|\bat \w+ \(/i);
      }
    } finally {
      await s.close();
    }
  });
});

describe('stored URLs are http or https', () => {
  it('GraphQL and the compass surface refuse javascript:, data: and relative URLs', async () => {
    const s = await startTestServer();
    try {
      const a = await compassAccount(s);
      const api = compassApi(s);
      for (const bad of ['javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', '/relative/path', 'ftp://files.example/a.png']) {
        const rest = await api('PATCH', `/api/users/${a.userId}`, { token: a.token, body: { profile_url: bad } });
        expect(rest.status).toBe(422);
        expect(rest.body.errors).toEqual({ profile_url: 'Profile URL must be an http:// or https:// URL' });
        const me = await s.gql(HardeningTestMeDocument, {}, { token: a.token });
        const gql = await s.gql(HardeningTestUrlDocument, { id: me.data!.me.id, p: bad }, { token: a.token });
        expect(gql.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      }
      const ok = await api('PATCH', `/api/users/${a.userId}`, { token: a.token, body: { profile_url: 'https://img.example/me.png' } });
      expect(ok.status).toBe(200);
      expect((await api('GET', `/api/users/${a.userId}`, { token: a.token })).body.data.profile_url).toBe('https://img.example/me.png');
    } finally {
      await s.close();
    }
  });
});

describe('cross-site writes on the session cookie', () => {
  let s: TestServer;
  let cookie: string;
  let token: string;
  beforeAll(async () => {
    s = await startTestServer({ ALLOWED_ORIGINS: 'https://app.example' });
    const u = await createUser(s);
    token = u.token;
    cookie = `session=${u.token}`;
  });
  afterAll(() => s?.close());

  const item = () => ({ date: '2034-01-01', type: 'EVENT', title: unique('t'), body: '' });
  const post = (headers: Record<string, string>) => s.rest('POST', '/coparent/api/items', { body: item(), headers });

  it('refuses a foreign Origin or Sec-Fetch-Site: cross-site with 403 in the surface envelope', async () => {
    const foreign = await post({ cookie, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toEqual({ error: 'Cross-site request refused' });
    expect((await post({ cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // the compass envelope on its surface
    const compass = await s.rest('POST', '/compass/api/parties', { body: { name: 'x' }, headers: { cookie, origin: 'https://evil.example' } });
    expect(compass.status).toBe(403);
    expect(compass.body).toEqual(expect.objectContaining({ status: 'error', status_code: 403 }));
  });

  it('lets the own origin, listed origins, non-browsers and Bearer requests through', async () => {
    // coparent answers a creation with 200 (coparent.md)
    expect((await post({ cookie, origin: s.url })).status).toBe(200);
    expect((await post({ cookie, origin: 'https://app.example' })).status).toBe(200);
    expect((await post({ cookie })).status).toBe(200);
    expect((await post({ authorization: `Bearer ${token}`, origin: 'https://evil.example' })).status).toBe(200);
    // reads are not writes
    expect((await s.rest('GET', '/coparent/api/items?month=2034-01', { headers: { cookie, origin: 'https://evil.example' } })).status).toBe(200);
  });

  it('sets the cookie Secure when PUBLIC_URL or a trusted proxy says HTTPS', async () => {
    const login = (srv: TestServer, u: { username: string; password: string }, headers: Record<string, string> = {}) =>
      srv.rest('POST', '/coparent/api/auth/login', { body: { username: u.username, password: u.password }, headers });
    const plain = await createUser(s);
    expect((await login(s, plain)).headers.getSetCookie()[0]).not.toMatch(/Secure/);
    const behindTls = await startTestServer({ PUBLIC_URL: 'https://calendar.example' });
    const proxied = await startTestServer({ TRUST_PROXY: '1' });
    try {
      const a = await createUser(behindTls);
      expect((await login(behindTls, a)).headers.getSetCookie()[0]).toMatch(/; Secure/);
      const b = await createUser(proxied);
      expect((await login(proxied, b, { 'x-forwarded-proto': 'https' })).headers.getSetCookie()[0]).toMatch(/; Secure/);
      expect((await login(proxied, b)).headers.getSetCookie()[0]).not.toMatch(/Secure/);
    } finally {
      await behindTls.close();
      await proxied.close();
    }
  });
});

describe('caps on what one user holds open', () => {
  let s: TestServer;
  /** the platform's first user: its admin */
  let platformAdmin: TestUser;
  beforeAll(async () => {
    s = await startTestServer({
      WS_MAX_CONNECTIONS_PER_USER: '2',
      WS_MAX_ANONYMOUS_PER_IP: '2',
      WS_MAX_SUBSCRIPTIONS_PER_SOCKET: '3',
      SSE_MAX_STREAMS_PER_USER: '2',
      CAKE_AUTO_ACTIVATE: 'true',
    });
    platformAdmin = await createUser(s);
  });
  afterAll(() => s?.close());

  /** Opens a raw graphql-ws socket and answers how it ended up: acknowledged, or closed with a code. */
  async function connect(token?: string): Promise<{ socket: WebSocket; outcome: string }> {
    const socket = new WebSocket(`ws://127.0.0.1:${s.server.port}/graphql`, 'graphql-transport-ws');
    const outcome = await new Promise<string>((resolve) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: token ? { token } : {} })));
      socket.on('message', (m) => {
        if (JSON.parse(String(m)).type === 'connection_ack') resolve('ack');
      });
      socket.on('close', (code) => resolve(`closed ${code}`));
    });
    return { socket, outcome };
  }

  it('ws connections per user and per anonymous address: 4429 beyond the cap, a slot again once one closes', async () => {
    const u = await createUser(s);
    const a = await connect(u.token);
    const b = await connect(u.token);
    const c = await connect(u.token);
    expect([a.outcome, b.outcome, c.outcome]).toEqual(['ack', 'ack', 'closed 4429']);
    // another user is counted on their own
    const other = await connect((await createUser(s)).token);
    expect(other.outcome).toBe('ack');
    a.socket.close();
    await new Promise((r) => setTimeout(r, 200));
    const d = await connect(u.token);
    expect(d.outcome).toBe('ack');
    const anon = [await connect(), await connect(), await connect()];
    expect(anon.map((x) => x.outcome)).toEqual(['ack', 'ack', 'closed 4429']);
    for (const x of [b, d, other, ...anon]) x.socket.close();
  });

  it('subscriptions per socket: an error beyond the cap, the socket stays usable', async () => {
    const u = await createUser(s);
    const { socket, outcome } = await connect(u.token);
    expect(outcome).toBe('ack');
    const answers: { id: string; type: string; payload?: { message: string; extensions?: { code?: string } }[] }[] = [];
    socket.on('message', (m) => answers.push(JSON.parse(String(m))));
    for (let i = 1; i <= 4; i++) socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: 'subscription { userChanged { kind } }' } }));
    await new Promise((r) => setTimeout(r, 500));
    const refused = answers.filter((a) => a.type === 'error');
    expect(refused.map((a) => a.id)).toEqual(['4']);
    expect(refused[0].payload?.[0].message).toMatch(/Too many subscriptions on this connection \(at most 3\)/);
    expect(refused[0].payload?.[0].extensions?.code).toBe('RATE_LIMITED');
    expect(socket.readyState).toBe(socket.OPEN);
    socket.close();
  });

  it('SSE streams per user: 429 in the surface envelope beyond the cap', async () => {
    const admin = await createUser(s);
    await enrollIn(s, platformAdmin, admin, 'CAKEPLANNER');
    const token = (await s.rest('POST', '/cakeplanner/api/auth/login', { body: { email: admin.email, password: admin.password } })).body.token as string;
    const open = async () => {
      const controller = new AbortController();
      const res = await fetch(`${s.url}/cakeplanner/api/events/stream`, { headers: { authorization: `Bearer ${token}` }, signal: controller.signal });
      return { res, controller };
    };
    const first = await open();
    const second = await open();
    const third = await open();
    expect([first.res.status, second.res.status, third.res.status]).toEqual([200, 200, 429]);
    expect(await third.res.json()).toEqual({ error: 'Too many open event streams (at most 2)' });
    expect(Number(third.res.headers.get('retry-after'))).toBeGreaterThan(0);
    first.controller.abort();
    await new Promise((r) => setTimeout(r, 300));
    const fourth = await open();
    expect(fourth.res.status).toBe(200);
    second.controller.abort();
    fourth.controller.abort();
  });
});

describe('graphql-ws keepalive (WS_KEEPALIVE_SECONDS)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ WS_KEEPALIVE_SECONDS: '1' });
  });
  afterAll(() => s?.close());

  /** An acknowledged anonymous graphql-ws socket on `server`; `autoPong: false` makes a peer that never answers pings. */
  async function open(server: TestServer, autoPong: boolean): Promise<{ socket: WebSocket; pings: number[]; closed: Promise<number> }> {
    const socket = new WebSocket(`ws://127.0.0.1:${server.server.port}/graphql`, 'graphql-transport-ws', { autoPong });
    const pings: number[] = [];
    socket.on('ping', () => pings.push(Date.now()));
    const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
    await new Promise<void>((resolve, reject) => {
      socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
      socket.on('message', (m) => {
        if (JSON.parse(String(m)).type === 'connection_ack') resolve();
      });
      socket.on('error', reject);
    });
    return { socket, pings, closed };
  }

  it('pings every socket at the configured interval; one that answers stays open, one that does not is closed', async () => {
    const answering = await open(s, true);
    const silent = await open(s, false);
    const opened = Date.now();
    // the silent peer is cut when its next ping is due, one interval after the one it left unanswered
    // (its first ping comes within an interval of connecting): terminated, 1006 for the client
    expect(await silent.closed).toBe(1006);
    const cutAfter = Date.now() - opened;
    expect(cutAfter).toBeGreaterThanOrEqual(950);
    expect(cutAfter).toBeLessThan(4000);
    expect(silent.pings.length).toBeGreaterThanOrEqual(1);
    await new Promise((r) => setTimeout(r, 1200));
    expect(answering.socket.readyState).toBe(WebSocket.OPEN);
    expect(answering.pings.length).toBeGreaterThanOrEqual(2);
    answering.socket.close();
  });

  it('pings each socket once per interval, the sockets spread over one-second slots', async () => {
    const slotted = await startTestServer({ WS_KEEPALIVE_SECONDS: '2' });
    const sockets: { socket: WebSocket; pings: number[] }[] = [];
    try {
      for (let i = 0; i < 4; i++) sockets.push(await open(slotted, true));
      await new Promise((r) => setTimeout(r, 4500));
      for (const { socket, pings } of sockets) {
        // the first ping within 2 s, then every 2 s: 2 or 3 in 4.5 s (a ping per one-second tick would be 4 or 5)
        expect(pings.length).toBeGreaterThanOrEqual(2);
        expect(pings.length).toBeLessThanOrEqual(3);
        for (let i = 1; i < pings.length; i++) expect(pings[i] - pings[i - 1]).toBeGreaterThan(1500);
        expect(socket.readyState).toBe(WebSocket.OPEN);
      }
      // dealt round-robin into the two slots: two sockets were first pinged about a second apart from the other two
      const firsts = sockets.map((x) => x.pings[0]).sort((a, b) => a - b);
      expect(firsts[3] - firsts[0]).toBeGreaterThan(600);
    } finally {
      for (const { socket } of sockets) socket.close();
      await slotted.close();
    }
  });

  it('0 turns the pings off', async () => {
    const quiet = await startTestServer({ WS_KEEPALIVE_SECONDS: '0' });
    try {
      const { socket, pings } = await open(quiet, false);
      await new Promise((r) => setTimeout(r, 1500));
      expect(pings).toHaveLength(0);
      expect(socket.readyState).toBe(WebSocket.OPEN);
      socket.close();
    } finally {
      await quiet.close();
    }
  });
});

describe('uploads are refused while they stream', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s?.close());

  /**
   * Streams a multipart body of `size` bytes in one file field to `path`, lazily (1 MiB a chunk), and
   * answers the status, the body, and how many bytes the client had produced when the answer came.
   */
  function streamUpload(path: string, field: string, size: number, headers: Record<string, string> = {}): Promise<{ status: number; body: string; sent: number }> {
    const boundary = 'hardening-boundary';
    const head = Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="big.png"\r\nContent-Type: image/png\r\n\r\n`);
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    let sent = 0;
    const chunk = Buffer.alloc(1024 * 1024, 7);
    const body = Readable.from(
      (function* () {
        yield head;
        for (let n = 0; n < size; n += chunk.length) {
          sent += chunk.length;
          yield chunk;
        }
        yield tail;
      })(),
    );
    return new Promise((resolve, reject) => {
      const req = http.request(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, ...headers } }, (res) => {
        const parts: Buffer[] = [];
        const answeredAt = sent;
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString(), sent: answeredAt }));
      });
      req.on('error', (err) => (sent > 0 ? undefined : reject(err)));
      body.pipe(req);
    });
  }

  it('anonymous: 401 before the body is read', async () => {
    const a = await compassAccount(s);
    const res = await streamUpload(`/compass/api/users/${a.userId}/picture`, 'picture', 64 * 1024 * 1024);
    expect(res.status).toBe(401);
    expect(res.sent).toBeLessThan(32 * 1024 * 1024);
  });

  it("over the route's limit: refused in the surface's envelope long before the client finished sending", async () => {
    const a = await compassAccount(s);
    const res = await streamUpload(`/compass/api/users/${a.userId}/picture`, 'picture', 64 * 1024 * 1024, { authorization: `Bearer ${a.token}` });
    expect(res.status).toBe(422);
    expect(JSON.parse(res.body)).toEqual(expect.objectContaining({ status: 'error', errors: { picture: 'The file is larger than 2048 KiB' } }));
    // the 2 MB limit was hit after about 2 MiB: the server did not read (or keep) the rest
    expect(res.sent).toBeLessThan(32 * 1024 * 1024);
  });

  it('a file in a field the route does not declare is never kept: the route answers as without a file, a big one is cut off', async () => {
    const a = await compassAccount(s);
    const small = await streamUpload(`/compass/api/users/${a.userId}/picture`, 'something_else', 1024, { authorization: `Bearer ${a.token}` });
    expect(small.status).toBe(422);
    expect(JSON.parse(small.body).errors).toEqual({ picture: 'A picture file is required' });
    const big = await streamUpload(`/compass/api/users/${a.userId}/picture`, 'something_else', 64 * 1024 * 1024, { authorization: `Bearer ${a.token}` });
    expect(big.status).toBe(400);
    expect(JSON.parse(big.body).message).toMatch(/^The request is larger than \d+ KiB$/);
    expect(big.sent).toBeLessThan(32 * 1024 * 1024);
  });
});

describe('password resets', () => {
  it('a new token ends the older ones; the temporary password is not replaced on every request; at most 3 mails per address', async () => {
    const s = await startTestServer({ TRUST_PROXY: '1' });
    try {
      const admin = await createUser(s, { email: `${unique('boss')}@example.test` });
      const user = await createUser(s, { email: `${unique('forgetful')}@example.test` });
      // each request from its own client address: only the per-address limit is at work here
      const reset = (i: number) => s.gql(HardeningTestResetDocument, { e: user.email }, { headers: { 'x-forwarded-for': `198.51.100.${i}` } });
      const mails = async () => (await s.gql(HardeningTestOutboxDocument, { to: user.email }, { token: admin.token })).data!.mailOutbox.map((m) => m.text);
      for (let i = 0; i < 5; i++) expect((await reset(i)).data!.requestPasswordReset).toBe(true);
      const texts = (await mails()).reverse(); // the outbox lists the newest first
      expect(texts).toHaveLength(3);
      const tokens = texts.map((t) => /Reset token[^:]*: (\S+)/.exec(t)![1]);
      const temps = texts.map((t) => /Temporary password[^:]*: (\S+)/.exec(t)?.[1]);
      // one temporary password, mailed once; the later mails say it still works
      expect(temps.filter(Boolean)).toHaveLength(1);
      expect(texts.filter((t) => /sent earlier still works/.test(t))).toHaveLength(2);
      const temp = temps.find(Boolean)!;
      // only the newest token works
      const newest = texts.length - 1;
      const order = [...tokens.keys()].filter((i) => i !== newest);
      for (const i of order)
        expect((await s.gql(HardeningTestResetPasswordDocument, { t: tokens[i], p: 'brand new password 1' })).errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      // the temporary password mailed first still logs in (once)
      const login = await s.gql(HardeningTestLoginDocument, { i: { login: user.email, password: temp } });
      expect(login.data!.login.user!.mustChangePassword).toBe(true);
      expect((await s.gql(HardeningTestResetPasswordDocument, { t: tokens[newest], p: 'brand new password 2' })).data!.resetPassword).toBe(true);
    } finally {
      await s.close();
    }
  });

  it('per client address: 429 with Retry-After beyond RESET_MAX_PER_IP, on GraphQL and REST alike', async () => {
    const s = await startTestServer({ RESET_MAX_PER_IP: '3', LOGIN_MAX_PER_MINUTE: '1' });
    try {
      for (let i = 0; i < 3; i++) expect((await s.gql(HardeningTestResetDocument, { e: `${unique('x')}@example.test` })).status).toBe(200);
      const refused = await s.gql(HardeningTestResetDocument, { e: `${unique('x')}@example.test` });
      expect(refused.status).toBe(429);
      expect(refused.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
      const rest = await s.rest('POST', '/cakeplanner/api/auth/forgot-password', { body: { email: 'someone@example.test' } });
      expect(rest.status).toBe(429);
      expect(Number(rest.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(rest.body).toEqual({ error: 'Too many password reset requests, try again later' });
    } finally {
      await s.close();
    }
  });
});
