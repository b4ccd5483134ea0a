/**
 * PubSub: services publish after commit; a subscription on one instance receives an event caused by a
 * mutation on another instance sharing the database (PostgreSQL LISTEN/NOTIFY); each event is
 * authorized per subscriber; the in-process adapter serves a single instance.
 */
import { PubSubTestSettingsDocument, PubSubTestUserChangedDocument, TestForcePasswordChangeDocument, TestRegisterUsernameDocument } from '../src/generated/graphql';
import { collect, createUser, startTestServer, subscribe, TestServer, TestUser, unique } from './support/server';
import { DELIVERY_SLICE, MemoryPubSub } from '../src/pubsub/pubsub';

// This file's operations; codegen generates the typed `PubSubTest…Document`s used below from them
// (operations several files send are in ./support/operations.ts).
/* GraphQL */ `
  subscription PubSubTestUserChanged { userChanged { kind userId user { id username } } }
  mutation PubSubTestSettings { updateSettings(language: "de") { id } }
`;

describe('PostgreSQL LISTEN/NOTIFY across instances', () => {
  let a: TestServer;
  let b: TestServer;
  let admin: TestUser;
  beforeAll(async () => {
    a = await startTestServer({ PUBSUB: 'postgres' });
    b = await startTestServer({ PUBSUB: 'postgres' }, a.databaseUrl);
    admin = await createUser(a);
  });
  afterAll(async () => {
    await Promise.all([a.close(), b.close()]);
  });

  it('delivers a change made through instance B to a subscriber on instance A', async () => {
    const client = a.ws(admin.token);
    const sub = collect(client, PubSubTestUserChangedDocument);
    await sub.ready;
    const username = unique('remote');
    const reg = await b.gql(TestRegisterUsernameDocument, { u: username });
    const [event] = await sub.done;
    expect(event.data).toEqual({ userChanged: { kind: 'CREATED', userId: reg.data!.register.id, user: { id: reg.data!.register.id, username } } });
    await client.dispose();
  });

  it('authorizes each event per subscriber: a user sees only their own changes', async () => {
    const u = await createUser(b);
    const other = await createUser(b);
    const client = a.ws(u.token);
    const sub = collect(client, PubSubTestUserChangedDocument);
    await sub.ready;
    // someone else's change first (must not arrive), then the user's own
    await b.gql(PubSubTestSettingsDocument, {}, { token: other.token });
    await b.gql(TestForcePasswordChangeDocument, { id: u.id }, { token: admin.token });
    const [event] = await sub.done;
    expect(event.data!.userChanged.userId).toBe(u.id);
    await client.dispose();
  });

  it('refuses the subscription to anonymous sockets', async () => {
    const client = a.ws();
    // graphql-ws answers a refused subscription with one result carrying the error, then completes.
    const outcome = await collect(client, PubSubTestUserChangedDocument).done.then(
      (results) => results,
      (e: unknown) => e,
    );
    expect(JSON.stringify(outcome)).toMatch(/UNAUTHENTICATED/);
    expect(JSON.stringify(outcome)).not.toMatch(/"userChanged":\{/);
    await client.dispose();
  });

  it('publishes nothing for a write that rolled back', async () => {
    const client = a.ws(admin.token);
    const received: unknown[] = [];
    const dispose = subscribe(client, PubSubTestUserChangedDocument, {}, { next: (r) => received.push(r), error: () => undefined, complete: () => undefined });
    await new Promise((r) => setTimeout(r, 200));
    // a duplicate username fails inside the transaction: no event
    const dup = await b.gql(TestRegisterUsernameDocument, { u: admin.username });
    expect(dup.errors?.[0].extensions?.code).toBe('CONFLICT');
    await new Promise((r) => setTimeout(r, 500));
    expect(received).toEqual([]);
    dispose();
    await client.dispose();
  });
});

describe('in-process adapter', () => {
  it('delivers events within one instance', async () => {
    const s = await startTestServer({ PUBSUB: 'memory' });
    try {
      const admin = await createUser(s);
      const client = s.ws(admin.token);
      const sub = collect(client, PubSubTestUserChangedDocument);
      await sub.ready;
      const u = await createUser(s);
      const [event] = await sub.done;
      expect(event.data!.userChanged).toEqual(expect.objectContaining({ kind: 'CREATED', userId: u.id }));
      await client.dispose();
    } finally {
      await s.close();
    }
  });
});

describe('delivery to many listeners', () => {
  it('hands events out in slices, every listener hearing every event in publication order', async () => {
    const pubsub = new MemoryPubSub();
    const count = DELIVERY_SLICE * 2 + 7;
    const channels = Array.from({ length: count }, () => pubsub.subscribe('coparent.itemChanged'));
    const heard: string[] = [];
    const off = pubsub.on('coparent.itemChanged', (e) => void heard.push(e.itemId));
    const event = (i: number) => ({ kind: 'CREATED' as const, itemId: `item-${i}`, date: '2031-01-01', householdId: 'h' });
    for (let i = 1; i <= 3; i++) await pubsub.publish('coparent.itemChanged', event(i));
    for (const c of channels) {
      const got: string[] = [];
      for (let i = 0; i < 3; i++) got.push(((await c.next()).value as { itemId: string }).itemId);
      expect(got).toEqual(['item-1', 'item-2', 'item-3']);
    }
    expect(heard).toEqual(['item-1', 'item-2', 'item-3']);
    off();
    for (const c of channels) await c.return!();
    await pubsub.close();
  });
});
