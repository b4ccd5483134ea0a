/**
 * The cache of Apollo's automatic persisted queries (APQ), shared by every instance (`APQ_STORE`):
 * a client registers a document once (its text with `extensions.persistedQuery.sha256Hash`) on any
 * instance, then sends the hash alone to any instance. Apollo keeps APQ in memory per instance by
 * default, so behind a balancer a hash registered on one instance was unknown to the next one.
 *
 * - `memory`: one instance (or none shared): the in-process LRU alone.
 * - `postgres`: table `apq_documents` (hash, document, created/last used), through the prepared-statement
 *   pool (src/db/prepared-sql.ts); the rows unused for APQ_TTL_SECONDS and those beyond APQ_MAX_DOCUMENTS (least recently used
 *   first) are deleted by a registration, at most once a minute per instance.
 * - `redis`: one key per document (expiring APQ_TTL_SECONDS after its last use) and a sorted set of
 *   last uses that keeps APQ_MAX_DOCUMENTS; on the Redis of REDIS_URL, a connection of its own with the
 *   pubsub's settings (src/pubsub/redis.ts), errors logged.
 *
 * A small LRU sits in front of the shared stores (a hot document costs no round trip); its entries live
 * at most 5 minutes, so a document in use refreshes its last use in the store. A store that fails (Redis
 * down, a time limit) never fails a request: a lookup is a miss (Apollo answers PERSISTED_QUERY_NOT_FOUND
 * and the client sends the text again), a registration is skipped; the failure is logged once while it
 * lasts. What a store returns is checked against its hash, so a corrupted or planted entry is a miss too.
 */
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { REDIS_CLIENT_OPTIONS, redact, redisConnection } from '../pubsub/redis';
import { PreparedSql, statement } from '../db/prepared-sql';
import { errorMessage, Logger, silentLogger } from '../observe/log';

/** A SHA-256 in lowercase hex, as APQ and the trusted-documents manifest name documents. */
const HASH = /^[0-9a-f]{64}$/;
/** The in-process LRU in front of a shared store: at most this many documents, each for at most 5 minutes. */
const FRONT_MAX = 1000;
const FRONT_MAX_AGE_MS = 5 * 60_000;
/** A registration purges expired and surplus rows at most this often per instance (postgres). */
const PURGE_EVERY_MS = 60_000;
/** A Redis command that takes longer fails (a lookup is then a miss) rather than holding the request. */
const REDIS_COMMAND_TIMEOUT_MS = 1_000;

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A Map in recency order with a size bound and an age limit per entry. */
class Lru {
  private readonly entries = new Map<string, { value: string; expires: number }>();

  constructor(
    private readonly max: number,
    private readonly maxAgeMs: number,
  ) {}

  get(key: string): string | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    this.entries.delete(key);
    if (e.expires <= Date.now()) return undefined;
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: string): void {
    this.entries.delete(key);
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, { value, expires: Date.now() + this.maxAgeMs });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }
}

/** A shared store behind the LRU; its methods may throw (ApqCache turns failures into misses). */
interface SharedStore {
  readonly name: 'postgres' | 'redis';
  get(hash: string): Promise<string | undefined>;
  set(hash: string, document: string): Promise<void>;
  close(): Promise<void>;
}

const PG_GET = statement(
  'apq_get',
  'update apq_documents set last_used_at = now() where hash = $1 and ($2::int = 0 or last_used_at > now() - make_interval(secs => $2)) returning document',
);
const PG_SET = statement('apq_set', 'insert into apq_documents (hash, document) values ($1, $2) on conflict (hash) do update set last_used_at = now()');
const PG_PURGE_EXPIRED = statement('apq_purge_expired', 'delete from apq_documents where $1::int > 0 and last_used_at <= now() - make_interval(secs => $1)');
const PG_PURGE_SURPLUS = statement('apq_purge_surplus', 'delete from apq_documents where hash in (select hash from apq_documents order by last_used_at desc offset $1)');

class PostgresStore implements SharedStore {
  readonly name = 'postgres';
  private lastPurge = 0;

  constructor(
    private readonly sql: PreparedSql,
    private readonly ttlSeconds: number,
    private readonly maxDocuments: number,
  ) {}

  async get(hash: string): Promise<string | undefined> {
    const rows = await this.sql.rows<{ document: string }>(PG_GET, [hash, this.ttlSeconds]);
    return rows[0]?.document;
  }

  async set(hash: string, document: string): Promise<void> {
    await this.sql.rows(PG_SET, [hash, document]);
    if (Date.now() - this.lastPurge < PURGE_EVERY_MS) return;
    this.lastPurge = Date.now();
    await this.sql.rows(PG_PURGE_EXPIRED, [this.ttlSeconds]);
    await this.sql.rows(PG_PURGE_SURPLUS, [this.maxDocuments]);
  }

  async close(): Promise<void> {
    /* the pool belongs to the instance (closed with it) */
  }
}

class RedisStore implements SharedStore {
  readonly name = 'redis';
  private readonly client: Redis;
  private lastError = '';

  /** `prefix`: one per deployment (its database), as the pubsub channel (src/pubsub/adapters.ts) */
  constructor(
    url: string,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly maxDocuments: number,
    private readonly log: Logger,
  ) {
    this.client = redisConnection(url, { ...REDIS_CLIENT_OPTIONS, commandTimeout: REDIS_COMMAND_TIMEOUT_MS, connectionName: 'interchange-apq' });
    this.client.on('error', (err: Error) => {
      // one line per distinct error while it lasts, not one per reconnection attempt
      if (err.message === this.lastError) return;
      this.lastError = err.message;
      this.log.error({ connection: 'apq', url: redact(url), error: err.message }, 'redis connection error (APQ lookups miss until it is back)');
    });
    this.client.on('ready', () => {
      if (this.lastError) this.log.info({ connection: 'apq' }, 'redis connection up again');
      this.lastError = '';
    });
    void this.client.connect().catch(() => undefined);
  }

  private get index(): string {
    return `${this.prefix}:index`;
  }

  async get(hash: string): Promise<string | undefined> {
    const key = `${this.prefix}:${hash}`;
    const tx = this.client.multi();
    if (this.ttlSeconds > 0) tx.getex(key, 'EX', this.ttlSeconds);
    else tx.get(key);
    tx.zadd(this.index, 'XX', Date.now(), hash);
    const results = await tx.exec();
    const [err, document] = results?.[0] ?? [new Error('no reply')];
    if (err) throw err;
    return typeof document === 'string' ? document : undefined;
  }

  async set(hash: string, document: string): Promise<void> {
    const now = Date.now();
    const tx = this.client.multi();
    if (this.ttlSeconds > 0) {
      tx.set(`${this.prefix}:${hash}`, document, 'EX', this.ttlSeconds);
      tx.zremrangebyscore(this.index, '-inf', now - this.ttlSeconds * 1000);
    } else tx.set(`${this.prefix}:${hash}`, document);
    tx.zadd(this.index, now, hash);
    tx.zcard(this.index);
    const results = await tx.exec();
    const failed = results?.find(([e]) => e);
    if (!results || failed) throw failed?.[0] ?? new Error('no reply');
    const count = Number(results[results.length - 1][1]);
    if (count <= this.maxDocuments) return;
    // the least recently used beyond the bound go, keys and index entries alike
    const popped = (await this.client.zpopmin(this.index, count - this.maxDocuments)).filter((_, i) => i % 2 === 0);
    if (popped.length) await this.client.del(...popped.map((h) => `${this.prefix}:${h}`));
  }

  async close(): Promise<void> {
    await this.client.quit().catch(() => this.client.disconnect());
  }
}

/**
 * The APQ cache of one instance: the LRU, and the shared store behind it. `lookup` and `register` never
 * throw. `apolloCache()` is the KeyValueCache Apollo Server's `persistedQueries.cache` takes.
 */
export class ApqCache {
  private readonly front: Lru;
  private readonly log: Logger;
  private failing = '';

  constructor(
    private readonly store: SharedStore | undefined,
    options: { ttlSeconds: number; maxDocuments: number },
    log: Logger = silentLogger,
  ) {
    this.log = log.child({ component: 'apq', store: store?.name ?? 'memory' });
    const ttlMs = options.ttlSeconds > 0 ? options.ttlSeconds * 1000 : Number.POSITIVE_INFINITY;
    this.front = store ? new Lru(Math.min(FRONT_MAX, options.maxDocuments), Math.min(ttlMs, FRONT_MAX_AGE_MS)) : new Lru(options.maxDocuments, ttlMs);
  }

  get storeName(): 'memory' | 'postgres' | 'redis' {
    return this.store?.name ?? 'memory';
  }

  /** The document registered under `hash`, or undefined (unknown, expired, or the store failed). */
  async lookup(hash: string): Promise<string | undefined> {
    if (!HASH.test(hash)) return undefined;
    const cached = this.front.get(hash);
    if (cached !== undefined || !this.store) return cached;
    let document: string | undefined;
    try {
      document = await this.store.get(hash);
      this.recovered();
    } catch (err) {
      this.failed('lookup', err);
      return undefined;
    }
    if (document === undefined || sha256Hex(document) !== hash) return undefined;
    this.front.set(hash, document);
    return document;
  }

  /** Keeps `document` under its hash (the caller checked that it validates); a store failure only logs. */
  async register(hash: string, document: string): Promise<void> {
    if (!HASH.test(hash) || sha256Hex(document) !== hash) return;
    this.front.set(hash, document);
    if (!this.store) return;
    try {
      await this.store.set(hash, document);
      this.recovered();
    } catch (err) {
      this.failed('register', err);
    }
  }

  /** Apollo's view: it prefixes its keys with `apq:` and never expects a throw it would answer with 500. */
  apolloCache(): { get(key: string): Promise<string | undefined>; set(key: string, value: string): Promise<void>; delete(key: string): Promise<boolean | void> } {
    const hashOf = (key: string) => key.replace(/^apq:/, '');
    return {
      get: (key) => this.lookup(hashOf(key)),
      set: (key, value) => this.register(hashOf(key), value),
      delete: async (key) => this.front.delete(hashOf(key)),
    };
  }

  async close(): Promise<void> {
    await this.store?.close();
  }

  /** One error line per distinct failure while it lasts (every lookup fails while Redis is down). */
  private failed(op: 'lookup' | 'register', err: unknown): void {
    const message = errorMessage(err);
    if (message === this.failing) return;
    this.failing = message;
    this.log.error({ op, error: message }, `APQ store ${op} failed: lookups miss and registrations are skipped until it answers`);
  }

  private recovered(): void {
    if (!this.failing) return;
    this.failing = '';
    this.log.info('APQ store answers again');
  }
}

/** The instance's APQ cache for APQ_STORE (postgres: on the prepared-statement pool; redis: REDIS_URL). */
export function createApqCache(
  config: { apq: { store: 'memory' | 'postgres' | 'redis'; ttlSeconds: number; maxDocuments: number }; redisUrl: string; databaseUrl?: string },
  sql: PreparedSql,
  log: Logger = silentLogger,
): ApqCache {
  const { store, ttlSeconds, maxDocuments } = config.apq;
  let shared: SharedStore | undefined;
  if (store === 'postgres') shared = new PostgresStore(sql, ttlSeconds, maxDocuments);
  else if (store === 'redis') shared = new RedisStore(config.redisUrl, apqPrefix(config.databaseUrl), ttlSeconds, maxDocuments, log.child({ component: 'apq' }));
  return new ApqCache(shared, { ttlSeconds, maxDocuments }, log);
}

/** The Redis key prefix of a deployment's APQ documents: named after its database, as its pubsub channel. */
export function apqPrefix(databaseUrl: string | undefined): string {
  if (!databaseUrl) return 'interchange:apq';
  const u = new URL(databaseUrl);
  return `interchange:${u.hostname}:${u.port || '5432'}${u.pathname}:apq`;
}
