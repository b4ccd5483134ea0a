/**
 * Test harness: real servers on real PostgreSQL. Every `startTestServer()` gets a fresh database
 * (unless given one), so tests never share data; clients speak HTTP, ws and REST like real ones.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { appendFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { createClient, Client as WsClient, FormattedExecutionResult, Sink } from 'graphql-ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import WebSocket from 'ws';
import pino, { type DestinationStream } from 'pino';
import { AppConfig, loadConfig } from '../../src/config';
import { startServer, RunningServer, StartOptions } from '../../src/server/server';
import { TestAddHouseholdMemberDocument, TestLoginDocument, TestRegisterDocument, TestSetEnrollmentDocument } from '../../src/generated/graphql';
import type { Application, MembershipRole, MembershipStatus } from '../../src/generated/graphql';

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
    // quiet whatever NODE_ENV a test picks; a test that reads the log sets LOG_LEVEL and a destination
    LOG_LEVEL: 'silent',
    ...env,
  });
}

/** A GraphQL error as the server sends it. */
export interface GqlError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: { code?: string; [k: string]: unknown };
}

export interface GqlResult<T = unknown> {
  status: number;
  headers: Headers;
  data?: T;
  errors?: GqlError[];
}

/** Variables as graphql-ws and JSON bodies take them. */
type Variables = Record<string, unknown>;

/** What the server is sent: a document's text (a typed document is printed). */
export function queryText(doc: string | TypedDocumentNode<unknown, never>): string {
  return typeof doc === 'string' ? doc : print(doc);
}

/** POSTs a GraphQL request to `${base}/graphql` (any server: a test server, a process the test started). */
export function postGraphql<R, V extends Variables>(base: string, doc: TypedDocumentNode<R, V>, variables?: V, auth?: RequestAuth): Promise<GqlResult<R>>;
export function postGraphql(base: string, doc: string | TypedDocumentNode<unknown, never>, variables?: Variables, auth?: RequestAuth): Promise<GqlResult<unknown>>;
export async function postGraphql(base: string, doc: string | TypedDocumentNode<unknown, never>, variables?: Variables, auth: RequestAuth = {}): Promise<GqlResult<unknown>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(auth.headers ?? {}) };
  if (auth.token) headers.authorization = `Bearer ${auth.token}`;
  if (auth.cookie) headers.cookie = auth.cookie;
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers, body: JSON.stringify({ query: queryText(doc), variables }) });
  const text = await res.text();
  let json: { data?: unknown; errors?: GqlError[] };
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`non-JSON GraphQL response ${res.status}: ${text.slice(0, 200)}`);
  }
  return { status: res.status, headers: res.headers, data: json.data ?? undefined, errors: json.errors };
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

  /**
   * A GraphQL request over HTTP. Give it a typed document (a generated `…Document`: codegen makes one
   * of every named operation in tests/** tagged with the GraphQL magic comment): its result and its
   * variables are typed by it. A document as text names its result type: a generated `…Query` type, or `unknown` for a document
   * codegen would refuse (a syntax error, an unknown field, a limit test). Without a type argument
   * the text form is untyped: left for the files another branch is converting (cakeplanner*, compass*).
   */
  gql<R, V extends Variables>(doc: TypedDocumentNode<R, V>, variables?: V, auth?: RequestAuth): Promise<GqlResult<R>>;
  gql<T = unknown>(query: string, variables?: Variables, auth?: RequestAuth): Promise<GqlResult<T>>;
  gql(doc: string | TypedDocumentNode<unknown, never>, variables?: Variables, auth: RequestAuth = {}): Promise<GqlResult<unknown>> {
    return postGraphql(this.url, doc, variables, auth);
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
let runLog: DestinationStream | undefined;

/**
 * With TEST_RUN_LOG (a file; .ci/run sets it), every test server that neither reads its own log nor picks a
 * level logs at info into that file, so the whole run's log can be searched for secrets afterwards
 * (scripts/check-run-log.mjs: passwords, tokens and hashes the tests used must appear in no line).
 */
function runLogOptions(env: Record<string, string | undefined>, options: StartOptions): { env: Record<string, string | undefined>; options: StartOptions } {
  const file = process.env.TEST_RUN_LOG;
  if (!file || env.LOG_LEVEL !== undefined || options.logDestination || options.logger) return { env, options };
  runLog ??= pino.destination({ dest: file, append: true, sync: true });
  return { env: { ...env, LOG_LEVEL: 'info' }, options: { ...options, logDestination: runLog } };
}

export async function startTestServer(env: Record<string, string | undefined> = {}, databaseUrl?: string, options: StartOptions = {}): Promise<TestServer> {
  const url = databaseUrl ?? (await createTestDatabase());
  const logged = runLogOptions(env, options);
  const server = await startServer(testConfig({ DATABASE_URL: url, ...logged.env }), logged.options);
  return new TestServer(server, url);
}

/** `client.subscribe` with a typed subscription document: the sink's results are typed by it. */
export function subscribe<R, V extends Variables>(client: WsClient, doc: TypedDocumentNode<R, V>, variables: V, sink: Sink<FormattedExecutionResult<R>>): () => void {
  return client.subscribe<R>({ query: queryText(doc), variables }, sink);
}

/** One result of a subscription. */
export interface SubscriptionResult<T> {
  data?: T;
  errors?: GqlError[];
}

/**
 * Collects the next `count` results of a subscription (or fails after `timeoutMs`). Typed by a typed
 * document; a document as text names its result type (untyped without one, as `gql`'s text form).
 */
export function collect<R, V extends Variables>(client: WsClient, doc: TypedDocumentNode<R, V>, variables?: V, count?: number, timeoutMs?: number): Collected<R>;
export function collect<T = unknown>(client: WsClient, query: string, variables?: Variables, count?: number, timeoutMs?: number): Collected<T>;
export function collect(client: WsClient, doc: string | TypedDocumentNode<unknown, never>, variables: Variables = {}, count = 1, timeoutMs = 10000): Collected<unknown> {
  const results: SubscriptionResult<unknown>[] = [];
  let dispose: () => void = () => undefined;
  let subscribed: () => void = () => undefined;
  const ready = new Promise<void>((r) => (subscribed = r));
  const done = new Promise<typeof results>((resolve, reject) => {
    const timer = setTimeout(() => {
      dispose();
      reject(new Error(`subscription timed out with ${results.length}/${count} results`));
    }, timeoutMs);
    dispose = client.subscribe<unknown>(
      { query: queryText(doc), variables },
      {
        next: (r) => {
          results.push(r as SubscriptionResult<unknown>);
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

export interface Collected<T> {
  /** resolves once the subscription is registered on the server */
  ready: Promise<void>;
  /** resolves with the results once `count` arrived or the subscription completed */
  done: Promise<SubscriptionResult<T>[]>;
  received: (n: number) => Promise<void>;
  dispose: () => void;
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

/** Registers (the first user of a fresh database becomes ADMIN) and logs in. */
export async function createUser(s: TestServer, over: { username?: string; password?: string; email?: string } = {}): Promise<TestUser> {
  const username = over.username ?? unique('user');
  const password = over.password ?? 'correct horse battery';
  const email = over.email ?? `${username}@example.test`;
  const reg = await s.gql(TestRegisterDocument, { input: { username, email, password, name: username } });
  if (reg.errors || !reg.data) throw new Error(`register failed: ${JSON.stringify(reg.errors)}`);
  const token = await loginToken(s, username, password);
  return { id: reg.data.register.id, username, email, password, token, role: reg.data.register.role };
}

export async function loginToken(s: TestServer, login: string, password: string): Promise<string> {
  const res = await s.gql(TestLoginDocument, { input: { login, password } });
  if (res.errors || !res.data?.login?.token) throw new Error(`login failed: ${JSON.stringify(res.errors)}`);
  return res.data.login.token;
}

/**
 * Puts an existing account in a coparent household (the default one unless named) through the platform
 * admin's GraphQL operation: coparent is private to households (docs/compat/coparent.md).
 */
export async function joinHousehold(s: TestServer, admin: { token: string }, user: { id: string }, role: 'USER' | 'ADMIN' = 'USER', householdId?: string): Promise<void> {
  const res = await s.gql(TestAddHouseholdMemberDocument, { userId: user.id, role: role as MembershipRole, householdId }, { token: admin.token });
  if (res.errors) throw new Error(`addHouseholdMember failed: ${JSON.stringify(res.errors)}`);
}

/** A household admin (the server's first user: its platform admin too) and `count` members of the household. */
export async function householdWithMembers<S extends TestServer>(s: S, count: number): Promise<{ admin: TestUser; members: TestUser[] }> {
  const admin = await createUser(s, { username: unique('admin') });
  const members: TestUser[] = [];
  for (let i = 0; i < count; i++) {
    const u = await createUser(s);
    await joinHousehold(s, admin, u);
    members.push(u);
  }
  return { admin, members };
}

/**
 * Disables a user's coparent membership straight in SQL (as an operator would), then waits for the
 * change to reach the session cache through its NOTIFY.
 */
export async function disableCoparentInSql(s: TestServer, userId: string, settleMs = 500): Promise<void> {
  const pg = new PgClient({ connectionString: s.databaseUrl });
  await pg.connect();
  try {
    await pg.query(`update app_memberships set status = 'DISABLED' where user_id = $1 and application = 'COPARENT'`, [userId]);
  } finally {
    await pg.end();
  }
  await new Promise((r) => setTimeout(r, settleMs));
}

/** A coparent item of the token's household on `date` (GraphQL), its id. */
export async function createCoparentItem(s: TestServer, token: string, date: string, title: string): Promise<string> {
  const res = await s.gql<{ createCoparentItem: { id: string } }>(
    `mutation TestCreateCoparentItem($input: CreateCoparentItemInput!) { createCoparentItem(input: $input) { id } }`,
    { input: { date, type: 'EVENT', title, body: '' } },
    { token },
  );
  if (res.errors) throw new Error(`createCoparentItem failed: ${JSON.stringify(res.errors)}`);
  return res.data!.createCoparentItem.id;
}

/** Activates an existing account for an application (cakeplanner) through the platform admin's GraphQL operation. */
export async function enrollIn(s: TestServer, admin: { token: string }, user: { id: string }, application: 'CAKEPLANNER' | 'COMPASS' | 'CONDUCT'): Promise<void> {
  const res = await s.gql(TestSetEnrollmentDocument, { userId: user.id, application: application as Application, status: 'ACTIVE' as MembershipStatus }, { token: admin.token });
  if (res.errors) throw new Error(`setEnrollment failed: ${JSON.stringify(res.errors)}`);
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

/**
 * One request by node:http (fetch adds `Cache-Control: no-cache` to a conditional request and hides the
 * header lines' order): status, header lines in order (Date aside) and body.
 */
export function rawRequest(url: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; lines: string[]; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => {
        const lines: string[] = [];
        for (let i = 0; i < res.rawHeaders.length; i += 2) if (res.rawHeaders[i] !== 'Date') lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
        resolve({ status: res.statusCode!, lines, body });
      });
    });
    req.on('error', reject);
    req.end();
  });
}
