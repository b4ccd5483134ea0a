/**
 * What the compass use-case services share: row-level access rules (self or admin, the party's admin
 * or a super admin), lookups by the compass's integer ids, domain validation that reports every bad
 * field at once, and the analytics event. "Super admin" is the global ADMIN role; a party admin is an
 * account linked to a party in compass_party_admins.
 */
import { LOCKS } from '../../db/locks';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppContext } from '../../context/context';
import { badInput, forbidden, notFound } from '../../errors/domain-error';
import { isAdmin, requireViewer } from '../../auth/guards';
import { IMAGE_TYPES, StoragePolicy } from '../../storage/storage';
import type { User } from '../identity/user.entity';
import { findUserByKey, requireSelfOrAdmin as identitySelfOrAdmin } from '../identity/identity.service';
import { CompassParty } from './party.entity';
import { Application, defineEnrollment } from '../identity/enrollment';
import { enroll } from '../identity/membership.service';

/**
 * compass's enrollment (ARCHITECTURE.md "One identity, separate applications"): open, as its documented
 * registration is. An account may use compass without a membership (self-enrollment on first use); a
 * registration through compass records an ACTIVE one; a platform admin may DISABLE it (setEnrollment),
 * which closes compass to that account.
 */
defineEnrollment(Application.COMPASS, {
  selfEnroll: true,
  registration: () => ({ onCreated: (em, user) => enroll(em, user.id, Application.COMPASS, {}) }),
  messages: {
    notEnrolled: 'Access denied',
    pending: 'Your compass account is not active',
    disabled: 'Your compass account is disabled',
    notAdmin: 'Admin role required',
  },
});

/** Logos: PNG, JPEG or WebP by content, at most 2 MB (compass.md; profile pictures are identity's avatars). */
export const LOGO_POLICY: StoragePolicy = { purpose: 'compass-logo', maxBytes: 2 * 1024 * 1024, accept: IMAGE_TYPES };

/** Domain limits, shared with the REST surface's legacy checks (src/rest/compass/request.ts). */
export const LIMITS = {
  partyName: 200,
  abbreviation: 20,
  description: 5000,
  questionText: 1000,
  answersPerList: 5000,
} as const;

/** Answer writers share this lock; question changes that move every score take it exclusively. */
export const SCORES_LOCK = LOCKS.compassScores;

const MAX_INT = 2147483647;

/** Collects every problem of an input, then throws one BAD_USER_INPUT "Validation failed" with all of them. */
export class Problems {
  readonly fields: Record<string, string> = {};
  add(field: string, message: string): void {
    this.fields[field] ??= message;
  }
  throwIfAny(): void {
    if (Object.keys(this.fields).length) throw badInput('Validation failed', this.fields);
  }
}

/** Trimmed text, or null when absent or blank. */
export function trimmed(v: string | null | undefined): string | null {
  if (v === undefined || v === null) return null;
  const t = v.trim();
  return t === '' ? null : t;
}

export function validId(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= MAX_INT;
}

export function pgIntArray(values: readonly number[]): string {
  return `{${values.map((v) => String(Math.trunc(v))).join(',')}}`;
}

export function pgUuidArray(values: readonly string[]): string {
  return `{${values.join(',')}}`;
}

/** The user of a compass `userNumber` (identity's `User.number`), else NOT_FOUND. */
export function userByNumber(em: EntityManager, userNumber: number): Promise<User> {
  return findUserByKey(em, { number: userNumber });
}

/** Self or admin (identity's rule); a non-admin asking for someone else gets 403 whether or not that user exists. */
export function requireSelfOrAdmin(ctx: AppContext, userNumber: number): void {
  identitySelfOrAdmin(ctx, { number: userNumber });
}

export async function partyById(em: EntityManager, partyId: number): Promise<CompassParty> {
  if (!validId(partyId)) throw notFound('Party not found');
  const party = await em.findOne(CompassParty, { id: partyId });
  if (!party) throw notFound('Party not found');
  return party;
}

/** Whether the viewer may manage the party: a super admin, or an admin of that party. */
export async function canManageParty(ctx: AppContext, partyId: number): Promise<boolean> {
  if (!ctx.viewer) return false;
  if (isAdmin(ctx)) return true;
  const ids = await ctx
    .loader<string, number[]>('compass.viewerParties', async (keys) => {
      const rows = await ctx.em.execute<{ user_id: string; party_id: number }[]>('select user_id, party_id from compass_party_admins where user_id in (select unnest(?::uuid[]))', [
        pgUuidArray(keys),
      ]);
      return keys.map((k) => rows.filter((r) => r.user_id === k).map((r) => r.party_id));
    })
    .load(ctx.viewer.id);
  return ids.includes(partyId);
}

export async function requirePartyManager(ctx: AppContext, partyId: number): Promise<CompassParty> {
  requireViewer(ctx);
  const party = await partyById(ctx.em, partyId);
  if (!(await canManageParty(ctx, partyId))) throw forbidden("Only this party's admin or a super admin can change it");
  return party;
}

/** Queues the analytics feed's event on the unit of work (published after commit, dropped on rollback). */
export function analyticsChanged(tx: AppContext, reason: 'ANSWERS' | 'PARTIES' | 'QUESTIONS' | 'USERS'): void {
  tx.publish('compass.analyticsChanged', { reason });
}
