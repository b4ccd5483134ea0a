/**
 * The compass surface (api-docs/compass.md and issue 5), under /compass (and at the root with
 * COMPAT_ROOT=compass). Auth is `Authorization: Bearer <token>` (the platform's JWT); successes are
 * `{status: "success", message, data}`, errors `{status: "error", message, timestamp, status_code, errors?}`.
 * One entry a route: first the documented ones in the document's order, then the overview's features.
 * Contract choices: docs/compat/compass.md.
 */
import type { RestRoute, RouteRequest, SurfaceDefinition } from '../engine/types';
import { RestInputError } from '../engine/types';
import { databaseReady } from '../engine/health';
import type {
  CompassAnalyticsQuery,
  CompassCreatePartyMutation,
  CompassCreateQuestionMutation,
  CompassCreateUserMutation,
  CompassLoginMutation,
  CompassMatchesQuery,
  CompassPartiesQuery,
  CompassPartyAnswersQuery,
  CompassPartyPositionQuery,
  CompassPartyQuery,
  CompassPositionsQuery,
  CompassQuestionQuery,
  CompassQuestionsQuery,
  CompassRegisterMutation,
  CompassRemovePartyLogoMutation,
  CompassReplacePartyMutation,
  CompassReplaceQuestionMutation,
  CompassSetPartyAnswersMutation,
  CompassSetPartyLogoMutation,
  CompassSetUserAnswersMutation,
  CompassSetUserPictureMutation,
  CompassTokenInfoQuery,
  CompassUpdatePartyMutation,
  CompassUpdateQuestionMutation,
  CompassUserAnswersQuery,
  CompassUserPositionQuery,
  CompassUserQuery,
  CompassUsersQuery,
  CompassPartyLogoQuery,
  CompassUserPictureQuery,
} from '../../generated/graphql';
import {
  answerList,
  BodyReader,
  compassError,
  errorBody,
  idParam,
  legacyAnswer,
  legacyDate,
  legacyParty,
  legacyPosition,
  legacyQuestion,
  legacyRole,
  legacyUser,
} from './legacy';

/** The success message of each route (compass.md's wording where it has one). */
const messages = new WeakMap<RestRoute, string>();
function route<R extends RestRoute>(message: string, r: R): R {
  messages.set(r, message);
  return r;
}

function queryString(r: { query: Record<string, unknown> }, key: string, problems: Record<string, string>): string | undefined {
  const v = r.query[key];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') {
    problems[key] = `Only one ${key} may be given`;
    return undefined;
  }
  return v;
}

function queryInt(r: { query: Record<string, unknown> }, key: string, def: number, problems: Record<string, string>): number {
  const v = queryString(r, key, problems);
  if (v === undefined) return def;
  if (!/^\d{1,9}$/.test(v.trim())) {
    problems[key] = `${key.charAt(0).toUpperCase() + key.slice(1)} must be a whole number of 0 or more`;
    return def;
  }
  return Number(v.trim());
}

const userUpdateVariables = (r: RouteRequest) => {
  const b = new BodyReader(r);
  const input: Record<string, unknown> = {};
  const role = b.role();
  if (role !== undefined) input.role = role;
  for (const [key, name] of [
    ['username', 'username'],
    ['email_address', 'emailAddress'],
    ['profile_url', 'profileUrl'],
  ] as const) {
    const v = b.string(key);
    if (v !== undefined) input[name] = v;
  }
  const pn = b.int('patient_number');
  if (pn !== undefined) input.patientNumber = pn;
  b.done();
  return { userId: idParam(r.params.id), input };
};

const partyVariables = (r: RouteRequest) => {
  const b = new BodyReader(r);
  const input: Record<string, unknown> = {};
  for (const key of ['name', 'abbreviation', 'description'] as const) {
    const v = b.string(key);
    if (v !== undefined) input[key] = v;
  }
  b.done();
  return { partyId: idParam(r.params.id), input };
};

const questionVariables = (r: RouteRequest) => {
  const b = new BodyReader(r);
  const input: Record<string, unknown> = {};
  const text = b.string('text');
  if (text !== undefined) input.text = text;
  if (b.has('axis')) {
    const a = b.body.axis;
    if (typeof a === 'string' && ['economic', 'social'].includes(a.trim().toLowerCase())) input.axis = a.trim().toUpperCase();
    else b.problems.axis = 'Axis must be "economic" or "social"';
  }
  const direction = b.int('direction');
  if (direction !== undefined) input.direction = direction;
  const position = b.int('position');
  if (position !== undefined) input.position = position;
  b.done();
  return { questionId: idParam(r.params.id), input };
};

export const compassSurface: SurfaceDefinition = {
  id: 'compass',
  title: 'Political compass / party matching (compatibility API)',
  error: compassError,
  success: (body, status, r) => {
    if (status >= 400) return errorBody(status, 'Service unavailable');
    return { status: 'success', message: messages.get(r) ?? 'OK', data: body === undefined ? null : body };
  },
  routes: [
    // --- documented: auth ------------------------------------------------------------------------
    route('Login successful', {
      method: 'post',
      path: '/api/auth/login',
      summary: 'Log in with {username, password} or {email_address, password}; returns a Bearer token',
      operation: /* GraphQL */ `mutation CompassLogin($login: String!, $password: String!, $code: String) {
        login(input: { login: $login, password: $password, code: $code }) { token user { number username role } }
      }`,
      variables: (r) => {
        const b = (r.body && typeof r.body === 'object' ? r.body : {}) as Record<string, unknown>;
        const login = typeof b.username === 'string' && b.username ? b.username : b.email_address;
        if (typeof login !== 'string' || !login || typeof b.password !== 'string' || !b.password) {
          throw new RestInputError('Invalid credentials', 'UNAUTHENTICATED');
        }
        return { login, password: b.password, code: typeof b.code === 'string' ? b.code : null };
      },
      result: (data: CompassLoginMutation) => {
        const { token, user } = data.login;
        if (!token || !user) throw new RestInputError('Two-factor code required', 'UNAUTHENTICATED');
        return { token, user: { user_id: user.number, username: user.username, role: legacyRole(user.role) } };
      },
    }),
    route('user account created successfully', {
      method: 'post',
      path: '/api/auth/register',
      summary: 'Register {username, password, email_address}',
      operation: /* GraphQL */ `mutation CompassRegister($input: CompassRegisterInput!) {
        compassRegister(input: $input) { userId username emailAddress role profileUrl createdAt }
      }`,
      variables: (r) => {
        const b = new BodyReader(r);
        const input = { username: b.string('username'), emailAddress: b.string('email_address'), password: b.string('password') };
        b.done();
        return { input };
      },
      status: 201,
      result: (data: CompassRegisterMutation) => {
        const u = data.compassRegister;
        return {
          user_id: u.userId,
          username: u.username,
          email_address: u.emailAddress,
          role: legacyRole(u.role),
          profile_url: u.profileUrl ?? null,
          date_created: legacyDate(u.createdAt),
        };
      },
    }),
    route('Logged out successfully', {
      method: 'post',
      path: '/api/auth/logout',
      summary: 'Revoke the token\'s session',
      operation: /* GraphQL */ `mutation CompassLogout { logout }`,
      result: () => null,
    }),
    route('Token is valid', {
      method: 'get',
      path: '/api/auth/validate',
      summary: 'The token\'s user, role and expiry',
      operation: /* GraphQL */ `query CompassTokenInfo { compassTokenInfo { userId role expiresAt } }`,
      result: (data: CompassTokenInfoQuery) => ({
        user_id: data.compassTokenInfo.userId,
        role: legacyRole(data.compassTokenInfo.role),
        expires_at: legacyDate(data.compassTokenInfo.expiresAt),
      }),
    }),

    // --- documented: users -----------------------------------------------------------------------
    route('Users retrieved successfully', {
      method: 'get',
      path: '/api/users',
      summary: 'Admins: users filtered by role and username search, paginated',
      operation: /* GraphQL */ `query CompassUsers($filter: CompassUserFilter, $limit: Int!, $offset: Int!) {
        compassUsers(filter: $filter, limit: $limit, offset: $offset) {
          total limit offset
          items { userId role username emailAddress profileUrl patientNumber createdAt }
        }
      }`,
      variables: (r) => {
        const problems: Record<string, string> = {};
        const roleRaw = queryString(r, 'role', problems);
        let role: string | undefined;
        if (roleRaw !== undefined) {
          if (['user', 'admin'].includes(roleRaw.toLowerCase())) role = roleRaw.toUpperCase();
          else problems.role = 'Role must be "user" or "admin"';
        }
        const search = queryString(r, 'search', problems);
        const limit = queryInt(r, 'limit', 50, problems);
        const offset = queryInt(r, 'offset', 0, problems);
        if (Object.keys(problems).length) throw new RestInputError('Validation failed', 'BAD_USER_INPUT', { fields: problems });
        return { filter: { role: role ?? null, search: search ?? null }, limit, offset };
      },
      result: (data: CompassUsersQuery) => ({
        users: data.compassUsers.items.map(legacyUser),
        total: data.compassUsers.total,
        limit: data.compassUsers.limit,
        offset: data.compassUsers.offset,
      }),
    }),
    route('User retrieved successfully', {
      method: 'get',
      path: '/api/users/:id',
      summary: 'One user (the user themselves or an admin)',
      operation: /* GraphQL */ `query CompassUser($userId: Int!) {
        compassUser(userId: $userId) { userId role username emailAddress profileUrl patientNumber createdAt }
      }`,
      variables: (r) => ({ userId: idParam(r.params.id) }),
      result: (data: CompassUserQuery) => legacyUser(data.compassUser),
    }),
    route('User created successfully', {
      method: 'post',
      path: '/api/users',
      summary: 'Admins: create a user',
      operation: /* GraphQL */ `mutation CompassCreateUser($input: CompassCreateUserInput!) { compassCreateUser(input: $input) { userId } }`,
      variables: (r) => {
        const b = new BodyReader(r);
        const input: Record<string, unknown> = {
          username: b.string('username'),
          emailAddress: b.string('email_address'),
          password: b.string('password'),
          profileUrl: b.string('profile_url'),
          patientNumber: b.int('patient_number'),
        };
        const role = b.role();
        if (role) input.role = role;
        b.done();
        return { input };
      },
      status: 201,
      result: (data: CompassCreateUserMutation) => ({ message: 'User created', user_id: data.compassCreateUser.userId }),
    }),
    route('User updated successfully', {
      method: 'put',
      path: '/api/users/:id',
      summary: 'Admins: replace role, username, email_address, profile_url, patient_number',
      operation: /* GraphQL */ `mutation CompassReplaceUser($userId: Int!, $input: CompassUserUpdateInput!) {
        compassReplaceUser(userId: $userId, input: $input) { userId }
      }`,
      variables: userUpdateVariables,
      result: () => ({ message: 'User updated' }),
    }),
    route('User updated successfully', {
      method: 'patch',
      path: '/api/users/:id',
      summary: 'The user themselves or an admin: change some of the fields (only admins change role)',
      operation: /* GraphQL */ `mutation CompassUpdateUser($userId: Int!, $input: CompassUserUpdateInput!) {
        compassUpdateUser(userId: $userId, input: $input) { userId }
      }`,
      variables: userUpdateVariables,
      result: () => ({ message: 'User updated' }),
    }),
    route('Password updated successfully', {
      method: 'put',
      path: '/api/users/:id/password',
      summary: 'The user themselves (with old_password) or an admin',
      operation: /* GraphQL */ `mutation CompassChangePassword($userId: Int!, $oldPassword: String, $newPassword: String) {
        compassChangePassword(userId: $userId, oldPassword: $oldPassword, newPassword: $newPassword)
      }`,
      variables: (r) => {
        const b = new BodyReader(r);
        const vars = { userId: idParam(r.params.id), oldPassword: b.string('old_password') ?? null, newPassword: b.string('new_password') ?? null };
        b.done();
        return vars;
      },
      result: () => ({ message: 'Password updated' }),
    }),
    route('User deleted successfully', {
      method: 'delete',
      path: '/api/users/:id',
      summary: 'Admins: delete a user with their answers, picture and sessions',
      operation: /* GraphQL */ `mutation CompassDeleteUser($userId: Int!) { compassDeleteUser(userId: $userId) }`,
      variables: (r) => ({ userId: idParam(r.params.id) }),
      result: () => ({ message: 'User deleted' }),
    }),
    route('API is healthy', {
      method: 'get',
      path: '/api/health',
      summary: 'Health: the database answers',
      kind: 'plain',
      handle: async (app) => {
        const db = await databaseReady(app);
        return db.reachable ? { status: 200, body: { status: 'ok', database: 'ok' } } : { status: 503, body: { status: 'error', database: 'unreachable' } };
      },
    }),

    // --- overview: profile pictures, answers, positions, matches ---------------------------------
    route('Profile picture updated successfully', {
      method: 'post',
      path: '/api/users/:id/picture',
      summary: 'The user themselves or an admin: multipart field `picture` (PNG, JPEG or WebP, at most 2 MB)',
      operation: /* GraphQL */ `mutation CompassSetUserPicture($userId: Int!, $picture: Upload) {
        compassSetUserPicture(userId: $userId, picture: $picture) { userId role username emailAddress profileUrl patientNumber createdAt }
      }`,
      uploads: { picture: 'picture' },
      variables: (r) => ({ userId: idParam(r.params.id) }),
      result: (data: CompassSetUserPictureMutation) => legacyUser(data.compassSetUserPicture),
    }),
    {
      kind: 'download',
      method: 'get',
      path: '/api/users/:id/picture',
      summary: 'The stored profile picture (the user themselves or an admin)',
      operation: /* GraphQL */ `query CompassUserPicture($userId: Int!) { compassUserPicture(userId: $userId) { id } }`,
      variables: (r) => ({ userId: idParam(r.params.id) }),
      file: (data: CompassUserPictureQuery) => ({ fileId: data.compassUserPicture.id }),
    },
    route('Answers retrieved successfully', {
      method: 'get',
      path: '/api/users/:id/answers',
      summary: 'The user themselves or an admin: every question with the user\'s answer ("" when unanswered)',
      operation: /* GraphQL */ `query CompassUserAnswers($userId: Int!) {
        compassUserAnswers(userId: $userId) { questionId answer question { text } }
      }`,
      variables: (r) => ({ userId: idParam(r.params.id) }),
      result: (data: CompassUserAnswersQuery) => data.compassUserAnswers.map(legacyAnswer),
    }),
    route('Answers updated successfully', {
      method: 'put',
      path: '/api/users/:id/answers',
      summary: 'The user themselves or an admin: the whole list [{question_id, answer}] in one transaction',
      operation: /* GraphQL */ `mutation CompassSetUserAnswers($userId: Int!, $answers: [CompassAnswerInput!]!) {
        compassSetUserAnswers(userId: $userId, answers: $answers) { questionId answer question { text } }
      }`,
      variables: (r) => ({ userId: idParam(r.params.id), answers: answerList(r) }),
      result: (data: CompassSetUserAnswersMutation) => data.compassSetUserAnswers.map(legacyAnswer),
    }),
    route('Compass position calculated successfully', {
      method: 'get',
      path: '/api/users/:id/compass',
      summary: 'The user themselves or an admin: {x, y, answered, total}',
      operation: /* GraphQL */ `query CompassUserPosition($userId: Int!) { compassUserPosition(userId: $userId) { x y answered total } }`,
      variables: (r) => ({ userId: idParam(r.params.id) }),
      result: (data: CompassUserPositionQuery) => legacyPosition(data.compassUserPosition),
    }),
    route('Matches calculated successfully', {
      method: 'get',
      path: '/api/users/:id/matches',
      summary: 'The user themselves or an admin: the three nearest parties',
      operation: /* GraphQL */ `query CompassMatches($userId: Int!) {
        compassMatches(userId: $userId) { x y distance matchPercentage party { id name abbreviation description logoUrl } }
      }`,
      variables: (r) => ({ userId: idParam(r.params.id) }),
      result: (data: CompassMatchesQuery) =>
        data.compassMatches.map((m) => ({ ...legacyParty(m.party), x: m.x, y: m.y, distance: m.distance, match_percentage: m.matchPercentage })),
    }),

    // --- overview: parties -----------------------------------------------------------------------
    route('Parties retrieved successfully', {
      method: 'get',
      path: '/api/parties',
      summary: 'Public: every party',
      operation: /* GraphQL */ `query CompassParties { compassParties { id name abbreviation description logoUrl } }`,
      result: (data: CompassPartiesQuery) => data.compassParties.map(legacyParty),
    }),
    route('Party created successfully', {
      method: 'post',
      path: '/api/parties',
      summary: 'Super admins: {name, abbreviation, description}; returns the code and the party admin\'s credentials',
      operation: /* GraphQL */ `mutation CompassCreateParty($input: CompassPartyInput!) {
        compassCreateParty(input: $input) { code admin { username password } party { id name abbreviation description logoUrl } }
      }`,
      variables: (r) => ({ input: partyVariables(r).input }),
      status: 201,
      result: (data: CompassCreatePartyMutation) => ({
        party: legacyParty(data.compassCreateParty.party),
        code: data.compassCreateParty.code,
        admin: data.compassCreateParty.admin,
      }),
    }),
    route('Party retrieved successfully', {
      method: 'get',
      path: '/api/parties/:id',
      summary: 'Public: one party',
      operation: /* GraphQL */ `query CompassParty($partyId: Int!) { compassParty(partyId: $partyId) { id name abbreviation description logoUrl } }`,
      variables: (r) => ({ partyId: idParam(r.params.id) }),
      result: (data: CompassPartyQuery) => legacyParty(data.compassParty),
    }),
    route('Party updated successfully', {
      method: 'put',
      path: '/api/parties/:id',
      summary: 'Super admins or the party\'s admin: replace name, abbreviation, description',
      operation: /* GraphQL */ `mutation CompassReplaceParty($partyId: Int!, $input: CompassPartyInput!) {
        compassReplaceParty(partyId: $partyId, input: $input) { id name abbreviation description logoUrl }
      }`,
      variables: partyVariables,
      result: (data: CompassReplacePartyMutation) => legacyParty(data.compassReplaceParty),
    }),
    route('Party updated successfully', {
      method: 'patch',
      path: '/api/parties/:id',
      summary: 'Super admins or the party\'s admin: change some fields',
      operation: /* GraphQL */ `mutation CompassUpdateParty($partyId: Int!, $input: CompassPartyInput!) {
        compassUpdateParty(partyId: $partyId, input: $input) { id name abbreviation description logoUrl }
      }`,
      variables: partyVariables,
      result: (data: CompassUpdatePartyMutation) => legacyParty(data.compassUpdateParty),
    }),
    route('Party deleted successfully', {
      method: 'delete',
      path: '/api/parties/:id',
      summary: 'Super admins: delete a party with its answers, logo and party-admin account',
      operation: /* GraphQL */ `mutation CompassDeleteParty($partyId: Int!) { compassDeleteParty(partyId: $partyId) }`,
      variables: (r) => ({ partyId: idParam(r.params.id) }),
      result: () => ({ message: 'Party deleted' }),
    }),
    route('Logo uploaded successfully', {
      method: 'post',
      path: '/api/parties/:id/logo',
      summary: 'Super admins or the party\'s admin: multipart field `logo` (PNG, JPEG or WebP, at most 2 MB)',
      operation: /* GraphQL */ `mutation CompassSetPartyLogo($partyId: Int!, $logo: Upload) {
        compassSetPartyLogo(partyId: $partyId, logo: $logo) { id name abbreviation description logoUrl }
      }`,
      uploads: { logo: 'logo' },
      variables: (r) => ({ partyId: idParam(r.params.id) }),
      result: (data: CompassSetPartyLogoMutation) => legacyParty(data.compassSetPartyLogo),
    }),
    {
      kind: 'download',
      method: 'get',
      path: '/api/parties/:id/logo',
      summary: 'Public: the party\'s logo',
      operation: /* GraphQL */ `query CompassPartyLogo($partyId: Int!) { compassPartyLogo(partyId: $partyId) { id } }`,
      variables: (r) => ({ partyId: idParam(r.params.id) }),
      file: (data: CompassPartyLogoQuery) => ({ fileId: data.compassPartyLogo.id }),
    },
    route('Logo deleted successfully', {
      method: 'delete',
      path: '/api/parties/:id/logo',
      summary: 'Super admins or the party\'s admin: remove the logo',
      operation: /* GraphQL */ `mutation CompassRemovePartyLogo($partyId: Int!) {
        compassRemovePartyLogo(partyId: $partyId) { id name abbreviation description logoUrl }
      }`,
      variables: (r) => ({ partyId: idParam(r.params.id) }),
      result: (data: CompassRemovePartyLogoMutation) => legacyParty(data.compassRemovePartyLogo),
    }),
    route('Answers retrieved successfully', {
      method: 'get',
      path: '/api/parties/:id/answers',
      summary: 'Public: every question with the party\'s answer ("" when unanswered)',
      operation: /* GraphQL */ `query CompassPartyAnswers($partyId: Int!) {
        compassPartyAnswers(partyId: $partyId) { questionId answer question { text } }
      }`,
      variables: (r) => ({ partyId: idParam(r.params.id) }),
      result: (data: CompassPartyAnswersQuery) => data.compassPartyAnswers.map(legacyAnswer),
    }),
    route('Answers updated successfully', {
      method: 'put',
      path: '/api/parties/:id/answers',
      summary: 'The party\'s admin or a super admin: the whole list [{question_id, answer}] in one transaction',
      operation: /* GraphQL */ `mutation CompassSetPartyAnswers($partyId: Int!, $answers: [CompassAnswerInput!]!) {
        compassSetPartyAnswers(partyId: $partyId, answers: $answers) { questionId answer question { text } }
      }`,
      variables: (r) => ({ partyId: idParam(r.params.id), answers: answerList(r) }),
      result: (data: CompassSetPartyAnswersMutation) => data.compassSetPartyAnswers.map(legacyAnswer),
    }),
    route('Compass position calculated successfully', {
      method: 'get',
      path: '/api/parties/:id/compass',
      summary: 'Public: the party\'s {x, y, answered, total}',
      operation: /* GraphQL */ `query CompassPartyPosition($partyId: Int!) { compassPartyPosition(partyId: $partyId) { x y answered total } }`,
      variables: (r) => ({ partyId: idParam(r.params.id) }),
      result: (data: CompassPartyPositionQuery) => legacyPosition(data.compassPartyPosition),
    }),
    route('Compass positions retrieved successfully', {
      method: 'get',
      path: '/api/compass',
      summary: 'Public: every party\'s position',
      operation: /* GraphQL */ `query CompassPositions {
        compassPositions { x y answered total party { id name abbreviation description logoUrl } }
      }`,
      result: (data: CompassPositionsQuery) => data.compassPositions.map((p) => ({ ...legacyParty(p.party), ...legacyPosition(p) })),
    }),

    // --- overview: questions ---------------------------------------------------------------------
    route('Questions retrieved successfully', {
      method: 'get',
      path: '/api/questions',
      summary: 'Public: every question in position order',
      operation: /* GraphQL */ `query CompassQuestions { compassQuestions { id text axis direction position } }`,
      result: (data: CompassQuestionsQuery) => data.compassQuestions.map(legacyQuestion),
    }),
    route('Question created successfully', {
      method: 'post',
      path: '/api/questions',
      summary: 'Super admins: {text, axis, direction, position}; every party gets an empty answer',
      operation: /* GraphQL */ `mutation CompassCreateQuestion($input: CompassQuestionInput!) {
        compassCreateQuestion(input: $input) { id text axis direction position }
      }`,
      variables: (r) => ({ input: questionVariables(r).input }),
      status: 201,
      result: (data: CompassCreateQuestionMutation) => legacyQuestion(data.compassCreateQuestion),
    }),
    route('Question retrieved successfully', {
      method: 'get',
      path: '/api/questions/:id',
      summary: 'Public: one question',
      operation: /* GraphQL */ `query CompassQuestion($questionId: Int!) { compassQuestion(questionId: $questionId) { id text axis direction position } }`,
      variables: (r) => ({ questionId: idParam(r.params.id) }),
      result: (data: CompassQuestionQuery) => legacyQuestion(data.compassQuestion),
    }),
    route('Question updated successfully', {
      method: 'put',
      path: '/api/questions/:id',
      summary: 'Super admins: replace text, axis, direction (default 1), position (kept when absent)',
      operation: /* GraphQL */ `mutation CompassReplaceQuestion($questionId: Int!, $input: CompassQuestionInput!) {
        compassReplaceQuestion(questionId: $questionId, input: $input) { id text axis direction position }
      }`,
      variables: questionVariables,
      result: (data: CompassReplaceQuestionMutation) => legacyQuestion(data.compassReplaceQuestion),
    }),
    route('Question updated successfully', {
      method: 'patch',
      path: '/api/questions/:id',
      summary: 'Super admins: change some fields',
      operation: /* GraphQL */ `mutation CompassUpdateQuestion($questionId: Int!, $input: CompassQuestionInput!) {
        compassUpdateQuestion(questionId: $questionId, input: $input) { id text axis direction position }
      }`,
      variables: questionVariables,
      result: (data: CompassUpdateQuestionMutation) => legacyQuestion(data.compassUpdateQuestion),
    }),
    route('Question deleted successfully', {
      method: 'delete',
      path: '/api/questions/:id',
      summary: 'Super admins: delete a question with its answers',
      operation: /* GraphQL */ `mutation CompassDeleteQuestion($questionId: Int!) { compassDeleteQuestion(questionId: $questionId) }`,
      variables: (r) => ({ questionId: idParam(r.params.id) }),
      result: () => ({ message: 'Question deleted' }),
    }),

    // --- overview: analytics ---------------------------------------------------------------------
    route('Analytics retrieved successfully', {
      method: 'get',
      path: '/api/analytics',
      summary: 'Admins: totals, completion rate, answer distribution, top matches, mean position',
      operation: /* GraphQL */ `query CompassAnalytics {
        compassAnalytics {
          totals { users parties questions answers usersAnswered usersCompleted }
          completionRate
          distribution { stronglyAgree agree neutral disagree stronglyDisagree unanswered question { id text axis } }
          topMatches { users party { id name abbreviation } }
          meanPosition { x y }
        }
      }`,
      result: (data: CompassAnalyticsQuery) => {
        const a = data.compassAnalytics;
        return {
          totals: {
            users: a.totals.users,
            parties: a.totals.parties,
            questions: a.totals.questions,
            answers: a.totals.answers,
            users_answered: a.totals.usersAnswered,
            users_completed: a.totals.usersCompleted,
          },
          completion_rate: a.completionRate,
          answer_distribution: a.distribution.map((d) => ({
            question_id: d.question.id,
            text: d.question.text,
            axis: d.question.axis.toLowerCase(),
            strongly_agree: d.stronglyAgree,
            agree: d.agree,
            neutral: d.neutral,
            disagree: d.disagree,
            strongly_disagree: d.stronglyDisagree,
            unanswered: d.unanswered,
          })),
          top_matches: a.topMatches.map((t) => ({ party_id: t.party.id, name: t.party.name, abbreviation: t.party.abbreviation, users: t.users })),
          mean_position: { x: a.meanPosition.x, y: a.meanPosition.y },
        };
      },
    }),
  ],
};
