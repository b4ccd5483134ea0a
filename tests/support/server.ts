/**
 * Test harness: real servers on real PostgreSQL. Every `startTestServer()` gets a fresh database
 * (unless given one), so tests never share data; clients speak HTTP, ws and REST like real ones.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { createClient, Client as WsClient } from 'graphql-ws';
import WebSocket from 'ws';
import { AppConfig, loadConfig } from '../../src/config';
import { startServer, RunningServer, StartOptions } from '../../src/server/server';

const JWT_SECRET = 'test-secret-0123456789-0123456789-0123456789';

function adminUrl(): string {
  const url = process.env.TEST_ADMIN_DATABASE_URL;
  if (!url) throw new Error('TEST_ADMIN_DATABASE_URL is not set: run the tests through jest (global setup)');
  return url;
}

/** Creates an empty database on the test server and returns its URL. */
export async function createTestDatabase(): Promise<string> {
  const name = `ix_t_${randomBytes(6).toString('hex')}`;
  const client = new PgClient({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(`create database "${name}"`);
  } finally {
    await client.end();
  }
  if (process.env.TEST_DB_REGISTRY) appendFileSync(process.env.TEST_DB_REGISTRY, `${name}\n`);
  const u = new URL(adminUrl());
  u.pathname = `/${name}`;
  return u.toString();
}

export function testConfig(env: Record<string, string | undefined> = {}): AppConfig {
  return loadConfig({
    NODE_ENV: 'test',
    HOST: '127.0.0.1',
    PORT: '0',
    JWT_SECRET,
    DATA_DIR: mkdtempSync(join(tmpdir(), 'ix-data-')),
    LOGIN_MAX_PER_MINUTE: '10000',
    PUBSUB: 'postgres',
    ...env,
  });
}

export interface GqlResult<T = any> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: { message: string; extensions?: { code?: string; [k: string]: unknown } }[];
}

export interface RestResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestAuth {
  token?: string;
  cookie?: string;
  headers?: Record<string, string>;
}

export class TestServer {
  constructor(
    readonly server: RunningServer,
    readonly databaseUrl: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.server.port}`;
  }

  get app() {
    return this.server.app;
  }

  async gql<T = any>(query: string, variables?: Record<string, unknown>, auth: RequestAuth = {}): Promise<GqlResult<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...(auth.headers ?? {}) };
    if (auth.token) headers.authorization = `Bearer ${auth.token}`;
    if (auth.cookie) headers.cookie = auth.cookie;
    const res = await fetch(`${this.url}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query, variables }) });
    const text = await res.text();
    let json: { data?: T; errors?: GqlResult['errors'] } = {};
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`non-JSON GraphQL response ${res.status}: ${text.slice(0, 200)}`);
    }
    return { status: res.status, headers: res.headers, data: json.data ?? undefined, errors: json.errors };
  }

  /** A REST request as a legacy client sends it: JSON body, cookie or Bearer header. */
  async rest<T = any>(method: string, path: string, opts: RequestAuth & { body?: unknown; rawBody?: string | Buffer | FormData } = {}): Promise<RestResult<T>> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    if (opts.cookie) headers.cookie = opts.cookie;
    let body: string | Buffer | FormData | undefined = opts.rawBody;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(opts.body);
    }
    const res = await fetch(`${this.url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  }

  /** A graphql-ws client; `token` goes in connection_init. */
  ws(token?: string, opts: { headers?: Record<string, string> } = {}): WsClient {
    return createClient({
      url: `ws://127.0.0.1:${this.server.port}/graphql`,
      webSocketImpl: class extends WebSocket {
        constructor(address: string, protocols?: string | string[]) {
          super(address, protocols, { headers: opts.headers });
        }
      },
      connectionParams: token ? { token } : undefined,
      retryAttempts: 0,
      lazy: true,
    });
  }

  close(): Promise<void> {
    return this.server.close();
  }
}

/** Starts a server on a fresh database (or the given one) with test configuration. */
export async function startTestServer(env: Record<string, string | undefined> = {}, databaseUrl?: string, options: StartOptions = {}): Promise<TestServer> {
  const url = databaseUrl ?? (await createTestDatabase());
  const server = await startServer(testConfig({ DATABASE_URL: url, ...env }), options);
  return new TestServer(server, url);
}

/** Collects the next `count` results of a subscription (or fails after `timeoutMs`). */
export function collect<T = any>(client: WsClient, query: string, variables: Record<string, unknown> = {}, count = 1, timeoutMs = 10000) {
  const results: { data?: T; errors?: unknown }[] = [];
  let dispose: () => void = () => undefined;
  let subscribed: () => void = () => undefined;
  const ready = new Promise<void>((r) => (subscribed = r));
  const done = new Promise<typeof results>((resolve, reject) => {
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`subscription timed out with ${results.length}/${count} results`));
    }, timeoutMs);
    dispose = client.subscribe<T>(
      { query, variables },
      {
        next: (r) => {
          results.push(r as never);
          if (results.length >= count) {
            clearTimeout(timer);
            dispose();
            resolve(results);
          }
        },
        error: (e) => {
          clearTimeout(timer);
          reject(e);
        },
        complete: () => {
          clearTimeout(timer);
          resolve(results);
        },
      },
    );
    // graphql-ws acknowledges the connection before the subscribe message is processed; give the
    // server a moment to register the subscription.
    client.on('connected', () => setTimeout(subscribed, 150));
  });
  /** resolves once at least `n` results have arrived (or rejects with the subscription) */
  const received = (n: number) =>
    new Promise<void>((resolve, reject) => {
      const tick = () => (results.length >= n ? resolve() : setTimeout(tick, 20));
      done.catch(reject);
      tick();
    });
  return { ready, done, received, dispose: () => dispose() };
}

// ------------------------------------------------------------------------------------------------
// factories

let seq = 0;
export function unique(prefix = 'u'): string {
  seq += 1;
  return `${prefix}${Date.now().toString(36)}${seq}${randomBytes(2).toString('hex')}`;
}

export interface TestUser {
  id: string;
  username: string;
  email: string;
  password: string;
  token: string;
  role: string;
}

const REGISTER = `mutation Register($input: RegisterInput!) { register(input: $input) { id username email role } }`;
const LOGIN = `mutation Login($input: LoginInput!) { login(input: $input) { token requiresTwoFactor user { id role } } }`;

/** Registers (the first user of a fresh database becomes ADMIN) and logs in. */
export async function createUser(s: TestServer, over: { username?: string; password?: string; email?: string } = {}): Promise<TestUser> {
  const username = over.username ?? unique('user');
  const password = over.password ?? 'correct horse battery';
  const email = over.email ?? `${username}@example.test`;
  const reg = await s.gql(REGISTER, { input: { username, email, password, name: username } });
  if (reg.errors) throw new Error(`register failed: ${JSON.stringify(reg.errors)}`);
  const token = await loginToken(s, username, password);
  return { id: reg.data.register.id, username, email, password, token, role: reg.data.register.role };
}

export async function loginToken(s: TestServer, login: string, password: string): Promise<string> {
  const res = await s.gql(LOGIN, { input: { login, password } });
  if (res.errors || !res.data?.login?.token) throw new Error(`login failed: ${JSON.stringify(res.errors)}`);
  return res.data.login.token;
}

/** A fresh server whose first user is an admin, plus that admin. */
export async function serverWithAdmin(env: Record<string, string | undefined> = {}): Promise<{ s: TestServer; admin: TestUser }> {
  const s = await startTestServer(env);
  const admin = await createUser(s, { username: unique('admin') });
  return { s, admin };
}

/** The `name=value` of a Set-Cookie header, ready to send back as a Cookie header. */
export function cookieFrom(headers: Headers, name = 'session'): string | undefined {
  const all = headers.getSetCookie();
  for (const c of all) {
    const [pair] = c.split(';');
    if (pair.startsWith(`${name}=`)) return pair;
  }
  return undefined;
}
