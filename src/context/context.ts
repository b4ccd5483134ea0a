/**
 * The one context factory for HTTP (/graphql), ws and the REST engine: a forked EntityManager per
 * request or ws operation, the viewer resolved from the token (Bearer header, `session` cookie or the
 * ws connection_init payload), and per-request loaders. Nothing request-scoped lives anywhere else.
 */
import type { Request, Response, CookieOptions } from 'express';
import DataLoader from 'dataloader';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { parse as parseCookies } from 'cookie';
import type { AppConfig } from '../config';
import type { AppPubSub } from '../pubsub/pubsub';
import type { FileStorage } from '../storage/storage';
import type { Mailer } from '../modules/identity/mail.service';
import type { LoginRateLimiter } from '../auth/rate-limit';
import { verifyToken } from '../auth/tokens';
import { User } from '../modules/identity/user.entity';

/** Process-wide singletons, built once in createApp. */
export interface App {
  config: AppConfig;
  orm: MikroORM;
  pubsub: AppPubSub;
  storage: FileStorage;
  mailer: Mailer;
  loginLimiter: LoginRateLimiter;
}

export interface Viewer {
  user: User;
  sessionId: string;
}

export type Transport = 'http' | 'ws' | 'rest';

export interface AppContext {
  app: App;
  em: EntityManager;
  viewer?: Viewer;
  transport: Transport;
  ip: string;
  userAgent?: string;
  secure: boolean;
  setCookie(name: string, value: string, options: CookieOptions): void;
  clearCookie(name: string, options: CookieOptions): void;
  /**
   * Per-request DataLoader cache: `ctx.loader('cake.eventById', batchFn)` returns the same loader for
   * the whole request, so nested fields of a list cost one query per relation, whatever its length.
   */
  loader<K, V>(name: string, batch: (keys: readonly K[]) => Promise<(V | Error)[]>): DataLoader<K, V>;
  /** Runs after the current unit of work committed (publishing, SMTP). Flushed by `commit`. */
  afterCommit(fn: () => unknown): void;
  /** Runs and clears the after-commit queue; services call it after their transaction. */
  runAfterCommit(): Promise<void>;
}

export const SESSION_COOKIE = 'session';

export function tokenFromRequest(req: Pick<Request, 'headers'>): string | undefined {
  const auth = req.headers.authorization;
  if (typeof auth === 'string' && auth.startsWith('Bearer ')) {
    const t = auth.slice(7).trim();
    if (t) return t;
  }
  const header = req.headers.cookie;
  if (typeof header === 'string' && header.includes(`${SESSION_COOKIE}=`)) {
    const v = parseCookies(header)[SESSION_COOKIE];
    if (v) return v;
  }
  return undefined;
}

/**
 * The user of a live session (not revoked, not expired, user active and not deleted), in one statement.
 * Every authenticated request and ws connection runs it, so it skips MikroORM's query builder:
 * `em.findOne(Session, …, { populate: ['user'] })` cost about 0.35 ms more CPU per request
 * (bench/README.md, "Findings"). `em.map` still makes the row a managed User of this fork.
 */
const VIEWER_SQL =
  'select u.* from sessions s join users u on u.id = s.user_id ' +
  'where s.id = ? and s.revoked_at is null and s.expires_at > ? and u.is_active and u.deleted_at is null';

/** The viewer of a token, or undefined when the token is invalid, expired, revoked or its user inactive. */
export async function resolveViewer(app: App, em: EntityManager, token: string | undefined): Promise<Viewer | undefined> {
  if (!token) return undefined;
  const claims = verifyToken(app.config, token);
  if (!claims) return undefined;
  const rows = await em.getConnection().execute<Record<string, unknown>[]>(VIEWER_SQL, [claims.sid, new Date()]);
  const row = rows[0];
  if (!row || row.id !== claims.sub) return undefined;
  return { user: em.map(User, row), sessionId: claims.sid };
}

function baseContext(app: App, em: EntityManager, transport: Transport): Omit<AppContext, 'ip' | 'userAgent' | 'secure' | 'setCookie' | 'clearCookie'> {
  let queue: (() => unknown)[] = [];
  const loaders = new Map<string, DataLoader<unknown, unknown>>();
  return {
    app,
    em,
    transport,
    loader: <K, V>(name: string, batch: (keys: readonly K[]) => Promise<(V | Error)[]>) => {
      let l = loaders.get(name);
      if (!l) loaders.set(name, (l = new DataLoader<unknown, unknown>(batch as never)));
      return l as unknown as DataLoader<K, V>;
    },
    afterCommit: (fn) => void queue.push(fn),
    runAfterCommit: async () => {
      const fns = queue;
      queue = [];
      for (const fn of fns) await fn();
    },
  };
}

export async function createHttpContext(app: App, req: Request, res: Response | undefined, transport: Transport): Promise<AppContext> {
  const em = app.orm.em.fork() as EntityManager;
  const ctx: AppContext = {
    ...baseContext(app, em, transport),
    ip: req.ip ?? req.socket.remoteAddress ?? 'unknown',
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : undefined,
    secure: req.secure,
    setCookie: (name, value, options) => void res?.cookie(name, value, options),
    clearCookie: (name, options) => void res?.clearCookie(name, options),
  };
  ctx.viewer = await resolveViewer(app, em, tokenFromRequest(req));
  return ctx;
}

export async function createWsContext(
  app: App,
  token: string | undefined,
  meta: { ip: string; userAgent?: string; secure: boolean },
): Promise<AppContext> {
  const em = app.orm.em.fork() as EntityManager;
  const ctx: AppContext = {
    ...baseContext(app, em, 'ws'),
    ...meta,
    setCookie: () => undefined,
    clearCookie: () => undefined,
  };
  ctx.viewer = await resolveViewer(app, em, token);
  return ctx;
}
