import type { App } from '../../context/context';
import { migrationsApplied } from '../../db/orm';

/** True when the database answers and every migration is applied (for /readyz and surface health routes). */
export async function databaseReady(app: App): Promise<{ reachable: boolean; migrated: boolean }> {
  try {
    await app.orm.em.getConnection().execute('select 1');
  } catch {
    return { reachable: false, migrated: false };
  }
  try {
    return { reachable: true, migrated: await migrationsApplied(app.orm) };
  } catch {
    return { reachable: true, migrated: false };
  }
}
