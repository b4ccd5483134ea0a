/**
 * Cross-origin with credentials: the real frontend on its own origin (ALLOWED_ORIGINS) calls every
 * surface and /graphql with `credentials: 'include'`; preflights are answered before auth, the
 * cookie-write check and body parsing; other origins get no CORS headers; the session cookie's SameSite
 * lets the configured origin's requests carry it.
 */
import net from 'node:net';
import { loadConfig } from '../src/config';
import { registrableDomain, sameSite } from '../src/server/site';
import { cookieFrom, createUser, startTestServer, TestServer, unique } from './support/server';

const APP = 'https://app.example';
const EVIL = 'https://evil.example';

/** What a browser sends before a cross-origin JSON write. */
function preflight(s: TestServer, path: string, origin: string, method = 'POST', headers = 'content-type') {
  return fetch(`${s.url}${path}`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });
}

function corsHeaders(res: { headers: Headers }): Record<string, string> {
  const out: Record<string, string> = {};
  res.headers.forEach((v, k) => {
    if (k.startsWith('access-control-')) out[k] = v;
  });
  return out;
}

const listed = (h: string | null) => (h ?? '').split(',').map((x) => x.trim().toLowerCase());

describe('CORS for the origins in ALLOWED_ORIGINS', () => {
  let s: TestServer;
  let cookie: string;
  beforeAll(async () => {
    s = await startTestServer({ ALLOWED_ORIGINS: `${APP}, https://studio.apollographql.com`, COMPAT_ROOT: 'coparent' });
    // the first user of a fresh database is the platform admin: enrolled everywhere
    const u = await createUser(s);
    cookie = `session=${u.token}`;
  });
  afterAll(() => s?.close());

  const paths: [string, string][] = [
    ['/graphql', 'POST'],
    ['/coparent/api/items', 'POST'],
    ['/coparent/api/items/00000000-0000-0000-0000-000000000000', 'DELETE'],
    ['/cakeplanner/api/events', 'POST'],
    ['/cakeplanner/api/user/settings', 'POST'],
    ['/compass/api/users/1', 'PATCH'],
    ['/compass/api/parties', 'POST'],
    ['/api/items', 'POST'], // COMPAT_ROOT
  ];

  it.each(paths)('answers the preflight of %s %s with 204 and the full policy, before auth and CSRF', async (path, method) => {
    const res = await preflight(s, path, APP, method, 'content-type,authorization,idempotency-key,x-request-id');
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    expect(listed(res.headers.get('access-control-allow-methods'))).toEqual(expect.arrayContaining(['get', 'post', 'put', 'patch', 'delete']));
    expect(listed(res.headers.get('access-control-allow-headers'))).toEqual(
      expect.arrayContaining(['content-type', 'authorization', 'idempotency-key', 'last-event-id', 'x-request-id', 'apollo-require-preflight', 'x-apollo-operation-name']),
    );
    expect(res.headers.get('access-control-max-age')).toBe('600');
    expect(listed(res.headers.get('vary'))).toContain('origin');
  });

  it('answers preflights before body parsing and on any path', async () => {
    // a preflight with a (malformed) body and a cookie from another site: still just the preflight
    const res = await fetch(`${s.url}/graphql`, {
      method: 'OPTIONS',
      headers: { origin: APP, 'access-control-request-method': 'POST', 'content-type': 'application/json', cookie: 'session=garbage' },
      body: '{not json',
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    const unknown = await preflight(s, '/no/such/path', APP);
    expect(unknown.status).toBe(204);
    expect(unknown.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('lets Apollo Studio preflight /graphql with Apollo headers', async () => {
    const res = await preflight(s, '/graphql', 'https://studio.apollographql.com', 'POST', 'content-type,apollo-require-preflight,x-apollo-operation-name');
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://studio.apollographql.com');
  });

  it('gives a foreign origin no CORS headers, on preflights and on requests', async () => {
    for (const [path, method] of paths) {
      const res = await preflight(s, path, EVIL, method);
      expect(res.status).toBe(204);
      expect(corsHeaders(res)).toEqual({});
      expect(listed(res.headers.get('vary'))).toContain('origin');
    }
    const gql = await s.gql('{ __typename }', {}, { headers: { origin: EVIL } });
    expect(gql.status).toBe(200);
    expect(corsHeaders(gql)).toEqual({});
    const rest = await s.rest('GET', '/coparent/api/health', { headers: { origin: EVIL } });
    expect(corsHeaders(rest)).toEqual({});
    // nor does a request without an Origin (not a browser)
    expect(corsHeaders(await s.rest('GET', '/coparent/api/health'))).toEqual({});
  });

  it("still refuses a foreign origin's cookie-authenticated write with 403", async () => {
    const res = await s.rest('POST', '/coparent/api/items', { body: { date: '2034-01-01', type: 'EVENT', title: unique('t'), body: '' }, headers: { cookie, origin: EVIL } });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: 'Cross-site request refused' });
    expect(corsHeaders(res)).toEqual({});
  });

  it('lets the allowed origin write with the cookie, and its script read the answer and its headers', async () => {
    // what a cross-site browser sends: Origin and Sec-Fetch-Site: cross-site
    const headers = { cookie, origin: APP, 'sec-fetch-site': 'cross-site' };
    const created = await s.rest('POST', '/coparent/api/items', { body: { date: '2034-01-01', type: 'EVENT', title: unique('t'), body: '' }, headers });
    expect(created.status).toBe(200);
    expect(created.headers.get('access-control-allow-origin')).toBe(APP);
    expect(created.headers.get('access-control-allow-credentials')).toBe('true');
    const exposed = listed(created.headers.get('access-control-expose-headers'));
    expect(exposed).toEqual(expect.arrayContaining(['x-request-id', 'retry-after', 'idempotent-replayed', 'location']));
    expect(listed(created.headers.get('vary'))).toContain('origin');
    // the compat root mount, and the surfaces listed after the root one (they used to be hidden by its 404)
    expect((await s.rest('POST', '/api/items', { body: { date: '2034-01-02', type: 'EVENT', title: unique('t'), body: '' }, headers })).status).toBe(200);
    const cake = await s.rest('POST', '/cakeplanner/api/user/settings', { body: { language: 'en' }, headers });
    expect(cake.status).toBe(200);
    expect(cake.headers.get('access-control-allow-origin')).toBe(APP);
    const compass = await s.rest('POST', '/compass/api/parties', { body: {}, headers });
    expect(compass.status).toBe(422);
    expect(compass.headers.get('access-control-allow-origin')).toBe(APP);
    // an error answer is readable too (the frontend must see its 401)
    const anonymous = await s.rest('GET', '/coparent/api/auth/me', { headers: { origin: APP } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it("passes Apollo's CSRF prevention with a preflighted JSON POST from the allowed origin", async () => {
    const res = await s.gql('{ me { id } }', {}, { cookie, headers: { origin: APP, 'sec-fetch-site': 'cross-site' } });
    expect(res.status).toBe(200);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({ me: { id: expect.any(String) } });
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    // a simple (non-preflighted) request is still refused by Apollo, readable by the frontend
    const simple = await fetch(`${s.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, { headers: { origin: APP, cookie } });
    expect(simple.status).toBe(400);
    expect(simple.headers.get('access-control-allow-origin')).toBe(APP);
  });

  it('carries CORS headers on an SSE stream', async () => {
    const abort = new AbortController();
    const res = await fetch(`${s.url}/cakeplanner/api/events/stream`, { headers: { origin: APP, cookie, accept: 'text/event-stream' }, signal: abort.signal });
    try {
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
      expect(res.headers.get('access-control-allow-origin')).toBe(APP);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
    } finally {
      abort.abort();
      await res.body?.cancel().catch(() => undefined);
    }
  });
});

describe('a draining server', () => {
  it('refuses with 503 and Retry-After that the allowed origin can read', async () => {
    const s = await startTestServer({ ALLOWED_ORIGINS: APP, SHUTDOWN_DELAY_MS: '0' });
    // a request whose headers are still arriving when the server stops accepting work (tests/shutdown.test.ts)
    const socket = net.connect({ port: s.server.port, host: '127.0.0.1' });
    await new Promise((resolve) => socket.once('connect', resolve));
    let answer = '';
    socket.setEncoding('utf8').on('data', (d: string) => (answer += d));
    const head = `GET /coparent/api/health HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: ${APP}\r\n\r\n`;
    socket.write(head.slice(0, -4));
    await new Promise((r) => setTimeout(r, 100));
    const closed = s.close();
    await new Promise((r) => setTimeout(r, 100));
    socket.write(head.slice(-4));
    await new Promise((resolve) => socket.once('close', resolve));
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toMatch(/\r\nRetry-After: 1\r\n/i);
    expect(answer).toMatch(new RegExp(`\\r\\nAccess-Control-Allow-Origin: ${APP}\\r\\n`, 'i'));
    expect(answer).toMatch(/\r\nAccess-Control-Allow-Credentials: true\r\n/i);
    expect(answer).toMatch(/\r\nAccess-Control-Expose-Headers: [^\r]*Retry-After/i);
  });
});

describe('ALLOWED_ORIGINS=* (development)', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ ALLOWED_ORIGINS: '*' });
  });
  afterAll(() => s?.close());

  it('reflects the request origin with credentials, never a literal *', async () => {
    const origin = 'http://localhost:5173';
    const pre = await preflight(s, '/graphql', origin);
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
    expect(pre.headers.get('access-control-allow-credentials')).toBe('true');
    const res = await s.gql('{ __typename }', {}, { headers: { origin } });
    expect(res.headers.get('access-control-allow-origin')).toBe(origin);
    // the opaque origin of sandboxed frames and files is not reflected
    expect(corsHeaders(await preflight(s, '/graphql', 'null'))).toEqual({});
  });
});

describe('without ALLOWED_ORIGINS', () => {
  it('sends no CORS headers, and the own origin needs none', async () => {
    const s = await startTestServer();
    try {
      const pre = await preflight(s, '/graphql', APP);
      expect(corsHeaders(pre)).toEqual({});
      expect(corsHeaders(await s.gql('{ __typename }', {}, { headers: { origin: s.url } }))).toEqual({});
      expect(pre.headers.get('vary')).toBeNull();
    } finally {
      await s.close();
    }
  });
});

describe("the session cookie's SameSite", () => {
  const login = async (s: TestServer) => {
    const u = await createUser(s);
    const res = await s.rest('POST', '/coparent/api/auth/login', { body: { username: u.username, password: u.password } });
    expect(res.status).toBe(200);
    return res;
  };
  const setCookie = (res: { headers: Headers }) => res.headers.getSetCookie().find((c) => c.startsWith('session=')) ?? '';

  it('is Lax by default', async () => {
    const s = await startTestServer({ ALLOWED_ORIGINS: APP });
    try {
      const c = setCookie(await login(s));
      expect(c).toMatch(/; SameSite=Lax/);
      expect(c).not.toMatch(/Secure/);
    } finally {
      await s.close();
    }
  });

  it('is None; Secure when the allowed origin is cross-site over HTTPS, on login and logout alike', async () => {
    const s = await startTestServer({ PUBLIC_URL: 'https://api.example.com', ALLOWED_ORIGINS: 'https://app.other.example' });
    try {
      const res = await login(s);
      const c = setCookie(res);
      expect(c).toMatch(/; Secure/);
      expect(c).toMatch(/; SameSite=None/);
      expect(c).toMatch(/HttpOnly/);
      const out = await s.rest('POST', '/coparent/api/auth/logout', { headers: { cookie: cookieFrom(res.headers)!, origin: 'https://app.other.example' } });
      expect(out.status).toBeLessThan(300);
      const cleared = setCookie(out);
      expect(cleared).toMatch(/^session=;/);
      expect(cleared).toMatch(/; Secure/);
      expect(cleared).toMatch(/; SameSite=None/);
    } finally {
      await s.close();
    }
  });

  it('stays Lax when the allowed origin is same-site', async () => {
    const s = await startTestServer({ PUBLIC_URL: 'https://api.example.com', ALLOWED_ORIGINS: 'https://app.example.com' });
    try {
      const c = setCookie(await login(s));
      expect(c).toMatch(/; SameSite=Lax/);
      expect(c).toMatch(/; Secure/);
    } finally {
      await s.close();
    }
  });
});

describe('configuration', () => {
  const base = { NODE_ENV: 'test', JWT_SECRET: 's'.repeat(40) };
  const sameSiteOf = (env: Record<string, string>) => loadConfig({ ...base, ...env }).cookieSameSite;

  it('derives SameSite from PUBLIC_URL and ALLOWED_ORIGINS', () => {
    expect(sameSiteOf({})).toBe('lax');
    expect(sameSiteOf({ PUBLIC_URL: 'https://api.example.com', ALLOWED_ORIGINS: 'https://app.other.example' })).toBe('none');
    expect(sameSiteOf({ PUBLIC_URL: 'https://api.example.com', ALLOWED_ORIGINS: 'https://app.example.com, https://example.com:8443' })).toBe('lax');
    // schemeful: an http page is cross-site to an https API of the same domain
    expect(sameSiteOf({ PUBLIC_URL: 'https://api.example.com', ALLOWED_ORIGINS: 'http://app.example.com' })).toBe('none');
    // without HTTPS a SameSite=None cookie could not be Secure: Lax
    expect(sameSiteOf({ PUBLIC_URL: 'http://api.example.com', ALLOWED_ORIGINS: 'http://app.other.example' })).toBe('lax');
    expect(sameSiteOf({ ALLOWED_ORIGINS: 'https://app.other.example' })).toBe('lax');
    // `*` is for development
    expect(sameSiteOf({ PUBLIC_URL: 'https://api.example.com', ALLOWED_ORIGINS: '*' })).toBe('lax');
    expect(sameSiteOf({ PUBLIC_URL: 'https://api.example.co.uk', ALLOWED_ORIGINS: 'https://app.example.co.uk' })).toBe('lax');
    expect(sameSiteOf({ PUBLIC_URL: 'https://api.one.co.uk', ALLOWED_ORIGINS: 'https://app.two.co.uk' })).toBe('none');
  });

  it('takes COOKIE_SAMESITE as an override, None only with an https PUBLIC_URL', () => {
    expect(sameSiteOf({ PUBLIC_URL: 'https://api.herokuapp.com', ALLOWED_ORIGINS: 'https://app.herokuapp.com', COOKIE_SAMESITE: 'none' })).toBe('none');
    expect(sameSiteOf({ PUBLIC_URL: 'https://api.example.com', ALLOWED_ORIGINS: 'https://app.other.example', COOKIE_SAMESITE: 'lax' })).toBe('lax');
    expect(() => sameSiteOf({ COOKIE_SAMESITE: 'none' })).toThrow(/COOKIE_SAMESITE=none needs an https PUBLIC_URL/);
    expect(() => sameSiteOf({ COOKIE_SAMESITE: 'strict' })).toThrow(/COOKIE_SAMESITE must be one of auto, lax, none/);
  });

  it('keeps ALLOWED_ORIGINS as browsers send Origin, and refuses what is not an origin', () => {
    expect(loadConfig({ ...base, ALLOWED_ORIGINS: 'https://App.Example/, http://localhost:5173, *' }).allowedOrigins).toEqual([
      'https://app.example',
      'http://localhost:5173',
      '*',
    ]);
    expect(() => loadConfig({ ...base, ALLOWED_ORIGINS: 'https://app.example/path' })).toThrow(/ALLOWED_ORIGINS must be a comma-separated list/);
    expect(() => loadConfig({ ...base, ALLOWED_ORIGINS: 'app.example' })).toThrow(/ALLOWED_ORIGINS must be a comma-separated list/);
  });

  it('approximates registrable domains', () => {
    expect(registrableDomain('api.example.com')).toBe('example.com');
    expect(registrableDomain('a.b.example.co.uk')).toBe('example.co.uk');
    expect(registrableDomain('localhost')).toBe('localhost');
    expect(registrableDomain('127.0.0.1')).toBe('127.0.0.1');
    expect(registrableDomain('[::1]')).toBe('::1');
    expect(sameSite('http://localhost:5173', 'http://localhost:4000')).toBe(true);
    expect(sameSite('http://127.0.0.1:5173', 'http://localhost:4000')).toBe(false);
  });
});
