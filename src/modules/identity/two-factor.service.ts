/** Two-factor authentication (TOTP): a pending secret, its activation by a code, and turning it off with the password. */
import type { AppContext } from '../../context/context';
import { badInput, DomainError } from '../../errors/domain-error';
import { verifyPassword } from '../../auth/password';
import { generateSecret, matchStep, otpauthUrl } from '../../auth/totp';
import { requireViewer } from '../../auth/guards';
import { User } from './user.entity';

export async function setupTwoFactor(ctx: AppContext): Promise<{ secret: string; otpauthUrl: string; qrCode: string }> {
  const user = requireViewer(ctx).user;
  const secret = generateSecret();
  const url = otpauthUrl(secret, user.email ?? user.username ?? user.id);
  await ctx.em.nativeUpdate(User, { id: user.id }, { totpPendingSecret: secret });
  user.totpPendingSecret = secret;
  // required on first use: most processes never set up two-factor, and loaded modules stay in memory
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point (see above)
  const QRCode = require('qrcode') as typeof import('qrcode');
  const qrCode = await QRCode.toDataURL(url, { type: 'image/png', margin: 1, width: 240 });
  return { secret, otpauthUrl: url, qrCode };
}

export async function activateTwoFactor(ctx: AppContext, code: string): Promise<boolean> {
  const user = requireViewer(ctx).user;
  const pending = user.totpPendingSecret;
  if (!pending) throw badInput('Two-factor setup has not been started', { code: 'call setupTwoFactor first' });
  const step = matchStep(pending, typeof code === 'string' ? code.trim() : '');
  if (step === undefined) throw badInput('Invalid two-factor code', { code: 'is invalid' });
  await ctx.em.nativeUpdate(User, { id: user.id }, { totpSecret: pending, totpPendingSecret: null, twoFactorEnabled: true, totpLastStep: String(step) });
  Object.assign(user, { totpSecret: pending, totpPendingSecret: null, twoFactorEnabled: true, totpLastStep: String(step) });
  return true;
}

export async function disableTwoFactor(ctx: AppContext, password: string): Promise<boolean> {
  const user = requireViewer(ctx).user;
  if (!(await verifyPassword(user.passwordHash, password ?? ''))) {
    throw new DomainError('UNAUTHENTICATED', 'Password is incorrect', { fields: { password: 'is incorrect' } });
  }
  await ctx.em.nativeUpdate(User, { id: user.id }, { totpSecret: null, totpPendingSecret: null, twoFactorEnabled: false, totpLastStep: null });
  Object.assign(user, { totpSecret: null, totpPendingSecret: null, twoFactorEnabled: false });
  return true;
}
