/**
 * Time limits on every connection to PostgreSQL (issue 11: a table lock held for 15 s made requests and
 * /readyz wait as long). Each pooled connection (the ORM's, the auth store's, the publisher's) starts
 * with `statement_timeout` (DB_STATEMENT_TIMEOUT_MS) and `lock_timeout` (DB_LOCK_TIMEOUT_MS) as startup
 * parameters, so setting them costs no round trip; waiting for a free connection of a pool is limited
 * to DB_POOL_WAIT_MS. A request that runs into any of them is answered 503 with `Retry-After`
 * (`UNAVAILABLE`, src/errors/translate.ts) in its transport's and surface's envelope: the database is
 * busy, not the request wrong. Migrations lift the limits inside their own transaction (src/db/orm.ts).
 */
import type { AppConfig } from '../config';

export type DbLimits = AppConfig['db'];

/** Seconds a client is told to wait (Retry-After) after a time limit passed. */
export const RETRY_AFTER_SECONDS = 1;

/** node-postgres client options that set the limits at connection start (0: PostgreSQL's "no limit"). */
export function sessionLimits(limits: DbLimits): { statement_timeout: number; lock_timeout: number } {
  return { statement_timeout: limits.statementTimeoutMs, lock_timeout: limits.lockTimeoutMs };
}

/** SQLSTATEs of a passed limit: 57014 query_canceled (statement_timeout), 55P03 lock_not_available. */
const TIMEOUT_STATES = new Set(['57014', '55P03']);

/**
 * True when `err` says a time limit passed: a statement or lock timeout (from node-postgres, or wrapped
 * by MikroORM), or no pooled connection within the wait (knex's pool, pg-pool).
 */
export function isTimeLimitError(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; message?: unknown };
  if (typeof e.code === 'string' && TIMEOUT_STATES.has(e.code)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return message.startsWith('Knex: Timeout acquiring a connection') || message === 'timeout exceeded when trying to connect';
}
