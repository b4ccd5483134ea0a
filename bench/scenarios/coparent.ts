/**
 * coparent (issue 3, "Benchmark"): `GET /coparent/api/items?month=` for a month of 200 items (owners
 * spread over five users) against a bare node:http + node-pg handler that does the same work — the
 * cookie's token check, the session + user lookup with the same caching, the month's items with their
 * owners in one prepared statement — and returns the same JSON, measured in the same interleaved
 * rounds, requests rotating over 1,000 users' cookies. Target: ≥ 0.8. Also at a fixed rate.
 */
import { Enrollment, Scenario, ScenarioPlan, createHousehold, enrollUsers, registerUser, seedUsers, sql } from '../lib';

const MONTH = '2031-05';
const ITEMS = 200;
const USERS = 1000;

export const coparent: Scenario = {
  name: 'coparent',
  title: 'coparent: a month of 200 items over REST',
  async setup(env) {
    const ix = await env.interchange();
    const viewer = await registerUser(ix.url);
    const owners = [viewer.id];
    for (let i = 0; i < 4; i++) owners.push((await registerUser(ix.url)).id);
    // One household owns the items; the owners and every reader are its members (coparent is closed).
    const family: Enrollment = { application: 'COPARENT', householdId: await createHousehold(ix.databaseUrl) };
    await enrollUsers(ix.databaseUrl, owners, family);
    await sql(
      ix.databaseUrl,
      `insert into coparent_items (id, date, type, title, body, owner_id, household_id, created_at, updated_at)
       select gen_random_uuid(), date '${MONTH}-01' + (g % 31), 'EVENT', 'Bench item ' || g, 'Bring the blue bag', ($1::uuid[])[1 + g % 5], $2,
              now() + g * interval '1 millisecond', now()
       from generate_series(0, ${ITEMS - 1}) g`,
      [owners, family.householdId],
    );

    // The bare equivalent (bench/baselines/pg-routes.ts): same authentication with the same caching,
    // the month's items joined to their owners as a prepared statement, the same JSON.
    const bare = await env.startBaseline({ name: 'pg-coparent', script: 'pg-routes', databaseUrl: ix.databaseUrl, cacheSeconds: ix.sessionCacheSeconds });
    const users = await seedUsers(ix.databaseUrl, USERS, { enroll: [family] });
    const cookies = users.map((u) => ({ cookie: u.cookie }));

    // Same work, same answer: the two bodies must be byte for byte equal before anything is measured.
    const bodyOf = async (url: string) => (await fetch(url, { headers: { cookie: viewer.cookie } })).text();
    const [ours, theirs] = await Promise.all([bodyOf(`${ix.url}/coparent/api/items?month=${MONTH}`), bodyOf(`${bare.url}/coparent/api/items?month=${MONTH}`)]);
    if (ours !== theirs || (JSON.parse(ours) as unknown[]).length !== ITEMS) {
      throw new Error(`coparent bench: the bare handler's JSON differs from the route's (${ours.slice(0, 200)} vs ${theirs.slice(0, 200)})`);
    }

    const plan: ScenarioPlan = {
      notes: [
        `${ITEMS} items in ${MONTH}, owners spread over 5 users; requests rotate over ${USERS.toLocaleString('en')} seeded users' \`session\` cookies.`,
        `The bare handler caches verified sessions for SESSION_CACHE_SECONDS=${ix.sessionCacheSeconds} as our server does.`,
      ],
      fixedRate: { rate: 100, variants: ['items-month-rest', 'items-month-pg'] },
      variants: [
        {
          id: 'items-month-rest',
          label: `GET /coparent/api/items?month=${MONTH} (${ITEMS} items), session cookie`,
          server: ix,
          url: `${ix.url}/coparent/api/items?month=${MONTH}`,
          method: 'GET',
          headerSets: cookies,
          expect: { status: 200, contains: ['"title":"Bench item 199"'] },
        },
        {
          id: 'items-month-pg',
          label: 'bare node:http + node-pg, same auth lookup and caching, one prepared joined query, same JSON',
          server: bare,
          url: `${bare.url}/coparent/api/items?month=${MONTH}`,
          method: 'GET',
          headerSets: cookies,
          expect: { status: 200, contains: ['"title":"Bench item 199"'] },
        },
      ],
      ratios: [{ name: `REST items of a ${ITEMS}-item month ÷ bare node-pg handler`, ours: 'items-month-rest', baseline: 'items-month-pg', target: 0.8 }],
    };
    return plan;
  },
};
