/**
 * The cakeplanner surface (api-docs/cakeplanner.md, bodies and responses per issue 4), under
 * /cakeplanner (and at the root with COMPAT_ROOT=cakeplanner). Auth is `Authorization: Bearer <token>`
 * (or the `session` cookie, or `?token=`, for EventSource and <img>); errors are `{ "error": "message" }`;
 * lists are bare arrays. One entry a documented route, in the document's order, except that
 * /api/events/stream and /api/events/ranked come before /api/events/:id so that Express does not take
 * them for ids. Issue 9 serves the union with the original backend and its frontend: their paths are
 * `aliases` of the documented entries, their body forms are read beside the documented ones, and the
 * answers carry both shapes (mappers.ts). Contract choices: docs/compat/cakeplanner.md.
 */
import { access } from '../../auth/access';
import { Application } from '../../modules/identity/enrollment';
import { httpStatusOf } from '../../errors/domain-error';
import type { RouteRequest, SurfaceDefinition } from '../engine/types';
import { RestInputError } from '../engine/types';
import { databaseReady } from '../engine/health';
import type {
  CakeAdminGroupsQuery,
  CakeAdminUsersQuery,
  CakeAssignGroupMutation,
  CakeCreateEventMutation,
  CakeCreateGroupMutation,
  CakeEventDetailQuery,
  CakeEventIcsQuery,
  CakeEventsQuery,
  CakeForcePasswordChangeMutation,
  CakeHallOfFameQuery,
  CakeLoginMutation,
  CakeMyGroupsQuery,
  CakePhotoFileQuery,
  CakeRateEventMutation,
  CakeRegisterMutation,
  CakeSetGroupRoleMutation,
  CakeSetUserStatusMutation,
  CakeSettingsMutation,
  CakeSysinfoQuery,
  CakeTwoFactorSetupMutation,
  CakeUploadPhotoMutation,
  CakeUsersQuery,
} from '../../generated/graphql';
import { adminUser, changeFrames, eventDetail, eventSummary, loginUser, photoPath, rankedEvent } from './mappers';
import { PHOTO_POLICY } from '../../modules/cake/cake-event.service';

type Body = Record<string, unknown>;

function jsonBody(r: RouteRequest): Body {
  const b = r.body;
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return {};
  return b as Body;
}

function requiredString(b: Body, key: string): string {
  const v = b[key];
  if (typeof v !== 'string' || v.trim() === '') throw new RestInputError(`${key} is required`, 'BAD_USER_INPUT', { fields: { [key]: 'is required' } });
  return v;
}

function optionalString(b: Body, key: string): string | null {
  const v = b[key];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new RestInputError(`${key} must be a string`, 'BAD_USER_INPUT', { fields: { [key]: 'must be a string' } });
  return v;
}

function requiredBoolean(b: Body, key: string): boolean {
  const v = b[key];
  if (typeof v !== 'boolean') throw new RestInputError(`${key} must be true or false`, 'BAD_USER_INPUT', { fields: { [key]: 'must be true or false' } });
  return v;
}

/** `{ date, description, groupId? }` from a JSON body, or from a multipart `event` JSON part (or plain fields). */
function eventInput(r: RouteRequest): Body {
  let source: Body = jsonBody(r);
  if (r.req.is('multipart/form-data')) {
    if (r.fields.event !== undefined) {
      try {
        const parsed: unknown = JSON.parse(r.fields.event);
        source = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Body) : {};
      } catch {
        throw new RestInputError('The event part must be JSON');
      }
    } else source = r.fields;
  }
  const groupId = source.groupId ?? source.group_id;
  return {
    date: requiredString(source, 'date'),
    description: optionalString(source, 'description') ?? '',
    groupId: groupId === undefined || groupId === null || groupId === '' ? null : String(groupId),
  };
}

/** The size variants the original frontend derives from a photo URL. */
const PHOTO_VARIANT = /__(480|800|1280)\.webp$/;

/**
 * The account routes of Cake Planner run shared identity operations: through this surface they are for
 * accounts activated for Cake Planner (ARCHITECTURE.md "One identity, separate applications").
 */
const cakeMember = access.enrolled(Application.CAKEPLANNER);

const MESSAGES = {
  registeredActive: 'Registration successful',
  registeredPending: 'Registration successful. An administrator must activate your account before you can log in.',
  twoFactorOn: 'Two-factor authentication enabled',
  forgot: 'If the address belongs to an account, a temporary password has been sent to it',
  passwordChanged: 'Password changed',
  settingsSaved: 'Settings saved',
};

export const cakeplannerSurface: SurfaceDefinition = {
  id: 'cakeplanner',
  title: 'Cake Planner (compatibility API)',
  queryToken: true,
  error: (code, message) => ({ status: httpStatusOf(code), body: { error: code === 'INTERNAL' ? 'Internal server error' : message } }),
  routes: [
    // --- Admin API ------------------------------------------------------------------------------
    {
      method: 'get',
      path: '/api/admin/users',
      summary: 'List all users (admin) or the members of the groups the caller administers (group admin)',
      operation: /* GraphQL */ `query CakeAdminUsers {
        cakeAccounts {
          id name email role cakeActive mustChangePassword twoFactorEnabled language emailLanguage createdAt lastLoginAt
          cakeMemberships { groupId role group { name } }
        }
      }`,
      result: (data: CakeAdminUsersQuery) => data.cakeAccounts.map(adminUser),
    },
    {
      method: 'put',
      path: '/api/admin/users/:id/status',
      summary: 'Activate or deactivate a user account for Cake Planner (admin only); activating also re-opens a deactivated account',
      // Cake Planner's activation is its membership (ARCHITECTURE.md "One identity, separate applications"):
      // deactivating turns off Cake Planner only; activating enrolls ACTIVE and, for an account a
      // deactivation of the whole account had closed (legacy data), opens it again.
      operation: /* GraphQL */ `mutation CakeSetUserStatus($id: ID!, $status: MembershipStatus!, $active: Boolean!) {
        setUserActive(id: $id, active: true) @include(if: $active) { id }
        setEnrollment(userId: $id, application: CAKEPLANNER, status: $status) { status }
      }`,
      variables: (r) => {
        const active = requiredBoolean(jsonBody(r), 'isActive');
        return { id: r.params.id, active, status: active ? 'ACTIVE' : 'DISABLED' };
      },
      result: (data: CakeSetUserStatusMutation, r) => ({ id: r.params.id, isActive: data.setEnrollment.status === 'ACTIVE' }),
    },
    {
      method: 'delete',
      path: '/api/admin/users/:id',
      summary: 'Delete a user account (admin only); their events, ratings and photos go with it',
      operation: /* GraphQL */ `mutation CakeDeleteUser($id: ID!) { deleteUser(id: $id) }`,
      variables: (r) => ({ id: r.params.id }),
      status: 204,
    },
    {
      method: 'get',
      path: '/api/admin/groups',
      summary: 'List all groups (admin) or the groups the caller administers (group admin)',
      operation: /* GraphQL */ `query CakeAdminGroups {
        cakeGroups {
          id name description createdAt memberCount
          members { userId role user { name email } }
        }
      }`,
      result: (data: CakeAdminGroupsQuery) =>
        data.cakeGroups.map((g) => ({
          id: g.id,
          name: g.name,
          description: g.description ?? null,
          createdAt: g.createdAt,
          memberCount: g.memberCount,
          members: g.members.map((m) => ({ id: m.userId, name: m.user.name, email: m.user.email ?? null, role: m.role.toLowerCase() })),
        })),
    },
    {
      method: 'post',
      path: '/api/admin/groups',
      summary: 'Create a group (admin only)',
      operation: /* GraphQL */ `mutation CakeCreateGroup($input: CreateCakeGroupInput!) {
        createCakeGroup(input: $input) { id name }
      }`,
      variables: (r) => {
        const b = jsonBody(r);
        return { input: { name: requiredString(b, 'name'), description: optionalString(b, 'description') } };
      },
      status: 201,
      result: (data: CakeCreateGroupMutation) => data.createCakeGroup,
    },
    {
      method: 'delete',
      path: '/api/admin/groups/:id',
      summary: 'Delete a group (admin only); 409 while it has members',
      operation: /* GraphQL */ `mutation CakeDeleteGroup($id: ID!) { deleteCakeGroup(id: $id) }`,
      variables: (r) => ({ id: r.params.id }),
      status: 204,
    },
    {
      method: 'post',
      path: '/api/admin/users/assign-group',
      summary: 'Assign a user to a group (admin only); `groupId: null` takes the user out of every group',
      // The admin panel's "None" sends `groupId: null` (issue 9): the same entry then runs the removal
      // instead (`$groupId` is not read then).
      operation: /* GraphQL */ `mutation CakeAssignGroup($userId: ID!, $groupId: ID!, $leave: Boolean!) {
        addCakeGroupMember(userId: $userId, groupId: $groupId) @skip(if: $leave) { userId groupId role }
        removeCakeGroupMember(userId: $userId) @include(if: $leave)
      }`,
      variables: (r) => {
        const b = jsonBody(r);
        const userId = requiredString(b, 'userId');
        return b.groupId === null ? { userId, groupId: '', leave: true } : { userId, groupId: requiredString(b, 'groupId'), leave: false };
      },
      result: (data: CakeAssignGroupMutation, r) =>
        data.addCakeGroupMember ? { ...data.addCakeGroupMember, role: data.addCakeGroupMember.role.toLowerCase() } : { userId: jsonBody(r).userId, groupId: null, role: null },
    },
    {
      method: 'post',
      path: '/api/admin/groups/set-role',
      summary: "Set a user's role within a group (admin only)",
      operation: /* GraphQL */ `mutation CakeSetGroupRole($userId: ID!, $groupId: ID!, $role: CakeGroupRole!) {
        setCakeGroupRole(userId: $userId, groupId: $groupId, role: $role) { userId groupId role }
      }`,
      variables: (r) => {
        const b = jsonBody(r);
        const role = b.role;
        if (role !== 'member' && role !== 'admin') throw new RestInputError('role must be "member" or "admin"', 'BAD_USER_INPUT', { fields: { role: 'must be member or admin' } });
        return { userId: requiredString(b, 'userId'), groupId: requiredString(b, 'groupId'), role: role.toUpperCase() };
      },
      result: (data: CakeSetGroupRoleMutation) => ({ ...data.setCakeGroupRole, role: data.setCakeGroupRole.role.toLowerCase() }),
    },
    {
      method: 'post',
      path: '/api/admin/users/force-password-change',
      summary: 'Force (or stop forcing) a user to change their password on next login (admin only)',
      operation: /* GraphQL */ `mutation CakeForcePasswordChange($userId: ID!, $mustChange: Boolean!) {
        forcePasswordChange(id: $userId, mustChange: $mustChange) { id mustChangePassword }
      }`,
      variables: (r) => {
        const b = jsonBody(r);
        return { userId: requiredString(b, 'userId'), mustChange: b.mustChange === undefined ? true : requiredBoolean(b, 'mustChange') };
      },
      result: (data: CakeForcePasswordChangeMutation) => data.forcePasswordChange,
    },

    // --- User API -------------------------------------------------------------------------------
    {
      method: 'post',
      path: '/api/auth/register',
      aliases: ['/api/register'],
      summary: 'Register; the account waits for activation unless CAKE_AUTO_ACTIVATE=true',
      operation: /* GraphQL */ `mutation CakeRegister($input: RegisterInput!) {
        register(input: $input, application: CAKEPLANNER) { id cakeActive }
      }`,
      variables: (r) => {
        const b = jsonBody(r);
        return {
          input: {
            email: requiredString(b, 'email'),
            password: requiredString(b, 'password'),
            name: optionalString(b, 'name'),
            language: optionalString(b, 'language'),
          },
        };
      },
      status: 201,
      result: (data: CakeRegisterMutation) => ({
        message: data.register.cakeActive ? MESSAGES.registeredActive : MESSAGES.registeredPending,
        id: data.register.id,
      }),
    },
    {
      method: 'post',
      path: '/api/auth/login',
      aliases: ['/api/login'],
      summary: 'Log in with email and password (and a TOTP code when 2FA is on)',
      operation: /* GraphQL */ `mutation CakeLogin($email: String!, $password: String!, $code: String) {
        login(input: { login: $email, password: $password, code: $code, application: CAKEPLANNER }) {
          token requiresTwoFactor
          user {
            id name email role language emailLanguage mustChangePassword twoFactorEnabled cakeActive lastLoginAt
            cakeMemberships { groupId role group { name } }
          }
        }
      }`,
      variables: (r) => {
        const b = jsonBody(r);
        const code = b.code === undefined || b.code === null || b.code === '' ? null : String(b.code);
        return { email: requiredString(b, 'email'), password: requiredString(b, 'password'), code };
      },
      result: (data: CakeLoginMutation) =>
        data.login.requiresTwoFactor || !data.login.user ? { require2fa: true } : { token: data.login.token, user: loginUser(data.login.user) },
    },
    {
      method: 'post',
      path: '/api/auth/2fa/setup',
      access: cakeMember,
      summary: 'Start 2FA setup: a new secret, its otpauth URL and QR code',
      operation: /* GraphQL */ `mutation CakeTwoFactorSetup { setupTwoFactor { secret otpauthUrl qrCode } }`,
      result: (data: CakeTwoFactorSetupMutation) => ({ secret: data.setupTwoFactor.secret, otpauth: data.setupTwoFactor.otpauthUrl, qrCode: data.setupTwoFactor.qrCode }),
    },
    {
      method: 'post',
      path: '/api/auth/2fa/activate',
      access: cakeMember,
      summary: 'Activate 2FA with a code of the pending secret',
      operation: /* GraphQL */ `mutation CakeTwoFactorActivate($code: String!) { activateTwoFactor(code: $code) }`,
      variables: (r) => {
        const code = jsonBody(r).code;
        if ((typeof code !== 'string' && typeof code !== 'number') || String(code).trim() === '') {
          throw new RestInputError('code is required', 'BAD_USER_INPUT', { fields: { code: 'is required' } });
        }
        return { code: String(code) };
      },
      result: () => ({ message: MESSAGES.twoFactorOn }),
    },
    {
      method: 'post',
      path: '/api/auth/forgot-password',
      summary: 'Mail a temporary password (always 200)',
      operation: /* GraphQL */ `mutation CakeForgotPassword($email: String!) { requestPasswordReset(email: $email) }`,
      variables: (r) => {
        const email = jsonBody(r).email;
        return { email: typeof email === 'string' ? email : '' };
      },
      result: () => ({ message: MESSAGES.forgot }),
    },
    {
      method: 'get',
      path: '/api/users',
      summary: 'Users the caller may see: everyone (admin) or the members of their groups',
      operation: /* GraphQL */ `query CakeUsers { cakeContacts { id name email } }`,
      result: (data: CakeUsersQuery) => data.cakeContacts.map((u) => ({ id: u.id, name: u.name, email: u.email ?? null })),
    },
    {
      method: 'get',
      path: '/api/user/groups',
      summary: "The caller's groups with their role",
      operation: /* GraphQL */ `query CakeMyGroups { cakeMyGroups { groupId role group { name } } }`,
      result: (data: CakeMyGroupsQuery) => data.cakeMyGroups.map((m) => ({ id: m.groupId, name: m.group.name, role: m.role.toLowerCase() })),
    },
    {
      method: 'post',
      path: '/api/user/change-password',
      access: cakeMember,
      summary: 'Change the password; an old password, when sent, must match',
      operation: /* GraphQL */ `mutation CakeChangePassword($oldPassword: String, $newPassword: String!) {
        changePassword(oldPassword: $oldPassword, newPassword: $newPassword)
      }`,
      variables: (r) => {
        const b = jsonBody(r);
        return { oldPassword: optionalString(b, 'oldPassword'), newPassword: requiredString(b, 'newPassword') };
      },
      result: () => ({ message: MESSAGES.passwordChanged }),
    },
    {
      method: 'post',
      path: '/api/user/settings',
      access: cakeMember,
      summary: "Update language and mail language (`emailLanguage`, or the original client's `languageEmail`)",
      operation: /* GraphQL */ `mutation CakeSettings($language: String, $emailLanguage: String) {
        updateSettings(language: $language, emailLanguage: $emailLanguage) { language emailLanguage }
      }`,
      variables: (r) => {
        const b = jsonBody(r);
        return { language: optionalString(b, 'language'), emailLanguage: optionalString(b, 'emailLanguage') ?? optionalString(b, 'languageEmail') };
      },
      result: (data: CakeSettingsMutation) => ({ message: MESSAGES.settingsSaved, ...data.updateSettings }),
    },
    {
      method: 'delete',
      path: '/api/user',
      access: cakeMember,
      summary: 'Delete (anonymise) the own account; events and ratings stay',
      operation: /* GraphQL */ `mutation CakeDeleteMe { deleteMyAccount }`,
      status: 204,
    },
    {
      method: 'get',
      path: '/api/events',
      summary: "The caller's groups' events from start to end (YYYY-MM-DD, inclusive)",
      operation: /* GraphQL */ `query CakeEvents($start: String!, $end: String!) {
        cakeEvents(start: $start, end: $end) {
          id date description groupId group { name } baker { id name } coverPhotoId rating { average count myRating }
        }
      }`,
      variables: (r) => {
        const { start, end } = r.query;
        if (typeof start !== 'string' || typeof end !== 'string' || !start || !end) {
          throw new RestInputError('start and end are required (YYYY-MM-DD)', 'BAD_USER_INPUT', { fields: { start: 'is required', end: 'is required' } });
        }
        return { start, end };
      },
      result: (data: CakeEventsQuery, r) => data.cakeEvents.map((e) => eventSummary(e, r.base)),
    },
    {
      method: 'post',
      path: '/api/events',
      summary: 'Create an event (JSON, or multipart with an `event` JSON part and an optional `image`)',
      operation: /* GraphQL */ `mutation CakeCreateEvent($input: CreateCakeEventInput!, $image: Upload) {
        createCakeEvent(input: $input, image: $image) {
          id date description groupId group { name } baker { id name } coverPhotoId rating { average count myRating }
          gallery { id isMine user { name } } isOwner canDelete
        }
      }`,
      uploads: { image: 'image' },
      uploadMaxBytes: PHOTO_POLICY.maxBytes,
      variables: (r) => ({ input: eventInput(r) }),
      status: 201,
      result: (data: CakeCreateEventMutation, r) => eventDetail(data.createCakeEvent, r.base),
    },
    {
      kind: 'sse',
      method: 'get',
      path: '/api/events/stream',
      summary: "Server-Sent Events of the caller's groups' changes (created, deleted, rated, photo), resumable with Last-Event-ID",
      operation: /* GraphQL */ `subscription CakeEventStream {
        cakeEventChanged {
          id kind eventId groupId date description baker { id name } coverPhotoId rating { average count }
          photo { id user { id name } }
        }
      }`,
      event: (change, r) => changeFrames(change, r.base),
      eventReads: 'base',
      keepaliveMs: 25_000,
      resume: {
        operation: /* GraphQL */ `query CakeEventStreamResume($after: ID!) {
          cakeEventChanges(after: $after) {
            id kind eventId groupId date description baker { id name } coverPhotoId rating { average count }
            photo { id user { id name } }
          }
        }`,
        variables: (lastEventId) => (/^\d{1,18}$/.test(lastEventId.trim()) ? { after: lastEventId.trim() } : undefined),
      },
    },
    {
      method: 'get',
      path: '/api/events/ranked',
      summary: 'Hall of Fame: top 50 by mean stars (unrated = 0), then date, newest first',
      operation: /* GraphQL */ `query CakeHallOfFame {
        cakeHallOfFame {
          id date description groupId group { name } baker { id name } coverPhotoId rating { average count myRating }
          gallery { id isMine user { name } }
        }
      }`,
      result: (data: CakeHallOfFameQuery, r) => data.cakeHallOfFame.map((e) => rankedEvent(e, r.base)),
    },
    {
      method: 'get',
      path: '/api/events/:id',
      summary: 'An event with its rating summary and gallery (members of its group and admins)',
      operation: /* GraphQL */ `query CakeEventDetail($id: ID!) {
        cakeEvent(id: $id) {
          id date description groupId group { name } baker { id name } coverPhotoId rating { average count myRating }
          gallery { id isMine user { name } } isOwner canDelete
        }
      }`,
      variables: (r) => ({ id: r.params.id }),
      result: (data: CakeEventDetailQuery, r) => eventDetail(data.cakeEvent, r.base),
    },
    {
      method: 'delete',
      path: '/api/events/:id',
      summary: 'Delete an event (the baker, a group admin of its group, or an admin)',
      operation: /* GraphQL */ `mutation CakeDeleteEvent($id: ID!) { deleteCakeEvent(id: $id) }`,
      variables: (r) => ({ id: r.params.id }),
      status: 204,
    },
    {
      method: 'post',
      path: '/api/events/:id/rate',
      summary: 'Rate an event 1–5 stars with an optional comment (one rating per user, replaced; bakers too)',
      operation: /* GraphQL */ `mutation CakeRateEvent($id: ID!, $stars: Int!, $comment: String) {
        rateCakeEvent(eventId: $id, stars: $stars, comment: $comment) { id rating { average count myRating } }
      }`,
      variables: (r) => {
        const b = jsonBody(r);
        const raw = typeof b.stars === 'string' && /^\s*\d+\s*$/.test(b.stars) ? Number(b.stars) : b.stars;
        if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > 5) {
          throw new RestInputError('stars must be a whole number from 1 to 5', 'BAD_USER_INPUT', { fields: { stars: 'must be a whole number from 1 to 5' } });
        }
        return { id: r.params.id, stars: raw, comment: optionalString(b, 'comment') };
      },
      result: (data: CakeRateEventMutation) => ({ id: data.rateCakeEvent.id, rating: data.rateCakeEvent.rating }),
    },
    {
      method: 'get',
      path: '/api/events/:id/ics',
      summary: 'The event as an ICS calendar file (one all-day VEVENT)',
      operation: /* GraphQL */ `query CakeEventIcs($id: ID!) { cakeEvent(id: $id) { date ics } }`,
      variables: (r) => ({ id: r.params.id }),
      produces: ['text/calendar'],
      raw: (data: CakeEventIcsQuery) => ({
        contentType: 'text/calendar; charset=utf-8',
        body: data.cakeEvent.ics,
        headers: { 'Content-Disposition': `attachment; filename="cake-${data.cakeEvent.date}.ics"`, 'Cache-Control': 'private, no-cache' },
      }),
    },
    {
      method: 'post',
      path: '/api/events/:id/photo',
      summary: 'Upload a photo (multipart `photo`: JPEG, PNG or WebP, at most 10 MB); replaces the own photo',
      operation: /* GraphQL */ `mutation CakeUploadPhoto($id: ID!, $photo: Upload!) {
        uploadCakePhoto(eventId: $id, photo: $photo) { id }
      }`,
      uploads: { photo: 'photo' },
      uploadMaxBytes: PHOTO_POLICY.maxBytes,
      variables: (r) => {
        if (!r.req.is('multipart/form-data'))
          throw new RestInputError('Send the photo as multipart/form-data in a part named "photo"', 'BAD_USER_INPUT', { fields: { photo: 'is required' } });
        return { id: r.params.id };
      },
      status: 201,
      result: (data: CakeUploadPhotoMutation, r) => ({ id: data.uploadCakePhoto.id, url: photoPath(r.base, data.uploadCakePhoto.id) }),
    },
    {
      method: 'get',
      path: '/api/system/sysinfo',
      summary: "System and build information (public): ours and the original's fields",
      operation: /* GraphQL */ `query CakeSysinfo {
        cakeSystemInfo { name version commit node uptimeSeconds database projectName description license homepage author domain }
      }`,
      result: ({ cakeSystemInfo: i }: CakeSysinfoQuery, r) => ({
        name: i.name,
        version: i.version,
        commit: i.commit,
        node: i.node,
        uptimeSeconds: i.uptimeSeconds,
        database: i.database,
        // the original backend's fields (its frontend prints prog_longname, project_name, version,
        // organization and domain without a fallback)
        prog_longname: i.name,
        project_name: i.projectName,
        description: i.description ?? '',
        license: i.license ?? '',
        homepage: i.homepage ?? '',
        author: i.author ?? '',
        organization: i.author ?? i.projectName,
        domain: i.domain ?? r.req.hostname,
      }),
    },
    {
      kind: 'plain',
      method: 'get',
      path: '/api/system/healthcheck',
      summary: 'Health: UP, or 503 DOWN when the database is unreachable (public)',
      handle: async (app) => {
        const db = await databaseReady(app);
        const timestamp = new Date().toISOString();
        return db.reachable ? { status: 200, body: { status: 'UP', timestamp } } : { status: 503, body: { status: 'DOWN', timestamp } };
      },
    },

    // --- not in cakeplanner.md ------------------------------------------------------------------
    {
      kind: 'download',
      method: 'get',
      path: '/api/photos/:id',
      summary: 'The bytes of a photo (the photoUrl/url of events), for members of its group and admins',
      operation: /* GraphQL */ `query CakePhotoFile($id: ID!) { cakePhoto(id: $id) { fileId } }`,
      // The original's frontend also asks for `<url before its last dot>__480.webp` (and 800, 1280):
      // those variants answer the stored bytes (issue 9).
      variables: (r) => ({ id: r.params.id.replace(PHOTO_VARIANT, '') }),
      file: (data: CakePhotoFileQuery) => ({ fileId: data.cakePhoto.fileId, cacheSeconds: 86_400 }),
    },
    {
      method: 'post',
      path: '/api/admin/users/remove-group',
      summary: 'Remove a user from a group (admin only), so that a group can be emptied and deleted',
      operation: /* GraphQL */ `mutation CakeRemoveGroupMember($userId: ID!, $groupId: ID!) {
        removeCakeGroupMember(userId: $userId, groupId: $groupId)
      }`,
      variables: (r) => {
        const b = jsonBody(r);
        return { userId: requiredString(b, 'userId'), groupId: requiredString(b, 'groupId') };
      },
      status: 204,
    },
  ],
};
