/**
 * The platform (issue 2 "Benchmarks", issue 10 "platform v2"): `me` over /graphql through Apollo's
 * lifecycle, with the session cache on and off, and `me` over REST, each against a Fastify + Mercurius
 * + graphql-jit server resolving the same `me` with the same JWT check and prepared session join
 * (byte-identical body), with 1,000 distinct users and tokens; login against bare argon2 verifies;
 * idle memory of the compiled server and RSS per idle graphql-ws connection with 1,000 distinct users.
 * Informational: stock Apollo `{ hello }` and `me`, a bare node-pg `me`, our anonymous `{ __typename }`.
 */
import argon2 from 'argon2';
import { ARGON2_OPTIONS } from '../../src/auth/password';
import { BENCH_SERVER_ENV, HttpVariant, LOGIN_MUTATION, Metric, Scenario, ScenarioPlan, ServerProcess, openGraphqlWs, registerUser, seedUsers, sql } from '../lib';

const ME_QUERY = 'query BenchMe { me { id username role } }';
const USERS = 1000;
const WS_CONNECTIONS = 1000;
const FIXED_RATE = 500;
const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => bytes / MiB;

export const platform: Scenario = {
  name: 'platform',
  title: 'GraphQL and REST me (1,000 users, session cache on/off) against Mercurius + graphql-jit, login, idle memory',
  async setup(env) {
    const ix = await env.interchange();
    const db = ix.databaseUrl;
    // a second instance on the same database with the session cache off (its token memo stays: it is not configurable)
    const ixNoCache = await env.startInterchange({ name: 'ix-nocache', databaseUrl: db, env: { SESSION_CACHE_SECONDS: '0' } });
    const users = await seedUsers(db, USERS);
    const loginUser = await registerUser(ix.url);
    const [{ password_hash: loginHash }] = await sql<{ password_hash: string }>(db, 'select password_hash from users where id = $1', [loginUser.id]);

    // Baselines, each in its own process, doing the authentication on every request (no caches).
    const mercurius = await env.startBaseline({ name: 'mercurius', script: 'mercurius-me', databaseUrl: db, cacheSeconds: 0 });
    const stock = await env.startBaseline({ name: 'stock-apollo', script: 'stock-apollo', databaseUrl: db, cacheSeconds: 0 });
    const bare = await env.startBaseline({ name: 'pg-me', script: 'pg-routes', databaseUrl: db, cacheSeconds: 0 });

    // Same `me`, same bytes: ours (both instances) and the GraphQL baselines, for one user.
    const meBody = async (url: string) =>
      (
        await fetch(`${url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${users[0].token}` },
          body: JSON.stringify({ query: ME_QUERY }),
        })
      ).text();
    const ours = await meBody(ix.url);
    if (!ours.includes(`"username":"${users[0].username}"`)) throw new Error(`platform bench: our me answered ${ours.slice(0, 300)}`);
    for (const [name, server] of [
      ['ix-nocache', ixNoCache],
      ['mercurius', mercurius],
      ['stock-apollo', stock],
    ] as const) {
      const theirs = await meBody(server.url);
      if (theirs !== ours) throw new Error(`platform bench: ${name}'s me body differs from ours:\n  ours:   ${JSON.stringify(ours)}\n  theirs: ${JSON.stringify(theirs)}`);
    }

    // The bare login (the floor of the login target) answers ours byte for byte but for the token.
    const loginRequest = { query: LOGIN_MUTATION, variables: { input: { login: loginUser.username, password: loginUser.password } } };
    const loginBody = JSON.stringify(loginRequest);
    const loginOf = async (url: string) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: loginBody });
      return { body: (await res.text()).replace(/"token":"[^"]+"/, '"token":"…"'), cookie: res.headers.getSetCookie().some((c) => c.startsWith('session=')) };
    };
    const ourLogin = await loginOf(`${ix.url}/graphql`);
    const bareLogin = await loginOf(`${bare.url}/login`);
    if (!ourLogin.cookie || !bareLogin.cookie || ourLogin.body !== bareLogin.body) {
      throw new Error(`platform bench: the bare login answers differently:\n  ours:   ${JSON.stringify(ourLogin)}\n  theirs: ${JSON.stringify(bareLogin)}`);
    }

    const bearers = users.map((u) => ({ authorization: `Bearer ${u.token}` }));
    const cookies = users.map((u) => ({ cookie: u.cookie }));
    const connections = env.options.connections;
    const loginConcurrency = 8;
    /** A POST /graphql variant; `me` variants rotate over the seeded users' tokens. */
    const graphql = (id: string, label: string, server: ServerProcess, query: string, mustContain: string, headerSets?: Record<string, string>[]): HttpVariant => ({
      id,
      label,
      server,
      url: `${server.url}/graphql`,
      method: 'POST',
      headerSets,
      body: { query },
      expect: { status: 200, graphql: true, contains: [mustContain] },
      connections,
    });
    const me = (id: string, label: string, server: ServerProcess) => graphql(id, label, server, ME_QUERY, '"username":"', bearers);
    /**
     * A login variant: rounds end as the bare verifies' do, the logins in flight answered and counted
     * (autocannon abandoned eight ~30 ms requests a round, whose CPU was counted without them).
     */
    const loginVariant = (id: string, label: string, server: ServerProcess, url: string): HttpVariant => ({
      id,
      label,
      server,
      url,
      method: 'POST',
      body: loginRequest,
      expect: { status: 200, graphql: true, contains: ['"token":"'] },
      connections: loginConcurrency,
      drain: true,
    });

    const plan: ScenarioPlan = {
      notes: [
        `Our server: \`node dist/src/main.js\` (npm run build), ${Object.entries(BENCH_SERVER_ENV)
          .map(([k, v]) => `${k}=${k === 'JWT_SECRET' ? '(fixed)' : v}`)
          .join(', ')}; \`ix-nocache\` is a second instance on the same database with SESSION_CACHE_SECONDS=0 (its memo of verified tokens is not configurable and stays on).`,
        `${USERS.toLocaleString('en')} users, each with a session and token of its own (seeded in SQL, tokens signed as the server signs); every \`me\` variant sends request i with user i mod ${USERS}'s token (Bearer, or the \`session\` cookie for REST).`,
        'Mercurius: Fastify 5 + Mercurius 16 with `jit: 1` (graphql-jit), `me` resolved with jsonwebtoken (same secret, issuer, audience) and a named prepared statement joining the session to its user (the same conditions as ours, only the columns it needs), on every request; its body is checked byte for byte against ours before measuring. Stock Apollo `me` and the bare node-pg `me` do the same authentication.',
        `\`me\` variants: ${connections} connections; login and argon2: ${loginConcurrency} concurrent (libuv thread pool ${process.env.UV_THREADPOOL_SIZE ?? 4} in both processes); argon2id m=${ARGON2_OPTIONS.memoryCost} KiB, t=${ARGON2_OPTIONS.timeCost}, p=${ARGON2_OPTIONS.parallelism}, verifying the login user's stored hash. Bare argon2 runs in the bench process (its CPU is that process's; no database). Login rounds end as the bare verifies' do: no request is sent after the round's time, the logins in flight are answered and counted (autocannon would abandon them with their CPU counted).`,
        'Every login creates a session row and counts against the (PostgreSQL-backed) login rate limit, as in production; its PostgreSQL CPU is in its CPU per request.',
        `Memory: a separate instance of the compiled server on a fresh database, with --expose-gc and bench/baselines/memory-probe.js preloaded (reads memory after full GCs over IPC); ${WS_CONNECTIONS.toLocaleString('en')} graphql-ws connections, each authenticated in connection_init with its own user's token, left idle.`,
      ],
      variants: [
        me('me-graphql', '`me` over /graphql, session cache on (30 s), 1,000 users', ix),
        me('me-graphql-nocache', '`me` over /graphql, session cache off, 1,000 users', ixNoCache),
        {
          id: 'me-rest',
          label: 'GET /coparent/api/auth/me, session cookie, 1,000 users',
          server: ix,
          url: `${ix.url}/coparent/api/auth/me`,
          method: 'GET',
          headerSets: cookies,
          expect: { status: 200, contains: ['"username":"'] },
          connections,
        },
        me('me-mercurius', 'Fastify + Mercurius + graphql-jit `me`, same JWT check and prepared session join, 1,000 users', mercurius),
        me('me-stock-apollo', 'stock Apollo Server 5 + Express 5 `me`, same JWT check and prepared session join, 1,000 users', stock),
        graphql('stock-hello', 'stock Apollo Server 5 + Express 5 `{ hello }`', stock, '{ hello }', 'world'),
        graphql('hello-mercurius', 'Fastify + Mercurius + graphql-jit `{ hello }`', mercurius, '{ hello }', 'world'),
        {
          id: 'me-pg',
          label: 'bare node:http + node-pg `me`, same JWT check and prepared session join, 1,000 users',
          server: bare,
          url: `${bare.url}/me`,
          method: 'GET',
          headerSets: bearers,
          expect: { status: 200, graphql: true, contains: ['"username":"'] },
          connections,
        },
        graphql('typename-graphql', 'anonymous `{ __typename }` on our /graphql (the pipeline without the viewer lookup)', ix, '{ __typename }', '"Query"'),
        loginVariant('login-graphql', 'login mutation over GraphQL', ix, `${ix.url}/graphql`),
        loginVariant('login-pg', 'bare node:http + node-pg login: the same statements, argon2.verify, token and JSON, no framework', bare, `${bare.url}/login`),
        {
          kind: 'function',
          id: 'argon2-verify',
          label: 'bare argon2.verify of the same hash (bench process)',
          call: () => argon2.verify(loginHash, loginUser.password),
          concurrency: loginConcurrency,
        },
      ],
      ratios: [
        { name: '`me` over /graphql, cache on, 1,000 users ÷ Mercurius + jit `me`', ours: 'me-graphql', baseline: 'me-mercurius', target: 0.6 },
        { name: '`me` over /graphql, session cache off, 1,000 users ÷ Mercurius + jit `me`', ours: 'me-graphql-nocache', baseline: 'me-mercurius', target: 0.5 },
        { name: 'REST GET /coparent/api/auth/me, 1,000 users ÷ Mercurius + jit `me`', ours: 'me-rest', baseline: 'me-mercurius', target: 0.8 },
        { name: 'login ÷ bare argon2 verifies', ours: 'login-graphql', baseline: 'argon2-verify', target: 0.95 },
        { name: 'bare node:http login ÷ bare argon2 verifies (informational: the floor of the login target on this machine)', ours: 'login-pg', baseline: 'argon2-verify' },
        { name: 'login ÷ bare node:http login (informational)', ours: 'login-graphql', baseline: 'login-pg' },
        { name: '`me` over /graphql ÷ stock Apollo `me` (informational)', ours: 'me-graphql', baseline: 'me-stock-apollo' },
        { name: '`me` over /graphql ÷ stock Apollo `{ hello }` (informational)', ours: 'me-graphql', baseline: 'stock-hello' },
        { name: 'Mercurius + jit `me` ÷ stock Apollo `{ hello }` (informational; the issue measured 2.1)', ours: 'me-mercurius', baseline: 'stock-hello' },
        { name: 'Mercurius + jit `{ hello }` ÷ stock Apollo `{ hello }` (informational calibration; the issue measured 6.5)', ours: 'hello-mercurius', baseline: 'stock-hello' },
        { name: '`me` over /graphql ÷ bare node-pg `me` (informational)', ours: 'me-graphql', baseline: 'me-pg' },
        { name: 'anonymous `{ __typename }` on our /graphql ÷ stock Apollo `{ hello }` (informational)', ours: 'typename-graphql', baseline: 'stock-hello' },
      ],
      fixedRate: { rate: FIXED_RATE, variants: ['me-graphql', 'me-graphql-nocache', 'me-rest', 'me-mercurius'] },
      metrics: async () => {
        const databaseUrl = await env.createDatabase('ix_bench_mem');
        const metrics: Metric[] = [];
        const idleChild = await env.startInterchange({ name: 'ix-mem-idle', databaseUrl, memory: true });
        // Idle means idle: read (after full GCs) 2 s after start and again after 30 s without requests.
        // Right after start V8 still holds the young generation start-up grew (about 30 MB committed,
        // empty); its memory reducer gives it back once the process has been idle for a while.
        await sleep(2000);
        const justStarted = await idleChild.memory();
        await sleep(28_000);
        const idle = await idleChild.memory();
        metrics.push({
          name: 'idle RSS, compiled (`node dist/src/main.js`), 30 s idle after start, after full GCs',
          value: mb(idle.rss),
          unit: 'MB',
          max: 100,
          detail: `2 s after start ${mb(justStarted.rss).toFixed(1)} MB; heap used ${mb(idle.heapUsed).toFixed(1)} MB, external ${mb(idle.external).toFixed(1)} MB; answered in ${idleChild.startSeconds.toFixed(1)} s`,
        });

        // Memory per ws connection in a process of its own, read as before (from 2 s after start): in the
        // settled process above, V8 would regrow its young generation under the connections' load and
        // that growth (tens of MB, not per connection) would be counted per connection.
        const child = await env.startInterchange({ name: 'ix-mem', databaseUrl, memory: true });
        await sleep(2000);

        // Warm the connection path with other users first, so the delta is per connection only.
        const wsUsers = await seedUsers(databaseUrl, WS_CONNECTIONS + 20);
        const wsUrl = `${child.url.replace(/^http/, 'ws')}/graphql`;
        const warm = await openGraphqlWs(wsUrl, 20, (i) => ({ token: wsUsers[WS_CONNECTIONS + i].token }));
        await warm.close();
        await sleep(500);
        const before = await child.memory();
        const conns = await openGraphqlWs(wsUrl, WS_CONNECTIONS, (i) => ({ token: wsUsers[i].token }));
        await sleep(1000);
        const during = await child.memory();
        await conns.close();
        await sleep(1000);
        const after = await child.memory();
        const perWs = (a: number, b: number) => (a - b) / WS_CONNECTIONS / 1024;
        const signed = (n: number) => `${n < 0 ? '−' : '+'}${Math.abs(n).toFixed(1)}`;
        metrics.push({
          name: `RSS per idle graphql-ws connection (${WS_CONNECTIONS.toLocaleString('en')} connections, ${WS_CONNECTIONS.toLocaleString('en')} distinct users)`,
          value: perWs(during.rss, before.rss),
          unit: 'KiB',
          max: 10,
          detail:
            `heap ${signed(perWs(during.heapUsed, before.heapUsed))} KiB, external ${signed(perWs(during.external, before.external))} KiB per connection; ` +
            `after closing all: heap ${((after.heapUsed - before.heapUsed) / MiB).toFixed(2)} MB, RSS ${((after.rss - before.rss) / MiB).toFixed(2)} MB over the level before`,
        });
        metrics.push({
          name: `heap per idle graphql-ws connection (${WS_CONNECTIONS.toLocaleString('en')} distinct users; informational)`,
          value: perWs(during.heapUsed, before.heapUsed),
          unit: 'KiB',
        });
        return metrics;
      },
    };
    return plan;
  },
};
