/**
 * Password resets (issue 11's limits): a single-use token mailed to an active account's address (a new
 * one ends the older ones) and, while it has none that is still valid, a temporary password for one
 * login that forces a change. Limited per client address and per email address, independent of the
 * login limit; never reveals whether an address has an account.
 */
import { createHash, randomBytes, randomInt } from 'node:crypto';
import type { AppContext } from '../../context/context';
import { badInput, DomainError } from '../../errors/domain-error';
import { hashPassword } from '../../auth/password';
import { unitOfWork } from '../../db/unit-of-work';
import { User } from './user.entity';
import { PasswordReset } from './password-reset.entity';
import { queueMail } from './mail.service';
import { checkPassword, EMAIL, revokeSessions } from './identity.service';
import { Application, enrollmentRule } from './enrollment';

const RESET_TOKEN_TTL_MS = 30 * 60 * 1000;
const TEMP_PASSWORD_TTL_MS = 24 * 60 * 60 * 1000;

function sha256(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function temporaryPassword(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  let out = '';
  for (let i = 0; i < 14; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

/**
 * Always succeeds (no account enumeration). For an active account it mails a single-use reset token
 * valid 30 minutes and a temporary password valid 24 hours for one login that forces a change.
 */
/** The window of the password-reset limits (RESET_MAX_PER_ADDRESS, RESET_MAX_PER_IP). */
const RESET_WINDOW_MS = 15 * 60 * 1000;

/**
 * Counts one attempt against a fixed window in `rate_limits` (the table the login limit uses, shared
 * by every instance); answers the count within the window and when it ends (ms).
 */
async function countInWindow(ctx: AppContext, key: string, windowMs: number): Promise<{ points: number; expire: number }> {
  const now = Date.now();
  const rows = await ctx.em.execute<{ points: number; expire: string | number }[]>(
    'insert into rate_limits as r (key, points, expire) values (?, 1, ?) on conflict (key) do update set ' +
      'points = case when r.expire is null or r.expire <= ? then 1 else r.points + 1 end, ' +
      'expire = case when r.expire is null or r.expire <= ? then ? else r.expire end returning points, expire',
    [key, now + windowMs, now, now, now + windowMs],
  );
  return { points: Number(rows[0].points), expire: Number(rows[0].expire) };
}

/**
 * Issue 11: a reset mails a single-use token (a new one invalidates the older ones) and, when the
 * account has no valid temporary password yet, a temporary password; a request while one is still
 * valid mails only the token and says the temporary password already sent still works, so repeated
 * requests cannot keep replacing it. Limits, independent of the login limit: RESET_MAX_PER_IP requests
 * per client address per 15 minutes (then 429), RESET_MAX_PER_ADDRESS mails per address per 15 minutes
 * (beyond it nothing is sent, and the answer is the same: no enumeration).
 */
export async function requestPasswordReset(ctx: AppContext, email: string, application?: Application | null): Promise<boolean> {
  // the application's own mail (conduct: a link to its reset page, no temporary password)
  const custom = application ? enrollmentRule(application).passwordReset : undefined;
  const perIp = await countInWindow(ctx, `reset:ip:${ctx.ip}`, RESET_WINDOW_MS);
  if (perIp.points > ctx.app.config.resetMaxPerIp) {
    const retryAfter = Math.max(1, Math.ceil((perIp.expire - Date.now()) / 1000));
    ctx.app.metrics?.countRateLimited('password_reset');
    ctx.log.warn({ ip: ctx.ip }, 'password reset refused: too many requests from this address');
    throw new DomainError('RATE_LIMITED', 'Too many password reset requests, try again later', { retryAfter });
  }
  const normalized = typeof email === 'string' ? email.trim().toLowerCase() : '';
  if (!EMAIL.test(normalized)) return true;
  const user = await ctx.em.findOne(User, { email: normalized, deletedAt: null });
  if (!user || !user.isActive) {
    await hashPassword('equalize-timing-' + normalized);
    return true;
  }
  const perAddress = await countInWindow(ctx, `reset:addr:${normalized}`, RESET_WINDOW_MS);
  if (perAddress.points > ctx.app.config.resetMaxPerAddress) return true;
  const token = randomBytes(32).toString('base64url');
  const tempStillValid =
    user.tempPasswordHash !== null && user.tempPasswordExpiresAt !== null && user.tempPasswordExpiresAt !== undefined && user.tempPasswordExpiresAt > new Date();
  const temp = tempStillValid || custom?.temporaryPassword === false ? null : temporaryPassword();
  const tempHash = temp ? await hashPassword(temp) : null;
  const expiresAt = new Date(Date.now() + RESET_TOKEN_TTL_MS);
  await unitOfWork(ctx, async ({ em }) => {
    // one live token per account: a new one ends the older ones
    await em.nativeUpdate(PasswordReset, { user: user.id, usedAt: null }, { usedAt: new Date() });
    em.persist(em.create(PasswordReset, { user: user.id, tokenHash: sha256(token), expiresAt }));
    if (tempHash) await em.nativeUpdate(User, { id: user.id }, { tempPasswordHash: tempHash, tempPasswordExpiresAt: new Date(Date.now() + TEMP_PASSWORD_TTL_MS) });
    if (custom) {
      queueMail(ctx, em, { to: normalized, ...custom.mail(ctx, { token, expiresAt, name: user.name }) });
      await em.flush();
      return;
    }
    queueMail(ctx, em, {
      to: normalized,
      subject: 'Password reset',
      text:
        `A password reset was requested for your account.\n\n` +
        `Reset token (valid 30 minutes, single use; it replaces any earlier token): ${token}\n` +
        (temp
          ? `Temporary password (valid 24 hours, one login, then you must choose a new password): ${temp}\n\n`
          : `The temporary password sent earlier still works until ${user.tempPasswordExpiresAt!.toISOString()} (one login); no new one was made.\n\n`) +
        `If you did not ask for this, ignore this message.`,
    });
    await em.flush();
  });
  return true;
}

/** What a reset token is now: valid (with its account's address and expiry) or why not. */
export interface PasswordResetStatus {
  valid: boolean;
  email: string | null;
  expiresAt: Date | null;
  /** why it is not valid: UNKNOWN, USED (or replaced by a newer one) or EXPIRED */
  reason: 'UNKNOWN' | 'USED' | 'EXPIRED' | null;
}

/**
 * Reads a reset token without using it (a reset page checks its link before asking for a password). An
 * account that is gone or inactive makes it unknown.
 */
export async function passwordResetStatus(ctx: AppContext, token: string): Promise<PasswordResetStatus> {
  const none = (reason: PasswordResetStatus['reason']): PasswordResetStatus => ({ valid: false, email: null, expiresAt: null, reason });
  if (typeof token !== 'string' || token === '' || token.length > 200) return none('UNKNOWN');
  const rows = await ctx.em.execute<{ email: string | null; expires_at: Date; used_at: Date | null }[]>(
    'select u.email, r.expires_at, r.used_at from password_resets r join users u on u.id = r.user_id ' + 'where r.token_hash = ? and u.deleted_at is null and u.is_active',
    [sha256(token)],
  );
  const row = rows[0];
  if (!row) return none('UNKNOWN');
  if (row.used_at) return none('USED');
  const expiresAt = new Date(row.expires_at);
  if (expiresAt.getTime() <= Date.now()) return none('EXPIRED');
  return { valid: true, email: row.email, expiresAt, reason: null };
}

export async function resetPassword(ctx: AppContext, token: string, newPassword: string): Promise<boolean> {
  checkPassword(newPassword, 'newPassword');
  const hash = await hashPassword(newPassword);
  const tokenHash = sha256(typeof token === 'string' ? token : '');
  await unitOfWork(ctx, async ({ em }) => {
    // Claim the token atomically so it works exactly once.
    const rows = await em.execute<{ user_id: string }[]>(
      'update password_resets set used_at = now() where token_hash = ? and used_at is null and expires_at > now() returning user_id',
      [tokenHash],
    );
    if (!rows.length) throw badInput('Invalid or expired reset token', { token: 'is invalid or expired' });
    const userId = rows[0].user_id;
    await em.nativeUpdate(User, { id: userId }, { passwordHash: hash, mustChangePassword: false, tempPasswordHash: null, tempPasswordExpiresAt: null });
    await revokeSessions(ctx, em, userId);
  });
  return true;
}
