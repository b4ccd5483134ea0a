/**
 * The compass's arithmetic (src/modules/compass/scoring.ts), pure: no server, no database. Every expected
 * value is computed by hand in the comment beside it.
 */
import {
  answerOf,
  axisValue,
  byName,
  distance,
  matchPercentage,
  MAX_DISTANCE,
  nearestParty,
  pointOf,
  positionOf,
  rankParties,
  round2,
  scoreOf,
  sumsOf,
  topMatches,
} from '../src/modules/compass/scoring';

// The questions of the matching suite: Q1 economic +1, Q2 economic −1, Q3 social +1, Q4 social −1.
const Q = [
  { axis: 'economic', direction: 1 },
  { axis: 'economic', direction: -1 },
  { axis: 'social', direction: 1 },
  { axis: 'social', direction: -1 },
] as const;
const answered = (values: string[]) => sumsOf(values.map((v, i) => ({ ...Q[i], score: scoreOf(v) ?? null })));

describe('answers and scores', () => {
  it('maps the five answers to +2..−2, "" to unanswered, anything else to undefined', () => {
    expect(['strongly_agree', 'agree', 'neutral', 'disagree', 'strongly_disagree'].map(scoreOf)).toEqual([2, 1, 0, -1, -2]);
    expect(scoreOf('')).toBeNull();
    expect(scoreOf(null)).toBeNull();
    expect(scoreOf('  Strongly_Agree ')).toBe(2);
    expect(scoreOf('maybe')).toBeUndefined();
    expect(scoreOf('constructor')).toBeUndefined(); // not an inherited property of the table
  });

  it('maps scores back to answers ("" when unanswered)', () => {
    expect([2, 1, 0, -1, -2, null].map(answerOf)).toEqual(['strongly_agree', 'agree', 'neutral', 'disagree', 'strongly_disagree', '']);
  });
});

describe('the axis formula', () => {
  it('is the mean of score × direction, × 5; 0 without answers', () => {
    expect(axisValue(0, 0)).toBe(0);
    expect(axisValue(3, 2)).toBe(7.5); // (2 + 1) / 2 × 5
    expect(axisValue(-4, 2)).toBe(-10); // the edge of the compass
    expect(axisValue(1, 3)).toBeCloseTo(5 / 3, 12);
  });

  it("places the matching suite's parties and voter as computed by hand", () => {
    // Alpha: Q1 +2, Q2 disagree −1 × −1 = +1, Q3 +1, Q4 "" → x = 3/2 × 5 = 7.5, y = 1/1 × 5 = 5
    expect(positionOf(answered(['strongly_agree', 'disagree', 'agree', '']), 4)).toEqual({ x: 7.5, y: 5, answered: 3, total: 4 });
    // Beta: Q1 −2, Q2 +2 × −1 = −2, Q3 0, Q4 +1 × −1 = −1 → x = −4/2 × 5 = −10, y = −1/2 × 5 = −2.5
    expect(positionOf(answered(['strongly_disagree', 'strongly_agree', 'neutral', 'agree']), 4)).toEqual({ x: -10, y: -2.5, answered: 4, total: 4 });
    // Centre: all neutral → (0, 0), and neutral counts as answered
    expect(positionOf(answered(['neutral', 'neutral', 'neutral', 'neutral']), 4)).toEqual({ x: 0, y: 0, answered: 4, total: 4 });
    // Voter: Q1 +1, Q2 0, Q3 "", Q4 −1 × −1 = +1 → x = 1/2 × 5 = 2.5, y = 5
    expect(positionOf(answered(['agree', 'neutral', '', 'disagree']), 4)).toEqual({ x: 2.5, y: 5, answered: 3, total: 4 });
  });

  it('leaves an empty axis at 0 and rounds to 2 decimals only when shown', () => {
    // economic only: Q1 agree → x = 5; social has no answers → y = 0
    expect(positionOf(answered(['agree', '', '', '']), 4)).toEqual({ x: 5, y: 0, answered: 1, total: 4 });
    // nothing answered: both axes empty
    expect(positionOf(answered(['', '', '', '']), 4)).toEqual({ x: 0, y: 0, answered: 0, total: 4 });
    // 1/3 × 5 = 1.6666… → 1.67 shown, unrounded inside
    const s = { es: 1, ec: 3, ss: -2, sc: 3 };
    expect(positionOf(s, 6)).toEqual({ x: 1.67, y: -3.33, answered: 6, total: 6 });
    expect(pointOf(s).x).toBeCloseTo(5 / 3, 12);
  });
});

describe('distance, percentage and the order of matches', () => {
  const parties = [
    { id: 1, name: 'Dormant', x: 0, y: 0 },
    { id: 2, name: 'Beta', x: -10, y: -2.5 },
    { id: 3, name: 'Centre', x: 0, y: 0 },
    { id: 4, name: 'Alpha', x: 7.5, y: 5 },
  ];
  const voter = { x: 2.5, y: 5 };

  it('computes the documented percentages: 100 × (1 − d / (20√2))', () => {
    expect(MAX_DISTANCE).toBeCloseTo(28.2843, 4);
    expect(distance(voter, parties[3])).toBe(5); // (5, 0)
    expect(distance(voter, parties[0])).toBeCloseTo(Math.sqrt(31.25), 12); // (2.5, 5)
    expect(round2(matchPercentage(5))).toBe(82.32); // 100 × (1 − 5 / 28.2843) = 82.322
    expect(round2(matchPercentage(Math.sqrt(31.25)))).toBe(80.24); // 100 × (1 − 5.5902 / 28.2843) = 80.236
    expect(matchPercentage(0)).toBe(100);
    expect(matchPercentage(MAX_DISTANCE)).toBeCloseTo(0, 12);
  });

  it('gives the three nearest, ties by name, values rounded from unrounded ones', () => {
    expect(topMatches(voter, parties).map((m) => [m.party.name, m.x, m.y, m.distance, m.matchPercentage])).toEqual([
      ['Alpha', 7.5, 5, 5, 82.32],
      ['Centre', 0, 0, 5.59, 80.24], // Centre and Dormant tie at √31.25: by name
      ['Dormant', 0, 0, 5.59, 80.24],
    ]);
  });

  it('orders names by code point (PostgreSQL collate "C"), then by id', () => {
    expect(byName('Zed', 'alpha')).toBeLessThan(0); // 'Z' (90) before 'a' (97)
    const tied = [
      { id: 9, name: 'alpha', x: 1, y: 1 },
      { id: 8, name: 'Zed', x: 1, y: 1 },
      { id: 7, name: 'Zed', x: 1, y: 1 },
    ];
    expect(rankParties({ x: 0, y: 0 }, tied).map((r) => r.party.id)).toEqual([7, 8, 9]);
    expect(nearestParty({ x: 0, y: 0 }, tied)?.id).toBe(7);
  });

  it('gives fewer matches with fewer parties, and no nearest party without any', () => {
    expect(topMatches(voter, parties.slice(0, 2))).toHaveLength(2);
    expect(topMatches(voter, [])).toEqual([]);
    expect(nearestParty(voter, [])).toBeUndefined();
  });
});
