/**
 * coparent across transports (issue 3): a month of 1,000 items costs a constant number of SQL
 * statements; REST writes are seen by GraphQL queries and by graphql-ws subscribers, and GraphQL writes
 * by REST; subscriptions are authorized per subscriber. The server mounts coparent at the root too
 * (COMPAT_ROOT=coparent), as an unchanged legacy client pointed at http://host/api expects.
 */
import { Client as PgClient } from 'pg';
import {
  CoparentLiveAnonDocument,
  CoparentLiveBadDocument,
  CoparentLiveBlocksDocument,
  CoparentLiveCreateDocument,
  CoparentLiveDeleteDocument,
  CoparentLiveDenyDocument,
  CoparentLiveItemChangedDocument,
  CoparentLiveMonthDocument,
  CoparentLiveOneDocument,
  CoparentLiveScheduleChangedDocument,
  CoparentLiveTemplateDocument,
} from '../src/generated/graphql';
import { collect, cookieFrom, createUser, joinHousehold, unique } from './support/server';
import { CountingServer, startCountingServer } from './support/sql-counter';

let s: CountingServer;
let admin: { id: string; cookie: string; token: string };
let user: { id: string; cookie: string; token: string };

async function restLogin(username: string, password: string): Promise<string> {
  const res = await s.rest('POST', '/api/auth/login', { body: { username, password } });
  expect(res.status).toBe(200);
  return cookieFrom(res.headers)!;
}

// This file's operations; codegen generates the typed `CoparentLive…Document`s used below from them.
/* GraphQL */ `
  query CoparentLiveMonth($month: String!) {
    coparentItems(month: $month) { id date type title body ownerId owner { id username } createdAt updatedAt }
  }
  subscription CoparentLiveItemChanged($month: String!) {
    coparentItemChanged(month: $month) { kind itemId date item { id title date ownerId owner { id username } } }
  }
  subscription CoparentLiveScheduleChanged {
    scheduleChanged { kind blockId startDate endDate block { id owner label startDate endDate } }
  }
  query CoparentLiveOne($id: ID!) { coparentItem(id: $id) { id date type title body ownerId owner { id username } createdAt updatedAt } }
  mutation CoparentLiveDelete($id: ID!) { deleteCoparentItem(id: $id) }
  mutation CoparentLiveCreate($input: CreateCoparentItemInput!) {
    createCoparentItem(input: $input) { id date type title body ownerId owner { id username } createdAt updatedAt }
  }
  mutation CoparentLiveDeny($id: ID!) { updateCoparentItem(id: $id, input: { title: "mine now" }) { id } }
  query CoparentLiveAnon { coparentItems(month: "2027-05") { id } }
  query CoparentLiveBad { coparentItems(month: "2027-13") { id } }
  query CoparentLiveBlocks { coparentScheduleBlocks { id } }
  query CoparentLiveTemplate { coparentCycleTemplate { id } }
`;

beforeAll(async () => {
  s = await startCountingServer({ COMPAT_ROOT: 'coparent' });
  const a = await createUser(s, { username: unique('admin') });
  const u = await createUser(s);
  // coparent is private to a household: the first user (platform admin) is the default household's admin
  await joinHousehold(s, a, u);
  admin = { id: a.id, token: a.token, cookie: await restLogin(a.username, a.password) };
  user = { id: u.id, token: u.token, cookie: await restLogin(u.username, u.password) };
});
afterAll(() => s.close());

describe('statement count', () => {
  it('lists a month of 1,000 items with the same, small number of SQL statements as a month of 3', async () => {
    const owners: string[] = [admin.id, user.id];
    for (let i = 0; i < 4; i++) owners.push((await createUser(s)).id);
    const pg = new PgClient({ connectionString: s.databaseUrl });
    await pg.connect();
    try {
      // factory data straight into the table: 1,000 items in 2026-05 across six owners, 3 in 2026-06
      await pg.query(
        `insert into coparent_items (id, household_id, date, type, title, body, owner_id, created_at, updated_at)
         select gen_random_uuid(), (select id from coparent_households where is_default), date '2026-05-01' + (g % 31), 'EVENT', 'Item ' || g, '', ($1::uuid[])[1 + g % 6],
                now() + g * interval '1 millisecond', now()
         from generate_series(0, 999) g`,
        [owners],
      );
      await pg.query(
        `insert into coparent_items (id, household_id, date, type, title, body, owner_id)
         select gen_random_uuid(), (select id from coparent_households where is_default), date '2026-06-10', 'NOTE', 'Small ' || g, '', ($1::uuid[])[g] from generate_series(1, 3) g`,
        [owners.slice(2)],
      );
    } finally {
      await pg.end();
    }

    const big = await s.sql.during(() => s.rest('GET', '/api/items?month=2026-05', { cookie: user.cookie }));
    const small = await s.sql.during(() => s.rest('GET', '/api/items?month=2026-06', { cookie: user.cookie }));
    expect(big.result.status).toBe(200);
    expect(big.result.body).toHaveLength(1000);
    expect(small.result.body).toHaveLength(3);
    expect(big.statements.length).toBe(small.statements.length);
    // session + user, the items, their owners
    expect(big.statements.length).toBeLessThanOrEqual(3);
    const owned = new Set(big.result.body.map((i: { owner: { id: string } }) => i.owner.id));
    expect(owned.size).toBe(6);
    const dates: string[] = big.result.body.map((i: { date: string }) => i.date);
    expect(dates).toEqual([...dates].sort());
    for (const i of big.result.body) expect(i.owner.id).toBe(i.ownerId);

    const gql = await s.sql.during(() => s.gql(CoparentLiveMonthDocument, { month: '2026-05' }, { token: user.token }));
    expect(gql.result.data!.coparentItems).toHaveLength(1000);
    expect(gql.statements.length).toBe(big.statements.length);
  });
});

describe('REST / GraphQL / subscription parity', () => {
  it('shows a REST-created item to a GraphQL query and to a graphql-ws subscriber, and back', async () => {
    const ws = s.ws(undefined, { headers: { cookie: user.cookie } });
    const sub = collect(ws, CoparentLiveItemChangedDocument, { month: '2027-03' }, 3);
    try {
      await sub.ready;
      // another month first: the subscriber must not see it
      await s.rest('POST', '/api/items', { cookie: admin.cookie, body: { date: '2027-04-01', type: 'EVENT', title: 'Other month', body: '' } });
      const created = await s.rest('POST', '/coparent/api/items', { cookie: admin.cookie, body: { date: '2027-03-09', type: 'EVENT', title: 'Recital', body: '6pm' } });
      expect(created.status).toBe(200);
      const viaGql = await s.gql(CoparentLiveOneDocument, { id: created.body.id }, { token: user.token });
      expect({ ...viaGql.data!.coparentItem, date: `${viaGql.data!.coparentItem.date}T00:00:00.000Z` }).toEqual(created.body);

      const patched = await s.rest('PATCH', `/api/items/${created.body.id}`, { cookie: admin.cookie, body: { title: 'Recital (moved)' } });
      expect(patched.status).toBe(200);
      // events carry ids and each subscriber loads the item when the event reaches it: let the update
      // arrive before the delete, or the update would (rightly) show the item already gone
      await sub.received(2);
      const del = await s.gql(CoparentLiveDeleteDocument, { id: created.body.id }, { token: admin.token });
      expect(del.data!.deleteCoparentItem).toBe(true);

      const events = await sub.done;
      expect(events.map((e) => e.data!.coparentItemChanged.kind)).toEqual(['CREATED', 'UPDATED', 'DELETED']);
      expect(events[0].data!.coparentItemChanged).toEqual({
        kind: 'CREATED',
        itemId: created.body.id,
        date: '2027-03-09',
        item: { id: created.body.id, title: 'Recital', date: '2027-03-09', ownerId: admin.id, owner: created.body.owner },
      });
      expect(events[1].data!.coparentItemChanged.item!.title).toBe('Recital (moved)');
      expect(events[2].data!.coparentItemChanged.item).toBeNull();
    } finally {
      sub.dispose();
      await ws.dispose();
    }

    // a GraphQL write is seen by REST in the legacy shape
    const made = await s.gql(CoparentLiveCreateDocument, { input: { date: '2027-03-10', type: 'NOTE', title: 'From GraphQL', ownerId: user.id } }, { token: admin.token });
    const rest = await s.rest('GET', '/api/items/day/2027-03-10', { cookie: user.cookie });
    expect(rest.body).toEqual([{ ...made.data!.createCoparentItem, date: '2027-03-10T00:00:00.000Z' }]);
    expect(rest.body[0].owner.id).toBe(user.id);
  });

  it('applies the same authorization and validation over GraphQL as over REST', async () => {
    const item = await s.rest('POST', '/api/items', { cookie: admin.cookie, body: { date: '2027-05-05', type: 'EVENT', title: 'Admin item' } });
    const denied = await s.gql(CoparentLiveDenyDocument, { id: item.body.id }, { token: user.token });
    expect(denied.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const anon = await s.gql(CoparentLiveAnonDocument);
    expect(anon.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
    const bad = await s.gql(CoparentLiveBadDocument, {}, { token: user.token });
    expect(bad.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const blocks = await s.gql(CoparentLiveBlocksDocument, {}, { token: user.token });
    expect(blocks.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    const tpl = await s.gql(CoparentLiveTemplateDocument, {}, { token: user.token });
    expect(tpl.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });
});

describe('subscriptions are authorized per subscriber', () => {
  it('refuses anonymous subscribers and a malformed month', async () => {
    const codeOf = (results: { errors?: unknown }[]) => (results[0]?.errors as { extensions?: { code?: string } }[] | undefined)?.[0]?.extensions?.code;
    const ws = s.ws();
    try {
      expect(codeOf(await collect(ws, CoparentLiveItemChangedDocument, { month: '2027-03' }, 1, 3000).done)).toBe('UNAUTHENTICATED');
      expect(codeOf(await collect(ws, CoparentLiveScheduleChangedDocument, {}, 1, 3000).done)).toBe('UNAUTHENTICATED');
    } finally {
      await ws.dispose();
    }
    const authed = s.ws(user.token);
    try {
      expect(codeOf(await collect(authed, CoparentLiveItemChangedDocument, { month: '2027-3' }, 1, 3000).done)).toBe('BAD_USER_INPUT');
    } finally {
      await authed.dispose();
    }
  });

  it('sends block changes to every signed-in subscriber and template saves to admins only', async () => {
    const userWs = s.ws(undefined, { headers: { cookie: user.cookie } });
    const adminWs = s.ws(admin.token);
    const forUser = collect(userWs, CoparentLiveScheduleChangedDocument, {}, 2);
    const forAdmin = collect(adminWs, CoparentLiveScheduleChangedDocument, {}, 3);
    try {
      await Promise.all([forUser.ready, forAdmin.ready]);
      const saved = await s.rest('PUT', '/api/schedule/templates/cycle', {
        cookie: admin.cookie,
        body: {
          name: 'Week on, week off',
          days: [
            { dayIndex: 0, owner: 'Parent A' },
            { dayIndex: 1, owner: 'Parent B' },
          ],
        },
      });
      expect(saved.status).toBe(200);
      const block = await s.rest('POST', '/api/schedule/blocks', {
        cookie: admin.cookie,
        body: { startDate: '2028-02-01', endDate: '2028-02-07', owner: 'Parent A', label: 'Mom' },
      });
      expect(block.status).toBe(201);
      const applied = await s.rest('POST', '/api/schedule/templates/cycle/apply', { cookie: admin.cookie, body: { anchorDate: '2028-03-01', cycles: 1 } });
      expect(applied.status).toBe(200);

      const userEvents = (await forUser.done).map((e) => e.data!.scheduleChanged);
      expect(userEvents.map((e) => e.kind)).toEqual(['BLOCK_CREATED', 'TEMPLATE_APPLIED']);
      expect(userEvents[0]).toEqual({
        kind: 'BLOCK_CREATED',
        blockId: block.body.id,
        startDate: '2028-02-01',
        endDate: '2028-02-07',
        block: { id: block.body.id, owner: 'Parent A', label: 'Mom', startDate: '2028-02-01', endDate: '2028-02-07' },
      });
      expect(userEvents[1]).toMatchObject({ startDate: '2028-03-01', endDate: '2028-03-02', block: null });
      const adminEvents = (await forAdmin.done).map((e) => e.data!.scheduleChanged.kind);
      expect(adminEvents).toEqual(['TEMPLATE_SAVED', 'BLOCK_CREATED', 'TEMPLATE_APPLIED']);
    } finally {
      forUser.dispose();
      forAdmin.dispose();
      await Promise.all([userWs.dispose(), adminWs.dispose()]);
    }
  });
});

describe('per-event authorization', () => {
  it('stops sending template saves to an admin demoted after subscribing', async () => {
    const username = unique('coadmin');
    const made = await s.rest('POST', '/api/admin/users', { cookie: admin.cookie, body: { username, password: 'changeme-co', role: 'ADMIN' } });
    expect(made.status).toBe(200);
    const cookie = await restLogin(username, 'changeme-co');
    const ws = s.ws(undefined, { headers: { cookie } });
    const sub = collect(ws, CoparentLiveScheduleChangedDocument, {}, 1);
    try {
      await sub.ready;
      expect((await s.rest('PATCH', `/api/admin/users/${made.body.id}`, { cookie: admin.cookie, body: { role: 'USER' } })).body.role).toBe('USER');
      expect((await s.rest('PUT', '/api/schedule/templates/cycle', { cookie: admin.cookie, body: { name: 'Secret', days: [{ dayIndex: 0, owner: 'Parent A' }] } })).status).toBe(
        200,
      );
      const block = await s.rest('POST', '/api/schedule/blocks', { cookie: admin.cookie, body: { startDate: '2028-06-01', endDate: '2028-06-02', owner: 'Parent B' } });
      const [event] = await sub.done;
      expect(event.data!.scheduleChanged).toMatchObject({ kind: 'BLOCK_CREATED', blockId: block.body.id });
    } finally {
      sub.dispose();
      await ws.dispose();
    }
  });
});

describe('mounted at the root with COMPAT_ROOT=coparent', () => {
  it('serves the same routes at /api and /coparent/api', async () => {
    const a = await s.rest('GET', '/api/items?month=2027-03', { cookie: user.cookie });
    const b = await s.rest('GET', '/coparent/api/items?month=2027-03', { cookie: user.cookie });
    expect(a.status).toBe(200);
    expect(a.body).toEqual(b.body);
    expect((await s.rest('GET', '/api/schedule?month=2028-02', { cookie: user.cookie })).body.days['2028-02-03'].owner).toBe('Parent A');
  });
});
