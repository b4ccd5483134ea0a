/**
 * The compass domain (api-docs/compass.md, issue 5): users in the compass vocabulary (on top of the
 * shared identity services), parties with their party-admin accounts, questions, answers, compass
 * positions, matches and analytics. Every rule and every authorization check lives here, so REST,
 * GraphQL and ws behave alike. "Super admin" is the global ADMIN role; a party admin is an account
 * linked to a party in compass_party_admins.
 *
 * Scores: strongly_agree 2, agree 1, neutral 0, disagree −1, strongly_disagree −2. An axis is the mean
 * of score × direction over its answered questions, × 5 (so −10..10), and 0 without answers.
 */
import { randomInt } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { FileUpload } from 'graphql-upload-minimal';
import type { AppContext } from '../../context/context';
import { badInput, conflict, DomainError, forbidden, notFound } from '../../errors/domain-error';
import { isAdmin, requireAdmin, requireViewer } from '../../auth/guards';
import { PASSWORD_MIN_LENGTH } from '../../auth/password';
import { IMAGE_TYPES, readUpload, StoragePolicy } from '../../storage/storage';
import { Role, User } from '../identity/user.entity';
import { Session } from '../identity/session.entity';
import * as identity from '../identity/identity.service';
import { CompassParty } from './party.entity';
import { CompassPartyAdmin } from './party-admin.entity';
import { CompassAxis, CompassQuestion } from './question.entity';
import type {
  CompassAnalytics,
  CompassAnswer,
  CompassAnswerInput,
  CompassCreateUserInput,
  CompassMatch,
  CompassPartyCreated,
  CompassPartyInput,
  CompassPartyPosition,
  CompassPosition,
  CompassQuestionInput,
  CompassRegisterInput,
  CompassUser,
  CompassUserFilter,
  CompassUserPage,
  CompassUserUpdateInput,
} from './compass.inputs';

export const ANSWER_SCORES: Readonly<Record<string, number>> = {
  strongly_agree: 2,
  agree: 1,
  neutral: 0,
  disagree: -1,
  strongly_disagree: -2,
};
const SCORE_ANSWERS = new Map(Object.entries(ANSWER_SCORES).map(([k, v]) => [v, k]));
const ANSWER_LIST = 'strongly_agree, agree, neutral, disagree, strongly_disagree or "" (unanswered)';

/** Pictures and logos: PNG, JPEG or WebP by content, at most 2 MB (issue 5). */
export const PICTURE_POLICY: StoragePolicy = { purpose: 'compass-picture', maxBytes: 2 * 1024 * 1024, accept: IMAGE_TYPES };
export const LOGO_POLICY: StoragePolicy = { purpose: 'compass-logo', maxBytes: 2 * 1024 * 1024, accept: IMAGE_TYPES };

const EMAIL = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;
const MAX_INT = 2147483647;
/** Answer writers share this lock; question changes that move every score take it exclusively. */
const SCORES_LOCK = 7316501;
const MAX_DISTANCE = 20 * Math.SQRT2;

// -------------------------------------------------------------------------------------------------
// helpers

/** Collects every problem of an input, then throws one BAD_USER_INPUT "Validation failed" with all of them. */
class Problems {
  readonly fields: Record<string, string> = {};
  add(field: string, message: string): void {
    this.fields[field] ??= message;
  }
  get any(): boolean {
    return Object.keys(this.fields).length > 0;
  }
  throwIfAny(): void {
    if (this.any) throw badInput('Validation failed', this.fields);
  }
}

function trimmed(v: string | null | undefined): string | null {
  if (v === undefined || v === null) return null;
  const t = v.trim();
  return t === '' ? null : t;
}

export function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** Runs work in one transaction, then the after-commit queue (publishes). */
async function inTransaction<T>(ctx: AppContext, work: (em: EntityManager, sub: AppContext) => Promise<T>): Promise<T> {
  const result = await ctx.em.transactional((em) => work(em as EntityManager, within(ctx, em as EntityManager)));
  await ctx.runAfterCommit();
  return result;
}

/**
 * The context of a unit of work inside our transaction: identity services called with it join the
 * transaction (a savepoint), and what they queue after commit waits for our commit.
 */
function within(ctx: AppContext, em: EntityManager): AppContext {
  return { ...ctx, em, runAfterCommit: async () => undefined };
}

function publishAnalytics(ctx: AppContext, reason: 'ANSWERS' | 'PARTIES' | 'QUESTIONS' | 'USERS'): void {
  ctx.afterCommit(() => ctx.app.pubsub.publish('compass.analyticsChanged', { reason }));
}

function pgIntArray(values: readonly number[]): string {
  return `{${values.map((v) => String(Math.trunc(v))).join(',')}}`;
}

/**
 * profile_url as stored, except that a URL of our own picture route follows the stored picture: the
 * picture may have been replaced or removed through the platform's GraphQL avatar mutations, which do
 * not know compass's URL form.
 */
function currentProfileUrl(u: User): string | null {
  const url = u.profileUrl ?? null;
  if (!url || !url.includes(`/compass/api/users/${u.number}/picture?v=`)) return url;
  return u.avatarFileId ? url.replace(/\?v=[^&#]*/, `?v=${u.avatarFileId.slice(0, 8)}`) : null;
}

function toCompassUser(u: User): CompassUser {
  return {
    id: u.id,
    userId: u.number,
    username: u.username ?? null,
    emailAddress: u.email ?? null,
    role: u.role,
    profileUrl: currentProfileUrl(u),
    createdAt: u.createdAt,
  };
}

function validNumber(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n > 0 && n <= MAX_INT;
}

async function userByNumber(em: EntityManager, userId: number): Promise<User> {
  if (!validNumber(userId)) throw notFound('User not found');
  const user = await em.findOne(User, { number: userId, deletedAt: null });
  if (!user) throw notFound('User not found');
  return user;
}

/** Self or admin; a non-admin asking for someone else gets 403 whether or not that user exists. */
function requireSelfOrAdmin(ctx: AppContext, userId: number): void {
  const viewer = requireViewer(ctx);
  if (viewer.profile.number !== userId && !isAdmin(ctx)) throw forbidden('Access denied');
}

function surfaceBase(ctx: AppContext): string {
  return (ctx.app.config.publicUrl ?? '').replace(/\/+$/, '');
}

/** The URL a stored picture is served at (its version in the query, so caches see replacements). */
export function pictureUrl(ctx: AppContext, userId: number, fileId: string): string {
  return `${surfaceBase(ctx)}/compass/api/users/${userId}/picture?v=${fileId.slice(0, 8)}`;
}

export function logoUrl(ctx: AppContext, party: { id: number; logoFileId?: string | null }): string | null {
  return party.logoFileId ? `${surfaceBase(ctx)}/compass/api/parties/${party.id}/logo?v=${party.logoFileId.slice(0, 8)}` : null;
}

/** Axis value of a sum and count of score × direction. */
function axis(sum: number, count: number): number {
  return count > 0 ? (sum / count) * 5 : 0;
}

function position(r: { es: number; ec: number; ss: number; sc: number }, total: number): CompassPosition {
  return { x: round2(axis(r.es, r.ec)), y: round2(axis(r.ss, r.sc)), answered: r.ec + r.sc, total };
}

// -------------------------------------------------------------------------------------------------
// auth and users

/** compass.md GET /api/auth/validate: who the token is and when it expires. */
export async function tokenInfo(ctx: AppContext): Promise<{ userId: number; role: Role; expiresAt: Date }> {
  const viewer = requireViewer(ctx);
  const session = await ctx.em.findOne(Session, { id: viewer.sessionId });
  if (!session) throw new DomainError('UNAUTHENTICATED', 'Authentication required');
  return { userId: viewer.profile.number, role: viewer.role, expiresAt: session.expiresAt };
}

function checkUserFields(
  p: Problems,
  input: { username?: string | null; emailAddress?: string | null; profileUrl?: string | null; patientNumber?: number | null },
  required: { username: boolean; emailAddress: boolean },
): void {
  if (input.username !== undefined || required.username) {
    const u = trimmed(input.username);
    if (u === null) p.add('username', 'Username is required');
    else if (!/^[\p{L}\p{N}_.@+-]{1,100}$/u.test(u)) p.add('username', 'Username must be 1 to 100 letters, digits or _ . @ + -');
  }
  if (input.emailAddress !== undefined || required.emailAddress) {
    const e = trimmed(input.emailAddress);
    if (e === null) p.add('emailAddress', 'Email address is required');
    else if (!EMAIL.test(e) || e.length > 254) p.add('emailAddress', 'Invalid email address format');
  }
  if (input.profileUrl !== undefined && input.profileUrl !== null && input.profileUrl.length > 1000) {
    p.add('profileUrl', 'Profile URL must be at most 1000 characters');
  }
  if (input.patientNumber !== undefined && input.patientNumber !== null && !(Number.isInteger(input.patientNumber) && input.patientNumber >= 0)) {
    p.add('patientNumber', 'Patient number must be a whole number of 0 or more');
  }
}

function checkNewPassword(p: Problems, password: string | null | undefined, field = 'password'): void {
  if (typeof password !== 'string' || password === '') p.add(field, field === 'password' ? 'Password is required' : 'New password is required');
  else if (password.length < PASSWORD_MIN_LENGTH) p.add(field, `Password must be at least ${PASSWORD_MIN_LENGTH} characters`);
  else if (password.length > 1024) p.add(field, 'Password is too long');
}

/** compass.md POST /api/auth/register: username, email and password, all checked at once. */
export async function register(ctx: AppContext, input: CompassRegisterInput): Promise<CompassUser> {
  const p = new Problems();
  checkUserFields(p, input, { username: true, emailAddress: true });
  checkNewPassword(p, input.password);
  p.throwIfAny();
  const username = trimmed(input.username)!;
  const user = await identity.register(ctx, { username, email: trimmed(input.emailAddress), password: input.password!, name: username });
  await ctx.app.pubsub.publish('compass.analyticsChanged', { reason: 'USERS' });
  return toCompassUser(user);
}

export async function listUsers(ctx: AppContext, filter: CompassUserFilter | null | undefined, limit = 50, offset = 0): Promise<CompassUserPage> {
  requireAdmin(ctx);
  const p = new Problems();
  if (!Number.isInteger(limit) || limit < 1 || limit > 500) p.add('limit', 'Limit must be from 1 to 500');
  if (!Number.isInteger(offset) || offset < 0) p.add('offset', 'Offset must be 0 or more');
  p.throwIfAny();
  const where: Record<string, unknown> = { deletedAt: null };
  if (filter?.role) where.role = filter.role;
  const search = trimmed(filter?.search);
  if (search) where.username = { $ilike: `%${search.replace(/[\\%_]/g, (c) => '\\' + c)}%` };
  const [users, total] = await ctx.em.findAndCount(User, where as never, { limit, offset, orderBy: { number: 'asc' } });
  return { items: users.map(toCompassUser), total, limit, offset };
}

export async function getUser(ctx: AppContext, userId: number): Promise<CompassUser> {
  requireSelfOrAdmin(ctx, userId);
  return toCompassUser(await userByNumber(ctx.em, userId));
}

async function saveProfile(em: EntityManager, userUuid: string, patientNumber: number | null): Promise<void> {
  await em.execute(
    'insert into compass_profiles (user_id, patient_number) values (?, ?) on conflict (user_id) do update set patient_number = excluded.patient_number',
    [userUuid, patientNumber],
  );
}

export async function createUser(ctx: AppContext, input: CompassCreateUserInput): Promise<CompassUser> {
  requireAdmin(ctx);
  const p = new Problems();
  checkUserFields(p, input, { username: true, emailAddress: true });
  checkNewPassword(p, input.password);
  p.throwIfAny();
  const user = await inTransaction(ctx, async (em, sub) => {
    const created = await identity.createUser(sub, {
      username: trimmed(input.username),
      email: trimmed(input.emailAddress),
      name: trimmed(input.username),
      password: input.password!,
      role: input.role ?? Role.USER,
      profileUrl: trimmed(input.profileUrl),
    });
    if (input.patientNumber !== undefined && input.patientNumber !== null) await saveProfile(em, created.id, input.patientNumber);
    publishAnalytics(ctx, 'USERS');
    return created;
  });
  return toCompassUser(user);
}

/**
 * PUT (replace: every field, optional ones absent become null) and PATCH (the fields given). Only admins
 * change roles; a user may patch their own account. A profile_url that no longer points at the stored
 * picture removes the picture's bytes.
 */
export async function updateUser(ctx: AppContext, userId: number, input: CompassUserUpdateInput, replace: boolean): Promise<CompassUser> {
  if (replace) requireAdmin(ctx);
  else requireSelfOrAdmin(ctx, userId);
  const target = await userByNumber(ctx.em, userId);
  if (!isAdmin(ctx) && input.role !== undefined && input.role !== null && input.role !== target.role) {
    throw forbidden('Only admins can change roles');
  }
  const p = new Problems();
  if (replace) {
    if (input.role === undefined || input.role === null) p.add('role', 'Role is required');
    checkUserFields(p, input, { username: true, emailAddress: true });
  } else {
    const given = (['role', 'username', 'emailAddress', 'profileUrl', 'patientNumber'] as const).filter((k) => input[k] !== undefined);
    if (given.length === 0) p.add('body', 'Send at least one of role, username, email_address, profile_url, patient_number');
    if (input.role === null) p.add('role', 'Role must be "user" or "admin"');
    checkUserFields(p, input, { username: false, emailAddress: false });
  }
  p.throwIfAny();
  const full = <T>(v: T | undefined): T | null | undefined => (replace ? v ?? null : v);
  const patch = {
    role: input.role ?? undefined,
    username: input.username !== undefined ? trimmed(input.username) : undefined,
    email: input.emailAddress !== undefined ? trimmed(input.emailAddress) : undefined,
    profileUrl: full(input.profileUrl) === undefined ? undefined : trimmed(full(input.profileUrl)),
  };
  const patientNumber = full(input.patientNumber);
  const user = await inTransaction(ctx, async (em, sub) => {
    const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
    if (entries.length) await identity.updateUser(sub, target.id, Object.fromEntries(entries), { allowSelf: true });
    if (patientNumber !== undefined) await saveProfile(em, target.id, patientNumber);
    const fresh = await em.findOneOrFail(User, { id: target.id }, { refresh: true });
    if (fresh.avatarFileId && patch.profileUrl !== undefined && patch.profileUrl !== pictureUrl(ctx, fresh.number, fresh.avatarFileId)) {
      await identity.removeAvatar(sub, fresh.id);
    }
    if (patch.role !== undefined) publishAnalytics(ctx, 'USERS');
    return fresh;
  });
  return toCompassUser(user);
}

/** Self with the old password, or an admin for anyone else (whose sessions then end). */
export async function changePassword(ctx: AppContext, userId: number, oldPassword: string | null | undefined, newPassword: string | null | undefined): Promise<boolean> {
  const viewer = requireViewer(ctx);
  requireSelfOrAdmin(ctx, userId);
  const self = viewer.profile.number === userId;
  const target = self ? viewer.user : await userByNumber(ctx.em, userId);
  const p = new Problems();
  if (self && !viewer.user.mustChangePassword && (typeof oldPassword !== 'string' || oldPassword === '')) p.add('oldPassword', 'Old password is required');
  checkNewPassword(p, newPassword, 'newPassword');
  p.throwIfAny();
  if (self) return identity.changePassword(ctx, oldPassword, newPassword!);
  await identity.updateUser(ctx, target.id, { password: newPassword! });
  return true;
}

/** Hard delete: answers, profile, scores, memberships and sessions cascade; the picture's bytes go too. */
export async function deleteUser(ctx: AppContext, userId: number): Promise<boolean> {
  requireAdmin(ctx);
  const user = await userByNumber(ctx.em, userId);
  await inTransaction(ctx, async (_em, sub) => {
    await identity.deleteUser(sub, user.id);
    publishAnalytics(ctx, 'USERS');
  });
  return true;
}

async function readImage(upload: Promise<FileUpload> | FileUpload | null | undefined, policy: StoragePolicy, field: string): Promise<Buffer> {
  if (!upload) throw badInput('Validation failed', { [field]: `A ${field} file is required` });
  try {
    const file = await upload;
    return await readUpload(file.createReadStream(), policy.maxBytes);
  } catch (err) {
    if (err instanceof DomainError) throw badInput('Validation failed', { [field]: err.message });
    throw badInput('Validation failed', { [field]: 'The file could not be read' });
  }
}

/** Rethrows a storage refusal (size, type) as a validation error naming the multipart field. */
async function storageField<T>(field: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof DomainError && err.code === 'BAD_USER_INPUT' && !err.details?.fields) {
      throw badInput('Validation failed', { [field]: err.message });
    }
    throw err;
  }
}

/** Self or admin; sets profile_url to the picture's URL; the old picture's bytes are removed. */
export async function setUserPicture(ctx: AppContext, userId: number, upload: Promise<FileUpload> | null | undefined): Promise<CompassUser> {
  requireSelfOrAdmin(ctx, userId);
  const target = await userByNumber(ctx.em, userId);
  const bytes = await readImage(upload, PICTURE_POLICY, 'picture');
  const user = await storageField('picture', () =>
    inTransaction(ctx, async (em, sub) => {
      const updated = await identity.setAvatar(sub, target.id, bytes, PICTURE_POLICY);
      const url = pictureUrl(ctx, updated.number, updated.avatarFileId!);
      await em.nativeUpdate(User, { id: updated.id }, { profileUrl: url });
      updated.profileUrl = url;
      return updated;
    }),
  );
  return toCompassUser(user);
}

/** The stored picture of a user: the user themselves or an admin (as the user object). */
export async function userPictureFile(ctx: AppContext, userId: number): Promise<{ id: string }> {
  requireSelfOrAdmin(ctx, userId);
  const user = await userByNumber(ctx.em, userId);
  if (!user.avatarFileId) throw notFound('Picture not found');
  return { id: user.avatarFileId };
}

/** Loader batch: patient numbers of users by uuid. */
export async function patientNumbers(ctx: AppContext, userIds: readonly string[]): Promise<(number | null)[]> {
  const rows = await ctx.em.execute<{ user_id: string; patient_number: number | null }[]>(
    'select user_id, patient_number from compass_profiles where user_id in (select unnest(?::uuid[]))',
    [`{${userIds.join(',')}}`],
  );
  const map = new Map(rows.map((r) => [r.user_id, r.patient_number]));
  return userIds.map((id) => map.get(id) ?? null);
}

/** Loader batch: the party each user administers (if any), by uuid. */
export async function partiesAdministered(ctx: AppContext, userIds: readonly string[]): Promise<(CompassParty | null)[]> {
  const links = await ctx.em.find(CompassPartyAdmin, { user: { $in: [...userIds] } }, { populate: ['party'] });
  const map = new Map(links.map((l) => [l.user.id, l.party]));
  return userIds.map((id) => map.get(id) ?? null);
}

// -------------------------------------------------------------------------------------------------
// parties

async function partyById(em: EntityManager, partyId: number): Promise<CompassParty> {
  if (!validNumber(partyId)) throw notFound('Party not found');
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
      [`{${keys.join(',')}}`],
    );
    return keys.map((k) => rows.filter((r) => r.user_id === k).map((r) => r.party_id));
  }).load(ctx.viewer.id);
  return ids.includes(partyId);
}

async function requirePartyManager(ctx: AppContext, partyId: number): Promise<CompassParty> {
  requireViewer(ctx);
  const party = await partyById(ctx.em, partyId);
  if (!(await canManageParty(ctx, partyId))) throw forbidden('Only this party\'s admin or a super admin can change it');
  return party;
}

export function listParties(ctx: AppContext): Promise<CompassParty[]> {
  return ctx.em.find(CompassParty, {}, { orderBy: { id: 'asc' } });
}

export function getParty(ctx: AppContext, partyId: number): Promise<CompassParty> {
  return partyById(ctx.em, partyId);
}

function checkPartyFields(p: Problems, input: CompassPartyInput, required: boolean): void {
  if (input.name !== undefined || required) {
    const n = trimmed(input.name);
    if (n === null) p.add('name', 'Name is required');
    else if (n.length > 200) p.add('name', 'Name must be at most 200 characters');
  }
  if (input.abbreviation !== undefined || required) {
    const a = trimmed(input.abbreviation);
    if (a === null) p.add('abbreviation', 'Abbreviation is required');
    else if (a.length > 20) p.add('abbreviation', 'Abbreviation must be at most 20 characters');
  }
  if (input.description !== undefined && input.description !== null && input.description.length > 5000) {
    p.add('description', 'Description must be at most 5000 characters');
  }
}

function partyConflict(err: unknown): never {
  if (err instanceof UniqueConstraintViolationException) throw conflict('Party name already exists', { name: 'Party name already exists' });
  throw err;
}

async function assertPartyNameFree(em: EntityManager, name: string, exceptId?: number): Promise<void> {
  const rows = await em.execute<{ id: number }[]>('select id from compass_parties where lower(name) = lower(?) limit 1', [name]);
  if (rows.length && rows[0].id !== exceptId) throw conflict('Party name already exists', { name: 'Party name already exists' });
}

const CODE_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
function randomString(alphabet: string, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * Super admin. Creates the party, its unique code, an empty answer for every question and a party-admin
 * account (username `party_<code>`) whose generated password is returned only here — all in one transaction.
 */
export async function createParty(ctx: AppContext, input: CompassPartyInput): Promise<CompassPartyCreated> {
  requireAdmin(ctx);
  const p = new Problems();
  checkPartyFields(p, input, true);
  p.throwIfAny();
  const name = trimmed(input.name)!;
  const password = randomString('ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789', 16);
  try {
    return await inTransaction(ctx, async (em, sub) => {
      await assertPartyNameFree(em, name);
      let code = randomString(CODE_ALPHABET, 8);
      while ((await em.count(CompassParty, { code })) > 0) code = randomString(CODE_ALPHABET, 8);
      const party = em.create(CompassParty, { name, abbreviation: trimmed(input.abbreviation)!, description: trimmed(input.description), code });
      em.persist(party);
      await em.flush();
      const username = `party_${code.toLowerCase()}`;
      const admin = await identity.createUser(sub, { username, name: `${name} admin`.slice(0, 200), password, role: Role.USER });
      em.persist(em.create(CompassPartyAdmin, { party, user: em.getReference(User, admin.id) }));
      await em.flush();
      await em.execute('insert into compass_party_answers (party_id, question_id, score) select ?, id, null from compass_questions', [party.id]);
      publishAnalytics(ctx, 'PARTIES');
      return { party, code, admin: { username, password } };
    });
  } catch (err) {
    return partyConflict(err);
  }
}

/** Super admin or the party's admin; PUT replaces (description absent becomes null), PATCH changes the fields given. */
export async function updateParty(ctx: AppContext, partyId: number, input: CompassPartyInput, replace: boolean): Promise<CompassParty> {
  const party = await requirePartyManager(ctx, partyId);
  const p = new Problems();
  checkPartyFields(p, input, replace);
  if (!replace && input.name === undefined && input.abbreviation === undefined && input.description === undefined) {
    p.add('body', 'Send at least one of name, abbreviation, description');
  }
  p.throwIfAny();
  try {
    return await inTransaction(ctx, async (em) => {
      const name = trimmed(input.name);
      if (name !== null) await assertPartyNameFree(em, name, party.id);
      const row = await em.findOneOrFail(CompassParty, { id: party.id });
      if (name !== null) row.name = name;
      if (input.abbreviation !== undefined) row.abbreviation = trimmed(input.abbreviation)!;
      if (replace || input.description !== undefined) row.description = trimmed(input.description);
      await em.flush();
      publishAnalytics(ctx, 'PARTIES');
      return row;
    });
  } catch (err) {
    return partyConflict(err);
  }
}

/**
 * Super admin. Answers and memberships cascade; the logo's bytes are removed, and so are the party-admin
 * accounts that administer no other party (they exist only for it; a global admin is never removed).
 */
export async function deleteParty(ctx: AppContext, partyId: number): Promise<boolean> {
  requireAdmin(ctx);
  const party = await partyById(ctx.em, partyId);
  await inTransaction(ctx, async (em, sub) => {
    const admins = await em.execute<{ user_id: string }[]>(
      `select pa.user_id from compass_party_admins pa join users u on u.id = pa.user_id
        where pa.party_id = ? and u.role = 'USER'
          and not exists (select 1 from compass_party_admins o where o.user_id = pa.user_id and o.party_id <> pa.party_id)`,
      [party.id],
    );
    await em.nativeDelete(CompassParty, { id: party.id });
    if (party.logoFileId) await ctx.app.storage.remove(em, party.logoFileId);
    for (const a of admins) await identity.deleteUser(sub, a.user_id);
    publishAnalytics(ctx, 'PARTIES');
  });
  return true;
}

/** Super admin or the party's admin; a new logo replaces (and removes) the old bytes. */
export async function setPartyLogo(ctx: AppContext, partyId: number, upload: Promise<FileUpload> | null | undefined): Promise<CompassParty> {
  const party = await requirePartyManager(ctx, partyId);
  const bytes = await readImage(upload, LOGO_POLICY, 'logo');
  return storageField('logo', () =>
    inTransaction(ctx, async (em) => {
      const row = await em.findOneOrFail(CompassParty, { id: party.id });
      const stored = await ctx.app.storage.put(em, bytes, LOGO_POLICY);
      const old = row.logoFileId;
      row.logoFileId = stored.id;
      await em.flush();
      if (old) await ctx.app.storage.remove(em, old);
      return row;
    }),
  );
}

export async function removePartyLogo(ctx: AppContext, partyId: number): Promise<CompassParty> {
  const party = await requirePartyManager(ctx, partyId);
  return inTransaction(ctx, async (em) => {
    const row = await em.findOneOrFail(CompassParty, { id: party.id });
    const old = row.logoFileId;
    row.logoFileId = null;
    await em.flush();
    if (old) await ctx.app.storage.remove(em, old);
    return row;
  });
}

/** Logos are public, like parties. */
export async function partyLogoFile(ctx: AppContext, partyId: number): Promise<{ id: string }> {
  const party = await partyById(ctx.em, partyId);
  if (!party.logoFileId) throw notFound('Logo not found');
  return { id: party.logoFileId };
}

/** Field `code`: only a super admin or the party's admin sees it. */
export async function partyCode(ctx: AppContext, party: CompassParty): Promise<string | null> {
  return (await canManageParty(ctx, party.id)) ? party.code : null;
}

// -------------------------------------------------------------------------------------------------
// questions

export function listQuestions(ctx: AppContext): Promise<CompassQuestion[]> {
  return ctx.em.find(CompassQuestion, {}, { orderBy: { position: 'asc', id: 'asc' } });
}

async function questionById(em: EntityManager, questionId: number): Promise<CompassQuestion> {
  if (!validNumber(questionId)) throw notFound('Question not found');
  const q = await em.findOne(CompassQuestion, { id: questionId });
  if (!q) throw notFound('Question not found');
  return q;
}

export function getQuestion(ctx: AppContext, questionId: number): Promise<CompassQuestion> {
  return questionById(ctx.em, questionId);
}

function checkQuestionFields(p: Problems, input: CompassQuestionInput, required: boolean): void {
  if (input.text !== undefined || required) {
    const t = trimmed(input.text);
    if (t === null) p.add('text', 'Text is required');
    else if (t.length > 1000) p.add('text', 'Text must be at most 1000 characters');
  }
  if ((input.axis !== undefined || required) && !Object.values(CompassAxis).includes(input.axis as CompassAxis)) {
    p.add('axis', 'Axis must be "economic" or "social"');
  }
  if (input.direction !== undefined && input.direction !== null && input.direction !== 1 && input.direction !== -1) {
    p.add('direction', 'Direction must be 1 or -1');
  }
  if (input.direction === null && !required) p.add('direction', 'Direction must be 1 or -1');
  if (input.position !== undefined && input.position !== null && !(Number.isInteger(input.position) && input.position >= 0)) {
    p.add('position', 'Position must be a whole number of 0 or more');
  }
}

/**
 * Recomputes every user's score sums from their answers (after a question's axis or direction changed, or
 * a question went away with its answers). One statement; runs under the exclusive scores lock.
 */
async function recomputeAllScores(em: EntityManager): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(?)', [SCORES_LOCK]);
  await em.execute(
    `update compass_user_scores s
        set economic_sum = coalesce(a.es, 0), economic_count = coalesce(a.ec, 0),
            social_sum = coalesce(a.ss, 0), social_count = coalesce(a.sc, 0)
       from compass_user_scores s0
       left join (
         select ua.user_id,
                sum(ua.score * q.direction) filter (where q.axis = 'economic') as es,
                count(*) filter (where q.axis = 'economic') as ec,
                sum(ua.score * q.direction) filter (where q.axis = 'social') as ss,
                count(*) filter (where q.axis = 'social') as sc
           from compass_user_answers ua join compass_questions q on q.id = ua.question_id
          group by ua.user_id
       ) a on a.user_id = s0.user_id
      where s.user_id = s0.user_id`,
  );
}

/** Super admin. Every party gets an empty answer for the new question. */
export async function createQuestion(ctx: AppContext, input: CompassQuestionInput): Promise<CompassQuestion> {
  requireAdmin(ctx);
  const p = new Problems();
  checkQuestionFields(p, input, true);
  p.throwIfAny();
  return inTransaction(ctx, async (em) => {
    let pos = input.position ?? null;
    if (pos === null) {
      const rows = await em.execute<{ next: number }[]>('select coalesce(max(position), 0) + 1 as next from compass_questions');
      pos = Number(rows[0].next);
    }
    const q = em.create(CompassQuestion, { text: trimmed(input.text)!, axis: input.axis!, direction: input.direction ?? 1, position: pos });
    em.persist(q);
    await em.flush();
    await em.execute('insert into compass_party_answers (party_id, question_id, score) select id, ?, null from compass_parties', [q.id]);
    publishAnalytics(ctx, 'QUESTIONS');
    return q;
  });
}

/** Super admin; PUT needs text and axis (direction defaults to 1), PATCH the fields given. */
export async function updateQuestion(ctx: AppContext, questionId: number, input: CompassQuestionInput, replace: boolean): Promise<CompassQuestion> {
  requireAdmin(ctx);
  await questionById(ctx.em, questionId);
  const p = new Problems();
  checkQuestionFields(p, input, replace);
  if (!replace && (['text', 'axis', 'direction', 'position'] as const).every((k) => input[k] === undefined)) {
    p.add('body', 'Send at least one of text, axis, direction, position');
  }
  p.throwIfAny();
  return inTransaction(ctx, async (em) => {
    // Answer writers wait while a question that moves every score changes.
    await em.execute('select pg_advisory_xact_lock(?)', [SCORES_LOCK]);
    const q = await em.findOneOrFail(CompassQuestion, { id: questionId });
    const before = `${q.axis}/${q.direction}`;
    if (input.text !== undefined) q.text = trimmed(input.text)!;
    if (input.axis !== undefined && input.axis !== null) q.axis = input.axis;
    if (replace) q.direction = input.direction ?? 1;
    else if (input.direction !== undefined && input.direction !== null) q.direction = input.direction;
    if (input.position !== undefined && input.position !== null) q.position = input.position;
    await em.flush();
    if (`${q.axis}/${q.direction}` !== before) await recomputeAllScores(em);
    publishAnalytics(ctx, 'QUESTIONS');
    return q;
  });
}

/** Super admin; the question's answers cascade and every score follows. */
export async function deleteQuestion(ctx: AppContext, questionId: number): Promise<boolean> {
  requireAdmin(ctx);
  await questionById(ctx.em, questionId);
  await inTransaction(ctx, async (em) => {
    await em.execute('select pg_advisory_xact_lock(?)', [SCORES_LOCK]);
    await em.nativeDelete(CompassQuestion, { id: questionId });
    await recomputeAllScores(em);
    publishAnalytics(ctx, 'QUESTIONS');
  });
  return true;
}

// -------------------------------------------------------------------------------------------------
// answers

interface AnswerRow {
  id: number;
  text: string;
  axis: CompassAxis;
  direction: number;
  position: number;
  score: number | null;
}

function toAnswers(rows: AnswerRow[]): CompassAnswer[] {
  return rows.map((r) => ({
    questionId: r.id,
    question: { id: r.id, text: r.text, axis: r.axis, direction: r.direction, position: r.position } as CompassQuestion,
    answer: r.score === null || r.score === undefined ? '' : SCORE_ANSWERS.get(r.score) ?? '',
  }));
}

const ANSWERS_OF = (table: 'compass_user_answers' | 'compass_party_answers', key: 'user_id' | 'party_id') =>
  `select q.id, q.text, q.axis, q.direction, q.position, a.score
     from compass_questions q left join ${table} a on a.question_id = q.id and a.${key} = ?
    order by q.position, q.id`;

/** Every question with the user's answer ("" when unanswered). Self or admin. */
export async function userAnswers(ctx: AppContext, userId: number): Promise<CompassAnswer[]> {
  requireSelfOrAdmin(ctx, userId);
  const user = await userByNumber(ctx.em, userId);
  return toAnswers(await ctx.em.execute<AnswerRow[]>(ANSWERS_OF('compass_user_answers', 'user_id'), [user.id]));
}

/** Every question with the party's answer; public. */
export async function partyAnswers(ctx: AppContext, partyId: number): Promise<CompassAnswer[]> {
  const party = await partyById(ctx.em, partyId);
  return toAnswers(await ctx.em.execute<AnswerRow[]>(ANSWERS_OF('compass_party_answers', 'party_id'), [party.id]));
}

/**
 * Checks a whole answer list against the questions; questions left out become unanswered. One bad entry
 * (a bad value, an unknown or repeated question) refuses the list, naming each bad entry.
 */
function checkAnswers(answers: readonly CompassAnswerInput[], questions: Map<number, { axis: string; direction: number }>): Map<number, number> {
  const p = new Problems();
  const scores = new Map<number, number>();
  const seen = new Set<number>();
  answers.forEach((a, i) => {
    const value = typeof a.answer === 'string' ? a.answer.trim().toLowerCase() : a.answer;
    if (!Number.isInteger(a.questionId) || !questions.has(a.questionId)) {
      p.add(`answers[${i}].questionId`, `Question ${a.questionId} does not exist`);
    } else if (seen.has(a.questionId)) {
      p.add(`answers[${i}].questionId`, `Question ${a.questionId} is answered more than once`);
    }
    seen.add(a.questionId);
    if (typeof value !== 'string' || (value !== '' && !(value in ANSWER_SCORES))) {
      p.add(`answers[${i}].answer`, `Answer must be one of ${ANSWER_LIST}`);
    } else if (value !== '') {
      scores.set(a.questionId, ANSWER_SCORES[value]);
    }
  });
  p.throwIfAny();
  return scores;
}

async function questionMap(em: EntityManager): Promise<Map<number, { axis: string; direction: number }>> {
  const rows = await em.execute<{ id: number; axis: string; direction: number }[]>('select id, axis, direction from compass_questions');
  return new Map(rows.map((r) => [r.id, { axis: r.axis, direction: r.direction }]));
}

function tooMany(answers: readonly unknown[]): void {
  if (answers.length > 5000) throw badInput('Validation failed', { answers: 'At most 5000 answers at once' });
}

/** Self or admin. Replaces the whole list in one transaction (answers and score sums together). */
export async function setUserAnswers(ctx: AppContext, userId: number, answers: readonly CompassAnswerInput[]): Promise<CompassAnswer[]> {
  requireSelfOrAdmin(ctx, userId);
  const user = await userByNumber(ctx.em, userId);
  tooMany(answers);
  await inTransaction(ctx, async (em) => {
    await em.execute('select pg_advisory_xact_lock_shared(?)', [SCORES_LOCK]);
    const questions = await questionMap(em);
    const scores = checkAnswers(answers, questions);
    const sums = { es: 0, ec: 0, ss: 0, sc: 0 };
    for (const [qid, score] of scores) {
      const q = questions.get(qid)!;
      if (q.axis === CompassAxis.ECONOMIC) (sums.es += score * q.direction), (sums.ec += 1);
      else (sums.ss += score * q.direction), (sums.sc += 1);
    }
    // The score row first: it also serialises concurrent writers of the same user.
    await em.execute(
      `insert into compass_user_scores (user_id, economic_sum, economic_count, social_sum, social_count) values (?, ?, ?, ?, ?)
       on conflict (user_id) do update set economic_sum = excluded.economic_sum, economic_count = excluded.economic_count,
         social_sum = excluded.social_sum, social_count = excluded.social_count`,
      [user.id, sums.es, sums.ec, sums.ss, sums.sc],
    );
    const ids = [...scores.keys()];
    await em.execute('delete from compass_user_answers where user_id = ? and not (question_id = any(?::int[]))', [user.id, pgIntArray(ids)]);
    if (ids.length) {
      await em.execute(
        `insert into compass_user_answers (user_id, question_id, score)
         select ?, v.qid, v.score from unnest(?::int[], ?::smallint[]) as v(qid, score)
         on conflict (user_id, question_id) do update set score = excluded.score`,
        [user.id, pgIntArray(ids), pgIntArray(ids.map((id) => scores.get(id)!))],
      );
    }
    publishAnalytics(ctx, 'ANSWERS');
  });
  return toAnswers(await ctx.em.execute<AnswerRow[]>(ANSWERS_OF('compass_user_answers', 'user_id'), [user.id]));
}

/** The party's admin or a super admin. Same all-or-nothing rules as a user's answers. */
export async function setPartyAnswers(ctx: AppContext, partyId: number, answers: readonly CompassAnswerInput[]): Promise<CompassAnswer[]> {
  const party = await requirePartyManager(ctx, partyId);
  tooMany(answers);
  await inTransaction(ctx, async (em) => {
    const scores = checkAnswers(answers, await questionMap(em));
    const ids = [...scores.keys()];
    await em.execute(
      `insert into compass_party_answers (party_id, question_id, score)
       select ?, q.id, v.score from compass_questions q
         left join unnest(?::int[], ?::smallint[]) as v(qid, score) on v.qid = q.id
       on conflict (party_id, question_id) do update set score = excluded.score`,
      [party.id, pgIntArray(ids), pgIntArray(ids.map((id) => scores.get(id)!))],
    );
    publishAnalytics(ctx, 'ANSWERS');
  });
  return toAnswers(await ctx.em.execute<AnswerRow[]>(ANSWERS_OF('compass_party_answers', 'party_id'), [party.id]));
}

// -------------------------------------------------------------------------------------------------
// positions and matches

interface SumsRow {
  es: number;
  ec: number;
  ss: number;
  sc: number;
}

/** Sums per party (every party, 0 without answers) and the number of questions, in one statement. */
const PARTY_SUMS = `
  select p.id, p.name, p.abbreviation, p.description, p.code, p.logo_file_id, p.created_at, p.updated_at,
         coalesce(sum(a.score * q.direction) filter (where q.axis = 'economic'), 0)::int as es,
         count(a.score) filter (where q.axis = 'economic')::int as ec,
         coalesce(sum(a.score * q.direction) filter (where q.axis = 'social'), 0)::int as ss,
         count(a.score) filter (where q.axis = 'social')::int as sc,
         (select count(*) from compass_questions)::int as total
    from compass_parties p
    left join compass_party_answers a on a.party_id = p.id and a.score is not null
    left join compass_questions q on q.id = a.question_id`;

interface PartySumsRow extends SumsRow {
  id: number;
  name: string;
  abbreviation: string;
  description: string | null;
  code: string;
  logo_file_id: string | null;
  created_at: Date;
  updated_at: Date;
  total: number;
}

function partyOf(r: PartySumsRow): CompassParty {
  return {
    id: r.id,
    name: r.name,
    abbreviation: r.abbreviation,
    description: r.description,
    code: r.code,
    logoFileId: r.logo_file_id,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  } as CompassParty;
}

/** Self or admin. */
export async function userPosition(ctx: AppContext, userId: number): Promise<CompassPosition> {
  requireSelfOrAdmin(ctx, userId);
  const rows = await ctx.em.execute<(SumsRow & { id: string | null; total: number })[]>(
    `select u.id, coalesce(s.economic_sum, 0) as es, coalesce(s.economic_count, 0) as ec,
            coalesce(s.social_sum, 0) as ss, coalesce(s.social_count, 0) as sc,
            (select count(*) from compass_questions)::int as total
       from users u left join compass_user_scores s on s.user_id = u.id
      where u.number = ? and u.deleted_at is null`,
    [validNumber(userId) ? userId : 0],
  );
  if (!rows.length) throw notFound('User not found');
  return position(rows[0], rows[0].total);
}

/** Public. */
export async function partyPosition(ctx: AppContext, partyId: number): Promise<CompassPosition> {
  if (!validNumber(partyId)) throw notFound('Party not found');
  const rows = await ctx.em.execute<PartySumsRow[]>(`${PARTY_SUMS} where p.id = ? group by p.id`, [partyId]);
  if (!rows.length) throw notFound('Party not found');
  return position(rows[0], rows[0].total);
}

/** Loader batch: positions of parties by id (the `position` field of a party list costs one statement). */
export async function partyPositions(ctx: AppContext, partyIds: readonly number[]): Promise<CompassPosition[]> {
  const rows = await ctx.em.execute<PartySumsRow[]>(`${PARTY_SUMS} where p.id = any(?::int[]) group by p.id`, [pgIntArray(partyIds)]);
  const total = rows[0]?.total ?? 0;
  const map = new Map(rows.map((r) => [r.id, position(r, r.total)]));
  return partyIds.map((id) => map.get(id) ?? { x: 0, y: 0, answered: 0, total });
}

/** Public: every party's position, in party order. */
export async function allPartyPositions(ctx: AppContext): Promise<CompassPartyPosition[]> {
  const rows = await ctx.em.execute<PartySumsRow[]>(`${PARTY_SUMS} group by p.id order by p.id`);
  return rows.map((r) => ({ party: partyOf(r), ...position(r, r.total) }));
}

function byDistanceThenName(a: { d: number; name: string }, b: { d: number; name: string }): number {
  if (a.d !== b.d) return a.d - b.d;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/**
 * Self or admin. The three parties nearest to the user on the compass (ties by name), with
 * match_percentage = 100 × (1 − distance / (20√2)). 422 while the user has answered nothing.
 * One statement: the user's score sums and every party's sums.
 */
export async function matches(ctx: AppContext, userId: number): Promise<CompassMatch[]> {
  requireSelfOrAdmin(ctx, userId);
  const rows = await ctx.em.execute<(PartySumsRow & { user_id: string; ues: number; uec: number; uss: number; usc: number })[]>(
    `with p as (${PARTY_SUMS} group by p.id)
     select u.id as user_id, coalesce(s.economic_sum, 0) as ues, coalesce(s.economic_count, 0) as uec,
            coalesce(s.social_sum, 0) as uss, coalesce(s.social_count, 0) as usc, p.*
       from users u left join compass_user_scores s on s.user_id = u.id left join p on true
      where u.number = ? and u.deleted_at is null`,
    [validNumber(userId) ? userId : 0],
  );
  if (!rows.length) throw notFound('User not found');
  const u = rows[0];
  if (u.uec + u.usc === 0) throw badInput('Validation failed', { answers: 'Answer at least one question to get matches' });
  const ux = axis(u.ues, u.uec);
  const uy = axis(u.uss, u.usc);
  return rows
    .filter((r) => r.id !== null)
    .map((r) => {
      const x = axis(r.es, r.ec);
      const y = axis(r.ss, r.sc);
      return { r, x, y, d: Math.sqrt((x - ux) * (x - ux) + (y - uy) * (y - uy)), name: r.name };
    })
    .sort(byDistanceThenName)
    .slice(0, 3)
    .map((m) => ({
      party: partyOf(m.r),
      x: round2(m.x),
      y: round2(m.y),
      distance: round2(m.d),
      matchPercentage: round2(100 * (1 - m.d / MAX_DISTANCE)),
    }));
}

// -------------------------------------------------------------------------------------------------
// analytics

/**
 * Admin. One statement: totals, completion, the answer distribution per question, how many users have
 * each party as their nearest (ties by name, as in matches) and the mean position. "Users" are the
 * accounts that answer: not deleted and not party admins. Reads the per-user score sums, so its cost
 * grows with users, not with users × questions (except the distribution's one pass over answers).
 */
const ANALYTICS_SQL = `
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
  top_matches: (Omit<PartySumsRow, keyof SumsRow | 'total' | 'created_at' | 'updated_at'> & { created_at: string; updated_at: string; users: number })[];
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
    topMatches: row.top_matches.map((t) => ({
      party: partyOf({ ...t, created_at: new Date(t.created_at), updated_at: new Date(t.updated_at) } as unknown as PartySumsRow),
      users: t.users,
    })),
    meanPosition: { x: round2(row.mean_x), y: round2(row.mean_y) },
    generatedAt: new Date(),
  };
}
