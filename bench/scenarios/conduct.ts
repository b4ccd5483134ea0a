/**
 * conduct (issue 12, "Benchmarks"): `GET /conduct/api/events/slug/:slug/users?search=…&page=1&limit=20`
 * in an event of 500 members against a bare node:http + node-pg handler doing the same work — the
 * session cookie's token check and session + user lookup with the same caching, the event by slug, the
 * viewer's roles there (with conduct's enrollment check), the page of members with their roles, join
 * date and last activity, and the matching total — answering the same JSON, in the same interleaved
 * rounds, requests rotating over the 500 members' cookies (target ≥ 0.8). The statements per request
 * do not grow with the page size (tests/conduct-event-users.test.ts counts them).
 */
import { Scenario, ScenarioPlan, seedUsers, sql, uniqueName } from '../lib';

const MEMBERS = 500;
const SEARCH = 'Bench user 1';

export const conduct: Scenario = {
  name: 'conduct',
  title: "conduct: a page of an event's 500 users over REST, with search",
  async setup(env) {
    const ix = await env.interchange();
    const slug = uniqueName('ev')
      .toLowerCase()
      .replace(/[^a-z0-9-]/g, '-');
    const [event] = await sql<{ id: string }>(
      ix.databaseUrl,
      `insert into conduct_events (id, name, slug, is_active, created_at, updated_at) values (gen_random_uuid(), 'Bench conference', $1, true, now(), now()) returning id`,
      [slug],
    );
    const members = await seedUsers(ix.databaseUrl, MEMBERS);
    // every member a Reporter; every 10th a Responder as well, every 100th an Admin
    await sql(
      ix.databaseUrl,
      `insert into conduct_event_roles (id, event_id, user_id, role, created_at)
       select gen_random_uuid(), $1, m.id, r.role, now() + m.n * interval '1 millisecond'
         from unnest($2::uuid[]) with ordinality as m(id, n)
         cross join lateral (values ('Reporter'), ('Responder'), ('Admin')) as r(role)
        where r.role = 'Reporter' or (r.role = 'Responder' and m.n % 10 = 0) or (r.role = 'Admin' and m.n % 100 = 0)`,
      [event.id, members.map((m) => m.id)],
    );

    const bare = await env.startBaseline({ name: 'pg-conduct', script: 'pg-routes', databaseUrl: ix.databaseUrl, cacheSeconds: ix.sessionCacheSeconds });
    const cookies = members.map((m) => ({ cookie: m.cookie }));
    const path = `/conduct/api/events/slug/${slug}/users?search=${encodeURIComponent(SEARCH)}&page=1&limit=20`;

    // Same work, same answer: the two bodies must be byte for byte equal before anything is measured.
    const bodyOf = async (base: string) => (await fetch(`${base}${path}`, { headers: { cookie: members[0].cookie } })).text();
    const [ours, theirs] = await Promise.all([bodyOf(ix.url), bodyOf(bare.url)]);
    const parsed = JSON.parse(ours) as { users?: unknown[]; total?: number };
    if (ours !== theirs || parsed.users?.length !== 20 || parsed.total !== 111) {
      throw new Error(`conduct bench: the bare handler's JSON differs from the route's (${ours.slice(0, 300)} vs ${theirs.slice(0, 300)})`);
    }

    const plan: ScenarioPlan = {
      notes: [
        `${MEMBERS} members of one event (every 10th also a Responder, every 100th an Admin); \`search=${SEARCH}\` matches 111, a page of 20 sorted by name.`,
        `Requests rotate over the ${MEMBERS} members' \`session\` cookies; the bare handler caches verified sessions for SESSION_CACHE_SECONDS=${ix.sessionCacheSeconds} as our server does.`,
      ],
      variants: [
        {
          id: 'event-users-rest',
          label: `GET /conduct/api/events/slug/:slug/users?search&page=1&limit=20 (${MEMBERS} members), session cookie`,
          server: ix,
          url: `${ix.url}${path}`,
          method: 'GET',
          headerSets: cookies,
          expect: { status: 200, contains: ['"total":111'] },
        },
        {
          id: 'event-users-pg',
          label: 'bare node:http + node-pg, same auth lookup and caching, event, role check, page and count statements, same JSON',
          server: bare,
          url: `${bare.url}${path}`,
          method: 'GET',
          headerSets: cookies,
          expect: { status: 200, contains: ['"total":111'] },
        },
      ],
      ratios: [{ name: `REST event users (page of 20 of ${MEMBERS}, search) ÷ bare node-pg handler`, ours: 'event-users-rest', baseline: 'event-users-pg', target: 0.8 }],
    };
    return plan;
  },
};
