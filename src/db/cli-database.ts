/**
 * The database of the MikroORM CLI (`npx mikro-orm …`, `npm run migration:*`; mikro-orm.config.ts): the
 * one `npm start` uses, found as src/main.ts finds it (src/config.ts, loadDatabaseConfig).
 * - DATABASE_URL set: that server.
 * - unset, and a server runs the embedded PostgreSQL in DATA_DIR/pg: that PostgreSQL, at the port its
 *   postmaster.pid names (two postgres cannot share a data folder, so the CLI joins the running one).
 * - unset, none running: the CLI starts the embedded PostgreSQL (DATA_DIR/pg, EMBEDDED_PG_PORT) for its
 *   own run and stops it when it ends.
 * Whatever keeps the CLI from its database ends it with one line saying what to do, not a stack.
 */
import { Client } from 'pg';
import { ConfigError, DatabaseConfig, loadDatabaseConfig } from '../config';
import { EMBEDDED_DATABASE, runningEmbeddedPostgres, startEmbeddedPostgres } from './embedded';
import { redactUrl } from '../observe/log';

/** A reason the CLI has no database, in one line that says what to do. */
export class CliDatabaseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliDatabaseError';
  }
}

const firstLine = (text: string) => text.split('\n')[0].trim();

/** Connects once (at most 5 s) to check the URL; a refusal becomes a CliDatabaseError saying what to check. */
async function reach(url: string, source: string, allowMissingDatabase: boolean): Promise<void> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e.code === '3D000' && allowMissingDatabase) return;
    const database = new URL(url).pathname.slice(1);
    const hint =
      e.code === '3D000'
        ? `create it (createdb ${database}, or npx mikro-orm database:create)`
        : source === 'DATABASE_URL'
          ? 'check DATABASE_URL, or unset it to use the embedded PostgreSQL that npm start uses'
          : 'set DATABASE_URL to a PostgreSQL server of your own';
    throw new CliDatabaseError(`cannot use the database ${redactUrl(url)} (${source}): ${firstLine(e.message || String(e.code))}; ${hint}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The URL the CLI works on (see the top of this file); `say` hears which database that is. With
 * `allowMissingDatabase` (the CLI's database:create) a server without the database still counts.
 */
export async function cliDatabaseUrl(
  env: Record<string, string | undefined> = process.env,
  opts: { say?: (line: string) => void; allowMissingDatabase?: boolean } = {},
): Promise<string> {
  const say = opts.say ?? (() => undefined);
  const allowMissing = opts.allowMissingDatabase === true;
  let config: DatabaseConfig;
  try {
    config = loadDatabaseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliDatabaseError(err.message);
    throw err;
  }
  if (config.databaseUrl) {
    await reach(config.databaseUrl, 'DATABASE_URL', allowMissing);
    return config.databaseUrl;
  }
  const pgDir = `${config.dataDir}/pg`;
  let running;
  try {
    running = runningEmbeddedPostgres(config.dataDir, EMBEDDED_DATABASE);
  } catch (err) {
    throw new CliDatabaseError(`${(err as Error).message}, or set DATABASE_URL`);
  }
  if (running) {
    say(`DATABASE_URL is not set: using the embedded PostgreSQL that is running (pid ${running.pid}, data in ${pgDir}, port ${running.port})`);
    await reach(running.url, `the running embedded PostgreSQL in ${pgDir}`, allowMissing);
    return running.url;
  }
  say(`DATABASE_URL is not set: starting the embedded PostgreSQL for this command (data in ${pgDir}, port ${config.embeddedPgPort})`);
  let db;
  try {
    db = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, database: EMBEDDED_DATABASE, cacheDir: config.embeddedPgCacheDir });
  } catch (err) {
    throw new CliDatabaseError(`${firstLine((err as Error).message)}; set EMBEDDED_PG_PORT to a free port, or DATABASE_URL to a PostgreSQL server of your own`);
  }
  // the CLI ends when its command is done (nothing waits on postgres); stop postgres then, and wait for it
  const embedded = db;
  embedded.unref();
  let stopping = false;
  process.on('beforeExit', () => {
    if (stopping) return;
    stopping = true;
    void embedded.stop();
  });
  return embedded.url;
}

/** cliDatabaseUrl for the CLI itself: a CliDatabaseError is printed as one line and ends the process (status 1). */
export async function cliDatabaseUrlOrExit(): Promise<string> {
  try {
    return await cliDatabaseUrl(process.env, {
      say: (line) => process.stderr.write(`${line}\n`),
      allowMissingDatabase: process.argv.includes('database:create'),
    });
  } catch (err) {
    if (!(err instanceof CliDatabaseError)) throw err;
    process.stderr.write(`mikro-orm: ${err.message}\n`);
    process.exit(1);
  }
}
