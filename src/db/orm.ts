import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../../mikro-orm.config';
import { DbLimits, sessionLimits } from './limits';

/**
 * Opens the ORM and applies pending migrations (start-up and tests alike). With `limits`, every pooled
 * connection starts with the statement and lock timeouts and a request waits for one at most
 * `poolWaitMs` (src/db/limits.ts); the migrations lift both timeouts for their own transaction, so a
 * long migration is not cut off by a limit meant for requests.
 */
export async function openOrm(databaseUrl: string, opts: { migrate?: boolean; limits?: DbLimits } = {}): Promise<MikroORM> {
  const base = ormOptions(databaseUrl);
  const orm = await MikroORM.init(
    opts.limits
      ? { ...base, pool: { ...base.pool, acquireTimeoutMillis: opts.limits.poolWaitMs }, driverOptions: { connection: sessionLimits(opts.limits) } }
      : base,
  );
  if (opts.migrate !== false) {
    const connection = orm.em.getConnection();
    await connection.transactional(async (trx) => {
      await connection.execute('set local statement_timeout = 0; set local lock_timeout = 0', [], 'run', trx);
      await orm.getMigrator().up({ transaction: trx });
    });
  }
  return orm;
}
