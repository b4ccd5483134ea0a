/**
 * User administration by a global admin (ARCHITECTURE.md "Shared identity"): the user list, creating,
 * (de)activating, promoting, forcing a password change and deleting accounts, the development mail
 * outbox, and the bootstrap admin at start. Every operation checks `requireAdmin` first; the rules on
 * accounts themselves (validation, uniqueness, the last admin) are identity.service.ts's.
 */
import { LOCKS } from '../../db/locks';
import type { AppContext } from '../../context/context';
import { badInput, conflict } from '../../errors/domain-error';
import { hashPassword } from '../../auth/password';
import { requireAdmin } from '../../auth/guards';
import { runUserDeletionSteps } from './user-extensions';
import { unitOfWork } from '../../db/unit-of-work';
import { Role, User } from './user.entity';
import { MailMessage } from './mail-message.entity';
import { enrollFirstAdmin } from './enrollment';
import type { CreateUserInput, UserFilter } from './identity.inputs';
import { MAIL_OUTBOX_MAX, USERS_PAGE_MAX } from './list-sizes';
import {
  adminCount,
  assertUnique,
  createAccount,
  escapeLike,
  findUser,
  findUserByKey,
  isLastActiveAdmin,
  normalizeOptional,
  publishUserChange,
  revokeSessions,
  updateUser,
  UserKey,
} from './identity.service';

export async function listUsers(
  ctx: AppContext,
  filter: UserFilter | null | undefined,
  limit = 50,
  offset = 0,
): Promise<{ items: User[]; total: number; limit: number; offset: number }> {
  requireAdmin(ctx);
  if (!Number.isInteger(limit) || limit < 1 || limit > USERS_PAGE_MAX) {
    throw badInput(`limit must be from 1 to ${USERS_PAGE_MAX}`, { limit: `must be from 1 to ${USERS_PAGE_MAX}` });
  }
  if (!Number.isInteger(offset) || offset < 0) throw badInput('offset must be 0 or more', { offset: 'must be 0 or more' });
  const where: Record<string, unknown> = { deletedAt: null };
  if (filter?.role) where.role = filter.role;
  if (filter?.active !== undefined && filter?.active !== null) where.isActive = filter.active;
  const search = normalizeOptional(filter?.search);
  if (search) {
    const like = `%${escapeLike(search)}%`;
    where.$or = [{ username: { $ilike: like } }, { email: { $ilike: like } }, { name: { $ilike: like } }];
  }
  const username = normalizeOptional(filter?.username);
  if (username) where.username = { $ilike: `%${escapeLike(username)}%` };
  const [items, total] = await ctx.em.findAndCount(User, where as never, { limit, offset, orderBy: { createdAt: 'asc', number: 'asc' } });
  return { items, total, limit, offset };
}

export async function createUser(ctx: AppContext, input: CreateUserInput): Promise<User> {
  requireAdmin(ctx);
  return createAccount(ctx, input);
}

export async function setUserActive(ctx: AppContext, id: string, active: boolean): Promise<User> {
  requireAdmin(ctx);
  return unitOfWork(ctx, async ({ em }) => {
    const user = await findUser(em, id);
    if (!active && (await isLastActiveAdmin(em, user))) throw conflict('The last admin cannot be deactivated');
    user.isActive = active;
    if (!active) await revokeSessions(ctx, em, user.id);
    await em.flush();
    publishUserChange(ctx, 'UPDATED', user.id);
    return user;
  });
}

export async function setUserRole(ctx: AppContext, id: string, role: Role): Promise<User> {
  requireAdmin(ctx);
  return updateUser(ctx, { id }, { role });
}

/** `mustChange` false clears the flag (cakeplanner.md "force-password-change" takes both). */
export async function forcePasswordChange(ctx: AppContext, id: string, mustChange = true): Promise<User> {
  requireAdmin(ctx);
  return unitOfWork(ctx, async ({ em }) => {
    const user = await findUser(em, id);
    user.mustChangePassword = mustChange;
    await em.flush();
    publishUserChange(ctx, 'UPDATED', user.id);
    return user;
  });
}

/** Hard delete; memberships and owned rows cascade. An admin cannot delete the last admin. */
export async function deleteUser(ctx: AppContext, key: UserKey): Promise<boolean> {
  requireAdmin(ctx);
  await unitOfWork(ctx, async (tx) => {
    const { em } = tx;
    const user = await findUserByKey(em, key);
    const id = user.id;
    if (await isLastActiveAdmin(em, user)) throw conflict('The last admin cannot be deleted');
    const fileId = user.avatarFileId;
    ctx.publish('identity.sessionRevoked', { userId: id, sessionIds: null });
    await runUserDeletionSteps(tx, id);
    await em.nativeDelete(User, { id });
    if (fileId) await ctx.app.storage.remove(em, fileId);
    publishUserChange(ctx, 'DELETED', id);
  });
  return true;
}

export async function mailOutbox(ctx: AppContext, to?: string | null): Promise<MailMessage[]> {
  requireAdmin(ctx);
  if (ctx.app.config.isProduction) return [];
  const where = to ? { to: to.trim().toLowerCase() } : {};
  return ctx.em.find(MailMessage, where, { orderBy: { createdAt: 'desc' }, limit: MAIL_OUTBOX_MAX });
}

/** Bootstrap (ARCHITECTURE.md): with ADMIN_PASSWORD set and no admin yet, create one at start. */
export async function bootstrapAdmin(ctx: AppContext): Promise<User | undefined> {
  const { adminPassword, adminUsername, adminEmail } = ctx.app.config;
  if (!adminPassword) return undefined;
  const em = ctx.em;
  if ((await adminCount(em)) > 0) return undefined;
  const hash = await hashPassword(adminPassword);
  return unitOfWork(ctx, async ({ em: tx }) => {
    await tx.execute('select pg_advisory_xact_lock(?)', [LOCKS.firstUser]);
    if ((await adminCount(tx)) > 0) return undefined;
    await assertUnique(tx, adminUsername, adminEmail?.toLowerCase() ?? null);
    const user = tx.create(User, { username: adminUsername, email: adminEmail?.toLowerCase() ?? null, name: adminUsername, passwordHash: hash, role: Role.ADMIN });
    tx.persist(user);
    await tx.flush();
    await enrollFirstAdmin(tx, user);
    return user;
  });
}
