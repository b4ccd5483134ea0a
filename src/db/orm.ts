import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../../mikro-orm.config';

/** Opens the ORM and applies pending migrations (start-up and tests alike). */
export async function openOrm(databaseUrl: string, opts: { migrate?: boolean } = {}): Promise<MikroORM> {
  const orm = await MikroORM.init(ormOptions(databaseUrl));
  if (opts.migrate !== false) await orm.getMigrator().up();
  return orm;
}

/** True when every listed migration has been applied (for /readyz). */
export async function migrationsApplied(orm: MikroORM): Promise<boolean> {
  const pending = await orm.getMigrator().getPendingMigrations();
  return pending.length === 0;
}
