/**
 * Issue 14, "Fan-out once per group": an event is executed once per group of subscribers that share the
 * document, the variables and nothing viewer-dependent (src/server/fanout.ts), and the one result reaches
 * every one of them; each subscriber's own filter and declared access are still applied per event. A
 * document that selects a field computed for the viewer keeps executing per subscriber.
 */
import { collect, createCoparentItem, disableCoparentInSql, householdWithMembers, TestUser } from './support/server';
import { CountingServer, startCountingServer } from './support/sql-counter';

const ITEM_CHANGED = `subscription FanOutItems($month: String!) {
  coparentItemChanged(month: $month) { kind itemId item { id title ownerId owner { id username } } }
}`;
/** `memberships` is computed for the viewer (their own or, for admins, anyone's): never shared */
const USER_PER_VIEWER = `subscription FanOutPerViewer { userChanged { kind user { id memberships { application } } } }`;
const USER_SHARED = `subscription FanOutUserShared { userChanged { kind user { id username lastLoginAt } } }`;
const SUBSCRIBERS = 12;

let s: CountingServer;
let admin: TestUser;
let members: TestUser[];

beforeAll(async () => {
  s = await startCountingServer();
  ({ admin, members } = await householdWithMembers(s, SUBSCRIBERS));
}, 120_000);
afterAll(() => s.close());

/** Waits (up to 5 s) until `ok()` holds: the server takes a subscription in after the client sent it. */
async function until(ok: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !ok(); i++) await new Promise((r) => setTimeout(r, 50));
  expect(ok()).toBe(true);
}

function createItem(date: string, title: string): Promise<string> {
  return createCoparentItem(s, admin.token, date, title);
}

it('executes a coparent item event once for every subscriber of the same month, who all get it', async () => {
  const sockets = members.map((m) => s.ws(m.token));
  const subs = sockets.map((ws) =>
    collect<{ coparentItemChanged: { itemId: string; item: { title: string; owner: { id: string; username: string } } } }>(ws, ITEM_CHANGED, { month: '2031-02' }, 1),
  );
  try {
    await Promise.all(subs.map((x) => x.ready));
    await until(() => s.server.pipeline.fanout.stats().subscribers >= SUBSCRIBERS);
    const before = s.server.pipeline.fanout.stats();

    const { result: results, statements } = await s.sql.during(async () => {
      await createItem('2031-02-14', 'Shared event');
      return Promise.all(subs.map((x) => x.done));
    });
    for (const [r] of results) {
      expect(r.errors).toBeUndefined();
      expect(r.data!.coparentItemChanged.item).toMatchObject({ title: 'Shared event', owner: { id: admin.id, username: admin.username } });
    }
    const after = s.server.pipeline.fanout.stats();
    expect(after.executed - before.executed).toBe(1);
    expect(after.shared - before.shared).toBe(SUBSCRIBERS - 1);
    // the item is read once for all of them (before: once per subscriber)
    const itemReads = statements.filter((q) => /from "coparent_items"/.test(q) && /^select/i.test(q));
    expect(itemReads.length).toBeLessThanOrEqual(2);
  } finally {
    for (const ws of sockets) await ws.dispose();
  }
});

it("keeps each subscriber's filter and access: another month or a disabled member gets nothing", async () => {
  const [kept, disabled, otherMonth] = members;
  const keptWs = s.ws(kept.token);
  const disabledWs = s.ws(disabled.token);
  const otherWs = s.ws(otherMonth.token);
  const keptSub = collect<{ coparentItemChanged: { item: { title: string } } }>(keptWs, ITEM_CHANGED, { month: '2031-03' }, 1);
  const disabledSub = collect<{ coparentItemChanged: { item: { title: string } | null } | null }>(disabledWs, ITEM_CHANGED, { month: '2031-03' }, 1, 4000);
  const otherSub = collect(otherWs, ITEM_CHANGED, { month: '2031-04' }, 1, 4000);
  try {
    await Promise.all([keptSub.ready, disabledSub.ready, otherSub.ready]);
    await until(() => s.server.pipeline.fanout.stats().subscribers >= 3);
    await disableCoparentInSql(s, disabled.id, 300); // the change reaches the session cache (NOTIFY)
    await createItem('2031-03-01', 'Only for March');
    const [kept1] = await keptSub.done;
    expect(kept1.data!.coparentItemChanged.item.title).toBe('Only for March');
    // the disabled member: no item data (an access error for this event, or nothing at all)
    const got = await disabledSub.done.catch(() => []);
    for (const r of got) expect(r.data?.coparentItemChanged?.item ?? null).toBeNull();
    await expect(otherSub.done).rejects.toThrow(/timed out/);
  } finally {
    for (const ws of [keptWs, disabledWs, otherWs]) await ws.dispose();
  }
});

it('re-checks a subscriber at every event: after its membership is disabled it gets no more items, while its group still does', async () => {
  const [kept, revoked] = members.slice(6, 8);
  const keptWs = s.ws(kept.token);
  const revokedWs = s.ws(revoked.token);
  const keptSub = collect<{ coparentItemChanged: { item: { title: string } } }>(keptWs, ITEM_CHANGED, { month: '2031-05' }, 2);
  const revokedSub = collect<{ coparentItemChanged: { item: { title: string } | null } | null }>(revokedWs, ITEM_CHANGED, { month: '2031-05' }, 2, 4000);
  try {
    await Promise.all([keptSub.ready, revokedSub.ready]);
    await until(() => s.server.pipeline.fanout.stats().subscribers >= 2);
    // the first event reaches both (the second subscriber's viewer is then kept from one event to the next)
    await createItem('2031-05-01', 'Before');
    await until(() => s.server.pipeline.fanout.stats().executed > 0);
    await new Promise((r) => setTimeout(r, 300));
    await disableCoparentInSql(s, revoked.id, 300); // the change reaches the session cache (NOTIFY)
    await createItem('2031-05-02', 'After');
    const keptGot = await keptSub.done;
    expect(keptGot.map((r) => r.data!.coparentItemChanged.item.title)).toEqual(['Before', 'After']);
    const got = await revokedSub.done.catch(() => []);
    const titles = got.map((r) => r.data?.coparentItemChanged?.item?.title ?? null);
    // 'Before' when it arrived in time; never 'After'
    expect(titles).not.toContain('After');
  } finally {
    for (const ws of [keptWs, revokedWs]) await ws.dispose();
  }
});

it('executes per subscriber a document that selects a field computed for the viewer', async () => {
  const sockets = [s.ws(admin.token), s.ws(admin.token), s.ws(admin.token), s.ws(admin.token)];
  const perViewer = sockets.slice(0, 2).map((ws) => collect<{ userChanged: { user: { memberships: unknown[] } } }>(ws, USER_PER_VIEWER, {}, 1));
  const shared = sockets.slice(2).map((ws) => collect<{ userChanged: { user: { username: string } } }>(ws, USER_SHARED, {}, 1));
  try {
    await Promise.all([...perViewer, ...shared].map((x) => x.ready));
    await until(() => s.server.pipeline.fanout.stats().subscribers >= 2);
    await new Promise((r) => setTimeout(r, 200)); // the per-viewer ones are not counted in the groups
    const before = s.server.pipeline.fanout.stats();
    const res = await s.gql(`mutation FanOutRename($id: ID!) { updateUser(id: $id, input: { name: "Renamed" }) { id } }`, { id: members[5].id }, { token: admin.token });
    expect(res.errors).toBeUndefined();
    for (const x of perViewer) expect((await x.done)[0].data!.userChanged.user.memberships.length).toBeGreaterThan(0);
    for (const x of shared) expect((await x.done)[0].data!.userChanged.user.username).toBe(members[5].username);
    const after = s.server.pipeline.fanout.stats();
    // the two shared subscribers: one execution; the per-viewer ones never reach the groups
    expect(after.executed - before.executed).toBe(1);
    expect(after.shared - before.shared).toBe(1);
  } finally {
    for (const ws of sockets) await ws.dispose();
  }
});
