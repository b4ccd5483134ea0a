/**
 * Many instances (issue 14): three servers on one database, without a balancer — each new client
 * connection picks the next instance in turn, as round-robin would — running small versions of the
 * scale-out checks of scripts/scale-out/checks.ts (the same code `npm run scale-out` runs through
 * HAProxy): (a) a write on one instance reaches graphql-ws subscribers on all three, (b) an SSE client
 * reconnecting to another instance with Last-Event-ID misses nothing, (d) a logout on one instance
 * closes the user's sockets on all three. For PUBSUB=postgres and PUBSUB=redis (skipped, saying so,
 * without a Redis). Also: instances started at the same moment on a fresh database all start (the
 * migrations take turns).
 */
import { createHash } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { createTestDatabase, startTestServer, TestServer } from './support/server';
import { REDIS_URL, redisAnswers } from './support/redis';
import { CheckResult, Cluster, deliveryCheck, Fixture, logoutCheck, seed, sseResumeCheck } from '../scripts/scale-out/checks';
import { requestJson } from '../scripts/scale-out/clients';

const redis = redisAnswers(REDIS_URL);
if (!redis) console.warn(`[scale-out.test] no Redis answers at ${REDIS_URL}: the PUBSUB=redis scale-out tests were SKIPPED (set REDIS_URL to run them)`);

/** Starts `n` servers on one database at the same moment; closes the ones that started when any failed. */
async function startTogether(n: number, env: Record<string, string>, databaseUrl: string): Promise<TestServer[]> {
  const settled = await Promise.allSettled(Array.from({ length: n }, () => startTestServer(env, databaseUrl)));
  const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(started.map((s) => s.close()));
    throw failed.reason;
  }
  return started;
}

/** The client picks the instances in turn (what the balancer's round-robin does in the script). */
function roundRobin(servers: TestServer[]): Cluster {
  const instances = servers.map((s, k) => ({ name: `ix${k + 1}`, base: s.url }));
  let next = 0;
  return {
    instances,
    wsUrl: () => `${instances[next++ % instances.length].base.replace(/^http/, 'ws')}/graphql`,
    nameOf: (url) => instances.find((i) => new URL(i.base).port === new URL(url).port)?.name ?? 'unknown',
  };
}

function passed(r: CheckResult): void {
  console.log(`${r.pass ? 'PASS' : 'FAIL'} ${r.name}\n  ${r.summary}`);
  expect(r.problems).toEqual([]);
  expect(r.pass).toBe(true);
}

/** One database for the file: the first test starts three instances on it while it is empty. */
let database: Promise<string> | undefined;
const sharedDatabase = () => (database ??= createTestDatabase());
/** The users, household and cake group of the checks, made once (through whichever instances ask first). */
let fixture: Promise<Fixture> | undefined;

describe('instances started at the same moment on a fresh database', () => {
  it('all start, and each migration is applied once', async () => {
    const db = await sharedDatabase();
    const servers = await startTogether(3, { PUBSUB: 'memory', SESSION_CACHE_SECONDS: '0' }, db);
    try {
      for (const s of servers) {
        const ready = await s.rest('GET', '/readyz');
        expect(ready.status).toBe(200);
        expect(ready.body).toMatchObject({ migrations: 'applied' });
      }
      const c = new PgClient({ connectionString: db });
      await c.connect();
      try {
        const rows = await c.query<{ name: string; n: string }>('select name, count(*) as n from mikro_orm_migrations group by name');
        expect(rows.rows.length).toBeGreaterThan(0);
        expect(rows.rows.filter((r) => Number(r.n) !== 1)).toEqual([]);
      } finally {
        await c.end();
      }
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  }, 30_000);
});

const adapters: ['postgres' | 'redis', boolean][] = [
  ['postgres', true],
  ['redis', redis],
];

for (const [adapter, available] of adapters) {
  (available ? describe : describe.skip)(`PUBSUB=${adapter}: three instances on one database, clients spread over them`, () => {
    let servers: TestServer[] = [];
    let cluster: Cluster;
    let fx: Fixture;

    beforeAll(async () => {
      servers = await startTogether(3, { PUBSUB: adapter, REDIS_URL }, await sharedDatabase());
      cluster = roundRobin(servers);
      fx = await (fixture ??= seed(cluster.instances[0].base, { members: 3 }));
    }, 30_000);
    afterAll(async () => {
      await Promise.all(servers.map((s) => s.close()));
    });

    it('a) delivers every write, made on any instance, once to every subscriber on every instance', async () => {
      const r = await deliveryCheck(cluster, fx, { subscribers: 6, rate: 30, seconds: 1, month: adapter === 'postgres' ? '2044-02' : '2044-03' });
      passed(r);
      expect(r.numbers['subscribers per instance']).toBe('ix1 2 · ix2 2 · ix3 2');
      expect(r.numbers.deliveries).toBe(`${30 * 6}/${30 * 6}`);
    });

    it('b) resumes an SSE stream on another instance from Last-Event-ID without a gap or a repeat', async () => {
      const r = await sseResumeCheck(cluster, fx, { before: 2, during: 4 });
      passed(r);
      expect(r.numbers).toMatchObject({ 'first stream': 'ix1', 'resumed on': 'ix2', 'resent on resume': '4/4' });
    });

    it("d) a logout on one instance closes the user's sockets on all three with 4401, and the token is refused everywhere", async () => {
      const r = await logoutCheck(cluster, fx, { socketsPerInstance: 1 });
      passed(r);
      expect(r.numbers).toMatchObject({ 'sockets per instance': 'ix1 1 · ix2 1 · ix3 1', 'closed with 4401': '3/3', 'token refused afterwards on': 'ix1, ix2, ix3' });
    });

    it('shares automatic persisted queries: a hash registered on one instance runs by its hash alone on the others (APQ_STORE follows PUBSUB)', async () => {
      const query = `query ScaleOutApq${adapter} { me { id } }`;
      const persistedQuery = { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') };
      const [a, b, c] = cluster.instances;
      // not registered anywhere yet: the message Apollo Client's persisted-query link retries on, no data, no 500
      const unknown = await requestJson(`${b.base}/graphql`, 'POST', { extensions: { persistedQuery } }, fx.writer.token);
      expect(unknown.status).toBeLessThan(500);
      expect(unknown.body.data).toBeUndefined();
      expect(unknown.body.errors.map((e: { message: string }) => e.message)).toEqual(['PersistedQueryNotFound']);
      const full = await requestJson(`${a.base}/graphql`, 'POST', { query, extensions: { persistedQuery } }, fx.writer.token);
      expect(full.body).toEqual({ data: { me: { id: fx.writer.id } } });
      // Apollo stores a registration once it answered it: the others see it a moment later
      for (const other of [b, c]) {
        let got = await requestJson(`${other.base}/graphql`, 'POST', { extensions: { persistedQuery } }, fx.writer.token);
        for (let i = 0; i < 50 && !got.body.data; i += 1) {
          await new Promise((r) => setTimeout(r, 50));
          got = await requestJson(`${other.base}/graphql`, 'POST', { extensions: { persistedQuery } }, fx.writer.token);
        }
        expect(got.body).toEqual(full.body);
      }
    });
  });
}
