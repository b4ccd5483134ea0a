import type { App } from '../../context/context';
import type { DatabaseState } from '../../server/readiness';

/**
 * True when the database answers and every migration is applied (for /readyz and surface health
 * routes), on the readiness probe's own connection within its 2 s limit (src/server/readiness.ts).
 */
export function databaseReady(app: App): Promise<DatabaseState> {
  return app.readiness.check();
}
