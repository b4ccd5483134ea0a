/**
 * The cost limit counts list sizes (src/server/cost.ts, docs/platform.md "Cost"): fifteen aliases of
 * a month of coparent items were accepted and answered 45 MB; now the document is refused at
 * validation (400 on HTTP, the same error on ws and at the REST engine's start), while one ordinary
 * query of each big list and every REST route still run. Every list declares a maximum page size that
 * its service keeps to; a literal page size above it is refused, a variable one by the service.
 */
import { GraphQLList, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { Client as PgClient } from 'pg';
import { getSchema } from '../src/server/schema';
import { documentCosts, listSizeOf, undeclaredListFields } from '../src/server/cost';
import { Pipeline } from '../src/server/pipeline';
import { compileRoutes } from '../src/rest/engine/engine';
import { ITEMS_MAX } from '../src/modules/coparent/list-sizes';
import { CAKE_USER_GROUPS_MAX } from '../src/modules/cake/list-sizes';
import { collect, cookieFrom, serverWithAdmin, TestServer, TestUser, testConfig, unique } from './support/server';

const ITEM = 'id date type title body owner { id username } createdAt updatedAt';
const MONTH = '2024-03';

function aliases(n: number, field: string): string {
  return `query Many { ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
}
const FIFTEEN_MONTHS = aliases(15, `coparentItems(month: "${MONTH}") { ${ITEM} }`);

let s: TestServer;
let admin: TestUser;
beforeAll(async () => {
  ({ s, admin } = await serverWithAdmin());
});
afterAll(() => s.close());

async function sql(text: string, params: unknown[] = []): Promise<any[]> {
  const c = new PgClient({ connectionString: s.databaseUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

describe('the cost of a document', () => {
  it('multiplies a list by its page size: the literal limit, its default, else (a variable too) the maximum', async () => {
    const schema = await getSchema();
    const cost = (q: string) => Object.values(documentCosts(schema, parse(q)))[0];
    // one item of the month: 1 + 5 scalars + owner (1 + 2) + 2 timestamps = 11; a month is at most ITEMS_MAX items
    expect(cost(`{ coparentItems(month: "${MONTH}") { ${ITEM} } }`)).toBe(ITEMS_MAX * 11);
    expect(cost(FIFTEEN_MONTHS)).toBe(15 * ITEMS_MAX * 11);
    // users(limit) sizes its page's items; the default limit is 50, a variable counts as the maximum (500)
    expect(cost(`{ users(limit: 10) { total items { id } } }`)).toBe(1 + 1 + 10 * 2);
    expect(cost(`{ users { total items { id } } }`)).toBe(1 + 1 + 50 * 2);
    expect(cost(`query Q($n: Int!) { users(limit: $n) { total items { id } } }`)).toBe(1 + 1 + 500 * 2);
    // fragments count where they are spread; a literal @skip costs nothing; __typename is free
    expect(cost(`{ users(limit: 10) { ...P } } fragment P on UserPage { items { id __typename } }`)).toBe(1 + 10 * 2);
    expect(cost(`{ users(limit: 10) { items @skip(if: true) { id } total } }`)).toBe(2);
    // nested lists multiply: each group's members under every group
    expect(cost(`{ cakeGroups { members { userId } } }`)).toBe(100 * (1 + 100 * 2));
  });

  it('every list field of the graph declares its maximum page size; an undeclared list is found', async () => {
    const schema = await getSchema();
    expect(undeclaredListFields(schema)).toEqual([]);
    expect(listSizeOf(schema.getQueryType()!.getFields().coparentItems)).toEqual({ max: ITEMS_MAX });
    const Thing = new GraphQLObjectType({ name: 'Thing', fields: { tags: { type: new GraphQLList(GraphQLString) } } });
    const bad = new GraphQLSchema({ query: new GraphQLObjectType({ name: 'Query', fields: { things: { type: new GraphQLList(Thing) } } }) });
    expect(undeclaredListFields(bad)).toEqual(['Query.things', 'Thing.tags']);
  });
});

describe('the cost limit over HTTP and ws', () => {
  it('refuses fifteen aliases of a month of items with 400, stating the cost and the maximum', async () => {
    const res = await s.gql<unknown>(FIFTEEN_MONTHS, {}, { token: admin.token });
    expect(res.status).toBe(400);
    expect(res.data).toBeUndefined();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0].extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(res.errors![0].message).toMatch(new RegExp(`^Query cost ${15 * ITEMS_MAX * 11} is above the maximum cost of 100000 `));
    expect(res.errors![0].message).toMatch(/a0: coparentItems 11000/);
  });

  it('refuses them on a graphql-ws operation with the same error', async () => {
    const client = s.ws(admin.token);
    try {
      const err = await collect<unknown>(client, FIFTEEN_MONTHS).done.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(JSON.stringify(err)).toMatch(/Query cost 165000 is above the maximum cost of 100000/);
      expect(JSON.stringify(err)).toMatch(/GRAPHQL_VALIDATION_FAILED/);
    } finally {
      await client.dispose();
    }
  });

  it('accepts one ordinary query of each big list, and a few aliases of one', async () => {
    const big = [
      `{ coparentItems(month: "${MONTH}") { ${ITEM} } }`,
      `{ coparentItemsOnDay(date: "${MONTH}-05") { ${ITEM} } }`,
      `{ coparentSchedule(start: "2024-01-01", end: "2025-12-31") { start end days { date owner label color blockId } blocks { id startDate endDate owner label color createdAt updatedAt } } }`,
      `{ coparentScheduleBlocks { id startDate endDate owner label color createdAt updatedAt } }`,
      `{ cakeEvents(start: "2024-01-01", end: "2024-12-31") { id date description groupId group { name } baker { id name } coverPhotoId rating { average count myRating } } }`,
      `{ cakeHallOfFame { id date baker { name } gallery { id url user { name } } ratings { stars comment user { name } } } }`,
      `{ cakeAccounts { id name email role isActive createdAt cakeMemberships { groupId role group { name } } } }`,
      `{ cakeGroups { id name memberCount members { userId role user { name email } } } }`,
      `{ cakeEventChanges(after: "0") { id kind eventId date description baker { id name } rating { average count } } }`,
      `{ users(limit: 500) { total items { id username email name role isActive createdAt number cakeMemberships { groupId role } } } }`,
      `{ parties { id name abbreviation position { x y } } questions { id text axis direction } compassAnalytics { distribution { agree question { text } } topMatches { users party { name } } } }`,
      aliases(5, `coparentItems(month: "${MONTH}") { ${ITEM} }`),
    ];
    for (const q of big) {
      const res = await s.gql<unknown>(q, {}, { token: admin.token });
      expect([q.slice(0, 40), res.status, res.errors]).toEqual([q.slice(0, 40), 200, undefined]);
    }
  });
});

describe('maximum page sizes', () => {
  it('refuses a literal page size above the maximum at validation, a variable one in the service', async () => {
    const literal = await s.gql<unknown>(`{ users(limit: 501) { items { id } } }`, {}, { token: admin.token });
    expect(literal.status).toBe(400);
    expect(literal.errors?.[0]).toMatchObject({ message: 'users: limit 501 is above the maximum page size of 500', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
    const hall = await s.gql<unknown>(`{ cakeHallOfFame(limit: 101) { id } }`, {}, { token: admin.token });
    expect([hall.status, hall.errors?.[0].message]).toEqual([400, 'cakeHallOfFame: limit 101 is above the maximum page size of 100']);

    const variable = await s.gql<unknown>(`query U($n: Int!) { users(limit: $n) { items { id } } }`, { n: 501 }, { token: admin.token });
    expect(variable.errors?.[0]).toMatchObject({ message: 'limit must be from 1 to 500', extensions: { code: 'BAD_USER_INPUT' } });
    // the compass REST route passes its `limit` as a variable: the service's refusal in the surface's envelope
    const rest = await s.rest('GET', '/compass/api/users?limit=501', { token: admin.token });
    expect(rest.status).toBeGreaterThanOrEqual(400);
    expect(rest.status).toBeLessThan(500);
  });

  it('a month holding more items than the maximum answers the first ITEMS_MAX, on GraphQL and on the REST route', async () => {
    await sql(
      `insert into coparent_items (id, household_id, date, type, title, body, owner_id, created_at, updated_at)
       select gen_random_uuid(), (select id from coparent_households where is_default), date '2024-03-01' + (i % 31), 'EVENT', 'Item ' || i, 'body', $1, now(), now()
         from generate_series(1, $2::int) i`,
      [admin.id, ITEMS_MAX + 5],
    );
    const gql = await s.gql<{ coparentItems: { id: string }[] }>(`{ coparentItems(month: "${MONTH}") { id } }`, {}, { token: admin.token });
    expect(gql.status).toBe(200);
    expect(gql.data!.coparentItems).toHaveLength(ITEMS_MAX);
    const login = await s.rest('POST', '/coparent/api/auth/login', { body: { username: admin.username, password: admin.password } });
    const rest = await s.rest('GET', `/coparent/api/items?month=${MONTH}`, { cookie: cookieFrom(login.headers) });
    expect(rest.status).toBe(200);
    expect(rest.body).toHaveLength(ITEMS_MAX);
  });

  it('a user belongs to at most CAKE_USER_GROUPS_MAX cake groups (the bound of User.cakeMemberships)', async () => {
    const member = await s.gql<{ register: { id: string } }>(`mutation R($u: String!) { register(input: { username: $u, password: "longenough" }) { id } }`, { u: unique('m') });
    const userId = member.data!.register.id;
    const groupIds: string[] = [];
    for (let i = 0; i <= CAKE_USER_GROUPS_MAX; i++) {
      const g = await s.gql<{ createCakeGroup: { id: string } }>(
        `mutation G($n: String!) { createCakeGroup(input: { name: $n }) { id } }`,
        { n: unique('group') },
        { token: admin.token },
      );
      groupIds.push(g.data!.createCakeGroup.id);
    }
    const add = (groupId: string) =>
      s.gql<unknown>(`mutation A($u: ID!, $g: ID!) { addCakeGroupMember(userId: $u, groupId: $g) { id } }`, { u: userId, g: groupId }, { token: admin.token });
    for (const g of groupIds.slice(0, CAKE_USER_GROUPS_MAX)) expect((await add(g)).errors).toBeUndefined();
    // adding them again changes nothing and is no error; one more group is refused
    expect((await add(groupIds[0])).errors).toBeUndefined();
    const refused = await add(groupIds[CAKE_USER_GROUPS_MAX]);
    expect(refused.errors?.[0]).toMatchObject({ message: `A user belongs to at most ${CAKE_USER_GROUPS_MAX} groups`, extensions: { code: 'CONFLICT' } });
  });
});

describe('the cost limit in the REST engine', () => {
  it('fails the start when a route document costs more than the limit', async () => {
    const schema = await getSchema();
    const pipeline = new Pipeline(schema, testConfig());
    const bad = {
      id: 'coparent' as const,
      title: 't',
      error: () => ({ status: 400, body: {} }),
      routes: [{ method: 'get' as const, path: '/months', summary: 'fifteen months', operation: FIFTEEN_MONTHS }],
    };
    expect(() => compileRoutes(pipeline, bad)).toThrow(/GET \/months: .*Query cost 165000 is above the maximum cost of 100000/);
  });
});
