/**
 * The signed-in user (conduct-core.md "Users"): profile, password, my events and leaving one, avatars,
 * notification settings, whether mail is on. Profile, password and the avatar's bytes run identity's
 * operations; conduct's rules (the strong password, PNG/JPEG… ≤ 2 MB avatars) are checked here and there.
 */
import type { RestRoute, RouteRequest } from '../engine/types';
import { RestInputError } from '../engine/types';
import type {
  ConductEmailEnabledQuery,
  ConductMyEventsQuery,
  ConductNotificationSettingsQuery,
  ConductUpdateNotificationSettingsMutation,
  ConductUpdateProfileMutation,
  ConductUploadAvatarMutation,
  ConductUserAvatarQuery,
} from '../../generated/graphql';
import { AVATAR_POLICY } from '../../modules/identity/avatar.service';
import { NOTIFICATION_FLAGS } from '../../modules/conduct/notification-settings.entity';
import { paths, route } from './kit';
import { avatarUrl, roleNames } from './legacy';
import { body, checkEmail, checkStrongPassword, refuse, requireFields } from './request';

const MESSAGES = {
  profileUpdated: 'Profile updated successfully!',
  profileEmpty: 'Name or email is required.',
  emailTaken: 'Email is already in use by another account.',
  passwordChanged: 'Password updated successfully!',
  passwordRequired: 'Current password and new password are required.',
  wrongPassword: 'Current password is incorrect.',
  left: 'Successfully left the event.',
  avatarNone: 'No avatar found.',
  avatarNotOwn: 'You can only change your own avatar.',
  settingsEmpty: 'No valid notification settings given.',
};

/** The caller's own user id (the declaration has answered 401 before variables are read). */
function me(r: RouteRequest): string {
  return r.viewer!.id;
}

/** A route naming a user that must be the caller (avatars): 403 for another user. */
function own(r: RouteRequest): string {
  if (r.params.userId !== r.viewer?.id) throw new RestInputError(MESSAGES.avatarNotOwn, 'FORBIDDEN');
  return r.params.userId;
}

/** The notification flags of a body: known keys only, each a boolean (else 400). */
function flagsOf(r: RouteRequest): Record<string, boolean> {
  const b = body(r);
  const out: Record<string, boolean> = {};
  for (const flag of NOTIFICATION_FLAGS) {
    if (b[flag] === undefined) continue;
    if (typeof b[flag] !== 'boolean') refuse(`${flag} must be true or false.`, { [flag]: 'must be a boolean' });
    out[flag] = b[flag] as boolean;
  }
  if (!Object.keys(out).length) refuse(MESSAGES.settingsEmpty);
  return out;
}

const updateSettings = (method: 'patch' | 'put'): RestRoute => ({
  method,
  path: '/api/user/notification-settings',
  summary: "Change some notification preferences (booleans in upstream's names) → the updated flags",
  operation: /* GraphQL */ `mutation ConductUpdateNotificationSettings($input: UpdateConductNotificationSettingsInput!) {
    updateConductNotificationSettings(input: $input) {
      reportSubmittedInApp reportSubmittedEmail reportAssignedInApp reportAssignedEmail reportStatusChangedInApp
      reportStatusChangedEmail reportCommentAddedInApp reportCommentAddedEmail eventInvitationInApp eventInvitationEmail
      eventRoleChangedInApp eventRoleChangedEmail systemAnnouncementInApp systemAnnouncementEmail
    }
  }`,
  variables: (r) => ({ input: flagsOf(r) }),
  result: (data: ConductUpdateNotificationSettingsMutation) => data.updateConductNotificationSettings,
});

export const userRoutes: RestRoute[] = [
  route(
    {
      method: 'patch',
      ...paths('/api/users/me/profile'),
      summary: 'Change the own name and/or email (the new email becomes the login) → {message, user}',
      operation: /* GraphQL */ `mutation ConductUpdateProfile($id: ID!, $input: UpdateUserInput!) {
        updateUser(id: $id, input: $input) { id name email avatarFileId }
      }`,
      variables: (r) => {
        const b = body(r);
        const input: Record<string, string> = {};
        if (b.name !== undefined && b.name !== null) {
          if (typeof b.name !== 'string' || !b.name.trim()) refuse('Name cannot be empty.', { name: 'must not be empty' });
          input.name = b.name.trim();
        }
        if (b.email !== undefined && b.email !== null) {
          if (typeof b.email !== 'string') refuse('Please enter a valid email address.', { email: 'must be a valid email address' });
          input.email = checkEmail(b.email).toLowerCase();
        }
        if (!Object.keys(input).length) refuse(MESSAGES.profileEmpty);
        return { id: me(r), input };
      },
      result: (data: ConductUpdateProfileMutation) => {
        const u = data.updateUser;
        return { message: MESSAGES.profileUpdated, user: { id: u.id, name: u.name, email: u.email ?? null, avatarUrl: avatarUrl(u) } };
      },
    },
    { CONFLICT: MESSAGES.emailTaken },
  ),
  route(
    {
      method: 'patch',
      ...paths('/api/users/me/password'),
      summary: "Change the own password {currentPassword, newPassword} (conduct's strong rule); other sessions end",
      operation: /* GraphQL */ `mutation ConductChangePassword($old: String!, $new: String!) { changePassword(oldPassword: $old, newPassword: $new) }`,
      variables: (r) => {
        const b = requireFields(body(r), ['currentPassword', 'newPassword'], MESSAGES.passwordRequired);
        return { old: b.currentPassword, new: checkStrongPassword(b.newPassword, 'newPassword') };
      },
      result: () => ({ message: MESSAGES.passwordChanged }),
    },
    // a wrong current password: conduct answers 400 (legacy.ts maps it), in upstream's words
    { UNAUTHENTICATED: MESSAGES.wrongPassword },
  ),
  {
    method: 'get',
    ...paths('/api/users/me/events'),
    summary: 'The events where the caller holds roles, with them, and the global roles (["SuperAdmin"] or [])',
    operation: /* GraphQL */ `query ConductMyEvents {
      conductMyEvents { event { id name slug description } roles }
      conductSession { superAdmin }
    }`,
    result: (data: ConductMyEventsQuery) => ({
      events: data.conductMyEvents.map((e) => ({ id: e.event.id, name: e.event.name, slug: e.event.slug, description: e.event.description ?? null, roles: roleNames(e.roles) })),
      globalRoles: data.conductSession.superAdmin ? ['SuperAdmin'] : [],
    }),
  },
  {
    method: 'delete',
    ...paths('/api/users/me/events/:eventId'),
    summary: 'Leave an event (every role there); 404 not a member, 400 its only Admin',
    operation: /* GraphQL */ `mutation ConductLeaveEvent($eventId: ID!) { leaveConductEvent(eventId: $eventId) }`,
    variables: (r) => ({ eventId: r.params.eventId }),
    result: () => ({ message: MESSAGES.left }),
  },
  {
    method: 'post',
    ...paths('/api/users/:userId/avatar'),
    summary: 'Upload the own avatar: multipart field `avatar`, PNG, JPEG or WebP by content, at most 2 MB → {success, avatarId}',
    operation: /* GraphQL */ `mutation ConductUploadAvatar($userId: ID!, $avatar: Upload!) { uploadAvatar(userId: $userId, file: $avatar) { id avatarFileId } }`,
    uploads: { avatar: 'avatar' },
    uploadMaxBytes: AVATAR_POLICY.maxBytes,
    variables: (r) => {
      const userId = own(r);
      if (!r.files.includes('avatar')) refuse('No file uploaded.', { avatar: 'is required' });
      return { userId };
    },
    result: (data: ConductUploadAvatarMutation) => ({ success: true, avatarId: data.uploadAvatar.avatarFileId }),
  },
  {
    kind: 'download',
    method: 'get',
    ...paths('/api/users/:userId/avatar'),
    summary: "A user's avatar (public); 404 none",
    operation: /* GraphQL */ `query ConductUserAvatar($userId: ID!) { conductUserAvatar(userId: $userId) { id } }`,
    variables: (r) => ({ userId: r.params.userId }),
    file: (data: ConductUserAvatarQuery) => {
      if (!data.conductUserAvatar) throw new RestInputError(MESSAGES.avatarNone, 'NOT_FOUND');
      return { fileId: data.conductUserAvatar.id, cacheSeconds: 60 };
    },
  },
  {
    method: 'delete',
    ...paths('/api/users/:userId/avatar'),
    summary: 'Remove the own avatar → 204',
    operation: /* GraphQL */ `mutation ConductRemoveAvatar($userId: ID!) { removeAvatar(userId: $userId) { id } }`,
    variables: (r) => ({ userId: own(r) }),
    status: 204,
  },
  {
    method: 'get',
    path: '/api/user/notification-settings',
    summary: "The caller's notification preferences (upstream's boolean flags)",
    operation: /* GraphQL */ `query ConductNotificationSettings {
      conductNotificationSettings {
        reportSubmittedInApp reportSubmittedEmail reportAssignedInApp reportAssignedEmail reportStatusChangedInApp
        reportStatusChangedEmail reportCommentAddedInApp reportCommentAddedEmail eventInvitationInApp eventInvitationEmail
        eventRoleChangedInApp eventRoleChangedEmail systemAnnouncementInApp systemAnnouncementEmail
      }
    }`,
    result: (data: ConductNotificationSettingsQuery) => data.conductNotificationSettings,
  },
  updateSettings('patch'),
  updateSettings('put'),
  {
    method: 'get',
    path: '/api/config/email-enabled',
    summary: 'Whether the server sends mail → {enabled}',
    operation: /* GraphQL */ `query ConductEmailEnabled { conductEmailEnabled }`,
    result: (data: ConductEmailEnabledQuery) => ({ enabled: data.conductEmailEnabled }),
  },
];
