/**
 * The Hall of Fame costs a constant number of SQL statements: counted by the server's own ORM logger
 * (tests/support/sql-counter.ts), for a small calendar and for 500 events with 5,000 ratings, through REST and
 * through GraphQL with nested fields. The order is checked against an independent SQL ranking.
 */
import { Client } from 'pg';
import { unique } from './support/server';
import { CountingServer, startCountingServer } from './support/sql-counter';
import { api, cakeGroup, cakeUser, CakeUser, form, PNG } from './cakeplanner.helpers';
import type { CakeTestHallOfFameQuery } from '../src/generated/graphql';

const HALL = /* GraphQL */ `query CakeTestHallOfFame {
  cakeHallOfFame {
    id date description groupId isOwner canDelete photoUrl
    baker { id name } rating { average count myRating } group { id name memberCount }
    gallery { id url isMine user { name } } ratings { stars comment user { name } }
  }
}`;

let s: CountingServer;
let admin: CakeUser;
let viewer: CakeUser;
let raters: string[];
let group: { id: string };

async function sql(text: string, params: unknown[] = []): Promise<any[]> {
  const c = new Client({ connectionString: s.databaseUrl });
  await c.connect();
  try {
    return (await c.query(text, params)).rows;
  } finally {
    await c.end();
  }
}

async function counted<T>(fn: () => Promise<T>): Promise<{ result: T; count: number; statements: string[] }> {
  const { result, statements } = await s.sql.during(fn);
  return { result, count: statements.length, statements };
}

/** Adds events of the group (bakers rotating over the raters) with `perEvent` ratings each. */
async function seed(events: number, perEvent: number, fromDay: number): Promise<void> {
  const users = raters;
  await sql(
    `insert into cake_events (id, group_id, baker_id, date, description, created_at, updated_at)
     select gen_random_uuid(), $1, ($2::uuid[])[1 + (i % array_length($2::uuid[], 1))], date '2020-01-01' + i, 'Cake ' || i, now(), now()
       from generate_series($3::int, $3::int + $4::int - 1) i`,
    [group.id, users, fromDay, events],
  );
  await sql(
    `insert into cake_ratings (id, event_id, user_id, stars, comment, created_at, updated_at)
     select gen_random_uuid(), e.id, u.id, 1 + abs(hashtext(e.id::text || u.id::text)) % 5, 'ok', now(), now()
       from cake_events e
       cross join lateral (select id from unnest($2::uuid[]) as id order by hashtext(id::text || e.id::text) limit $3) u
      where e.group_id = $1 and not exists (select 1 from cake_ratings r where r.event_id = e.id)`,
    [group.id, [...users, viewer.id], perEvent],
  );
}

beforeAll(async () => {
  s = await startCountingServer({ CAKE_AUTO_ACTIVATE: 'true' });
  admin = await cakeUser(s, { name: unique('Admin') });
  viewer = await cakeUser(s);
  group = await cakeGroup(s, admin, [{ user: viewer }]);
  // ten more members who only bake and rate (made in SQL: they never log in)
  const rows = await sql(
    `insert into users (id, name, email) select gen_random_uuid(), 'Rater ' || i, 'rater' || i || '-' || $1 || '@example.test' from generate_series(1, 10) i returning id`,
    [unique('r')],
  );
  raters = rows.map((r) => r.id);
  await sql(`insert into cake_memberships (id, group_id, user_id, role) select gen_random_uuid(), $1, unnest($2::uuid[]), 'member'`, [group.id, raters]);
}, 120_000);

afterAll(() => s.close());

it('ranks 500 events with 5,000 ratings in a constant number of statements (REST and GraphQL)', async () => {
  await seed(20, 10, 1);
  // photos on some events through the surface; the viewer bakes the first one, so theirs is its cover
  const firstEvents = await sql('select id from cake_events where group_id = $1 order by date limit 3', [group.id]);
  await sql('update cake_events set baker_id = $1 where id = $2', [viewer.id, firstEvents[0].id]);
  for (const e of firstEvents) {
    expect(
      (await api(s, 'POST', `/api/events/${e.id}/photo`, { token: viewer.token, rawBody: form({ photo: { bytes: PNG, filename: 'c.png', type: 'image/png' } }) })).status,
    ).toBe(201);
  }

  const smallRest = await counted(() => api(s, 'GET', '/api/events/ranked', { token: viewer.token }));
  expect(smallRest.result.status).toBe(200);
  expect(smallRest.result.body).toHaveLength(20);
  const smallGql = await counted(() => s.gql<CakeTestHallOfFameQuery>(HALL, {}, { token: viewer.token }));
  expect(smallGql.result.errors).toBeUndefined();

  await seed(480, 10, 100);
  const [{ events, ratings }] = await sql(
    'select (select count(*)::int from cake_events where group_id = $1) as events, (select count(*)::int from cake_ratings r join cake_events e on e.id = r.event_id where e.group_id = $1) as ratings',
    [group.id],
  );
  expect(events).toBe(500);
  expect(ratings).toBe(5000);

  const bigRest = await counted(() => api(s, 'GET', '/api/events/ranked', { token: viewer.token }));
  expect(bigRest.result.status).toBe(200);
  expect(bigRest.result.body).toHaveLength(50);
  const bigGql = await counted(() => s.gql<CakeTestHallOfFameQuery>(HALL, {}, { token: viewer.token }));
  expect(bigGql.result.errors).toBeUndefined();
  expect(bigGql.result.data!.cakeHallOfFame).toHaveLength(50);

  if (process.env.CAKE_TEST_VERBOSE) console.log({ rest: bigRest.statements, graphql: bigGql.statements });
  // the legacy route: the session lookup and one ranking statement, whatever the size
  expect(bigRest.count).toBe(smallRest.count);
  expect(bigRest.count).toBeLessThanOrEqual(2);
  // GraphQL with every nested relation: one batched statement per relation, never one per event — the
  // session, the ranking, the viewer's roles, groups, photos, ratings, members, and user names (the
  // gallery's and the ratings' authors share a batch when their parents resolve in the same tick)
  for (const run of [smallGql, bigGql]) expect(run.count).toBeLessThanOrEqual(9);

  // the same order as an independent ranking (mean stars, unrated = 0, then date, newest first)
  const expected = await sql(
    `select e.id, coalesce(avg(r.stars), 0) as avg from cake_events e left join cake_ratings r on r.event_id = e.id
      where e.group_id = $1 group by e.id order by coalesce(avg(r.stars), 0) desc, e.date desc, e.created_at desc, e.id limit 50`,
    [group.id],
  );
  expect(bigRest.result.body.map((e: { id: string }) => e.id)).toEqual(expected.map((e) => e.id));
  for (const [i, e] of bigRest.result.body.entries()) {
    expect(e.rating.average).toBeCloseTo(Number(expected[i].avg), 2);
    expect(e.rating.count).toBe(10);
  }
  const averages = bigRest.result.body.map((e: { rating: { average: number } }) => e.rating.average);
  expect([...averages].sort((a, b) => b - a)).toEqual(averages);
  expect(bigGql.result.data!.cakeHallOfFame.map((e: { id: string }) => e.id)).toEqual(expected.map((e) => e.id));
});
