/**
 * The maximum sizes of compass's lists (src/server/cost.ts), declared with `@ListSize` beside each list
 * field. Parties and questions are bounded where they are created (a compass with more questions than
 * anyone answers is no compass); the lists of answers, statistics and matches follow from them.
 */

/** parties a compass holds: `createParty` refuses more */
export const PARTIES_MAX = 100;

/** questions a compass holds: `createQuestion` refuses more; every answer list has one entry a question */
export const QUESTIONS_MAX = 200;

/** `partyMatches`: the three nearest parties */
export const MATCHES_MAX = 3;
