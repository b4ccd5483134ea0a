/**
 * The live feed: GET /api/events/stream (SSE through the route engine, backed by the cakeEventChanged
 * subscription) receives changes made through REST and through GraphQL, only for the caller's groups,
 * and resumes with Last-Event-ID even for changes made while it was disconnected; the graphql-ws
 * subscription and GraphQL queries see the same REST writes (parity).
 */
import { connect } from 'node:net';
import { collect, TestServer } from './support/server';
import { cakeplannerSurface } from '../src/rest/cakeplanner/routes';
import { api, cakeGroup, cakeServerWithAdmin, cakeUser, CakeUser, createEvent, form, nextDate, openSse, PNG, PREFIX, SseStream } from './cakeplanner.helpers';
import type { CakeTestChangedSubscription, CakeTestCreateEventMutation, CakeTestEventQuery, CakeTestLogoutMutation } from '../src/generated/graphql';

const CREATE = /* GraphQL */ `mutation CakeTestCreateEvent($input: CreateCakeEventInput!) {
  createCakeEvent(input: $input) { id date groupId baker { id name } }
}`;
const CHANGED = /* GraphQL */ `subscription CakeTestChanged {
  cakeEventChanged { id kind eventId groupId date description baker { id name } rating { average count } }
}`;
const EVENT = /* GraphQL */ `query CakeTestEvent($id: ID!) {
  cakeEvent(id: $id) { id date description groupId baker { id name } rating { average count myRating } gallery { id url isMine } }
}`;

let s: TestServer;
let admin: CakeUser;
let alice: CakeUser;
let bob: CakeUser;
let outsider: CakeUser;
let group: { id: string };
const streams: SseStream[] = [];

beforeAll(async () => {
  ({ s, admin } = await cakeServerWithAdmin());
  alice = await cakeUser(s);
  bob = await cakeUser(s);
  outsider = await cakeUser(s);
  group = await cakeGroup(s, admin, [{ user: alice }, { user: bob }]);
  await cakeGroup(s, admin, [{ user: outsider }]);
});
afterAll(async () => {
  for (const st of streams) st.close();
  await s.close();
});

async function stream(token: string, opts: { lastEventId?: string; query?: boolean } = {}): Promise<SseStream> {
  const st = opts.query ? await openSse(s, `/api/events/stream?token=${encodeURIComponent(token)}`, opts) : await openSse(s, '/api/events/stream', { token, ...opts });
  streams.push(st);
  return st;
}

/** Lets the subscription register before writing (the stream says `: connected` once it listens). */
async function listening(st: SseStream): Promise<void> {
  for (let i = 0; i < 100 && !st.comments.includes('connected'); i++) await new Promise((r) => setTimeout(r, 20));
  await new Promise((r) => setTimeout(r, 50));
}

it('streams text/event-stream with ids, receiving events created through REST and through GraphQL', async () => {
  const st = await stream(bob.token);
  expect(st.status).toBe(200);
  expect(st.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(st.headers.get('cache-control')).toMatch(/no-cache/);
  await listening(st);

  const viaRest = await createEvent(s, alice, { description: 'REST cake' });
  const f1 = await st.next((f) => f.data.id === viaRest.id);
  expect(f1.event).toBe('created');
  expect(f1.id).toMatch(/^\d+$/);
  expect(f1.data).toEqual({
    id: viaRest.id,
    groupId: group.id,
    date: viaRest.date,
    description: 'REST cake',
    baker: { id: alice.id, name: alice.name },
    photoUrl: null,
    rating: { average: 0, count: 0 },
  });

  const viaGql = await s.gql<CakeTestCreateEventMutation>(CREATE, { input: { date: nextDate(), description: 'GraphQL cake' } }, { token: alice.token });
  expect(viaGql.errors).toBeUndefined();
  const f2 = await st.next((f) => f.data.id === viaGql.data!.createCakeEvent.id);
  expect(f2.event).toBe('created');
  expect(f2.data.description).toBe('GraphQL cake');
  expect(Number(f2.id)).toBeGreaterThan(Number(f1.id));

  await api(s, 'POST', `/api/events/${viaRest.id}/rate`, { token: bob.token, body: { stars: 4 } });
  const rated = await st.next((f) => f.event === 'rated');
  expect(rated.data).toMatchObject({ id: viaRest.id, rating: { average: 4, count: 1 } });

  const up = await api(s, 'POST', `/api/events/${viaRest.id}/photo`, { token: alice.token, rawBody: form({ photo: { bytes: PNG, filename: 'p.png', type: 'image/png' } }) });
  const photo = await st.next((f) => f.event === 'photo');
  expect(photo.data).toMatchObject({ id: viaRest.id, photoUrl: up.body.url, photo: { id: up.body.id, url: up.body.url, userId: alice.id, userName: alice.name } });

  expect((await api(s, 'DELETE', `/api/events/${viaRest.id}`, { token: alice.token })).status).toBe(204);
  const deleted = await st.next((f) => f.event === 'deleted');
  expect(deleted.data).toMatchObject({ id: viaRest.id, groupId: group.id });
  const ids = st.frames.map((f) => Number(f.id));
  expect([...ids].sort((a, b) => a - b)).toEqual(ids);
});

it("hands the shared subscription's results to every stream directly, each frame once and in the order of the writes", async () => {
  const sts = [await stream(bob.token), await stream(alice.token), await stream(bob.token)];
  for (const st of sts) await listening(st);
  const before = s.server.pipeline.fanout.stats();
  const created: { id: string }[] = [];
  for (let i = 0; i < 4; i++) created.push(await createEvent(s, alice, { description: `Direct ${i}` }));
  for (const st of sts) {
    await st.next((f) => f.data.id === created[3].id);
    const mine = st.frames.filter((f) => created.some((c) => c.id === f.data.id));
    expect(mine.map((f) => f.data.id)).toEqual(created.map((c) => c.id));
    expect(mine.map((f) => f.data.description)).toEqual(['Direct 0', 'Direct 1', 'Direct 2', 'Direct 3']);
    const ids = mine.map((f) => Number(f.id));
    expect([...ids].sort((a, b) => a - b)).toEqual(ids);
  }
  const after = s.server.pipeline.fanout.stats();
  // through the fan-out's direct delivery: one execution per write, a result for each of the three streams
  expect(after.direct - before.direct).toBeGreaterThanOrEqual(12);
  expect(after.executed - before.executed).toBeLessThanOrEqual(4);
});

it("keeps other groups' changes out of the stream, accepts ?token= and refuses anonymous callers", async () => {
  const st = await stream(outsider.token, { query: true });
  expect(st.status).toBe(200);
  await listening(st);
  await createEvent(s, alice);
  const own = await createEvent(s, outsider);
  const f = await st.next();
  expect(f.data.id).toBe(own.id);
  await new Promise((r) => setTimeout(r, 200));
  expect(st.frames.map((x) => x.data.id)).toEqual([own.id]);

  const anonymous = await openSse(s, '/api/events/stream');
  expect(anonymous.status).toBe(401);
  expect(anonymous.body).toEqual({ error: expect.any(String) });
  const badToken = await openSse(s, '/api/events/stream?token=not-a-token');
  expect(badToken.status).toBe(401);
});

it('resumes with Last-Event-ID: changes made while disconnected arrive in order, once, then live ones', async () => {
  const first = await stream(bob.token);
  await listening(first);
  const seen = await createEvent(s, alice);
  const last = await first.next((f) => f.data.id === seen.id);
  first.close();
  await first.ended;

  // made while bob has no stream open (one through REST, one through GraphQL, one rating)
  const missed1 = await createEvent(s, alice);
  const missed2 = (await s.gql<CakeTestCreateEventMutation>(CREATE, { input: { date: nextDate(), description: 'missed' } }, { token: alice.token })).data!.createCakeEvent;
  await api(s, 'POST', `/api/events/${missed1.id}/rate`, { token: bob.token, body: { stars: 2 } });
  await createEvent(s, outsider); // not bob's group

  const resumed = await stream(bob.token, { lastEventId: last.id });
  const replay = [
    await resumed.next((f) => f.data.id === missed1.id && f.event === 'created'),
    await resumed.next((f) => f.data.id === missed2.id),
    await resumed.next((f) => f.event === 'rated'),
  ];
  expect(replay.map((f) => f.event)).toEqual(['created', 'created', 'rated']);
  expect(resumed.frames.slice(0, 3).map((f) => f.id)).toEqual(replay.map((f) => f.id));
  expect(Number(replay[0].id)).toBeGreaterThan(Number(last.id));

  await listening(resumed);
  const live = await createEvent(s, alice);
  await resumed.next((f) => f.data.id === live.id);
  const ids = resumed.frames.map((f) => f.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(resumed.frames.map((f) => f.data.id)).not.toContain(seen.id);

  // the resume keeps at least the last 100 changes
  const from = await stream(bob.token, { lastEventId: last.id });
  await from.next((f) => f.data.id === live.id);
  expect(from.frames.length).toBe(4);
  // an unknown or foreign id format just streams live
  const odd = await stream(bob.token, { lastEventId: 'not-a-number' });
  expect(odd.status).toBe(200);
});

it('resumes over more than 100 missed changes', async () => {
  const st = await stream(bob.token);
  await listening(st);
  const anchor = await createEvent(s, alice);
  const last = await st.next((f) => f.data.id === anchor.id);
  st.close();
  const e = await createEvent(s, alice);
  for (let i = 0; i < 110; i++) await api(s, 'POST', `/api/events/${e.id}/rate`, { token: bob.token, body: { stars: (i % 5) + 1 } });
  const resumed = await stream(bob.token, { lastEventId: last.id });
  await resumed.next((f) => f.event === 'rated' && f.data.rating.count === 1 && resumed.frames.filter((x) => x.event === 'rated').length === 110, 15_000);
  expect(resumed.frames[0]).toMatchObject({ event: 'created', data: { id: e.id } });
  expect(resumed.frames).toHaveLength(111);
});

it('parity: a REST write is seen by a GraphQL query and by a graphql-ws subscription', async () => {
  const ws = s.ws(bob.token);
  const outsiderWs = s.ws(outsider.token);
  try {
    const sub = collect<CakeTestChangedSubscription>(ws, CHANGED, {}, 2);
    const foreign = collect<CakeTestChangedSubscription>(outsiderWs, CHANGED, {}, 1, 1500);
    await sub.ready;
    await foreign.ready;
    const e = await createEvent(s, alice, { description: 'Parity' });
    await api(s, 'POST', `/api/events/${e.id}/rate`, { token: bob.token, body: { stars: 5, comment: 'yum' } });
    const results = await sub.done;
    expect(results.map((r) => r.data!.cakeEventChanged.kind)).toEqual(['CREATED', 'RATED']);
    expect(results[0].data!.cakeEventChanged).toMatchObject({ eventId: e.id, groupId: group.id, description: 'Parity', baker: { id: alice.id } });
    expect(results[1].data!.cakeEventChanged.rating).toEqual({ average: 5, count: 1 });
    await expect(foreign.done).rejects.toThrow(/timed out with 0\/1/);

    const q = await s.gql<CakeTestEventQuery>(EVENT, { id: e.id }, { token: bob.token });
    expect(q.data!.cakeEvent).toMatchObject({ id: e.id, description: 'Parity', groupId: group.id, rating: { average: 5, count: 1, myRating: 5 } });
    const rest = await api(s, 'GET', `/api/events/${e.id}`, { token: bob.token });
    expect(rest.body).toMatchObject({
      id: q.data!.cakeEvent.id,
      date: q.data!.cakeEvent.date,
      description: 'Parity',
      baker: q.data!.cakeEvent.baker,
      rating: q.data!.cakeEvent.rating,
    });
    // GraphQL hides other groups' events the same way
    expect((await s.gql<CakeTestEventQuery>(EVENT, { id: e.id }, { token: outsider.token })).errors?.[0].extensions?.code).toBe('NOT_FOUND');
  } finally {
    await ws.dispose();
    await outsiderWs.dispose();
  }
});

it('follows membership changes and ends the stream when the session is revoked', async () => {
  const newcomer = await cakeUser(s);
  const st = await stream(newcomer.token);
  await listening(st);
  expect((await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: newcomer.id, groupId: group.id } })).status).toBe(200);
  await new Promise((r) => setTimeout(r, 200));
  const e = await createEvent(s, alice);
  expect((await st.next((f) => f.data.id === e.id)).event).toBe('created');

  const out = await s.gql<CakeTestLogoutMutation>(/* GraphQL */ `mutation CakeTestLogout { logout }`, {}, { token: newcomer.token });
  expect(out.data!.logout).toBe(true);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('stream still open after logout')), 5000)));
  await Promise.race([st.ended, timeout]).finally(() => clearTimeout(timer));
});

it('stops a member taken out of a group at the next of its events, after events the stream already heard', async () => {
  const leaver = await cakeUser(s);
  const stays = await cakeUser(s);
  const elsewhere = await cakeUser(s);
  const left = await cakeGroup(s, admin, [{ user: leaver }, { user: stays }]);
  await cakeGroup(s, admin, [{ user: leaver }, { user: elsewhere }]);
  const st = await stream(leaver.token);
  await listening(st);
  // heard once: the stream's groups are read and answer each event from then on
  const before = await createEvent(s, stays);
  expect((await st.next((f) => f.data.id === before.id)).event).toBe('created');

  expect((await api(s, 'POST', '/api/admin/users/remove-group', { token: admin.token, body: { userId: leaver.id, groupId: left.id } })).status).toBe(204);
  const gone = await createEvent(s, stays);
  const kept = await createEvent(s, elsewhere);
  // frames of one stream keep the events' order: the later event of the other group arrived, the earlier did not
  const from = st.frames.findIndex((f) => f.data.id === before.id) + 1;
  await st.next((f) => f.data.id === kept.id, 10_000, from);
  expect(st.frames.slice(from).map((f) => f.data.id)).not.toContain(gone.id);
});

/**
 * An event stream read off a raw socket, its chunked body parsed strictly: each chunk's size line (hex,
 * in bytes), exactly that many bytes, then CRLF, or the parse fails.
 */
function rawStream(token: string): { chunks: string[]; next(pred: (chunk: string) => boolean, ms?: number): Promise<string>; head: Promise<string>; close(): void } {
  const { hostname, port } = new URL(s.url);
  const socket = connect(Number(port), hostname);
  socket.write(`GET ${PREFIX}/api/events/stream HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAccept: text/event-stream\r\nAuthorization: Bearer ${token}\r\n\r\n`);
  const chunks: string[] = [];
  let buf = Buffer.alloc(0);
  let headText: string | undefined;
  let failure: Error | undefined;
  let headDone!: (h: string) => void;
  const head = new Promise<string>((r) => (headDone = r));
  const waiters = new Set<() => void>();
  socket.on('data', (data: Buffer) => {
    buf = Buffer.concat([buf, data]);
    try {
      if (headText === undefined) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        headText = buf.subarray(0, end).toString('latin1');
        buf = buf.subarray(end + 4);
        headDone(headText);
      }
      for (;;) {
        const line = buf.indexOf('\r\n');
        if (line < 0) return;
        const sizeText = buf.subarray(0, line).toString('latin1');
        if (!/^[0-9a-f]+$/.test(sizeText)) throw new Error(`bad chunk size line ${JSON.stringify(sizeText)}`);
        const size = parseInt(sizeText, 16);
        if (buf.length < line + 2 + size + 2) return;
        const body = buf.subarray(line + 2, line + 2 + size);
        if (buf.subarray(line + 2 + size, line + 4 + size).toString('latin1') !== '\r\n') throw new Error('chunk not followed by CRLF: its size is not its length in bytes');
        chunks.push(body.toString('utf8'));
        buf = buf.subarray(line + 4 + size);
      }
    } catch (err) {
      failure = err as Error;
      socket.destroy();
    } finally {
      for (const w of waiters) w();
    }
  });
  return {
    chunks,
    head,
    close: () => socket.destroy(),
    next: (pred, ms = 10_000) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no such chunk within ${ms} ms: ${JSON.stringify(chunks)}`)), ms);
        const check = () => {
          if (failure) return reject(failure);
          const found = chunks.find(pred);
          if (found === undefined) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(found);
        };
        waiters.add(check);
        check();
      }),
  };
}

it("writes each event's frames as one HTTP/1.1 chunk, sized in bytes, the same bytes on every stream (a strict parser)", async () => {
  const raws = [rawStream(bob.token), rawStream(alice.token)];
  try {
    for (const raw of raws) {
      expect(await raw.head).toMatch(/^HTTP\/1\.1 200 .*\r\ntransfer-encoding: chunked/is);
      await raw.next((c) => c.includes(': connected'));
    }
    await new Promise((r) => setTimeout(r, 50));
    const texts = ['Crème brûlée 🍰 — für alle', 'Plain sponge', 'Ünïcödé ✓✓✓ 蛋糕'];
    const created: { id: string }[] = [];
    for (const description of texts) created.push(await createEvent(s, alice, { description }));
    const seen: string[][] = [];
    for (const raw of raws) {
      const mine: string[] = [];
      for (const [i, e] of created.entries()) {
        const chunk = await raw.next((c) => c.includes(`"id":"${e.id}"`));
        // the chunk is whole frames: `id:`, `event:` and `data:` lines, ending in a blank line
        expect(chunk.endsWith('\n\n')).toBe(true);
        const data = chunk
          .split('\n')
          .filter((l) => l.startsWith('data: '))
          .map((l) => JSON.parse(l.slice(6)) as { id: string; description: string });
        // the route's frames for one change (the `created` frame and the legacy client's NEW_EVENT one)
        expect(data.length).toBeGreaterThan(0);
        for (const d of data) expect(d).toMatchObject({ id: e.id, description: texts[i] });
        expect(raw.chunks.filter((c) => c.includes(`"id":"${e.id}"`))).toHaveLength(1);
        mine.push(chunk);
      }
      seen.push(mine);
    }
    expect(seen[1]).toEqual(seen[0]);
  } finally {
    for (const raw of raws) raw.close();
  }
});

it('keeps the stream alive with a comment every 25 s (route setting)', () => {
  const route = cakeplannerSurface.routes.find((r) => r.path === '/api/events/stream');
  expect(route).toMatchObject({ kind: 'sse', keepaliveMs: 25_000 });
});
