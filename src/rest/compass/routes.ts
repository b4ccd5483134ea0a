/**
 * The compass surface (api-docs/compass.md), under /compass (and at the root with COMPAT_ROOT=compass).
 * Auth is `Authorization: Bearer <token>` (the platform's JWT); successes are `{status: "success",
 * message, data}`, errors `{status: "error", message, timestamp, status_code, errors?}`. One entry a
 * route, in the document's order, then the overview's features. Each executes a canonical operation of
 * the graph; request.ts reads and validates the legacy bodies, legacy.ts shapes the answers.
 * Contract choices: docs/compat/compass.md.
 */
import type { RestRoute, SurfaceDefinition } from '../engine/types';
import { RestInputError } from '../engine/types';
import { databaseReady } from '../engine/health';
import { access } from '../../auth/access';
import { Application } from '../../modules/identity/enrollment';
import type {
  CompassAnalyticsQuery,
  CompassCreatePartyMutation,
  CompassCreateQuestionMutation,
  CompassCreateUserMutation,
  CompassLoginMutation,
  CompassMatchesQuery,
  CompassPartiesQuery,
  CompassPartyAnswersQuery,
  CompassPartyLogoQuery,
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
  CompassUserPictureQuery,
  CompassUserPositionQuery,
  CompassUserQuery,
  CompassUsersQuery,
} from '../../generated/graphql';
import {
  compassError,
  legacyAnalytics,
  declareWording,
  errorBody,
  legacyAnswer,
  legacyDate,
  legacyParty,
  legacyPartyMatch,
  legacyPartyPosition,
  legacyPosition,
  legacyQuestion,
  legacyRole,
  legacyUser,
  RouteWording,
} from './legacy';
import {
  answerList,
  createUserInput,
  idParam,
  partyVariables,
  passwordVariables,
  pictureVariables,
  questionVariables,
  registerInput,
  userListVariables,
  userUpdateVariables,
} from './request';
import { LOGO_POLICY } from '../../modules/compass/compass-common';
import { AVATAR_POLICY } from '../../modules/identity/identity.service';

/** The success message of each route (compass.md's wording where it has one). */
const messages = new WeakMap<RestRoute, string>();
function route<R extends RestRoute>(message: string, r: R, wording?: RouteWording): R {
  messages.set(r, message);
  if (wording) declareWording(r.method, r.path, wording);
  return r;
}

/**
 * The account routes of compass run shared identity operations: through this surface they are for
 * accounts compass has not turned off (open enrollment, ARCHITECTURE.md "One identity, separate
 * applications"), like compass's own operations.
 */
const compassUser = access.enrolled(Application.COMPASS);

/** Routes whose operation is declared for admins only: their 403 reads "Admin role required". */
const ADMINS: RouteWording = { adminOnly: true };

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
    route(
      'Login successful',
      {
        method: 'post',
        path: '/api/auth/login',
        summary: 'Log in with {username, password} or {email_address, password}; returns a Bearer token',
        operation: /* GraphQL */ `mutation CompassLogin($login: String!, $password: String!, $code: String) {
          login(input: { login: $login, password: $password, code: $code, application: COMPASS }) { token user { number username role } }
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
      },
      { credentials: true },
    ),
    route('user account created successfully', {
      method: 'post',
      path: '/api/auth/register',
      summary: 'Register {username, password, email_address}',
      operation: /* GraphQL */ `mutation CompassRegister($input: RegisterInput!) {
        register(input: $input, application: COMPASS) { number username email role profileUrl avatarFileId createdAt }
      }`,
      variables: (r) => ({ input: registerInput(r) }),
      status: 201,
      result: (data: CompassRegisterMutation) => {
        const { user_id, username, email_address, role, profile_url, date_created } = legacyUser(data.register);
        return { user_id, username, email_address, role, profile_url, date_created };
      },
    }),
    route('Logged out successfully', {
      method: 'post',
      path: '/api/auth/logout',
      summary: "Revoke the token's session",
      operation: /* GraphQL */ `mutation CompassLogout { logout }`,
      result: () => null,
    }),
    route('Token is valid', {
      method: 'get',
      path: '/api/auth/validate',
      access: compassUser,
      summary: "The token's user, role and expiry",
      operation: /* GraphQL */ `query CompassTokenInfo { me { number role } currentSession { expiresAt } }`,
      result: (data: CompassTokenInfoQuery) => ({
        user_id: data.me.number,
        role: legacyRole(data.me.role),
        expires_at: legacyDate(data.currentSession.expiresAt),
      }),
    }),

    // --- documented: users -----------------------------------------------------------------------
    route(
      'Users retrieved successfully',
      {
        method: 'get',
        path: '/api/users',
        summary: 'Admins: users filtered by role and username search, paginated',
        operation: /* GraphQL */ `query CompassUsers($filter: UserFilter, $limit: Int!, $offset: Int!) {
          users(filter: $filter, limit: $limit, offset: $offset) {
            total limit offset
            items { number role username email profileUrl avatarFileId patientNumber createdAt }
          }
        }`,
        variables: userListVariables,
        result: (data: CompassUsersQuery) => ({
          users: data.users.items.map(legacyUser),
          total: data.users.total,
          limit: data.users.limit,
          offset: data.users.offset,
        }),
      },
      ADMINS,
    ),
    route('User retrieved successfully', {
      method: 'get',
      path: '/api/users/:id',
      access: compassUser,
      summary: 'One user (the user themselves or an admin)',
      operation: /* GraphQL */ `query CompassUser($userNumber: Int!) {
        user(number: $userNumber) { number role username email profileUrl avatarFileId patientNumber createdAt }
      }`,
      variables: (r) => ({ userNumber: idParam(r.params.id) }),
      result: (data: CompassUserQuery) => legacyUser(data.user),
    }),
    route(
      'User created successfully',
      {
        method: 'post',
        path: '/api/users',
        summary: 'Admins: create a user',
        operation: /* GraphQL */ `mutation CompassCreateUser($input: CreateUserInput!) { createUser(input: $input) { number } }`,
        variables: (r) => ({ input: createUserInput(r) }),
        status: 201,
        result: (data: CompassCreateUserMutation) => ({ message: 'User created', user_id: data.createUser.number }),
      },
      ADMINS,
    ),
    route(
      'User updated successfully',
      {
        method: 'put',
        path: '/api/users/:id',
        summary: 'Admins: replace role, username, email_address, profile_url, patient_number',
        // compass.md: PUT is admins-only, PATCH "own profile or admin" (the canonical updateUser's rule)
        access: access.admin,
        operation: /* GraphQL */ `mutation CompassReplaceUser($userNumber: Int!, $input: UpdateUserInput!) {
          updateUser(number: $userNumber, input: $input) { number }
        }`,
        variables: (r) => userUpdateVariables(r, true),
        result: () => ({ message: 'User updated' }),
      },
      ADMINS,
    ),
    route('User updated successfully', {
      method: 'patch',
      path: '/api/users/:id',
      access: compassUser,
      summary: 'The user themselves or an admin: change some of the fields (only admins change role)',
      operation: /* GraphQL */ `mutation CompassUpdateUser($userNumber: Int!, $input: UpdateUserInput!) {
        updateUser(number: $userNumber, input: $input) { number }
      }`,
      variables: (r) => userUpdateVariables(r, false),
      result: () => ({ message: 'User updated' }),
    }),
    route('Password updated successfully', {
      method: 'put',
      path: '/api/users/:id/password',
      access: compassUser,
      summary: 'The user themselves (with old_password) or an admin',
      operation: /* GraphQL */ `mutation CompassChangePassword($userNumber: Int!, $oldPassword: String, $newPassword: String!) {
        changePassword(userNumber: $userNumber, oldPassword: $oldPassword, newPassword: $newPassword)
      }`,
      variables: passwordVariables,
      result: () => ({ message: 'Password updated' }),
    }),
    route(
      'User deleted successfully',
      {
        method: 'delete',
        path: '/api/users/:id',
        summary: 'Admins: delete a user with their answers, picture and sessions',
        operation: /* GraphQL */ `mutation CompassDeleteUser($userNumber: Int!) { deleteUser(number: $userNumber) }`,
        variables: (r) => ({ userNumber: idParam(r.params.id) }),
        result: () => ({ message: 'User deleted' }),
      },
      ADMINS,
    ),
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
    route(
      'Profile picture updated successfully',
      {
        method: 'post',
        path: '/api/users/:id/picture',
        access: compassUser,
        summary: 'The user themselves or an admin: multipart field `picture` (PNG, JPEG or WebP, at most 2 MB)',
        operation: /* GraphQL */ `mutation CompassSetUserPicture($userNumber: Int!, $picture: Upload!) {
          uploadAvatar(userNumber: $userNumber, file: $picture) { number role username email profileUrl avatarFileId patientNumber createdAt }
        }`,
        uploads: { picture: 'picture' },
        uploadMaxBytes: AVATAR_POLICY.maxBytes,
        variables: pictureVariables,
        result: (data: CompassSetUserPictureMutation) => legacyUser(data.uploadAvatar),
      },
      { fields: { file: 'picture' } },
    ),
    {
      kind: 'download',
      method: 'get',
      path: '/api/users/:id/picture',
      access: compassUser,
      summary: 'The stored profile picture (the user themselves or an admin)',
      operation: /* GraphQL */ `query CompassUserPicture($userNumber: Int!) { user(number: $userNumber) { avatarFileId } }`,
      variables: (r) => ({ userNumber: idParam(r.params.id) }),
      file: (data: CompassUserPictureQuery) => {
        if (!data.user.avatarFileId) throw new RestInputError('Picture not found', 'NOT_FOUND');
        return { fileId: data.user.avatarFileId };
      },
    },
    route('Answers retrieved successfully', {
      method: 'get',
      path: '/api/users/:id/answers',
      summary: 'The user themselves or an admin: every question with the user\'s answer ("" when unanswered)',
      operation: /* GraphQL */ `query CompassUserAnswers($userNumber: Int!) {
        userAnswers(userNumber: $userNumber) { questionId answer question { text } }
      }`,
      variables: (r) => ({ userNumber: idParam(r.params.id) }),
      result: (data: CompassUserAnswersQuery) => data.userAnswers.map(legacyAnswer),
    }),
    route('Answers updated successfully', {
      method: 'put',
      path: '/api/users/:id/answers',
      summary: 'The user themselves or an admin: the whole list [{question_id, answer}] in one transaction',
      operation: /* GraphQL */ `mutation CompassSetUserAnswers($userNumber: Int!, $answers: [CompassAnswerInput!]!) {
        setUserAnswers(userNumber: $userNumber, answers: $answers) { questionId answer question { text } }
      }`,
      variables: (r) => ({ userNumber: idParam(r.params.id), answers: answerList(r) }),
      result: (data: CompassSetUserAnswersMutation) => data.setUserAnswers.map(legacyAnswer),
    }),
    route('Compass position calculated successfully', {
      method: 'get',
      path: '/api/users/:id/compass',
      summary: 'The user themselves or an admin: {x, y, answered, total}',
      operation: /* GraphQL */ `query CompassUserPosition($userNumber: Int!) { userPosition(userNumber: $userNumber) { x y answered total } }`,
      variables: (r) => ({ userNumber: idParam(r.params.id) }),
      result: (data: CompassUserPositionQuery) => legacyPosition(data.userPosition),
    }),
    route('Matches calculated successfully', {
      method: 'get',
      path: '/api/users/:id/matches',
      summary: 'The user themselves or an admin: the three nearest parties',
      operation: /* GraphQL */ `query CompassMatches($userNumber: Int!) {
        partyMatches(userNumber: $userNumber) { x y distance matchPercentage party { id name abbreviation description logo { id } } }
      }`,
      variables: (r) => ({ userNumber: idParam(r.params.id) }),
      result: (data: CompassMatchesQuery) => data.partyMatches.map((m) => legacyPartyMatch(m.party, m)),
    }),

    // --- overview: parties -----------------------------------------------------------------------
    route('Parties retrieved successfully', {
      method: 'get',
      path: '/api/parties',
      summary: 'Public: every party',
      operation: /* GraphQL */ `query CompassParties { parties { id name abbreviation description logo { id } } }`,
      result: (data: CompassPartiesQuery) => data.parties.map(legacyParty),
    }),
    route(
      'Party created successfully',
      {
        method: 'post',
        path: '/api/parties',
        summary: "Super admins: {name, abbreviation, description}; returns the code and the party admin's credentials",
        operation: /* GraphQL */ `mutation CompassCreateParty($input: CreatePartyInput!) {
          createParty(input: $input) { code admin { username password } party { id name abbreviation description logo { id } } }
        }`,
        variables: (r) => ({ input: partyVariables(r, 'create').input }),
        status: 201,
        result: (data: CompassCreatePartyMutation) => ({
          party: legacyParty(data.createParty.party),
          code: data.createParty.code,
          admin: data.createParty.admin,
        }),
      },
      ADMINS,
    ),
    route('Party retrieved successfully', {
      method: 'get',
      path: '/api/parties/:id',
      summary: 'Public: one party',
      operation: /* GraphQL */ `query CompassParty($id: Int!) { party(id: $id) { id name abbreviation description logo { id } } }`,
      variables: (r) => ({ id: idParam(r.params.id) }),
      result: (data: CompassPartyQuery) => legacyParty(data.party),
    }),
    route('Party updated successfully', {
      method: 'put',
      path: '/api/parties/:id',
      summary: "Super admins or the party's admin: replace name, abbreviation, description",
      operation: /* GraphQL */ `mutation CompassReplaceParty($id: Int!, $input: UpdatePartyInput!) {
        updateParty(id: $id, input: $input) { id name abbreviation description logo { id } }
      }`,
      variables: (r) => partyVariables(r, 'replace'),
      result: (data: CompassReplacePartyMutation) => legacyParty(data.updateParty),
    }),
    route('Party updated successfully', {
      method: 'patch',
      path: '/api/parties/:id',
      summary: "Super admins or the party's admin: change some fields",
      operation: /* GraphQL */ `mutation CompassUpdateParty($id: Int!, $input: UpdatePartyInput!) {
        updateParty(id: $id, input: $input) { id name abbreviation description logo { id } }
      }`,
      variables: (r) => partyVariables(r, 'patch'),
      result: (data: CompassUpdatePartyMutation) => legacyParty(data.updateParty),
    }),
    route(
      'Party deleted successfully',
      {
        method: 'delete',
        path: '/api/parties/:id',
        summary: 'Super admins: delete a party with its answers, logo and party-admin account',
        operation: /* GraphQL */ `mutation CompassDeleteParty($id: Int!) { deleteParty(id: $id) }`,
        variables: (r) => ({ id: idParam(r.params.id) }),
        result: () => ({ message: 'Party deleted' }),
      },
      ADMINS,
    ),
    route('Logo uploaded successfully', {
      method: 'post',
      path: '/api/parties/:id/logo',
      summary: "Super admins or the party's admin: multipart field `logo` (PNG, JPEG or WebP, at most 2 MB)",
      operation: /* GraphQL */ `mutation CompassSetPartyLogo($partyId: Int!, $logo: Upload) {
        setPartyLogo(partyId: $partyId, logo: $logo) { id name abbreviation description logo { id } }
      }`,
      uploads: { logo: 'logo' },
      uploadMaxBytes: LOGO_POLICY.maxBytes,
      variables: (r) => ({ partyId: idParam(r.params.id) }),
      result: (data: CompassSetPartyLogoMutation) => legacyParty(data.setPartyLogo),
    }),
    {
      kind: 'download',
      method: 'get',
      path: '/api/parties/:id/logo',
      summary: "Public: the party's logo",
      operation: /* GraphQL */ `query CompassPartyLogo($id: Int!) { party(id: $id) { logo { id } } }`,
      variables: (r) => ({ id: idParam(r.params.id) }),
      file: (data: CompassPartyLogoQuery) => {
        if (!data.party.logo) throw new RestInputError('Logo not found', 'NOT_FOUND');
        return { fileId: data.party.logo.id };
      },
    },
    route('Logo deleted successfully', {
      method: 'delete',
      path: '/api/parties/:id/logo',
      summary: "Super admins or the party's admin: remove the logo",
      operation: /* GraphQL */ `mutation CompassRemovePartyLogo($partyId: Int!) {
        removePartyLogo(partyId: $partyId) { id name abbreviation description logo { id } }
      }`,
      variables: (r) => ({ partyId: idParam(r.params.id) }),
      result: (data: CompassRemovePartyLogoMutation) => legacyParty(data.removePartyLogo),
    }),
    route('Answers retrieved successfully', {
      method: 'get',
      path: '/api/parties/:id/answers',
      summary: 'Public: every question with the party\'s answer ("" when unanswered)',
      operation: /* GraphQL */ `query CompassPartyAnswers($partyId: Int!) {
        partyAnswers(partyId: $partyId) { questionId answer question { text } }
      }`,
      variables: (r) => ({ partyId: idParam(r.params.id) }),
      result: (data: CompassPartyAnswersQuery) => data.partyAnswers.map(legacyAnswer),
    }),
    route('Answers updated successfully', {
      method: 'put',
      path: '/api/parties/:id/answers',
      summary: "The party's admin or a super admin: the whole list [{question_id, answer}] in one transaction",
      operation: /* GraphQL */ `mutation CompassSetPartyAnswers($partyId: Int!, $answers: [CompassAnswerInput!]!) {
        setPartyAnswers(partyId: $partyId, answers: $answers) { questionId answer question { text } }
      }`,
      variables: (r) => ({ partyId: idParam(r.params.id), answers: answerList(r) }),
      result: (data: CompassSetPartyAnswersMutation) => data.setPartyAnswers.map(legacyAnswer),
    }),
    route('Compass position calculated successfully', {
      method: 'get',
      path: '/api/parties/:id/compass',
      summary: "Public: the party's {x, y, answered, total}",
      operation: /* GraphQL */ `query CompassPartyPosition($id: Int!) { party(id: $id) { position { x y answered total } } }`,
      variables: (r) => ({ id: idParam(r.params.id) }),
      result: (data: CompassPartyPositionQuery) => legacyPosition(data.party.position),
    }),
    route('Compass positions retrieved successfully', {
      method: 'get',
      path: '/api/compass',
      summary: "Public: every party's position",
      operation: /* GraphQL */ `query CompassPositions {
        parties { id name abbreviation description logo { id } position { x y answered total } }
      }`,
      result: (data: CompassPositionsQuery) => data.parties.map((p) => legacyPartyPosition(p, p.position)),
    }),

    // --- overview: questions ---------------------------------------------------------------------
    route('Questions retrieved successfully', {
      method: 'get',
      path: '/api/questions',
      summary: 'Public: every question in position order',
      operation: /* GraphQL */ `query CompassQuestions { questions { id text axis direction position } }`,
      result: (data: CompassQuestionsQuery) => data.questions.map(legacyQuestion),
    }),
    route(
      'Question created successfully',
      {
        method: 'post',
        path: '/api/questions',
        summary: 'Super admins: {text, axis, direction, position}; every party gets an empty answer',
        operation: /* GraphQL */ `mutation CompassCreateQuestion($input: CreateQuestionInput!) {
          createQuestion(input: $input) { id text axis direction position }
        }`,
        variables: (r) => ({ input: questionVariables(r, 'create').input }),
        status: 201,
        result: (data: CompassCreateQuestionMutation) => legacyQuestion(data.createQuestion),
      },
      ADMINS,
    ),
    route('Question retrieved successfully', {
      method: 'get',
      path: '/api/questions/:id',
      summary: 'Public: one question',
      operation: /* GraphQL */ `query CompassQuestion($id: Int!) { question(id: $id) { id text axis direction position } }`,
      variables: (r) => ({ id: idParam(r.params.id) }),
      result: (data: CompassQuestionQuery) => legacyQuestion(data.question),
    }),
    route(
      'Question updated successfully',
      {
        method: 'put',
        path: '/api/questions/:id',
        summary: 'Super admins: replace text, axis, direction (default 1), position (kept when absent)',
        operation: /* GraphQL */ `mutation CompassReplaceQuestion($id: Int!, $input: UpdateQuestionInput!) {
          updateQuestion(id: $id, input: $input) { id text axis direction position }
        }`,
        variables: (r) => questionVariables(r, 'replace'),
        result: (data: CompassReplaceQuestionMutation) => legacyQuestion(data.updateQuestion),
      },
      ADMINS,
    ),
    route(
      'Question updated successfully',
      {
        method: 'patch',
        path: '/api/questions/:id',
        summary: 'Super admins: change some fields',
        operation: /* GraphQL */ `mutation CompassUpdateQuestion($id: Int!, $input: UpdateQuestionInput!) {
          updateQuestion(id: $id, input: $input) { id text axis direction position }
        }`,
        variables: (r) => questionVariables(r, 'patch'),
        result: (data: CompassUpdateQuestionMutation) => legacyQuestion(data.updateQuestion),
      },
      ADMINS,
    ),
    route(
      'Question deleted successfully',
      {
        method: 'delete',
        path: '/api/questions/:id',
        summary: 'Super admins: delete a question with its answers',
        operation: /* GraphQL */ `mutation CompassDeleteQuestion($id: Int!) { deleteQuestion(id: $id) }`,
        variables: (r) => ({ id: idParam(r.params.id) }),
        result: () => ({ message: 'Question deleted' }),
      },
      ADMINS,
    ),

    // --- overview: analytics ---------------------------------------------------------------------
    route(
      'Analytics retrieved successfully',
      {
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
        result: (data: CompassAnalyticsQuery) => legacyAnalytics(data.compassAnalytics),
      },
      ADMINS,
    ),
  ],
};
