/**
 * What the compass use-case services share: row-level access rules (self or admin, the party's admin
 * or a super admin), lookups by the compass's integer ids, domain validation that reports every bad
 * field at once, and the analytics event. "Super admin" is the global ADMIN role; a party admin is an
 * account linked to a party in compass_party_admins.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppContext } from '../../context/context';
import type { FileUpload } from 'graphql-upload-minimal';
import { badInput, DomainError, forbidden, notFound } from '../../errors/domain-error';
import { isAdmin, requireViewer } from '../../auth/guards';
import { IMAGE_TYPES, readUpload, StoragePolicy } from '../../storage/storage';
import { User } from '../identity/user.entity';
import { CompassParty } from './party.entity';

/** Pictures and logos: PNG, JPEG or WebP by content, at most 2 MB (compass.md). */
export const PICTURE_POLICY: StoragePolicy = { purpose: 'compass-picture', maxBytes: 2 * 1024 * 1024, accept: IMAGE_TYPES };
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
export const SCORES_LOCK = 7316501;

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

export async function userByNumber(em: EntityManager, userId: number): Promise<User> {
  if (!validId(userId)) throw notFound('User not found');
  const user = await em.findOne(User, { number: userId, deletedAt: null });
  if (!user) throw notFound('User not found');
  return user;
}

/** Self or admin; a non-admin asking for someone else gets 403 whether or not that user exists. */
export function requireSelfOrAdmin(ctx: AppContext, userId: number): void {
  const viewer = requireViewer(ctx);
  if (viewer.profile.number !== userId && !isAdmin(ctx)) throw forbidden('Access denied');
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
  const ids = await ctx.loader<string, number[]>('compass.viewerParties', async (keys) => {
    const rows = await ctx.em.execute<{ user_id: string; party_id: number }[]>(
      'select user_id, party_id from compass_party_admins where user_id in (select unnest(?::uuid[]))',
      [pgUuidArray(keys)],
    );
    return keys.map((k) => rows.filter((r) => r.user_id === k).map((r) => r.party_id));
  }).load(ctx.viewer.id);
  return ids.includes(partyId);
}

export async function requirePartyManager(ctx: AppContext, partyId: number): Promise<CompassParty> {
  requireViewer(ctx);
  const party = await partyById(ctx.em, partyId);
  if (!(await canManageParty(ctx, partyId))) throw forbidden('Only this party\'s admin or a super admin can change it');
  return party;
}

/** Queues the analytics feed's event on the unit of work (published after commit, dropped on rollback). */
export function analyticsChanged(tx: AppContext, reason: 'ANSWERS' | 'PARTIES' | 'QUESTIONS' | 'USERS'): void {
  tx.publish('compass.analyticsChanged', { reason });
}

/** The bytes of an uploaded image; every refusal (missing, unreadable, too big, wrong type) names `field`. */
export async function readImage(upload: Promise<FileUpload> | FileUpload | null | undefined, policy: StoragePolicy, field: string): Promise<Buffer> {
  if (!upload) throw badInput('Validation failed', { [field]: `A ${field} file is required` });
  try {
    const file = await upload;
    return await readUpload(file.createReadStream(), policy.maxBytes);
  } catch (err) {
    if (err instanceof DomainError) throw badInput('Validation failed', { [field]: err.message });
    throw badInput('Validation failed', { [field]: 'The file could not be read' });
  }
}

/** Rethrows a storage refusal (size, type) as a validation error naming the upload's field. */
export async function storageField<T>(field: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DomainError && err.code === 'BAD_USER_INPUT' && !err.details?.fields) {
      throw badInput('Validation failed', { [field]: err.message });
    }
    throw err;
  }
}
