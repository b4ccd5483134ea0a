/**
 * Narrows a surface's route table to the routes a request's path can match before Express walks it.
 *
 * Express's router tries its layers one by one, a regular expression each: conduct's table has 205
 * paths (routes and their aliases), and a request for its member page ran 80 of them before its own
 * (about 7 % of that request's CPU in a profile, bench/README.md). A route's path here is literal
 * segments and `:params` only (checked at start), and each param matches exactly one non-empty segment
 * (path-to-regexp), so a request can match only routes with as many segments as its path (a trailing
 * slash aside: Express is not strict) whose literal segments equal the request's, in any case. The index
 * keys a request by its segment count and its first two segments (a segment no route has at that
 * position stands as `*`, so the keys stay bounded whatever the paths sent) and keeps, per key, an
 * Express Router of just those routes in their table order. The request goes through that Router:
 * matching, params, HEAD answered by a GET route, `req.route` are Express's own, on fewer layers.
 *
 * Left to the surface's full router: OPTIONS (Express builds its automatic answer from every route of
 * the router it walks), an absolute-form request target, and whatever the narrowed router does not
 * answer (it calls `next`: the full router goes on to its docs, 404 and error handlers as before).
 */
import express, { NextFunction, Request, RequestHandler, Response, Router } from 'express';

export interface IndexedRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  handler: RequestHandler;
}

/** A path's segments, a param as null; undefined when the path is not literals and `:params` only. */
function shapeOf(path: string): (string | null)[] | undefined {
  if (!path.startsWith('/')) return undefined;
  const segments = path.slice(1).split('/');
  if (segments.length && segments[segments.length - 1] === '') segments.pop();
  const shape: (string | null)[] = [];
  for (const s of segments) {
    if (/^:[A-Za-z_][A-Za-z0-9_]*$/.test(s)) shape.push(null);
    else if (/^[A-Za-z0-9_.~-]+$/.test(s)) shape.push(s.toLowerCase());
    else return undefined;
  }
  return shape;
}

const INDEXED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
/** keys are made of known literals, `*` and counts; this only guards against a table of absurd size */
const MAX_ROUTERS = 4096;

/**
 * A middleware that sends a request through the narrowed router of its key, or on to `next` (the full
 * router) when it cannot be indexed. Throws at start when a path is not literals and `:params`.
 */
export function routeIndex(routes: IndexedRoute[]): RequestHandler {
  const shaped = routes.map((r) => {
    const shape = shapeOf(r.path);
    if (!shape) throw new Error(`route ${r.method.toUpperCase()} ${r.path}: only literal segments and :params can be indexed`);
    return { ...r, shape };
  });
  const known = [0, 1].map((i) => new Set(shaped.map((r) => r.shape[i]).filter((s): s is string => typeof s === 'string')));
  const routers = new Map<string, Router>();

  function routerFor(count: number, first: string, second: string): Router {
    const key = `${count}/${first}/${second}`;
    let router = routers.get(key);
    if (router) return router;
    router = express.Router();
    const fits = (s: string | null | undefined, want: string) => s === null || s === want;
    for (const r of shaped) {
      if (r.shape.length !== count) continue;
      if (count > 0 && !fits(r.shape[0], first)) continue;
      if (count > 1 && !fits(r.shape[1], second)) continue;
      router[r.method](r.path, r.handler);
    }
    if (routers.size < MAX_ROUTERS) routers.set(key, router);
    return router;
  }

  return (req: Request, res: Response, next: NextFunction) => {
    const url = req.url;
    if (!INDEXED_METHODS.has(req.method) || url.charCodeAt(0) !== 47 /* / */) return next();
    const q = url.indexOf('?');
    let path = q < 0 ? url : url.slice(0, q);
    // one trailing slash is optional to Express (not strict): `/a/` is `/a`, `//` is `/`
    if (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
    const segments = path === '/' ? [] : path.slice(1).split('/');
    const count = segments.length;
    const at = (i: number) => {
      if (i >= count) return '';
      const s = segments[i].toLowerCase();
      return known[i].has(s) ? s : '*';
    };
    routerFor(count, at(0), at(1))(req, res, next);
  };
}
