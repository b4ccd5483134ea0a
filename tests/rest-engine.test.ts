/**
 * The route-table engine on its own: a small table over identity operations (not a documented
 * surface) mounted like any surface, exercising what the surfaces rely on — envelopes and status
 * mapping, variables errors, multipart uploads as `Upload` variables, downloads streamed from
 * storage with sniffed content types, SSE from a subscription with Last-Event-ID resume, and OpenAPI.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { mountSurface } from '../src/rest/engine/engine';
import { RestInputError, SurfaceDefinition } from '../src/rest/engine/types';
import { httpStatusOf } from '../src/errors/domain-error';
import { createUser, rawRequest, serverWithAdmin, TestServer, TestUser } from './support/server';

// The smallest valid PNG (1×1, transparent).
const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082', 'hex');

const surface: SurfaceDefinition = {
  id: 'coparent',
  title: 'engine test table',
  error: (code, message, details) => ({ status: httpStatusOf(code), body: { problem: message, code, fields: details?.fields } }),
  queryToken: true,
  routes: [
    {
      method: 'get',
      path: '/me',
      summary: 'me',
      operation: /* GraphQL */ `query EngineMe { me { id username } }`,
    },
    {
      method: 'post',
      path: '/users',
      summary: 'create a user (admin)',
      operation: /* GraphQL */ `mutation EngineCreate($input: CreateUserInput!) { createUser(input: $input) { id username } }`,
      status: 201,
      variables: ({ body }) => {
        const b = body as { name?: unknown; password?: unknown };
        if (typeof b.name !== 'string') throw new RestInputError('name is required', 'BAD_USER_INPUT', { fields: { name: 'is required' } });
        return { input: { username: b.name, password: b.password } };
      },
      result: (data: { createUser: { id: string; username: string } }) => ({ created: data.createUser.username }),
    },
    {
      method: 'post',
      path: '/users/:id/avatar',
      summary: 'upload an avatar',
      operation: /* GraphQL */ `mutation EngineAvatar($id: ID!, $file: Upload!) { uploadAvatar(userId: $id, file: $file) { id hasAvatar } }`,
      uploads: { picture: 'file' },
      status: 201,
      variables: ({ params }) => ({ id: params.id }),
    },
    {
      method: 'post',
      path: '/users/:id/tiny-avatar',
      summary: "upload an avatar of at most the test PNG's size",
      operation: /* GraphQL */ `mutation EngineTinyAvatar($id: ID!, $file: Upload!) { uploadAvatar(userId: $id, file: $file) { id hasAvatar } }`,
      uploads: { picture: 'file' },
      uploadMaxBytes: PNG.length,
      variables: ({ params }) => ({ id: params.id }),
    },
    {
      method: 'get',
      path: '/users/:id/avatar',
      summary: 'download an avatar',
      kind: 'download',
      operation: /* GraphQL */ `query EngineAvatarFile($id: ID!) { avatar(userId: $id) { id } }`,
      variables: ({ params }) => ({ id: params.id }),
      file: (data: { avatar: { id: string } | null }) => (data.avatar ? { fileId: data.avatar.id, cacheSeconds: 60 } : null),
    },
    {
      method: 'get',
      path: '/stream',
      summary: 'user changes as SSE',
      kind: 'sse',
      operation: /* GraphQL */ `subscription EngineStream { userChanged { kind userId } }`,
      event: (e: { kind: string; userId: string }) => ({ event: e.kind.toLowerCase(), id: e.userId, data: e }),
      keepaliveMs: 200,
      // the durable log of this toy stream: the accounts (a list query), framed as kind "User" (a real route's query
      // answers the items after the id, as cakeplanner's does)
      resume: {
        operation: /* GraphQL */ `query EngineStreamResume { cakeAccounts { kind: __typename userId: id } }`,
        variables: () => ({}),
      },
    },
  ],
};

let s: TestServer;
let admin: TestUser;
let server: http.Server;
let base: string;

/** Mounts a table at `prefix` on a bare Express app of its own; answers the server and the base URL. */
async function listenWith(table: SurfaceDefinition, prefix: string): Promise<{ server: http.Server; base: string }> {
  const app = express();
  app.set('trust proxy', false);
  app.use(prefix, mountSurface(s.app, s.server.pipeline, table).router);
  const listening = http.createServer(app);
  await new Promise<void>((r) => listening.listen(0, '127.0.0.1', () => r()));
  return { server: listening, base: `http://127.0.0.1:${(listening.address() as AddressInfo).port}${prefix}` };
}

async function stop(listening: http.Server): Promise<void> {
  listening.closeAllConnections();
  await new Promise((r) => listening.close(r));
}

beforeAll(async () => {
  ({ s, admin } = await serverWithAdmin());
  ({ server, base } = await listenWith(surface, '/t'));
});
afterAll(async () => {
  await stop(server);
  await s.close();
});

const auth = (t: string) => ({ authorization: `Bearer ${t}` });

describe('operations and envelopes', () => {
  it('answers the root field of the data by default and maps errors through the surface', async () => {
    // a route's document is compiled on its first request (not at start), and that request runs compiled
    const before = s.server.pipeline.stats();
    const ok = await fetch(`${base}/me`, { headers: auth(admin.token) });
    const after = s.server.pipeline.stats();
    expect([after.executed - before.executed, after.compiled - before.compiled]).toEqual([1, 1]);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ id: admin.id, username: admin.username });
    const anon = await fetch(`${base}/me`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toEqual({ problem: 'Authentication required', code: 'UNAUTHENTICATED' });
  });

  it('uses the route status and result mapper; variables errors answer before anything runs', async () => {
    const name = `eng${Date.now()}`;
    const created = await fetch(`${base}/users`, {
      method: 'POST',
      headers: { ...auth(admin.token), 'content-type': 'application/json' },
      body: JSON.stringify({ name, password: 'longenough' }),
    });
    expect(created.status).toBe(201);
    expect(await created.json()).toEqual({ created: name });
    const dup = await fetch(`${base}/users`, {
      method: 'POST',
      headers: { ...auth(admin.token), 'content-type': 'application/json' },
      body: JSON.stringify({ name, password: 'longenough' }),
    });
    expect(dup.status).toBe(409);
    const missing = await fetch(`${base}/users`, { method: 'POST', headers: { ...auth(admin.token), 'content-type': 'application/json' }, body: '{}' });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ problem: 'name is required', code: 'BAD_USER_INPUT', fields: { name: 'is required' } });
    const badType = await fetch(`${base}/users`, {
      method: 'POST',
      headers: { ...auth(admin.token), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', password: 12 }),
    });
    expect(badType.status).toBe(400);
    const badBody = JSON.stringify(await badType.json());
    expect(badBody).toMatch(/password/);
    expect(badBody).not.toMatch(/\.ts:\d|\n\s+at |select |stack/i);
  });
});

describe('JSON answers are what Express itself sends', () => {
  it("answers with res.json's bytes and headers in its order (weak ETag, Content-Length); If-None-Match answers 304, HEAD no body", async () => {
    // the reference: the same body through Express's own res.json on a bare app
    const body = { id: admin.id, username: admin.username };
    const app = express();
    app.get('/me', (_req, res) => void res.status(200).json(body));
    const reference = http.createServer(app);
    await new Promise<void>((r) => reference.listen(0, '127.0.0.1', () => r()));
    try {
      const refUrl = `http://127.0.0.1:${(reference.address() as AddressInfo).port}/me`;
      const ours = await rawRequest(`${base}/me`, { ...auth(admin.token), connection: 'close' });
      const theirs = await rawRequest(refUrl, { connection: 'close' });
      expect(ours.status).toBe(200);
      expect(ours.body).toBe(theirs.body);
      // ours carries more headers (CORS, request id…): Express's own appear with the same values, in its order
      const named = (lines: string[]) => lines.filter((l) => /^(X-Powered-By|Content-Type|Content-Length|ETag): /.test(l));
      expect(named(ours.lines)).toEqual(named(theirs.lines));
      expect(named(ours.lines)).toHaveLength(4);

      const etag = ours.lines.find((l) => l.startsWith('ETag: '))!.slice('ETag: '.length);
      expect(etag).toMatch(/^W\/"/);
      const again = await rawRequest(`${base}/me`, { ...auth(admin.token), 'if-none-match': etag, connection: 'close' });
      const refAgain = await rawRequest(refUrl, { 'if-none-match': etag, connection: 'close' });
      expect([again.status, again.body]).toEqual([304, '']);
      expect(named(again.lines)).toEqual(named(refAgain.lines));

      const head = await rawRequest(`${base}/me`, { ...auth(admin.token), connection: 'close' }, 'HEAD');
      const refHead = await rawRequest(refUrl, { connection: 'close' }, 'HEAD');
      expect([head.status, head.body]).toEqual([200, '']);
      expect(named(head.lines)).toEqual(named(refHead.lines));
    } finally {
      await stop(reference);
    }
  });
});

describe('uploads and downloads', () => {
  it('turns a multipart file into an Upload variable, stores it, and streams it back with its sniffed type', async () => {
    const u = await createUser(s);
    const form = new FormData();
    form.append('picture', new Blob([PNG], { type: 'application/octet-stream' }), 'whatever.bin');
    const up = await fetch(`${base}/users/${u.id}/avatar`, { method: 'POST', headers: auth(u.token), body: form });
    expect(up.status).toBe(201);
    expect(await up.json()).toEqual({ id: u.id, hasAvatar: true });
    const down = await fetch(`${base}/users/${u.id}/avatar`, { headers: auth(admin.token) });
    expect(down.status).toBe(200);
    expect(down.headers.get('content-type')).toBe('image/png');
    expect(down.headers.get('cache-control')).toBe('private, max-age=60');
    expect(down.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await down.arrayBuffer()).equals(PNG)).toBe(true);
    const etag = down.headers.get('etag')!;
    expect((await fetch(`${base}/users/${u.id}/avatar`, { headers: { ...auth(admin.token), 'if-none-match': etag } })).status).toBe(304);
  });

  it("refuses a text file named .png, another user's avatar, and a missing file", async () => {
    const u = await createUser(s);
    const other = await createUser(s);
    const text = new FormData();
    text.append('picture', new Blob(['just some text, not an image'], { type: 'image/png' }), 'fake.png');
    const fake = await fetch(`${base}/users/${u.id}/avatar`, { method: 'POST', headers: auth(u.token), body: text });
    expect(fake.status).toBe(400);
    expect(((await fake.json()) as { problem: string }).problem).toMatch(/image\/jpeg, image\/png, image\/webp/);
    const form = new FormData();
    form.append('picture', new Blob([PNG]), 'a.png');
    const denied = await fetch(`${base}/users/${other.id}/avatar`, { method: 'POST', headers: auth(u.token), body: form });
    expect(denied.status).toBe(403);
    const noFile = new FormData();
    noFile.append('note', 'no file in this form');
    const missing = await fetch(`${base}/users/${u.id}/avatar`, { method: 'POST', headers: auth(u.token), body: noFile });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({ problem: 'The "picture" file is required', code: 'BAD_USER_INPUT', fields: { picture: 'is required' } });
    const none = await fetch(`${base}/users/${u.id}/avatar`, { headers: auth(u.token) });
    expect(none.status).toBe(404);
    const anon = await fetch(`${base}/users/${u.id}/avatar`);
    expect(anon.status).toBe(401);
  });

  it("takes a file of exactly the route's limit, refuses one byte more (marked too large) and a second file under a single-file field", async () => {
    const u = await createUser(s);
    const send = (...parts: Buffer[]) => {
      const form = new FormData();
      for (const p of parts) form.append('picture', new Blob([new Uint8Array(p)]), 'a.png');
      return fetch(`${base}/users/${u.id}/tiny-avatar`, { method: 'POST', headers: auth(u.token), body: form });
    };
    expect((await send(PNG)).status).toBe(200);
    const over = await send(Buffer.concat([PNG, Buffer.from([0])]));
    expect(over.status).toBe(400);
    expect(await over.json()).toEqual({ problem: expect.stringMatching(/larger than/), code: 'BAD_USER_INPUT', fields: { picture: expect.any(String) } });
    const two = await send(PNG, PNG);
    expect(two.status).toBe(400);
    expect(((await two.json()) as { problem: string }).problem).toMatch(/Too many files/);
  });

  it('replacing an avatar removes the old bytes', async () => {
    const u = await createUser(s);
    const send = async () => {
      const form = new FormData();
      form.append('picture', new Blob([PNG]), 'a.png');
      return fetch(`${base}/users/${u.id}/avatar`, { method: 'POST', headers: auth(u.token), body: form });
    };
    await send();
    const count = async () => Number((await s.app.orm.em.getConnection().execute(`select count(*)::int as n from stored_files where purpose = 'avatar'`))[0].n);
    const before = await count();
    await send();
    expect(await count()).toBe(before);
  });

  it('also accepts uploads on /graphql through graphql-upload-minimal (with the CSRF preflight header)', async () => {
    const u = await createUser(s);
    const form = new FormData();
    form.append(
      'operations',
      JSON.stringify({ query: 'mutation U($id: ID!, $f: Upload!) { uploadAvatar(userId: $id, file: $f) { hasAvatar } }', variables: { id: u.id, f: null } }),
    );
    form.append('map', JSON.stringify({ 0: ['variables.f'] }));
    form.append('0', new Blob([PNG]), 'a.png');
    const res = await fetch(`${s.url}/graphql`, { method: 'POST', headers: { ...auth(u.token), 'apollo-require-preflight': 'true' }, body: form });
    expect(await res.json()).toEqual({ data: { uploadAvatar: { hasAvatar: true } } });
    const noPreflight = await fetch(`${s.url}/graphql`, { method: 'POST', headers: auth(u.token), body: form });
    expect(noPreflight.status).toBe(400);
  });
});

/** Reads an SSE stream until `until` says stop; returns the raw text. */
function readSse(url: string, headers: Record<string, string>, until: (text: string) => boolean, onOpen?: () => void): Promise<{ status: number; type: string; text: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      let text = '';
      const timer = setTimeout(() => {
        req.destroy();
        reject(new Error(`SSE timed out; got:\n${text}`));
      }, 10000);
      res.on('data', (d) => {
        text += d;
        if (text.includes(': connected')) onOpen?.();
        if (until(text)) {
          clearTimeout(timer);
          req.destroy();
          resolve({ status: res.statusCode!, type: String(res.headers['content-type']), text });
        }
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode!, type: String(res.headers['content-type']), text });
      });
    });
    req.on('error', () => undefined);
  });
}

describe('server-sent events', () => {
  it('streams subscription events as text/event-stream with ids and keepalives; the token may be ?token=', async () => {
    let created: string[] = [];
    const stream = readSse(
      `${base}/stream?token=${admin.token}`,
      {},
      (t) => created.length === 2 && created.every((id) => t.includes(`id: ${id}`)) && t.includes(': keepalive'),
      async () => {
        if (created.length) return;
        created = ['pending'];
        const a = await createUser(s);
        const b = await createUser(s);
        created = [a.id, b.id];
      },
    );
    const { status, type, text } = await stream;
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/event-stream/);
    expect(text).toMatch(new RegExp(`id: ${created[0]}\\nevent: created\\ndata: \\{"kind":"CREATED","userId":"${created[0]}"\\}`));
  });

  it("resumes after Last-Event-ID from the route's durable log (its resume query), on any instance", async () => {
    let ids: string[] = [];
    await readSse(
      `${base}/stream`,
      auth(admin.token),
      (t) => ids.length === 2 && t.includes(`id: ${ids[1]}`),
      async () => {
        if (ids.length) return;
        ids = ['pending'];
        const a = await createUser(s);
        const b = await createUser(s);
        ids = [a.id, b.id];
      },
    );
    const resumed = await readSse(`${base}/stream`, { ...auth(admin.token), 'last-event-id': ids[0] }, (t) => t.includes(`id: ${ids[1]}`));
    // framed from the resume query's items (kind "User"), not from anything this process remembered
    expect(resumed.text).toContain(`id: ${ids[1]}\nevent: user\n`);
    expect(resumed.text).not.toContain('event: created');
  });

  it('answers a refused subscription with the surface error, not a stream', async () => {
    const res = await fetch(`${base}/stream`);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ problem: 'Authentication required', code: 'UNAUTHENTICATED' });
  });
});

describe('OpenAPI', () => {
  it('describes every route of the table', async () => {
    const doc = (await (await fetch(`${base}/openapi.json`)).json()) as { openapi: string; paths: Record<string, object> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(['/me', '/stream', '/users', '/users/{id}/avatar', '/users/{id}/tiny-avatar']);
    expect(Object.keys(doc.paths['/users/{id}/avatar']).sort()).toEqual(['get', 'post']);
  });
});

describe('aliases and several frames per event', () => {
  // An entry may answer under further paths (an original backend's spelling of a documented route), and
  // an SSE entry may write several frames for one event (conduct and cakeplanner need both).
  const aliased: SurfaceDefinition = {
    id: 'coparent',
    title: 'aliases',
    error: (code, message) => ({ status: httpStatusOf(code), body: { problem: message } }),
    routes: [
      { method: 'get', path: '/api/me', aliases: ['/me', '/api/whoami'], summary: 'me', operation: /* GraphQL */ `query EngineAliasMe { me { id } }` },
      {
        method: 'get',
        path: '/stream',
        summary: 'two frames per change',
        kind: 'sse',
        operation: /* GraphQL */ `subscription EngineAliasStream { userChanged { kind userId } }`,
        event: (e: { kind: string; userId: string }, r) => [{ event: 'changed', id: e.userId, data: e }, { data: { type: 'PLAIN', userId: e.userId, base: r.base } }],
        keepaliveMs: 60_000,
        resume: { operation: /* GraphQL */ `query EngineAliasResume { cakeAccounts { kind: __typename userId: id } }`, variables: () => undefined },
      },
    ],
  };
  let aliasServer: http.Server;
  let aliasBase: string;
  beforeAll(async () => {
    ({ server: aliasServer, base: aliasBase } = await listenWith(aliased, '/a'));
  });
  afterAll(() => stop(aliasServer));

  it('serves one entry under its path and every alias, and lists the aliases in OpenAPI', async () => {
    for (const path of ['/api/me', '/me', '/api/whoami']) {
      const res = await fetch(`${aliasBase}${path}`, { headers: auth(admin.token) });
      expect([path, res.status, await res.json()]).toEqual([path, 200, { id: admin.id }]);
    }
    expect((await fetch(`${aliasBase}/api/whoami`)).status).toBe(401);
    const doc = (await (await fetch(`${aliasBase}/openapi.json`)).json()) as { paths: Record<string, { get: { description?: string } }> };
    expect(Object.keys(doc.paths).sort()).toEqual(['/api/me', '/api/whoami', '/me', '/stream']);
    expect(doc.paths['/me'].get.description).toMatch(/^Alias of GET \/api\/me\./);
  });

  it('writes the frames of one event together, in order; the first id names them; `base` is the mount', async () => {
    let created: Promise<{ id: string }> | undefined;
    const { text } = await readSse(
      `${aliasBase}/stream`,
      auth(admin.token),
      (t) => t.includes('"type":"PLAIN"'),
      () => {
        created ??= createUser(s);
      },
    );
    const { id } = await created!;
    expect(text).toContain(`id: ${id}\nevent: changed\ndata: {"kind":"CREATED","userId":"${id}"}\n\ndata: {"type":"PLAIN","userId":"${id}","base":"/a"}\n\n`);
  });
});
