/**
 * The Idempotency-Key store (issue 11): one row in `idempotency_keys` per (scope, key), shared by every
 * instance through PostgreSQL and kept 24 hours. The HTTP side (which requests take a key, their
 * scope and fingerprint, how answers are replayed) is src/server/idempotency.ts.
 *
 * A request claims its key with one INSERT … ON CONFLICT DO NOTHING-style statement: the first one
 * inserts a `running` row owned by a fresh uuid; any other finds the row and gets its stored answer
 * (`done`), a refusal (another request, or the same key with another fingerprint), or takes the row over
 * (an expired row, or a `running` row abandoned by a dead process before anything committed).
 *
 * "Writes nothing twice" holds across crashes because the claim is marked inside the write's own
 * transaction: the outermost unit of work (src/db/unit-of-work.ts) sets `committed` on the row it still
 * owns before it commits, and rolls back when the row was taken over. So a `running` row is either
 * committed (its write happened: never run again; a retry after a crash hears that the answer was lost)
 * or not (nothing happened: after STALE_SECONDS a retry may run it). The stored body is encrypted with
 * a key derived from JWT_SECRET and the client's key (answers can hold tokens and one-time passwords);
 * the row id is a hash, so the table holds neither keys nor readable answers.
 */
import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { QueryResult } from '@mikro-orm/core';
import type { AppContext } from '../context/context';
import { DomainError } from '../errors/domain-error';
import { errorMessage, Logger, silentLogger } from '../observe/log';

/** How long a key is kept: a retry after this runs as a new request (and replaces the row). */
export const KEEP_HOURS = 24;
/** A `running` row this old whose write never committed belongs to a dead attempt: a retry may run again. */
export const STALE_SECONDS = 300;
/** Expired rows are deleted at most this often per instance (by a claim, no timer). */
const PURGE_EVERY_MS = 10 * 60_000;

export interface StoredAnswer {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type ClaimOutcome =
  | { kind: 'claimed'; claim: IdempotencyClaim }
  | { kind: 'replay'; answer: StoredAnswer }
  /** the key was first used with another request */
  | { kind: 'mismatch' }
  /** another request holds the key and has not answered yet */
  | { kind: 'running' }
  /** the first attempt's write committed but its process died before storing the answer */
  | { kind: 'lost' };

const EXPIRED = `created_at <= now() - interval '${KEEP_HOURS} hours'`;
const STALE = `locked_at <= now() - interval '${STALE_SECONDS} seconds'`;

const CLAIM =
  'insert into idempotency_keys as k (id, fingerprint, owner) values (?, ?, ?) ' +
  "on conflict (id) do update set fingerprint = excluded.fingerprint, owner = excluded.owner, state = 'running', committed = false, " +
  'status = null, headers = null, body = null, created_at = now(), locked_at = now() ' +
  `where k.${EXPIRED} or (k.state = 'running' and not k.committed and k.${STALE} and k.fingerprint = excluded.fingerprint) ` +
  'returning owner';
const READ = `select fingerprint, state, committed, status, headers, body, ${STALE} as stale from idempotency_keys where id = ?`;

type Row = { fingerprint: string; state: string; committed: boolean; status: number | null; headers: Record<string, string> | null; body: Buffer | null; stale: boolean };

/** One claimed key: the request that holds it marks its commit and then stores or releases its answer. */
export class IdempotencyClaim {
  /** a unit of work of this request committed (its transaction marked the row) */
  committed = false;
  /** the request set or cleared a cookie (a login, a logout): its answer is not kept */
  sessionTouched = false;
  private ended = false;

  constructor(
    private readonly orm: MikroORM,
    readonly id: string,
    readonly owner: string,
    private readonly secret: Buffer,
  ) {}

  /** Inside the outermost unit of work's transaction, before it commits: the write and the mark commit together. */
  async markCommitted(em: EntityManager): Promise<void> {
    const r = await em.execute<QueryResult>('update idempotency_keys set committed = true where id = ? and owner = ?', [this.id, this.owner], 'run');
    if (!r.affectedRows) throw new DomainError('CONFLICT', 'A retry with this Idempotency-Key took over this request; nothing was written');
    this.committed = true;
  }

  /** Keeps the answer for replays. */
  async store(answer: StoredAnswer): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.orm.em
      .getConnection()
      .execute(
        "update idempotency_keys set state = 'done', status = ?, headers = ?::jsonb, body = ?, locked_at = now() where id = ? and owner = ?",
        [answer.status, JSON.stringify(answer.headers), seal(this.secret, answer.body), this.id, this.owner],
        'run',
      );
  }

  /** Frees the key: a retry runs as a new request (nothing was written, or the answer is not kept). */
  async release(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    await this.orm.em.getConnection().execute('delete from idempotency_keys where id = ? and owner = ?', [this.id, this.owner], 'run');
  }
}

/** AES-256-GCM: iv (12) · tag (16) · ciphertext. */
function seal(secret: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', secret, iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function open(secret: Buffer, sealed: Buffer): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', secret, sealed.subarray(0, 12));
  decipher.setAuthTag(sealed.subarray(12, 28));
  return Buffer.concat([decipher.update(sealed.subarray(28)), decipher.final()]);
}

const lastPurge = new WeakMap<MikroORM, number>();
function purgeExpired(orm: MikroORM, log: Logger): void {
  const now = Date.now();
  if (now - (lastPurge.get(orm) ?? 0) < PURGE_EVERY_MS) return;
  lastPurge.set(orm, now);
  orm.em
    .getConnection()
    .execute(`delete from idempotency_keys where ${EXPIRED}`, [], 'run')
    .catch((err: Error) => log.error({ component: 'idempotency', error: errorMessage(err) }, 'purging expired keys failed'));
}

/**
 * Claims `key` within `scope` (the caller and the endpoint) for a request whose content hashes to
 * `fingerprint`, or says what the key already holds.
 */
export async function claimKey(orm: MikroORM, jwtSecret: string, scope: string, key: string, fingerprint: string, log: Logger = silentLogger): Promise<ClaimOutcome> {
  purgeExpired(orm, log);
  const id = createHash('sha256').update(`${scope}\n${key}`).digest('hex');
  const secret = createHmac('sha256', jwtSecret).update(`idempotency\n${scope}\n${key}`).digest();
  const connection = orm.em.getConnection();
  // a row released between the INSERT and the SELECT is claimed on the next turn
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const owner = randomUUID();
    const claimed = await connection.execute<{ owner: string }[]>(CLAIM, [id, fingerprint, owner], 'all');
    if (claimed[0]?.owner === owner) return { kind: 'claimed', claim: new IdempotencyClaim(orm, id, owner, secret) };
    const [row] = await connection.execute<Row[]>(READ, [id], 'all');
    if (!row) continue;
    if (row.fingerprint !== fingerprint) return { kind: 'mismatch' };
    if (row.state === 'done') return { kind: 'replay', answer: { status: row.status ?? 200, headers: row.headers ?? {}, body: open(secret, row.body ?? Buffer.alloc(0)) } };
    return row.committed && row.stale ? { kind: 'lost' } : { kind: 'running' };
  }
  return { kind: 'running' };
}

const HELD = Symbol('idempotency.claim');

/**
 * Gives a request's context its claim: its units of work mark the row (markCommitted), and a cookie it
 * sets or clears (a login, a logout) keeps its answer from being stored.
 */
export function attachClaim(ctx: AppContext, claim: IdempotencyClaim): void {
  (ctx as AppContext & { [HELD]?: IdempotencyClaim })[HELD] = claim;
  const { setCookie, clearCookie } = ctx;
  ctx.setCookie = (...args) => {
    claim.sessionTouched = true;
    setCookie(...args);
  };
  ctx.clearCookie = (...args) => {
    claim.sessionTouched = true;
    clearCookie(...args);
  };
}

/** Called by the outermost unit of work inside its transaction; nothing without a claim. */
export async function markCommitted(ctx: AppContext, em: EntityManager): Promise<void> {
  const claim = (ctx as AppContext & { [HELD]?: IdempotencyClaim })[HELD];
  if (claim) await claim.markCommitted(em);
}
