/**
 * The statements on the hot paths of identity — the session check that every authenticated request
 * and ws connection runs, and a login's attempt counter, account lookup and new session — as named
 * prepared statements on a small pool of their own, without the ORM. PostgreSQL plans each statement
 * once per connection, and the requests skip MikroORM's query building, which at a login's request
 * rate runs in V8's baseline tier and cost more CPU than the statements themselves
 * (bench/README.md, "Findings").
 *
 * Rows come back exactly as MikroORM's own connection returns them (same type parsers: dates as
 * text), so `em.map(User, row)` makes a managed entity of them when a service needs one.
 *
 * The session cache. A live session's user row is kept for up to SESSION_CACHE_SECONDS (and never past
 * the token's expiry), so most authenticated requests cost no statement at all. It stays exact because
 * every change to a user or a session notifies channel `ix_auth` at commit (a trigger, so any writer
 * counts: this instance, another one, an operator's SQL), and every instance drops what the
 * notification names:
 * - on the instance that made the change, before its response leaves: a request that wrote users or
 *   sessions (auth-writes.ts) sends its own marker through the channel and waits for it, and
 *   PostgreSQL delivers notifications in commit order, so the trigger's notice has been applied by then;
 *   the client's next request, to this instance, sees the change;
 * - on every other instance, when the notice arrives (PostgreSQL sends it to every listener at commit)
 *   — the one window, documented in docs/platform.md;
 * - the cache is used only while the instance's supervised listener (src/pubsub/listener.ts) is up and
 *   hears markers (a request's, or its heartbeat's); when it drops or a marker does not come back, the
 *   cache empties and every request checks the database until the listener is back.
 * SESSION_CACHE_SECONDS=0 turns the cache off: every request checks the database.
 */
import { randomUUID } from 'node:crypto';
import { Pool, QueryConfig } from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import { DomainError } from '../errors/domain-error';
import { userColumns } from '../modules/identity/user-row';
import type { SupervisedListener } from '../pubsub/listener';
import { DbLimits, sessionLimits } from '../db/limits';

export type UserRow = Record<string, unknown> & { id: string };

/**
 * A live session's user: not revoked, not expired, the user active and not deleted. `now()` is the
 * database's clock, like every other expiry in the schema. `$columns` is the User entity's column
 * list (not `u.*`: a prepared statement whose row type changed under it, after a migration added a
 * column, fails with "cached plan must not change result type").
 */
const LIVE = 's.revoked_at is null and s.expires_at > now() and u.is_active and u.deleted_at is null';
const VIEWER = (columns: string) => 'select ' + columns + ' from sessions s join users u on u.id = s.user_id where s.id = $1 and ' + LIVE;

/**
 * One login attempt: counts it against the client's fixed one-minute window (the `rate_limits` table,
 * shared by every instance) and looks the account up by username or email, in one round trip.
 * $1 key, $2 now in ms, $3 window end in ms, $4 the lowercased login (null: count only).
 */
const ATTEMPT = (columns: string) =>
  'with attempt as (' +
  'insert into rate_limits as r (key, points, expire) values ($1, 1, $3) ' +
  'on conflict (key) do update set ' +
  'points = case when r.expire is null or r.expire <= $2 then 1 else r.points + 1 end, ' +
  'expire = case when r.expire is null or r.expire <= $2 then $3 else r.expire end ' +
  'returning points, expire) ' +
  'select a.points as "attempt_points", a.expire as "attempt_expire", ' + columns + ' from attempt a ' +
  'left join users u on (lower(u.username) = $4 or lower(u.email) = $4) and u.deleted_at is null ' +
  'limit 1';

const INSERT_SESSION: Pick<QueryConfig, 'name' | 'text'> = {
  name: 'ix_session_insert',
  text: 'insert into sessions (id, user_id, created_at, expires_at, ip, user_agent) values ($1, $2, now(), $3, $4, $5)',
};

const WINDOW_MS = 60_000;
const CHANNEL = 'ix_auth';
/** Sessions cached at most; the oldest entry goes first. */
const MAX_CACHED = 20_000;

interface Cached {
  row: UserRow;
  until: number;
}

export interface AuthStoreOptions {
  databaseUrl: string;
  orm: MikroORM;
  maxAttemptsPerMinute: number;
  /** 0: no session cache */
  sessionCacheSeconds: number;
  /** the instance's supervised listener; required with the cache on */
  listener?: SupervisedListener;
  /** statement and lock timeouts, and the wait for a free connection (src/db/limits.ts) */
  limits?: DbLimits;
}

export class AuthStore {
  private readonly pool: Pool;
  private readonly databaseUrl: string;
  private readonly maxAttemptsPerMinute: number;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, Cached>();
  /** bumped by every invalidation: a lookup that raced one does not fill the cache */
  private generation = 0;
  /** the shared listening connection; the cache is used only while it is up */
  private readonly listener: SupervisedListener | undefined;
  private readonly instance = randomUUID();
  private markers = 0;
  private readonly viewerStatement: Pick<QueryConfig, 'name' | 'text'>;
  private readonly attemptStatement: Pick<QueryConfig, 'name' | 'text'>;

  constructor(options: AuthStoreOptions) {
    this.databaseUrl = options.databaseUrl;
    this.maxAttemptsPerMinute = options.maxAttemptsPerMinute;
    this.cacheMs = options.sessionCacheSeconds * 1000;
    if (this.cacheMs > 0 && !options.listener) throw new Error('the session cache needs the supervised listener');
    this.listener = this.cacheMs > 0 ? options.listener : undefined;
    const columns = userColumns(options.orm, 'u');
    this.viewerStatement = { name: 'ix_viewer', text: VIEWER(columns) };
    this.attemptStatement = { name: 'ix_login_attempt', text: ATTEMPT(columns) };
    const types = (options.orm.em.getConnection() as unknown as { getConnectionOptions(): { types?: unknown } }).getConnectionOptions().types;
    const limits = options.limits ? { ...sessionLimits(options.limits), connectionTimeoutMillis: options.limits.poolWaitMs } : {};
    this.pool = new Pool({ connectionString: options.databaseUrl, max: 6, idleTimeoutMillis: 0, types: types as never, ...limits });
    // Clients stay open while idle (no idle timers to set and clear around every statement). An idle
    // client's error (the server restarted) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /**
   * Registers the cache's channel and state callbacks on the listener (with the cache on); the cache is
   * usable once the listener is up. Call before the listener starts.
   */
  start(): void {
    if (!this.listener) return;
    this.listener.listen(CHANNEL, (payload) => this.changed(payload));
    // a lookup sent before the channel was heard must not fill the cache (it may have missed a notice)
    this.listener.onUp(() => void (this.generation += 1));
    this.listener.onDown(() => this.goDark());
  }

  private get listening(): boolean {
    return this.listener?.ready === true;
  }

  /** Empties the cache (the listener is gone): nothing cached may be trusted once a notice could have been missed. */
  private goDark(): void {
    this.generation += 1;
    this.cache.clear();
  }

  private changed(payload: string): void {
    const kind = payload.slice(0, 2);
    const id = payload.slice(2);
    // a marker of another instance (ours are taken by the listener's roundTrip)
    if (kind === 'm:') return;
    this.generation += 1;
    if (kind === 's:') this.cache.delete(id);
    else if (kind === 'u:') {
      for (const [sid, c] of this.cache) if (c.row.id === id) this.cache.delete(sid);
    } else this.cache.clear();
  }

  /**
   * Returns once every change committed before the call has reached this instance's cache: sends a
   * marker through the channel and waits for it (notifications arrive in commit order). A no-op
   * without the cache. A marker that does not come back in time means the listener is deaf: it is told
   * so, drops its connection (the cache goes dark with it) and reconnects.
   */
  async sync(): Promise<void> {
    const listener = this.listener;
    if (!listener?.ready) return;
    this.markers += 1;
    const marker = `m:${this.instance}.${this.markers}`;
    await listener.roundTrip(CHANNEL, marker, () => this.pool.query('select pg_notify($1, $2)', [CHANNEL, marker]), 'session-cache marker');
  }

  /**
   * The user row of a live session, or undefined. `notAfter` (ms) bounds how long it may be cached:
   * the token's expiry, which is the session's.
   */
  async viewerRow(sessionId: string, notAfter: number): Promise<UserRow | undefined> {
    const now = Date.now();
    if (this.listening) {
      const hit = this.cache.get(sessionId);
      if (hit) {
        if (hit.until > now) return hit.row;
        this.cache.delete(sessionId);
      }
    }
    const generation = this.generation;
    const { rows } = await this.pool.query({ ...this.viewerStatement, values: [sessionId] });
    const row = rows[0] as UserRow | undefined;
    if (row && this.listening && generation === this.generation) {
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
      // shared by the requests of this session until a change is noticed: nobody may alter it
      this.cache.set(sessionId, { row: Object.freeze(row), until: Math.min(now + this.cacheMs, notAfter) });
    }
    return row;
  }

  /** Sessions cached now, and whether the cache is in use (tests, diagnostics). */
  cacheState(): { listening: boolean; sessions: number } {
    const listening = this.listening;
    return { listening, sessions: listening ? this.cache.size : 0 };
  }

  /**
   * Counts one login attempt of `clientKey` and returns the account named by `login` (username or
   * email, any case), if any. Throws RATE_LIMITED, with Retry-After seconds, past the limit.
   * `login` undefined counts the attempt without a lookup (input that cannot name an account).
   */
  async loginAttempt(clientKey: string, login: string | undefined): Promise<UserRow | undefined> {
    const now = Date.now();
    const { rows } = await this.pool.query({
      ...this.attemptStatement,
      values: [`login:${clientKey || 'unknown'}`, now, now + WINDOW_MS, login === undefined ? null : login.trim().toLowerCase()],
    });
    const row = rows[0] as Record<string, unknown>;
    const points = Number(row.attempt_points);
    if (points > this.maxAttemptsPerMinute) {
      const retryAfter = Math.max(1, Math.ceil((Number(row.attempt_expire) - now) / 1000));
      throw new DomainError('RATE_LIMITED', 'Too many login attempts, try again later', { retryAfter });
    }
    if (row.id === null || row.id === undefined) return undefined;
    delete row.attempt_points;
    delete row.attempt_expire;
    return row as UserRow;
  }

  async insertSession(s: { id: string; userId: string; expiresAt: Date; ip: string | null; userAgent: string | null }): Promise<void> {
    await this.pool.query({ ...INSERT_SESSION, values: [s.id, s.userId, s.expiresAt, s.ip, s.userAgent] });
  }

  /**
   * Of `sessionIds`, those still live (not revoked or expired, user active and not deleted): the
   * session watch's check (src/auth/session-watch.ts). Asks the database, never the cache.
   */
  async liveSessions(sessionIds: string[]): Promise<Set<string>> {
    if (!sessionIds.length) return new Set();
    const { rows } = await this.pool.query<{ id: string }>(
      'select s.id from sessions s join users u on u.id = s.user_id where s.id = any($1::uuid[]) and ' + LIVE,
      [sessionIds],
    );
    return new Set(rows.map((r) => r.id));
  }

  /** Ends the pool (the listener is the server's to close). */
  async close(): Promise<void> {
    this.goDark();
    await this.pool.end().catch(() => undefined);
  }
}
