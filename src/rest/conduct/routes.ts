/**
 * The conduct surface (api-docs/conduct.md; the contract: shared/contracts/conduct-core.md and
 * conduct-reports.md), under /conduct (and at the root with COMPAT_ROOT=conduct). Auth is the platform's
 * `session` cookie set by login (or a Bearer token); errors are `{error, details?}` (legacy.ts). One
 * entry a documented route, in the document's order, grouped as the document groups them; the paths the
 * original frontend and backend also use without `/api` (`/auth/*`, `/events/*`, `/users/*`,
 * `/invites/*`, `/session`) are `aliases` of the documented entries. Every entry executes a canonical
 * operation of the graph (docs/graph.md "conduct"); request.ts reads the legacy bodies, legacy.ts shapes
 * the answers. Contract choices: docs/compat/conduct.md.
 *
 * The base and auth routes are below; every other route group has a file of its own (`*.routes.ts`, in
 * its document's order, its operations in src/modules/conduct/), composed at the end of the table.
 * kit.ts: `paths()` gives a documented path its `/api`-less alias; `route(entry, {CODE: 'words'})`
 * declares upstream's wording of an error code for one route. Within a group, a literal path segment
 * comes before a parameter at the same place (`/api/admin/events/stats` before `/:eventId`).
 */
import type { RouteRequest, SurfaceDefinition } from '../engine/types';
import { RestInputError } from '../engine/types';
import { databaseReady } from '../engine/health';
import type {
  ConductCheckEmailQuery,
  ConductLoginMutation,
  ConductRegisterMutation,
  ConductRegisterWithInviteMutation,
  ConductRootQuery,
  ConductSessionQuery,
  ConductValidateResetTokenQuery,
} from '../../generated/graphql';
import { authUser, avatarUrl, conductError, roleNames } from './legacy';
import { paths, route } from './kit';
import { organizationRoutes } from './organizations.routes';
import { adminRoutes } from './admin.routes';
import { eventRoutes } from './events.routes';
import { eventUserRoutes } from './event-users.routes';
import { userRoutes } from './users.routes';
import { reportRoutes } from './reports.routes';
import { evidenceRoutes } from './evidence.routes';
import { commentRoutes } from './comments.routes';
import { notificationRoutes } from './notifications.routes';
import { body, checkEmail, checkStrongPassword, queryString, refuse, requireFields, text } from './request';

/** Upstream's messages (the frontend shows them; "Email already registered." it matches). */
const MESSAGES = {
  running: 'Backend API is running!',
  registered: 'Registration successful!',
  registerRequired: 'Name, email, and password are required.',
  inviteRegisterRequired: 'Email and password are required.',
  emailTaken: 'Email already registered.',
  loginRequired: 'Email and password are required.',
  badCredentials: 'Incorrect email or password.',
  loggedIn: 'Logged in!',
  loggedOut: 'Logged out!',
  emailRequired: 'Email is required.',
  resetSent: "If an account with that email exists, we've sent a password reset link.",
  tokenRequired: 'Token is required.',
  resetRequired: 'Token and password are required.',
  passwordReset: 'Password has been reset successfully. You can now login with your new password.',
  tokenInvalid: 'Invalid reset token.',
  tokenUsed: 'Reset token has already been used.',
  tokenExpired: 'Reset token has expired.',
  twoFactor: 'Two-factor code required',
};

/** The registration input of both register routes: email (checked), password (conduct's rule), name. */
function registerInput(r: RouteRequest, required: string[], message: string): { email: string; password: string; name: string | null } {
  const b = body(r);
  requireFields(b, required, message);
  const email = checkEmail(b.email as string);
  const password = checkStrongPassword(b.password);
  if (b.name !== undefined && b.name !== null && typeof b.name !== 'string') refuse('Name must be text.', { name: 'must be a string' });
  return { email, password, name: text(b.name)?.trim() ?? null };
}

export const conductSurface: SurfaceDefinition = {
  id: 'conduct',
  title: 'Code-of-conduct incident handling (compatibility API)',
  error: conductError,
  routes: [
    // --- Base Routes -----------------------------------------------------------------------------
    {
      kind: 'plain',
      method: 'get',
      path: '/health',
      summary: 'Health: {status: "ok", timestamp, environment} while the database answers (503 otherwise)',
      handle: async (app) => {
        const db = await databaseReady(app);
        const timestamp = new Date().toISOString();
        const environment = app.config.nodeEnv;
        return db.reachable ? { status: 200, body: { status: 'ok', timestamp, environment } } : { status: 503, body: { status: 'error', timestamp, environment } };
      },
    },
    {
      method: 'get',
      path: '/',
      summary: 'API status: {message} or, while no account exists, {firstUserNeeded: true} (public)',
      operation: /* GraphQL */ `query ConductRoot { firstUserNeeded }`,
      result: (data: ConductRootQuery) => (data.firstUserNeeded ? { firstUserNeeded: true } : { message: MESSAGES.running }),
    },

    // --- Authentication --------------------------------------------------------------------------
    route(
      {
        method: 'post',
        ...paths('/api/auth/register'),
        summary: 'Register {email, password, name}; the first account becomes SuperAdmin (madeSuperAdmin)',
        operation: /* GraphQL */ `mutation ConductRegister($input: RegisterInput!) {
          register(input: $input, application: CONDUCT) { id email name role }
        }`,
        variables: (r) => ({ input: registerInput(r, ['name', 'email', 'password'], MESSAGES.registerRequired) }),
        result: (data: ConductRegisterMutation) => ({
          message: MESSAGES.registered,
          user: authUser(data.register),
          madeSuperAdmin: data.register.role === 'ADMIN',
        }),
      },
      { CONFLICT: MESSAGES.emailTaken },
    ),
    route(
      {
        method: 'post',
        ...paths('/api/auth/register/invite/:inviteCode'),
        summary: "Register {email, password, name?} with an invite code: the account gets the invite's role (201)",
        operation: /* GraphQL */ `mutation ConductRegisterWithInvite($input: RegisterInput!) {
          register(input: $input, application: CONDUCT) { id email name }
        }`,
        variables: (r) => ({
          input: { ...registerInput(r, ['email', 'password'], MESSAGES.inviteRegisterRequired), conductInvite: { code: r.params.inviteCode } },
        }),
        status: 201,
        result: (data: ConductRegisterWithInviteMutation) => ({ message: MESSAGES.registered, user: authUser(data.register) }),
      },
      { CONFLICT: MESSAGES.emailTaken },
    ),
    route(
      {
        method: 'post',
        ...paths('/api/auth/login'),
        summary: 'Log in with {email, password}: sets the session cookie; {message, user}',
        operation: /* GraphQL */ `mutation ConductLogin($email: String!, $password: String!, $code: String) {
          login(input: { login: $email, password: $password, code: $code, application: CONDUCT }) {
            requiresTwoFactor user { id email name }
          }
        }`,
        variables: (r) => {
          const b = body(r);
          const { email, password } = requireFields(b, ['email', 'password'], MESSAGES.loginRequired);
          const code = typeof b.code === 'string' || typeof b.code === 'number' ? String(b.code) : null;
          return { email: email.trim(), password, code };
        },
        result: (data: ConductLoginMutation) => {
          // an account that turned two-factor on elsewhere (cakeplanner) signs in with `code` too
          if (data.login.requiresTwoFactor || !data.login.user) throw new RestInputError(MESSAGES.twoFactor, 'UNAUTHENTICATED', { legacy: { requiresTwoFactor: true } });
          return { message: MESSAGES.loggedIn, user: authUser(data.login.user) };
        },
      },
      { UNAUTHENTICATED: MESSAGES.badCredentials },
    ),
    {
      method: 'post',
      ...paths('/api/auth/logout'),
      summary: 'Log out: the session is revoked server-side and the cookie cleared',
      operation: /* GraphQL */ `mutation ConductLogout { logout }`,
      result: () => ({ message: MESSAGES.loggedOut }),
    },
    {
      method: 'get',
      ...paths('/api/auth/session', '/api/session', '/session'),
      summary: 'The session: {authenticated: true, user: {id, email, name, avatarUrl, roles}} or {authenticated: false} (public)',
      operation: /* GraphQL */ `query ConductSession {
        conductSession { authenticated superAdmin eventRoles user { id email name avatarFileId } }
      }`,
      result: ({ conductSession: s }: ConductSessionQuery) =>
        s.authenticated && s.user
          ? { authenticated: true, user: { ...authUser(s.user), avatarUrl: avatarUrl(s.user), roles: roleNames(s.eventRoles, s.superAdmin) } }
          : { authenticated: false },
    },
    {
      method: 'get',
      ...paths('/api/auth/check-email'),
      summary: 'Whether an email can register: {available} (public)',
      operation: /* GraphQL */ `query ConductCheckEmail($email: String!) { emailAvailable(email: $email) }`,
      variables: (r) => {
        const email = queryString(r, 'email');
        if (email === undefined) refuse(MESSAGES.emailRequired, { email: 'is required' });
        return { email: checkEmail(email) };
      },
      result: (data: ConductCheckEmailQuery) => ({ available: data.emailAvailable }),
    },
    {
      method: 'post',
      ...paths('/api/auth/forgot-password'),
      summary: 'Mail a password reset link (valid 30 minutes, single use); the same answer for unknown addresses',
      operation: /* GraphQL */ `mutation ConductForgotPassword($email: String!) { requestPasswordReset(email: $email, application: CONDUCT) }`,
      variables: (r) => {
        const email = text(body(r).email);
        if (email === undefined) refuse(MESSAGES.emailRequired, { email: 'is required' });
        return { email: checkEmail(email) };
      },
      result: () => ({ message: MESSAGES.resetSent }),
    },
    {
      method: 'post',
      ...paths('/api/auth/reset-password'),
      summary: 'Set a new password with a reset token: {token, newPassword} or {token, password}',
      operation: /* GraphQL */ `mutation ConductResetPassword($token: String!, $newPassword: String!) {
        resetPassword(token: $token, newPassword: $newPassword)
      }`,
      variables: (r) => {
        const b = body(r);
        const token = text(b.token);
        // the document's `newPassword`, the original frontend's `password`
        const field = b.newPassword !== undefined ? 'newPassword' : 'password';
        const password = b[field];
        if (token === undefined || text(password) === undefined) {
          refuse(MESSAGES.resetRequired, { ...(token === undefined ? { token: 'is required' } : {}), ...(text(password) === undefined ? { [field]: 'is required' } : {}) });
        }
        return { token, newPassword: checkStrongPassword(password, field) };
      },
      result: () => ({ message: MESSAGES.passwordReset }),
    },
    {
      method: 'get',
      ...paths('/api/auth/validate-reset-token'),
      summary: 'Check a reset token: {valid: true, email, expiresAt}, or 400 {valid: false, error}',
      operation: /* GraphQL */ `query ConductValidateResetToken($token: String!) {
        passwordResetToken(token: $token) { valid email expiresAt reason }
      }`,
      variables: (r) => {
        const token = queryString(r, 'token');
        if (token === undefined) refuse(MESSAGES.tokenRequired, { token: 'is required' });
        return { token };
      },
      result: ({ passwordResetToken: t }: ConductValidateResetTokenQuery) => {
        if (t.valid) return { valid: true, email: t.email, expiresAt: t.expiresAt };
        const error = t.reason === 'USED' ? MESSAGES.tokenUsed : t.reason === 'EXPIRED' ? MESSAGES.tokenExpired : MESSAGES.tokenInvalid;
        throw new RestInputError(error, 'BAD_USER_INPUT', { legacy: { valid: false } });
      },
    },
    // --- the other route groups, each in its own file --------------------------------------------
    ...organizationRoutes,
    ...adminRoutes,
    ...eventRoutes,
    ...eventUserRoutes,
    ...userRoutes,
    ...reportRoutes,
    ...evidenceRoutes,
    ...commentRoutes,
    ...notificationRoutes,
  ],
};
