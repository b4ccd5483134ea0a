/**
 * The route index (src/rest/engine/route-index.ts) narrows a surface's table before Express walks it:
 * every request must be answered exactly as the full table answers it. Two Express apps over one
 * table of real shapes (literals, params, a literal beside a param at the same place, the root path)
 * — one plain, one with the index in front — get the same requests, and their answers (status, the
 * matched route, params, the Allow of an automatic OPTIONS answer, errors) must be equal.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { NextFunction, Request, Response } from 'express';
import { IndexedRoute, routeIndex } from '../src/rest/engine/route-index';

const answer = (req: Request, res: Response) => {
  res.json({ route: req.route?.path, method: req.method, params: req.params });
};

const TABLE: Omit<IndexedRoute, 'handler'>[] = [
  { method: 'get', path: '/' },
  { method: 'get', path: '/api/events' },
  { method: 'post', path: '/api/events' },
  { method: 'get', path: '/api/events/slug/:slug' },
  { method: 'get', path: '/api/events/slug/:slug/users' },
  { method: 'get', path: '/events/slug/:slug/users' },
  { method: 'patch', path: '/api/events/slug/:slug/users/:userId' },
  { method: 'get', path: '/api/events/new' },
  { method: 'get', path: '/api/events/:eventId' },
  { method: 'delete', path: '/api/events/:eventId' },
  { method: 'get', path: '/api/:thing/count' },
  { method: 'put', path: '/api/users/me/avatar' },
  { method: 'get', path: '/api/users/:id/avatar' },
  { method: 'get', path: '/:anything/status' },
];

function tableRouter(withIndex: boolean): express.Router {
  const router = express.Router();
  const routes: IndexedRoute[] = TABLE.map((r) => ({ ...r, handler: answer }));
  if (withIndex) {
    const narrowed = routeIndex(routes);
    router.use((req: Request, res: Response, next: NextFunction) => narrowed(req, res, next));
  }
  for (const r of routes) router[r.method](r.path, r.handler);
  router.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'Not found' });
  });
  router.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status((err as { status?: number }).status ?? 500).json({ error: 'Malformed request' });
  });
  return router;
}

async function listen(withIndex: boolean): Promise<{ url: string; close: () => Promise<void> }> {
  const app = express();
  app.use('/conduct', tableRouter(withIndex));
  app.use('/', tableRouter(withIndex));
  const server = http.createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function send(base: string, method: string, path: string): Promise<{ status: number; allow?: string; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: url.hostname, port: url.port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const REQUESTS: [string, string][] = [
  ['GET', '/'],
  ['GET', '//'],
  ['GET', '/api/events'],
  ['GET', '/api/events/'],
  ['GET', '/API/Events'],
  ['POST', '/api/events?x=1'],
  ['PUT', '/api/events'],
  ['GET', '/api/events/new'],
  ['GET', '/api/events/NEW'],
  ['GET', '/api/events/42'],
  ['DELETE', '/api/events/42'],
  ['DELETE', '/api/events/new'],
  ['HEAD', '/api/events/42'],
  ['GET', '/api/events/slug/my-conf'],
  ['GET', '/api/events/slug/my-conf/users?search=a%20b&page=2'],
  ['GET', '/api/events/slug/my%20conf/users/'],
  ['GET', '/events/slug/my-conf/users'],
  ['PATCH', '/api/events/slug/my-conf/users/u1'],
  ['GET', '/api/events/slug/my-conf/users/u1'],
  ['GET', '/api/events/slug/%E0%A4%A/users'],
  ['GET', '/api/events/count'],
  ['GET', '/api/whatever/count'],
  ['PUT', '/api/users/me/avatar'],
  ['GET', '/api/users/me/avatar'],
  ['GET', '/api/users/7/avatar'],
  ['GET', '/api/status'],
  ['GET', '/events/status'],
  ['GET', '/nowhere/at/all/x/y/z'],
  ['GET', '/api//events'],
  ['OPTIONS', '/api/events/42'],
  ['OPTIONS', '/api/events'],
];

describe('REST route index', () => {
  let plain: Awaited<ReturnType<typeof listen>>;
  let indexed: Awaited<ReturnType<typeof listen>>;

  beforeAll(async () => {
    plain = await listen(false);
    indexed = await listen(true);
  });

  afterAll(async () => {
    await plain.close();
    await indexed.close();
  });

  it.each(REQUESTS.flatMap(([method, path]) => [[method, path] as const, [method, `/conduct${path}`] as const]))(
    '%s %s is answered as the full table answers it',
    async (method, path) => {
      const [a, b] = await Promise.all([send(plain.url, method, path), send(indexed.url, method, path)]);
      expect(b).toEqual(a);
    },
  );

  it('answers what the table says (the comparison above is not between two wrong answers)', async () => {
    const users = await send(indexed.url, 'GET', '/conduct/api/events/slug/my-conf/users?page=2');
    expect(users.status).toBe(200);
    expect(JSON.parse(users.body)).toEqual({ route: '/api/events/slug/:slug/users', method: 'GET', params: { slug: 'my-conf' } });
    // the first route of the table that matches wins, as in Express: the literal before the param
    expect(JSON.parse((await send(indexed.url, 'GET', '/api/events/new')).body).route).toBe('/api/events/new');
    expect(JSON.parse((await send(indexed.url, 'DELETE', '/api/events/new')).body)).toEqual({ route: '/api/events/:eventId', method: 'DELETE', params: { eventId: 'new' } });
    expect((await send(indexed.url, 'HEAD', '/api/events/42')).status).toBe(200);
    expect((await send(indexed.url, 'GET', '/api/events/slug/%E0%A4%A/users')).status).toBe(400);
    expect((await send(indexed.url, 'GET', '/nowhere')).status).toBe(404);
  });

  it('refuses at start a path it cannot index', () => {
    expect(() => routeIndex([{ method: 'get', path: '/files/*rest', handler: answer }])).toThrow(/only literal segments and :params/);
  });
});
