/**
 * coparent (issue 3, "Benchmark"): `GET /coparent/api/items?month=` for a month of 200 items (owners
 * spread over five users) against a bare node:http + node-pg handler that does the same work — the
 * cookie's token check, the session + user lookup, the month's items with their owners in one query —
 * and returns the same JSON, measured in the same interleaved rounds. Target: ≥ 0.5.
 */
import { parse as parseCookies } from 'cookie';
import { verifyToken } from '../../src/auth/tokens';
import { Scenario, ScenarioPlan, registerUser, sql } from '../lib';

const MONTH = '2031-05';
const ITEMS = 200;

export const coparent: Scenario = {
  name: 'coparent',
  title: 'coparent: a month of 200 items over REST',
  async setup(env) {
    const ix = await env.interchange();
    const viewer = await registerUser(ix.url);
    const owners = [viewer.id];
    for (let i = 0; i < 4; i++) owners.push((await registerUser(ix.url)).id);
    await sql(
      ix.databaseUrl,
      `insert into coparent_items (id, date, type, title, body, owner_id, created_at, updated_at)
       select gen_random_uuid(), date '${MONTH}-01' + (g % 31), 'EVENT', 'Bench item ' || g, 'Bring the blue bag', ($1::uuid[])[1 + g % 5],
              now() + g * interval '1 millisecond', now()
       from generate_series(0, ${ITEMS - 1}) g`,
      [owners],
    );

    // The bare equivalent: same authentication work, the month's items joined to their owners, the same JSON.
    const bare = await env.startPgBaseline({
      databaseUrl: ix.databaseUrl,
      async handle({ headers, query, pool }) {
        const token = parseCookies(headers.cookie ?? '').session;
        const claims = token ? verifyToken(ix.config, token) : undefined;
        if (!claims) return { status: 401, body: { error: 'Authentication required' } };
        const { rows: sessions } = await pool.query(
          `select u.id, u.is_active, u.deleted_at, s.revoked_at, s.expires_at from sessions s join users u on u.id = s.user_id where s.id = $1`,
          [claims.sid],
        );
        const v = sessions[0];
        if (!v || v.revoked_at || v.expires_at <= new Date() || v.id !== claims.sub || !v.is_active || v.deleted_at) {
          return { status: 401, body: { error: 'Authentication required' } };
        }
        const month = query.get('month') ?? '';
        const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
        if (!m) return { status: 400, body: { error: 'month must be a month in YYYY-MM format' } };
        const { rows } = await pool.query(
          `select i.id, i.date::text as date, i.type, i.title, i.body, i.owner_id, u.username, i.created_at, i.updated_at
             from coparent_items i join users u on u.id = i.owner_id
            where i.date >= $1::date and i.date < ($1::date + interval '1 month')
            order by i.date, i.created_at, i.id`,
          [`${month}-01`],
        );
        return {
          body: rows.map((r) => ({
            id: r.id,
            date: `${r.date}T00:00:00.000Z`,
            type: r.type,
            title: r.title,
            body: r.body,
            ownerId: r.owner_id,
            owner: { id: r.owner_id, username: r.username },
            createdAt: (r.created_at as Date).toISOString(),
            updatedAt: (r.updated_at as Date).toISOString(),
          })),
        };
      },
    });

    // Same work, same answer: the two bodies must be byte for byte equal before anything is measured.
    const bodyOf = async (url: string) => (await fetch(url, { headers: { cookie: viewer.cookie } })).text();
    const [ours, theirs] = await Promise.all([bodyOf(`${ix.url}/coparent/api/items?month=${MONTH}`), bodyOf(`${bare.url}/coparent/api/items?month=${MONTH}`)]);
    if (ours !== theirs || (JSON.parse(ours) as unknown[]).length !== ITEMS) {
      throw new Error(`coparent bench: the bare handler's JSON differs from the route's (${ours.slice(0, 200)} vs ${theirs.slice(0, 200)})`);
    }

    const plan: ScenarioPlan = {
      notes: [`${ITEMS} items in ${MONTH}, owners spread over 5 users; the viewer authenticates with the \`session\` cookie.`],
      variants: [
        {
          id: 'items-month-rest',
          label: `GET /coparent/api/items?month=${MONTH} (${ITEMS} items), session cookie`,
          url: `${ix.url}/coparent/api/items?month=${MONTH}`,
          method: 'GET',
          headers: { cookie: viewer.cookie },
          expect: { status: 200, contains: ['"title":"Bench item 199"'] },
        },
        {
          id: 'items-month-pg',
          label: 'bare node:http + node-pg, same auth lookup and one joined query, same JSON',
          url: `${bare.url}/coparent/api/items?month=${MONTH}`,
          method: 'GET',
          headers: { cookie: viewer.cookie },
          expect: { status: 200, contains: ['"title":"Bench item 199"'] },
        },
      ],
      ratios: [{ name: `REST items of a ${ITEMS}-item month ÷ bare node-pg handler`, ours: 'items-month-rest', baseline: 'items-month-pg', target: 0.5 }],
    };
    return plan;
  },
};
