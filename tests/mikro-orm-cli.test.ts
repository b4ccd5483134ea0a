/**
 * The MikroORM CLI (`npx mikro-orm …`, `npm run migration:*`) works on `npm start`'s database
 * (src/db/cli-database.ts): DATABASE_URL when set; else the embedded PostgreSQL in DATA_DIR/pg, joined
 * when a server runs it, started for the command otherwise. What keeps it from a database is one line.
 * The CLI runs as a child process, as a developer runs it.
 */
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../mikro-orm.config';
import { migrationsList } from '../migrations';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { createTestDatabase } from './support/server';
import { freePort, ROOT } from './support/process';

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ANSI = new RegExp(String.fromCharCode(27) + '\\[[0-9;]*m', 'g');

/** Runs `mikro-orm <args>` (the package's bin, as npx does) in the project with only `env` besides PATH and HOME. */
function cli(args: string[], env: Record<string, string>): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const base: Record<string, string> = {};
    for (const k of ['PATH', 'HOME', 'LANG', 'TMPDIR', 'EMBEDDED_PG_CACHE_DIR']) if (process.env[k]) base[k] = process.env[k]!;
    const child = spawn(process.execPath, [join(ROOT, 'node_modules', '@mikro-orm', 'cli', 'cli.js'), ...args], {
      cwd: ROOT,
      env: { ...base, NO_COLOR: '1', MIKRO_ORM_NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: stdout.replace(ANSI, ''), stderr: stderr.replace(ANSI, '') }));
  });
}

const names = migrationsList.map((m) => m.name);

/** The names `migration:list` printed (its table's first column), in order. */
const listed = (stdout: string) => names.filter((n) => stdout.includes(n)).sort((a, b) => stdout.indexOf(a) - stdout.indexOf(b));

describe('with DATABASE_URL', () => {
  it('migrates a fresh database and lists the project migrations, as the server then finds them', async () => {
    const url = await createTestDatabase();
    const up = await cli(['migration:up'], { DATABASE_URL: url });
    expect({ code: up.code, stderr: up.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    expect(up.stdout).toContain('Successfully migrated up to the latest version');

    const list = await cli(['migration:list'], { DATABASE_URL: url });
    expect(list.code).toBe(0);
    expect(listed(list.stdout)).toEqual(names);
    expect(names.length).toBeGreaterThanOrEqual(9);

    // the server's own migrator (the static list, src/db/orm.ts) sees them as applied
    const orm = await MikroORM.init(ormOptions(url));
    try {
      expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);
    } finally {
      await orm.close(true);
    }
  }, 180_000);

  it('fails in one line, without a stack or the password, when the database cannot be reached or the URL is not one', async () => {
    const port = await freePort();
    const refused = await cli(['migration:list'], { DATABASE_URL: `postgresql://postgres:hunter2secret@127.0.0.1:${port}/nowhere` });
    expect(refused.code).toBe(1);
    expect(refused.stderr.trim().split('\n')).toEqual([
      `mikro-orm: cannot use the database postgresql://postgres:***@127.0.0.1:${port}/nowhere (DATABASE_URL): connect ECONNREFUSED 127.0.0.1:${port}; ` +
        'check DATABASE_URL, or unset it to use the embedded PostgreSQL that npm start uses',
    ]);
    expect(refused.stdout).toBe('');

    const malformed = await cli(['migration:list'], { DATABASE_URL: 'localhost:5432/interchange' });
    expect(malformed.code).toBe(1);
    expect(malformed.stderr.trim().split('\n')).toEqual(['mikro-orm: DATABASE_URL must use postgres or postgresql, got localhost:']);
  }, 180_000);
});

describe('without DATABASE_URL: the embedded PostgreSQL of DATA_DIR', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ix-cli-'));
  chmodSync(dataDir, 0o755); // the `postgres` user (as root) must reach it, as under `npm start`
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts it for the command and stops it after; joins it at its port while a server runs it', async () => {
    const port = await freePort();
    const env = { DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(port) };

    const up = await cli(['migration:up'], env);
    expect(up.code).toBe(0);
    expect(up.stderr).toContain(`DATABASE_URL is not set: starting the embedded PostgreSQL for this command (data in ${dataDir}/pg, port ${port})`);
    expect(up.stdout).toContain('Successfully migrated up to the latest version');
    // stopped with the command: postgres removes its pid file as it shuts down
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

    // as `npm start` does (src/main.ts), on another port than EMBEDDED_PG_PORT: the CLI reads the running one's
    const serverPort = await freePort();
    const running = await startEmbeddedPostgres({ dataDir, port: serverPort, database: 'interchange', cacheDir: process.env.EMBEDDED_PG_CACHE_DIR || undefined });
    try {
      const list = await cli(['migration:list'], env);
      expect(list.code).toBe(0);
      expect(list.stderr).toMatch(new RegExp(`using the embedded PostgreSQL that is running \\(pid \\d+, data in ${dataDir}/pg, port ${serverPort}\\)`));
      expect(listed(list.stdout)).toEqual(names); // the first command's migrations: the same data
      expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(true); // the server's postgres is left running
    } finally {
      await running.stop();
    }
  }, 240_000);
});
