/**
 * Issue 14, "Every resource live" (cakeplanner and compass): each subscription hears a write made on the
 * legacy REST surface; a subscriber without access hears nothing; a subscriber who is demoted or removed
 * stops hearing at the next event; a user's own compass state never reaches anyone else. Over graphql-ws,
 * against real PostgreSQL (PUBSUB=postgres: every event goes through NOTIFY).
 */
import type { Client as WsClient } from 'graphql-ws';
import { SubscriptionResult, TestServer } from './support/server';
import { api, cakeGroup, cakeServerWithAdmin, cakeUser, CakeUser } from './cakeplanner.helpers';
import { compassAccount, compassApi, CompassAccount } from './compass.helpers';
import type {
  LiveGroupChangedSubscription,
  LiveMembershipChangedSubscription,
  LiveMyAnswersChangedSubscription,
  LivePartyAnswerChangedSubscription,
  LivePartyChangedSubscription,
  LivePartyCodeChangedSubscription,
  LiveQuestionChangedSubscription,
} from '../src/generated/graphql';

const GROUP_CHANGED = /* GraphQL */ `subscription LiveGroupChanged {
  cakeGroupChanged { kind groupId group { id name description memberCount members { userId role user { name } } } }
}`;
const MEMBERSHIP_CHANGED = /* GraphQL */ `subscription LiveMembershipChanged {
  cakeMembershipChanged { kind groupId userId role membership { role user { id name } group { id name } } }
}`;
const PARTY_CHANGED = /* GraphQL */ `subscription LivePartyChanged {
  compassPartyChanged { kind partyId party { id name abbreviation description logo { id } position { x y } } }
}`;
/** `code` is read for the viewer (its admins only): this document is executed per subscriber */
const PARTY_CODE_CHANGED = /* GraphQL */ `subscription LivePartyCodeChanged {
  compassPartyChanged { kind partyId party { name code } }
}`;
const QUESTION_CHANGED = /* GraphQL */ `subscription LiveQuestionChanged {
  compassQuestionChanged { kind questionId question { id text axis direction } }
}`;
const PARTY_ANSWER_CHANGED = /* GraphQL */ `subscription LivePartyAnswerChanged($partyId: Int) {
  compassPartyAnswerChanged(partyId: $partyId) { kind partyId answers { questionId answer } }
}`;
const MY_ANSWERS_CHANGED = /* GraphQL */ `subscription LiveMyAnswersChanged {
  compassMyAnswersChanged {
    kind userNumber
    answers { questionId answer }
    position { x y answered total }
    matches { party { id name } matchPercentage }
  }
}`;

/** How long a subscriber that should hear nothing is watched after the others heard the event. */
const QUIET_MS = 700;

let s: TestServer;
let admin: CakeUser;
const sockets: WsClient[] = [];

beforeAll(async () => {
  ({ s, admin } = await cakeServerWithAdmin());
}, 60_000);
afterAll(async () => {
  for (const ws of sockets) await ws.dispose();
  await s.close();
});

interface Watch<T> {
  results: SubscriptionResult<T>[];
  /** the first result at index ≥ `from` matching, waiting up to `timeoutMs` */
  next(match?: (r: SubscriptionResult<T>) => boolean, timeoutMs?: number): Promise<SubscriptionResult<T>>;
  /** the index the next result will have */
  mark(): number;
  /** the error the subscription ended with, if any */
  error?: unknown;
  close(): void;
}

/** Subscribes on a new socket of `token` and keeps every result; resolves once the server has taken it in. */
async function watch<T>(token: string | undefined, query: string, variables: Record<string, unknown> = {}): Promise<Watch<T>> {
  const ws = s.ws(token);
  sockets.push(ws);
  const results: SubscriptionResult<T>[] = [];
  const connected = new Promise<void>((resolve) => ws.on('connected', () => resolve()));
  const w: Watch<T> = {
    results,
    mark: () => results.length,
    next(match = () => true, timeoutMs = 10_000) {
      const started = Date.now();
      return new Promise((resolve, reject) => {
        const tick = () => {
          const found = results.find(match);
          if (found) return resolve(found);
          if (w.error) return reject(w.error);
          if (Date.now() - started > timeoutMs) return reject(new Error(`no matching result within ${timeoutMs} ms; got ${JSON.stringify(results)}`));
          setTimeout(tick, 20);
        };
        tick();
      });
    },
    close: () => dispose(),
  };
  const dispose = ws.subscribe<T>(
    { query, variables },
    {
      next: (r) => void results.push(r as SubscriptionResult<T>),
      error: (e) => (w.error = e ?? new Error('subscription error')),
      complete: () => undefined,
    },
  );
  await connected;
  // graphql-ws acknowledges the connection before the server has processed the subscribe message
  await new Promise((r) => setTimeout(r, 250));
  return w;
}

/** Resolves after QUIET_MS, failing if `w` received anything from index `from` on. */
async function hearsNothing<T>(w: Watch<T>, from: number): Promise<void> {
  await new Promise((r) => setTimeout(r, QUIET_MS));
  expect(w.results.slice(from)).toEqual([]);
}

/** The error code a refused subscription answers with (graphql-ws sends it as a result with errors). */
async function refusal(w: Watch<unknown>): Promise<string | undefined> {
  const first = await w.next(() => true, 3000).catch((err) => ({ errors: Array.isArray(err) ? err : [err] }) as SubscriptionResult<unknown>);
  expect(first.data ?? null).toBeNull();
  return first.errors?.[0]?.extensions?.code;
}

async function gql<T = unknown>(query: string, variables: Record<string, unknown>, token: string): Promise<T> {
  const res = await s.gql<T>(query, variables, { token });
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data!;
}

// ------------------------------------------------------------------------------------------------
// cakeplanner

describe('cakeGroupChanged', () => {
  it("reaches the group's members and every admin for REST writes, and nobody else", async () => {
    const alice = await cakeUser(s);
    const outsider = await cakeUser(s);
    const group = await cakeGroup(s, admin, [{ user: alice }]);
    await cakeGroup(s, admin, [{ user: outsider }]);

    const adminSub = await watch<LiveGroupChangedSubscription>(admin.token, GROUP_CHANGED);
    const aliceSub = await watch<LiveGroupChangedSubscription>(alice.token, GROUP_CHANGED);
    const outsiderSub = await watch<LiveGroupChangedSubscription>(outsider.token, GROUP_CHANGED);

    // created through the legacy admin route: a new group has no members yet, admins hear it
    const created = await api(s, 'POST', '/api/admin/groups', { token: admin.token, body: { name: 'Live Bakers', description: 'fresh' } });
    expect(created.status).toBe(201);
    const c = await adminSub.next((r) => r.data?.cakeGroupChanged.groupId === created.body.id);
    expect(c.errors).toBeUndefined();
    expect(c.data!.cakeGroupChanged).toEqual({
      kind: 'CREATED',
      groupId: created.body.id,
      group: { id: created.body.id, name: 'Live Bakers', description: 'fresh', memberCount: 0, members: [] },
    });

    // alice's group renamed (the graph's updateCakeGroup: the legacy API has no rename): its member hears it
    const aliceMark = aliceSub.mark();
    await gql(`mutation LiveRenameGroup($id: ID!) { updateCakeGroup(id: $id, input: { name: "Renamed team", description: null }) { id } }`, { id: group.id }, admin.token);
    const u = await aliceSub.next((r) => r.data?.cakeGroupChanged.kind === 'UPDATED');
    expect(u.data!.cakeGroupChanged).toEqual({
      kind: 'UPDATED',
      groupId: group.id,
      group: { id: group.id, name: 'Renamed team', description: null, memberCount: 1, members: [{ userId: alice.id, role: 'MEMBER', user: { name: alice.name } }] },
    });
    expect(aliceSub.results.slice(aliceMark)).toHaveLength(1);
    await adminSub.next((r) => r.data?.cakeGroupChanged.kind === 'UPDATED');

    // deleted through the legacy admin route
    expect((await api(s, 'DELETE', `/api/admin/groups/${created.body.id}`, { token: admin.token })).status).toBe(204);
    const d = await adminSub.next((r) => r.data?.cakeGroupChanged.kind === 'DELETED');
    expect(d.data!.cakeGroupChanged).toEqual({ kind: 'DELETED', groupId: created.body.id, group: null });

    await hearsNothing(outsiderSub, 0);
    // alice heard only her own group's change
    expect(aliceSub.results.map((r) => r.data!.cakeGroupChanged.groupId)).toEqual([group.id]);
  });

  it('stops at the next event for a member taken out of the group and for a demoted admin', async () => {
    const alice = await cakeUser(s);
    const bob = await cakeUser(s);
    const group = await cakeGroup(s, admin, [{ user: alice }, { user: bob }]);
    const second = await cakeUser(s);
    await gql(`mutation LivePromote($id: ID!) { setUserRole(id: $id, role: ADMIN) { id } }`, { id: second.id }, admin.token);

    const aliceSub = await watch<LiveGroupChangedSubscription>(alice.token, GROUP_CHANGED);
    const bobSub = await watch<LiveGroupChangedSubscription>(bob.token, GROUP_CHANGED);
    const secondSub = await watch<LiveGroupChangedSubscription>(second.token, GROUP_CHANGED);
    const rename = (name: string) =>
      gql(`mutation LiveRename($id: ID!, $name: String!) { updateCakeGroup(id: $id, input: { name: $name }) { id } }`, { id: group.id, name }, admin.token);

    await rename('Before');
    for (const w of [aliceSub, bobSub, secondSub]) expect((await w.next()).data!.cakeGroupChanged.group!.name).toBe('Before');

    // alice leaves the group (legacy remove-group), the second admin loses the platform role
    expect((await api(s, 'POST', '/api/admin/users/remove-group', { token: admin.token, body: { userId: alice.id, groupId: group.id } })).status).toBe(204);
    await gql(`mutation LiveDemote($id: ID!) { setUserRole(id: $id, role: USER) { id } }`, { id: second.id }, admin.token);
    const [aliceMark, secondMark] = [aliceSub.mark(), secondSub.mark()];
    await rename('After');
    expect((await bobSub.next((r) => r.data?.cakeGroupChanged.group?.name === 'After')).errors).toBeUndefined();
    await hearsNothing(aliceSub, aliceMark);
    await hearsNothing(secondSub, secondMark);
  });

  it('executes a group event once for all of its subscribers (fan-out), membership events too', async () => {
    const m1 = await cakeUser(s);
    const m2 = await cakeUser(s);
    const group = await cakeGroup(s, admin, [{ user: m1 }, { user: m2 }]);
    const groupSubs = [await watch<LiveGroupChangedSubscription>(m1.token, GROUP_CHANGED), await watch<LiveGroupChangedSubscription>(m2.token, GROUP_CHANGED)];
    const memberSubs = [await watch<LiveMembershipChangedSubscription>(m1.token, MEMBERSHIP_CHANGED), await watch<LiveMembershipChangedSubscription>(m2.token, MEMBERSHIP_CHANGED)];

    let before = s.server.pipeline.fanout.stats();
    await gql(`mutation LiveRenameShared($id: ID!) { updateCakeGroup(id: $id, input: { description: "shared" }) { id } }`, { id: group.id }, admin.token);
    for (const w of groupSubs) expect((await w.next((r) => r.data?.cakeGroupChanged.groupId === group.id)).data!.cakeGroupChanged.group!.description).toBe('shared');
    let after = s.server.pipeline.fanout.stats();
    expect(after.executed - before.executed).toBe(1);
    expect(after.shared - before.shared).toBeGreaterThanOrEqual(1);

    const joiner = await cakeUser(s);
    before = s.server.pipeline.fanout.stats();
    expect((await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: joiner.id, groupId: group.id } })).status).toBe(200);
    for (const w of memberSubs) expect((await w.next((r) => r.data?.cakeMembershipChanged.userId === joiner.id)).data!.cakeMembershipChanged.kind).toBe('ADDED');
    after = s.server.pipeline.fanout.stats();
    expect(after.executed - before.executed).toBe(1);
    expect(after.shared - before.shared).toBeGreaterThanOrEqual(1);
  });

  it('refuses an anonymous subscriber and an account not active for Cake Planner', async () => {
    expect(await refusal(await watch(undefined, GROUP_CHANGED))).toBe('UNAUTHENTICATED');
    expect(await refusal(await watch(undefined, MEMBERSHIP_CHANGED))).toBe('UNAUTHENTICATED');

    // an account made on another surface is not active for Cake Planner
    const stranger = await compassAccount(s);
    expect(await refusal(await watch(stranger.token, GROUP_CHANGED))).toBe('FORBIDDEN');
    expect(await refusal(await watch(stranger.token, MEMBERSHIP_CHANGED))).toBe('FORBIDDEN');
  });
});

describe('cakeMembershipChanged', () => {
  it("tells the group's members and the user concerned about joins, role changes and departures", async () => {
    const alice = await cakeUser(s);
    const newcomer = await cakeUser(s);
    const outsider = await cakeUser(s);
    const group = await cakeGroup(s, admin, [{ user: alice }]);
    await cakeGroup(s, admin, [{ user: outsider }]);

    const aliceSub = await watch<LiveMembershipChangedSubscription>(alice.token, MEMBERSHIP_CHANGED);
    const newcomerSub = await watch<LiveMembershipChangedSubscription>(newcomer.token, MEMBERSHIP_CHANGED);
    const outsiderSub = await watch<LiveMembershipChangedSubscription>(outsider.token, MEMBERSHIP_CHANGED);
    const adminSub = await watch<LiveMembershipChangedSubscription>(admin.token, MEMBERSHIP_CHANGED);

    // joins (legacy assign-group)
    expect((await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: newcomer.id, groupId: group.id } })).status).toBe(200);
    const added = {
      kind: 'ADDED',
      groupId: group.id,
      userId: newcomer.id,
      role: 'MEMBER',
      membership: { role: 'MEMBER', user: { id: newcomer.id, name: newcomer.name }, group: { id: group.id, name: group.name } },
    };
    expect((await aliceSub.next()).data!.cakeMembershipChanged).toEqual(added);
    expect((await newcomerSub.next()).data!.cakeMembershipChanged).toEqual(added);
    expect((await adminSub.next()).data!.cakeMembershipChanged).toEqual(added);

    // assigning a member again changes nothing and tells nobody
    const quiet = aliceSub.mark();
    expect((await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: newcomer.id, groupId: group.id } })).status).toBe(200);

    // role change (legacy set-role)
    expect((await api(s, 'POST', '/api/admin/groups/set-role', { token: admin.token, body: { userId: newcomer.id, groupId: group.id, role: 'admin' } })).status).toBe(200);
    const promoted = await aliceSub.next((r) => r.data?.cakeMembershipChanged.kind === 'ROLE_CHANGED');
    expect(promoted.data!.cakeMembershipChanged).toMatchObject({ kind: 'ROLE_CHANGED', userId: newcomer.id, role: 'ADMIN', membership: { role: 'ADMIN' } });
    expect(aliceSub.results.slice(quiet)).toHaveLength(1);

    // departure (legacy remove-group): the member concerned hears their own removal
    expect((await api(s, 'POST', '/api/admin/users/remove-group', { token: admin.token, body: { userId: newcomer.id, groupId: group.id } })).status).toBe(204);
    const removed = { kind: 'REMOVED', groupId: group.id, userId: newcomer.id, role: null, membership: null };
    expect((await aliceSub.next((r) => r.data?.cakeMembershipChanged.kind === 'REMOVED')).data!.cakeMembershipChanged).toEqual(removed);
    expect((await newcomerSub.next((r) => r.data?.cakeMembershipChanged.kind === 'REMOVED')).data!.cakeMembershipChanged).toEqual(removed);

    // the removed user hears nothing more of the group; the remaining member does
    const newcomerMark = newcomerSub.mark();
    const late = await cakeUser(s);
    expect((await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: late.id, groupId: group.id } })).status).toBe(200);
    await aliceSub.next((r) => r.data?.cakeMembershipChanged.userId === late.id);
    await adminSub.next((r) => r.data?.cakeMembershipChanged.userId === late.id);
    await hearsNothing(newcomerSub, newcomerMark);
    await hearsNothing(outsiderSub, 0);
  });

  it("tells the group when a member's account is deleted (admin route) or deleted by its owner", async () => {
    const alice = await cakeUser(s);
    const doomed = await cakeUser(s);
    const leaver = await cakeUser(s);
    const group = await cakeGroup(s, admin, [{ user: alice }, { user: doomed }, { user: leaver }]);
    const aliceSub = await watch<LiveMembershipChangedSubscription>(alice.token, MEMBERSHIP_CHANGED);
    expect((await api(s, 'DELETE', `/api/admin/users/${doomed.id}`, { token: admin.token })).status).toBe(204);
    const gone = await aliceSub.next((r) => r.data?.cakeMembershipChanged.userId === doomed.id);
    expect(gone.data!.cakeMembershipChanged).toEqual({ kind: 'REMOVED', groupId: group.id, userId: doomed.id, role: null, membership: null });
    expect((await api(s, 'DELETE', '/api/user', { token: leaver.token })).status).toBe(204);
    const left = await aliceSub.next((r) => r.data?.cakeMembershipChanged.userId === leaver.id);
    expect(left.data!.cakeMembershipChanged).toEqual({ kind: 'REMOVED', groupId: group.id, userId: leaver.id, role: null, membership: null });
  });

  it('keeps the existing consumer working: the event feed follows a new member into the group', async () => {
    const baker = await cakeUser(s);
    const joiner = await cakeUser(s);
    const group = await cakeGroup(s, admin, [{ user: baker }]);
    const events = await watch<{ cakeEventChanged: { kind: string; groupId: string } }>(joiner.token, `subscription LiveCakeEvents { cakeEventChanged { kind groupId } }`);
    expect((await api(s, 'POST', '/api/admin/users/assign-group', { token: admin.token, body: { userId: joiner.id, groupId: group.id } })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 200));
    const created = await api(s, 'POST', '/api/events', { token: baker.token, body: { date: '2033-03-03', description: 'Welcome cake' } });
    expect(created.status).toBe(201);
    expect((await events.next()).data!.cakeEventChanged).toEqual({ kind: 'CREATED', groupId: group.id });
  });
});

// ------------------------------------------------------------------------------------------------
// compass

describe('compass: parties, questions, party answers', () => {
  const capi = () => compassApi(s);
  let voter: CompassAccount;

  beforeAll(async () => {
    voter = await compassAccount(s);
  });

  it('compassPartyChanged: created, changed, deleted through REST, executed once for every subscriber', async () => {
    const subs = [
      await watch<LivePartyChangedSubscription>(voter.token, PARTY_CHANGED),
      await watch<LivePartyChangedSubscription>(voter.token, PARTY_CHANGED),
      await watch<LivePartyChangedSubscription>(admin.token, PARTY_CHANGED),
    ];
    const before = s.server.pipeline.fanout.stats();
    const created = await capi()('POST', '/api/parties', { token: admin.token, body: { name: 'Live Party', abbreviation: 'LP', description: 'a party' } });
    expect(created.status).toBe(201);
    const partyId = created.body.data.party.party_id as number;
    for (const w of subs) {
      const r = await w.next((x) => x.data?.compassPartyChanged.partyId === partyId);
      expect(r.data!.compassPartyChanged).toEqual({
        kind: 'CREATED',
        partyId,
        party: { id: partyId, name: 'Live Party', abbreviation: 'LP', description: 'a party', logo: null, position: { x: 0, y: 0 } },
      });
    }
    const after = s.server.pipeline.fanout.stats();
    expect(after.executed - before.executed).toBe(1);
    expect(after.shared - before.shared).toBe(2);

    expect((await capi()('PATCH', `/api/parties/${partyId}`, { token: admin.token, body: { description: null } })).status).toBe(200);
    const u = await subs[0].next((x) => x.data?.compassPartyChanged.kind === 'UPDATED');
    expect(u.data!.compassPartyChanged.party).toMatchObject({ id: partyId, name: 'Live Party', description: null });

    expect((await capi()('DELETE', `/api/parties/${partyId}`, { token: admin.token })).status).toBe(200);
    const d = await subs[1].next((x) => x.data?.compassPartyChanged.kind === 'DELETED');
    expect(d.data!.compassPartyChanged).toEqual({ kind: 'DELETED', partyId, party: null });
  });

  it("a party's code stays per viewer: its admins see it, other subscribers null", async () => {
    const adminSub = await watch<LivePartyCodeChangedSubscription>(admin.token, PARTY_CODE_CHANGED);
    const voterSub = await watch<LivePartyCodeChangedSubscription>(voter.token, PARTY_CODE_CHANGED);
    const created = await capi()('POST', '/api/parties', { token: admin.token, body: { name: 'Coded Party', abbreviation: 'CP' } });
    expect(created.status).toBe(201);
    const partyId = created.body.data.party.party_id as number;
    const seen = await adminSub.next((x) => x.data?.compassPartyChanged.partyId === partyId);
    expect(seen.data!.compassPartyChanged.party!.code).toMatch(/^[A-Z0-9]{8}$/);
    const hidden = await voterSub.next((x) => x.data?.compassPartyChanged.partyId === partyId);
    expect(hidden.data!.compassPartyChanged.party).toEqual({ name: 'Coded Party', code: null });
  });

  it('compassQuestionChanged: created, changed, deleted through REST', async () => {
    const sub = await watch<LiveQuestionChangedSubscription>(voter.token, QUESTION_CHANGED);
    const created = await capi()('POST', '/api/questions', { token: admin.token, body: { text: 'Live question?', axis: 'social', direction: -1 } });
    expect(created.status).toBe(201);
    const questionId = created.body.data.question_id as number;
    const c = await sub.next((x) => x.data?.compassQuestionChanged.questionId === questionId);
    expect(c.data!.compassQuestionChanged).toEqual({ kind: 'CREATED', questionId, question: { id: questionId, text: 'Live question?', axis: 'SOCIAL', direction: -1 } });
    expect((await capi()('PATCH', `/api/questions/${questionId}`, { token: admin.token, body: { text: 'Changed?' } })).status).toBe(200);
    const u = await sub.next((x) => x.data?.compassQuestionChanged.kind === 'UPDATED');
    expect(u.data!.compassQuestionChanged.question).toMatchObject({ id: questionId, text: 'Changed?' });
    expect((await capi()('DELETE', `/api/questions/${questionId}`, { token: admin.token })).status).toBe(200);
    const d = await sub.next((x) => x.data?.compassQuestionChanged.kind === 'DELETED');
    expect(d.data!.compassQuestionChanged).toEqual({ kind: 'DELETED', questionId, question: null });
  });

  it("compassPartyAnswerChanged: a party admin's REST write, for every party or one party", async () => {
    const q = await capi()('POST', '/api/questions', { token: admin.token, body: { text: 'Answered live?', axis: 'economic' } });
    const questionId = q.body.data.question_id as number;
    const p1 = (await capi()('POST', '/api/parties', { token: admin.token, body: { name: 'Answer Party', abbreviation: 'AP' } })).body.data.party.party_id as number;
    const p2 = (await capi()('POST', '/api/parties', { token: admin.token, body: { name: 'Other Party', abbreviation: 'OP' } })).body.data.party.party_id as number;

    const all = await watch<LivePartyAnswerChangedSubscription>(voter.token, PARTY_ANSWER_CHANGED);
    const onlyP1 = await watch<LivePartyAnswerChangedSubscription>(voter.token, PARTY_ANSWER_CHANGED, { partyId: p1 });
    expect((await capi()('PUT', `/api/parties/${p2}/answers`, { token: admin.token, body: [{ question_id: questionId, answer: 'agree' }] })).status).toBe(200);
    const r2 = await all.next((x) => x.data?.compassPartyAnswerChanged.partyId === p2);
    expect(r2.data!.compassPartyAnswerChanged.kind).toBe('UPDATED');
    expect(r2.data!.compassPartyAnswerChanged.answers).toContainEqual({ questionId, answer: 'agree' });

    expect((await capi()('PUT', `/api/parties/${p1}/answers`, { token: admin.token, body: [{ question_id: questionId, answer: 'strongly_disagree' }] })).status).toBe(200);
    const r1 = await onlyP1.next();
    expect(r1.data!.compassPartyAnswerChanged).toMatchObject({ kind: 'UPDATED', partyId: p1 });
    expect(r1.data!.compassPartyAnswerChanged.answers).toContainEqual({ questionId, answer: 'strongly_disagree' });
    expect(onlyP1.results.map((x) => x.data!.compassPartyAnswerChanged.partyId)).toEqual([p1]);

    expect((await capi()('DELETE', `/api/parties/${p1}`, { token: admin.token })).status).toBe(200);
    expect((await onlyP1.next((x) => x.data?.compassPartyAnswerChanged.kind === 'DELETED')).data!.compassPartyAnswerChanged).toEqual({
      kind: 'DELETED',
      partyId: p1,
      answers: null,
    });
  });

  it('refuses anonymous and disabled subscribers, and stops a subscriber disabled meanwhile', async () => {
    for (const doc of [PARTY_CHANGED, QUESTION_CHANGED, PARTY_ANSWER_CHANGED, MY_ANSWERS_CHANGED]) {
      expect(await refusal(await watch(undefined, doc))).toBe('UNAUTHENTICATED');
    }

    const disabled = await compassAccount(s);
    const setStatus = (userId: string, status: string) =>
      gql(
        `mutation LiveSetCompass($userId: ID!, $status: MembershipStatus!) { setEnrollment(userId: $userId, application: COMPASS, status: $status) { status } }`,
        { userId, status },
        admin.token,
      );
    const disabledId = (await gql<{ user: { id: string } }>(`query LiveUserId($n: Int!) { user(number: $n) { id } }`, { n: disabled.userId }, admin.token)).user.id;
    await setStatus(disabledId, 'DISABLED');
    expect(await refusal(await watch(disabled.token, PARTY_CHANGED))).toBe('FORBIDDEN');
    expect(await refusal(await watch(disabled.token, MY_ANSWERS_CHANGED))).toBe('FORBIDDEN');

    // enrolled again, subscribed, then disabled: the next event carries no data
    await setStatus(disabledId, 'ACTIVE');
    const later = await watch<LivePartyChangedSubscription>(disabled.token, PARTY_CHANGED);
    const kept = await watch<LivePartyChangedSubscription>(voter.token, PARTY_CHANGED);
    await setStatus(disabledId, 'DISABLED');
    const created = await capi()('POST', '/api/parties', { token: admin.token, body: { name: 'After Disable', abbreviation: 'AD' } });
    const partyId = created.body.data.party.party_id as number;
    expect((await kept.next((x) => x.data?.compassPartyChanged.partyId === partyId)).data!.compassPartyChanged.party!.name).toBe('After Disable');
    await new Promise((r) => setTimeout(r, QUIET_MS));
    // an access error for that event (FORBIDDEN), never the party
    expect(later.results.length).toBeLessThanOrEqual(1);
    for (const r of later.results) {
      expect(r.data?.compassPartyChanged ?? null).toBeNull();
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    }
  });
});

describe('compassMyAnswersChanged', () => {
  it('reaches only the user whose answers, position or matches changed', async () => {
    const capi = compassApi(s);
    const questionId = (await capi('POST', '/api/questions', { token: admin.token, body: { text: 'Mine?', axis: 'economic' } })).body.data.question_id as number;
    const partyId = (await capi('POST', '/api/parties', { token: admin.token, body: { name: 'Match Party', abbreviation: 'MP' } })).body.data.party.party_id as number;
    const a = await compassAccount(s);
    const b = await compassAccount(s);
    const aSub = await watch<LiveMyAnswersChangedSubscription>(a.token, MY_ANSWERS_CHANGED);
    const bSub = await watch<LiveMyAnswersChangedSubscription>(b.token, MY_ANSWERS_CHANGED);
    const adminSub = await watch<LiveMyAnswersChangedSubscription>(admin.token, MY_ANSWERS_CHANGED);

    // A answers through the legacy route: only A hears it
    expect((await capi('PUT', `/api/users/${a.userId}/answers`, { token: a.token, body: [{ question_id: questionId, answer: 'strongly_agree' }] })).status).toBe(200);
    const own = await aSub.next();
    expect(own.errors).toBeUndefined();
    const mine = own.data!.compassMyAnswersChanged;
    expect(mine).toMatchObject({ kind: 'ANSWERS', userNumber: a.userId });
    expect(mine.answers).toContainEqual({ questionId, answer: 'strongly_agree' });
    expect(mine.position.answered).toBe(1);
    expect(mine.position.x).toBeGreaterThan(0);
    // the same matches the query answers A
    const query = await gql<{ partyMatches: { party: { id: number; name: string }; matchPercentage: number }[] }>(
      `query LiveMatches($n: Int!) { partyMatches(userNumber: $n) { party { id name } matchPercentage } }`,
      { n: a.userId },
      a.token,
    );
    expect(mine.matches).toEqual(query.partyMatches);
    expect(mine.matches.length).toBeGreaterThan(0);

    // an admin sets B's answers: B hears it, not the admin who wrote them, not A
    const [aMark, adminMark] = [aSub.mark(), adminSub.mark()];
    expect((await capi('PUT', `/api/users/${b.userId}/answers`, { token: admin.token, body: [{ question_id: questionId, answer: 'disagree' }] })).status).toBe(200);
    const bOwn = await bSub.next();
    expect(bOwn.data!.compassMyAnswersChanged).toMatchObject({ kind: 'ANSWERS', userNumber: b.userId });
    expect(bOwn.data!.compassMyAnswersChanged.answers).toContainEqual({ questionId, answer: 'disagree' });
    expect(bOwn.data!.compassMyAnswersChanged.position.x).toBeLessThan(0);
    await hearsNothing(aSub, aMark);
    await hearsNothing(adminSub, adminMark);

    // a party's answers change everyone's matches: each hears it with their own state, nobody else's
    const bMark = bSub.mark();
    expect((await capi('PUT', `/api/parties/${partyId}/answers`, { token: admin.token, body: [{ question_id: questionId, answer: 'agree' }] })).status).toBe(200);
    const aParties = await aSub.next((r) => r.data?.compassMyAnswersChanged.kind === 'PARTIES');
    const bParties = await bSub.next((r) => r.data?.compassMyAnswersChanged.kind === 'PARTIES');
    expect(aParties.data!.compassMyAnswersChanged.userNumber).toBe(a.userId);
    const matchesNow = await gql<{ partyMatches: unknown[] }>(
      `query LiveMatchesNow($n: Int!) { partyMatches(userNumber: $n) { party { id name } matchPercentage } }`,
      { n: a.userId },
      a.token,
    );
    expect(aParties.data!.compassMyAnswersChanged.matches).toEqual(matchesNow.partyMatches);
    expect(bParties.data!.compassMyAnswersChanged.userNumber).toBe(b.userId);
    expect(aParties.data!.compassMyAnswersChanged.answers).toContainEqual({ questionId, answer: 'strongly_agree' });
    expect(bParties.data!.compassMyAnswersChanged.answers).toContainEqual({ questionId, answer: 'disagree' });
    expect(bSub.results.slice(bMark).every((r) => r.data!.compassMyAnswersChanged.userNumber === b.userId)).toBe(true);
    // the admin has answered nothing: their own, empty state (no matches), never another user's
    const adminParties = await adminSub.next((r) => r.data?.compassMyAnswersChanged.kind === 'PARTIES');
    expect(adminParties.data!.compassMyAnswersChanged).toMatchObject({ matches: [], position: { answered: 0 } });
    expect(adminSub.results.every((r) => r.data!.compassMyAnswersChanged.userNumber !== a.userId && r.data!.compassMyAnswersChanged.userNumber !== b.userId)).toBe(true);

    // a new question moves nobody's answers but lengthens the list: QUESTIONS for each
    const q2 = (await capi('POST', '/api/questions', { token: admin.token, body: { text: 'Another?', axis: 'social' } })).body.data.question_id as number;
    const aQ = await aSub.next((r) => r.data?.compassMyAnswersChanged.kind === 'QUESTIONS');
    expect(aQ.data!.compassMyAnswersChanged.answers).toContainEqual({ questionId: q2, answer: '' });
  });
});
