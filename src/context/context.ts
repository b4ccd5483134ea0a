/**
 * The one context factory for HTTP (/graphql), ws and the REST engine: a forked EntityManager per
 * request or ws operation, the viewer resolved from the token (Bearer header, `session` cookie or the
 * ws connection_init payload), and per-request loaders. Nothing request-scoped lives anywhere else.
 */
import type { Request, Response, CookieOptions } from 'express';
import DataLoader from 'dataloader';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { wrap } from '@mikro-orm/core';
import { parse as parseCookies } from 'cookie';
import type { AppConfig } from '../config';
import type { AppPubSub } from '../pubsub/adapters';
import { publishReliably } from '../pubsub/pubsub';
import type { TopicName, Topics } from '../pubsub/topics';
import type { FileStorage } from '../storage/storage';
import type { Mailer } from '../modules/identity/mail.service';
import type { AuthStore, UserRow, ViewerMembership } from '../auth/auth-store';
import { MEMBERSHIPS } from '../auth/auth-store';
import type { Application } from '../modules/identity/enrollment';
import type { PreparedSql } from '../db/prepared-sql';
import type { SessionWatch } from '../auth/session-watch';
import type { SupervisedListener } from '../pubsub/listener';
import type { ReadinessProbe } from '../server/readiness';
import { TokenClaims, verifyToken } from '../auth/tokens';
import { authWrites } from '../auth/auth-writes';
import { Role, User } from '../modules/identity/user.entity';
import { userFromRow } from '../modules/identity/user-row';
import { errorMessage, Logger } from '../observe/log';
import type { Metrics } from '../observe/metrics';
import { recordOf, RequestRecord } from '../observe/requests';

/** Process-wide singletons, built once in createApp. */
export interface App {
  config: AppConfig;
  orm: MikroORM;
  pubsub: AppPubSub;
  /** named prepared statements of the hot paths (src/db/prepared-sql.ts), one small pool */
  sql: PreparedSql;
  storage: FileStorage;
  mailer: Mailer;
  /** session check and login statements (prepared, on `sql`), and the session cache */
  auth: AuthStore;
  /** the one supervised listening connection (postgres pubsub, session cache); absent when neither needs one */
  listener?: SupervisedListener;
  /** open streams (ws sockets, SSE responses) end here when their session is revoked */
  sessionWatch: SessionWatch;
  /** the database check of /readyz and the health routes, on its own connection with a 2 s limit */
  readiness: ReadinessProbe;
  /** the instance's structured log (src/observe/log.ts); requests log through `ctx.log` */
  log: Logger;
  /** the instance's metrics when METRICS_ENABLED (src/observe/metrics.ts) */
  metrics?: Metrics;
}

export interface Viewer {
  /** the user's id */
  readonly id: string;
  readonly sessionId: string;
  readonly role: Role;
  /** the user's serial number (compass's integer `user_id`; never changes) */
  readonly number: number;
  /**
   * The user as read with the session check, not managed by `em` (or the managed one, once a service
   * took it): for reading, as `me` does.
   */
  readonly profile: User;
  /** The user as a managed entity of the request's `em`, mapped on first use: for changing or relating to it. */
  readonly user: User;
  /** The user's enrollment in an application (read with the session check), or undefined. */
  membership(application: Application): ViewerMembership | undefined;
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
  /** the request's logger: every line carries its request id (a ws operation's: its connection's) */
  log: Logger;
  /** what the request's log line will say (src/observe/requests.ts): services may add to it (the user who logged in) */
  observed?: RequestRecord;
  setCookie(name: string, value: string, options: CookieOptions): void;
  clearCookie(name: string, options: CookieOptions): void;
  /**
   * Per-request DataLoader cache: `ctx.loader('cake.eventById', batchFn)` returns the same loader for
   * the whole request, so nested fields of a list cost one query per relation, whatever its length.
   */
  loader<K, V>(name: string, batch: (keys: readonly K[]) => Promise<(V | Error)[]>): DataLoader<K, V>;
  /**
   * Queues a typed event, published once the current unit of work committed (src/db/unit-of-work.ts);
   * dropped when it rolls back. A failed publish is logged and retried, never thrown to the writer.
   */
  publish<K extends TopicName>(topic: K, payload: Topics[K]): void;
  /** Runs after the current unit of work committed (SMTP and other side effects); dropped on rollback. */
  afterCommit(fn: () => unknown): void;
  /** Runs and clears the after-commit queue (the unit of work calls it); a failing step is logged, never thrown. */
  runAfterCommit(): Promise<void>;
  /** The queue's length now: a unit of work that rolls back drops what was queued after this mark. */
  pendingAfterCommit(): number;
  dropAfterCommit(mark: number): void;
  /**
   * Transports call it before they answer: when this request changed users or sessions, waits until
   * this instance's session cache has dropped what the change made stale (auth-store.ts), so the
   * client's next request sees the change. Costs nothing otherwise.
   */
  settle(): Promise<void>;
  /**
   * Reads the viewer again from the context's token (through the session cache): a subscription checks
   * every event against the subscriber's current session and role, not the ones it had at subscribe time.
   * Given the event (its payload object), a second call for the same event answers from the first read
   * (a subscription's filter and the pipeline's access re-check then read once per event, not twice).
   */
  refreshViewer(event?: object): Promise<void>;
}

export const SESSION_COOKIE = 'session';

/**
 * The session cookie's attributes, the same wherever it is set or cleared (a clear must match them):
 * HttpOnly, path /, SameSite from the configuration (config.ts `cookieSameSite`: Lax, or None for a
 * cross-site frontend in ALLOWED_ORIGINS), Secure behind HTTPS — and always with SameSite=None.
 */
export function sessionCookieOptions(ctx: Pick<AppContext, 'app' | 'secure'>): CookieOptions {
  const sameSite = ctx.app.config.cookieSameSite;
  return { httpOnly: true, sameSite, secure: ctx.secure || sameSite === 'none', path: '/' };
}

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
 * Builds the viewer of a live session from its user row (see auth-store's session check); the
 * profile and the managed entity are made when first asked for.
 */
export function makeViewer(app: App, em: () => EntityManager, row: UserRow, sessionId: string, profile?: User): Viewer {
  return new SessionViewer(app, em, row, sessionId, profile);
}

/**
 * A viewer: a class rather than an object literal with getters and closures, so that a request's viewer
 * costs one allocation of one shape (no closures made per request, no WeakMap entry).
 */
class SessionViewer implements Viewer {
  readonly id: string;
  readonly role: Role;
  readonly number: number;
  /**
   * The row it was made of while its user objects (`profile`, `user`) were never made: such a viewer
   * holds nothing but that row (frozen, shared with the session cache), so a re-read that finds the same
   * row object may keep it instead of building an equal one (`refreshViewer`: once per subscriber and
   * event). One whose user objects exist is rebuilt, as before: a service may have changed them.
   */
  #untouched: UserRow | undefined;
  // private fields: nothing but the viewer's own facts is enumerable (a viewer logged or serialized by
  // mistake shows no app, configuration or row)
  readonly #app: App;
  readonly #em: () => EntityManager;
  readonly #row: UserRow;
  #profile: User | undefined;
  #managed: User | undefined;

  constructor(
    app: App,
    em: () => EntityManager,
    row: UserRow,
    readonly sessionId: string,
    profile: User | undefined,
  ) {
    this.id = row.id;
    this.role = row.role as Role;
    // read here rather than from `profile`: a compass route's own-row check needs only this, and the
    // profile is a whole User mapped from the row
    this.number = Number(row.number);
    this.#untouched = profile ? undefined : row;
    this.#app = app;
    this.#em = em;
    this.#row = row;
    this.#profile = profile;
  }

  /** Whether this viewer, its user objects never made, was made of this very row object. */
  madeOfUntouched(row: UserRow): boolean {
    return this.#untouched === row;
  }

  membership(application: Application): ViewerMembership | undefined {
    return this.#row[MEMBERSHIPS]?.find((m) => m.application === application);
  }

  get profile(): User {
    this.#untouched = undefined;
    return this.#managed ?? (this.#profile ??= userFromRow(this.#app.orm, this.#row));
  }

  get user(): User {
    this.#untouched = undefined;
    // The request may have loaded (and changed) the user already: that instance, not the row again.
    // A mere reference (a relation not loaded) is filled from the row instead.
    if (!this.#managed) {
      const m = this.#em();
      const known = m.getUnitOfWork().getById<User>(User.name, this.#row.id);
      this.#managed = known && wrap(known).isInitialized() ? known : m.map(User, this.#row);
    }
    return this.#managed;
  }
}

/**
 * Settled: what a re-read answered from the session cache returns (`refreshViewer`). A caller that
 * compares with it knows the viewer is already current and need not await (a fan-out's per-event checks).
 */
export const VIEWER_CURRENT: Promise<void> = Promise.resolve();
const DONE = VIEWER_CURRENT;

/**
 * The viewer of a token, or undefined when the token is invalid, expired, revoked or its user inactive.
 * One prepared statement per request (auth-store); no entity is built unless a service asks for one.
 */
export async function resolveViewer(app: App, em: () => EntityManager, token: string | undefined): Promise<Viewer | undefined> {
  if (!token) return undefined;
  const claims = verifyToken(app.config, token);
  if (!claims) return undefined;
  return viewerFromRow(app, em, claims, await app.auth.viewerRow(claims.sid, claims.exp * 1000));
}

/**
 * The viewer a live session's row makes for a token's claims: none when the row is another user's.
 * `current`, an untouched viewer of the very same row object, is kept rather than rebuilt.
 */
function viewerFromRow(app: App, em: () => EntityManager, claims: TokenClaims, row: UserRow | undefined, current?: Viewer): Viewer | undefined {
  if (!row || row.id !== claims.sub) return undefined;
  if (current instanceof SessionViewer && current.sessionId === claims.sid && current.madeOfUntouched(row)) return current;
  return makeViewer(app, em, row, claims.sid);
}

/**
 * The lazy `em` of a context: a getter on one shared prototype that forks on first use into a holder the
 * context carries. Apollo Server clones each /graphql request's context with Object.assign, which runs
 * an own getter (forking an EntityManager that `me` never uses: 2% of a cached `me`'s CPU in a profile);
 * the clone keeps this prototype and the same holder, so it shares the one fork. (A prototype per
 * request would give every context a hidden class of its own: slower property access everywhere.)
 */
class RequestContext {
  constructor(private readonly lazyEm: { app: App; em?: EntityManager; log?: Logger; requestId?: string }) {}

  get em(): EntityManager {
    return (this.lazyEm.em ??= this.lazyEm.app.orm.em.fork() as EntityManager);
  }

  /**
   * The request's logger, made on first use the same way (most requests log nothing but their request
   * line, which src/observe/requests.ts writes without one): the instance's log with the request id, or
   * the one the transport gave (a ws connection's).
   */
  get log(): Logger {
    const lazy = this.lazyEm;
    return (lazy.log ??= lazy.requestId === undefined ? lazy.app.log : lazy.app.log.child({ requestId: lazy.requestId }));
  }
}

/**
 * The context's EntityManager when it has one already — a unit of work's (an own `em` on a sub-context),
 * or the request's lazy fork once made — without forking one. A context that never forked one cannot be
 * inside a transaction, so a prepared read (`ctx.app.sql.read(existingEm(ctx), …)`) goes straight to the pool: a list
 * that reads only through prepared statements then forks no EntityManager (its fork and the garbage it
 * leaves were 2–3 % of the conduct report list's CPU in a profile; bench/README.md).
 */
export function existingEm(ctx: AppContext): EntityManager | undefined {
  for (let o: object | null = ctx; o; o = Object.getPrototypeOf(o)) {
    if (o === RequestContext.prototype) return (ctx as unknown as { lazyEm: { em?: EntityManager } }).lazyEm.em;
    if (Object.prototype.hasOwnProperty.call(o, 'em')) return ctx.em;
  }
  return ctx.em;
}

type TransportFields = Pick<AppContext, 'ip' | 'userAgent' | 'secure' | 'setCookie' | 'clearCookie' | 'observed'> & {
  /** the transport's logger (a ws connection's); without one, the request's is made on first use from `observed`'s id */
  log?: Logger;
};

/**
 * The parts every transport shares. The EntityManager is forked on first use: a request that only
 * checks its session and reads the viewer's profile (`me`) or logs in never needs one.
 */
function baseContext(app: App, transport: Transport, token: string | undefined, { log, ...rest }: TransportFields): AppContext {
  let queue: (() => unknown)[] = [];
  let writesSeen = authWrites();
  const loaders = new Map<string, DataLoader<unknown, unknown>>();
  /** the event (payload object) the viewer was last read for by `refreshViewer` */
  let readFor: object | undefined;
  /** the token's claims as last verified by `refreshViewer` */
  let claimsOf: TokenClaims | undefined;
  const ctx: AppContext = Object.assign(new RequestContext({ app, log, requestId: rest.observed?.requestId }) as unknown as AppContext, {
    app,
    transport,
    ...rest,
    loader: <K, V>(name: string, batch: (keys: readonly K[]) => Promise<(V | Error)[]>) => {
      let l = loaders.get(name);
      if (!l) loaders.set(name, (l = new DataLoader<unknown, unknown>(batch as never)));
      return l as unknown as DataLoader<K, V>;
    },
    publish: (topic, payload) => void queue.push(() => publishReliably(app.pubsub, topic, payload, app.log)),
    afterCommit: (fn) => void queue.push(fn),
    runAfterCommit: async () => {
      const fns = queue;
      queue = [];
      for (const fn of fns) {
        try {
          await fn();
        } catch (err) {
          // The write committed: a side effect that failed afterwards is logged, not the caller's error.
          ctx.log.error({ component: 'unit-of-work', error: errorMessage(err) }, 'an after-commit step failed');
        }
      }
    },
    pendingAfterCommit: () => queue.length,
    dropAfterCommit: (mark) => void queue.splice(mark),
    settle: () => {
      const writes = authWrites();
      if (writes === writesSeen) return Promise.resolve();
      writesSeen = writes;
      return app.auth.sync();
    },
    refreshViewer: (event) => {
      // read once per event: the filter's read is the access re-check's (same event, same subscriber)
      if (event !== undefined && event === readFor) return DONE;
      readFor = undefined;
      // a long-lived context (a subscription) asks again at every event: what its loaders cached for an
      // earlier event (roles, memberships) is as stale as the viewer it re-reads
      loaders.clear();
      // A fan-out runs this for every subscriber and event: a session-cache hit answers synchronously,
      // and an untouched viewer of the very same cached row is kept rather than rebuilt. The context's
      // token never changes: its claims, once verified, are only checked for expiry again (as
      // verifyToken's own cache does). Anything else reads as resolveViewer does.
      const now = Date.now();
      if (!claimsOf || Math.floor(now / 1000) >= claimsOf.exp) claimsOf = token ? verifyToken(app.config, token) : undefined;
      const claims = claimsOf;
      const row = claims && app.auth.cachedViewerRow(claims.sid, now);
      if (row) {
        ctx.viewer = viewerFromRow(app, () => ctx.em, claims, row, ctx.viewer);
        readFor = event;
        return DONE;
      }
      return resolveViewer(app, () => ctx.em, token).then((viewer) => {
        ctx.viewer = viewer;
        readFor = event;
      });
    },
  } satisfies Omit<AppContext, 'em' | 'log' | 'viewer'>);
  return ctx;
}

export async function createHttpContext(app: App, req: Request, res: Response | undefined, transport: Transport): Promise<AppContext> {
  const token = tokenFromRequest(req);
  const observed = recordOf(req);
  const ip = req.ip ?? req.socket.remoteAddress;
  if (observed) observed.ip = ip;
  const ctx = baseContext(app, transport, token, {
    ip: ip ?? 'unknown',
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : undefined,
    // Secure cookies behind HTTPS: the request came over TLS (or a trusted proxy says so), or the
    // configured public URL is https
    secure: req.secure || app.config.publicUrl?.startsWith('https:') === true,
    setCookie: (name, value, options) => void res?.cookie(name, value, options),
    clearCookie: (name, options) => void res?.clearCookie(name, options),
    observed,
  });
  ctx.viewer = await resolveViewer(app, () => ctx.em, token);
  if (ctx.viewer && ctx.observed) ctx.observed.userId = ctx.viewer.id;
  return ctx;
}

export async function createWsContext(
  app: App,
  token: string | undefined,
  meta: { ip: string; userAgent?: string; secure: boolean; log: Logger; observed?: RequestRecord },
): Promise<AppContext> {
  const ctx = baseContext(app, 'ws', token, { ...meta, setCookie: () => undefined, clearCookie: () => undefined });
  ctx.viewer = await resolveViewer(app, () => ctx.em, token);
  if (ctx.viewer && ctx.observed) ctx.observed.userId = ctx.viewer.id;
  return ctx;
}
