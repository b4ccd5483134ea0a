/**
 * The shared APQ cache (src/server/apq.ts): a document registered through Apollo's automatic persisted
 * query protocol on one instance runs by its hash alone on another, through PostgreSQL (APQ_STORE=postgres,
 * table apq_documents) or Redis (APQ_STORE=redis); a store that does not answer degrades to
 * PERSISTED_QUERY_NOT_FOUND (the client sends the text again), never a 500. The Redis cases run against
 * REDIS_URL, else 127.0.0.1:6379, and are skipped (saying so) without one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { Client as PgClient } from 'pg';
import Redis from 'ioredis';
import { Body, codes, wsOnce } from './support/ws-once';
import { startTestServer, TestServer } from './support/server';
import { REDIS_URL, redisAnswers } from './support/redis';
import { freePort } from './support/process';
import { LogCapture } from './support/log-capture';
import { apqPrefix } from '../src/server/apq';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
/** A document no other test registered (its alias makes its text, so its hash, unique). */
const freshDocument = () => `query ApqShared { t${randomBytes(4).toString('hex')}: __typename }`;
const apq = (hash: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: hash } } });

async function post(s: TestServer, body: Record<string, unknown>): Promise<{ status: number; body: Body }> {
  const res = await fetch(`${s.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Body };
}

/**
 * The hash alone on `s`, until it runs (Apollo stores a registration after answering it, so the row may
 * land a moment after the registering response) or `ms` pass.
 */
async function byHashEventually(s: TestServer, hash: string, ms = 5_000): Promise<{ status: number; body: Body }> {
  const until = Date.now() + ms;
  for (;;) {
    const res = await post(s, apq(hash));
    if (res.body.data || Date.now() > until) return res;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Two instances on one database with the given store: register on A, use the hash alone on B (HTTP and ws). */
function sharesAcrossInstances(env: Record<string, string>) {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer(env);
    b = await startTestServer(env, a.databaseUrl);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('a hash registered on instance A runs by its hash alone on instance B', async () => {
    const text = freshDocument();
    const hash = sha256(text);
    const before = await post(b, apq(hash));
    expect(before.status).toBe(200);
    expect(codes(before.body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const registered = await post(a, { query: text, ...apq(hash) });
    expect(registered.body).toEqual({ data: { [text.match(/t[0-9a-f]{8}/)![0]]: 'Query' } });
    const onB = await byHashEventually(b, hash);
    expect(onB.status).toBe(200);
    expect(onB.body).toEqual(registered.body);
    // graphql-ws on B too (its `query` is required: empty with a hash)
    const ws = b.ws();
    try {
      expect(await wsOnce(ws, { query: '', ...apq(hash) })).toEqual(registered.body);
    } finally {
      await ws.dispose();
    }
  });

  it('registers a document sent over ws with its hash, for HTTP on the other instance', async () => {
    const text = freshDocument();
    const hash = sha256(text);
    const ws = a.ws();
    try {
      expect((await wsOnce(ws, { query: text, ...apq(hash) })).data).toBeDefined();
    } finally {
      await ws.dispose();
    }
    expect((await byHashEventually(b, hash)).body.data).toBeDefined();
  });

  it('refuses a hash that does not match the text, and never registers a document that does not validate', async () => {
    const text = freshDocument();
    const wrong = await post(a, { query: text, ...apq(sha256('something else')) });
    expect(wrong.status).toBe(400);
    const invalid = 'query Invalid { noSuchField }';
    const refused = await post(a, { query: invalid, ...apq(sha256(invalid)) });
    expect(refused.status).toBe(400);
    expect(codes(refused.body)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
    expect(codes((await post(b, apq(sha256(invalid)))).body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });

  return {
    get a() {
      return a;
    },
  };
}

describe('APQ_STORE=postgres', () => {
  const s = sharesAcrossInstances({ APQ_STORE: 'postgres' });

  it('keeps the document in apq_documents under its hash', async () => {
    const text = freshDocument();
    const hash = sha256(text);
    await post(s.a, { query: text, ...apq(hash) });
    const pg = new PgClient({ connectionString: s.a.databaseUrl });
    await pg.connect();
    try {
      let rows: { document: string }[] = [];
      for (let i = 0; i < 100 && !rows.length; i += 1) {
        rows = (await pg.query('select document from apq_documents where hash = $1', [hash])).rows;
        if (!rows.length) await new Promise((r) => setTimeout(r, 50));
      }
      expect(rows).toEqual([{ document: text }]);
    } finally {
      await pg.end();
    }
  });
});

describe('APQ_STORE=memory', () => {
  let a: TestServer;
  let b: TestServer;
  beforeAll(async () => {
    a = await startTestServer({ APQ_STORE: 'memory' });
    b = await startTestServer({ APQ_STORE: 'memory' }, a.databaseUrl);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('keeps registrations per instance', async () => {
    const text = freshDocument();
    const hash = sha256(text);
    expect((await post(a, { query: text, ...apq(hash) })).body.data).toBeDefined();
    expect((await byHashEventually(a, hash)).body.data).toBeDefined();
    expect(codes((await post(b, apq(hash))).body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
  });
});

const redisUp = redisAnswers(REDIS_URL);
if (!redisUp) console.warn(`[apq-shared.test] no Redis answers at ${REDIS_URL}: the APQ_STORE=redis tests were SKIPPED (set REDIS_URL to run them)`);
(redisUp ? describe : describe.skip)('APQ_STORE=redis', () => {
  const s = sharesAcrossInstances({ APQ_STORE: 'redis', REDIS_URL, APQ_TTL_SECONDS: '600' });

  it("keeps the document under the deployment's prefix, expiring after APQ_TTL_SECONDS", async () => {
    const text = freshDocument();
    const hash = sha256(text);
    await post(s.a, { query: text, ...apq(hash) });
    const redis = new Redis(REDIS_URL);
    try {
      const key = `${apqPrefix(s.a.databaseUrl)}:${hash}`;
      let stored: string | null = null;
      for (let i = 0; i < 100 && stored === null; i += 1) {
        stored = await redis.get(key);
        if (stored === null) await new Promise((r) => setTimeout(r, 50));
      }
      expect(stored).toBe(text);
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(500);
      expect(ttl).toBeLessThanOrEqual(600);
    } finally {
      redis.disconnect();
    }
  });
});

describe('a store that does not answer (APQ_STORE=redis on a closed port)', () => {
  let s: TestServer;
  const capture = new LogCapture();
  beforeAll(async () => {
    const closed = await freePort();
    s = await startTestServer({ APQ_STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${closed}`, LOG_LEVEL: 'error' }, undefined, { logDestination: capture });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('answers PERSISTED_QUERY_NOT_FOUND for a hash, not 500, and still runs (and registers locally) the text', async () => {
    const text = freshDocument();
    const hash = sha256(text);
    const lookup = await post(s, apq(hash));
    expect(lookup.status).toBe(200);
    expect(codes(lookup.body)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    const registered = await post(s, { query: text, ...apq(hash) });
    expect(registered.status).toBe(200);
    expect(registered.body.data).toBeDefined();
    // the instance's own LRU still serves it
    expect((await byHashEventually(s, hash)).body).toEqual(registered.body);
    const ws = s.ws();
    try {
      expect(codes(await wsOnce(ws, { query: '', ...apq(sha256(freshDocument())) }))).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    } finally {
      await ws.dispose();
    }
    expect(capture.lines.some((l) => l.component === 'apq' && l.level === 'error')).toBe(true);
  });
});
