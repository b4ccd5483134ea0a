/**
 * The coparent auth routes as a legacy client uses them (cookie), the login rate limit shared by REST
 * and GraphQL, and every token attack refused on GraphQL, REST and ws alike.
 */
import jwt from 'jsonwebtoken';
import WebSocket from 'ws';
import { randomUUID } from 'node:crypto';
import {
  PlatformAuthTestWrongLoginDocument,
  TestLogoutDocument,
  TestMeDocument,
  TestPromoteDocument,
  TestUserChangedDocument,
  TestUserChangedKindDocument,
} from '../src/generated/graphql';
import { cookieFrom, createUser, serverWithAdmin, startTestServer, TestServer, TestUser, collect } from './support/server';

const SECRET = 'test-secret-0123456789-0123456789-0123456789';

// This file's operations; codegen generates the typed `PlatformAuthTest…Document`s used below from them
// (operations several files send are in ./support/operations.ts).
/* GraphQL */ `
  mutation PlatformAuthTestWrongLogin { login(input: { login: "someone", password: "wrong password" }) { token } }
`;

let s: TestServer;
let admin: TestUser;
beforeAll(async () => {
  ({ s, admin } = await serverWithAdmin());
});
afterAll(() => s.close());

async function restLogin(srv: TestServer, username: string, password: string) {
  return srv.rest('POST', '/coparent/api/auth/login', { body: { username, password } });
}

describe('coparent auth routes (cookie)', () => {
  it('POST /api/auth/login answers 200 {id, username, role} with an HttpOnly session cookie', async () => {
    const u = await createUser(s);
    const res = await restLogin(s, u.username, u.password);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: u.id, username: u.username, role: 'USER' });
    const raw = res.headers.getSetCookie().find((c) => c.startsWith('session='))!;
    expect(raw).toMatch(/HttpOnly/i);
    expect(raw).toMatch(/SameSite=Lax/i);
    expect(raw).toMatch(/Path=\//);
    const adminRes = await restLogin(s, admin.username, admin.password);
    expect(adminRes.body.role).toBe('ADMIN');
  });

  it('answers 401 {error} for wrong credentials and 400 for a body without them', async () => {
    const u = await createUser(s);
    const wrong = await restLogin(s, u.username, 'wrong password');
    expect(wrong.status).toBe(401);
    expect(wrong.body).toEqual({ error: expect.any(String) });
    expect(wrong.headers.getSetCookie()).toHaveLength(0);
    const missing = await s.rest('POST', '/coparent/api/auth/login', { body: { username: u.username } });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: expect.any(String) });
    const badJson = await s.rest('POST', '/coparent/api/auth/login', { rawBody: '{"username": ', headers: { 'content-type': 'application/json' } });
    expect(badJson.status).toBe(400);
    expect(badJson.body).toEqual({ error: 'Invalid JSON body' });
  });

  it('GET /api/auth/me reflects the cookie and the stored user; 401 without a valid cookie', async () => {
    const u = await createUser(s);
    const cookie = cookieFrom((await restLogin(s, u.username, u.password)).headers)!;
    const me = await s.rest('GET', '/coparent/api/auth/me', { cookie });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: u.id, username: u.username, role: 'USER' });
    // a role change shows at once
    await s.gql(TestPromoteDocument, { id: u.id }, { token: admin.token });
    expect((await s.rest('GET', '/coparent/api/auth/me', { cookie })).body.role).toBe('ADMIN');
    const none = await s.rest('GET', '/coparent/api/auth/me');
    expect(none.status).toBe(401);
    expect(none.body).toEqual({ error: expect.any(String) });
    const garbage = await s.rest('GET', '/coparent/api/auth/me', { cookie: 'session=not.a.token' });
    expect(garbage.status).toBe(401);
  });

  it('POST /api/auth/logout answers 204, clears the cookie and revokes the session', async () => {
    const u = await createUser(s);
    const cookie = cookieFrom((await restLogin(s, u.username, u.password)).headers)!;
    const out = await s.rest('POST', '/coparent/api/auth/logout', { cookie });
    expect(out.status).toBe(204);
    expect(out.text).toBe('');
    const cleared = out.headers.getSetCookie().find((c) => c.startsWith('session='))!;
    expect(cleared).toMatch(/session=;/);
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    // the old cookie no longer works, on REST or GraphQL
    expect((await s.rest('GET', '/coparent/api/auth/me', { cookie })).status).toBe(401);
    const gql = await s.gql(TestMeDocument, {}, { cookie });
    expect(gql.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await s.rest('POST', '/coparent/api/auth/logout')).status).toBe(401);
  });

  it('GET /api/health answers {status: "ok", time}', async () => {
    const res = await s.rest('GET', '/coparent/api/health');
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('ok');
    expect(new Date(res.body.time).toISOString()).toBe(res.body.time);
  });

  it('answers unknown routes under the surface with its 404 envelope', async () => {
    const res = await s.rest('GET', '/coparent/api/nope');
    expect(res.status).toBe(404);
    expect(res.body).toEqual({ error: 'Not found' });
  });

  it('the cookie works on /graphql too, and a GraphQL token works as the REST cookie', async () => {
    const u = await createUser(s);
    const me = await s.rest('GET', '/coparent/api/auth/me', { cookie: `session=${u.token}` });
    expect(me.body.id).toBe(u.id);
    const cookie = cookieFrom((await restLogin(s, u.username, u.password)).headers)!;
    expect((await s.gql(TestMeDocument, {}, { cookie })).data!.me.id).toBe(u.id);
  });
});

describe('COMPAT_ROOT', () => {
  it('mounts the surface at the server root as well as under its prefix', async () => {
    const srv = await startTestServer({ COMPAT_ROOT: 'coparent' });
    try {
      const u = await createUser(srv);
      const res = await srv.rest('POST', '/api/auth/login', { body: { username: u.username, password: u.password } });
      expect(res.status).toBe(200);
      const cookie = cookieFrom(res.headers)!;
      expect((await srv.rest('GET', '/api/auth/me', { cookie })).body.id).toBe(u.id);
      expect((await srv.rest('GET', '/coparent/api/auth/me', { cookie })).body.id).toBe(u.id);
      expect((await srv.rest('GET', '/api/health')).body.status).toBe('ok');
    } finally {
      await srv.close();
    }
  });
});

describe('login rate limit', () => {
  it('answers the 6th attempt within a minute with 429 and Retry-After, counted across REST and GraphQL', async () => {
    const srv = await startTestServer({ LOGIN_MAX_PER_MINUTE: '5' });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await restLogin(srv, 'someone', 'wrong password')).status);
      for (let i = 0; i < 2; i++) {
        const g = await srv.gql(PlatformAuthTestWrongLoginDocument);
        codes.push(g.errors?.[0].extensions?.code === 'UNAUTHENTICATED' ? 401 : g.status);
      }
      expect(codes).toEqual([401, 401, 401, 401, 401]);
      const sixth = await restLogin(srv, 'someone', 'wrong password');
      expect(sixth.status).toBe(429);
      expect(sixth.body).toEqual({ error: expect.any(String) });
      expect(Number(sixth.headers.get('retry-after'))).toBeGreaterThan(0);
      const gql = await srv.gql(PlatformAuthTestWrongLoginDocument);
      expect(gql.status).toBe(429);
      expect(gql.errors?.[0].extensions?.code).toBe('RATE_LIMITED');
      expect(Number(gql.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await srv.close();
    }
  });

  it('is shared by instances on one database', async () => {
    const a = await startTestServer({ LOGIN_MAX_PER_MINUTE: '2' });
    const b = await startTestServer({ LOGIN_MAX_PER_MINUTE: '2' }, a.databaseUrl);
    try {
      expect((await restLogin(a, 'x', 'wrong password')).status).toBe(401);
      expect((await restLogin(b, 'x', 'wrong password')).status).toBe(401);
      expect((await restLogin(a, 'x', 'wrong password')).status).toBe(429);
      expect((await restLogin(b, 'x', 'wrong password')).status).toBe(429);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});

describe('token attacks', () => {
  let victim: TestUser;
  let claims: { sub: string; sid: string; iat: number; exp: number };
  beforeAll(async () => {
    victim = await createUser(s);
    claims = jwt.decode(victim.token) as typeof claims;
  });

  const sign = (payload: object, opts: jwt.SignOptions = {}, secret = SECRET) =>
    jwt.sign(payload, secret, { algorithm: 'HS256', issuer: 'interchange', audience: 'interchange', ...opts });

  function forged(): Record<string, string> {
    const now = Math.floor(Date.now() / 1000);
    const [h, p] = victim.token.split('.');
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString());
    return {
      tampered: `${h}.${b64({ ...payload, sub: admin.id })}.${victim.token.split('.')[2]}`,
      'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${p}.`,
      'wrong audience': sign({ sid: claims.sid }, { subject: claims.sub, audience: 'someone-else', expiresIn: 600 }),
      'wrong issuer': sign({ sid: claims.sid }, { subject: claims.sub, issuer: 'evil', expiresIn: 600 }),
      'wrong secret': sign({ sid: claims.sid }, { subject: claims.sub, expiresIn: 600 }, 'another-secret-another-secret-another'),
      expired: sign({ sid: claims.sid, iat: now - 7200, exp: now - 3600 }, {}),
      'unknown session': sign({ sid: randomUUID() }, { subject: claims.sub, expiresIn: 600 }),
      'session of another user': sign({ sid: claims.sid }, { subject: admin.id, expiresIn: 600 }),
      'HS512 instead of HS256': jwt.sign({ sid: claims.sid }, SECRET, { algorithm: 'HS512', subject: claims.sub, issuer: 'interchange', audience: 'interchange', expiresIn: 600 }),
      garbage: 'not-a-jwt',
    };
  }

  it('accepts the genuine token everywhere (control)', async () => {
    expect((await s.gql(TestMeDocument, {}, { token: victim.token })).data!.me.id).toBe(victim.id);
    expect((await s.rest('GET', '/coparent/api/auth/me', { cookie: `session=${victim.token}` })).status).toBe(200);
  });

  it('refuses every forged, expired or foreign token on GraphQL (Bearer and cookie) and on REST', async () => {
    for (const [name, token] of Object.entries(forged())) {
      const bearer = await s.gql(TestMeDocument, {}, { token });
      expect([name, bearer.errors?.[0].extensions?.code]).toEqual([name, 'UNAUTHENTICATED']);
      const cookie = await s.gql(TestMeDocument, {}, { cookie: `session=${token}` });
      expect([name, cookie.errors?.[0].extensions?.code]).toEqual([name, 'UNAUTHENTICATED']);
      const rest = await s.rest('GET', '/coparent/api/auth/me', { cookie: `session=${token}` });
      expect([name, rest.status]).toEqual([name, 401]);
    }
  });

  it('refuses a forged token on ws at connection time', async () => {
    for (const [name, token] of Object.entries(forged())) {
      const client = s.ws(token);
      const sub = collect(client, TestUserChangedKindDocument);
      const err = await sub.done.then(
        () => undefined,
        (e: { code?: number }) => e,
      );
      expect([name, (err as { code?: number })?.code]).toEqual([name, 4403]);
      await client.dispose();
    }
  });

  it('refuses a revoked token everywhere, including ws, and closes open sockets of the session', async () => {
    const u = await createUser(s);
    const client = s.ws(u.token);
    const closed = new Promise<number>((resolve) => client.on('closed', (e) => resolve((e as { code: number }).code)));
    const sub = collect(client, TestUserChangedDocument);
    const ended = sub.done.catch((e: { code?: number }) => e.code);
    await sub.ready;
    await s.gql(TestLogoutDocument, {}, { token: u.token });
    expect(await closed).toBe(4401);
    expect(await ended).toBe(4401);
    expect((await s.gql(TestMeDocument, {}, { token: u.token })).errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    expect((await s.rest('GET', '/coparent/api/auth/me', { cookie: `session=${u.token}` })).status).toBe(401);
    const again = s.ws(u.token);
    const err = await collect(again, TestUserChangedKindDocument).done.then(
      () => undefined,
      (e: { code?: number }) => e,
    );
    expect((err as { code?: number })?.code).toBe(4403);
    await client.dispose();
    await again.dispose();
  });
});

describe('ws Origin check', () => {
  function handshake(srv: TestServer, origin?: string): Promise<number> {
    return new Promise((resolve) => {
      const headers: Record<string, string> = origin ? { origin } : {};
      const ws = new WebSocket(`ws://127.0.0.1:${srv.server.port}/graphql`, 'graphql-transport-ws', { headers });
      ws.on('open', () => {
        ws.close();
        resolve(101);
      });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => undefined);
    });
  }

  it('accepts non-browser clients and same-origin pages, and refuses a foreign Origin with 403', async () => {
    expect(await handshake(s)).toBe(101);
    expect(await handshake(s, `http://127.0.0.1:${s.server.port}`)).toBe(101);
    expect(await handshake(s, 'https://evil.example')).toBe(403);
  });

  it('accepts origins listed in ALLOWED_ORIGINS', async () => {
    const srv = await startTestServer({ ALLOWED_ORIGINS: 'https://dashboard.example' });
    try {
      expect(await handshake(srv, 'https://dashboard.example')).toBe(101);
      expect(await handshake(srv, 'https://evil.example')).toBe(403);
    } finally {
      await srv.close();
    }
  });
});

describe('health', () => {
  it('GET /healthz answers while the process runs; /readyz checks the database and migrations', async () => {
    expect(await (await fetch(`${s.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${s.url}/readyz`)).json()).toEqual({ status: 'ready', database: 'ok', migrations: 'applied', listener: 'up' });
  });
});
