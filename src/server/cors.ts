/**
 * CORS with credentials for the browser frontends served from other origins (ALLOWED_ORIGINS), on
 * every path: /graphql, every surface (and COMPAT_ROOT's root mount), health, the 404s and the 503s of
 * a draining server. It runs first, so a preflight is answered (204) before the cross-site cookie-write
 * check, authentication, Apollo's CSRF prevention or any body parsing.
 *
 * - A listed origin (origin.ts `listedOrigin`) gets `Access-Control-Allow-Origin: <that origin>` and
 *   `Access-Control-Allow-Credentials: true`, so `fetch(…, { credentials: 'include' })` works; under
 *   `*` the request's origin is reflected the same way (a literal `*` is refused by browsers together
 *   with credentials).
 * - Any other origin gets no CORS header at all (its preflight is answered 204 without them, so the
 *   browser stops there).
 * - With ALLOWED_ORIGINS set, every response carries `Vary: Origin`: a cached answer made for one
 *   origin (or for none: an `<img>`) is never served to another.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import cors from 'cors';
import type { AppConfig } from '../config';
import { listedOrigin } from './origin';
import { REPLAYED_HEADER } from './idempotency';

export const CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];

/**
 * Request headers a frontend may send besides the CORS-safelisted ones: JSON bodies, Bearer tokens, safe
 * retries, SSE resume, request ids, and what Apollo clients send (Apollo's CSRF prevention accepts
 * `apollo-require-preflight` / `x-apollo-operation-name`; client awareness sends `apollographql-client-*`).
 */
export const CORS_ALLOWED_HEADERS = [
  'Content-Type',
  'Authorization',
  'Idempotency-Key',
  'Last-Event-ID',
  'X-Request-Id',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'apollographql-client-name',
  'apollographql-client-version',
];

/**
 * Response headers a frontend's script may read besides the CORS-safelisted ones. Every answer carries
 * X-Request-Id (src/observe/requests.ts).
 */
export const CORS_EXPOSED_HEADERS = ['X-Request-Id', 'Retry-After', REPLAYED_HEADER, 'Location', 'Content-Disposition'];

/** How long a browser may reuse a preflight's answer (seconds). */
export const CORS_MAX_AGE = 600;

type Next = (err?: unknown) => void;

function varyOrigin(res: ServerResponse): void {
  const current = res.getHeader('Vary');
  const text = Array.isArray(current) ? current.join(', ') : current === undefined ? '' : String(current);
  if (text.split(',').some((v) => ['origin', '*'].includes(v.trim().toLowerCase()))) return;
  res.setHeader('Vary', text ? `${text}, Origin` : 'Origin');
}

/** The CORS middleware of a server (plain node req/res: drain.ts's refusals use it too). */
export function corsHandler(config: Pick<AppConfig, 'allowedOrigins'>): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const configured = config.allowedOrigins.length > 0;
  const allowed = cors({
    // called only for listed origins (below): echo the request's origin
    origin: (origin, callback) => callback(null, origin),
    credentials: true,
    methods: CORS_METHODS,
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: CORS_MAX_AGE,
    optionsSuccessStatus: 204,
  });
  return (req, res, next) => {
    const origin = req.headers.origin;
    if (origin !== undefined && listedOrigin(origin, config) && origin !== 'null') return allowed(req, res, next);
    if (configured) varyOrigin(res);
    if (origin !== undefined && req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined) {
      // a preflight from an origin that is not listed: answered here, without CORS headers
      res.statusCode = 204;
      res.setHeader('Content-Length', '0');
      res.end();
      return;
    }
    next();
  };
}
