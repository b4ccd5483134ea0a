/**
 * coparent households (ARCHITECTURE.md "One identity, separate applications"): coparent is private to a
 * family. An account from another application's open registration is refused everywhere in coparent
 * but its auth routes; two households never see each other's items, schedule or template; a household's
 * admin manages its own members only; subscriptions deliver a household's changes to its members only;
 * a platform ADMIN passes every check. REST as a legacy client sends it, GraphQL, graphql-ws, on real
 * PostgreSQL. (The single family's legacy behaviour is tests/coparent*.test.ts.)
 */
import type { Client as WsClient, FormattedExecutionResult } from 'graphql-ws';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import {
  HouseholdsTestAddMemberDocument,
  HouseholdsTestCreateDocument,
  HouseholdsTestCreateItemDocument,
  HouseholdsTestItemChangedDocument,
  HouseholdsTestItemDocument,
  HouseholdsTestItemsDocument,
  HouseholdsTestListDocument,
  HouseholdsTestMeDocument,
  HouseholdsTestMembersDocument,
  HouseholdsTestScheduleChangedDocument,
  HouseholdsTestScheduleDocument,
  TestPromoteDocument,
} from '../src/generated/graphql';
import { coparentSurface } from '../src/rest/coparent/routes';
import { cookieFrom, createUser, enrollIn, loginToken, startTestServer, subscribe, TestServer, unique } from './support/server';

// This file's operations; codegen generates the typed `HouseholdsTest…Document`s used below from them.
/* GraphQL */ `
  query HouseholdsTestList { households { id name isDefault } }
  mutation HouseholdsTestCreate($name: String!, $adminId: ID) { createHousehold(name: $name, adminId: $adminId) { id name isDefault } }
  mutation HouseholdsTestAddMember($userId: ID!, $role: MembershipRole, $householdId: ID) {
    addHouseholdMember(userId: $userId, role: $role, householdId: $householdId) { id coparentRole }
  }
  query HouseholdsTestMe { me { id coparentRole } }
  query HouseholdsTestItems($month: String!) { coparentItems(month: $month) { id title } }
  query HouseholdsTestItem($id: ID!) { coparentItem(id: $id) { id title } }
  mutation HouseholdsTestCreateItem($input: CreateCoparentItemInput!) { createCoparentItem(input: $input) { id } }
  query HouseholdsTestSchedule($month: String!) { coparentSchedule(month: $month) { blocks { id } } }
  query HouseholdsTestMembers { householdMembers { id username coparentRole } }
  subscription HouseholdsTestItemChanged($month: String!) { coparentItemChanged(month: $month) { kind itemId item { id title } } }
  subscription HouseholdsTestScheduleChanged { scheduleChanged { kind blockId } }
`;

const P = '/coparent';

interface Person {
  id: string;
  username: string;
  password: string;
  cookie: string;
  token: string;
}

let s: TestServer;
/** the first user: platform ADMIN and admin of the default household */
let root: Person;
/** the default household ("A"): its admin (a household admin, not a platform admin) and a user */
let aAdmin: Person;
let aUser: Person;
/** a second household ("B"), created by the platform admin for bAdmin */
let householdB: string;
let bAdmin: Person;
let bUser: Person;

function req(method: string, path: string, who?: Person | null, body?: unknown) {
  return s.rest(method, `${P}${path}`, { cookie: who?.cookie, body });
}

async function restLogin(username: string, password: string): Promise<string> {
  const res = await s.rest('POST', `${P}/api/auth/login`, { body: { username, password } });
  expect(res.status).toBe(200);
  return cookieFrom(res.headers)!;
}

async function person(id: string, username: string, password: string): Promise<Person> {
  return { id, username, password, cookie: await restLogin(username, password), token: await loginToken(s, username, password) };
}

/** A new account through the documented admin route of `by`'s household. */
async function makeMember(by: Person, role: 'USER' | 'ADMIN' = 'USER'): Promise<Person> {
  const username = unique('hh');
  const password = `changeme-${username}`;
  const res = await req('POST', '/api/admin/users', by, { username, password, role });
  expect(res.status).toBe(200);
  expect(res.body).toEqual({ id: expect.any(String), username, role, createdAt: expect.any(String) });
  return person(res.body.id, username, password);
}

/** An account from open registration elsewhere: compass's documented register route. */
async function compassAccount(): Promise<Person> {
  const username = unique('cmp');
  const password = 'securepassword123';
  const res = await s.rest('POST', '/compass/api/auth/register', { body: { username, password, email_address: `${username}@example.test` } });
  expect(res.status).toBe(201);
  const me = await s.gql(HouseholdsTestMeDocument, {}, { token: await loginToken(s, username, password) });
  return person(me.data!.me.id, username, password);
}

/** An account from GraphQL `register` without an application. */
async function graphqlAccount(): Promise<Person> {
  const u = await createUser(s);
  return person(u.id, u.username, u.password);
}

function expectError(res: { status: number; body: unknown }, status: number): void {
  expect({ status: res.status, body: res.body }).toEqual({ status, body: { error: expect.any(String) } });
}

async function createItem(who: Person, date: string, title: string, extra: Record<string, unknown> = {}) {
  const res = await req('POST', '/api/items', who, { date, type: 'EVENT', title, body: '', ...extra });
  expect(res.status).toBe(200);
  return res.body as { id: string; title: string; ownerId: string };
}

async function createBlock(who: Person, startDate: string, endDate: string, owner: string) {
  const res = await req('POST', '/api/schedule/blocks', who, { startDate, endDate, owner, label: owner, color: 'indigo' });
  expect(res.status).toBe(201);
  return res.body as { id: string };
}

const titles = (body: { title: string }[]) => body.map((i) => i.title).sort();
const codeOf = (r: { errors?: readonly { extensions?: { code?: unknown } }[] }) => r.errors?.[0]?.extensions?.code;

/**
 * A subscription whose results are kept as they arrive (one graphql-ws client per watcher: `ready`
 * waits for its connection, then for the server to register the subscription).
 */
function watch<R, V extends Record<string, unknown>>(client: WsClient, doc: TypedDocumentNode<R, V>, variables: V) {
  const results: FormattedExecutionResult<R>[] = [];
  let ended: 'complete' | 'error' | undefined;
  let connected: () => void = () => undefined;
  const ready = new Promise<void>((r) => (connected = r));
  client.on('connected', () => setTimeout(connected, 150));
  const dispose = subscribe(client, doc, variables, {
    next: (r) => void results.push(r),
    error: () => void (ended = 'error'),
    complete: () => void (ended = 'complete'),
  });
  /** resolves once `n` results have arrived; fails after `ms` */
  const until = async (n: number, ms = 10000) => {
    const deadline = Date.now() + ms;
    while (results.length < n) {
      if (Date.now() > deadline) throw new Error(`subscription has ${results.length}/${n} results`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  return {
    results,
    ready,
    until,
    dispose,
    get ended() {
      return ended;
    },
  };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  s = await startTestServer();
  const first = await createUser(s, { username: unique('root') });
  expect(first.role).toBe('ADMIN');
  root = await person(first.id, first.username, first.password);
  aAdmin = await makeMember(root, 'ADMIN');
  aUser = await makeMember(aAdmin);
  // a second family: an account registered over GraphQL becomes its admin by the platform admin's hand
  bAdmin = await graphqlAccount();
  const made = await s.gql(HouseholdsTestCreateDocument, { name: 'The B family', adminId: bAdmin.id }, { token: root.token });
  expect(made.errors).toBeUndefined();
  expect(made.data!.createHousehold).toMatchObject({ name: 'The B family', isDefault: false });
  householdB = made.data!.createHousehold.id;
  bUser = await makeMember(bAdmin);
});
afterAll(() => s.close());

describe('an account from open registration elsewhere', () => {
  /**
   * Every documented coparent route but the auth ones and the public health check, as a legacy client
   * sends it, with ids of real rows of the default household (the refusal comes before any of them is read).
   */
  async function everyDataRoute(): Promise<{ method: string; route: string; path: string; body?: unknown }[]> {
    const item = await createItem(aUser, '2030-01-10', 'Private item');
    const block = await createBlock(root, '2030-01-01', '2030-01-03', 'Parent A');
    const routes = [
      { method: 'GET', route: '/api/items', path: '/api/items?month=2030-01' },
      { method: 'GET', route: '/api/items/day/:date', path: '/api/items/day/2030-01-10' },
      { method: 'POST', route: '/api/items', path: '/api/items', body: { date: '2030-01-11', type: 'EVENT', title: 'Intruder', body: 'x' } },
      { method: 'PATCH', route: '/api/items/:id', path: `/api/items/${item.id}`, body: { title: 'Taken' } },
      { method: 'PUT', route: '/api/items/:id', path: `/api/items/${item.id}`, body: { title: 'Taken' } },
      { method: 'DELETE', route: '/api/items/:id', path: `/api/items/${item.id}` },
      { method: 'GET', route: '/api/schedule', path: '/api/schedule?month=2030-01' },
      { method: 'GET', route: '/api/schedule/blocks', path: '/api/schedule/blocks' },
      { method: 'POST', route: '/api/schedule/blocks', path: '/api/schedule/blocks', body: { startDate: '2030-01-05', endDate: '2030-01-06', owner: 'Me' } },
      { method: 'PUT', route: '/api/schedule/blocks/:id', path: `/api/schedule/blocks/${block.id}`, body: { owner: 'Me' } },
      { method: 'DELETE', route: '/api/schedule/blocks/:id', path: `/api/schedule/blocks/${block.id}` },
      { method: 'GET', route: '/api/schedule/templates/cycle', path: '/api/schedule/templates/cycle' },
      { method: 'PUT', route: '/api/schedule/templates/cycle', path: '/api/schedule/templates/cycle', body: { name: 'Mine', days: [{ dayIndex: 0, owner: 'Me' }] } },
      { method: 'POST', route: '/api/schedule/templates/cycle/apply', path: '/api/schedule/templates/cycle/apply', body: { anchorDate: '2030-01-01', cycles: 1 } },
      { method: 'GET', route: '/api/admin/users', path: '/api/admin/users' },
      { method: 'POST', route: '/api/admin/users', path: '/api/admin/users', body: { username: unique('intruder'), password: 'changeme', role: 'ADMIN' } },
      { method: 'PATCH', route: '/api/admin/users/:id', path: `/api/admin/users/${aUser.id}`, body: { password: 'taken-over' } },
      { method: 'PUT', route: '/api/admin/users/:id', path: `/api/admin/users/${aUser.id}`, body: { role: 'ADMIN' } },
      { method: 'DELETE', route: '/api/admin/users/:id', path: `/api/admin/users/${aUser.id}` },
    ];
    // the list is the whole route table but auth and health: a route added later is covered or this fails
    const table = coparentSurface.routes.filter((r) => !r.path.startsWith('/api/auth/') && r.path !== '/api/health').map((r) => `${r.method.toUpperCase()} ${r.path}`);
    expect(routes.map((r) => `${r.method} ${r.route}`).sort()).toEqual([...table].sort());
    return routes;
  }

  it.each([
    ['POST /compass/api/auth/register', compassAccount],
    ['GraphQL register without an application', graphqlAccount],
  ])('from %s: 403 {error} on every coparent route but the auth ones, which keep working (me: role USER)', async (_, make) => {
    const outsider = await make();
    const routes = await everyDataRoute();
    for (const r of routes) {
      const res = await req(r.method, r.path, outsider, r.body);
      expect({ route: `${r.method} ${r.path}`, status: res.status, body: res.body }).toEqual({ route: `${r.method} ${r.path}`, status: 403, body: { error: expect.any(String) } });
    }
    // refused before its input is read: without a month it is 403 too, not 400
    expectError(await req('GET', '/api/schedule', outsider), 403);
    expectError(await req('GET', '/api/items', outsider), 403);
    expectError(await req('POST', '/api/items', outsider, {}), 403);
    // nothing of the household was touched
    expect(titles((await req('GET', '/api/items?month=2030-01', aUser)).body)).toContain('Private item');
    expect(titles((await req('GET', '/api/items?month=2030-01', aUser)).body)).not.toContain('Intruder');
    expect((await req('GET', '/api/schedule/blocks?start=2030-01-01&end=2030-01-31', root)).body.map((b: { owner: string }) => b.owner)).not.toContain('Me');
    expect((await s.rest('POST', `${P}/api/auth/login`, { body: { username: aUser.username, password: aUser.password } })).status).toBe(200);

    // the auth routes keep working, and show the role a user of no household has
    const login = await s.rest('POST', `${P}/api/auth/login`, { body: { username: outsider.username, password: outsider.password } });
    expect(login.status).toBe(200);
    expect(login.body).toEqual({ id: outsider.id, username: outsider.username, role: 'USER' });
    const cookie = cookieFrom(login.headers)!;
    const me = await s.rest('GET', `${P}/api/auth/me`, { cookie });
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: outsider.id, username: outsider.username, role: 'USER' });
    expect((await s.rest('POST', `${P}/api/auth/logout`, { cookie })).status).toBe(204);
    expectError(await s.rest('GET', `${P}/api/auth/me`, { cookie }), 401);
    expect((await s.rest('GET', `${P}/api/health`)).status).toBe(200);
  });

  it('is FORBIDDEN over GraphQL and its subscriptions are refused', async () => {
    for (const outsider of [await compassAccount(), await graphqlAccount()]) {
      const auth = { token: outsider.token };
      expect(codeOf(await s.gql(HouseholdsTestItemsDocument, { month: '2030-01' }, auth))).toBe('FORBIDDEN');
      expect(codeOf(await s.gql(HouseholdsTestScheduleDocument, { month: '2030-01' }, auth))).toBe('FORBIDDEN');
      expect(codeOf(await s.gql(HouseholdsTestCreateItemDocument, { input: { date: '2030-01-12', type: 'EVENT', title: 'Intruder' } }, auth))).toBe('FORBIDDEN');
      expect(codeOf(await s.gql(HouseholdsTestMembersDocument, {}, auth))).toBe('FORBIDDEN');
      const me = await s.gql(HouseholdsTestMeDocument, {}, auth);
      expect(me.data!.me).toEqual({ id: outsider.id, coparentRole: 'USER' });

      for (const [doc, variables] of [
        [HouseholdsTestItemChangedDocument, { month: '2030-01' }],
        [HouseholdsTestScheduleChangedDocument, {}],
      ] as const) {
        const ws = s.ws(outsider.token);
        try {
          const w = watch(ws, doc as TypedDocumentNode<unknown, Record<string, unknown>>, variables);
          await w.until(1, 5000);
          expect(codeOf(w.results[0])).toBe('FORBIDDEN');
          expect(w.results[0].data ?? null).toBeNull();
        } finally {
          await ws.dispose();
        }
      }
    }
  });
});

describe('two households', () => {
  it('keep their items apart both ways: lists, days, ids (GraphQL, GET, PATCH, PUT, DELETE → 404)', async () => {
    const a = await createItem(aUser, '2030-02-14', 'A: school play');
    const b = await createItem(bUser, '2030-02-14', 'B: dentist');
    const aAdminItem = await createItem(aAdmin, '2030-02-15', 'A: admin note');

    expect(titles((await req('GET', '/api/items?month=2030-02', aUser)).body)).toEqual(['A: admin note', 'A: school play']);
    expect(titles((await req('GET', '/api/items?month=2030-02', bUser)).body)).toEqual(['B: dentist']);
    expect(titles((await req('GET', '/api/items/day/2030-02-14', aAdmin)).body)).toEqual(['A: school play']);
    expect(titles((await req('GET', '/api/items/day/2030-02-14', bAdmin)).body)).toEqual(['B: dentist']);
    expect((await s.gql(HouseholdsTestItemsDocument, { month: '2030-02' }, { token: bAdmin.token })).data!.coparentItems.map((i) => i.id)).toEqual([b.id]);

    // another household's item does not exist for you, whatever your role in yours
    for (const [who, other] of [
      [bUser, a],
      [bAdmin, a],
      [bAdmin, aAdminItem],
      [aUser, b],
      [aAdmin, b],
    ] as const) {
      expect(codeOf(await s.gql(HouseholdsTestItemDocument, { id: other.id }, { token: who.token }))).toBe('NOT_FOUND');
      expectError(await req('PATCH', `/api/items/${other.id}`, who, { title: 'Taken' }), 404);
      expectError(await req('PUT', `/api/items/${other.id}`, who, { title: 'Taken' }), 404);
      expectError(await req('DELETE', `/api/items/${other.id}`, who), 404);
    }
    // a platform admin acts in their own household: the other's ids are 404 for them too
    expectError(await req('PATCH', `/api/items/${b.id}`, root, { title: 'Taken' }), 404);
    expectError(await req('DELETE', `/api/items/${b.id}`, root), 404);

    expect(titles((await req('GET', '/api/items?month=2030-02', aUser)).body)).toEqual(['A: admin note', 'A: school play']);
    expect(titles((await req('GET', '/api/items?month=2030-02', bUser)).body)).toEqual(['B: dentist']);
    // each household's own admin still manages its own items
    expect((await req('PATCH', `/api/items/${b.id}`, bAdmin, { title: 'B: dentist (moved)' })).status).toBe(200);
    expect((await req('DELETE', `/api/items/${a.id}`, aAdmin)).status).toBe(204);
    expect(titles((await req('GET', '/api/items?month=2030-02', bUser)).body)).toEqual(['B: dentist (moved)']);
    expect(titles((await req('GET', '/api/items?month=2030-02', aUser)).body)).toEqual(['A: admin note']);
  });

  it('keep their blocks, days view and cycle template apart; block ids of the other are 404', async () => {
    const aBlock = await createBlock(aAdmin, '2030-03-01', '2030-03-07', 'A parent');
    const bBlock = await createBlock(bAdmin, '2030-03-05', '2030-03-10', 'B parent');

    const aView = (await req('GET', '/api/schedule?month=2030-03', aUser)).body;
    expect(aView.blocks.map((b: { id: string }) => b.id)).toEqual([aBlock.id]);
    expect(Object.keys(aView.days)).toEqual(['2030-03-01', '2030-03-02', '2030-03-03', '2030-03-04', '2030-03-05', '2030-03-06', '2030-03-07']);
    expect(new Set(Object.values(aView.days).map((d) => (d as { blockId: string }).blockId))).toEqual(new Set([aBlock.id]));
    const bView = (await req('GET', '/api/schedule?start=2030-03-01&end=2030-03-31', bUser)).body;
    expect(bView.blocks.map((b: { id: string }) => b.id)).toEqual([bBlock.id]);
    expect(Object.keys(bView.days)).toEqual(['2030-03-05', '2030-03-06', '2030-03-07', '2030-03-08', '2030-03-09', '2030-03-10']);
    expect((await req('GET', '/api/schedule/blocks?start=2030-03-01&end=2030-03-31', aAdmin)).body.map((b: { id: string }) => b.id)).toEqual([aBlock.id]);
    expect((await req('GET', '/api/schedule/blocks?start=2030-03-01&end=2030-03-31', bAdmin)).body.map((b: { id: string }) => b.id)).toEqual([bBlock.id]);

    expectError(await req('PUT', `/api/schedule/blocks/${aBlock.id}`, bAdmin, { owner: 'Taken' }), 404);
    expectError(await req('DELETE', `/api/schedule/blocks/${aBlock.id}`, bAdmin), 404);
    expectError(await req('PUT', `/api/schedule/blocks/${bBlock.id}`, aAdmin, { owner: 'Taken' }), 404);
    expectError(await req('DELETE', `/api/schedule/blocks/${bBlock.id}`, aAdmin), 404);
    expectError(await req('PUT', `/api/schedule/blocks/${bBlock.id}`, root, { owner: 'Taken' }), 404);

    // the cycle template: one per household
    const aTemplate = {
      name: 'A: 2-2-3',
      days: [
        { dayIndex: 0, owner: 'A parent' },
        { dayIndex: 1, owner: 'A parent' },
        { dayIndex: 2, owner: 'A other' },
      ],
    };
    const bTemplate = {
      name: 'B: week on, week off',
      days: [
        { dayIndex: 0, owner: 'B parent' },
        { dayIndex: 1, owner: 'B other' },
      ],
    };
    const aSaved = await req('PUT', '/api/schedule/templates/cycle', aAdmin, aTemplate);
    expect(aSaved.status).toBe(200);
    expect((await req('GET', '/api/schedule/templates/cycle', bAdmin)).body).toBeNull();
    expect((await req('PUT', '/api/schedule/templates/cycle', bAdmin, bTemplate)).status).toBe(200);
    expect((await req('GET', '/api/schedule/templates/cycle', aAdmin)).body).toEqual(aSaved.body);
    expect((await req('GET', '/api/schedule/templates/cycle', bAdmin)).body).toMatchObject({ name: bTemplate.name, days: [{ owner: 'B parent' }, { owner: 'B other' }] });

    // applying B's template over a range A has a block in deletes and lays out B's only
    const applied = await req('POST', '/api/schedule/templates/cycle/apply', bAdmin, { anchorDate: '2030-03-01', cycles: 5, replaceExisting: true });
    expect(applied.body).toEqual({ blocksCreated: 10, blocksDeleted: 1, startDate: '2030-03-01', endDate: '2030-03-10' });
    expect((await req('GET', '/api/schedule?month=2030-03', aUser)).body).toEqual(aView);
    const bAfter = (await req('GET', '/api/schedule?month=2030-03', bUser)).body;
    expect(bAfter.blocks).toHaveLength(10);
    expect(Object.values(bAfter.days).map((d) => (d as { owner: string }).owner)).toEqual([
      'B parent',
      'B other',
      'B parent',
      'B other',
      'B parent',
      'B other',
      'B parent',
      'B other',
      'B parent',
      'B other',
    ]);
    const aApplied = await req('POST', '/api/schedule/templates/cycle/apply', aAdmin, { anchorDate: '2030-04-01', cycles: 1 });
    expect(aApplied.body).toMatchObject({ blocksCreated: 2, blocksDeleted: 0 });
    expect((await req('GET', '/api/schedule?month=2030-04', bUser)).body).toEqual({ days: {}, blocks: [] });
  });

  it("a household admin (not a platform admin) manages their own household only; owner_id of another household's user is 400", async () => {
    expect(codeOf(await s.gql(HouseholdsTestListDocument, {}, { token: bAdmin.token }))).toBe('FORBIDDEN');
    // items for a member of their household: yes; for anyone else: 400
    const forMember = await createItem(bAdmin, '2030-05-01', 'For B user', { owner_id: bUser.id });
    expect(forMember.ownerId).toBe(bUser.id);
    expectError(await req('POST', '/api/items', bAdmin, { date: '2030-05-01', type: 'EVENT', title: 'For A user', owner_id: aUser.id }), 400);
    expectError(await req('POST', '/api/items', bAdmin, { date: '2030-05-01', type: 'EVENT', title: 'For the platform admin', owner_id: root.id }), 400);
    expectError(await req('POST', '/api/items', aAdmin, { date: '2030-05-01', type: 'EVENT', title: 'For B user', owner_id: bUser.id }), 400);
    expectError(await req('POST', '/api/items', root, { date: '2030-05-01', type: 'EVENT', title: 'For B admin', owner_id: bAdmin.id }), 400);
    expect(titles((await req('GET', '/api/items?month=2030-05', aUser)).body)).toEqual([]);
    expect(titles((await req('GET', '/api/items?month=2030-05', bUser)).body)).toEqual(['For B user']);

    // users of the other household are not found
    for (const [admin, other] of [
      [bAdmin, aUser],
      [bAdmin, aAdmin],
      [aAdmin, bUser],
      [aAdmin, bAdmin],
    ] as const) {
      expectError(await req('PATCH', `/api/admin/users/${other.id}`, admin, { password: 'taken-over-now' }), 404);
      expectError(await req('PUT', `/api/admin/users/${other.id}`, admin, { role: 'USER' }), 404);
      expectError(await req('DELETE', `/api/admin/users/${other.id}`, admin), 404);
    }
    expect((await s.rest('POST', `${P}/api/auth/login`, { body: { username: aUser.username, password: aUser.password } })).status).toBe(200);
    expect((await req('GET', '/api/auth/me', bAdmin)).body.role).toBe('ADMIN');

    // a household user is no admin of anything
    for (const [method, path] of [
      ['GET', '/api/schedule/blocks'],
      ['GET', '/api/schedule/templates/cycle'],
      ['GET', '/api/admin/users'],
    ]) {
      expectError(await req(method, path, bUser), 403);
    }
  });
});

describe('household admin routes', () => {
  it("POST /api/admin/users makes an account of the admin's household: it logs in and sees that household's items", async () => {
    const item = await createItem(bUser, '2030-06-01', 'B: swim class');
    await createItem(aUser, '2030-06-01', 'A: piano');
    const casey = await makeMember(bAdmin);
    const login = await s.rest('POST', `${P}/api/auth/login`, { body: { username: casey.username, password: casey.password } });
    expect(login.body).toEqual({ id: casey.id, username: casey.username, role: 'USER' });
    const items = await req('GET', '/api/items?month=2030-06', casey);
    expect(items.status).toBe(200);
    expect(items.body.map((i: { id: string }) => i.id)).toEqual([item.id]);
    const own = await createItem(casey, '2030-06-02', 'Casey: pickup');
    expect(titles((await req('GET', '/api/items?month=2030-06', bUser)).body)).toEqual(['B: swim class', 'Casey: pickup']);
    expect(titles((await req('GET', '/api/items?month=2030-06', aUser)).body)).toEqual(['A: piano']);
    expect(own.ownerId).toBe(casey.id);
    // an existing account cannot be taken in by the route (its username is taken: 409)
    expectError(await req('POST', '/api/admin/users', bAdmin, { username: aUser.username, password: 'changeme', role: 'USER' }), 409);
  });

  it("GET /api/admin/users lists only the household's members, with their household role", async () => {
    // a household of its own, for an exact list
    const cAdmin = await graphqlAccount();
    const made = await s.gql(HouseholdsTestCreateDocument, { name: 'The C family', adminId: cAdmin.id }, { token: root.token });
    expect(made.errors).toBeUndefined();
    const c1 = await makeMember(cAdmin);
    const c2 = await makeMember(cAdmin, 'ADMIN');
    const row = (p: Person, role: string) => ({ id: p.id, username: p.username, role, createdAt: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
    const cList = await req('GET', '/api/admin/users', cAdmin);
    expect(cList.status).toBe(200);
    expect(cList.body).toEqual([row(cAdmin, 'ADMIN'), row(c1, 'USER'), row(c2, 'ADMIN')]);
    expect((await req('GET', '/api/admin/users', c2)).body).toEqual(cList.body);
    expect((await s.gql(HouseholdsTestMembersDocument, {}, { token: cAdmin.token })).data!.householdMembers).toEqual([
      { id: cAdmin.id, username: cAdmin.username, coparentRole: 'ADMIN' },
      { id: c1.id, username: c1.username, coparentRole: 'USER' },
      { id: c2.id, username: c2.username, coparentRole: 'ADMIN' },
    ]);

    // the default household's list: its members with their roles there, nobody else's
    const aList = (await req('GET', '/api/admin/users', aAdmin)).body as { id: string }[];
    expect(aList.slice(0, 3)).toEqual([row(root, 'ADMIN'), row(aAdmin, 'ADMIN'), row(aUser, 'USER')]);
    const ids = aList.map((u) => u.id);
    for (const other of [bAdmin, bUser, cAdmin, c1, c2]) expect(ids).not.toContain(other.id);
    const bIds = (await req('GET', '/api/admin/users', bAdmin)).body.map((u: { id: string }) => u.id);
    expect(bIds.slice(0, 2)).toEqual([bAdmin.id, bUser.id]);
    for (const other of [root, aAdmin, aUser, cAdmin, c1, c2]) expect(bIds).not.toContain(other.id);
  });

  it("PATCH changes a member's role (me shows it at once) and password (old one refused, sessions end)", async () => {
    const drew = await makeMember(bAdmin);
    const promoted = await req('PATCH', `/api/admin/users/${drew.id}`, bAdmin, { role: 'ADMIN' });
    expect(promoted.body).toEqual({ id: drew.id, username: drew.username, role: 'ADMIN', createdAt: expect.any(String) });
    expect((await req('GET', '/api/auth/me', drew)).body.role).toBe('ADMIN');
    // a household admin now: B's admin routes open, A's data still out of reach
    expect((await req('GET', '/api/admin/users', drew)).body.map((u: { id: string }) => u.id)).toContain(bUser.id);
    expect((await req('GET', '/api/admin/users', drew)).body.map((u: { id: string }) => u.id)).not.toContain(aUser.id);
    expect(codeOf(await s.gql(HouseholdsTestListDocument, {}, { token: drew.token }))).toBe('FORBIDDEN');
    expect((await req('PUT', `/api/admin/users/${drew.id}`, bAdmin, { role: 'USER' })).body.role).toBe('USER');
    expectError(await req('GET', '/api/admin/users', drew), 403);

    expect((await req('PATCH', `/api/admin/users/${drew.id}`, bAdmin, { password: 'a-brand-new-password' })).status).toBe(200);
    expectError(await req('GET', '/api/auth/me', drew), 401);
    expectError(await s.rest('POST', `${P}/api/auth/login`, { body: { username: drew.username, password: drew.password } }), 401);
    const cookie = await restLogin(drew.username, 'a-brand-new-password');
    expect((await s.rest('GET', `${P}/api/auth/me`, { cookie })).body).toEqual({ id: drew.id, username: drew.username, role: 'USER' });
    expectError(await req('PATCH', `/api/admin/users/${drew.id}`, bAdmin, {}), 400);
  });

  it('DELETE removes a coparent-only account with its items: its session ends (me 401)', async () => {
    const eli = await makeMember(bAdmin);
    await createItem(eli, '2030-07-04', 'Eli: fireworks');
    await createItem(bUser, '2030-07-04', 'B: picnic');
    expect(titles((await req('GET', '/api/items?month=2030-07', bAdmin)).body)).toEqual(['B: picnic', 'Eli: fireworks']);
    expect((await req('DELETE', `/api/admin/users/${eli.id}`, bAdmin)).status).toBe(204);
    expect(titles((await req('GET', '/api/items?month=2030-07', bAdmin)).body)).toEqual(['B: picnic']);
    expect((await req('GET', '/api/admin/users', bAdmin)).body.map((u: { id: string }) => u.id)).not.toContain(eli.id);
    expectError(await req('GET', '/api/auth/me', eli), 401);
    expectError(await s.rest('POST', `${P}/api/auth/login`, { body: { username: eli.username, password: eli.password } }), 401);
    expectError(await req('DELETE', `/api/admin/users/${eli.id}`, bAdmin), 404);
  });

  it('DELETE keeps an account another application uses: it stays, is refused by coparent (403), me says USER', async () => {
    const fay = await makeMember(bAdmin, 'ADMIN');
    await enrollIn(s, root, fay, 'CAKEPLANNER');
    await createItem(fay, '2030-08-01', 'Fay: camp');
    expect((await req('DELETE', `/api/admin/users/${fay.id}`, bAdmin)).status).toBe(204);
    expect(titles((await req('GET', '/api/items?month=2030-08', bUser)).body)).toEqual([]);
    const me = await req('GET', '/api/auth/me', fay);
    expect(me.status).toBe(200);
    expect(me.body).toEqual({ id: fay.id, username: fay.username, role: 'USER' });
    expectError(await req('GET', '/api/items?month=2030-08', fay), 403);
    expectError(await req('GET', '/api/schedule?month=2030-08', fay), 403);
    expectError(await req('GET', '/api/admin/users', fay), 403);
    expect((await s.rest('POST', `${P}/api/auth/login`, { body: { username: fay.username, password: fay.password } })).body).toEqual({
      id: fay.id,
      username: fay.username,
      role: 'USER',
    });
    expect(codeOf(await s.gql(HouseholdsTestItemsDocument, { month: '2030-08' }, { token: fay.token }))).toBe('FORBIDDEN');
  });

  it('does not let a household admin set the password of an account another application uses (403); a platform admin can', async () => {
    const gus = await makeMember(bAdmin);
    await enrollIn(s, root, gus, 'CAKEPLANNER');
    const refused = await req('PATCH', `/api/admin/users/${gus.id}`, bAdmin, { password: 'taken-over-now' });
    expectError(refused, 403);
    // nothing half-written: the old password still works, the new one does not
    expect((await s.rest('POST', `${P}/api/auth/login`, { body: { username: gus.username, password: 'taken-over-now' } })).status).toBe(401);
    expect((await s.rest('POST', `${P}/api/auth/login`, { body: { username: gus.username, password: gus.password } })).status).toBe(200);
    // the household role is still the family admin's to change
    expect((await req('PATCH', `/api/admin/users/${gus.id}`, bAdmin, { role: 'ADMIN' })).body.role).toBe('ADMIN');
    // the platform admin sets it through the platform's operation (they act in their own household on coparent's routes)
    const set = await s.gql('mutation PlatformSets($id: ID!) { updateUser(id: $id, input: { password: "set-by-the-platform" }) { id } }', { id: gus.id }, { token: root.token });
    expect(set.errors).toBeUndefined();
    expect((await s.rest('POST', `${P}/api/auth/login`, { body: { username: gus.username, password: 'set-by-the-platform' } })).status).toBe(200);
  });

  it('never removes or demotes the last admin of a household (409)', async () => {
    const fresh = await graphqlAccount();
    const made = await s.gql(HouseholdsTestCreateDocument, { name: 'One-admin family', adminId: fresh.id }, { token: root.token });
    expect(made.errors).toBeUndefined();
    const member = await makeMember(fresh);
    expectError(await req('DELETE', `/api/admin/users/${fresh.id}`, fresh), 409);
    expectError(await req('PATCH', `/api/admin/users/${fresh.id}`, fresh, { role: 'USER' }), 409);
    expect((await req('GET', '/api/auth/me', fresh)).body.role).toBe('ADMIN');
    // with a second admin, either may go
    expect((await req('PATCH', `/api/admin/users/${member.id}`, fresh, { role: 'ADMIN' })).status).toBe(200);
    expect((await req('PATCH', `/api/admin/users/${fresh.id}`, fresh, { role: 'USER' })).body.role).toBe('USER');
    expectError(await req('PATCH', `/api/admin/users/${member.id}`, member, { role: 'USER' }), 409);
    expectError(await req('DELETE', `/api/admin/users/${member.id}`, member), 409);
    // moving a household's last admin into a new household would leave it without one
    const moved = await s.gql(HouseholdsTestCreateDocument, { name: 'Elsewhere', adminId: member.id }, { token: root.token });
    expect(codeOf(moved)).toBe('CONFLICT');
    expect(codeOf(await s.gql(HouseholdsTestAddMemberDocument, { userId: member.id, householdId: householdB }, { token: root.token }))).toBe('CONFLICT');
    expect((await req('GET', '/api/auth/me', member)).body.role).toBe('ADMIN');
    expect((await req('GET', '/api/admin/users', member)).body.map((u: { id: string }) => u.id).sort()).toEqual([fresh.id, member.id].sort());
  });

  it('guards admins only: a member of a household without an admin can be changed and removed', async () => {
    // a household made without an admin, where a second platform admin is a plain member
    const made = await s.gql(HouseholdsTestCreateDocument, { name: 'No-admin family' }, { token: root.token });
    const household = made.data!.createHousehold.id;
    const operator = await graphqlAccount();
    expect((await s.gql(TestPromoteDocument, { id: operator.id }, { token: root.token })).errors).toBeUndefined();
    const member = await graphqlAccount();
    for (const who of [operator, member]) {
      expect((await s.gql(HouseholdsTestAddMemberDocument, { userId: who.id, householdId: household }, { token: root.token })).errors).toBeUndefined();
    }
    const op = await person(operator.id, operator.username, operator.password);
    expect((await req('PATCH', `/api/admin/users/${member.id}`, op, { role: 'USER' })).status).toBe(200);
    expect((await req('DELETE', `/api/admin/users/${member.id}`, op)).status).toBe(204);
  });

  it('a household admin cannot touch a platform ADMIN (403)', async () => {
    // root is the platform admin and a member of the default household, whose admin aAdmin is
    expectError(await req('PATCH', `/api/admin/users/${root.id}`, aAdmin, { password: 'taken-over-now' }), 403);
    expectError(await req('PATCH', `/api/admin/users/${root.id}`, aAdmin, { role: 'USER' }), 403);
    expectError(await req('PUT', `/api/admin/users/${root.id}`, aAdmin, { role: 'USER' }), 403);
    expectError(await req('DELETE', `/api/admin/users/${root.id}`, aAdmin), 403);
    expect((await req('GET', '/api/auth/me', root)).body).toEqual({ id: root.id, username: root.username, role: 'ADMIN' });
    expect((await s.rest('POST', `${P}/api/auth/login`, { body: { username: root.username, password: root.password } })).status).toBe(200);
    // and cannot make anyone a platform admin: the role is the household's
    const made = await req('POST', '/api/admin/users', aAdmin, { username: unique('hhadm'), password: 'changeme-hhadm', role: 'ADMIN' });
    expect(made.body.role).toBe('ADMIN');
    const token = await loginToken(s, made.body.username, 'changeme-hhadm');
    expect(codeOf(await s.gql(HouseholdsTestListDocument, {}, { token }))).toBe('FORBIDDEN');
  });
});

describe("subscriptions deliver the subscriber's household only", () => {
  it("coparentItemChanged: a B subscriber gets none of A's writes, an A subscriber none of B's", async () => {
    const wsA = s.ws(aUser.token);
    const wsB = s.ws(undefined, { headers: { cookie: bUser.cookie } });
    const forA = watch(wsA, HouseholdsTestItemChangedDocument, { month: '2030-09' });
    const forB = watch(wsB, HouseholdsTestItemChangedDocument, { month: '2030-09' });
    try {
      await Promise.all([forA.ready, forB.ready]);
      const a1 = await createItem(aAdmin, '2030-09-01', 'A one');
      const b1 = await createItem(bAdmin, '2030-09-01', 'B one');
      const a2 = await createItem(aUser, '2030-09-02', 'A two');
      await forB.until(1);
      await forA.until(2);
      expect(forB.results.map((r) => r.data!.coparentItemChanged)).toEqual([{ kind: 'CREATED', itemId: b1.id, item: { id: b1.id, title: 'B one' } }]);
      expect(forA.results.map((r) => r.data!.coparentItemChanged.itemId)).toEqual([a1.id, a2.id]);
      // updates and deletes the same way
      expect((await req('PATCH', `/api/items/${a1.id}`, aAdmin, { title: 'A one (moved)' })).status).toBe(200);
      expect((await req('DELETE', `/api/items/${b1.id}`, bAdmin)).status).toBe(204);
      await forA.until(3);
      await forB.until(2);
      expect(forA.results.map((r) => r.data!.coparentItemChanged.kind)).toEqual(['CREATED', 'CREATED', 'UPDATED']);
      expect(forB.results.map((r) => r.data!.coparentItemChanged.kind)).toEqual(['CREATED', 'DELETED']);
      expect(forB.results[1].data!.coparentItemChanged.itemId).toBe(b1.id);
    } finally {
      forA.dispose();
      forB.dispose();
      await Promise.all([wsA.dispose(), wsB.dispose()]);
    }
  });

  it('scheduleChanged: blocks, template saves and applications reach their household only', async () => {
    const wsA = s.ws(aUser.token);
    const wsB = s.ws(bAdmin.token);
    const forA = watch(wsA, HouseholdsTestScheduleChangedDocument, {});
    const forB = watch(wsB, HouseholdsTestScheduleChangedDocument, {});
    try {
      await Promise.all([forA.ready, forB.ready]);
      const a1 = await createBlock(aAdmin, '2030-10-01', '2030-10-02', 'A parent');
      expect((await req('PUT', '/api/schedule/templates/cycle', aAdmin, { name: 'A again', days: [{ dayIndex: 0, owner: 'A parent' }] })).status).toBe(200);
      expect((await req('POST', '/api/schedule/templates/cycle/apply', aAdmin, { anchorDate: '2030-10-10', cycles: 1 })).status).toBe(200);
      const b1 = await createBlock(bAdmin, '2030-10-01', '2030-10-02', 'B parent');
      const a2 = await createBlock(aAdmin, '2030-10-03', '2030-10-04', 'A parent');
      await forB.until(1);
      await forA.until(3);
      expect(forB.results.map((r) => r.data!.scheduleChanged)).toEqual([{ kind: 'BLOCK_CREATED', blockId: b1.id }]);
      // aUser is no admin: the template save is not theirs to see
      expect(forA.results.map((r) => r.data!.scheduleChanged)).toEqual([
        { kind: 'BLOCK_CREATED', blockId: a1.id },
        { kind: 'TEMPLATE_APPLIED', blockId: null },
        { kind: 'BLOCK_CREATED', blockId: a2.id },
      ]);
      expect((await req('DELETE', `/api/schedule/blocks/${a1.id}`, aAdmin)).status).toBe(204);
      expect((await req('PUT', `/api/schedule/blocks/${b1.id}`, bAdmin, { label: null })).status).toBe(200);
      await forB.until(2);
      await forA.until(4);
      expect(forB.results[1].data!.scheduleChanged).toEqual({ kind: 'BLOCK_UPDATED', blockId: b1.id });
      expect(forA.results[3].data!.scheduleChanged).toEqual({ kind: 'BLOCK_DELETED', blockId: a1.id });
    } finally {
      forA.dispose();
      forB.dispose();
      await Promise.all([wsA.dispose(), wsB.dispose()]);
    }
  });

  it('stop at once for a member taken out of the household while subscribed', async () => {
    const staying = await makeMember(bAdmin); // keeps the account: cakeplanner uses it too
    await enrollIn(s, root, staying, 'CAKEPLANNER');
    const leaving = await makeMember(bAdmin); // coparent-only: the account goes
    const clients = [s.ws(staying.token), s.ws(undefined, { headers: { cookie: leaving.cookie } }), s.ws(bUser.token)];
    const [items1, items2, control] = clients.map((c) => watch(c, HouseholdsTestItemChangedDocument, { month: '2030-11' }));
    const sched = [s.ws(staying.token), s.ws(bUser.token)];
    const [sched1, schedControl] = sched.map((c) => watch(c, HouseholdsTestScheduleChangedDocument, {}));
    try {
      await Promise.all([items1.ready, items2.ready, control.ready, sched1.ready, schedControl.ready]);
      await createItem(bAdmin, '2030-11-01', 'Before');
      await createBlock(bAdmin, '2030-11-01', '2030-11-02', 'Before');
      await Promise.all([items1.until(1), items2.until(1), control.until(1), sched1.until(1), schedControl.until(1)]);

      expect((await req('DELETE', `/api/admin/users/${staying.id}`, bAdmin)).status).toBe(204);
      expect((await req('DELETE', `/api/admin/users/${leaving.id}`, bAdmin)).status).toBe(204);
      const after = await createItem(bAdmin, '2030-11-02', 'After');
      const block = await createBlock(bAdmin, '2030-11-03', '2030-11-04', 'After');
      await control.until(2);
      await schedControl.until(2);
      expect(control.results[1].data!.coparentItemChanged.itemId).toBe(after.id);
      expect(schedControl.results[1].data!.scheduleChanged.blockId).toBe(block.id);
      await pause(500);
      // nothing after the removal: neither data nor an error carrying it
      for (const w of [items1, items2]) {
        expect(w.results.filter((r) => r.data?.coparentItemChanged)).toHaveLength(1);
        expect(JSON.stringify(w.results)).not.toContain(after.id);
      }
      expect(sched1.results.filter((r) => r.data?.scheduleChanged)).toHaveLength(1);
      expect(JSON.stringify(sched1.results)).not.toContain(block.id);
    } finally {
      for (const w of [items1, items2, control, sched1, schedControl]) w.dispose();
      await Promise.all([...clients, ...sched].map((c) => c.dispose()));
    }
  });
});

describe('platform admins', () => {
  it('pass every check: without a membership of their own they act in the default household', async () => {
    const op = await graphqlAccount();
    expect((await s.gql(TestPromoteDocument, { id: op.id }, { token: root.token })).errors).toBeUndefined();
    const admin = await person(op.id, op.username, op.password);
    expect((await req('GET', '/api/auth/me', admin)).body).toEqual({ id: admin.id, username: admin.username, role: 'ADMIN' });

    const aItem = await createItem(aUser, '2030-12-01', 'A: recital');
    const bItem = await createItem(bUser, '2030-12-01', 'B: recital');
    expect(titles((await req('GET', '/api/items?month=2030-12', admin)).body)).toEqual(['A: recital']);
    const mine = await createItem(admin, '2030-12-02', 'Operator note', {});
    const forA = await createItem(admin, '2030-12-03', 'For A user', { owner_id: aUser.id });
    expect(forA.ownerId).toBe(aUser.id);
    expect(titles((await req('GET', '/api/items?month=2030-12', aUser)).body)).toEqual(['A: recital', 'For A user', 'Operator note']);
    expect(titles((await req('GET', '/api/items?month=2030-12', bUser)).body)).toEqual(['B: recital']);
    expect((await req('PATCH', `/api/items/${aItem.id}`, admin, { title: 'A: recital (checked)' })).status).toBe(200);
    expectError(await req('PATCH', `/api/items/${bItem.id}`, admin, { title: 'Taken' }), 404);
    expect((await req('DELETE', `/api/items/${mine.id}`, admin)).status).toBe(204);

    const block = await createBlock(admin, '2030-12-01', '2030-12-02', 'Operator');
    expect((await req('GET', '/api/schedule?month=2030-12', aUser)).body.blocks.map((b: { id: string }) => b.id)).toEqual([block.id]);
    expect((await req('GET', '/api/schedule?month=2030-12', bUser)).body.blocks).toEqual([]);
    expect((await req('GET', '/api/schedule/templates/cycle', admin)).body).toMatchObject({ name: 'A again' });
    const users = (await req('GET', '/api/admin/users', admin)).body.map((u: { id: string }) => u.id);
    expect(users).toEqual(expect.arrayContaining([root.id, aAdmin.id, aUser.id]));
    expect(users).not.toContain(bUser.id);
    expect((await req('PATCH', `/api/admin/users/${aUser.id}`, admin, { role: 'USER' })).status).toBe(200);

    const ws = s.ws(admin.token);
    const sub = watch(ws, HouseholdsTestItemChangedDocument, { month: '2030-12' });
    try {
      await sub.ready;
      await createItem(bUser, '2030-12-05', 'B: unseen');
      const seen = await createItem(aUser, '2030-12-05', 'A: seen');
      await sub.until(1);
      expect(sub.results.map((r) => r.data!.coparentItemChanged.itemId)).toEqual([seen.id]);
    } finally {
      sub.dispose();
      await ws.dispose();
    }
  });

  it('alone list, create and fill households (FORBIDDEN for everyone else)', async () => {
    const list = await s.gql(HouseholdsTestListDocument, {}, { token: root.token });
    expect(list.errors).toBeUndefined();
    const households = list.data!.households;
    expect(households[0]).toMatchObject({ isDefault: true });
    expect(households[1]).toEqual({ id: householdB, name: 'The B family', isDefault: false });
    expect(households.filter((h) => h.isDefault)).toHaveLength(1);
    // a refused createHousehold (its admin could not leave their household) left nothing behind
    expect(households.map((h) => h.name)).not.toContain('Elsewhere');

    const outsider = await compassAccount();
    for (const who of [aAdmin, aUser, bAdmin, bUser, outsider]) {
      const auth = { token: who.token };
      expect(codeOf(await s.gql(HouseholdsTestListDocument, {}, auth))).toBe('FORBIDDEN');
      expect(codeOf(await s.gql(HouseholdsTestCreateDocument, { name: 'Mine', adminId: who.id }, auth))).toBe('FORBIDDEN');
      expect(codeOf(await s.gql(HouseholdsTestAddMemberDocument, { userId: outsider.id, householdId: householdB }, auth))).toBe('FORBIDDEN');
    }
    expect((await s.gql(HouseholdsTestListDocument, {}, { token: root.token })).data!.households).toHaveLength(households.length);
    expectError(await req('GET', '/api/items?month=2030-12', outsider), 403);

    // the platform admin lets the outsider in: B's data, B's role
    const added = await s.gql(HouseholdsTestAddMemberDocument, { userId: outsider.id, householdId: householdB }, { token: root.token });
    expect(added.data!.addHouseholdMember).toEqual({ id: outsider.id, coparentRole: 'USER' });
    expect(titles((await req('GET', '/api/items?month=2030-12', outsider)).body)).toEqual(['B: recital', 'B: unseen']);
    expect((await req('GET', '/api/auth/me', outsider)).body.role).toBe('USER');
  });
});
