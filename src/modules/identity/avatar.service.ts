/** Avatars (profile pictures), kept in file storage. */
import type { AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { unitOfWork } from '../../db/unit-of-work';
import { IMAGE_TYPES, StoragePolicy, storageField } from '../../storage/storage';
import type { User } from './user.entity';
import { findUser, findUserByKey, publishUserChange, requireSelfOrAdmin, UserKey } from './identity.service';

export const AVATAR_POLICY = { purpose: 'avatar', maxBytes: 2 * 1024 * 1024, accept: IMAGE_TYPES };

/**
 * Self or admin. The stored picture becomes the profile picture: the external `profileUrl` is cleared, and
 * the old picture's bytes are removed in the same transaction. Refusals of the file name the `file`
 * argument.
 */
export async function setAvatar(ctx: AppContext, key: UserKey, bytes: Buffer, policy: StoragePolicy = AVATAR_POLICY): Promise<User> {
  requireSelfOrAdmin(ctx, key);
  return storageField('file', () =>
    unitOfWork(ctx, async ({ em }) => {
      const user = await findUserByKey(em, key);
      const stored = await ctx.app.storage.put(em, bytes, policy);
      const old = user.avatarFileId;
      user.avatarFileId = stored.id;
      user.profileUrl = null;
      await em.flush();
      if (old) await ctx.app.storage.remove(em, old);
      publishUserChange(ctx, 'UPDATED', user.id);
      return user;
    }),
  );
}

export async function removeAvatar(ctx: AppContext, userId: string): Promise<User> {
  requireSelfOrAdmin(ctx, { id: userId });
  return unitOfWork(ctx, async ({ em }) => {
    const user = await findUser(em, userId);
    const old = user.avatarFileId;
    user.avatarFileId = null;
    await em.flush();
    if (old) await ctx.app.storage.remove(em, old);
    publishUserChange(ctx, 'UPDATED', user.id);
    return user;
  });
}

/** The stored avatar of a user, for a download route; any signed-in user may see avatars. */
export async function avatarFile(ctx: AppContext, userId: string): Promise<{ id: string } | null> {
  requireViewer(ctx);
  const user = await findUser(ctx.em, userId);
  return user.avatarFileId ? { id: user.avatarFileId } : null;
}
