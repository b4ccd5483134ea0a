/**
 * What every baseline server shares (each runs as plain node on its own compiled JavaScript in
 * dist-bench/, one process per baseline, started by bench/lib.ts): its settings from the environment,
 * the authentication our server does on every request — the token (Bearer header or `session` cookie)
 * verified by jsonwebtoken with the same secret, algorithm, issuer and audience, then the session
 * joined to its user by a named prepared statement with the same conditions (src/auth/auth-store.ts)
 * — and a bare node:http server for the handlers.
 *
 * Caching is the server's: with BENCH_CACHE_SECONDS > 0 a token that verified and whose session was
 * live is served from memory for that many seconds (never past the token's expiry), as our server
 * does with its session cache on; with 0 every request verifies and asks the database.
 */
import { createSecretKey, KeyObject } from 'node:crypto';
import http, { IncomingHttpHeaders } from 'node:http';
import jwt from 'jsonwebtoken';
import { Pool, QueryConfig } from 'pg';

export interface BaselineEnv {
  port: number;
  databaseUrl: string;
  jwtSecret: string;
  jwtIssuer: string;
  jwtAudience: string;
  cacheSeconds: number;
}

export function baselineEnv(env: NodeJS.ProcessEnv = process.env): BaselineEnv {
  const need = (name: string) => {
    const v = env[name];
    if (!v) throw new Error(`${name} is required`);
    return v;
  };
  return {
    port: Number(need('PORT')),
    databaseUrl: env.DATABASE_URL ?? '',
    jwtSecret: need('JWT_SECRET'),
    jwtIssuer: env.JWT_ISSUER || 'interchange',
    jwtAudience: env.JWT_AUDIENCE || 'interchange',
    cacheSeconds: Number(env.BENCH_CACHE_SECONDS ?? '0'),
  };
}

/** A pool as the server's ORM pool (10); PGAPPNAME (set by the bench) names its backends for the CPU probe. */
export function openPool(env: BaselineEnv, max = 10): Pool {
  const pool = new Pool({ connectionString: env.databaseUrl, max, idleTimeoutMillis: 0 });
  pool.on('error', () => undefined);
  return pool;
}

/**
 * The session check of src/auth/auth-store.ts (a live session: not revoked, not expired, the user
 * active and not deleted), reading only the columns the baselines use — ours reads the whole user row
 * to build the viewer's profile; a lean baseline need not — and, as ours does since enrollment, the
 * user's application memberships in the same statement (the access rules of every route need them).
 */
const VIEWER: Pick<QueryConfig, 'name' | 'text'> = {
  name: 'bench_viewer',
  text:
    'select u.id, u.username, u.role, u.number, ' +
    "(select coalesce(json_agg(json_build_array(m.application, m.status, m.role, m.household_id)), '[]'::json) from app_memberships m where m.user_id = u.id) as memberships " +
    'from sessions s join users u on u.id = s.user_id ' +
    'where s.id = $1 and s.revoked_at is null and s.expires_at > now() and u.is_active and u.deleted_at is null',
};

/** [application, status, role, household_id] of one app_memberships row */
export type MembershipTuple = [string, string, string, string | null];

export interface ViewerRow {
  id: string;
  username: string | null;
  role: string;
  number: number;
  memberships: MembershipTuple[];
}

/**
 * src/auth/access.ts `enforceEnrollment`: null when the viewer may use the application (a global ADMIN;
 * an ACTIVE membership; no membership where the application self-enrolls), else which refusal applies.
 */
export function enrollmentProblem(viewer: ViewerRow, application: string, selfEnroll: boolean): 'notEnrolled' | 'pending' | 'disabled' | null {
  if (viewer.role === 'ADMIN') return null;
  const m = viewer.memberships.find((x) => x[0] === application);
  if (!m) return selfEnroll ? null : 'notEnrolled';
  return m[1] === 'PENDING' ? 'pending' : m[1] === 'DISABLED' ? 'disabled' : null;
}

/** The viewer's ACTIVE coparent household (src/modules/coparent/household.service.ts `householdOf`), or null. */
export function householdOf(viewer: ViewerRow): string | null {
  const m = viewer.memberships.find((x) => x[0] === 'COPARENT');
  return m && m[1] === 'ACTIVE' ? m[3] : null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function tokenOf(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) return auth.slice(7).trim() || undefined;
  const cookie = headers.cookie;
  if (typeof cookie === 'string') {
    for (const part of cookie.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === 'session') return decodeURIComponent(part.slice(eq + 1).trim());
    }
  }
  return undefined;
}

/** Token → viewer, as the server authenticates; `undefined` when the token or its session is not valid. */
export class Authenticator {
  /** the JWT secret as a key object: verifies here, signs the bare login's tokens (pg-routes.ts) */
  readonly key: KeyObject;
  private readonly cache = new Map<string, { row: ViewerRow; until: number }>();

  constructor(
    private readonly env: BaselineEnv,
    private readonly pool: Pool,
  ) {
    this.key = createSecretKey(Buffer.from(env.jwtSecret, 'utf8'));
  }

  async viewer(headers: IncomingHttpHeaders): Promise<ViewerRow | undefined> {
    const token = tokenOf(headers);
    if (!token) return undefined;
    if (this.env.cacheSeconds > 0) {
      const hit = this.cache.get(token);
      if (hit && hit.until > Date.now()) return hit.row;
    }
    let claims: jwt.JwtPayload;
    try {
      const decoded = jwt.verify(token, this.key, { algorithms: ['HS256'], issuer: this.env.jwtIssuer, audience: this.env.jwtAudience });
      if (typeof decoded !== 'object' || decoded === null) return undefined;
      claims = decoded;
    } catch {
      return undefined;
    }
    const { sub, sid, exp } = claims;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number' || !UUID.test(sub) || !UUID.test(sid)) return undefined;
    const { rows } = await this.pool.query<ViewerRow>({ ...VIEWER, values: [sid] });
    const row = rows[0];
    if (!row || row.id !== sub) return undefined;
    if (this.env.cacheSeconds > 0) {
      if (this.cache.size >= 20_000) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(token, { row, until: Math.min(Date.now() + this.env.cacheSeconds * 1000, exp * 1000) });
    }
    return row;
  }
}

export interface BareRequest {
  method: string;
  /** path without the query string */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** a POST's body as text ('' otherwise) */
  body: string;
  /** a POST's client address ('' otherwise) */
  ip: string;
}

export interface BareResponse {
  status?: number;
  /** JSON-encoded unless a string */
  body?: unknown;
  headers?: Record<string, string>;
}

/**
 * A node:http server on 127.0.0.1:PORT answering `handle` (JSON), and GET /healthz for the bench's
 * readiness poll. A POST's body is read as UTF-8 text (the login's JSON); other bodies are skipped.
 */
export function serveBare(port: number, handle: (req: BareRequest) => Promise<BareResponse>): http.Server {
  const server = http.createServer((req, res) => {
    // only a POST's body and address are read (the login's): the GET routes cost what they did before it existed
    let body = '';
    let ip = '';
    if (req.method === 'POST') {
      ip = req.socket.remoteAddress ?? '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
    } else req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (url.pathname === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        return;
      }
      handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body, ip }).then(
        (out) => {
          const isText = typeof out.body === 'string';
          const payload = out.body === undefined ? '' : isText ? (out.body as string) : JSON.stringify(out.body);
          const type = out.body === undefined ? {} : { 'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8' };
          res.writeHead(out.status ?? 200, out.headers ? { ...type, ...out.headers } : type);
          res.end(payload);
        },
        (err: unknown) => {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
        },
      );
    });
  });
  server.listen(port, '127.0.0.1');
  return server;
}

/** Exits cleanly on SIGTERM (the bench's stop) after `close`. */
export function onStop(close: () => Promise<unknown>): void {
  process.once('SIGTERM', () => {
    void close().finally(() => process.exit(0));
  });
}
