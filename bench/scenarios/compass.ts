/**
 * compass (issue 5, "Benchmark"):
 * - `GET /compass/api/users/:id/matches` with 40 questions and 15 parties against a bare node:http +
 *   node-pg handler that does the same work — the Bearer token check, the session + user lookup with
 *   the same caching, the self-or-admin rule, the same statement as our service (the user's kept score
 *   sums and every party's sums; prepared), the three nearest — and returns the same JSON, in the same
 *   interleaved rounds. Target: ≥ 0.8.
 * - `GET /compass/api/analytics` with 10,000 users who answered all 40 questions: the median of
 *   sequential requests must stay under 200 ms; reported with its ratio to one bare SQL aggregate that
 *   computes the same figures straight from the 400,000 answers.
 */
import { Client } from 'pg';
import { Metric, Scenario, ScenarioPlan, registerUser, sql } from '../lib';

const QUESTIONS = 40;
const PARTIES = 15;
const USERS = 10_000;

/** The bare analytics: one statement over the raw answers (no per-user sums), same figures as the route. */
const BARE_ANALYTICS = `
with q as (select id, axis, direction from compass_questions),
ex as (select id from users where deleted_at is not null union select user_id from compass_party_admins),
upos as (
  select a.user_id,
         coalesce(avg((a.score * q.direction)::float8) filter (where q.axis = 'economic'), 0) * 5 as x,
         coalesce(avg((a.score * q.direction)::float8) filter (where q.axis = 'social'), 0) * 5 as y,
         count(*) as n
    from compass_user_answers a join q on q.id = a.question_id
   where a.user_id not in (select id from ex)
   group by a.user_id
),
ppos as (
  select p.id, p.name,
         coalesce(avg((a.score * q.direction)::float8) filter (where q.axis = 'economic'), 0) * 5 as x,
         coalesce(avg((a.score * q.direction)::float8) filter (where q.axis = 'social'), 0) * 5 as y
    from compass_parties p
    left join compass_party_answers a on a.party_id = p.id and a.score is not null
    left join q on q.id = a.question_id
   group by p.id
),
top as (
  select t.id, count(*)::int as users from upos u
   cross join lateral (select pp.id from ppos pp order by (pp.x - u.x) * (pp.x - u.x) + (pp.y - u.y) * (pp.y - u.y), pp.name collate "C", pp.id limit 1) t
   group by t.id
),
dist as (select a.question_id, a.score, count(*)::int as n from compass_user_answers a where a.user_id not in (select id from ex) group by 1, 2)
select (select count(*) from users where deleted_at is null and id not in (select id from ex))::int as users,
       (select count(*) from upos)::int as users_answered,
       (select coalesce(sum(n), 0) from upos)::int as answers,
       (select avg(x) from upos) as mean_x, (select avg(y) from upos) as mean_y,
       (select json_agg(dist) from dist) as distribution,
       (select json_agg(top) from top) as top_matches`;

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const compass: Scenario = {
  name: 'compass',
  title: 'compass: top-3 matches and analytics over REST',
  async setup(env) {
    // Its own server and database: 10,000 users and 400,000 answers stay out of the shared one.
    const ix = await env.startInterchange();
    const admin = await registerUser(ix.url); // the first user: ADMIN
    const viewer = await registerUser(ix.url);
    const db = ix.databaseUrl;

    await sql(
      db,
      `insert into compass_questions (text, axis, direction, position)
       select 'Statement ' || g, case when g % 2 = 0 then 'economic' else 'social' end, case when g % 3 = 0 then -1 else 1 end, g
         from generate_series(1, ${QUESTIONS}) g`,
    );
    await sql(
      db,
      `insert into compass_parties (name, abbreviation, description, code)
       select 'Party ' || lpad(g::text, 2, '0'), 'P' || g, 'Bench party ' || g, 'BENCH' || lpad(g::text, 3, '0')
         from generate_series(1, ${PARTIES}) g`,
    );
    await sql(
      db,
      `insert into compass_party_answers (party_id, question_id, score)
       select p.id, q.id, case when (p.id * 7 + q.id * 3) % 9 = 0 then null else ((p.id * 5 + q.id * 11) % 5) - 2 end
         from compass_parties p cross join compass_questions q`,
    );
    await sql(
      db,
      `insert into users (id, number, username, email, name, created_at, updated_at)
       select gen_random_uuid(), nextval('users_number_seq'), 'voter' || g, 'voter' || g || '@bench.test', 'Voter ' || g, now(), now()
         from generate_series(1, ${USERS}) g`,
    );
    await sql(
      db,
      `insert into compass_user_answers (user_id, question_id, score)
       select u.id, q.id, (abs(hashtext(u.username || ':' || q.id)) % 5) - 2
         from users u cross join compass_questions q where u.username like 'voter%'`,
    );
    await sql(
      db,
      `insert into compass_user_scores (user_id, economic_sum, economic_count, social_sum, social_count)
       select a.user_id,
              coalesce(sum(a.score * q.direction) filter (where q.axis = 'economic'), 0), count(*) filter (where q.axis = 'economic'),
              coalesce(sum(a.score * q.direction) filter (where q.axis = 'social'), 0), count(*) filter (where q.axis = 'social')
         from compass_user_answers a join compass_questions q on q.id = a.question_id group by a.user_id`,
    );
    await sql(db, 'analyze');

    // The viewer answers through the route itself.
    const questions = await sql<{ id: number }>(db, 'select id from compass_questions order by position');
    const answers = questions.map((q, i) => ({ question_id: q.id, answer: ['strongly_agree', 'agree', 'neutral', 'disagree', 'strongly_disagree', ''][i % 6] }));
    const put = await fetch(`${ix.url}/compass/api/users/${await numberOf(db, viewer.id)}/answers`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${viewer.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(answers),
    });
    if (put.status !== 200) throw new Error(`compass bench: answering failed (${put.status}): ${await put.text()}`);
    const viewerNumber = await numberOf(db, viewer.id);

    // The bare equivalent of the matches route (bench/baselines/pg-routes.ts): the same authentication
    // with the same caching, the self-or-admin rule, our service's statement over the kept per-user
    // score sums and the parties' answers (prepared), the three nearest, the same JSON.
    const bare = await env.startBaseline({ name: 'pg-compass', script: 'pg-routes', databaseUrl: db, cacheSeconds: ix.sessionCacheSeconds });

    const matchesPath = `/compass/api/users/${viewerNumber}/matches`;
    const bodyOf = async (url: string) => (await fetch(url, { headers: { authorization: `Bearer ${viewer.token}` } })).text();
    const [ours, theirs] = await Promise.all([bodyOf(`${ix.url}${matchesPath}`), bodyOf(`${bare.url}${matchesPath}`)]);
    if (ours !== theirs || (JSON.parse(ours) as { data: unknown[] }).data.length !== 3) {
      throw new Error(`compass bench: the bare handler's JSON differs from the route's (${ours.slice(0, 300)} vs ${theirs.slice(0, 300)})`);
    }
    const analyticsCheck = await fetch(`${ix.url}/compass/api/analytics`, { headers: { authorization: `Bearer ${admin.token}` } });
    const analyticsBody = (await analyticsCheck.json()) as { data?: { totals?: { users: number; answers: number } } };
    if (analyticsCheck.status !== 200 || (analyticsBody.data?.totals?.answers ?? 0) < USERS * QUESTIONS) {
      throw new Error(`compass bench: analytics answered ${analyticsCheck.status} ${JSON.stringify(analyticsBody).slice(0, 300)}`);
    }

    const plan: ScenarioPlan = {
      notes: [
        `${QUESTIONS} questions (half economic, half social; a third with direction −1), ${PARTIES} parties with about 1 in 9 answers left empty.`,
        `Matches: the viewer answered all ${QUESTIONS} questions through PUT /api/users/:id/answers (1 in 6 left ""), Bearer token (one user: the route's path names the user); the bare handler runs our service's statement (the per-user score sums kept with the answers) and caches verified sessions for SESSION_CACHE_SECONDS=${ix.sessionCacheSeconds} as our server does.`,
        `Analytics: ${USERS.toLocaleString('en')} users × ${QUESTIONS} answers = ${(USERS * QUESTIONS).toLocaleString('en')} answer rows; one admin request at a time.`,
      ],
      variants: [
        {
          id: 'matches-rest',
          label: `GET ${matchesPath.replace(String(viewerNumber), ':id')} (${QUESTIONS} questions, ${PARTIES} parties), Bearer token`,
          server: ix,
          url: `${ix.url}${matchesPath}`,
          method: 'GET',
          headers: { authorization: `Bearer ${viewer.token}` },
          expect: { status: 200, contains: ['"match_percentage"'] },
        },
        {
          id: 'matches-pg',
          label: 'bare node:http + node-pg: same auth lookup and caching, our statement (prepared), same JSON',
          server: bare,
          url: `${bare.url}${matchesPath}`,
          method: 'GET',
          headers: { authorization: `Bearer ${viewer.token}` },
          expect: { status: 200, contains: ['"match_percentage"'] },
        },
        {
          id: 'analytics-rest',
          label: `GET /compass/api/analytics (${USERS.toLocaleString('en')} users × ${QUESTIONS} answers), 1 connection`,
          server: ix,
          url: `${ix.url}/compass/api/analytics`,
          method: 'GET',
          headers: { authorization: `Bearer ${admin.token}` },
          connections: 1,
          expect: { status: 200, contains: ['"completion_rate"'] },
        },
      ],
      ratios: [{ name: `REST top-3 matches ÷ bare node-pg handler`, ours: 'matches-rest', baseline: 'matches-pg', target: 0.8 }],
      metrics: async () => {
        const time = async (fn: () => Promise<unknown>, n: number) => {
          const out: number[] = [];
          for (let i = 0; i < n; i++) {
            const t = performance.now();
            await fn();
            out.push(performance.now() - t);
          }
          return out;
        };
        const route = await time(async () => {
          const res = await fetch(`${ix.url}/compass/api/analytics`, { headers: { authorization: `Bearer ${admin.token}` } });
          if (res.status !== 200) throw new Error(`analytics answered ${res.status}`);
          await res.arrayBuffer();
        }, 25);
        const client = new Client({ connectionString: db });
        await client.connect();
        let bareSql: number[];
        try {
          bareSql = await time(() => client.query(BARE_ANALYTICS), 25);
        } finally {
          await client.end();
        }
        const ours = median(route);
        const base = median(bareSql);
        const metrics: Metric[] = [
          {
            name: `GET /compass/api/analytics median, ${USERS.toLocaleString('en')} users × ${QUESTIONS} answers`,
            value: Math.round(ours * 10) / 10,
            unit: 'ms',
            max: 200,
            detail: `25 sequential requests; p-max ${Math.round(Math.max(...route))} ms`,
          },
          {
            name: 'analytics route ÷ one bare SQL aggregate over the raw answers (median time)',
            value: Math.round((ours / base) * 100) / 100,
            unit: '×',
            detail: `bare aggregate median ${Math.round(base * 10) / 10} ms on one open node-pg connection`,
          },
        ];
        return metrics;
      },
    };
    return plan;
  },
};

async function numberOf(databaseUrl: string, userId: string): Promise<number> {
  const [{ number }] = await sql<{ number: number }>(databaseUrl, 'select number from users where id = $1', [userId]);
  return number;
}
