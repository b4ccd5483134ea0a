import { MikroORM } from '@mikro-orm/postgresql';
import { LOCKS } from './locks';
import { ormOptions } from '../../mikro-orm.config';
import { DbLimits, sessionLimits } from './limits';

/**
 * Opens the ORM and applies pending migrations (start-up and tests alike). With `limits`, every pooled
 * connection starts with the statement and lock timeouts and a request waits for one at most
 * `poolWaitMs` (src/db/limits.ts); the migrations lift both timeouts for their own transaction, so a
 * long migration is not cut off by a limit meant for requests. The pool wait is set only once the
 * migrations ran: the first connection of a busy machine may take longer to open than a request is
 * allowed to wait (CI saw start-up fail with "Timeout acquiring a connection" under DB_POOL_WAIT_MS=500).
 *
 * Instances started at the same moment on one database take turns (MIGRATIONS_LOCK, held by the
 * migration transaction): the next one finds the migrations applied. Without it, the second of three
 * instances started together on a fresh database failed with `type "user_role" already exists`
 * (scripts/scale-out, tests/scale-out.test.ts).
 */
/** Advisory lock held while an instance applies the migrations (ids 7316xxx are the project's advisory locks). */
export const MIGRATIONS_LOCK = LOCKS.migrations;

export async function openOrm(databaseUrl: string, opts: { migrate?: boolean; limits?: DbLimits } = {}): Promise<MikroORM> {
  const base = ormOptions(databaseUrl);
  const orm = await MikroORM.init(opts.limits ? { ...base, driverOptions: { connection: sessionLimits(opts.limits) } } : base);
  if (opts.migrate !== false) {
    const connection = orm.em.getConnection();
    await connection.transactional(async (trx) => {
      await connection.execute('set local statement_timeout = 0; set local lock_timeout = 0', [], 'run', trx);
      // before the migrator looks at its table (it creates it on a connection of its own, outside `trx`)
      await connection.execute(`select pg_advisory_xact_lock(${MIGRATIONS_LOCK})`, [], 'run', trx);
      await orm.getMigrator().up({ transaction: trx });
    });
  }
  if (opts.limits) setPoolWait(orm, opts.limits.poolWaitMs);
  return orm;
}

/** Limits how long a request waits for a pooled connection of the ORM (knex's tarn pool reads it per acquire). */
function setPoolWait(orm: MikroORM, ms: number): void {
  const pool = (orm.em.getConnection().getKnex().client as { pool?: { acquireTimeoutMillis: number } }).pool;
  if (!pool) throw new Error('the ORM has no connection pool to limit');
  pool.acquireTimeoutMillis = ms;
}
