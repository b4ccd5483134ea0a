/** Self-service: a user's own settings, and deleting (anonymising) their own account. */
import type { AppContext } from '../../context/context';
import { SESSION_COOKIE, sessionCookieOptions } from '../../context/context';
import { conflict } from '../../errors/domain-error';
import { requireViewer } from '../../auth/guards';
import { runUserDeletionSteps } from './user-extensions';
import { unitOfWork } from '../../db/unit-of-work';
import { Role, User } from './user.entity';
import { checkLanguage, isLastActiveAdmin, publishUserChange, revokeSessions } from './identity.service';

export async function updateSettings(ctx: AppContext, language?: string | null, emailLanguage?: string | null): Promise<User> {
  const user = requireViewer(ctx).user;
  const lang = checkLanguage(language, 'language');
  const mailLang = checkLanguage(emailLanguage, 'emailLanguage');
  if (lang) user.language = lang;
  if (mailLang) user.emailLanguage = mailLang;
  await ctx.em.flush();
  return user;
}

/** Anonymises the account: events and ratings elsewhere stay, login becomes impossible. */
export async function deleteMyAccount(ctx: AppContext): Promise<boolean> {
  const viewer = requireViewer(ctx);
  const user = viewer.user;
  await unitOfWork(ctx, async (tx) => {
    const { em } = tx;
    if (await isLastActiveAdmin(em, user)) {
      throw conflict('The last admin cannot delete their account');
    }
    await runUserDeletionSteps(tx, user.id);
    await em.nativeUpdate(User, { id: user.id }, anonymised());
    await revokeSessions(ctx, em, user.id);
    publishUserChange(ctx, 'DELETED', user.id);
  });
  ctx.clearCookie(SESSION_COOKIE, sessionCookieOptions(ctx));
  return true;
}

function anonymised(): Partial<User> {
  return {
    name: 'Deleted User',
    username: null,
    email: null,
    passwordHash: null,
    tempPasswordHash: null,
    tempPasswordExpiresAt: null,
    totpSecret: null,
    totpPendingSecret: null,
    twoFactorEnabled: false,
    profileUrl: null,
    isActive: false,
    role: Role.USER,
    deletedAt: new Date(),
  };
}
