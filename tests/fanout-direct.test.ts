/**
 * Issue 14, direct delivery: a shared subscription's results go from the group's one execution straight
 * to each socket (src/server/pipeline.ts `deliverDirectly`, src/server/ws.ts), the `next` frame's payload
 * encoded once per group and event. Seen here as a client sees it, frame by frame on a raw socket: the
 * frames are the ones graphql-ws sends (`{"id":…,"type":"next","payload":{…}}`, byte for byte), in the
 * order of the events; the subscriber's filter and access still decide per event; `complete` from the
 * client stops the frames; an interrupted event stream still ends with graphql-ws's `error` (no `complete`).
 */
import { Client as PgClient } from 'pg';
import WebSocket from 'ws';
import { createUser, createCoparentItem, disableCoparentInSql, householdWithMembers, joinHousehold, startTestServer, TestServer, TestUser } from './support/server';

const ITEM_CHANGED = `subscription DirectItems($month: String!) {
  coparentItemChanged(month: $month) { kind itemId date item { id title ownerId owner { id username } } }
}`;

let s: TestServer;
let admin: TestUser;
let members: TestUser[];

beforeAll(async () => {
  s = await startTestServer();
  ({ admin, members } = await householdWithMembers(s, 6));
}, 120_000);
afterAll(() => s.close());

/** A graphql-transport-ws client on a raw socket: every text frame the server sent, as received. */
class RawClient {
  readonly frames: string[] = [];
  private readonly socket: WebSocket;
  private waiters: (() => void)[] = [];

  constructor(token: string) {
    this.socket = new WebSocket(`ws://127.0.0.1:${s.server.port}/graphql`, 'graphql-transport-ws');
    this.socket.on('message', (data) => {
      this.frames.push(String(data));
      for (const w of this.waiters.splice(0)) w();
    });
    this.socket.on('open', () => this.socket.send(JSON.stringify({ type: 'connection_init', payload: { token } })));
  }

  /** Waits (up to 10 s) until `ok()` holds over the frames received. */
  async until(ok: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; frames: ${this.frames.join(' | ')}`);
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 100);
      });
    }
  }

  async ready(): Promise<void> {
    await this.until(() => this.frames.some((f) => JSON.parse(f).type === 'connection_ack'), 'connection_ack');
  }

  subscribe(id: string, query: string, variables: Record<string, unknown>): void {
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
  }

  complete(id: string): void {
    this.socket.send(JSON.stringify({ id, type: 'complete' }));
  }

  /** The frames of operation `id`, parsed, with their raw text. */
  of(id: string): { raw: string; msg: { id: string; type: string; payload?: unknown } }[] {
    return this.frames.map((raw) => ({ raw, msg: JSON.parse(raw) })).filter((f) => f.msg.id === id);
  }

  close(): void {
    this.socket.close();
  }
}

type ItemPayload = {
  data: {
    coparentItemChanged: {
      kind: string;
      itemId: string;
      date: string;
      item: { id: string; title: string; ownerId: string; owner: { id: string; username: string } } | null;
    } | null;
  };
  errors?: { message: string; extensions?: { code?: string } }[];
};

function createItem(date: string, title: string): Promise<string> {
  return createCoparentItem(s, admin.token, date, title);
}

async function subscribersAtLeast(n: number): Promise<void> {
  for (let i = 0; i < 100 && s.server.pipeline.fanout.stats().subscribers < n; i++) await new Promise((r) => setTimeout(r, 50));
  expect(s.server.pipeline.fanout.stats().subscribers).toBeGreaterThanOrEqual(n);
}

it('sends each socket the frame graphql-ws would send, byte for byte, in the order of the events', async () => {
  const a = new RawClient(members[0].token);
  const b = new RawClient(members[1].token);
  try {
    await Promise.all([a.ready(), b.ready()]);
    const before = s.server.pipeline.fanout.stats();
    // two operation ids that need escaping in JSON, on the same group
    a.subscribe('op "1"', ITEM_CHANGED, { month: '2033-01' });
    b.subscribe('b\\2', ITEM_CHANGED, { month: '2033-01' });
    await subscribersAtLeast(before.subscribers + 2);
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await createItem(`2033-01-0${i}`, `Event ${i}`));
    await a.until(() => a.of('op "1"').length >= 5, 'five frames on a');
    await b.until(() => b.of('b\\2').length >= 5, 'five frames on b');

    for (const [client, id] of [
      [a, 'op "1"'],
      [b, 'b\\2'],
    ] as const) {
      const frames = client.of(id);
      expect(frames).toHaveLength(5);
      // in the order the items were written
      expect(frames.map((f) => (f.msg.payload as ItemPayload).data.coparentItemChanged!.itemId)).toEqual(ids);
      for (const f of frames) {
        // graphql-ws's own encoding of the message: JSON.stringify({ id, type, payload })
        expect(f.raw).toBe(JSON.stringify({ id, type: 'next', payload: f.msg.payload }));
        expect(Object.keys(f.msg)).toEqual(['id', 'type', 'payload']);
      }
      const last = frames[4].msg.payload as ItemPayload;
      expect(last.errors).toBeUndefined();
      expect(last.data.coparentItemChanged).toEqual({
        kind: 'CREATED',
        itemId: ids[4],
        date: '2033-01-05',
        item: { id: ids[4], title: 'Event 5', ownerId: admin.id, owner: { id: admin.id, username: admin.username } },
      });
    }
    // the same payload bytes on both sockets: one result, encoded once for the group
    const payloadOf = (raw: string) => raw.slice(raw.indexOf('"payload":'));
    expect(a.of('op "1"').map((f) => payloadOf(f.raw))).toEqual(b.of('b\\2').map((f) => payloadOf(f.raw)));
    const after = s.server.pipeline.fanout.stats();
    expect(after.executed - before.executed).toBe(5);
    expect(after.direct - before.direct).toBe(10);
  } finally {
    a.close();
    b.close();
  }
});

it("keeps the subscriber's filter and its access re-check per event, and stops at the client's complete", async () => {
  const [kept, other, revoked, stopping] = members.slice(2, 6);
  const clients = [kept, other, revoked, stopping].map((u) => new RawClient(u.token));
  const [keptC, otherC, revokedC, stoppingC] = clients;
  try {
    await Promise.all(clients.map((c) => c.ready()));
    const before = s.server.pipeline.fanout.stats();
    keptC.subscribe('k', ITEM_CHANGED, { month: '2033-02' });
    otherC.subscribe('o', ITEM_CHANGED, { month: '2033-03' }); // another month: its filter excludes February
    revokedC.subscribe('r', ITEM_CHANGED, { month: '2033-02' });
    stoppingC.subscribe('s', ITEM_CHANGED, { month: '2033-02' });
    await subscribersAtLeast(before.subscribers + 4);

    const first = await createItem('2033-02-01', 'First');
    await keptC.until(() => keptC.of('k').length >= 1, 'the first event on the kept socket');
    await revokedC.until(() => revokedC.of('r').length >= 1, 'the first event before revocation');
    await stoppingC.until(() => stoppingC.of('s').length >= 1, 'the first event before complete');
    expect((revokedC.of('r')[0].msg.payload as ItemPayload).data.coparentItemChanged!.itemId).toBe(first);

    // the client stops one subscription; the membership of another is disabled
    stoppingC.complete('s');
    await disableCoparentInSql(s, revoked.id, 500); // the change reaches the session cache (NOTIFY)

    const second = await createItem('2033-02-02', 'Second');
    await keptC.until(() => keptC.of('k').length >= 2, 'the second event on the kept socket');
    expect(keptC.of('k').map((f) => (f.msg.payload as ItemPayload).data.coparentItemChanged!.itemId)).toEqual([first, second]);
    // a third event, written after the second reached the kept socket, bounds what the others could still get
    const third = await createItem('2033-02-03', 'Third');
    await keptC.until(() => keptC.of('k').length >= 3, 'the third event on the kept socket');
    await new Promise((r) => setTimeout(r, 300));

    // excluded by its filter: nothing at all
    expect(otherC.of('o')).toEqual([]);
    // revoked: no item after the revocation (its filter refuses it, or its access re-check answers an error)
    const afterRevocation = revokedC.of('r').slice(1);
    for (const f of afterRevocation) {
      expect(f.msg.type).not.toBe('complete');
      if (f.msg.type === 'next') expect((f.msg.payload as ItemPayload).data?.coparentItemChanged ?? null).toBeNull();
    }
    expect(afterRevocation.map((f) => JSON.stringify(f.msg)).join()).not.toContain(second);
    expect(afterRevocation.map((f) => JSON.stringify(f.msg)).join()).not.toContain(third);
    // completed by the client: nothing more for that id, and no complete frame back (graphql-ws's rule)
    expect(stoppingC.of('s').map((f) => f.msg.type)).toEqual(['next']);
  } finally {
    for (const c of clients) c.close();
  }
});

it('ends a directly delivered subscription with graphql-ws `error` when its event stream is interrupted', async () => {
  const u = await createUser(s);
  await joinHousehold(s, admin, u);
  const c = new RawClient(u.token);
  try {
    await c.ready();
    const before = s.server.pipeline.fanout.stats();
    c.subscribe('i', ITEM_CHANGED, { month: '2033-04' });
    await subscribersAtLeast(before.subscribers + 1);
    await createItem('2033-04-01', 'Before the drop');
    await c.until(() => c.of('i').length >= 1, 'the event before the drop');
    const pg = new PgClient({ connectionString: s.databaseUrl });
    await pg.connect();
    try {
      const killed = await pg.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and application_name = 'interchange-listener'`);
      expect(killed.rowCount).toBe(1);
    } finally {
      await pg.end();
    }
    await c.until(() => c.of('i').some((f) => f.msg.type === 'error'), 'the error frame');
    await new Promise((r) => setTimeout(r, 300));
    const frames = c.of('i');
    expect(frames.map((f) => f.msg.type)).toEqual(['next', 'error']);
    expect(JSON.stringify(frames[1].msg.payload)).toMatch(/interrupted/);
  } finally {
    c.close();
  }
});
