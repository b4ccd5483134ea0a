/**
 * The compass's arithmetic, pure (STYLE.md 13): answer scores, the axis formula, positions, distances,
 * match percentages and the order of matches. No database and no I/O; tests/compass-scoring.test.ts pins
 * it with hand-computed cases, and tests/compass-scoring-sql.test.ts checks that the SQL aggregates
 * (score sums, party positions, analytics' nearest party) agree with it on random data.
 *
 * compass.md: strongly_agree 2, agree 1, neutral 0, disagree −1, strongly_disagree −2; an axis is the mean
 * of score × direction over its answered questions, × 5 (so −10..10), and 0 without answers; neutral
 * counts as answered. match_percentage = 100 × (1 − distance / (20√2)); nearest first, ties by name in
 * code-point order. Values are rounded to 2 decimals after computing unrounded.
 */

export type Axis = 'economic' | 'social';

export const ANSWER_SCORES: Readonly<Record<string, number>> = {
  strongly_agree: 2,
  agree: 1,
  neutral: 0,
  disagree: -1,
  strongly_disagree: -2,
};
const SCORE_ANSWERS = new Map(Object.entries(ANSWER_SCORES).map(([k, v]) => [v, k]));

/** The diagonal of the −10..10 square: the largest possible distance. */
export const MAX_DISTANCE = 20 * Math.SQRT2;

/**
 * The score of an answer value (trimmed, case-insensitive): a number, null for "" (unanswered), or
 * undefined when the value is not one of the five answers.
 */
export function scoreOf(answer: string | null | undefined): number | null | undefined {
  const v = (answer ?? '').trim().toLowerCase();
  if (v === '') return null;
  return Object.prototype.hasOwnProperty.call(ANSWER_SCORES, v) ? ANSWER_SCORES[v] : undefined;
}

/** The answer value of a stored score ("" when unanswered). */
export function answerOf(score: number | null | undefined): string {
  return score === null || score === undefined ? '' : (SCORE_ANSWERS.get(score) ?? '');
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Σ score × direction and the number answered, per axis (what compass_user_scores stores). */
export interface Sums {
  es: number;
  ec: number;
  ss: number;
  sc: number;
}

export const NO_SUMS: Readonly<Sums> = { es: 0, ec: 0, ss: 0, sc: 0 };

/** The sums of a list of answered questions (unanswered ones are left out by the caller or passed as null). */
export function sumsOf(answers: Iterable<{ axis: Axis | string; direction: number; score: number | null }>): Sums {
  const s = { es: 0, ec: 0, ss: 0, sc: 0 };
  for (const a of answers) {
    if (a.score === null) continue;
    if (a.axis === 'economic') {
      s.es += a.score * a.direction;
      s.ec += 1;
    } else {
      s.ss += a.score * a.direction;
      s.sc += 1;
    }
  }
  return s;
}

/** One axis: the mean of score × direction × 5, and 0 without answers. */
export function axisValue(sum: number, count: number): number {
  return count > 0 ? (sum / count) * 5 : 0;
}

export interface Point {
  x: number;
  y: number;
}

/** The unrounded point of some sums. */
export function pointOf(s: Sums): Point {
  return { x: axisValue(s.es, s.ec), y: axisValue(s.ss, s.sc) };
}

/** The position as shown: rounded point, questions answered and in total. */
export function positionOf(s: Sums, total: number): Point & { answered: number; total: number } {
  const p = pointOf(s);
  return { x: round2(p.x), y: round2(p.y), answered: s.ec + s.sc, total };
}

export function distance(a: Point, b: Point): number {
  return Math.sqrt((a.x - b.x) * (a.x - b.x) + (a.y - b.y) * (a.y - b.y));
}

export function matchPercentage(d: number): number {
  return 100 * (1 - d / MAX_DISTANCE);
}

/** Code-point order (PostgreSQL's `collate "C"`), not the locale's. */
export function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface Candidate extends Point {
  id: number;
  name: string;
}

/** Nearest first; equal distances by name, then id (as the SQL orders them). */
export function compareMatches(a: { d: number; name: string; id: number }, b: { d: number; name: string; id: number }): number {
  return a.d - b.d || byName(a.name, b.name) || a.id - b.id;
}

/** Every party (unrounded point) by its distance from `from`, nearest first. */
export function rankParties<P extends Candidate>(from: Point, parties: readonly P[]): { party: P; d: number }[] {
  return parties
    .map((party) => ({ party, d: distance(from, party), name: party.name, id: party.id }))
    .sort(compareMatches)
    .map(({ party, d }) => ({ party, d }));
}

/** The `limit` nearest parties with rounded x, y, distance and match percentage (computed unrounded). */
export function topMatches<P extends Candidate>(from: Point, parties: readonly P[], limit = 3) {
  return rankParties(from, parties)
    .slice(0, limit)
    .map(({ party, d }) => ({ party, x: round2(party.x), y: round2(party.y), distance: round2(d), matchPercentage: round2(matchPercentage(d)) }));
}

/** The nearest party of a point (ties by name), or undefined without parties. */
export function nearestParty<P extends Candidate>(from: Point, parties: readonly P[]): P | undefined {
  return rankParties(from, parties)[0]?.party;
}
