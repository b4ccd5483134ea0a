/**
 * Jest global setup: with DATABASE_URL set, tests use that server; otherwise an embedded PostgreSQL
 * is started on a free port in a throwaway folder and torn down after the run. Each test file then
 * creates databases of its own (tests/support/server.ts), so no test depends on another's data.
 */
import { mkdtempSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/db/embedded';
import { freePort } from './process';

export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.TEST_ADMIN_DATABASE_URL = process.env.DATABASE_URL;
    // workers list the databases they create here; global teardown drops them
    process.env.TEST_DB_REGISTRY = join(mkdtempSync(join(tmpdir(), 'ix-dbs-')), 'databases');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'interchange-test-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  // as `npm start` does: as root, binaries the postgres user cannot reach run from the cache (src/db/embedded.ts)
  const db = await startEmbeddedPostgres({ dataDir: dir, port, database: 'postgres', cacheDir: process.env.EMBEDDED_PG_CACHE_DIR || undefined });
  process.env.TEST_ADMIN_DATABASE_URL = db.url;
  (globalThis as Record<string, unknown>).__EMBEDDED_PG__ = { db, dir };
}
