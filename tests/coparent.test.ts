/**
 * The coparent surface as a legacy client uses it (api-docs/coparent.md, issue 3): JSON bodies, the
 * HttpOnly `session` cookie, `{ "error": "..." }` errors. Every route, every denial and every 400 case.
 */
import { randomUUID } from 'node:crypto';
import { openOrm } from '../src/db/orm';
import { CoparentTestItemOwnersDocument } from '../src/generated/graphql';
import { cookieFrom, createTestDatabase, serverWithAdmin, TestServer, unique } from './support/server';

// This file's operations; codegen generates the typed `CoparentTest…Document`s used below from them
// (operations several files send are in ./support/operations.ts).
/* GraphQL */ `
  query CoparentTestItemOwners { coparentItems(month: "2024-03") { owner { id username } } }
`;

const P = '/coparent';
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

interface Person {
  id: string;
  username: string;
  password: string;
  cookie: string;
}

let s: TestServer;
let admin: Person;
let alice: Person;
let bob: Person;

function req(method: string, path: string, who?: Person | null, body?: unknown) {
  return s.rest(method, `${P}${path}`, { cookie: who?.cookie, body });
}

async function login(username: string, password: string): Promise<string> {
  const res = await s.rest('POST', `${P}/api/auth/login`, { body: { username, password } });
  expect(res.status).toBe(200);
  const cookie = cookieFrom(res.headers);
  expect(cookie).toBeTruthy();
  return cookie!;
}

async function makeUser(role: 'USER' | 'ADMIN' = 'USER'): Promise<Person> {
  const username = unique('cp');
  const password = 'changeme-' + username;
  const res = await req('POST', '/api/admin/users', admin, { username, password, role });
  expect(res.status).toBe(200);
  return { id: res.body.id, username, password, cookie: await login(username, password) };
}

function expectError(res: { status: number; body: unknown }, status: number): void {
  expect(res.status).toBe(status);
  expect(res.body).toEqual({ error: expect.any(String) });
  expect(JSON.stringify(res.body)).not.toMatch(/select|insert|update "|violates|constraint|stack/i);
}

async function createItem(who: Person, over: Record<string, unknown> = {}) {
  const res = await req('POST', '/api/items', who, { date: '2024-10-07', type: 'EVENT', title: 'Dentist', body: '9am check-up', ...over });
  expect(res.status).toBe(200);
  return res.body;
}

beforeAll(async () => {
  const started = await serverWithAdmin();
  s = started.s;
  admin = { id: started.admin.id, username: started.admin.username, password: started.admin.password, cookie: '' };
  admin.cookie = await login(admin.username, admin.password);
  alice = await makeUser();
  bob = await makeUser();
});
afterAll(() => s.close());

describe('auth routes with the shared identity', () => {
  it('logs in with a session cookie, answers /me from the stored user and logs out', async () => {
    const res = await s.rest('POST', `${P}/api/auth/login`, { body: { username: alice.username, password: alice.password } });
    expect(res.body).toEqual({ id: alice.id, username: alice.username, role: 'USER' });
    const setCookie = res.headers.getSetCookie().find((c) => c.startsWith('session='))!;
    expect(setCookie).toMatch(/HttpOnly/i);
    const cookie = cookieFrom(res.headers)!;
    const me = await s.rest('GET', `${P}/api/auth/me`, { cookie });
    expect(me.body).toEqual({ id: alice.id, username: alice.username, role: 'USER' });
    const out = await s.rest('POST', `${P}/api/auth/logout`, { cookie });
    expect(out.status).toBe(204);
    expectError(await s.rest('GET', `${P}/api/auth/me`, { cookie }), 401);
    expectError(await s.rest('POST', `${P}/api/auth/login`, { body: { username: alice.username, password: 'wrong password' } }), 401);
    const health = await s.rest('GET', `${P}/api/health`);
    expect(health.body).toEqual({ status: 'ok', time: expect.stringMatching(ISO) });
  });
});

describe('items', () => {
  it('creates an item and lists it in its month and on its day, in the documented shape', async () => {
    const item = await createItem(alice, { date: '2031-10-07', title: 'Soccer practice', body: 'Bring cleats' });
    expect(item).toEqual({
      id: expect.stringMatching(UUID),
      date: '2031-10-07T00:00:00.000Z',
      type: 'EVENT',
      title: 'Soccer practice',
      body: 'Bring cleats',
      ownerId: alice.id,
      owner: { id: alice.id, username: alice.username },
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
    });
    expect(Object.keys(item)).toEqual(['id', 'date', 'type', 'title', 'body', 'ownerId', 'owner', 'createdAt', 'updatedAt']);
    // everyone signed in reads every item
    const month = await req('GET', '/api/items?month=2031-10', bob);
    expect(month.status).toBe(200);
    expect(month.body).toEqual([item]);
    const day = await req('GET', '/api/items/day/2031-10-07', bob);
    expect(day.body).toEqual([item]);
    expect((await req('GET', '/api/items/day/2031-10-08', bob)).body).toEqual([]);
    expect((await req('GET', '/api/items?month=2031-11', bob)).body).toEqual([]);
  });

  it("orders a month by date then creation and keeps to the month's first and last day", async () => {
    const a = await createItem(alice, { date: '2032-02-15', title: 'a' });
    const b = await createItem(bob, { date: '2032-02-01', title: 'b' });
    const c = await createItem(alice, { date: '2032-02-15', title: 'c' });
    const d = await createItem(bob, { date: '2032-02-29', title: 'd (leap day)' });
    await createItem(alice, { date: '2032-01-31', title: 'before' });
    await createItem(alice, { date: '2032-03-01', title: 'after' });
    const res = await req('GET', '/api/items?month=2032-02', alice);
    expect(res.body.map((i: { id: string }) => i.id)).toEqual([b.id, a.id, c.id, d.id]);
    expect(res.body[1].owner).toEqual({ id: alice.id, username: alice.username });
    expect(res.body[0].owner).toEqual({ id: bob.id, username: bob.username });
  });

  it('answers 400 for a missing or malformed month and an invalid day', async () => {
    for (const q of ['', '?month=', '?month=2024-13', '?month=2024-00', '?month=2024-1', '?month=24-10', '?month=abcd-ef', '?month=2024-10-01', '?month=2024-10&month=2024-11']) {
      expectError(await req('GET', `/api/items${q}`, alice), 400);
    }
    for (const d of ['2024-02-30', '2023-02-29', '2024-04-31', '2024-13-01', '2024-1-01', 'not-a-date', '20241001']) {
      expectError(await req('GET', `/api/items/day/${d}`, alice), 400);
    }
    expect((await req('GET', '/api/items/day/2024-02-29', alice)).status).toBe(200);
  });

  it('validates a new item: date, type and title are required, body is optional', async () => {
    const ok = { date: '2033-01-05', type: 'NOTE', title: 'Call school' };
    expectError(await req('POST', '/api/items', alice, { ...ok, date: undefined }), 400);
    expectError(await req('POST', '/api/items', alice, { ...ok, date: '2033-02-30' }), 400);
    expectError(await req('POST', '/api/items', alice, { ...ok, date: '05/01/2033' }), 400);
    expectError(await req('POST', '/api/items', alice, { ...ok, title: '' }), 400);
    expectError(await req('POST', '/api/items', alice, { ...ok, title: 42 }), 400);
    expectError(await req('POST', '/api/items', alice, { ...ok, type: undefined }), 400);
    expectError(await req('POST', '/api/items', alice, { ...ok, title: 'x'.repeat(201) }), 400);
    const bad = await s.rest('POST', `${P}/api/items`, { cookie: alice.cookie, rawBody: '{"date":', headers: { 'content-type': 'application/json' } });
    expectError(bad, 400);
    const created = await req('POST', '/api/items', alice, ok);
    expect(created.status).toBe(200);
    expect(created.body.body).toBe('');
  });

  it('lets only admins set owner_id for someone else', async () => {
    const forAlice = await createItem(admin, { date: '2033-03-03', owner_id: alice.id });
    expect(forAlice.ownerId).toBe(alice.id);
    expect(forAlice.owner).toEqual({ id: alice.id, username: alice.username });
    expectError(await req('POST', '/api/items', bob, { date: '2033-03-03', type: 'EVENT', title: 'x', body: '', owner_id: alice.id }), 403);
    const self = await createItem(bob, { date: '2033-03-03', owner_id: bob.id });
    expect(self.ownerId).toBe(bob.id);
    expectError(await req('POST', '/api/items', admin, { date: '2033-03-03', type: 'EVENT', title: 'x', owner_id: randomUUID() }), 400);
    expectError(await req('POST', '/api/items', admin, { date: '2033-03-03', type: 'EVENT', title: 'x', owner_id: 'nope' }), 400);
  });

  it('updates any subset of title, body and type for the owner or an admin (PATCH and PUT)', async () => {
    const item = await createItem(alice, { date: '2033-04-04', title: 'Before', body: 'b', type: 'EVENT' });
    const patched = await req('PATCH', `/api/items/${item.id}`, alice, { title: 'After' });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...item, title: 'After', updatedAt: expect.stringMatching(ISO) });
    const put = await req('PUT', `/api/items/${item.id}`, alice, { body: 'new body', type: 'NOTE', ignored: true });
    expect(put.body).toMatchObject({ title: 'After', body: 'new body', type: 'NOTE', date: '2033-04-04T00:00:00.000Z' });
    const byAdmin = await req('PATCH', `/api/items/${item.id}`, admin, { title: 'Admin edit' });
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.ownerId).toBe(alice.id);

    expectError(await req('PATCH', `/api/items/${item.id}`, alice, {}), 400);
    expectError(await req('PATCH', `/api/items/${item.id}`, alice), 400);
    expectError(await req('PATCH', `/api/items/${item.id}`, alice, { date: '2033-05-05', color: 'red' }), 400);
    expectError(await req('PATCH', `/api/items/${item.id}`, alice, { title: '' }), 400);
    expectError(await req('PATCH', `/api/items/${item.id}`, alice, { title: 7 }), 400);
    expectError(await req('PATCH', `/api/items/${randomUUID()}`, alice, { title: 'x' }), 404);
    expectError(await req('PATCH', '/api/items/not-a-uuid', alice, { title: 'x' }), 404);
    expectError(await req('PATCH', `/api/items/${item.id}`, bob, { title: 'not mine' }), 403);
    expectError(await req('PUT', `/api/items/${item.id}`, bob, { title: 'not mine' }), 403);
    const unchanged = await req('GET', '/api/items/day/2033-04-04', bob);
    expect(unchanged.body[0].title).toBe('Admin edit');
  });

  it('deletes for the owner or an admin with 204; 404 when missing, 403 for others', async () => {
    const mine = await createItem(alice, { date: '2033-06-06' });
    const other = await createItem(bob, { date: '2033-06-06' });
    expectError(await req('DELETE', `/api/items/${mine.id}`, bob), 403);
    const del = await req('DELETE', `/api/items/${mine.id}`, alice);
    expect(del.status).toBe(204);
    expect(del.text).toBe('');
    expectError(await req('DELETE', `/api/items/${mine.id}`, alice), 404);
    expectError(await req('DELETE', `/api/items/${randomUUID()}`, alice), 404);
    expect((await req('DELETE', `/api/items/${other.id}`, admin)).status).toBe(204);
    expect((await req('GET', '/api/items/day/2033-06-06', alice)).body).toEqual([]);
  });

  it('answers 401 to anonymous callers and to an invalid cookie on every item route', async () => {
    const item = await createItem(alice, { date: '2033-07-07' });
    const forged: Person = { ...alice, cookie: 'session=not-a-token' };
    for (const who of [null, forged]) {
      expectError(await req('GET', '/api/items?month=2033-07', who), 401);
      expectError(await req('GET', '/api/items', who), 401);
      expectError(await req('GET', '/api/items/day/2033-07-07', who), 401);
      expectError(await req('POST', '/api/items', who, { date: '2033-07-07', type: 'EVENT', title: 'x', body: '' }), 401);
      // authentication first, as the compat notes say: an invalid cookie is 401 even with a malformed body
      expectError(await req('POST', '/api/items', who, { title: 5 }), 401);
      expectError(await req('PATCH', `/api/items/${item.id}`, who, { title: 'x' }), 401);
      expectError(await req('PUT', `/api/items/${item.id}`, who, { title: 'x' }), 401);
      expectError(await req('DELETE', `/api/items/${item.id}`, who), 401);
    }
  });
});

describe('schedule blocks (admin)', () => {
  const block = { startDate: '2034-10-07', endDate: '2034-10-13', owner: 'Parent A', label: 'Mom', color: 'indigo' };

  it('creates (201), lists, updates a subset (label/color to null) and deletes (204)', async () => {
    const created = await req('POST', '/api/schedule/blocks', admin, block);
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.stringMatching(UUID),
      ...block,
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
    });
    expect(Object.keys(created.body)).toEqual(['id', 'startDate', 'endDate', 'owner', 'label', 'color', 'createdAt', 'updatedAt']);
    const id = created.body.id;
    const listed = await req('GET', '/api/schedule/blocks?start=2034-10-13&end=2034-10-20', admin);
    expect(listed.body).toEqual([created.body]);
    const upd = await req('PUT', `/api/schedule/blocks/${id}`, admin, { label: null, color: null, owner: 'Parent B' });
    expect(upd.status).toBe(200);
    expect(upd.body).toMatchObject({ id, startDate: '2034-10-07', endDate: '2034-10-13', owner: 'Parent B', label: null, color: null });
    const moved = await req('PUT', `/api/schedule/blocks/${id}`, admin, { endDate: '2034-10-20' });
    expect(moved.body).toMatchObject({ startDate: '2034-10-07', endDate: '2034-10-20', owner: 'Parent B' });
    expectError(await req('PUT', `/api/schedule/blocks/${id}`, admin, {}), 400);
    expectError(await req('PUT', `/api/schedule/blocks/${id}`, admin, { unknown: 1 }), 400);
    expectError(await req('PUT', `/api/schedule/blocks/${id}`, admin, { endDate: '2034-10-01' }), 400);
    expectError(await req('PUT', `/api/schedule/blocks/${id}`, admin, { startDate: '2034-02-30' }), 400);
    expectError(await req('PUT', `/api/schedule/blocks/${id}`, admin, { owner: null }), 400);
    expectError(await req('PUT', `/api/schedule/blocks/${randomUUID()}`, admin, { owner: 'x' }), 404);
    const del = await req('DELETE', `/api/schedule/blocks/${id}`, admin);
    expect(del.status).toBe(204);
    expectError(await req('DELETE', `/api/schedule/blocks/${id}`, admin), 404);
    expectError(await req('DELETE', '/api/schedule/blocks/nope', admin), 404);
  });

  it('refuses invalid dates, an end before the start and a missing owner with 400', async () => {
    expectError(await req('POST', '/api/schedule/blocks', admin, { ...block, endDate: '2034-10-06' }), 400);
    expectError(await req('POST', '/api/schedule/blocks', admin, { ...block, startDate: '2034-02-30' }), 400);
    expectError(await req('POST', '/api/schedule/blocks', admin, { ...block, endDate: 'soon' }), 400);
    expectError(await req('POST', '/api/schedule/blocks', admin, { ...block, owner: '' }), 400);
    expectError(await req('POST', '/api/schedule/blocks', admin, { ...block, owner: undefined }), 400);
    expectError(await req('POST', '/api/schedule/blocks', admin, { ...block, label: 3 }), 400);
    expectError(await req('GET', '/api/schedule/blocks?start=2034-13-01', admin), 400);
    expectError(await req('GET', '/api/schedule/blocks?start=2034-10-10&end=2034-10-01', admin), 400);
    const oneDay = await req('POST', '/api/schedule/blocks', admin, { startDate: '2034-12-25', endDate: '2034-12-25', owner: 'Parent B' });
    expect(oneDay.status).toBe(201);
    expect(oneDay.body).toMatchObject({ label: null, color: null });
  });

  it('lists blocks overlapping the inclusive range sorted by startDate', async () => {
    const mk = async (startDate: string, endDate: string) => (await req('POST', '/api/schedule/blocks', admin, { startDate, endDate, owner: 'Parent A' })).body.id as string;
    const late = await mk('2035-05-20', '2035-06-02');
    const early = await mk('2035-04-25', '2035-05-01');
    const inside = await mk('2035-05-10', '2035-05-12');
    await mk('2035-04-01', '2035-04-30');
    await mk('2035-06-03', '2035-06-10');
    const res = await req('GET', '/api/schedule/blocks?start=2035-05-01&end=2035-06-02', admin);
    expect(res.body.map((b: { id: string }) => b.id)).toEqual([early, inside, late]);
    const open = await req('GET', '/api/schedule/blocks?start=2035-06-02', admin);
    expect(open.body.map((b: { startDate: string }) => b.startDate)).toEqual(['2035-05-20', '2035-06-03']);
    const all = await req('GET', '/api/schedule/blocks', admin);
    const starts = all.body.map((b: { startDate: string }) => b.startDate);
    expect(starts).toEqual([...starts].sort());
  });

  it('denies every admin route to users (403) and to anonymous callers (401)', async () => {
    const b = (await req('POST', '/api/schedule/blocks', admin, { startDate: '2036-01-01', endDate: '2036-01-02', owner: 'Parent A' })).body;
    const calls: [string, string, unknown?][] = [
      ['GET', '/api/schedule/blocks'],
      ['POST', '/api/schedule/blocks', { startDate: '2036-01-01', endDate: '2036-01-02', owner: 'Parent A' }],
      ['PUT', `/api/schedule/blocks/${b.id}`, { owner: 'Parent B' }],
      ['PUT', `/api/schedule/blocks/${b.id}`, {}],
      ['DELETE', `/api/schedule/blocks/${b.id}`],
      ['GET', '/api/schedule/templates/cycle'],
      ['PUT', '/api/schedule/templates/cycle', { name: 'x', days: [{ dayIndex: 0, owner: 'Parent A' }] }],
      ['POST', '/api/schedule/templates/cycle/apply', { anchorDate: '2036-01-01' }],
      ['GET', '/api/admin/users'],
      ['POST', '/api/admin/users', { username: unique('no'), password: 'changeme', role: 'USER' }],
      ['PATCH', `/api/admin/users/${bob.id}`, { role: 'ADMIN' }],
      ['PUT', `/api/admin/users/${bob.id}`, { role: 'ADMIN' }],
      ['DELETE', `/api/admin/users/${bob.id}`],
    ];
    for (const [method, path, body] of calls) {
      expectError(await req(method, path, alice, body), 403);
      expectError(await req(method, path, null, body), 401);
    }
    expect((await req('GET', '/api/schedule/blocks?start=2036-01-01&end=2036-01-01', admin)).body).toHaveLength(1);
    expect((await req('GET', '/api/auth/me', bob)).body.role).toBe('USER');
  });
});

describe('the schedule view', () => {
  it('maps the covered days of a month to their block, with the blocks overlapping it', async () => {
    const a = (await req('POST', '/api/schedule/blocks', admin, { startDate: '2037-09-28', endDate: '2037-10-02', owner: 'Parent A', label: 'Mom', color: 'indigo' })).body;
    const b = (await req('POST', '/api/schedule/blocks', admin, { startDate: '2037-10-30', endDate: '2037-11-03', owner: 'Parent B' })).body;
    await req('POST', '/api/schedule/blocks', admin, { startDate: '2037-11-05', endDate: '2037-11-06', owner: 'Parent A' });
    const res = await req('GET', '/api/schedule?month=2037-10', alice);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      days: {
        '2037-10-01': { owner: 'Parent A', label: 'Mom', color: 'indigo', blockId: a.id },
        '2037-10-02': { owner: 'Parent A', label: 'Mom', color: 'indigo', blockId: a.id },
        '2037-10-30': { owner: 'Parent B', label: null, color: null, blockId: b.id },
        '2037-10-31': { owner: 'Parent B', label: null, color: null, blockId: b.id },
      },
      blocks: [a, b],
    });
    const range = await req('GET', '/api/schedule?start=2037-11-02&end=2037-11-04', bob);
    expect(Object.keys(range.body.days)).toEqual(['2037-11-02', '2037-11-03']);
    expect(range.body.blocks).toEqual([b]);
  });

  it('gives an overlapped day to the most recently updated block', async () => {
    const older = (await req('POST', '/api/schedule/blocks', admin, { startDate: '2038-03-01', endDate: '2038-03-10', owner: 'Parent A' })).body;
    const newer = (await req('POST', '/api/schedule/blocks', admin, { startDate: '2038-03-05', endDate: '2038-03-06', owner: 'Parent B' })).body;
    let view = await req('GET', '/api/schedule?month=2038-03', alice);
    expect(view.body.days['2038-03-04'].blockId).toBe(older.id);
    expect(view.body.days['2038-03-05'].blockId).toBe(newer.id);
    expect(view.body.days['2038-03-06'].owner).toBe('Parent B');
    await new Promise((r) => setTimeout(r, 5));
    await req('PUT', `/api/schedule/blocks/${older.id}`, admin, { color: 'teal' });
    view = await req('GET', '/api/schedule?month=2038-03', alice);
    expect(view.body.days['2038-03-05']).toEqual({ owner: 'Parent A', label: null, color: 'teal', blockId: older.id });
    expect(view.body.blocks.map((b: { id: string }) => b.id)).toEqual([older.id, newer.id]);
  });

  it('answers 400 without a month or range and for bad ones; 401 anonymously', async () => {
    for (const q of [
      '',
      '?month=2038-13',
      '?month=38-01',
      '?start=2038-01-01',
      '?start=2038-01-10&end=2038-01-01',
      '?start=2038-02-30&end=2038-03-01',
      '?start=2030-01-01&end=2038-01-01',
    ]) {
      expectError(await req('GET', `/api/schedule${q}`, alice), 400);
    }
    expectError(await req('GET', '/api/schedule?month=2038-01', null), 401);
    expect((await req('GET', '/api/schedule?month=2099-01', alice)).body).toEqual({ days: {}, blocks: [] });
  });
});

describe('the cycle template', () => {
  const twoTwoFiveFive = {
    name: 'Default 2-2-5-5',
    days: [
      ...[0, 1].map((i) => ({ dayIndex: i, owner: 'Parent A', label: 'Mom', color: 'indigo' })),
      ...[2, 3].map((i) => ({ dayIndex: i, owner: 'Parent B', label: 'Dad', color: 'amber' })),
      ...[4, 5, 6, 7, 8].map((i) => ({ dayIndex: i, owner: 'Parent A', label: 'Mom', color: 'indigo' })),
      ...[9, 10, 11, 12, 13].map((i) => ({ dayIndex: i, owner: 'Parent B', label: 'Dad', color: 'amber' })),
    ].reverse(),
  };

  it('is null until saved, and apply without one is 400', async () => {
    const none = await req('GET', '/api/schedule/templates/cycle', admin);
    expect(none.status).toBe(200);
    expect(none.body).toBeNull();
    expect(none.text).toBe('null');
    expectError(await req('POST', '/api/schedule/templates/cycle/apply', admin, { anchorDate: '2040-01-01' }), 400);
  });

  it('validates the template: 1 to 42 entries covering contiguous indices from 0', async () => {
    const day = (dayIndex: number) => ({ dayIndex, owner: 'Parent A' });
    const bad = [
      { name: 'empty', days: [] },
      { name: 'none' },
      { name: 'too long', days: Array.from({ length: 43 }, (_, i) => day(i)) },
      { name: 'gap', days: [day(0), day(1), day(3)] },
      { name: 'duplicate', days: [day(0), day(1), day(1)] },
      { name: 'not from zero', days: [day(1), day(2)] },
      { name: 'negative', days: [day(-1), day(0)] },
      { name: 'fraction', days: [{ dayIndex: 0.5, owner: 'Parent A' }] },
      { name: 'no owner', days: [{ dayIndex: 0 }] },
      { name: 'not an array', days: 'mon,tue' },
      { name: '', days: [day(0)] },
      { days: [day(0)] },
    ];
    for (const body of bad) expectError(await req('PUT', '/api/schedule/templates/cycle', admin, body), 400);
    const six = await req('PUT', '/api/schedule/templates/cycle', admin, { name: 'Six weeks', days: Array.from({ length: 42 }, (_, i) => day(i)) });
    expect(six.status).toBe(200);
    expect(six.body.days).toHaveLength(42);
  });

  it('stores the template sorted by dayIndex, replacing the previous one', async () => {
    const res = await req('PUT', '/api/schedule/templates/cycle', admin, twoTwoFiveFive);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: expect.stringMatching(UUID),
      name: 'Default 2-2-5-5',
      days: [...twoTwoFiveFive.days].reverse(),
      createdAt: expect.stringMatching(ISO),
      updatedAt: expect.stringMatching(ISO),
    });
    const got = await req('GET', '/api/schedule/templates/cycle', admin);
    expect(got.body).toEqual(res.body);
    const minimal = await req('PUT', '/api/schedule/templates/cycle', admin, { name: 'One', days: [{ dayIndex: 0, owner: 'Parent A' }] });
    expect(minimal.body.days).toEqual([{ dayIndex: 0, owner: 'Parent A', label: null, color: null }]);
    expect(minimal.body.id).toBe(res.body.id);
  });

  it('lays a 2-2-5-5 template out across a month boundary, merging equal consecutive days', async () => {
    await req('PUT', '/api/schedule/templates/cycle', admin, twoTwoFiveFive);
    const res = await req('POST', '/api/schedule/templates/cycle/apply', admin, { anchorDate: '2041-10-21', cycles: 1, replaceExisting: false });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ blocksCreated: 4, blocksDeleted: 0, startDate: '2041-10-21', endDate: '2041-11-03' });
    const blocks = await req('GET', '/api/schedule/blocks?start=2041-10-01&end=2041-11-30', admin);
    expect(blocks.body.map((b: Record<string, unknown>) => [b.startDate, b.endDate, b.owner, b.label, b.color])).toEqual([
      ['2041-10-21', '2041-10-22', 'Parent A', 'Mom', 'indigo'],
      ['2041-10-23', '2041-10-24', 'Parent B', 'Dad', 'amber'],
      ['2041-10-25', '2041-10-29', 'Parent A', 'Mom', 'indigo'],
      ['2041-10-30', '2041-11-03', 'Parent B', 'Dad', 'amber'],
    ]);
    const nov = await req('GET', '/api/schedule?month=2041-11', alice);
    expect(Object.keys(nov.body.days)).toEqual(['2041-11-01', '2041-11-02', '2041-11-03']);
    expect(nov.body.days['2041-11-03'].owner).toBe('Parent B');
    expect(nov.body.blocks).toHaveLength(1);

    // default: 6 cycles of 14 days; the B run of one cycle and the A run of the next stay apart
    const six = await req('POST', '/api/schedule/templates/cycle/apply', admin, { anchorDate: '2042-01-05' });
    expect(six.body).toEqual({ blocksCreated: 24, blocksDeleted: 0, startDate: '2042-01-05', endDate: '2042-03-29' });
  });

  it('merges across cycle boundaries and, with replaceExisting, first deletes every overlapping block whole', async () => {
    await req('PUT', '/api/schedule/templates/cycle', admin, {
      name: 'A-B-A',
      days: [
        { dayIndex: 0, owner: 'Parent A' },
        { dayIndex: 1, owner: 'Parent B' },
        { dayIndex: 2, owner: 'Parent A' },
      ],
    });
    const outside = (await req('POST', '/api/schedule/blocks', admin, { startDate: '2043-05-01', endDate: '2043-05-09', owner: 'Old' })).body;
    const straddling = (await req('POST', '/api/schedule/blocks', admin, { startDate: '2043-05-08', endDate: '2043-05-12', owner: 'Old' })).body;
    const inside = (await req('POST', '/api/schedule/blocks', admin, { startDate: '2043-05-13', endDate: '2043-05-13', owner: 'Old' })).body;
    const res = await req('POST', '/api/schedule/templates/cycle/apply', admin, { anchorDate: '2043-05-10', cycles: 2, replaceExisting: true });
    // A B A | A B A → A, B, A A, B, A
    expect(res.body).toEqual({ blocksCreated: 5, blocksDeleted: 2, startDate: '2043-05-10', endDate: '2043-05-15' });
    const blocks = await req('GET', '/api/schedule/blocks?start=2043-05-01&end=2043-05-31', admin);
    expect(blocks.body.map((b: Record<string, unknown>) => [b.startDate, b.endDate, b.owner])).toEqual([
      ['2043-05-01', '2043-05-09', 'Old'],
      ['2043-05-10', '2043-05-10', 'Parent A'],
      ['2043-05-11', '2043-05-11', 'Parent B'],
      ['2043-05-12', '2043-05-13', 'Parent A'],
      ['2043-05-14', '2043-05-14', 'Parent B'],
      ['2043-05-15', '2043-05-15', 'Parent A'],
    ]);
    expect(blocks.body[0].id).toBe(outside.id);
    const ids = blocks.body.map((b: { id: string }) => b.id);
    expect(ids).not.toContain(straddling.id);
    expect(ids).not.toContain(inside.id);
  });

  it('refuses a bad anchorDate, cycles or replaceExisting with 400', async () => {
    for (const body of [
      {},
      { anchorDate: '2044-02-30' },
      { anchorDate: 'tomorrow' },
      { anchorDate: '2044-01-01', cycles: 0 },
      { anchorDate: '2044-01-01', cycles: 101 },
      { anchorDate: '2044-01-01', cycles: 1.5 },
      { anchorDate: '2044-01-01', cycles: '2' },
      { anchorDate: '2044-01-01', replaceExisting: 'yes' },
      { anchorDate: '9999-12-30', cycles: 1 },
    ]) {
      expectError(await req('POST', '/api/schedule/templates/cycle/apply', admin, body), 400);
    }
  });
});

describe('admin user management', () => {
  it('lists users as {id, username, role, createdAt}', async () => {
    const res = await req('GET', '/api/admin/users', admin);
    expect(res.status).toBe(200);
    const me = res.body.find((u: { id: string }) => u.id === admin.id);
    expect(me).toEqual({ id: admin.id, username: admin.username, role: 'ADMIN', createdAt: expect.stringMatching(ISO) });
    expect(res.body.find((u: { id: string }) => u.id === alice.id).role).toBe('USER');
    for (const u of res.body) expect(Object.keys(u)).toEqual(['id', 'username', 'role', 'createdAt']);
  });

  it('creates users (200 metadata), refusing duplicates with 409 and bad input with 400', async () => {
    const username = unique('casey');
    const res = await req('POST', '/api/admin/users', admin, { username, password: 'changeme', role: 'USER' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ id: expect.stringMatching(UUID), username, role: 'USER', createdAt: expect.stringMatching(ISO) });
    expectError(await req('POST', '/api/admin/users', admin, { username, password: 'changeme', role: 'USER' }), 409);
    expectError(await req('POST', '/api/admin/users', admin, { username: username.toUpperCase(), password: 'changeme', role: 'ADMIN' }), 409);
    expectError(await req('POST', '/api/admin/users', admin, { username: unique('x'), role: 'USER' }), 400);
    expectError(await req('POST', '/api/admin/users', admin, { username: unique('x'), password: 'short', role: 'USER' }), 400);
    expectError(await req('POST', '/api/admin/users', admin, { password: 'changeme', role: 'USER' }), 400);
    expectError(await req('POST', '/api/admin/users', admin, { username: unique('x'), password: 'changeme', role: 'SUPERUSER' }), 400);
    const defaulted = await req('POST', '/api/admin/users', admin, { username: unique('d'), password: 'changeme' });
    expect(defaulted.body.role).toBe('USER');
    const promoted = await req('POST', '/api/admin/users', admin, { username: unique('adm'), password: 'changeme', role: 'ADMIN' });
    expect(promoted.body.role).toBe('ADMIN');
    await req('DELETE', `/api/admin/users/${promoted.body.id}`, admin);
  });

  it('changes role and password (PATCH and PUT); /auth/me shows a role change at once', async () => {
    const u = await makeUser();
    const promoted = await req('PATCH', `/api/admin/users/${u.id}`, admin, { role: 'ADMIN' });
    expect(promoted.status).toBe(200);
    expect(promoted.body).toEqual({ id: u.id, username: u.username, role: 'ADMIN', createdAt: expect.stringMatching(ISO) });
    expect((await req('GET', '/api/auth/me', u)).body).toEqual({ id: u.id, username: u.username, role: 'ADMIN' });
    expect((await req('GET', '/api/admin/users', u)).status).toBe(200);
    const demoted = await req('PUT', `/api/admin/users/${u.id}`, admin, { role: 'USER' });
    expect(demoted.body.role).toBe('USER');
    expect((await req('GET', '/api/auth/me', u)).body.role).toBe('USER');
    expectError(await req('GET', '/api/admin/users', u), 403);

    const pw = await req('PATCH', `/api/admin/users/${u.id}`, admin, { password: 'a brand new one' });
    expect(pw.status).toBe(200);
    expectError(await s.rest('POST', `${P}/api/auth/login`, { body: { username: u.username, password: u.password } }), 401);
    expect(await login(u.username, 'a brand new one')).toBeTruthy();

    expectError(await req('PATCH', `/api/admin/users/${u.id}`, admin, {}), 400);
    expectError(await req('PATCH', `/api/admin/users/${u.id}`, admin, { username: 'renamed' }), 400);
    expectError(await req('PATCH', `/api/admin/users/${u.id}`, admin, { role: 'ROOT' }), 400);
    expectError(await req('PATCH', `/api/admin/users/${u.id}`, admin, { password: 'short' }), 400);
    expectError(await req('PATCH', `/api/admin/users/${randomUUID()}`, admin, { role: 'USER' }), 404);
    expectError(await req('PUT', '/api/admin/users/nope', admin, { role: 'USER' }), 404);
  });

  it('deletes a user (204) together with their items; 404 afterwards', async () => {
    const u = await makeUser();
    await createItem(u, { date: '2045-01-01', title: 'goes away' });
    const keep = await createItem(alice, { date: '2045-01-01', title: 'stays' });
    const del = await req('DELETE', `/api/admin/users/${u.id}`, admin);
    expect(del.status).toBe(204);
    const items = await req('GET', '/api/items?month=2045-01', alice);
    expect(items.body.map((i: { id: string }) => i.id)).toEqual([keep.id]);
    expectError(await req('DELETE', `/api/admin/users/${u.id}`, admin), 404);
    expectError(await req('GET', '/api/auth/me', u), 401);
    const listed = await req('GET', '/api/admin/users', admin);
    expect(listed.body.map((x: { id: string }) => x.id)).not.toContain(u.id);
  });

  it('never deletes or demotes the last admin (409)', async () => {
    const users = (await req('GET', '/api/admin/users', admin)).body as { id: string; role: string }[];
    for (const other of users.filter((x) => x.role === 'ADMIN' && x.id !== admin.id)) {
      expect((await req('PATCH', `/api/admin/users/${other.id}`, admin, { role: 'USER' })).status).toBe(200);
    }
    expectError(await req('DELETE', `/api/admin/users/${admin.id}`, admin), 409);
    expectError(await req('PATCH', `/api/admin/users/${admin.id}`, admin, { role: 'USER' }), 409);
    expect((await req('GET', '/api/auth/me', admin)).body.role).toBe('ADMIN');
  });
});

describe('odd input (review regressions)', () => {
  it('refuses NUL characters in texts with 400 and writes nothing', async () => {
    const before = (await req('GET', '/api/items/day/2024-03-03', alice)).body.length;
    expectError(await req('POST', '/api/items', alice, { date: '2024-03-03', type: 'EVENT', title: 'a\u0000b' }), 400);
    expectError(await req('POST', '/api/items', alice, { date: '2024-03-03', type: 'EVENT', title: 'ok', body: 'x\u0000y' }), 400);
    expect((await req('GET', '/api/items/day/2024-03-03', alice)).body).toHaveLength(before);
    const item = await createItem(alice, { date: '2024-03-03' });
    expectError(await req('PATCH', `/api/items/${item.id}`, alice, { body: 'x\u0000' }), 400);
    expectError(await req('POST', '/api/schedule/blocks', admin, { startDate: '2024-03-01', endDate: '2024-03-02', owner: 'A\u0000' }), 400);
    expectError(await req('PUT', '/api/schedule/templates/cycle', admin, { name: 'x', days: [{ dayIndex: 0, owner: 'A', label: 'l\u0000' }] }), 400);
  });

  it('answers a path that is not valid percent-encoding with a JSON 400, never an HTML page with a stack', async () => {
    for (const who of [alice, null]) {
      const res = await req('GET', '/api/items/day/%E0%A4%A', who);
      expectError(res, 400);
      expect(res.headers.get('content-type')).toMatch(/json/);
      expect(res.text).not.toMatch(/URIError|node_modules|<html/i);
    }
  });

  it("shows an item's owner through GraphQL as REST does: id and username, not the account's state", async () => {
    await createItem(admin, { date: '2024-03-04' });
    const ok = await s.gql(CoparentTestItemOwnersDocument, {}, { cookie: bob.cookie });
    expect(ok.errors).toBeUndefined();
    // fields the owner does not have: codegen would refuse the document, so it stays text
    const leak = await s.gql<unknown>('{ coparentItems(month: "2024-03") { owner { role isActive twoFactorEnabled } } }', {}, { cookie: bob.cookie });
    expect(leak.errors?.length).toBeGreaterThan(0);
    expect(leak.data).toBeUndefined();
  });
});

it('the coparent migration builds exactly the tables the coparent entities describe', async () => {
  const orm = await openOrm(await createTestDatabase());
  try {
    const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
    expect(diff.split('\n').filter((l) => /coparent_/.test(l))).toEqual([]);
  } finally {
    await orm.close(true);
  }
});
