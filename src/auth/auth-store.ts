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
 * - the cache is used only while the listening connection is up and hears its own markers (a request's,
 *   or the heartbeat's); otherwise the cache empties and every request checks the database until a new
 *   connection is listening.
 * SESSION_CACHE_SECONDS=0 turns the cache off: every request checks the database.
 */
import { randomUUID } from 'node:crypto';
import { Client, Pool, QueryConfig } from 'pg';
import type { MikroORM } from '@mikro-orm/postgresql';
import { DomainError } from '../errors/domain-error';
import { userColumns } from '../modules/identity/user-row';

export type UserRow = Record<string, unknown> & { id: string };

/**
 * A live session's user: not revoked, not expired, the user active and not deleted. `now()` is the
 * database's clock, like every other expiry in the schema. `$columns` is the User entity's column
 * list (not `u.*`: a prepared statement whose row type changed under it, after a migration added a
 * column, fails with "cached plan must not change result type").
 */
const VIEWER = (columns: string) =>
  'select ' + columns + ' from sessions s join users u on u.id = s.user_id ' +
  'where s.id = $1 and s.revoked_at is null and s.expires_at > now() and u.is_active and u.deleted_at is null';

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
/** How long a marker may take to come back before the listener counts as lost. */
const SYNC_TIMEOUT_MS = 2_000;
/** How often an idle listener proves it still hears the channel. */
const HEARTBEAT_MS = 5_000;
const RECONNECT_MS = 1_000;

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
}

export class AuthStore {
  private readonly pool: Pool;
  private readonly databaseUrl: string;
  private readonly maxAttemptsPerMinute: number;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, Cached>();
  /** bumped by every invalidation: a lookup that raced one does not fill the cache */
  private generation = 0;
  /** the listening connection; the cache is used only while there is one */
  private listener: Client | undefined;
  private closed = false;
  private reconnect: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly instance = randomUUID();
  private markers = 0;
  private readonly waiting = new Map<string, () => void>();
  private readonly viewerStatement: Pick<QueryConfig, 'name' | 'text'>;
  private readonly attemptStatement: Pick<QueryConfig, 'name' | 'text'>;

  constructor(options: AuthStoreOptions) {
    this.databaseUrl = options.databaseUrl;
    this.maxAttemptsPerMinute = options.maxAttemptsPerMinute;
    this.cacheMs = options.sessionCacheSeconds * 1000;
    const columns = userColumns(options.orm, 'u');
    this.viewerStatement = { name: 'ix_viewer', text: VIEWER(columns) };
    this.attemptStatement = { name: 'ix_login_attempt', text: ATTEMPT(columns) };
    const types = (options.orm.em.getConnection() as unknown as { getConnectionOptions(): { types?: unknown } }).getConnectionOptions().types;
    this.pool = new Pool({ connectionString: options.databaseUrl, max: 6, idleTimeoutMillis: 0, types: types as never });
    // Clients stay open while idle (no idle timers to set and clear around every statement). An idle
    // client's error (the server restarted) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** Starts listening for changes (with the cache on); the cache is usable once this resolves. */
  async start(): Promise<void> {
    if (this.cacheMs > 0) await this.listen();
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = new Client({ connectionString: this.databaseUrl, keepAlive: true });
    client.on('error', () => this.lose(client));
    client.on('end', () => this.lose(client));
    client.on('notification', (msg) => {
      if (msg.channel === CHANNEL && msg.payload) this.changed(msg.payload);
    });
    try {
      await client.connect();
      await client.query(`listen ${CHANNEL}`);
    } catch (err) {
      client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.listener = client;
    // a lookup sent before the channel was heard must not fill the cache (it may have missed a notice)
    this.generation += 1;
    // A connection can die without an error (a middlebox dropping it): a marker must come back regularly.
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => void this.sync(), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** The listening connection is gone or deaf: stop using the cache and connect again. */
  private lose(client: Client): void {
    if (this.listener !== client) return;
    this.listener = undefined;
    clearInterval(this.heartbeat);
    this.goDark();
    client.end().catch(() => undefined);
    this.retry();
  }

  private retry(): void {
    if (!this.closed) this.reconnect = setTimeout(() => void this.listen().catch(() => this.retry()), RECONNECT_MS);
  }

  /** Empties the cache (the listener is gone): nothing cached may be trusted once a notice could have been missed. */
  private goDark(): void {
    this.generation += 1;
    this.cache.clear();
    for (const done of this.waiting.values()) done();
    this.waiting.clear();
  }

  private changed(payload: string): void {
    const kind = payload.slice(0, 2);
    const id = payload.slice(2);
    if (kind === 'm:') {
      this.waiting.get(id)?.();
      this.waiting.delete(id);
      return;
    }
    this.generation += 1;
    if (kind === 's:') this.cache.delete(id);
    else if (kind === 'u:') {
      for (const [sid, c] of this.cache) if (c.row.id === id) this.cache.delete(sid);
    } else this.cache.clear();
  }

  /**
   * Returns once every change committed before the call has reached this instance's cache: sends a
   * marker through the channel and waits for it (notifications arrive in commit order). A no-op
   * without the cache. A marker that does not come back in time means the listener is deaf: the cache
   * goes dark and the listener is replaced (the heartbeat calls this too).
   */
  async sync(): Promise<void> {
    const listener = this.listener;
    if (!listener) return;
    this.markers += 1;
    const marker = `${this.instance}.${this.markers}`;
    let timer: NodeJS.Timeout | undefined;
    const arrived = new Promise<boolean>((resolve) => {
      this.waiting.set(marker, () => resolve(true));
      timer = setTimeout(() => resolve(false), SYNC_TIMEOUT_MS);
    });
    let heard = false;
    try {
      await this.pool.query('select pg_notify($1, $2)', [CHANNEL, `m:${marker}`]);
      heard = await arrived;
    } catch {
      heard = false;
    } finally {
      clearTimeout(timer);
      this.waiting.delete(marker);
    }
    if (!heard) this.lose(listener);
  }

  /**
   * The user row of a live session, or undefined. `notAfter` (ms) bounds how long it may be cached:
   * the token's expiry, which is the session's.
   */
  async viewerRow(sessionId: string, notAfter: number): Promise<UserRow | undefined> {
    const now = Date.now();
    if (this.listener) {
      const hit = this.cache.get(sessionId);
      if (hit) {
        if (hit.until > now) return hit.row;
        this.cache.delete(sessionId);
      }
    }
    const generation = this.generation;
    const { rows } = await this.pool.query({ ...this.viewerStatement, values: [sessionId] });
    const row = rows[0] as UserRow | undefined;
    if (row && this.listener && generation === this.generation) {
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
      // shared by the requests of this session until a change is noticed: nobody may alter it
      this.cache.set(sessionId, { row: Object.freeze(row), until: Math.min(now + this.cacheMs, notAfter) });
    }
    return row;
  }

  /** Sessions cached now, and whether the cache is in use (tests, diagnostics). */
  cacheState(): { listening: boolean; sessions: number } {
    const listening = this.listener !== undefined;
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

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    clearInterval(this.heartbeat);
    const listener = this.listener;
    this.listener = undefined;
    this.goDark();
    await listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}
