/**
 * The OpenAPI document of every surface (src/rest/engine/openapi.ts), read as a client generator reads
 * it from a started server: every route of the table with a unique operationId, path parameters that
 * match the templates, bodies where routes take them, security from the access declarations, the
 * surface prefix in `servers`, the GraphQL operation of each route valid against the graph, a call
 * built from the document reaching its route, and Redocly's recommended rules without an error.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, validate } from 'graphql';
import { surfaces } from '../src/rest/surfaces';
import { getSchema } from '../src/server/schema';
import { createUser, startTestServer, TestServer } from './support/server';

interface Operation {
  operationId: string;
  summary: string;
  description: string;
  tags: string[];
  parameters?: { name: string; in: string; required?: boolean }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  security: Record<string, string[]>[];
  'x-access': string;
  'x-graphql-operation'?: { name: string; document: string };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
}
interface Document {
  openapi: string;
  info: { title: string; version: string; license?: unknown };
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string }>; schemas: Record<string, unknown> };
}

let s: TestServer;
const docs = new Map<string, Document>();

beforeAll(async () => {
  s = await startTestServer();
  for (const surface of surfaces) {
    const res = await fetch(`${s.url}/${surface.id}/openapi.json`);
    expect(res.status).toBe(200);
    docs.set(surface.id, (await res.json()) as Document);
  }
}, 60_000);
afterAll(() => s?.close());

const operations = (doc: Document) => Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

describe.each(surfaces.map((x) => x.id))('the %s document', (id) => {
  const surface = surfaces.find((x) => x.id === id)!;
  const doc = () => docs.get(id)!;

  it('is OpenAPI 3.1 with info, a license, tags and the surface prefix as its (relative) server', () => {
    expect(doc().openapi).toBe('3.1.0');
    expect(doc().info).toMatchObject({ title: surface.title, version: expect.any(String), license: expect.objectContaining({ name: expect.any(String) }) });
    expect(doc().servers).toEqual([expect.objectContaining({ url: `/${id}` })]);
    expect(doc().components.schemas.Error).toMatchObject({ type: 'object' });
  });

  it('lists every route of the table and its aliases, each with a unique operationId and its path parameters', () => {
    const ids = new Set<string>();
    for (const route of surface.routes) {
      for (const path of [route.path, ...(route.aliases ?? [])]) {
        const op = doc().paths[openApiPath(path)]?.[route.method];
        expect([route.method, path, op ? 'present' : 'missing']).toEqual([route.method, path, 'present']);
        expect(op.operationId).toMatch(/^[A-Za-z][A-Za-z0-9]*$/);
        expect(ids.has(op.operationId)).toBe(false);
        ids.add(op.operationId);
        const templated = [...path.matchAll(/:(\w+)/g)].map((m) => m[1]).sort();
        const declared = (op.parameters ?? []).filter((p) => p.in === 'path');
        expect(declared.map((p) => p.name).sort()).toEqual(templated);
        for (const p of declared) expect(p.required).toBe(true);
      }
    }
    expect(operations(doc())).toHaveLength(ids.size);
  });

  it('gives each operation that runs GraphQL its document, which parses and validates against the graph', async () => {
    const schema = await getSchema();
    for (const route of surface.routes) {
      const op = doc().paths[openApiPath(route.path)][route.method];
      if (route.kind === 'plain') {
        expect(op['x-graphql-operation']).toBeUndefined();
        continue;
      }
      const graphql = op['x-graphql-operation']!;
      const errors = validate(schema, parse(graphql.document));
      expect([route.path, errors.map((e) => e.message)]).toEqual([route.path, []]);
      const named = parse(graphql.document).definitions.find((d) => d.kind === 'OperationDefinition');
      expect(named && 'name' in named && named.name?.value).toBe(graphql.name);
      // shown to readers of the docs page too
      expect(op.description).toContain(graphql.document);
    }
  });

  it('describes a body for every write that reads one, and success and error responses', () => {
    for (const { path, method, op } of operations(doc())) {
      expect(Object.keys(op.responses).some((status) => /^2\d\d$/.test(status))).toBe(true);
      for (const [status, res] of Object.entries(op.responses)) {
        if (/^4\d\d$/.test(status))
          expect([path, method, status, res.content?.['application/json'].schema]).toEqual([path, method, status, { $ref: '#/components/schemas/Error' }]);
      }
      if (op.security.length) expect(Object.keys(op.responses)).toContain('401');
    }
  });
});

describe('parameters and bodies come from what the routes read', () => {
  const op = (id: string, path: string, method: string) => docs.get(id)!.paths[path][method];

  it('coparent: the login body, the month query, the item body typed from the GraphQL input', () => {
    const login = op('coparent', '/api/auth/login', 'post');
    expect(Object.keys(login.requestBody!.content['application/json'].schema.properties!).sort()).toEqual(['password', 'username']);
    expect(op('coparent', '/api/items', 'get').parameters).toContainEqual(expect.objectContaining({ name: 'month', in: 'query' }));
    const item = op('coparent', '/api/items', 'post').requestBody!.content['application/json'].schema.properties!;
    expect(item).toMatchObject({ date: { type: 'string' }, title: { type: 'string' } });
    const apply = op('coparent', '/api/schedule/templates/cycle/apply', 'post').requestBody!.content['application/json'].schema.properties!;
    expect(apply).toMatchObject({ cycles: { type: 'integer' }, replaceExisting: { type: 'boolean' } });
  });

  it('uploads are multipart/form-data with their file fields as binary', () => {
    const surface = surfaces.find((x) => x.id === 'cakeplanner')!;
    const uploads = surface.routes.filter((r) => r.kind !== 'plain' && r.kind !== 'sse' && r.kind !== 'download' && r.uploads);
    expect(uploads.length).toBeGreaterThan(0);
    for (const route of uploads) {
      const body = op('cakeplanner', openApiPath(route.path), route.method).requestBody!.content['multipart/form-data'].schema.properties!;
      for (const field of Object.keys((route as { uploads: Record<string, string> }).uploads)) expect(body[field]).toEqual({ type: 'string', format: 'binary' });
    }
  });

  it('downloads answer binary, SSE text/event-stream, and a route answering its root field has the selection as its schema', () => {
    const cake = surfaces.find((x) => x.id === 'cakeplanner')!;
    const sse = cake.routes.find((r) => r.kind === 'sse')!;
    expect(Object.keys(op('cakeplanner', openApiPath(sse.path), 'get').responses['200'].content!)).toEqual(['text/event-stream']);
    const download = cake.routes.find((r) => r.kind === 'download')!;
    expect(op('cakeplanner', openApiPath(download.path), 'get').responses['200'].content!['application/octet-stream'].schema).toEqual({ type: 'string', format: 'binary' });
    // compass wraps every success in {status, message, data}
    const login = op('compass', '/api/auth/login', 'post').responses['200'].content!['application/json'].schema as { properties: Record<string, unknown> };
    expect(Object.keys(login.properties).sort()).toEqual(['data', 'message', 'status']);
  });
});

describe('security follows the access declarations', () => {
  it('public routes have none; signed-in ones bearer or the session cookie; the query token only where the engine takes it', () => {
    const coparent = docs.get('coparent')!;
    expect(coparent.paths['/api/auth/login'].post.security).toEqual([]);
    expect(coparent.paths['/api/health'].get.security).toEqual([]);
    expect(coparent.paths['/api/items'].get.security).toEqual([{ bearer: [] }, { cookie: [] }]);
    expect(coparent.paths['/api/schedule/blocks'].post['x-access']).toBe('enrolled:COPARENT:ADMIN');
    expect(coparent.components.securitySchemes.cookie).toEqual(expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'session' }));
    expect(coparent.components.securitySchemes.queryToken).toBeUndefined();
    const cake = docs.get('cakeplanner')!;
    expect(cake.components.securitySchemes.queryToken).toEqual(expect.objectContaining({ in: 'query', name: 'token' }));
    const surface = surfaces.find((x) => x.id === 'cakeplanner')!;
    for (const route of surface.routes) {
      const op = cake.paths[openApiPath(route.path)][route.method];
      const takesToken = route.method === 'get' && (route.kind === 'sse' || route.kind === 'download');
      if (op.security.length) expect(op.security.some((s) => 'queryToken' in s)).toBe(takesToken);
    }
    expect(docs.get('compass')!.paths['/api/users/{id}'].put['x-access']).toBe('role:ADMIN');
    expect(docs.get('compass')!.paths['/api/auth/register'].post.security).toEqual([]);
  });
});

describe('a call built from the document reaches the route', () => {
  it('server URL + path: every surface answers its health or login route (not a 404)', async () => {
    const user = await createUser(s);
    for (const id of ['coparent', 'compass']) {
      const doc = docs.get(id)!;
      const url = new URL(`${doc.servers[0].url}/api/health`, s.url);
      expect(Object.keys(doc.paths)).toContain('/api/health');
      expect([id, (await fetch(url)).status]).toEqual([id, 200]);
    }
    // login through the documented body of compass
    const compass = docs.get('compass')!;
    const login = await fetch(new URL(`${compass.servers[0].url}/api/auth/login`, s.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: user.username, password: user.password }),
    });
    expect(login.status).toBe(200);
    // a path parameter filled into its template: the route answers (401 without a session), an unknown path would be 404
    const cake = docs.get('cakeplanner')!;
    expect(Object.keys(cake.paths)).toContain('/api/events/{id}/ics');
    const ics = await fetch(new URL(`${cake.servers[0].url}${'/api/events/{id}/ics'.replace('{id}', '00000000-0000-4000-8000-000000000000')}`, s.url));
    expect(ics.status).toBe(401);
  });
});

describe('redocly lint (recommended rules)', () => {
  it('finds no error in any surface document', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ix-openapi-'));
    const files = [...docs].map(([id, doc]) => {
      const file = join(dir, `${id}.openapi.json`);
      writeFileSync(file, JSON.stringify(doc));
      return file;
    });
    let output: string;
    let status = 0;
    try {
      output = execFileSync(join(__dirname, '..', 'node_modules', '.bin', 'redocly'), ['lint', '--extends', 'recommended', '--format', 'summary', ...files], {
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      status = (err as { status: number }).status;
      output = `${(err as { stdout: string }).stdout}${(err as { stderr: string }).stderr}`;
    }
    expect([status, output.match(/^error .*$/gm)]).toEqual([0, null]);
  }, 120_000);
});
