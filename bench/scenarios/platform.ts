/**
 * The platform foundation (issue 2, "Benchmarks"): `me` over GraphQL against a stock Apollo server,
 * the REST engine's cost over GraphQL, login against bare argon2, and idle memory (RSS after start,
 * heap per idle graphql-ws connection) of our server alone in a child process.
 */
import argon2 from 'argon2';
import { ARGON2_OPTIONS } from '../../src/auth/password';
import { verifyToken } from '../../src/auth/tokens';
import { BENCH_SERVER_ENV, LOGIN_MUTATION, Metric, Scenario, ScenarioPlan, openGraphqlWs, registerUser, sql } from '../lib';

const ME_QUERY = 'query BenchMe { me { id username role } }';
const MiB = 1024 * 1024;
const WS_CONNECTIONS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (bytes: number) => bytes / MiB;

export const platform: Scenario = {
  name: 'platform',
  title: 'GraphQL me, REST engine, login, idle memory',
  async setup(env) {
    const ix = await env.interchange();
    const stock = await env.startStockApollo();
    const viewer = await registerUser(ix.url);
    const loginUser = await registerUser(ix.url);
    const [{ password_hash: loginHash }] = await sql<{ password_hash: string }>(ix.databaseUrl, 'select password_hash from users where id = $1', [loginUser.id]);

    // The bare equivalent of `me`: the same token check and the same session + user lookup, no framework.
    const pgMe = await env.startPgBaseline({
      databaseUrl: ix.databaseUrl,
      async handle({ headers, pool }) {
        const auth = headers.authorization ?? '';
        const claims = auth.startsWith('Bearer ') ? verifyToken(ix.config, auth.slice(7)) : undefined;
        if (!claims) return { status: 401, body: { errors: [{ message: 'Not authenticated' }] } };
        const { rows } = await pool.query(
          `select u.id, u.username, u.role, u.is_active, u.deleted_at, s.revoked_at, s.expires_at
             from sessions s join users u on u.id = s.user_id where s.id = $1`,
          [claims.sid],
        );
        const r = rows[0];
        if (!r || r.revoked_at || r.expires_at <= new Date() || r.id !== claims.sub || !r.is_active || r.deleted_at) {
          return { status: 401, body: { errors: [{ message: 'Not authenticated' }] } };
        }
        return { body: { data: { me: { id: r.id, username: r.username, role: r.role } } } };
      },
    });

    const meConnections = env.options.connections;
    const loginConcurrency = 8;
    const plan: ScenarioPlan = {
      notes: [
        `Our server in the bench process: ${Object.entries(BENCH_SERVER_ENV).map(([k, v]) => `${k}=${k === 'JWT_SECRET' ? '(fixed)' : v}`).join(', ')}; its own database.`,
        `\`me\` variants: ${meConnections} connections; login and argon2: ${loginConcurrency} concurrent (libuv thread pool ${process.env.UV_THREADPOOL_SIZE ?? 4}); argon2id m=${ARGON2_OPTIONS.memoryCost} KiB, t=${ARGON2_OPTIONS.timeCost}, p=${ARGON2_OPTIONS.parallelism}, verifying the login user's stored hash.`,
        'Every login creates a session row and counts against the (PostgreSQL-backed) login rate limit, as in production.',
        'Our server runs with its defaults for the session cache (SESSION_CACHE_SECONDS=30: after its first request a session is checked in memory, kept exact by change notices) and the /graphql fast lane (GRAPHQL_JIT=true: `me` and login run through graphql-jit, answered as Apollo would). The bare node-pg `me` asks the database on every request.',
        `Memory: our server alone in a child process (bench/server-child.ts) with --expose-gc, same settings, read after full GCs; ${WS_CONNECTIONS} graphql-ws connections authenticated with a token in connection_init and left idle.`,
      ],
      variants: [
        {
          id: 'me-graphql',
          label: '`me` over GraphQL, Bearer token',
          url: `${ix.url}/graphql`,
          method: 'POST',
          headers: { authorization: `Bearer ${viewer.token}` },
          body: { query: ME_QUERY },
          expect: { status: 200, graphql: true, contains: [viewer.username] },
          connections: meConnections,
        },
        {
          id: 'stock-hello',
          label: 'stock Apollo Server 5 + Express 5 `{ hello }`',
          url: `${stock.url}/graphql`,
          method: 'POST',
          body: { query: '{ hello }' },
          expect: { status: 200, graphql: true, contains: ['world'] },
          connections: meConnections,
        },
        {
          id: 'typename-graphql',
          label: 'anonymous `{ __typename }` on our /graphql (the pipeline without the viewer lookup)',
          url: `${ix.url}/graphql`,
          method: 'POST',
          body: { query: '{ __typename }' },
          expect: { status: 200, graphql: true, contains: ['"Query"'] },
          connections: meConnections,
        },
        {
          id: 'me-rest',
          label: 'GET /coparent/api/auth/me, session cookie',
          url: `${ix.url}/coparent/api/auth/me`,
          method: 'GET',
          headers: { cookie: viewer.cookie },
          expect: { status: 200, contains: [`"username":"${viewer.username}"`] },
          connections: meConnections,
        },
        {
          id: 'me-pg',
          label: 'bare node:http + node-pg `me` (same token check, the lookup on every request)',
          url: `${pgMe.url}/me`,
          method: 'GET',
          headers: { authorization: `Bearer ${viewer.token}` },
          expect: { status: 200, graphql: true, contains: [viewer.username] },
          connections: meConnections,
        },
        {
          id: 'login-graphql',
          label: 'login mutation over GraphQL',
          url: `${ix.url}/graphql`,
          method: 'POST',
          body: { query: LOGIN_MUTATION, variables: { input: { login: loginUser.username, password: loginUser.password } } },
          expect: { status: 200, graphql: true, contains: ['"token":"'] },
          connections: loginConcurrency,
        },
        {
          kind: 'function',
          id: 'argon2-verify',
          label: 'bare argon2.verify of the same hash',
          call: () => argon2.verify(loginHash, loginUser.password),
          concurrency: loginConcurrency,
        },
      ],
      ratios: [
        { name: '`me` over GraphQL ÷ stock Apollo `{ hello }`', ours: 'me-graphql', baseline: 'stock-hello', target: 1.0 },
        { name: 'REST GET /coparent/api/auth/me ÷ `me` over GraphQL', ours: 'me-rest', baseline: 'me-graphql', target: 0.9 },
        { name: 'login ÷ bare argon2 verifies', ours: 'login-graphql', baseline: 'argon2-verify', target: 0.9 },
        { name: '`me` over GraphQL ÷ bare node-pg `me` (informational)', ours: 'me-graphql', baseline: 'me-pg' },
        { name: 'anonymous `{ __typename }` on our /graphql ÷ stock Apollo `{ hello }` (informational)', ours: 'typename-graphql', baseline: 'stock-hello' },
      ],
      metrics: async () => {
        const databaseUrl = await env.createDatabase('ix_bench_mem');
        const metrics: Metric[] = [];

        // `npm run dev` runs from source: ts-node --transpile-only keeps the TypeScript compiler in memory.
        const asStarted = await env.startServerChild({ databaseUrl, runtime: 'ts-node' });
        await sleep(2000);
        const idleTs = await asStarted.memory();
        await asStarted.stop();
        metrics.push({
          name: 'idle RSS after start, `npm run dev` from source (ts-node --transpile-only; informational)',
          value: mb(idleTs.rss),
          unit: 'MB',
          detail: `heap used ${mb(idleTs.heapUsed).toFixed(1)} MB, external ${mb(idleTs.external).toFixed(1)} MB; started in ${asStarted.startSeconds.toFixed(1)} s`,
        });

        // As `npm start` runs it: compiled ahead of time (tsc -p tsconfig.build.json), run by plain node.
        const child = await env.startServerChild({ databaseUrl, runtime: 'compiled' });
        await sleep(2000);
        const idleJs = await child.memory();
        metrics.push({
          name: 'idle RSS after start, as `npm start` runs it (compiled JavaScript, plain node)',
          value: mb(idleJs.rss),
          unit: 'MB',
          max: 150,
          detail: `heap used ${mb(idleJs.heapUsed).toFixed(1)} MB, external ${mb(idleJs.external).toFixed(1)} MB; started in ${child.startSeconds.toFixed(1)} s`,
        });

        // Heap per idle graphql-ws connection: warm the connection path first, so the delta is per connection only.
        const wsUser = await registerUser(child.url);
        const wsUrl = `${child.url.replace(/^http/, 'ws')}/graphql`;
        const warm = await openGraphqlWs(wsUrl, 20, { token: wsUser.token });
        await warm.close();
        await sleep(500);
        const before = await child.memory();
        const conns = await openGraphqlWs(wsUrl, WS_CONNECTIONS, { token: wsUser.token });
        await sleep(1000);
        const during = await child.memory();
        await conns.close();
        await sleep(1000);
        const after = await child.memory();
        metrics.push({
          name: `heap per idle graphql-ws connection (${WS_CONNECTIONS} connections)`,
          value: (during.heapUsed - before.heapUsed) / WS_CONNECTIONS / 1024,
          unit: 'KiB',
          max: 16,
          detail:
            `RSS +${((during.rss - before.rss) / WS_CONNECTIONS / 1024).toFixed(1)} KiB, external +${((during.external - before.external) / WS_CONNECTIONS / 1024).toFixed(1)} KiB per connection; ` +
            `heap after closing all: ${((after.heapUsed - before.heapUsed) / MiB).toFixed(2)} MB over the level before`,
        });
        return metrics;
      },
    };
    return plan;
  },
};
