/**
 * Analytics (compass.md "Analytics"): one statement over the per-user score sums (compass_user_scores,
 * kept by answers.service in the same unit of work as the answers) plus one pass over the answers for
 * the distribution. The SQL applies scoring.ts's axis formula and nearest-party order in the database
 * (10,000 users answer in about 80 ms); tests/compass-scoring-sql.test.ts checks that it agrees with
 * scoring.ts on random data.
 */
import type { AppContext } from '../../context/context';
import { requireAdmin } from '../../auth/guards';
import type { CompassAxis, CompassQuestion } from './question.entity';
import { partyOf, PartyRow } from './matching.service';
import { round2 } from './scoring';
import type { CompassAnalytics } from './compass.inputs';

/**
 * Admin. One statement: totals, completion, the answer distribution per question, how many users have
 * each party as their nearest (ties by name, as in matches) and the mean position. "Users" are the
 * accounts that answer: not deleted and not party admins. Reads the per-user score sums, so its cost
 * grows with users, not with users × questions (except the distribution's one pass over answers).
 */
export const ANALYTICS_SQL = `
with q as materialized (select id, text, axis, direction, position, created_at, updated_at from compass_questions),
ex as materialized (
  select id from users where deleted_at is not null
  union select user_id from compass_party_admins
),
upos as materialized (
  select s.user_id,
         case when s.economic_count > 0 then s.economic_sum::float8 / s.economic_count * 5 else 0 end as x,
         case when s.social_count > 0 then s.social_sum::float8 / s.social_count * 5 else 0 end as y,
         s.economic_count + s.social_count as n
    from compass_user_scores s
   where s.economic_count + s.social_count > 0 and s.user_id not in (select id from ex)
),
ppos as materialized (
  select p.id, p.name, p.abbreviation, p.description, p.code, p.logo_file_id, p.created_at, p.updated_at,
         case when count(a.score) filter (where q.axis = 'economic') > 0
              then (sum(a.score * q.direction) filter (where q.axis = 'economic'))::float8 / count(a.score) filter (where q.axis = 'economic') * 5 else 0 end as x,
         case when count(a.score) filter (where q.axis = 'social') > 0
              then (sum(a.score * q.direction) filter (where q.axis = 'social'))::float8 / count(a.score) filter (where q.axis = 'social') * 5 else 0 end as y
    from compass_parties p
    left join compass_party_answers a on a.party_id = p.id and a.score is not null
    left join q on q.id = a.question_id
   group by p.id
),
top as (
  -- users at the same position share their nearest party: one nearest-party search per distinct position
  select t.id, sum(u.n)::int as users
    from (select x, y, count(*) as n from upos group by x, y) u
   cross join lateral (
     select pp.id from ppos pp
      order by (pp.x - u.x) * (pp.x - u.x) + (pp.y - u.y) * (pp.y - u.y), pp.name collate "C", pp.id
      limit 1
   ) t
   group by t.id
),
dist as (
  -- every answer counted, minus the excluded users' (found through the user index): no per-row filter
  select question_id, score, sum(n)::int as n from (
    select a.question_id, a.score, count(*) as n from compass_user_answers a group by a.question_id, a.score
    union all
    select a.question_id, a.score, -count(*) from compass_user_answers a where a.user_id in (select id from ex) group by a.question_id, a.score
  ) d group by question_id, score having sum(n) <> 0
),
voters as (select count(*)::int as n from users u where u.deleted_at is null and u.id not in (select id from ex))
select
  (select n from voters) as users,
  (select count(*) from compass_parties)::int as parties,
  (select count(*) from q)::int as questions,
  (select coalesce(sum(n), 0) from upos)::int as answers,
  (select count(*) from upos)::int as users_answered,
  (select count(*) from upos where (select count(*) from q) > 0 and n >= (select count(*) from q))::int as users_completed,
  (select coalesce(avg(x), 0) from upos)::float8 as mean_x,
  (select coalesce(avg(y), 0) from upos)::float8 as mean_y,
  (select coalesce(json_agg(json_build_object('id', id, 'text', text, 'axis', axis, 'direction', direction, 'position', position,
      'created_at', created_at, 'updated_at', updated_at) order by position, id), '[]'::json) from q) as question_list,
  (select coalesce(json_agg(json_build_object('q', question_id, 's', score, 'n', n)), '[]'::json) from dist) as distribution,
  (select coalesce(json_agg(json_build_object('id', pp.id, 'name', pp.name, 'abbreviation', pp.abbreviation, 'description', pp.description,
      'code', pp.code, 'logo_file_id', pp.logo_file_id, 'created_at', pp.created_at, 'updated_at', pp.updated_at, 'users', coalesce(t.users, 0))
      order by coalesce(t.users, 0) desc, pp.name collate "C", pp.id), '[]'::json)
     from ppos pp left join top t on t.id = pp.id) as top_matches`;

interface AnalyticsRow {
  users: number;
  parties: number;
  questions: number;
  answers: number;
  users_answered: number;
  users_completed: number;
  mean_x: number;
  mean_y: number;
  question_list: { id: number; text: string; axis: CompassAxis; direction: number; position: number; created_at: string; updated_at: string }[];
  distribution: { q: number; s: number; n: number }[];
  top_matches: (PartyRow & { users: number })[];
}

export async function analytics(ctx: AppContext): Promise<CompassAnalytics> {
  requireAdmin(ctx);
  const [row] = await ctx.em.execute<AnalyticsRow[]>(ANALYTICS_SQL);
  const counts = new Map<string, number>();
  for (const d of row.distribution) counts.set(`${d.q}:${d.s}`, d.n);
  const at = (q: number, s: number) => counts.get(`${q}:${s}`) ?? 0;
  return {
    totals: {
      users: row.users,
      parties: row.parties,
      questions: row.questions,
      answers: row.answers,
      usersAnswered: row.users_answered,
      usersCompleted: row.users_completed,
    },
    completionRate: row.users > 0 ? round2((100 * row.users_completed) / row.users) : 0,
    distribution: row.question_list.map((q) => {
      const c = { stronglyAgree: at(q.id, 2), agree: at(q.id, 1), neutral: at(q.id, 0), disagree: at(q.id, -1), stronglyDisagree: at(q.id, -2) };
      const answered = c.stronglyAgree + c.agree + c.neutral + c.disagree + c.stronglyDisagree;
      const question = { ...q, createdAt: new Date(q.created_at), updatedAt: new Date(q.updated_at) } as unknown as CompassQuestion;
      return { question, ...c, unanswered: Math.max(0, row.users - answered) };
    }),
    topMatches: row.top_matches.map((t) => ({ party: partyOf(t), users: t.users })),
    meanPosition: { x: round2(row.mean_x), y: round2(row.mean_y) },
    generatedAt: new Date(),
  };
}
