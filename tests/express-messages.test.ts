/**
 * Requests and responses made with Express's prototypes (src/server/express-messages.ts): Express's
 * own per-request prototype change becomes a no-op, so the objects of successive requests share V8's
 * hidden classes (what every inline cache on `req` and `res` depends on), and Express behaves as before.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import express, { Request, Response } from 'express';
import { expressMessages } from '../src/server/express-messages';

// V8's own test for "same hidden class", compiled after the flag is set
setFlagsFromString('--allow-natives-syntax');
const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)') as (a: object, b: object) => boolean;
/** false for an object V8 keeps as a dictionary (every property access a lookup) */
const fastProperties = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;

async function serve(messages: boolean): Promise<{
  seen: Array<{ req: Request; res: Response; bornExpress: boolean }>;
  get: (path: string) => Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>;
  close: () => Promise<void>;
}> {
  const app = express();
  app.disable('x-powered-by');
  const seen: Array<{ req: Request; res: Response; bornExpress: boolean }> = [];
  let bornExpress = false;
  app.get('/things/:id', (req, res) => {
    seen.push({ req, res, bornExpress });
    res.cookie('seen', req.params.id, { httpOnly: true });
    res.json({ id: req.params.id, q: req.query.q ?? null, path: req.path });
  });
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    bornExpress = Object.getPrototypeOf(req) === app.request && Object.getPrototypeOf(res) === app.response;
    app(req, res);
  };
  const server = messages ? http.createServer(expressMessages(app), listener) : http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const agent = new http.Agent({ keepAlive: true });
  const get = (path: string) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path, agent }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        })
        .on('error', reject);
    });
  return {
    seen,
    get,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('requests and responses born with Express prototypes', () => {
  it('answers exactly as Express on Node’s own classes does', async () => {
    const plain = await serve(false);
    const born = await serve(true);
    try {
      for (const path of ['/things/7?q=a%20b', '/things/x', '/nothing']) {
        const [a, b] = [await plain.get(path), await born.get(path)];
        expect(b.status).toBe(a.status);
        expect(b.body).toBe(a.body);
        const drop = ({ date: _date, ...rest }: http.IncomingHttpHeaders) => rest;
        expect(drop(b.headers)).toEqual(drop(a.headers));
      }
      expect(JSON.parse((await born.get('/things/7?q=z')).body)).toEqual({ id: '7', q: 'z', path: '/things/7' });
    } finally {
      await plain.close();
      await born.close();
    }
  });

  it('shares hidden classes between requests, where Express’s prototype change made one per request', async () => {
    const plain = await serve(false);
    const born = await serve(true);
    try {
      for (let i = 0; i < 3; i++) {
        await plain.get(`/things/${i}`);
        await born.get(`/things/${i}`);
      }
      for (let i = 3; i < 30; i++) await born.get(`/things/${i}`); // past V8's slack tracking
      const [, p1, p2] = plain.seen;
      const [, b1, b2] = born.seen;
      expect(p1.bornExpress).toBe(false);
      expect(sameMap(p1.req, p2.req) || sameMap(p1.res, p2.res)).toBe(false); // what the module is for
      expect(b1.bornExpress && b2.bornExpress).toBe(true);
      expect(sameMap(b1.req, b2.req)).toBe(true);
      expect(sameMap(b1.res, b2.res)).toBe(true);
      // and not as dictionaries: objects of a wrapper function sized for none of Node's fields were
      expect(fastProperties(b2.req)).toBe(true);
      expect(fastProperties(b2.res)).toBe(true);
      expect(b2.req).toBeInstanceOf(http.IncomingMessage);
      expect(b2.res).toBeInstanceOf(http.ServerResponse);
    } finally {
      await plain.close();
      await born.close();
    }
  });
});
