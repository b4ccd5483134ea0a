/**
 * The SQL that does the compass's arithmetic agrees with the pure rules (src/modules/compass/scoring.ts)
 * on random data (STYLE.md 13): per-user score sums (kept by the answer writer in TypeScript, recomputed
 * by SQL after a question changes), party positions, matches, and analytics' mean position, completion
 * and nearest-party counts (ties by name in code-point order). The data is random but seeded, so a
 * failure can be replayed.
 */
import { serverWithAdmin, TestServer, TestUser } from './support/server';
import { compassApi, sql } from './compass.helpers';
import { nearestParty, pointOf, positionOf, round2, Sums, sumsOf, topMatches } from '../src/modules/compass/scoring';

const SEED = Number(process.env.COMPASS_SEED ?? 20261201);
const ANSWERS = ['strongly_agree', 'agree', 'neutral', 'disagree', 'strongly_disagree', ''];

/** mulberry32: a small seeded generator. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let s: TestServer;
let admin: TestUser;
let api: ReturnType<typeof compassApi>;
const rnd = random(SEED);
const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)];

interface Question {
  id: number;
  axis: 'economic' | 'social';
  direction: number;
}
const questions: Question[] = [];
const parties: { id: number; name: string }[] = [];
const voters: number[] = []; // user numbers

beforeAll(async () => {
  ({ s, admin } = await serverWithAdmin());
  api = compassApi(s);
  for (let i = 0; i < 7; i++) {
    const axis = pick(['economic', 'social'] as const);
    const direction = pick([1, -1]);
    const res = await api('POST', '/api/questions', { token: admin.token, body: { text: `Q${i}`, axis, direction } });
    questions.push({ id: res.body.data.question_id, axis, direction });
  }
  // 'Zed' and 'alpha' answer alike: every user nearest to them is a tie, decided by code point ('Z' < 'a').
  const twin = questions.map(() => pick(ANSWERS));
  for (const name of ['Zed', 'alpha', 'Mid', 'Left', 'Right', 'Blank']) {
    const res = await api('POST', '/api/parties', { token: admin.token, body: { name, abbreviation: name.slice(0, 3) } });
    const id = res.body.data.party.party_id;
    parties.push({ id, name });
    const values = name === 'Blank' ? questions.map(() => '') : name === 'Zed' || name === 'alpha' ? twin : questions.map(() => pick(ANSWERS));
    const put = await api('PUT', `/api/parties/${id}/answers`, { token: admin.token, body: values.map((answer, i) => ({ question_id: questions[i].id, answer })) });
    expect(put.status).toBe(200);
  }
  // Voters without logins: rows written directly, then a few through the API (the TypeScript sums).
  const rows = await sql<{ number: number }>(
    s,
    `insert into users (id, username, name) select gen_random_uuid(), 'rnd_' || g || '_' || $1, 'rnd' from generate_series(1, 80) g returning number`,
    [SEED],
  );
  voters.push(...rows.map((r) => r.number));
  for (const n of voters.slice(0, 12)) {
    const body = questions.filter(() => rnd() < 0.7).map((q) => ({ question_id: q.id, answer: pick(ANSWERS) }));
    expect((await api('PUT', `/api/users/${n}/answers`, { token: admin.token, body })).status).toBe(200);
  }
  const answers: [number, number, number][] = [];
  for (const n of voters.slice(12)) {
    for (const q of questions) if (rnd() < 0.6) answers.push([n, q.id, pick([2, 1, 0, -1, -2])]);
  }
  await sql(
    s,
    `insert into compass_user_answers (user_id, question_id, score)
     select u.id, a.q, a.s from unnest($1::int[], $2::int[], $3::smallint[]) as a(n, q, s) join users u on u.number = a.n`,
    [answers.map((a) => a[0]), answers.map((a) => a[1]), answers.map((a) => a[2])],
  );
  await sql(s, `insert into compass_user_scores (user_id) select id from users where number = any($1::int[]) on conflict do nothing`, [voters]);
  // A direction flipped and flipped back makes the SQL recompute every user's sums.
  const q0 = questions[0];
  await api('PATCH', `/api/questions/${q0.id}`, { token: admin.token, body: { direction: -q0.direction } });
  await api('PATCH', `/api/questions/${q0.id}`, { token: admin.token, body: { direction: q0.direction } });
});
afterAll(() => s.close());

/** Every voter's answers as rows, and the sums scoring.ts computes from them. */
async function tsSums(): Promise<Map<number, Sums>> {
  const rows = await sql<{ number: number; axis: string; direction: number; score: number }>(
    s,
    `select u.number, q.axis, q.direction, a.score from compass_user_answers a
       join users u on u.id = a.user_id join compass_questions q on q.id = a.question_id where u.number = any($1::int[])`,
    [voters],
  );
  const by = new Map<number, { axis: string; direction: number; score: number }[]>(voters.map((n) => [n, []]));
  for (const r of rows) by.get(r.number)!.push(r);
  return new Map([...by].map(([n, list]) => [n, sumsOf(list)]));
}

async function partyPoints() {
  const rows = await sql<{ party_id: number; axis: string; direction: number; score: number | null }>(
    s,
    `select a.party_id, q.axis, q.direction, a.score from compass_party_answers a join compass_questions q on q.id = a.question_id`,
  );
  return parties.map((p) => {
    const sums = sumsOf(rows.filter((r) => r.party_id === p.id));
    return { ...p, sums, ...pointOf(sums) };
  });
}

it('the score sums in the database are the sums scoring.ts computes from the answers', async () => {
  const expected = await tsSums();
  const rows = await sql<{ number: number; es: number; ec: number; ss: number; sc: number }>(
    s,
    `select u.number, s.economic_sum as es, s.economic_count as ec, s.social_sum as ss, s.social_count as sc
       from compass_user_scores s join users u on u.id = s.user_id where u.number = any($1::int[])`,
    [voters],
  );
  expect(rows).toHaveLength(voters.length);
  for (const r of rows) expect({ es: r.es, ec: r.ec, ss: r.ss, sc: r.sc }).toEqual(expected.get(r.number));
});

it('positions and matches through the API are scoring.ts over the same rows', async () => {
  const points = await partyPoints();
  const all = (await api('GET', '/api/compass')).body.data as { party_id: number; x: number; y: number; answered: number; total: number }[];
  expect(all).toEqual(expect.arrayContaining(points.map((p) => expect.objectContaining({ party_id: p.id, ...positionOf(p.sums, questions.length) }))));
  const sums = await tsSums();
  for (const n of voters.slice(0, 20)) {
    const mine = sums.get(n)!;
    const pos = await api('GET', `/api/users/${n}/compass`, { token: admin.token });
    expect(pos.body.data).toEqual(positionOf(mine, questions.length));
    const matches = await api('GET', `/api/users/${n}/matches`, { token: admin.token });
    if (mine.ec + mine.sc === 0) {
      expect(matches.status).toBe(422);
      continue;
    }
    const expected = topMatches(pointOf(mine), points).map((m) => ({ party_id: m.party.id, x: m.x, y: m.y, distance: m.distance, match_percentage: m.matchPercentage }));
    expect(
      matches.body.data.map((m: { party_id: number; x: number; y: number; distance: number; match_percentage: number }) => ({
        party_id: m.party_id,
        x: m.x,
        y: m.y,
        distance: m.distance,
        match_percentage: m.match_percentage,
      })),
    ).toEqual(expected);
  }
});

it('analytics (one SQL statement) agrees with scoring.ts: mean position, completion and nearest-party counts', async () => {
  const sums = [...(await tsSums()).values()].filter((x) => x.ec + x.sc > 0);
  const points = await partyPoints();
  const res = await api('GET', '/api/analytics', { token: admin.token });
  expect(res.status).toBe(200);
  const a = res.body.data;
  const mean = (f: (p: { x: number; y: number }) => number) => round2(sums.reduce((t, x) => t + f(pointOf(x)), 0) / sums.length);
  expect(a.mean_position).toEqual({ x: mean((p) => p.x), y: mean((p) => p.y) });
  expect(a.totals.users_answered).toBe(sums.length);
  expect(a.totals.answers).toBe(sums.reduce((t, x) => t + x.ec + x.sc, 0));
  expect(a.totals.users_completed).toBe(sums.filter((x) => x.ec + x.sc === questions.length).length);
  const counts = new Map(parties.map((p) => [p.id, 0]));
  for (const x of sums) {
    const nearest = nearestParty(pointOf(x), points)!;
    counts.set(nearest.id, counts.get(nearest.id)! + 1);
  }
  const byCount = [...points].sort((p, q) => counts.get(q.id)! - counts.get(p.id)! || (p.name < q.name ? -1 : p.name > q.name ? 1 : 0) || p.id - q.id);
  expect(a.top_matches.map((t: { party_id: number; users: number }) => [t.party_id, t.users])).toEqual(byCount.map((p) => [p.id, counts.get(p.id)]));
  // the twins tie for every user nearest to them: 'alpha' never wins over 'Zed'
  expect(counts.get(parties.find((p) => p.name === 'alpha')!.id)).toBe(0);
});
