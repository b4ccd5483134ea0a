/**
 * The shared identity: registration, login, sessions, passwords and the rules on accounts (password
 * resets, two-factor, self-service and avatars are services of their own beside it, re-exported here;
 * a global admin's operations on accounts are user-admin.service.ts).
 * Every rule and every authorization check lives here, so REST, GraphQL and ws behave alike.
 */
import { LOCKS } from '../../db/locks';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { AppContext } from '../../context/context';
import { makeViewer, SESSION_COOKIE, sessionCookieOptions } from '../../context/context';
import { userFromRow } from './user-row';
import { badInput, conflict, DomainError, forbidden, notFound, unauthenticated } from '../../errors/domain-error';
import { hashPassword, PASSWORD_MIN_LENGTH, verifyPassword } from '../../auth/password';
import { matchStep } from '../../auth/totp';
import { signToken } from '../../auth/tokens';
import { isAdmin, requireViewer } from '../../auth/guards';
import type { Viewer } from '../../context/context';
import { Role, User } from './user.entity';
import { Session } from './session.entity';
import { unitOfWork } from '../../db/unit-of-work';
import { Application, applicationPasswordProblem, enrollFirstAdmin, registrationOptions } from './enrollment';
import { enforceEnrollment } from '../../auth/access';
import { MEMBERSHIPS } from '../../auth/auth-store';
import { writeUserExtensions } from './user-extensions';
import type { CreateUserInput, LoginInput, RegisterInput, UpdateUserInput } from './identity.inputs';

// No whitespace or control characters (PostgreSQL text cannot hold NUL: such input is refused, not a 500).
export const EMAIL = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;
const USERNAME = /^[\p{L}\p{N}_.@+-]{1,100}$/u;
const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z]{2,4})?$/;

export interface LoginResult {
  token: string | null;
  user: User | null;
  requiresTwoFactor: boolean;
  expiresAt: Date | null;
}

// ---------------------------------------------------------------------------------------------
// validation helpers

export function normalizeOptional(v: string | null | undefined): string | null {
  if (v === undefined || v === null) return null;
  const t = v.trim();
  return t === '' ? null : t;
}

export function checkPassword(password: unknown, field = 'password'): string {
  if (typeof password !== 'string' || password.length < PASSWORD_MIN_LENGTH) {
    throw badInput(`Password must be at least ${PASSWORD_MIN_LENGTH} characters long`, {
      [field]: `must be at least ${PASSWORD_MIN_LENGTH} characters long`,
    });
  }
  if (password.length > 1024) throw badInput('Password is too long', { [field]: 'is too long' });
  return password;
}

function checkEmail(email: string | null): string | null {
  if (email !== null && (!EMAIL.test(email) || email.length > 254)) {
    throw badInput('Invalid email address', { email: 'must be a valid email address' });
  }
  return email;
}

function checkUsername(username: string | null): string | null {
  if (username !== null && !USERNAME.test(username)) {
    throw badInput('Invalid username', { username: 'must be 1 to 100 letters, digits or _ . @ + -' });
  }
  return username;
}

/** A stored profile URL is shown to other people as a link: http and https only (no `javascript:`, `data:`…). */
function checkProfileUrl(url: string | null): string | null {
  if (url === null) return url;
  if (url.length > 1000) throw badInput('Profile URL is too long', { profileUrl: 'must be at most 1000 characters' });
  // the same answer as PostgreSQL's refusal would give (errors/translate.ts)
  if (url.includes('\u0000')) throw badInput('Text must not contain NUL characters');
  if (!isWebUrl(url)) throw badInput('Profile URL must be an http or https URL', { profileUrl: 'must be an http or https URL' });
  return url;
}

export function isWebUrl(value: string): boolean {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

export function checkLanguage(lang: string | null | undefined, field: string): string | undefined {
  if (lang === undefined || lang === null) return undefined;
  if (!LANGUAGE.test(lang)) throw badInput(`Invalid ${field}`, { [field]: 'must be a language code such as en or de' });
  return lang;
}

export async function assertUnique(em: EntityManager, username: string | null, email: string | null, exceptId?: string): Promise<void> {
  if (username !== null) {
    const rows = await em.execute<{ id: string }[]>('select id from users where lower(username) = lower(?) limit 1', [username]);
    if (rows.length && rows[0].id !== exceptId) throw conflict('Username already exists', { username: 'is already taken' });
  }
  if (email !== null) {
    const rows = await em.execute<{ id: string }[]>('select id from users where lower(email) = lower(?) limit 1', [email]);
    if (rows.length && rows[0].id !== exceptId) throw conflict('Email already exists', { email: 'is already registered' });
  }
}

/** A unique violation that slipped past assertUnique (a concurrent insert) becomes the same CONFLICT. */
function uniqueToConflict(err: unknown): never {
  if (err instanceof UniqueConstraintViolationException) {
    const c = (err as { constraint?: string }).constraint ?? err.message;
    if (String(c).includes('email')) throw conflict('Email already exists', { email: 'is already registered' });
    throw conflict('Username already exists', { username: 'is already taken' });
  }
  throw err;
}

export async function findUser(em: EntityManager, id: string): Promise<User> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) throw notFound('User not found');
  const user = await em.findOne(User, { id, deletedAt: null });
  if (!user) throw notFound('User not found');
  return user;
}

/**
 * How an operation names one user: by `id` (the uuid) or by `number` (the serial integer, compass's
 * `user_id`), exactly one of them.
 */
export interface UserKey {
  id?: string | null;
  number?: number | null;
}

export function userKey(id: string | null | undefined, number: number | null | undefined, argNames = ['id', 'number']): UserKey {
  const hasId = id !== undefined && id !== null;
  const hasNumber = number !== undefined && number !== null;
  if (hasId === hasNumber) throw badInput(`Give either ${argNames[0]} or ${argNames[1]}`, { [argNames[0]]: `give either ${argNames[0]} or ${argNames[1]}` });
  return hasId ? { id } : { number };
}

/** The user a key names (not deleted), else NOT_FOUND. */
export async function findUserByKey(em: EntityManager, key: UserKey): Promise<User> {
  if (key.id !== undefined && key.id !== null) return findUser(em, key.id);
  const n = key.number;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 2147483647) throw notFound('User not found');
  const user = await em.findOne(User, { number: n, deletedAt: null });
  if (!user) throw notFound('User not found');
  return user;
}

function isSelf(viewer: Viewer, key: UserKey): boolean {
  return key.id !== undefined && key.id !== null ? key.id === viewer.id : key.number === viewer.number;
}

/**
 * The row rule of a user's own things (reading the account, changing it, its picture, its answers):
 * the user themselves or an admin. Another user gets FORBIDDEN whether or not the named user exists
 * (no enumeration).
 */
export function requireSelfOrAdmin(ctx: AppContext, key: UserKey): Viewer {
  const viewer = requireViewer(ctx);
  if (!isSelf(viewer, key) && !isAdmin(ctx)) throw forbidden('Access denied');
  return viewer;
}

export async function adminCount(em: EntityManager): Promise<number> {
  return em.count(User, { role: Role.ADMIN, deletedAt: null });
}

/** Admins who can still sign in: an inactive admin does not keep the platform administrable. */
async function activeAdminCount(em: EntityManager): Promise<number> {
  return em.count(User, { role: Role.ADMIN, isActive: true, deletedAt: null });
}

/** Whether removing `user`'s admin power (demotion, deactivation, deletion) would leave no active admin. */
/**
 * Whether taking this user away would leave no active admin. Called inside the transaction that would
 * do it; the advisory lock serialises such transactions, so two admins cannot remove each other at once.
 */
export async function isLastActiveAdmin(em: EntityManager, user: User): Promise<boolean> {
  if (user.role !== Role.ADMIN || !user.isActive) return false;
  await em.execute('select pg_advisory_xact_lock(?)', [LOCKS.lastAdmin]);
  return (await activeAdminCount(em)) <= 1;
}

export function publishUserChange(ctx: AppContext, kind: 'CREATED' | 'UPDATED' | 'DELETED', userId: string): void {
  ctx.publish('identity.userChanged', { kind, userId });
}

export function revokeSessions(ctx: AppContext, em: EntityManager, userId: string, exceptSessionId?: string): Promise<number> {
  const where: Record<string, unknown> = { user: userId, revokedAt: null };
  if (exceptSessionId) where.id = { $ne: exceptSessionId };
  ctx.publish('identity.sessionRevoked', { userId, sessionIds: null });
  return em.nativeUpdate(Session, where, { revokedAt: new Date() });
}

// ---------------------------------------------------------------------------------------------
// registration and login

/**
 * ARCHITECTURE.md / conduct.md: the first user ever becomes ADMIN unless an admin was bootstrapped.
 * The application the user registers through decides the rest (its enrollment rule: enrollment.ts).
 */
export async function register(ctx: AppContext, input: RegisterInput, application?: Application | null): Promise<User> {
  const opts = registrationOptions(ctx, application);
  const username = checkUsername(normalizeOptional(input.username));
  const email = checkEmail(normalizeOptional(input.email)?.toLowerCase() ?? null);
  if (username === null && email === null) {
    throw badInput('A username or an email is required', { username: 'username or email is required' });
  }
  const password = checkPassword(input.password);
  const problem = applicationPasswordProblem(application, password);
  if (problem) throw badInput(problem, { password: problem });
  const language = checkLanguage(normalizeOptional(input.language), 'language');
  const name = (normalizeOptional(input.name) ?? username ?? email ?? '').slice(0, 200);
  const passwordHash = await hashPassword(password);
  try {
    const user = await unitOfWork(ctx, async (tx) => {
      const { em } = tx;
      // One registration at a time decides who is first.
      await em.execute('select pg_advisory_xact_lock(?)', [LOCKS.firstUser]);
      await assertUnique(em, username, email);
      const first = (await em.count(User, {})) === 0;
      const user = em.create(User, {
        username,
        email,
        name,
        passwordHash,
        role: first ? Role.ADMIN : Role.USER,
        isActive: first ? true : (opts.active ?? true),
        language: language ?? 'en',
        emailLanguage: language ?? 'en',
      });
      em.persist(user);
      await em.flush();
      if (first) await enrollFirstAdmin(em, user);
      if (opts.onCreated) await opts.onCreated(em, user);
      // the applications' steps at sign-up (conduct's invite code), in the same transaction
      await writeUserExtensions(tx, user, input, 'register');
      publishUserChange(ctx, 'CREATED', user.id);
      return user;
    });
    return user;
  } catch (err) {
    return uniqueToConflict(err);
  }
}

/**
 * Whether an address can register (no account has it, any case): a sign-up form's check. A malformed
 * address is BAD_USER_INPUT.
 */
export async function emailAvailable(ctx: AppContext, email: string): Promise<boolean> {
  const normalized = checkEmail(normalizeOptional(email)?.toLowerCase() ?? null);
  if (normalized === null) throw badInput('An email is required', { email: 'is required' });
  const rows = await ctx.em.execute<{ id: string }[]>('select id from users where lower(email) = lower(?) limit 1', [normalized]);
  return rows.length === 0;
}

/** Whether no account exists yet: the next registration becomes the platform's ADMIN (conduct.md "firstUserNeeded"). */
export async function firstUserNeeded(ctx: AppContext): Promise<boolean> {
  const rows = await ctx.em.execute<{ any: boolean }[]>('select exists (select 1 from users) as any');
  return !rows[0]?.any;
}

/** The account a login names (username or email, case-insensitively), through the lower() indexes. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => '\\' + c);
}

/**
 * A login, logged and counted (issue 15): a failure is a `login failed` warning with the client's
 * address and, when the login named an account, its id (never what was typed: a password typed into
 * the login field would land in the log); a refusal by the rate limit is `login refused: too many
 * attempts`. Metrics: interchange_login_attempts_total{outcome}, interchange_rate_limited_total{limit="login"}.
 */
export async function login(ctx: AppContext, input: LoginInput): Promise<LoginResult> {
  const attempt: { userId?: string } = {};
  try {
    const result = await attemptLogin(ctx, input, attempt);
    if (result.requiresTwoFactor) {
      ctx.app.metrics?.countLogin('second_factor');
      ctx.log.info({ userId: attempt.userId, ip: ctx.ip }, 'login: password accepted, two-factor code required');
    } else {
      ctx.app.metrics?.countLogin('ok');
      ctx.log.info({ userId: attempt.userId, ip: ctx.ip }, 'login succeeded');
      if (ctx.observed && attempt.userId) ctx.observed.userId = attempt.userId;
    }
    return result;
  } catch (err) {
    const code = err instanceof DomainError ? err.code : undefined;
    if (code === 'RATE_LIMITED') {
      ctx.app.metrics?.countRateLimited('login');
      ctx.log.warn({ ip: ctx.ip }, 'login refused: too many attempts');
    } else if (code === 'UNAUTHENTICATED' || code === 'FORBIDDEN' || code === 'BAD_USER_INPUT') {
      ctx.app.metrics?.countLogin('failed');
      ctx.log.warn({ ip: ctx.ip, ...(attempt.userId ? { userId: attempt.userId } : {}), reason: (err as DomainError).message }, 'login failed');
    }
    throw err;
  }
}

/**
 * Wrong credentials give the same UNAUTHENTICATED error whether or not the account exists; an inactive
 * account is refused with FORBIDDEN only after its password checked. Each attempt counts against the
 * per-IP limit (shared across REST, GraphQL and instances).
 */
async function attemptLogin(ctx: AppContext, input: LoginInput, attempt: { userId?: string }): Promise<LoginResult> {
  // A login with a NUL character names no account (and PostgreSQL text cannot hold it); it still counts.
  const named = typeof input.login === 'string' && input.login.trim() !== '' && !input.login.includes('\u0000');
  // Counted and looked up in one statement, before anything else can refuse (auth-store).
  const row = await ctx.app.auth.loginAttempt(ctx.ip, named ? input.login : undefined);
  attempt.userId = row?.id;
  if (!named || typeof input.password !== 'string') throw unauthenticated('Invalid credentials');
  const user = row ? userFromRow(ctx.app.orm, row) : undefined;
  let usedTemporary = false;
  let ok = await verifyPassword(user?.passwordHash, input.password);
  if (!ok && user?.tempPasswordHash && user.tempPasswordExpiresAt && user.tempPasswordExpiresAt.getTime() > Date.now()) {
    ok = await verifyPassword(user.tempPasswordHash, input.password);
    usedTemporary = ok;
  }
  if (!user || !row || !ok) throw unauthenticated('Invalid credentials');
  if (!user.isActive) throw forbidden('Account is inactive');
  // signing in through an application: its enrollment rule (cakeplanner: activated there)
  if (input.application) enforceEnrollment({ role: user.role, membership: (a) => row[MEMBERSHIPS]?.find((m) => m.application === a) }, input.application);

  if (user.twoFactorEnabled && user.totpSecret) {
    const code = normalizeOptional(input.code);
    if (!code) return { token: null, user: null, requiresTwoFactor: true, expiresAt: null };
    const step = matchStep(user.totpSecret, code);
    if (step === undefined) throw unauthenticated('Invalid two-factor code');
    // Claim the time step atomically: a code works once, even for concurrent logins.
    const claimed = await ctx.em.nativeUpdate(User, { id: user.id, $or: [{ totpLastStep: null }, { totpLastStep: { $lt: String(step) } }] }, { totpLastStep: String(step) });
    if (!claimed) throw unauthenticated('Invalid two-factor code');
  }
  if (usedTemporary) {
    // A temporary password is good for one login (claimed atomically); it forces a password change.
    const claimed = await ctx.em.nativeUpdate(
      User,
      { id: user.id, tempPasswordHash: user.tempPasswordHash },
      { tempPasswordHash: null, tempPasswordExpiresAt: null, mustChangePassword: true },
    );
    if (!claimed) throw unauthenticated('Invalid credentials');
    user.mustChangePassword = true;
    row.must_change_password = true;
    row.temp_password_hash = null;
    row.temp_password_expires_at = null;
  }
  // One INSERT, no unit of work: a login is argon2 plus two prepared statements.
  const expiresAt = new Date(Date.now() + ctx.app.config.sessionTtlSeconds * 1000);
  const sessionId = randomUUID();
  await ctx.app.auth.insertSession({
    id: sessionId,
    userId: user.id,
    expiresAt,
    ip: ctx.ip.slice(0, 64),
    userAgent: ctx.userAgent?.slice(0, 512) ?? null,
  });
  const token = signToken(ctx.app.config, user.id, sessionId, expiresAt);
  ctx.setCookie(SESSION_COOKIE, token, { ...sessionCookieOptions(ctx), expires: expiresAt });
  ctx.viewer = makeViewer(ctx.app, () => ctx.em, row, sessionId, user);
  return { token, user: ctx.viewer.profile, requiresTwoFactor: false, expiresAt };
}

export async function logout(ctx: AppContext): Promise<boolean> {
  const viewer = requireViewer(ctx);
  await unitOfWork(ctx, async (tx) => {
    await tx.em.nativeUpdate(Session, { id: viewer.sessionId }, { revokedAt: new Date() });
    tx.publish('identity.sessionRevoked', { userId: viewer.id, sessionIds: [viewer.sessionId] });
  });
  ctx.clearCookie(SESSION_COOKIE, sessionCookieOptions(ctx));
  return true;
}

/** When the user last logged in: the start of their newest session (null before any login). */
export function lastLoginAt(ctx: AppContext, userId: string): Promise<Date | null> {
  return ctx
    .loader<string, Date | null>('identity.lastLoginAt', async (ids) => {
      const rows = await ctx.em.execute<{ user_id: string; at: Date }[]>('select user_id, max(created_at) as at from sessions where user_id in (?) group by user_id', [
        ids as string[],
      ]);
      const byUser = new Map(rows.map((r) => [r.user_id, new Date(r.at)]));
      return ids.map((id) => byUser.get(id) ?? null);
    })
    .load(userId);
}

export function me(ctx: AppContext): User {
  return requireViewer(ctx).profile;
}

/**
 * A signed-in user sets their own new password (no key, or their own); an old password, when given, must
 * match. Cake Planner's original backend and frontend change it on the session alone (issue 9: its client
 * sends `{newPassword}` only); surfaces whose contract requires the old password (compass) check its
 * presence themselves. The user's other sessions end. An admin sets another user's password without the
 * old one, and all of that user's sessions end; anyone else gets FORBIDDEN.
 */
export async function changePassword(ctx: AppContext, key: UserKey | undefined, oldPassword: string | null | undefined, newPassword: string): Promise<boolean> {
  const viewer = key ? requireSelfOrAdmin(ctx, key) : requireViewer(ctx);
  if (key && !isSelf(viewer, key)) {
    checkPassword(newPassword, 'newPassword');
    const target = await findUserByKey(ctx.em, key);
    await updateUser(ctx, { id: target.id }, { password: newPassword });
    return true;
  }
  const user = viewer.user;
  checkPassword(newPassword, 'newPassword');
  if (oldPassword !== undefined && oldPassword !== null && oldPassword !== '') {
    if (!(await verifyPassword(user.passwordHash, oldPassword))) {
      throw new DomainError('UNAUTHENTICATED', 'Old password is incorrect', { fields: { oldPassword: 'is incorrect' } });
    }
  }
  const hash = await hashPassword(newPassword);
  await unitOfWork(ctx, async ({ em }) => {
    await em.nativeUpdate(User, { id: user.id }, { passwordHash: hash, mustChangePassword: false, tempPasswordHash: null, tempPasswordExpiresAt: null });
    await revokeSessions(ctx, em, user.id, viewer.sessionId);
  });
  user.passwordHash = hash;
  user.mustChangePassword = false;
  return true;
}

// Password resets (src/modules/identity/password-reset.service.ts) and two-factor
// (two-factor.service.ts) are services of their own; identity's callers reach them here.
export { passwordResetStatus, requestPasswordReset, resetPassword } from './password-reset.service';
export { activateTwoFactor, disableTwoFactor, setupTwoFactor } from './two-factor.service';

// Self-service (account.service.ts) and avatars (avatar.service.ts) are services of their own;
// identity's callers reach them here.
export { deleteMyAccount, updateSettings } from './account.service';
export { AVATAR_POLICY, avatarFile, removeAvatar, setAvatar } from './avatar.service';

// ---------------------------------------------------------------------------------------------
// administration

/** The user themselves or an admin. */
export async function getUser(ctx: AppContext, key: UserKey): Promise<User> {
  requireSelfOrAdmin(ctx, key);
  return findUserByKey(ctx.em, key);
}

/** The session of the request's token. */
export async function currentSession(ctx: AppContext): Promise<{ id: string; createdAt: Date; expiresAt: Date }> {
  const viewer = requireViewer(ctx);
  const session = await ctx.em.findOne(Session, { id: viewer.sessionId });
  if (!session) throw unauthenticated();
  return { id: session.id, createdAt: session.createdAt, expiresAt: session.expiresAt };
}

/**
 * Creates an account (the caller has checked who may): validation, uniqueness, the applications'
 * attributes (user-extensions.ts) and `onCreated` (an application's enrollment: coparent's household)
 * in one unit of work. The global role stays USER unless the input asks for another and the viewer
 * is a global admin.
 */
export async function createAccount(ctx: AppContext, input: CreateUserInput, onCreated?: (tx: AppContext, user: User) => Promise<void>): Promise<User> {
  const username = checkUsername(normalizeOptional(input.username));
  const email = checkEmail(normalizeOptional(input.email)?.toLowerCase() ?? null);
  if (username === null && email === null) throw badInput('A username or an email is required', { username: 'username or email is required' });
  const password = checkPassword(input.password);
  const passwordHash = await hashPassword(password);
  try {
    return await unitOfWork(ctx, async (tx) => {
      const { em } = tx;
      await assertUnique(em, username, email);
      const user = em.create(User, {
        username,
        email,
        name: (normalizeOptional(input.name) ?? username ?? email ?? '').slice(0, 200),
        passwordHash,
        role: isAdmin(ctx) ? (input.role ?? Role.USER) : Role.USER,
        isActive: input.isActive ?? true,
        profileUrl: checkProfileUrl(normalizeOptional(input.profileUrl)),
      });
      em.persist(user);
      await em.flush();
      await writeUserExtensions(tx, user, input, 'create');
      if (onCreated) await onCreated(tx, user);
      publishUserChange(ctx, 'CREATED', user.id);
      return user;
    });
  } catch (err) {
    return uniqueToConflict(err);
  }
}

/**
 * The user themselves or an admin (compass.md: "own profile or admin"); only admins change roles and set
 * passwords here (a user changes their own with `changePassword`, which checks the old one). Fields left
 * out stay as they are; a password change ends the user's sessions; the last admin keeps the role. The
 * profile picture is the stored avatar or the external `profileUrl`: giving a profileUrl (or null) removes
 * the stored picture. Applications' own attributes (user-extensions.ts) are written in the same unit.
 */
export async function updateUser(ctx: AppContext, key: UserKey, input: UpdateUserInput): Promise<User> {
  const viewer = requireSelfOrAdmin(ctx, key);
  if (!isAdmin(ctx)) {
    if (input.role !== undefined && input.role !== null && input.role !== viewer.role) throw forbidden('Only admins can change roles');
    if (input.password !== undefined && input.password !== null) throw forbidden('Only admins set passwords here; use changePassword');
  }
  const keys = Object.entries(input).filter(([, v]) => v !== undefined);
  if (keys.length === 0) throw badInput('Nothing to update');
  const passwordHash = input.password !== undefined && input.password !== null ? await hashPassword(checkPassword(input.password)) : undefined;
  try {
    return await unitOfWork(ctx, async (tx) => {
      const { em } = tx;
      const user = await findUserByKey(em, key);
      const username = input.username !== undefined ? checkUsername(normalizeOptional(input.username)) : (user.username ?? null);
      const email = input.email !== undefined ? checkEmail(normalizeOptional(input.email)?.toLowerCase() ?? null) : (user.email ?? null);
      if (username === null && email === null) throw badInput('A username or an email is required', { username: 'username or email is required' });
      await assertUnique(em, input.username !== undefined ? username : null, input.email !== undefined ? email : null, user.id);
      user.username = username;
      user.email = email;
      if (input.name !== undefined && input.name !== null) user.name = input.name.trim().slice(0, 200);
      if (input.language !== undefined && input.language !== null) user.language = checkLanguage(input.language, 'language')!;
      if (input.profileUrl !== undefined) user.profileUrl = checkProfileUrl(normalizeOptional(input.profileUrl));
      if (input.role !== undefined && input.role !== null && input.role !== user.role) {
        if (await isLastActiveAdmin(em, user)) throw conflict('The last admin cannot lose the admin role');
        user.role = input.role;
      }
      if (passwordHash) {
        user.passwordHash = passwordHash;
        await revokeSessions(ctx, em, user.id);
      }
      const droppedPicture = input.profileUrl !== undefined ? user.avatarFileId : null;
      if (droppedPicture) user.avatarFileId = null;
      await em.flush();
      if (droppedPicture) await ctx.app.storage.remove(em, droppedPicture);
      await writeUserExtensions(tx, user, input, 'update');
      publishUserChange(ctx, 'UPDATED', user.id);
      return user;
    });
  } catch (err) {
    return uniqueToConflict(err);
  }
}
