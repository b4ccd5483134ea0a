import { existsSync, readFileSync, rmSync } from 'node:fs';
import { Client } from 'pg';

/**
 * Drops the databases this run created on a DATABASE_URL server (their names are listed in the
 * registry file set up by global-setup), and stops the embedded PostgreSQL.
 */
export default async function globalTeardown(): Promise<void> {
  const adminUrl = process.env.TEST_ADMIN_DATABASE_URL;
  const registry = process.env.TEST_DB_REGISTRY;
  const state = (globalThis as Record<string, unknown>).__EMBEDDED_PG__ as { db: { stop(): Promise<void> }; dir: string } | undefined;
  if (adminUrl && !state && registry && existsSync(registry)) {
    const names = readFileSync(registry, 'utf8')
      .split('\n')
      .filter((n) => /^ix_t_[0-9a-f]+$/.test(n));
    const client = new Client({ connectionString: adminUrl });
    await client.connect();
    try {
      for (const name of names) await client.query(`drop database if exists "${name}" with (force)`).catch(() => undefined);
    } finally {
      await client.end();
    }
    rmSync(registry, { force: true });
  }
  if (!state) return;
  await state.db.stop();
  rmSync(state.dir, { recursive: true, force: true });
}
