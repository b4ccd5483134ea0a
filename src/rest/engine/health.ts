import type { MikroORM } from '@mikro-orm/postgresql';
import type { App } from '../../context/context';
import type { DatabaseState } from '../../server/readiness';

/** False once the ORM's pool is gone (closed): the instance can no longer serve from the database. */
function ormOpen(orm: MikroORM): boolean {
  return (orm.em.getConnection().getKnex().client as { pool?: unknown }).pool !== undefined;
}

/**
 * True when the database answers and every migration is applied (for /readyz and surface health
 * routes), on the readiness probe's own connection within its 2 s limit (src/server/readiness.ts),
 * and while the instance's own ORM is open.
 */
export async function databaseReady(app: App): Promise<DatabaseState> {
  if (!ormOpen(app.orm)) return { reachable: false, migrated: false };
  return app.readiness.check();
}
