/**
 * Enrollment (ARCHITECTURE.md "One identity, separate applications"), through the public surfaces on real
 * PostgreSQL:
 * - the enrollment migration on a deployment that predates it: the one family's calendar moves into the
 *   default household, every account keeps what it could use (a legacy coparent client sees no change);
 * - a fresh deployment: the first registered user, or the bootstrapped admin, administers the default household;
 * - cakeplanner's activation is its membership: an account made elsewhere is inactive for Cake Planner
 *   (REST, SSE, GraphQL, ws) until a cake admin activates it, at once despite the session cache, and
 *   deactivation closes Cake Planner only;
 * - compass self-enrolls, and a DISABLED membership closes compass only, in compass's error envelope;
 * - admin-only live data stops at once for a demoted admin (compass analytics, coparent template saves;
 *   identity's userChanged is tests/access.test.ts's).
 */
import { randomUUID } from 'node:crypto';
import { Client as PgClient } from 'pg';
import { openOrm } from '../src/db/orm';
import { hashPassword } from '../src/auth/password';
import {
  EnrollmentTestAnalyticsDocument,
  EnrollmentTestCakeChangedDocument,
  EnrollmentTestCakeEventsDocument,
  EnrollmentTestLoginDocument,
  EnrollmentTestMeDocument,
  EnrollmentTestScheduleDocument,
  EnrollmentTestUserAnswersDocument,
  TestDemoteDocument,
  TestPromoteDocument,
  TestSetEnrollmentDocument,
} from '../src/generated/graphql';
import type { EnrollmentTestAnalyticsSubscription, EnrollmentTestScheduleSubscription } from '../src/generated/graphql';
import { collect, cookieFrom, createTestDatabase, createUser, joinHousehold, startTestServer, subscribe, SubscriptionResult, TestServer, TestUser, unique } from './support/server';
import { api, cakeGroup, createEvent, openSse, SseStream } from './cakeplanner.helpers';

// This file's operations; codegen generates the typed `EnrollmentTest…Document`s used below from them.
/* GraphQL */ `
  query EnrollmentTestMe { me { id role coparentRole cakeActive memberships { application role status } } }
  mutation EnrollmentTestLogin($input: LoginInput!) { login(input: $input) { token } }
  query EnrollmentTestCakeEvents($start: String!, $end: String!) { cakeEvents(start: $start, end: $end) { id } cakeMyGroups { groupId } }
  subscription EnrollmentTestCakeChanged { cakeEventChanged { eventId } }
  query EnrollmentTestUserAnswers($n: Int!) { userAnswers(userNumber: $n) { questionId answer } }
  subscription EnrollmentTestAnalytics { compassAnalyticsChanged { totals { users } generatedAt } }
  subscription EnrollmentTestSchedule { scheduleChanged { kind blockId } }
`;

const PASSWORD = 'correct horse battery';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const codeOf = (res: { errors?: readonly { extensions?: Record<string, unknown> }[] }) => res.errors?.[0]?.extensions?.code;

/** Waits until `cond` holds (or fails after `timeoutMs`, saying what it waited for). */
async function until(what: string, cond: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** POST /coparent/api/auth/login as the legacy client does: the session cookie. */
async function coparentLogin(s: TestServer, username: string, password = PASSWORD): Promise<{ cookie: string; body: any }> {
  const res = await s.rest('POST', '/coparent/api/auth/login', { body: { username, password } });
  expect(res.status).toBe(200);
  return { cookie: cookieFrom(res.headers)!, body: res.body };
}

/** POST /compass/api/auth/login: compass's token and the account's number. */
async function compassLogin(s: TestServer, username: string, password = PASSWORD) {
  return s.rest('POST', '/compass/api/auth/login', { body: { username, password } });
}

/** compass.md's error envelope. */
function compassRefusal(status: number, message: string) {
  return { status: 'error', message, timestamp: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/), status_code: status };
}

/** A subscription's results as they come, for assertions on everything it delivered. */
function record<R>(start: (sink: { next: (r: SubscriptionResult<R>) => void; error: (e: unknown) => void; complete: () => void }) => () => void) {
  const results: SubscriptionResult<R>[] = [];
  const failures: unknown[] = [];
  let completed = false;
  const dispose = start({ next: (r) => void results.push(r), error: (e) => void failures.push(e), complete: () => void (completed = true) });
  return {
    results,
    failures,
    dispose,
    get completed() {
      return completed;
    },
  };
}

// ------------------------------------------------------------------------------------------------

describe('the enrollment migration on a deployment that predates it', () => {
  it("moves the family into the default household and keeps every account's applications; a legacy client sees its data", async () => {
    const url = await createTestDatabase();
    const orm = await openOrm(url, { migrate: false });
    const pg = new PgClient({ connectionString: url });
    let s: TestServer | undefined;
    try {
      await orm.getMigrator().up({ to: 'Migration20261201000000_idempotency_keys' });
      // the enrollment migration is the next to run (later ones follow it)
      expect((await orm.getMigrator().getPendingMigrations()).map((m) => m.name)[0]).toBe('Migration20261201100000_enrollment');
      await pg.connect();

      const hash = await hashPassword(PASSWORD);
      const users = {
        mom: { id: randomUUID(), role: 'ADMIN', active: true, deleted: false },
        dad: { id: randomUUID(), role: 'USER', active: true, deleted: false },
        nanny: { id: randomUUID(), role: 'USER', active: true, deleted: false },
        waiting: { id: randomUUID(), role: 'USER', active: false, deleted: false },
        gone: { id: randomUUID(), role: 'USER', active: true, deleted: true },
      };
      for (const [name, u] of Object.entries(users)) {
        await pg.query(
          `insert into users (id, username, email, name, password_hash, role, is_active, deleted_at, created_at)
           values ($1, $2, $3, $4, $5, $6, $7, $8, now() - interval '30 days')`,
          [u.id, u.deleted ? null : name, u.deleted ? null : `${name}@example.test`, name, u.deleted ? null : hash, u.role, u.active, u.deleted ? new Date() : null],
        );
      }
      const items = [
        { id: randomUUID(), date: '2026-10-03', title: 'Dentist', owner: users.mom.id, at: '2026-09-01T10:00:00Z' },
        { id: randomUUID(), date: '2026-10-03', title: 'Football', owner: users.dad.id, at: '2026-09-02T10:00:00Z' },
        { id: randomUUID(), date: '2026-10-17', title: 'Pick-up at 5', owner: users.nanny.id, at: '2026-09-03T10:00:00Z' },
        { id: randomUUID(), date: '2026-10-28', title: 'School play', owner: users.waiting.id, at: '2026-09-04T10:00:00Z' },
        { id: randomUUID(), date: '2026-11-02', title: 'Next month', owner: users.dad.id, at: '2026-09-05T10:00:00Z' },
      ];
      for (const i of items) {
        await pg.query(`insert into coparent_items (id, date, type, title, body, owner_id, created_at, updated_at) values ($1, $2, 'note', $3, '', $4, $5, $5)`, [
          i.id,
          i.date,
          i.title,
          i.owner,
          i.at,
        ]);
      }
      const blocks = [
        { id: randomUUID(), start: '2026-10-01', end: '2026-10-07', owner: 'Parent A', label: 'Mom' },
        { id: randomUUID(), start: '2026-10-08', end: '2026-10-14', owner: 'Parent B', label: 'Dad' },
      ];
      for (const b of blocks) {
        await pg.query(`insert into coparent_schedule_blocks (id, start_date, end_date, owner, label, color) values ($1, $2, $3, $4, $5, null)`, [
          b.id,
          b.start,
          b.end,
          b.owner,
          b.label,
        ]);
      }
      const oldTemplate = randomUUID();
      const newTemplate = randomUUID();
      await pg.query(`insert into coparent_cycle_templates (id, name, days, created_at, updated_at) values ($1, 'Old week', $2, '2026-01-01', '2026-01-01')`, [
        oldTemplate,
        JSON.stringify([{ dayIndex: 0, owner: 'Parent A', label: null, color: null }]),
      ]);
      await pg.query(`insert into coparent_cycle_templates (id, name, days, created_at, updated_at) values ($1, '2-2-3', $2, '2026-02-01', '2026-06-01')`, [
        newTemplate,
        JSON.stringify([
          { dayIndex: 0, owner: 'Parent A', label: 'Mom', color: '#f00' },
          { dayIndex: 1, owner: 'Parent B', label: 'Dad', color: null },
        ]),
      ]);

      await orm.getMigrator().up();
      expect(await orm.getMigrator().getPendingMigrations()).toEqual([]);

      const households = (await pg.query('select id, is_default from coparent_households')).rows;
      expect(households).toEqual([{ id: expect.any(String), is_default: true }]);
      const household = households[0].id as string;
      for (const table of ['coparent_items', 'coparent_schedule_blocks']) {
        const owned = (await pg.query(`select household_id, count(*)::int as n from ${table} group by household_id`)).rows;
        expect(owned).toEqual([{ household_id: household, n: table === 'coparent_items' ? items.length : blocks.length }]);
      }
      expect((await pg.query('select id, household_id from coparent_cycle_templates')).rows).toEqual([{ id: newTemplate, household_id: household }]);

      const memberships = (await pg.query(`select user_id, application, status, role, household_id from app_memberships order by application`)).rows;
      const of = (application: string) => Object.fromEntries(memberships.filter((m) => m.application === application).map((m) => [m.user_id, m]));
      const expected = (over: (u: (typeof users)['mom']) => Record<string, unknown>) =>
        Object.fromEntries(
          Object.values(users)
            .filter((u) => !u.deleted)
            .map((u) => [u.id, expect.objectContaining(over(u))]),
        );
      expect(of('COPARENT')).toEqual(expected((u) => ({ status: 'ACTIVE', role: u.role === 'ADMIN' ? 'ADMIN' : 'USER', household_id: household })));
      expect(of('CAKEPLANNER')).toEqual(expected((u) => ({ status: u.active ? 'ACTIVE' : 'PENDING', household_id: null })));
      expect(memberships.filter((m) => !['COPARENT', 'CAKEPLANNER'].includes(m.application))).toEqual([]);
      await orm.close(true);

      // a legacy coparent client of that family, against a server on the migrated database
      s = await startTestServer({}, url);
      const dad = await coparentLogin(s, 'dad');
      expect(dad.body).toEqual({ id: users.dad.id, username: 'dad', role: 'USER' });
      const october = await s.rest('GET', '/coparent/api/items?month=2026-10', { cookie: dad.cookie });
      expect(october.status).toBe(200);
      expect(october.body.map((i: any) => [i.id, i.date, i.title, i.owner.username])).toEqual([
        [items[0].id, '2026-10-03T00:00:00.000Z', 'Dentist', 'mom'],
        [items[1].id, '2026-10-03T00:00:00.000Z', 'Football', 'dad'],
        [items[2].id, '2026-10-17T00:00:00.000Z', 'Pick-up at 5', 'nanny'],
        [items[3].id, '2026-10-28T00:00:00.000Z', 'School play', 'waiting'],
      ]);
      const schedule = await s.rest('GET', '/coparent/api/schedule?month=2026-10', { cookie: dad.cookie });
      expect(schedule.status).toBe(200);
      expect(schedule.body.blocks.map((b: any) => b.id)).toEqual(blocks.map((b) => b.id));
      expect(schedule.body.days['2026-10-09']).toEqual({ owner: 'Parent B', label: 'Dad', color: null, blockId: blocks[1].id });
      // the nanny (a USER) writes where she always did
      const nanny = await coparentLogin(s, 'nanny');
      const created = await s.rest('POST', '/coparent/api/items', { cookie: nanny.cookie, body: { date: '2026-10-20', type: 'note', title: 'Bring boots' } });
      expect(created.status).toBe(200);

      const mom = await coparentLogin(s, 'mom');
      expect(mom.body).toEqual({ id: users.mom.id, username: 'mom', role: 'ADMIN' });
      const adminBlocks = await s.rest('GET', '/coparent/api/schedule/blocks', { cookie: mom.cookie });
      expect(adminBlocks.status).toBe(200);
      expect(adminBlocks.body.map((b: any) => [b.id, b.startDate, b.endDate, b.owner, b.label])).toEqual(blocks.map((b) => [b.id, b.start, b.end, b.owner, b.label]));
      const template = await s.rest('GET', '/coparent/api/schedule/templates/cycle', { cookie: mom.cookie });
      expect(template.body).toMatchObject({
        id: newTemplate,
        name: '2-2-3',
        days: [
          { dayIndex: 0, owner: 'Parent A', label: 'Mom', color: '#f00' },
          { dayIndex: 1, owner: 'Parent B' },
        ],
      });
      const members = await s.rest('GET', '/coparent/api/admin/users', { cookie: mom.cookie });
      expect(members.body.map((u: any) => [u.username, u.role]).sort()).toEqual([
        ['dad', 'USER'],
        ['mom', 'ADMIN'],
        ['nanny', 'USER'],
        ['waiting', 'USER'],
      ]);
      // as before: the admin's items of every owner, and a USER's writes stay refused on the schedule
      expect(
        (await s.rest('POST', '/coparent/api/schedule/blocks', { cookie: dad.cookie, body: { startDate: '2026-12-01', endDate: '2026-12-02', owner: 'Parent B' } })).status,
      ).toBe(403);
      // an inactive account stays inactive (cakeplanner: PENDING until an admin activates it there)
      expect((await s.rest('POST', '/coparent/api/auth/login', { body: { username: 'waiting', password: PASSWORD } })).status).toBe(403);
    } finally {
      await pg.end().catch(() => undefined);
      await orm.close(true).catch(() => undefined);
      await s?.close();
    }
  });
});

// ------------------------------------------------------------------------------------------------

describe('a fresh deployment', () => {
  const memberships = async (s: TestServer, token: string) => {
    const me = await s.gql(EnrollmentTestMeDocument, {}, { token });
    expect(me.errors).toBeUndefined();
    return me.data!.me.memberships;
  };

  it("makes the first registered user the default household's coparent admin", async () => {
    const s = await startTestServer();
    try {
      const first = await createUser(s);
      expect(first.role).toBe('ADMIN');
      const { cookie, body } = await coparentLogin(s, first.username);
      expect(body).toEqual({ id: first.id, username: first.username, role: 'ADMIN' });
      expect((await s.rest('GET', '/coparent/api/auth/me', { cookie })).body).toEqual({ id: first.id, username: first.username, role: 'ADMIN' });
      expect(await memberships(s, first.token)).toEqual(
        expect.arrayContaining([
          { application: 'COPARENT', role: 'ADMIN', status: 'ACTIVE' },
          { application: 'CAKEPLANNER', role: 'USER', status: 'ACTIVE' },
        ]),
      );
      // a member of the default household in its own right (not only a platform admin acting there)
      const members = await s.rest('GET', '/coparent/api/admin/users', { cookie });
      expect(members.body).toEqual([{ id: first.id, username: first.username, role: 'ADMIN', createdAt: expect.any(String) }]);

      // the second registration is nobody's household member
      const second = await createUser(s);
      expect(second.role).toBe('USER');
      expect(await memberships(s, second.token)).toEqual([]);
      expect((await s.rest('GET', '/coparent/api/items?month=2027-01', { token: second.token })).status).toBe(403);
    } finally {
      await s.close();
    }
  });

  it("makes the ADMIN_PASSWORD bootstrap admin the default household's coparent admin", async () => {
    const s = await startTestServer({ ADMIN_PASSWORD: 'bootstrap secret', ADMIN_USERNAME: 'root' });
    try {
      const { cookie, body } = await coparentLogin(s, 'root', 'bootstrap secret');
      expect(body).toEqual({ id: expect.any(String), username: 'root', role: 'ADMIN' });
      expect((await s.rest('GET', '/coparent/api/auth/me', { cookie })).body).toEqual({ id: body.id, username: 'root', role: 'ADMIN' });
      const token = (await s.gql(EnrollmentTestLoginDocument, { input: { login: 'root', password: 'bootstrap secret' } })).data!.login.token!;
      expect(await memberships(s, token)).toEqual(expect.arrayContaining([{ application: 'COPARENT', role: 'ADMIN', status: 'ACTIVE' }]));
      expect((await s.rest('GET', '/coparent/api/admin/users', { cookie })).body.map((u: any) => [u.id, u.role])).toEqual([[body.id, 'ADMIN']]);
      // with an admin bootstrapped, the first registration is an ordinary account
      const first = await createUser(s);
      expect(first.role).toBe('USER');
      expect(await memberships(s, first.token)).toEqual([]);
    } finally {
      await s.close();
    }
  });
});

// ------------------------------------------------------------------------------------------------

describe('cakeplanner activation (the session cache on, its default)', () => {
  let s: TestServer;
  let admin: TestUser;
  let cakeAdmin: string;
  const streams: SseStream[] = [];
  const RANGE = '?start=2031-01-01&end=2031-12-31';

  beforeAll(async () => {
    s = await startTestServer();
    expect(s.app.config.sessionCacheSeconds).toBeGreaterThan(0);
    admin = await createUser(s);
    const login = await api(s, 'POST', '/api/auth/login', { body: { email: admin.email, password: admin.password } });
    expect(login.status).toBe(200);
    cakeAdmin = login.body.token;
  });
  afterAll(async () => {
    for (const st of streams) st.close();
    await s.close();
  });

  const setStatus = (id: string, isActive: boolean) => api(s, 'PUT', `/api/admin/users/${id}/status`, { token: cakeAdmin, body: { isActive } });
  const cakeListed = async (id: string) => ((await api(s, 'GET', '/api/admin/users', { token: cakeAdmin })).body as any[]).find((u) => u.id === id);
  const sse = async (token: string) => {
    const st = await openSse(s, '/api/events/stream', { token });
    streams.push(st);
    return st;
  };

  /** Every way into Cake Planner refuses the account with cakeplanner.md's word. */
  async function expectClosed(u: { email: string; password: string; token: string }): Promise<void> {
    expect(await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password } })).toMatchObject({ status: 403, body: { error: 'Account is inactive' } });
    expect(await api(s, 'GET', `/api/events${RANGE}`, { token: u.token })).toMatchObject({ status: 403, body: { error: 'Account is inactive' } });
    expect(await api(s, 'GET', '/api/user/groups', { token: u.token })).toMatchObject({ status: 403, body: { error: 'Account is inactive' } });
    const st = await sse(u.token);
    expect(st.status).toBe(403);
    expect(st.body).toEqual({ error: 'Account is inactive' });
    const gql = await s.gql(EnrollmentTestCakeEventsDocument, { start: '2031-01-01', end: '2031-12-31' }, { token: u.token });
    expect(codeOf(gql)).toBe('FORBIDDEN');
    expect(gql.errors![0].message).toBe('Account is inactive');
    expect(codeOf(await s.gql(EnrollmentTestLoginDocument, { input: { login: u.email, password: u.password, application: 'CAKEPLANNER' } }))).toBe('FORBIDDEN');
    const ws = s.ws(u.token);
    try {
      const [refused] = await collect(ws, EnrollmentTestCakeChangedDocument, {}, 1, 5000).done;
      expect(refused.data ?? null).toBeNull();
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    } finally {
      await ws.dispose();
    }
  }

  async function expectOpen(u: { email: string; password: string; token: string }): Promise<void> {
    expect((await api(s, 'POST', '/api/auth/login', { body: { email: u.email, password: u.password } })).status).toBe(200);
    expect(await api(s, 'GET', `/api/events${RANGE}`, { token: u.token })).toMatchObject({ status: 200 });
    const gql = await s.gql(EnrollmentTestCakeEventsDocument, { start: '2031-01-01', end: '2031-12-31' }, { token: u.token });
    expect(gql.errors).toBeUndefined();
  }

  it('an account made elsewhere is inactive for Cake Planner until a cake admin activates it, at once', async () => {
    // through GraphQL without an application, and through compass's open registration
    const viaGraphql = await createUser(s);
    const compassName = unique('cmp');
    const reg = await s.rest('POST', '/compass/api/auth/register', { body: { username: compassName, password: PASSWORD, email_address: `${compassName}@example.test` } });
    expect(reg.status).toBe(201);
    const viaCompass = { email: `${compassName}@example.test`, password: PASSWORD, token: (await compassLogin(s, compassName)).body.data.token as string };
    const compassId = (await s.gql(EnrollmentTestMeDocument, {}, { token: viaCompass.token })).data!.me.id;

    for (const u of [viaGraphql, viaCompass]) await expectClosed(u);
    expect(await cakeListed(viaGraphql.id)).toMatchObject({ isActive: false });
    expect(await cakeListed(compassId)).toMatchObject({ isActive: false });
    expect(await cakeListed(admin.id)).toMatchObject({ isActive: true });
    expect((await s.gql(EnrollmentTestMeDocument, {}, { token: viaGraphql.token })).data!.me).toMatchObject({ cakeActive: false, memberships: [] });

    // the refused requests above cached the session; the activation reaches it before the answer
    expect(await setStatus(viaGraphql.id, true)).toMatchObject({ status: 200, body: { id: viaGraphql.id, isActive: true } });
    await expectOpen(viaGraphql);
    expect((await s.gql(EnrollmentTestMeDocument, {}, { token: viaGraphql.token })).data!.me).toMatchObject({
      cakeActive: true,
      memberships: [{ application: 'CAKEPLANNER', role: 'USER', status: 'ACTIVE' }],
    });
    expect(await cakeListed(viaGraphql.id)).toMatchObject({ isActive: true });
    // the other account is still waiting
    expect(await cakeListed(compassId)).toMatchObject({ isActive: false });
    await expectClosed(viaCompass);
  });

  it('deactivation closes Cake Planner at once, open streams included; compass keeps working for the account', async () => {
    const member = await createUser(s);
    expect((await setStatus(member.id, true)).status).toBe(200);
    const bakerName = unique('Baker');
    const registered = await api(s, 'POST', '/api/auth/register', { body: { email: `${bakerName.toLowerCase()}@example.test`, password: PASSWORD, name: bakerName } });
    expect(registered.status).toBe(201);
    expect((await setStatus(registered.body.id, true)).status).toBe(200);
    const bakerLogin = await api(s, 'POST', '/api/auth/login', { body: { email: `${bakerName.toLowerCase()}@example.test`, password: PASSWORD } });
    const baker = { id: registered.body.id, email: `${bakerName.toLowerCase()}@example.test`, name: bakerName, password: PASSWORD, token: bakerLogin.body.token };
    const adminAsCake = { id: admin.id, email: admin.email, name: admin.username, password: admin.password, token: cakeAdmin };
    await cakeGroup(s, adminAsCake, [{ user: baker }, { user: { ...baker, id: member.id } }]);

    const open = await sse(member.token);
    const watcher = await sse(baker.token);
    expect([open.status, watcher.status]).toEqual([200, 200]);
    await until('the streams to listen', () => open.comments.includes('connected') && watcher.comments.includes('connected'));
    await sleep(100);
    const before = await createEvent(s, baker, { description: 'seen while active' });
    await open.next((f) => f.data.id === before.id);

    expect(await setStatus(member.id, false)).toMatchObject({ status: 200, body: { id: member.id, isActive: false } });
    await expectClosed(member);
    expect(await cakeListed(member.id)).toMatchObject({ isActive: false });
    // an event while deactivated: the open stream must not carry it (the baker's stream shows it was sent)
    const hidden = await createEvent(s, baker, { description: 'not for a deactivated account' });
    await watcher.next((f) => f.data.id === hidden.id);
    await sleep(300);

    // compass is another application: the same token and the same account work there
    const compass = await compassLogin(s, member.username);
    expect(compass.status).toBe(200);
    const number = compass.body.data.user.user_id as number;
    expect((await s.rest('GET', `/compass/api/users/${number}/answers`, { token: member.token })).status).toBe(200);
    expect((await s.gql(EnrollmentTestUserAnswersDocument, { n: number }, { token: member.token })).errors).toBeUndefined();

    // activated again: the stream carries the next event, and never carried the hidden one
    expect((await setStatus(member.id, true)).status).toBe(200);
    const after = await createEvent(s, baker, { description: 'seen again' });
    await open.next((f) => f.data.id === after.id);
    expect(open.frames.map((f) => f.data.id)).toEqual([before.id, after.id]);
  });

  it('a cakeplanner registration gives no coparent access', async () => {
    const name = unique('Cook');
    const email = `${name.toLowerCase()}@example.test`;
    const reg = await api(s, 'POST', '/api/auth/register', { body: { email, password: PASSWORD, name } });
    expect(reg.status).toBe(201);
    expect((await setStatus(reg.body.id, true)).status).toBe(200);
    const token = (await api(s, 'POST', '/api/auth/login', { body: { email, password: PASSWORD } })).body.token as string;
    expect((await api(s, 'GET', `/api/events${RANGE}`, { token })).status).toBe(200);
    for (const path of ['/coparent/api/items?month=2031-01', '/coparent/api/schedule?month=2031-01']) {
      expect(await s.rest('GET', path, { token })).toMatchObject({ status: 403, body: { error: expect.any(String) } });
    }
    expect((await s.rest('POST', '/coparent/api/items', { token, body: { date: '2031-01-05', type: 'note', title: 'mine?' } })).status).toBe(403);
  });
});

// ------------------------------------------------------------------------------------------------

describe('compass self-enrollment', () => {
  let s: TestServer;
  let admin: TestUser;
  let adminCookie: string;

  beforeAll(async () => {
    s = await startTestServer();
    admin = await createUser(s);
    adminCookie = (await coparentLogin(s, admin.username, admin.password)).cookie;
  });
  afterAll(() => s.close());

  it("a coparent-made account uses compass at once; DISABLED closes compass only, in compass's envelope", async () => {
    const username = unique('kid');
    const made = await s.rest('POST', '/coparent/api/admin/users', { cookie: adminCookie, body: { username, password: PASSWORD, role: 'USER' } });
    expect(made.status).toBe(200);
    const id = made.body.id as string;
    const coparent = await coparentLogin(s, username);

    const login = await compassLogin(s, username);
    expect(login.status).toBe(200);
    const token = login.body.data.token as string;
    const number = login.body.data.user.user_id as number;
    const compassRoutes = [`/api/users/${number}/answers`, `/api/users/${number}/compass`, `/api/users/${number}`, '/api/auth/validate'];
    for (const path of compassRoutes) expect([path, (await s.rest('GET', `/compass${path}`, { token })).status]).toEqual([path, 200]);

    const disabled = await s.gql(TestSetEnrollmentDocument, { userId: id, application: 'COMPASS', status: 'DISABLED' }, { token: admin.token });
    expect(disabled.data!.setEnrollment).toEqual({ status: 'DISABLED' });
    for (const path of compassRoutes) {
      const res = await s.rest('GET', `/compass${path}`, { token });
      expect([path, res.status, res.body]).toEqual([path, 403, compassRefusal(403, 'Your compass account is disabled')]);
    }
    expect(await s.rest('PUT', `/compass/api/users/${number}/answers`, { token, body: [] })).toMatchObject({ status: 403, body: { status: 'error', status_code: 403 } });
    expect(codeOf(await s.gql(EnrollmentTestUserAnswersDocument, { n: number }, { token }))).toBe('FORBIDDEN');
    // signing in through compass is refused too, in its envelope
    const refusedLogin = await compassLogin(s, username);
    expect([refusedLogin.status, refusedLogin.body]).toEqual([403, compassRefusal(403, 'Your compass account is disabled')]);

    // coparent is untouched
    expect((await s.rest('GET', '/coparent/api/items?month=2031-02', { cookie: coparent.cookie })).status).toBe(200);
    expect((await s.rest('POST', '/coparent/api/items', { cookie: coparent.cookie, body: { date: '2031-02-03', type: 'note', title: 'still here' } })).status).toBe(200);
    expect((await s.rest('GET', '/coparent/api/items?month=2031-02', { token })).body.map((i: any) => i.title)).toEqual(['still here']);

    // enabled again: at once
    expect((await s.gql(TestSetEnrollmentDocument, { userId: id, application: 'COMPASS', status: 'ACTIVE' }, { token: admin.token })).errors).toBeUndefined();
    expect((await s.rest('GET', `/compass/api/users/${number}/answers`, { token })).status).toBe(200);
  });
});

// ------------------------------------------------------------------------------------------------

// Both pubsubs: in-process events must not outrun the session cache's notice of the demotion (unit-of-work.ts).
describe.each(['postgres', 'memory'])('admin-only live data stops at once for a demoted admin (PUBSUB=%s)', (pubsub) => {
  let s: TestServer;
  let admin: TestUser;
  let adminCookie: string;

  beforeAll(async () => {
    s = await startTestServer({ PUBSUB: pubsub });
    admin = await createUser(s);
    adminCookie = (await coparentLogin(s, admin.username, admin.password)).cookie;
  });
  afterAll(() => s.close());

  // identity's userChanged (other users' changes): tests/access.test.ts

  it("compass analytics: the next event after a platform admin's demotion is FORBIDDEN, never data", async () => {
    const second = await createUser(s);
    expect((await s.gql(TestPromoteDocument, { id: second.id }, { token: admin.token })).errors).toBeUndefined();
    const client = s.ws(second.token);
    const sub = record<EnrollmentTestAnalyticsSubscription>((sink) => subscribe(client, EnrollmentTestAnalyticsDocument, {}, sink));
    try {
      await new Promise<void>((r) => client.on('connected', () => r()));
      await sleep(300);
      await createUser(s); // a user change: analytics changed
      await until('the first analytics event', () => sub.results.length >= 1);
      expect(sub.results[0].data!.compassAnalyticsChanged.totals.users).toBeGreaterThan(0);
      // let the feed's throttle window pass, so nothing from before the demotion is still due
      await sleep(1300);
      const seen = sub.results.length;
      expect(sub.results.every((r) => r.data && !r.errors)).toBe(true);

      expect((await s.gql(TestDemoteDocument, { id: second.id }, { token: admin.token })).errors).toBeUndefined();
      await createUser(s);
      await until('an event after the demotion', () => sub.results.length > seen);
      await sleep(1300); // the throttle's trailing event, if one is due
      await createUser(s);
      await until('a second event after the demotion', () => sub.results.length > seen + 1 || sub.completed);
      const after = sub.results.slice(seen);
      expect(after.length).toBeGreaterThan(0);
      for (const r of after) {
        expect(r.data ?? null).toBeNull();
        expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      }
      expect(sub.failures).toEqual([]);
    } finally {
      sub.dispose();
      await client.dispose();
    }
  });

  /** Subscribes to scheduleChanged and returns the kinds received, in order. */
  async function scheduleKinds(client: ReturnType<TestServer['ws']>) {
    const sub = record<EnrollmentTestScheduleSubscription>((sink) => subscribe(client, EnrollmentTestScheduleDocument, {}, sink));
    await new Promise<void>((r) => client.on('connected', () => r()));
    await sleep(300);
    return sub;
  }
  const kinds = (sub: { results: SubscriptionResult<EnrollmentTestScheduleSubscription>[] }) =>
    sub.results.map((r) => (r.data ? r.data.scheduleChanged.kind : `error:${r.errors?.[0]?.extensions?.code}`));
  const saveTemplate = (auth: { cookie?: string; token?: string }, name: string) =>
    s.rest('PUT', '/coparent/api/schedule/templates/cycle', {
      ...auth,
      body: {
        name,
        days: [
          { dayIndex: 0, owner: 'Parent A' },
          { dayIndex: 1, owner: 'Parent B' },
        ],
      },
    });
  let day = 0;
  const createBlock = (auth: { cookie?: string; token?: string }) => {
    day += 1;
    const date = `2032-01-${String(day).padStart(2, '0')}`;
    return s.rest('POST', '/coparent/api/schedule/blocks', { ...auth, body: { startDate: date, endDate: date, owner: 'Parent B' } });
  };

  it('coparent TEMPLATE_SAVED: a household admin demoted by another admin of the household gets the next block but not the next save', async () => {
    const make = async (role: 'ADMIN' | 'USER') => {
      const username = unique('hh');
      const res = await s.rest('POST', '/coparent/api/admin/users', { cookie: adminCookie, body: { username, password: PASSWORD, role } });
      expect(res.status).toBe(200);
      return { id: res.body.id as string, ...(await coparentLogin(s, username)) };
    };
    const demoted = await make('ADMIN');
    const other = await make('ADMIN');
    const client = s.ws(undefined, { headers: { cookie: demoted.cookie } });
    const sub = await scheduleKinds(client);
    try {
      expect((await saveTemplate({ cookie: other.cookie }, 'Before')).status).toBe(200);
      await until('the template save', () => sub.results.length >= 1);
      expect(kinds(sub)).toEqual(['TEMPLATE_SAVED']);

      const patched = await s.rest('PATCH', `/coparent/api/admin/users/${demoted.id}`, { cookie: other.cookie, body: { role: 'USER' } });
      expect(patched.body).toMatchObject({ id: demoted.id, role: 'USER' });
      expect((await saveTemplate({ cookie: other.cookie }, 'After')).status).toBe(200);
      const block = await createBlock({ cookie: other.cookie });
      expect(block.status).toBe(201);
      await until('the block', () => kinds(sub).includes('BLOCK_CREATED'));
      expect(kinds(sub)).toEqual(['TEMPLATE_SAVED', 'BLOCK_CREATED']);
      expect(sub.results[1].data!.scheduleChanged.blockId).toBe(block.body.id);
      // and their requests agree
      expect((await s.rest('GET', '/coparent/api/schedule/templates/cycle', { cookie: demoted.cookie })).status).toBe(403);
    } finally {
      sub.dispose();
      await client.dispose();
    }
  });

  it('coparent TEMPLATE_SAVED: a platform admin (a USER of the household) demoted by setUserRole gets the next block but not the next save', async () => {
    const platform = await createUser(s);
    await joinHousehold(s, admin, platform, 'USER');
    expect((await s.gql(TestPromoteDocument, { id: platform.id }, { token: admin.token })).errors).toBeUndefined();
    const client = s.ws(platform.token);
    const sub = await scheduleKinds(client);
    try {
      expect((await saveTemplate({ cookie: adminCookie }, 'Before')).status).toBe(200);
      await until('the template save', () => sub.results.length >= 1);
      expect(kinds(sub)).toEqual(['TEMPLATE_SAVED']);

      expect((await s.gql(TestDemoteDocument, { id: platform.id }, { token: admin.token })).errors).toBeUndefined();
      expect((await saveTemplate({ cookie: adminCookie }, 'After')).status).toBe(200);
      const block = await createBlock({ cookie: adminCookie });
      expect(block.status).toBe(201);
      await until('the block', () => kinds(sub).includes('BLOCK_CREATED'));
      expect(kinds(sub)).toEqual(['TEMPLATE_SAVED', 'BLOCK_CREATED']);
      expect((await s.rest('GET', '/coparent/api/schedule/templates/cycle', { token: platform.token })).status).toBe(403);
    } finally {
      sub.dispose();
      await client.dispose();
    }
  });
});
