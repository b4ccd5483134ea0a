/**
 * The statements on the hot paths of identity — the session check that every authenticated request
 * and ws connection runs, and a login's attempt counter, account lookup and new session — as named
 * prepared statements on the process's prepared-statement pool (src/db/prepared-sql.ts), without the ORM. PostgreSQL plans each statement
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
import type { MikroORM } from '@mikro-orm/postgresql';
import { PreparedSql, Statement, statement } from '../db/prepared-sql';
import { DomainError } from '../errors/domain-error';
import { userColumns } from '../modules/identity/user-row';
import type { SupervisedListener } from '../pubsub/listener';
import type { Application } from '../modules/identity/enrollment';
import type { MembershipRole, MembershipStatus } from '../modules/identity/app-membership.entity';

/** A viewer's enrollment as read with the session check: one per application the user is enrolled in. */
export interface ViewerMembership {
  readonly application: Application;
  readonly status: MembershipStatus;
  readonly role: MembershipRole;
  /** coparent: the household */
  readonly householdId: string | null;
}

/** Where a row read by the session check or a login keeps the user's memberships: a symbol, so `em.map` never sees it. */
export const MEMBERSHIPS = Symbol('memberships');

export type UserRow = Record<string, unknown> & { id: string; [MEMBERSHIPS]?: readonly ViewerMembership[] };

/**
 * The user's memberships (ARCHITECTURE.md "One identity, separate applications"), read with the user
 * in the same statement: access rules need them on every request. A membership change notifies
 * `ix_auth` like a user change (trigger), so a cached row never outlives one.
 */
const MEMBERSHIPS_COLUMN =
  "(select coalesce(json_agg(json_build_array(m.application, m.status, m.role, m.household_id)), '[]'::json) " +
  'from app_memberships m where m.user_id = u.id) as "ix_memberships"';

/** Columns of the statements here that are not the user's: left out of the rows they answer. */
const NOT_USER_COLUMNS = new Set(['ix_memberships', 'ix_session_id', 'attempt_points', 'attempt_expire']);

type RowMaker = new (row: Record<string, unknown>, memberships: readonly ViewerMembership[]) => UserRow;

/** Per column list of a statement: the constructor of its user rows (`userRowOf`). */
const rowMakers = new Map<string, RowMaker>();

/**
 * A constructor that copies the given user columns, in order, and sets MEMBERSHIPS: its objects start
 * from one hidden class and follow one chain of them, so rows of a statement share theirs, frozen too.
 * Its text is made from the statement's column names (our entities' own, each written as a JSON string).
 */
function rowMaker(columns: string[]): RowMaker {
  const body = columns.map((c) => `this[${JSON.stringify(c)}] = row[${JSON.stringify(c)}];`).join('\n');
  return new Function('memberships', `return function UserRow(row, list) {\n${body}\nthis[memberships] = list;\n};`)(MEMBERSHIPS) as RowMaker;
}

/**
 * The user's row as a new object: the user's columns in the statement's order and the memberships
 * column under the MEMBERSHIPS symbol, frozen unless `frozen` is false (a login's own row, which it
 * updates; cached rows are shared and frozen). Made by a constructor rather than node-pg's row changed
 * in place: V8 gave each of these rows a hidden class of its own (node-pg's row is a clone of a template
 * object; after a `delete` and a symbol, and frozen, it left the shared chain; rows built key by key
 * from `{}` fell back to dictionary properties, and frozen clones of a template object got their own
 * too), so every read of a cached viewer row missed its inline cache (about two per request).
 */
function userRowOf(row: Record<string, unknown>, frozen = true): UserRow {
  const keys = Object.keys(row);
  const list = keys.join(',');
  let Make = rowMakers.get(list);
  if (!Make) rowMakers.set(list, (Make = rowMaker(keys.filter((k) => !NOT_USER_COLUMNS.has(k)))));
  const raw = (row.ix_memberships ?? []) as [Application, MembershipStatus, MembershipRole, string | null][];
  const out = new Make(row, Object.freeze(raw.map(([application, status, role, householdId]) => Object.freeze({ application, status, role, householdId }))));
  return frozen ? Object.freeze(out) : out;
}

/**
 * A live session's user: not revoked, not expired, the user active and not deleted. `now()` is the
 * database's clock, like every other expiry in the schema. `$columns` is the User entity's column
 * list (not `u.*`: a prepared statement whose row type changed under it, after a migration added a
 * column, fails with "cached plan must not change result type").
 */
const LIVE = 's.revoked_at is null and s.expires_at > now() and u.is_active and u.deleted_at is null';
const VIEWER = (columns: string) => 'select ' + columns + ' from sessions s join users u on u.id = s.user_id where s.id = $1 and ' + LIVE;
/** `VIEWER` for many sessions at once, each row naming its session. */
const VIEWERS = (columns: string) => 'select s.id as ix_session_id, ' + columns + ' from sessions s join users u on u.id = s.user_id where s.id = any($1::uuid[]) and ' + LIVE;
const VIEWERS_PER_STATEMENT = 1_000;

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
  'select a.points as "attempt_points", a.expire as "attempt_expire", ' +
  columns +
  ' from attempt a ' +
  'left join users u on (lower(u.username) = $4 or lower(u.email) = $4) and u.deleted_at is null ' +
  'limit 1';

const INSERT_SESSION = statement('ix_session_insert', 'insert into sessions (id, user_id, created_at, expires_at, ip, user_agent) values ($1, $2, now(), $3, $4, $5)');

const WINDOW_MS = 60_000;
const CHANNEL = 'ix_auth';
/** Sessions cached at most; the oldest entry goes first. */
const MAX_CACHED = 20_000;

interface Cached {
  row: UserRow;
  until: number;
}

export interface AuthStoreOptions {
  /** the process's prepared-statement pool (the auth store does not own it) */
  sql: PreparedSql;
  orm: MikroORM;
  maxAttemptsPerMinute: number;
  /** 0: no session cache */
  sessionCacheSeconds: number;
  /** the instance's supervised listener; required with the cache on */
  listener?: SupervisedListener;
}

export class AuthStore {
  private readonly sql: PreparedSql;
  private readonly maxAttemptsPerMinute: number;
  private readonly cacheMs: number;
  private readonly cache = new Map<string, Cached>();
  /** bumped by every invalidation: a lookup that raced one does not fill the cache */
  private generation = 0;
  /** the shared listening connection; the cache is used only while it is up */
  private readonly listener: SupervisedListener | undefined;
  private readonly instance = randomUUID();
  private markers = 0;
  private readonly viewerStatement: Statement;
  private readonly viewersStatement: Statement;
  /** the session lookups waiting for the next tick (`lookup`) */
  private burst: { ids: Set<string>; rows: Promise<Map<string, UserRow>> } | undefined;
  private readonly attemptStatement: Statement;

  constructor(options: AuthStoreOptions) {
    this.sql = options.sql;
    this.maxAttemptsPerMinute = options.maxAttemptsPerMinute;
    this.cacheMs = options.sessionCacheSeconds * 1000;
    if (this.cacheMs > 0 && !options.listener) throw new Error('the session cache needs the supervised listener');
    this.listener = this.cacheMs > 0 ? options.listener : undefined;
    const columns = userColumns(options.orm, 'u') + ', ' + MEMBERSHIPS_COLUMN;
    this.viewerStatement = statement('ix_viewer', VIEWER(columns));
    this.viewersStatement = statement('ix_viewers', VIEWERS(columns));
    this.attemptStatement = statement('ix_login_attempt', ATTEMPT(columns));
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
    await listener.roundTrip(CHANNEL, marker, () => this.sql.pool.query('select pg_notify($1, $2)', [CHANNEL, marker]), 'session-cache marker');
  }

  /**
   * The cached user row of a live session, synchronously, or undefined when only the database can say
   * (not cached, expired, or the cache is not in use): what `viewerRow` answers without a statement.
   * A subscription's per-event re-check takes this path (context.ts `refreshViewer`), so a fan-out to
   * thousands of subscribers makes no promise per subscriber for a cache hit.
   */
  cachedViewerRow(sessionId: string, now = Date.now()): UserRow | undefined {
    if (!this.listening) return undefined;
    const hit = this.cache.get(sessionId);
    if (!hit) return undefined;
    if (hit.until > now) return hit.row;
    this.cache.delete(sessionId);
    return undefined;
  }

  /**
   * The user row of a live session, or undefined. `notAfter` (ms) bounds how long it may be cached:
   * the token's expiry, which is the session's.
   */
  async viewerRow(sessionId: string, notAfter: number): Promise<UserRow | undefined> {
    const now = Date.now();
    const hit = this.cachedViewerRow(sessionId, now);
    if (hit) return hit;
    const generation = this.generation;
    const row = await this.lookup(sessionId);
    if (row && this.listening && generation === this.generation) {
      if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value as string);
      this.cache.set(sessionId, { row, until: Math.min(now + this.cacheMs, notAfter) });
    }
    return row;
  }

  /**
   * The database's answer for one session, joined with the other lookups of the same burst: a fan-out
   * re-checks thousands of subscribers' sessions at one event, and one statement per session would
   * queue them all for the pool (10,000 subscribers: most waited past the pool's limit and lost their
   * subscription). Lookups made before the next tick share one statement per 1,000 sessions (the same
   * session asked twice is asked once); a lone lookup uses the one-session statement. The rows are
   * frozen: callers of one burst share them, like cached rows.
   */
  private lookup(sessionId: string): Promise<UserRow | undefined> {
    let burst = this.burst;
    if (!burst) {
      const ids = new Set<string>();
      const rows = new Promise<Map<string, UserRow>>((resolve, reject) => {
        // DataLoader's schedule: after the promise jobs already queued, so the lookups of one burst join
        void Promise.resolve().then(() =>
          process.nextTick(() => {
            this.burst = undefined;
            this.fetchViewers([...ids]).then(resolve, reject);
          }),
        );
      });
      burst = this.burst = { ids, rows };
    }
    burst.ids.add(sessionId);
    return burst.rows.then((found) => found.get(sessionId));
  }

  private async fetchViewers(ids: string[]): Promise<Map<string, UserRow>> {
    const found = new Map<string, UserRow>();
    if (ids.length === 1) {
      const [row] = await this.sql.rows<UserRow>(this.viewerStatement, ids);
      if (row) found.set(ids[0], userRowOf(row));
      return found;
    }
    for (let i = 0; i < ids.length; i += VIEWERS_PER_STATEMENT) {
      const rows = await this.sql.rows<UserRow & { ix_session_id?: string }>(this.viewersStatement, [ids.slice(i, i + VIEWERS_PER_STATEMENT)]);
      for (const row of rows) {
        found.set(row.ix_session_id as string, userRowOf(row));
      }
    }
    return found;
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
    const [row] = await this.sql.rows(this.attemptStatement, [`login:${clientKey || 'unknown'}`, now, now + WINDOW_MS, login === undefined ? null : login.trim().toLowerCase()]);
    const points = Number(row.attempt_points);
    if (points > this.maxAttemptsPerMinute) {
      const retryAfter = Math.max(1, Math.ceil((Number(row.attempt_expire) - now) / 1000));
      throw new DomainError('RATE_LIMITED', 'Too many login attempts, try again later', { retryAfter });
    }
    if (row.id === null || row.id === undefined) return undefined;
    return userRowOf(row, false);
  }

  async insertSession(s: { id: string; userId: string; expiresAt: Date; ip: string | null; userAgent: string | null }): Promise<void> {
    await this.sql.rows(INSERT_SESSION, [s.id, s.userId, s.expiresAt, s.ip, s.userAgent]);
  }

  /**
   * Of `sessionIds`, those still live (not revoked or expired, user active and not deleted): the
   * session watch's check (src/auth/session-watch.ts). Asks the database, never the cache.
   */
  async liveSessions(sessionIds: string[]): Promise<Set<string>> {
    if (!sessionIds.length) return new Set();
    const { rows } = await this.sql.pool.query<{ id: string }>('select s.id from sessions s join users u on u.id = s.user_id where s.id = any($1::uuid[]) and ' + LIVE, [
      sessionIds,
    ]);
    return new Set(rows.map((r) => r.id));
  }

  /** Empties the cache (the pool and the listener are the server's to close). */
  async close(): Promise<void> {
    this.goDark();
  }
}
