/**
 * PUBSUB=redis (src/pubsub/redis.ts): instances on one database share events through Redis, and the
 * subscription follows the supervised-listener rules (reconnect, log, readiness, no silent loss).
 * Runs against REDIS_URL, else the machine's Redis on 127.0.0.1:6379; without a Redis there the tests
 * are skipped and the output says so.
 */
import Redis from 'ioredis';
import { collect, createUser, joinHousehold, startTestServer, TestServer, TestUser, testConfig } from './support/server';
import { REDIS_URL, redisAnswers } from './support/redis';
import { redisChannel } from '../src/pubsub/adapters';
import { createApp } from '../src/server/server';
import { LogCapture } from './support/log-capture';

const available = redisAnswers(REDIS_URL);
if (!available) console.warn(`[redis-pubsub.test] no Redis answers at ${REDIS_URL}: the Redis tests were SKIPPED (set REDIS_URL to run them)`);
const describeRedis = available ? describe : describe.skip;

const ITEM_CHANGED = /* GraphQL */ `subscription RedisTestItems($month: String!) { coparentItemChanged(month: $month) { kind item { title } } }`;

describeRedis('PUBSUB=redis: two instances on one database', () => {
  let a: TestServer;
  let b: TestServer;
  let admin: TestUser;
  let member: TestUser;
  /** both instances' structured logs */
  const capture = new LogCapture();

  beforeAll(async () => {
    a = await startTestServer({ PUBSUB: 'redis', REDIS_URL, LOG_LEVEL: 'info' }, undefined, { logDestination: capture });
    b = await startTestServer({ PUBSUB: 'redis', REDIS_URL, LOG_LEVEL: 'info' }, a.databaseUrl, { logDestination: capture });
    admin = await createUser(a);
    member = await createUser(a);
    await joinHousehold(a, admin, member);
  });
  afterAll(async () => {
    await b?.close();
    await a?.close();
  });

  it('reports the subscription in /readyz', async () => {
    const res = await b.rest('GET', '/readyz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual(expect.objectContaining({ status: 'ready', pubsub: 'up' }));
  });

  it('delivers a write made on one instance to a subscriber on the other', async () => {
    const ws = b.ws(member.token);
    try {
      const got = collect<{ coparentItemChanged: { kind: string; item: { title: string } } }>(ws, ITEM_CHANGED, { month: '2031-02' }, 1);
      await got.ready;
      const created = await a.rest('POST', '/coparent/api/items', { token: admin.token, body: { date: '2031-02-03', type: 'EVENT', title: 'Across instances' } });
      expect(created.status).toBe(200);
      const [event] = await got.done;
      expect(event.data).toEqual({ coparentItemChanged: { kind: 'CREATED', item: { title: 'Across instances' } } });
    } finally {
      await ws.dispose();
    }
  });

  it("a logout on one instance closes the session's socket on the other", async () => {
    const user = await createUser(a);
    const ws = b.ws(user.token);
    const closed = new Promise<number>((resolve) => ws.on('closed', (e) => resolve((e as { code: number }).code)));
    try {
      const open = collect(ws, 'subscription { userChanged { kind } }', {}, 1, 20_000);
      // the subscription ends with the socket's close: that is the point
      open.done.catch(() => undefined);
      await open.ready;
      const out = await a.gql('mutation { logout }', {}, { token: user.token });
      expect(out.errors).toBeUndefined();
      expect(await closed).toBe(4401);
    } finally {
      await ws.dispose();
    }
  });

  it('ends open subscriptions with EVENTS_INTERRUPTED when the subscription drops, logs it, and serves again once back', async () => {
    const recording = capture.record();
    const ws = b.ws(member.token);
    try {
      const first = collect(ws, ITEM_CHANGED, { month: '2031-03' }, 1, 20_000);
      await first.ready;
      // kill the subscribing connections of this deployment's instances (ioredis reconnects them)
      const control = new Redis(REDIS_URL);
      try {
        const list = (await control.client('LIST')) as string;
        const ids = list
          .split('\n')
          .filter((line) => line.includes('name=interchange-subscribe') && line.includes('sub=1'))
          .map((line) => /\bid=(\d+)/.exec(line)![1]);
        expect(ids.length).toBeGreaterThanOrEqual(2);
        for (const id of ids) await control.client('KILL', 'ID', id);
      } finally {
        control.disconnect();
      }
      const outcome = await first.done.then(
        (results) => ({ results }),
        (error: unknown) => ({ error }),
      );
      expect(JSON.stringify(outcome)).toMatch(/EVENTS_INTERRUPTED|interrupted/);
      const logs = recording.lines;
      expect(
        logs.some((l) => l.component === 'pubsub' && l.backend === 'redis' && l.listener === 'down' && l.level === 'error' && l.msg.startsWith('redis subscription lost')),
      ).toBe(true);

      // back: ready again, and a new subscription hears writes of the other instance
      let ready = false;
      for (let i = 0; i < 50 && !ready; i++) {
        ready = (await b.rest('GET', '/readyz')).status === 200;
        if (!ready) await new Promise((r) => setTimeout(r, 100));
      }
      expect(ready).toBe(true);
      const ws2 = b.ws(member.token);
      try {
        const again = collect<{ coparentItemChanged: { item: { title: string } } }>(ws2, ITEM_CHANGED, { month: '2031-03' }, 1);
        await again.ready;
        await a.rest('POST', '/coparent/api/items', { token: admin.token, body: { date: '2031-03-04', type: 'EVENT', title: 'After the drop' } });
        expect((await again.done)[0].data!.coparentItemChanged.item.title).toBe('After the drop');
      } finally {
        await ws2.dispose();
      }
    } finally {
      recording.stop();
      await ws.dispose();
    }
  });
});

describeRedis('PUBSUB=redis: channels and start', () => {
  it('gives every database a channel of its own, shared by its instances', () => {
    expect(redisChannel('postgres://u@db:5432/one')).toBe('interchange:db:5432/one:events');
    expect(redisChannel('postgres://u@db/one')).toBe(redisChannel('postgres://other@db:5432/one'));
    expect(redisChannel('postgres://u@db/one')).not.toBe(redisChannel('postgres://u@db/two'));
  });
});

describe('PUBSUB=redis without a Redis', () => {
  it('refuses to start with a message naming the address (no silent start without events)', async () => {
    const s = await startTestServer({ PUBSUB: 'memory' });
    try {
      const config = testConfig({ DATABASE_URL: s.databaseUrl, PUBSUB: 'redis', REDIS_URL: 'redis://127.0.0.1:1' });
      await expect(createApp(config)).rejects.toThrow(/Redis at redis:\/\/127\.0\.0\.1:1\/? did not answer/);
    } finally {
      await s.close();
    }
  }, 20_000);
});
