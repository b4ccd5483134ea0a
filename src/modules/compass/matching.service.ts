/**
 * Positions and matches (compass.md "Answers, compass, matches"). SQL only sums (Σ score × direction and
 * the count per axis); the arithmetic on the sums (axis formula, distance, percentage, order and ties) is
 * scoring.ts's. Each read is one statement, whatever the number of parties.
 */
import { existingEm, type AppContext } from '../../context/context';
import { badInput, notFound } from '../../errors/domain-error';
import { pgIntArray, requireSelfOrAdmin, validId } from './compass-common';
import { CompassParty } from './party.entity';
import { pointOf, positionOf, Sums, topMatches } from './scoring';
import type { CompassMatch, CompassPosition } from './compass.inputs';
import { statement } from '../../db/prepared-sql';
import { MATCHES_MAX } from './list-sizes';

/** Sums per party (every party, 0 without answers) and the number of questions, in one statement. */
export const PARTY_SUMS = `
  select p.id, p.name, p.abbreviation, p.description, p.code, p.logo_file_id, p.created_at, p.updated_at,
         coalesce(sum(a.score * q.direction) filter (where q.axis = 'economic'), 0)::int as es,
         count(a.score) filter (where q.axis = 'economic')::int as ec,
         coalesce(sum(a.score * q.direction) filter (where q.axis = 'social'), 0)::int as ss,
         count(a.score) filter (where q.axis = 'social')::int as sc,
         (select count(*) from compass_questions)::int as total
    from compass_parties p
    left join compass_party_answers a on a.party_id = p.id and a.score is not null
    left join compass_questions q on q.id = a.question_id`;

export interface PartyRow {
  id: number;
  name: string;
  abbreviation: string;
  description: string | null;
  code: string;
  logo_file_id: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

type PartySumsRow = PartyRow & Sums & { total: number };

/** A party entity-shaped object from a row of raw SQL (dates may come as JSON strings). */
export function partyOf(r: PartyRow): CompassParty {
  return {
    id: r.id,
    name: r.name,
    abbreviation: r.abbreviation,
    description: r.description,
    code: r.code,
    logoFileId: r.logo_file_id,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  } as CompassParty;
}

/** The user's score sums and the number of questions (one statement); 404 for an unknown user. */
const USER_SUMS = `
  select coalesce(s.economic_sum, 0) as es, coalesce(s.economic_count, 0) as ec,
         coalesce(s.social_sum, 0) as ss, coalesce(s.social_count, 0) as sc,
         (select count(*) from compass_questions)::int as total
    from users u left join compass_user_scores s on s.user_id = u.id
   where u.number = ? and u.deleted_at is null`;

/** Self or admin. */
export async function userPosition(ctx: AppContext, userNumber: number): Promise<CompassPosition> {
  requireSelfOrAdmin(ctx, userNumber);
  const rows = await ctx.em.execute<(Sums & { total: number })[]>(USER_SUMS, [validId(userNumber) ? userNumber : 0]);
  if (!rows.length) throw notFound('User not found');
  return positionOf(rows[0], rows[0].total);
}

/** Loader batch: positions of parties by id (the `position` field of a party list costs one statement). */
export async function partyPositions(ctx: AppContext, partyIds: readonly number[]): Promise<CompassPosition[]> {
  const rows = await ctx.em.execute<PartySumsRow[]>(`${PARTY_SUMS} where p.id = any(?::int[]) group by p.id`, [pgIntArray(partyIds)]);
  const map = new Map(rows.map((r) => [r.id, positionOf(r, r.total)]));
  const total = rows[0]?.total ?? 0;
  return partyIds.map((id) => map.get(id) ?? { x: 0, y: 0, answered: 0, total });
}

/**
 * The user's score sums and every party's sums, one statement; prepared (src/db/prepared-sql.ts): its
 * planning cost more backend CPU than its execution.
 */
const MATCHES = statement(
  'compass_matches',
  `with p as (${PARTY_SUMS} group by p.id)
   select coalesce(s.economic_sum, 0) as ues, coalesce(s.economic_count, 0) as uec,
          coalesce(s.social_sum, 0) as uss, coalesce(s.social_count, 0) as usc, p.*
     from users u left join compass_user_scores s on s.user_id = u.id left join p on true
    where u.number = $1 and u.deleted_at is null`,
);

/**
 * Self or admin. The three parties nearest to the user (ties by name), with their match percentage.
 * 422 while the user has answered nothing. One statement: the user's score sums and every party's sums.
 */
export async function partyMatches(ctx: AppContext, userNumber: number): Promise<CompassMatch[]> {
  requireSelfOrAdmin(ctx, userNumber);
  const matches = await nearestParties(ctx, userNumber);
  if (!matches) throw badInput('Validation failed', { answers: 'Answer at least one question to get matches' });
  return matches;
}

/** The three nearest parties, or null while the user has answered nothing (no access check: callers make it). */
export async function nearestParties(ctx: AppContext, userNumber: number): Promise<CompassMatch[] | null> {
  const rows = await ctx.app.sql.read<PartySumsRow & { ues: number; uec: number; uss: number; usc: number }>(existingEm(ctx), MATCHES, [validId(userNumber) ? userNumber : 0]);
  if (!rows.length) throw notFound('User not found');
  const u = rows[0];
  if (u.uec + u.usc === 0) return null;
  // literals of one shape: `{ ...pointOf(r), … }` got a hidden class of its own per party in optimized code
  const parties = rows
    .filter((r) => r.id !== null)
    .map((r) => {
      const { x, y } = pointOf(r);
      return { x, y, id: r.id, name: r.name, row: r };
    });
  return topMatches(pointOf({ es: u.ues, ec: u.uec, ss: u.uss, sc: u.usc }), parties, MATCHES_MAX).map((m) => ({
    party: partyOf(m.party.row),
    x: m.x,
    y: m.y,
    distance: m.distance,
    matchPercentage: m.matchPercentage,
  }));
}
