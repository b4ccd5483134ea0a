/**
 * Issue 15, logs and metrics (src/observe/): one JSON line per request with its request id (echoed in
 * `X-Request-Id`), transport, route template or GraphQL operation, status, duration and user, on REST,
 * GraphQL and graphql-ws; failed logins and ws lifecycle lines; no credential in any line; `/metrics`
 * off by default, behind its token when one is set, and moving with the traffic.
 * The log is read in-process (a LogCapture as the server's log destination).
 */
import { TestLoginDocument, TestLogoutDocument, TestMeDocument, TestUserChangedDocument } from '../src/generated/graphql';
import { collect, cookieFrom, loginToken, queryText, startTestServer, TestServer } from './support/server';
import { LogCapture, LogLine } from './support/log-capture';
import { scrub } from '../src/observe/log';

const ADMIN_PASSWORD = 'obs-admin-Pa55word-7d1e';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

const capture = new LogCapture();
let s: TestServer;
let adminToken: string;
let adminId: string;

beforeAll(async () => {
  s = await startTestServer({ LOG_LEVEL: 'info', ADMIN_USERNAME: 'root', ADMIN_PASSWORD, METRICS_ENABLED: 'true', METRICS_TOKEN }, undefined, { logDestination: capture });
  adminToken = await loginToken(s, 'root', ADMIN_PASSWORD);
  adminId = (await s.gql(TestMeDocument, undefined, { token: adminToken })).data!.me.id;
});
afterAll(() => s.close());

/** The request lines of one request id (there must be exactly one per HTTP request). */
async function requestLine(requestId: string): Promise<LogLine> {
  await capture.waitFor((l) => l.requestId === requestId && l.msg === 'request completed');
  const lines = capture.lines.filter((l) => l.requestId === requestId && (l.msg === 'request completed' || l.msg === 'request failed'));
  expect(lines).toHaveLength(1);
  return lines[0];
}

async function scrape(auth = `Bearer ${METRICS_TOKEN}`): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(`${s.url}/metrics`, { headers: auth ? { authorization: auth } : {} });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The value of one series of the exposition (labels in the order prom-client writes them), or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('request ids and request lines', () => {
  it('REST: the client id is echoed, and its one line names the route template, the operation, the status, the duration and the user', async () => {
    const res = await s.rest('GET', '/compass/api/users/1', { token: adminToken, headers: { 'X-Request-Id': 'obs-rest-1' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('obs-rest-1');
    const line = await requestLine('obs-rest-1');
    expect(line).toEqual(
      expect.objectContaining({
        level: 'info',
        transport: 'rest',
        method: 'GET',
        path: '/compass/api/users/1',
        route: '/compass/api/users/:id',
        operationName: 'CompassUser',
        operationType: 'query',
        status: 200,
        userId: adminId,
      }),
    );
    expect(typeof line.durationMs).toBe('number');
    expect(line.durationMs as number).toBeGreaterThanOrEqual(0);
    expect(new Date(line.time).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('makes an id when the client sends none, or one that could forge a line', async () => {
    const none = await s.rest('GET', '/healthz');
    const made = none.headers.get('x-request-id')!;
    expect(made).toMatch(UUID);
    const bad = await s.rest('GET', '/compass/api/health', { headers: { 'X-Request-Id': `${'x'.repeat(129)}` } });
    const replaced = bad.headers.get('x-request-id')!;
    expect(replaced).toMatch(UUID);
    const odd = await s.rest('GET', '/compass/api/health', { headers: { 'X-Request-Id': 'id "with" quotes {}' } });
    expect(odd.headers.get('x-request-id')).toMatch(UUID);
    expect((await requestLine(replaced)).route).toBe('/compass/api/health');
  });

  it('a REST refusal is logged with its status and the route, without a user', async () => {
    const res = await s.rest('GET', '/compass/api/users/1', { headers: { 'X-Request-Id': 'obs-rest-401' } });
    expect(res.status).toBe(401);
    const line = await requestLine('obs-rest-401');
    expect(line).toEqual(expect.objectContaining({ transport: 'rest', route: '/compass/api/users/:id', status: 401 }));
    expect(line.userId).toBeUndefined();
  });

  it('GraphQL: the line names the operation and its type, the user and the status', async () => {
    const res = await s.gql(TestMeDocument, undefined, { token: adminToken, headers: { 'X-Request-Id': 'obs-gql-1' } });
    expect(res.headers.get('x-request-id')).toBe('obs-gql-1');
    expect(await requestLine('obs-gql-1')).toEqual(
      expect.objectContaining({ transport: 'graphql', method: 'POST', route: '/graphql', operationName: 'TestMe', operationType: 'query', status: 200, userId: adminId }),
    );
  });

  it('GraphQL: a document refused at validation is logged with its error code and 400', async () => {
    const res = await s.gql('query Broken { nope }', undefined, { headers: { 'X-Request-Id': 'obs-gql-400' } });
    expect(res.status).toBe(400);
    expect(await requestLine('obs-gql-400')).toEqual(
      expect.objectContaining({ transport: 'graphql', route: '/graphql', operationName: 'Broken', status: 400, errors: ['GRAPHQL_VALIDATION_FAILED'] }),
    );
  });

  it('a path no route claims is one line with the route "(unmatched)", not the raw path as a route', async () => {
    await s.rest('GET', '/no/such/path/42', { headers: { 'X-Request-Id': 'obs-404' } });
    expect(await requestLine('obs-404')).toEqual(expect.objectContaining({ transport: 'http', route: '(unmatched)', path: '/no/such/path/42', status: 404 }));
  });

  it('graphql-ws: connected, one line per operation when it ends, revoked and closed, all with the connection id', async () => {
    const token = await loginToken(s, 'root', ADMIN_PASSWORD);
    const client = s.ws(token, { headers: { 'X-Request-Id': 'obs-ws-1' } });
    try {
      const me = await new Promise<unknown>((resolve, reject) => {
        client.subscribe({ query: queryText(TestMeDocument) }, { next: resolve, error: reject, complete: () => undefined });
      });
      expect(me).toEqual({ data: { me: { id: adminId } } });
      const connected = await capture.waitFor((l) => l.requestId === 'obs-ws-1' && l.msg === 'ws connected');
      expect(connected).toEqual(expect.objectContaining({ transport: 'ws', userId: adminId }));
      const op = await capture.waitFor((l) => l.requestId === 'obs-ws-1' && l.msg === 'ws operation completed' && l.operationName === 'TestMe');
      expect(op).toEqual(expect.objectContaining({ transport: 'ws', operationType: 'query', outcome: 'ok', userId: adminId }));
      expect(typeof op.durationMs).toBe('number');

      // a refused operation (validation) is one line with its error code
      await new Promise<void>((resolve) => {
        client.subscribe({ query: 'query WsBroken { nope }' }, { next: () => undefined, error: () => resolve(), complete: () => resolve() });
      });
      expect(await capture.waitFor((l) => l.requestId === 'obs-ws-1' && l.operationName === 'WsBroken')).toEqual(
        expect.objectContaining({ msg: 'ws operation completed', outcome: 'error', errors: ['GRAPHQL_VALIDATION_FAILED'] }),
      );

      // a subscription: its line comes when it ends (here: the session is revoked and the socket closes)
      const sub = collect(client, TestUserChangedDocument, {}, 100);
      sub.done.catch(() => undefined);
      await sub.ready;
      const scraped = await scrape();
      expect(sample(scraped.text, 'interchange_ws_subscriptions')).toBe(1);
      expect(sample(scraped.text, 'interchange_ws_connections')).toBe(1);
      expect((await s.gql(TestLogoutDocument, {}, { token })).data!.logout).toBe(true);
      expect(await capture.waitFor((l) => l.requestId === 'obs-ws-1' && l.msg === 'ws session revoked: closing the socket')).toEqual(expect.objectContaining({ userId: adminId }));
      // (the client is lazy: each earlier operation had a socket of its own, closed with 1000 after it)
      expect(await capture.waitFor((l) => l.requestId === 'obs-ws-1' && l.msg === 'ws closed' && l.code === 4401)).toEqual(
        expect.objectContaining({ reason: 'Session revoked', userId: adminId, durationMs: expect.any(Number) }),
      );
      expect(capture.lines.filter((l) => l.requestId === 'obs-ws-1' && l.msg === 'ws closed' && l.code === 1000).length).toBeGreaterThanOrEqual(2);
      expect(await capture.waitFor((l) => l.requestId === 'obs-ws-1' && l.operationName === 'TestUserChanged')).toEqual(
        expect.objectContaining({ msg: 'ws operation completed', operationType: 'subscription' }),
      );
    } finally {
      await client.dispose();
    }
  });

  it('SSE: the stream is counted while open and logged as transport sse when it ends, with its route and subscription', async () => {
    const abort = new AbortController();
    const res = await fetch(`${s.url}/cakeplanner/api/events/stream`, { headers: { authorization: `Bearer ${adminToken}`, 'X-Request-Id': 'obs-sse-1' }, signal: abort.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-request-id')).toBe('obs-sse-1');
    const open = await scrape();
    expect(sample(open.text, 'interchange_sse_streams')).toBe(1);
    abort.abort();
    await res.body?.cancel().catch(() => undefined);
    const line = await requestLine('obs-sse-1');
    expect(line).toEqual(
      expect.objectContaining({
        transport: 'sse',
        route: '/cakeplanner/api/events/stream',
        operationName: 'CakeEventStream',
        operationType: 'subscription',
        status: 200,
        userId: adminId,
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    expect(sample((await scrape()).text, 'interchange_sse_streams')).toBe(0);
    // streams last: they are not timed with the requests; their subscription counts as an operation
    const text = (await scrape()).text;
    expect(text).not.toMatch(/interchange_http_request_duration_seconds\w*\{[^}]*transport="sse"/);
    expect(sample(text, 'interchange_graphql_operations_total{transport="sse",type="subscription",operation="CakeEventStream",outcome="ok"}')).toBe(1);
  });

  it('a failed login is a warning with the address and the account it named, never what was typed', async () => {
    const wrong = 'not-the-Pa55word-either';
    const res = await s.gql(TestLoginDocument, { input: { login: 'root', password: wrong } }, { headers: { 'X-Request-Id': 'obs-login-fail' } });
    expect(res.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const line = await capture.waitFor((l) => l.requestId === 'obs-login-fail' && l.msg === 'login failed');
    expect(line).toEqual(expect.objectContaining({ level: 'warn', userId: adminId, reason: 'Invalid credentials', ip: expect.any(String) }));
    expect(capture.text()).not.toContain(wrong);
    // an unknown account: no user id
    await s.gql(TestLoginDocument, { input: { login: 'nobody-here', password: wrong } }, { headers: { 'X-Request-Id': 'obs-login-unknown' } });
    const unknown = await capture.waitFor((l) => l.requestId === 'obs-login-unknown' && l.msg === 'login failed');
    expect(unknown.userId).toBeUndefined();
    expect(capture.text()).not.toContain('nobody-here');
  });

  it('every line is one JSON object with a level, a time and a message', () => {
    expect(capture.raw.length).toBeGreaterThan(10);
    for (const line of capture.lines) {
      expect(typeof line.level).toBe('string');
      expect(typeof line.time).toBe('string');
      expect(typeof line.msg).toBe('string');
    }
  });
});

describe('no secrets in the log', () => {
  it('a login with the admin password, a token-bearing request, a cookie request and a query token leave none of them in any line', async () => {
    // the cookie surface: login sets the session cookie
    const login = await s.rest('POST', '/coparent/api/auth/login', { body: { username: 'root', password: ADMIN_PASSWORD } });
    expect(login.status).toBe(200);
    const cookie = cookieFrom(login.headers)!;
    expect(cookie).toMatch(/^session=.+/);
    const cookieValue = cookie.slice('session='.length);
    // Bearer, cookie and ?token= requests, a failing one among them
    const token = await loginToken(s, 'root', ADMIN_PASSWORD);
    expect((await s.rest('GET', '/compass/api/users/1', { token })).status).toBe(200);
    expect((await s.rest('GET', '/coparent/api/auth/me', { cookie })).status).toBeLessThan(500);
    expect((await s.rest('GET', `/cakeplanner/api/nothing-here?token=${token}`, { token })).status).toBe(404);
    expect((await s.gql(TestMeDocument, undefined, { token: `${token}x` })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    // a password change's body carries passwords too
    const change = await s.gql('mutation { changePassword(oldPassword: "wrong-current-Pa55", newPassword: "wrong-new-Pa55word") }', undefined, { token });
    expect(change.errors?.length).toBe(1);

    const text = capture.text();
    expect(text.length).toBeGreaterThan(1000);
    for (const secret of [ADMIN_PASSWORD, token, adminToken, cookieValue, 'wrong-current-Pa55', 'wrong-new-Pa55word']) {
      expect(text).not.toContain(secret);
    }
    expect(text).not.toMatch(/eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/);
    expect(text).not.toMatch(/\$argon2/);
  });

  it('scrubs credentials by their shape wherever they sit in a line', () => {
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJlLWhlcmU';
    const line = JSON.stringify({
      msg: `failed: Authorization: Bearer ${jwt}; Cookie: session=${jwt}; redis://:hunter2@cache:6379; insert ... values ('$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA')`,
    });
    const out = scrub(line);
    for (const secret of [jwt, 'hunter2', '$argon2id$v=19']) expect(out).not.toContain(secret);
    expect(out).toContain('Bearer [Redacted]');
    expect(() => JSON.parse(out)).not.toThrow();
  });
});

describe('metrics', () => {
  it('are off unless METRICS_ENABLED: /metrics is an ordinary 404', async () => {
    const off = await startTestServer();
    try {
      const res = await off.rest('GET', '/metrics');
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: 'Not found' });
    } finally {
      await off.close();
    }
  });

  it('with METRICS_TOKEN, only for its bearer: 401 without it or with another', async () => {
    for (const auth of ['', 'Bearer wrong-token-0123456789ab', `Basic ${METRICS_TOKEN}`, `Bearer ${METRICS_TOKEN}x`]) {
      const res = await scrape(auth);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(res.text).not.toContain('interchange_');
    }
    const ok = await scrape();
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('name every family after traffic, label requests by route template, and move with requests, operations and logins', async () => {
    const before = (await scrape()).text;
    await s.rest('GET', '/compass/api/users/1', { token: adminToken });
    await s.rest('GET', '/compass/api/users/1', { token: adminToken });
    await s.gql(TestMeDocument, undefined, { token: adminToken });
    await s.gql(TestLoginDocument, { input: { login: 'root', password: 'wrong-password-123' } });
    await s.gql(TestLoginDocument, { input: { login: 'root', password: ADMIN_PASSWORD } });
    await s.gql('query Broken2 { nope }');
    const after = (await scrape()).text;

    for (const name of [
      'interchange_http_request_duration_seconds',
      'interchange_graphql_operations_total',
      'interchange_login_attempts_total',
      'interchange_rate_limited_total',
      'interchange_ws_connections',
      'interchange_ws_subscriptions',
      'interchange_sse_streams',
      'interchange_fanout_groups',
      'interchange_fanout_subscribers',
      'interchange_listener_up',
      'interchange_db_pool_connections',
      'nodejs_eventloop_lag_seconds',
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
    ]) {
      expect(after).toContain(`# TYPE ${name} `);
    }
    // the route template, never the raw path
    const restSeries = 'interchange_http_request_duration_seconds_count{transport="rest",method="GET",route="/compass/api/users/:id",status="200"}';
    expect(sample(after, restSeries)! - (sample(before, restSeries) ?? 0)).toBe(2);
    expect(after).not.toContain('route="/compass/api/users/1"');
    const me = 'interchange_graphql_operations_total{transport="graphql",type="query",operation="TestMe",outcome="ok"}';
    expect(sample(after, me)! - (sample(before, me) ?? 0)).toBe(1);
    const restOp = 'interchange_graphql_operations_total{transport="rest",type="query",operation="CompassUser",outcome="ok"}';
    expect(sample(after, restOp)! - (sample(before, restOp) ?? 0)).toBe(2);
    expect(sample(after, 'interchange_graphql_operations_total{transport="graphql",type="query",operation="Broken2",outcome="rejected"}')).toBe(1);
    const failed = 'interchange_login_attempts_total{outcome="failed"}';
    expect(sample(after, failed)! - (sample(before, failed) ?? 0)).toBe(1);
    const ok = 'interchange_login_attempts_total{outcome="ok"}';
    expect(sample(after, ok)! - (sample(before, ok) ?? 0)).toBe(1);
    expect(sample(after, 'interchange_listener_up{backend="postgres"}')).toBe(1);
    expect(sample(after, 'interchange_db_pool_connections{pool="orm",state="free"}')).toEqual(expect.any(Number));
    expect(sample(after, 'interchange_db_pool_connections{pool="prepared",state="pending"}')).toBe(0);
    expect(sample(after, 'interchange_db_pool_connections{pool="publisher",state="used"}')).toEqual(expect.any(Number));
  });

  it('count rate-limit hits (login) and keep one registry per instance', async () => {
    const limited = await startTestServer({ METRICS_ENABLED: 'true', LOGIN_MAX_PER_MINUTE: '2' });
    try {
      for (let i = 0; i < 3; i++) await limited.gql(TestLoginDocument, { input: { login: 'nobody', password: 'whatever-123' } });
      const text = (await limited.rest('GET', '/metrics')).text;
      expect(sample(text, 'interchange_rate_limited_total{limit="login"}')).toBe(1);
      expect(sample(text, 'interchange_login_attempts_total{outcome="failed"}')).toBe(2);
      // this instance's registry knows nothing of the other server's traffic
      expect(text).not.toContain('operation="TestMe"');
    } finally {
      await limited.close();
    }
  });
});

describe('quiet by default in tests', () => {
  it('writes nothing without LOG_LEVEL (the harness default is silent)', async () => {
    const quiet = new LogCapture();
    const q = await startTestServer({}, undefined, { logDestination: quiet });
    try {
      await q.gql(TestLoginDocument, { input: { login: 'nobody', password: 'whatever-123' } });
      await q.rest('GET', '/healthz');
    } finally {
      await q.close();
    }
    expect(quiet.raw).toEqual([]);
  });
});
