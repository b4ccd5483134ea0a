/**
 * The process as an operator runs it: `npm start` (src/main.ts) on an embedded PostgreSQL with no
 * environment, data kept across restarts, a clear failure on bad configuration, and graceful shutdown
 * on SIGTERM that finishes an in-flight request, closes ws with 1001 and exits 0.
 */
import http from 'node:http';
import { mkdtempSync, chmodSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { LifecycleTestLoginDocument, LifecycleTestRegisterDocument } from '../src/generated/graphql';
import { createTestDatabase, postGraphql } from './support/server';
import { buildDist, freePort, MainProcess, runMain } from './support/process';
import { surfaces } from '../src/rest/surfaces';

// This file's operations; codegen generates the typed `LifecycleTest…Document`s used below from them.
/* GraphQL */ `
  mutation LifecycleTestRegister { register(input: { username: "keeper", password: "persisted-pw" }) { id role } }
  mutation LifecycleTestLogin { login(input: { login: "keeper", password: "persisted-pw" }) { token user { id } } }
`;

describe('npm start without DATABASE_URL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ix-start-'));
  chmodSync(dataDir, 0o755);
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('starts an embedded PostgreSQL, migrates, serves, and keeps data across a restart', async () => {
    buildDist();
    const port = await freePort();
    const env = { DATA_DIR: dataDir, PORT: String(port), EMBEDDED_PG_PORT: String(await freePort()), PUBSUB: 'postgres' };
    const first = runMain(env, { compiled: true });
    await first.waitFor(/First admin:/);
    expect(first.output()).toMatch(new RegExp(`http://localhost:${port}/graphql`));
    expect(first.output()).toMatch(/First admin: the first user to register/);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', database: 'ok', migrations: 'applied', listener: 'up' });
    const reg = await postGraphql(`http://127.0.0.1:${port}`, LifecycleTestRegisterDocument);
    expect(reg.data!.register.role).toBe('ADMIN');
    // the generated JWT secret is kept in DATA_DIR
    expect(existsSync(join(dataDir, 'jwt-secret'))).toBe(true);
    const secret = readFileSync(join(dataDir, 'jwt-secret'), 'utf8');
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    const second = runMain(env, { compiled: true });
    await second.waitFor(/First admin:/);
    const login = await postGraphql(`http://127.0.0.1:${port}`, LifecycleTestLoginDocument);
    expect(login.data!.login.user!.id).toBe(reg.data!.register.id);
    expect(readFileSync(join(dataDir, 'jwt-secret'), 'utf8')).toBe(secret);
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    // a first build of a fresh clone (no incremental state) and two embedded-PostgreSQL starts
  }, 180_000);

  it('fails the start with a clear message on a bad value', async () => {
    // the output is the structured log: JSON lines (stdout is not a terminal), the refusal a fatal one
    const fatal = (p: MainProcess) =>
      p
        .output()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { level: string; msg: string })
        .filter((l) => l.level === 'fatal');
    const bad = runMain({ DATA_DIR: dataDir, PORT: 'eighty' });
    expect(await bad.exited).toBe(1);
    expect(fatal(bad).map((l) => l.msg)).toEqual(['Configuration error: PORT must be a whole number from 0 to 65535, got "eighty"']);
    const prod = runMain({ DATA_DIR: dataDir, NODE_ENV: 'production' });
    expect(await prod.exited).toBe(1);
    expect(fatal(prod).map((l) => l.msg)).toEqual([expect.stringMatching(/JWT_SECRET is required when NODE_ENV=production/)]);
  });
});

describe('graceful shutdown', () => {
  it('on SIGTERM finishes an in-flight request, closes ws with 1001 and exits 0', async () => {
    const port = await freePort();
    const main = runMain({ DATABASE_URL: await createTestDatabase(), PORT: String(port), JWT_SECRET: 'x'.repeat(40), PUBSUB: 'postgres' });
    await main.waitFor(/First admin:/);

    const ws = new WebSocket(`ws://127.0.0.1:${port}/graphql`, 'graphql-transport-ws');
    await new Promise((resolve) => ws.on('open', resolve));
    ws.send(JSON.stringify({ type: 'connection_init' }));
    await new Promise((resolve) => ws.once('message', resolve));
    const wsClosed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));

    // an in-flight request: headers sent, body still arriving when SIGTERM lands
    const body = JSON.stringify({ query: '{ __typename }' });
    const response = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, path: '/graphql', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } },
        (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.on('error', reject);
      req.write(body.slice(0, 5));
      setTimeout(() => {
        main.child.kill('SIGTERM');
        setTimeout(() => req.end(body.slice(5)), 400);
      }, 200);
    });
    const res = await response;
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toEqual({ data: { __typename: 'Query' } });
    expect(await wsClosed).toBe(1001);
    expect(await main.exited).toBe(0);
    expect(main.output()).toMatch(/SIGTERM: finishing in-flight requests/);
  });
});

// In this file because it builds dist/ too: two files building at once in parallel workers would race.
describe('the compiled server on a database', () => {
  // Issue 9: sysinfo read package.json relative to the source tree and answered 500 only when compiled,
  // which ts-jest cannot see. One route of each surface, GraphQL and the health routes, from dist/.
  let main: MainProcess;
  let base: string;
  beforeAll(async () => {
    buildDist();
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    // GraphiQL: its assets are found from dist/ too (node_modules and public/graphql-ide/)
    const env = {
      DATABASE_URL: await createTestDatabase(),
      PORT: String(port),
      HOST: '127.0.0.1',
      JWT_SECRET: 'smoke-secret-0123456789-0123456789-0123',
      PUBSUB: 'memory',
      GRAPHQL_IDE: 'graphiql',
    };
    main = runMain(env, { compiled: true });
    await main.waitFor(/Interchange is running/);
  }, 120_000);
  afterAll(async () => {
    main.child.kill('SIGTERM');
    await main.exited;
  });

  it('answers the health routes and GraphQL', async () => {
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ cakeSystemInfo { version projectName } }' }),
    });
    expect(await res.json()).toEqual({ data: { cakeSystemInfo: { version: expect.stringMatching(/^\d+\.\d+\.\d+/), projectName: 'interchange' } } });
  });

  it('answers the front door (JSON) and the GraphiQL page with its assets', async () => {
    const door = await fetch(`${base}/`, { headers: { accept: 'application/json' } });
    expect(door.status).toBe(200);
    const version = (JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }).version;
    expect(await door.json()).toMatchObject({ name: 'interchange', version, mode: 'development', graphql: { endpoint: '/graphql', ide: 'graphiql' }, health: '/healthz' });
    const page = await fetch(`${base}/graphql`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const assets = [...(await page.text()).matchAll(/(?:src|href)="(\/graphql\/ide\/[^"]+)"/g)].map((m) => m[1]);
    expect(assets.length).toBeGreaterThan(0);
    for (const path of assets) expect([path, (await fetch(`${base}${path}`)).status]).toEqual([path, 200]);
  });

  it('answers a route of every surface, cakeplanner sysinfo included', async () => {
    const sysinfo = await fetch(`${base}/cakeplanner/api/system/sysinfo`);
    expect(sysinfo.status).toBe(200);
    expect(await sysinfo.json()).toMatchObject({
      name: 'Cake Planner',
      project_name: 'interchange',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      prog_longname: expect.any(String),
    });
    expect((await fetch(`${base}/cakeplanner/api/system/healthcheck`)).status).toBe(200);
    for (const surface of surfaces) {
      const res = await fetch(`${base}/${surface.id}/openapi.json`);
      expect([surface.id, res.status]).toEqual([surface.id, 200]);
    }
    for (const path of ['/compass/api/health', '/coparent/api/health']) {
      expect([path, (await fetch(`${base}${path}`)).status]).toEqual([path, 200]);
    }
  });
});
