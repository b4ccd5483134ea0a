/**
 * Compass's user use cases on top of the shared identity (compass.md "Users"): users addressed by their
 * integer number, self-or-admin reads and changes, the compass-only patient number (compass_profiles),
 * and the profile picture, which is the identity's avatar. Identity services are called with the unit of
 * work's context, so they join its transaction.
 *
 * The profile picture: `profileUrl` is an external URL; giving one (or null) replaces the stored picture,
 * whose bytes are removed. Uploading a picture clears `profileUrl`: the profile then shows the stored
 * picture (the REST surface builds its URL from `avatarFileId`).
 */
import type { FileUpload } from 'graphql-upload-minimal';
import type { AppContext } from '../../context/context';
import { DomainError, forbidden, notFound } from '../../errors/domain-error';
import { isAdmin, requireAdmin, requireViewer } from '../../auth/guards';
import { unitOfWork } from '../../db/unit-of-work';
import { Role, User } from '../identity/user.entity';
import { Session } from '../identity/session.entity';
import * as identity from '../identity/identity.service';
import { PICTURE_POLICY, pgUuidArray, Problems, readImage, requireSelfOrAdmin, storageField, trimmed, userByNumber } from './compass-common';
import type { CompassCreateUserInput, CompassUserUpdateInput } from './compass.inputs';

/** The caller's token: who it is and when its session expires. */
export async function tokenInfo(ctx: AppContext): Promise<{ userId: number; role: Role; expiresAt: Date }> {
  const viewer = requireViewer(ctx);
  const session = await ctx.em.findOne(Session, { id: viewer.sessionId });
  if (!session) throw new DomainError('UNAUTHENTICATED', 'Authentication required');
  return { userId: viewer.profile.number, role: viewer.role, expiresAt: session.expiresAt };
}

/** Self or admin. */
export async function getUser(ctx: AppContext, userNumber: number): Promise<User> {
  requireSelfOrAdmin(ctx, userNumber);
  return userByNumber(ctx.em, userNumber);
}

async function saveProfile(tx: AppContext, userUuid: string, patientNumber: number | null): Promise<void> {
  await tx.em.execute(
    'insert into compass_profiles (user_id, patient_number) values (?, ?) on conflict (user_id) do update set patient_number = excluded.patient_number',
    [userUuid, patientNumber],
  );
}

function checkPatientNumber(n: number | null | undefined): void {
  if (n !== undefined && n !== null && !(Number.isInteger(n) && n >= 0)) {
    throw new DomainError('BAD_USER_INPUT', 'Validation failed', { fields: { patientNumber: 'must be a whole number of 0 or more' } });
  }
}

/** Admins. The account and its compass profile in one unit of work. */
export async function createUser(ctx: AppContext, input: CompassCreateUserInput): Promise<User> {
  requireAdmin(ctx);
  checkPatientNumber(input.patientNumber);
  return unitOfWork(ctx, async (tx) => {
    const created = await identity.createUser(tx, {
      username: input.username,
      email: input.emailAddress,
      name: trimmed(input.username),
      password: input.password,
      role: input.role ?? Role.USER,
      profileUrl: input.profileUrl,
    });
    if (input.patientNumber !== undefined && input.patientNumber !== null) await saveProfile(tx, created.id, input.patientNumber);
    return created;
  });
}

/**
 * The user themselves or an admin; the fields given change. Only admins change roles. Giving a
 * profileUrl (or null) replaces the stored picture, whose bytes are removed. `replace` (admins: every
 * field at once) needs role, username and email address; the caller sends the optional ones as null.
 */
export async function updateUser(ctx: AppContext, userNumber: number, input: CompassUserUpdateInput, replace = false): Promise<User> {
  if (replace) requireAdmin(ctx);
  requireSelfOrAdmin(ctx, userNumber);
  const target = await userByNumber(ctx.em, userNumber);
  if (replace) {
    const p = new Problems();
    if (!input.role) p.add('role', 'is required');
    if (!trimmed(input.username)) p.add('username', 'is required');
    if (!trimmed(input.emailAddress)) p.add('emailAddress', 'is required');
    p.throwIfAny();
  }
  if (!isAdmin(ctx) && input.role !== undefined && input.role !== null && input.role !== target.role) {
    throw forbidden('Only admins can change roles');
  }
  checkPatientNumber(input.patientNumber);
  const patch = Object.fromEntries(
    Object.entries({ role: input.role ?? undefined, username: input.username, email: input.emailAddress, profileUrl: input.profileUrl }).filter(
      ([, v]) => v !== undefined,
    ),
  );
  return unitOfWork(ctx, async (tx) => {
    if (Object.keys(patch).length) await identity.updateUser(tx, target.id, patch, { allowSelf: true });
    if (input.patientNumber !== undefined) await saveProfile(tx, target.id, input.patientNumber);
    const fresh = await tx.em.findOneOrFail(User, { id: target.id }, { refresh: true });
    if (fresh.avatarFileId && input.profileUrl !== undefined) return identity.removeAvatar(tx, fresh.id);
    return fresh;
  });
}

/** Self with the old password (unless a change is forced), or an admin for anyone else (whose sessions then end). */
export async function changePassword(ctx: AppContext, userNumber: number, oldPassword: string | null | undefined, newPassword: string): Promise<boolean> {
  const viewer = requireViewer(ctx);
  requireSelfOrAdmin(ctx, userNumber);
  if (viewer.profile.number === userNumber) {
    if (!viewer.user.mustChangePassword && !oldPassword) {
      throw new DomainError('BAD_USER_INPUT', 'Validation failed', { fields: { oldPassword: 'is required' } });
    }
    return identity.changePassword(ctx, oldPassword, newPassword);
  }
  const target = await userByNumber(ctx.em, userNumber);
  await identity.updateUser(ctx, target.id, { password: newPassword });
  return true;
}

/** Admins. A hard delete: answers, profile, scores, memberships and sessions cascade; the picture's bytes go too. */
export async function deleteUser(ctx: AppContext, userNumber: number): Promise<boolean> {
  requireAdmin(ctx);
  const user = await userByNumber(ctx.em, userNumber);
  return identity.deleteUser(ctx, user.id);
}

/** Self or admin. The stored picture becomes the profile picture; the old picture's bytes are removed. */
export async function setUserPicture(ctx: AppContext, userNumber: number, upload: Promise<FileUpload> | null | undefined): Promise<User> {
  requireSelfOrAdmin(ctx, userNumber);
  const target = await userByNumber(ctx.em, userNumber);
  const bytes = await readImage(upload, PICTURE_POLICY, 'picture');
  return storageField('picture', () =>
    unitOfWork(ctx, async (tx) => {
      const updated = await identity.setAvatar(tx, target.id, bytes, PICTURE_POLICY);
      await tx.em.nativeUpdate(User, { id: updated.id }, { profileUrl: null });
      updated.profileUrl = null;
      return updated;
    }),
  );
}

/** The stored picture of a user: the user themselves or an admin (as the user object). */
export async function userPictureFile(ctx: AppContext, userNumber: number): Promise<{ id: string }> {
  const user = await getUser(ctx, userNumber);
  if (!user.avatarFileId) throw notFound('Picture not found');
  return { id: user.avatarFileId };
}

/** Loader batch: patient numbers of users by uuid. */
export async function patientNumbers(ctx: AppContext, userIds: readonly string[]): Promise<(number | null)[]> {
  const rows = await ctx.em.execute<{ user_id: string; patient_number: number | null }[]>(
    'select user_id, patient_number from compass_profiles where user_id in (select unnest(?::uuid[]))',
    [pgUuidArray(userIds)],
  );
  const map = new Map(rows.map((r) => [r.user_id, r.patient_number]));
  return userIds.map((id) => map.get(id) ?? null);
}
