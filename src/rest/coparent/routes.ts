/**
 * The coparent surface (api-docs/coparent.md), under /coparent (and at the root with COMPAT_ROOT=coparent).
 * Auth is the HttpOnly `session` cookie; errors are `{ "error": "description" }`.
 * One entry a documented route, in the document's order.
 */
import { httpStatusOf } from '../../errors/domain-error';
import type { RouteRequest, SurfaceDefinition } from '../engine/types';
import { RestInputError } from '../engine/types';
import type {
  CoparentAdminCreateUserMutation,
  CoparentAdminUpdateUserMutation,
  CoparentAdminUsersQuery,
  CoparentApplyCycleTemplateMutation,
  CoparentCreateBlockMutation,
  CoparentCreateItemMutation,
  CoparentCycleTemplateQuery,
  CoparentItemsOnDayQuery,
  CoparentItemsQuery,
  CoparentLoginMutation,
  CoparentMeQuery,
  CoparentScheduleBlocksQuery,
  CoparentScheduleQuery,
  CoparentSetCycleTemplateMutation,
  CoparentUpdateBlockMutation,
  CoparentUpdateItemMutation,
} from '../../generated/graphql';
import {
  bodyOf,
  optionalBooleanField,
  optionalIntField,
  optionalQueryParam,
  optionalStringField,
  pick,
  queryParam,
  roleVariable,
  stringField,
  templateDaysVariable,
} from './input';
import { legacyBlock, legacyDays, legacyItem, legacyTemplate, legacyUser } from './mappers';

/** PATCH and PUT (both accepted) of an item run this one operation. */
const UPDATE_ITEM = /* GraphQL */ `mutation CoparentUpdateItem($id: ID!, $input: UpdateCoparentItemInput!) {
  updateCoparentItem(id: $id, input: $input) { id date type title body owner { id username } createdAt updatedAt }
}`;

/** PATCH and PUT (both accepted) of a user run this one operation. */
const UPDATE_USER = /* GraphQL */ `mutation CoparentAdminUpdateUser($id: ID!, $input: UpdateHouseholdMemberInput!) {
  updateHouseholdMember(userId: $id, input: $input) { id username coparentRole createdAt }
}`;

const updateItemVariables = (r: RouteRequest) => {
  const b = pick(bodyOf(r), ['title', 'body', 'type']);
  const input: Record<string, unknown> = {};
  for (const k of Object.keys(b)) input[k] = optionalStringField(b, k);
  return { id: r.params.id, input };
};

const updateUserVariables = (r: RouteRequest) => {
  const b = bodyOf(r);
  const input: Record<string, unknown> = {};
  if (b.password !== undefined) input.password = stringField(b, 'password');
  if (b.role !== undefined) input.role = roleVariable(b.role);
  return { id: r.params.id, input };
};

export const coparentSurface: SurfaceDefinition = {
  id: 'coparent',
  title: 'Co-parenting calendar (compatibility API)',
  error: (code, message) => ({ status: httpStatusOf(code), body: { error: code === 'INTERNAL' ? 'Internal server error' : message } }),
  routes: [
    {
      method: 'post',
      path: '/api/auth/login',
      summary: 'Log in with username and password; sets the session cookie',
      operation: /* GraphQL */ `mutation CoparentLogin($login: String!, $password: String!) {
        login(input: { login: $login, password: $password }) { user { id username coparentRole } }
      }`,
      variables: ({ body }) => {
        const b = (body ?? {}) as Record<string, unknown>;
        if (typeof b.username !== 'string' || typeof b.password !== 'string' || !b.username || !b.password) {
          throw new RestInputError('username and password are required');
        }
        return { login: b.username, password: b.password };
      },
      result: (data: CoparentLoginMutation) => legacyUser(data.login.user!),
    },
    {
      method: 'post',
      path: '/api/auth/logout',
      summary: 'End the session and clear the cookie',
      operation: /* GraphQL */ `mutation CoparentLogout { logout }`,
      status: 204,
    },
    {
      method: 'get',
      path: '/api/auth/me',
      summary: 'The current user (id, username, role: the household role, USER in none)',
      operation: /* GraphQL */ `query CoparentMe { me { id username coparentRole } }`,
      result: (data: CoparentMeQuery) => legacyUser(data.me),
    },
    {
      method: 'get',
      path: '/api/health',
      summary: 'Liveness',
      kind: 'plain',
      handle: async () => ({ status: 200, body: { status: 'ok', time: new Date().toISOString() } }),
    },

    // --- items: any signed-in user reads; the owner or an admin changes ---------------------------
    {
      method: 'get',
      path: '/api/items',
      summary: 'Items dated in ?month=YYYY-MM, by date then creation',
      operation: /* GraphQL */ `query CoparentItems($month: String!) {
        coparentItems(month: $month) { id date type title body owner { id username } createdAt updatedAt }
      }`,
      variables: (r) => ({ month: queryParam(r, 'month') }),
      result: (data: CoparentItemsQuery) => data.coparentItems.map(legacyItem),
    },
    {
      method: 'get',
      path: '/api/items/day/:date',
      summary: 'Items of one day (YYYY-MM-DD)',
      operation: /* GraphQL */ `query CoparentItemsOnDay($date: String!) {
        coparentItemsOnDay(date: $date) { id date type title body owner { id username } createdAt updatedAt }
      }`,
      variables: (r) => ({ date: r.params.date }),
      result: (data: CoparentItemsOnDayQuery) => data.coparentItemsOnDay.map(legacyItem),
    },
    {
      method: 'post',
      path: '/api/items',
      summary: 'Create an item {date, type, title, body, owner_id?}; owner_id is for admins',
      operation: /* GraphQL */ `mutation CoparentCreateItem($input: CreateCoparentItemInput!) {
        createCoparentItem(input: $input) { id date type title body owner { id username } createdAt updatedAt }
      }`,
      variables: (r) => {
        const b = bodyOf(r);
        const owner = b.owner_id !== undefined ? optionalStringField(b, 'owner_id') : optionalStringField(b, 'ownerId');
        return {
          input: {
            date: stringField(b, 'date'),
            type: stringField(b, 'type'),
            title: stringField(b, 'title'),
            body: optionalStringField(b, 'body') ?? null,
            ownerId: owner ?? null,
          },
        };
      },
      result: (data: CoparentCreateItemMutation) => legacyItem(data.createCoparentItem),
    },
    {
      method: 'patch',
      path: '/api/items/:id',
      summary: 'Update any subset of {title, body, type} (owner or admin)',
      operation: UPDATE_ITEM,
      variables: updateItemVariables,
      result: (data: CoparentUpdateItemMutation) => legacyItem(data.updateCoparentItem),
    },
    {
      method: 'put',
      path: '/api/items/:id',
      summary: 'Same as PATCH (accepted for older clients)',
      operation: UPDATE_ITEM,
      variables: updateItemVariables,
      result: (data: CoparentUpdateItemMutation) => legacyItem(data.updateCoparentItem),
    },
    {
      method: 'delete',
      path: '/api/items/:id',
      summary: 'Delete an item (owner or admin)',
      operation: /* GraphQL */ `mutation CoparentDeleteItem($id: ID!) { deleteCoparentItem(id: $id) }`,
      variables: (r) => ({ id: r.params.id }),
      status: 204,
    },

    // --- schedule: anyone signed in reads; blocks and the cycle template are admin-only ----------
    {
      method: 'get',
      path: '/api/schedule',
      summary: 'The days map and blocks of ?month=YYYY-MM (or ?start=&end=, inclusive)',
      operation: /* GraphQL */ `query CoparentSchedule($month: String, $start: String, $end: String) {
        coparentSchedule(month: $month, start: $start, end: $end) {
          days { date owner label color blockId }
          blocks { id startDate endDate owner label color createdAt updatedAt }
        }
      }`,
      variables: (r) => ({ month: optionalQueryParam(r, 'month'), start: optionalQueryParam(r, 'start'), end: optionalQueryParam(r, 'end') }),
      result: (data: CoparentScheduleQuery) => ({
        days: legacyDays(data.coparentSchedule.days),
        blocks: data.coparentSchedule.blocks.map(legacyBlock),
      }),
    },
    {
      method: 'get',
      path: '/api/schedule/blocks',
      summary: 'Blocks overlapping the optional inclusive ?start=&end=, by startDate (admin)',
      operation: /* GraphQL */ `query CoparentScheduleBlocks($start: String, $end: String) {
        coparentScheduleBlocks(start: $start, end: $end) { id startDate endDate owner label color createdAt updatedAt }
      }`,
      variables: (r) => ({ start: optionalQueryParam(r, 'start'), end: optionalQueryParam(r, 'end') }),
      result: (data: CoparentScheduleBlocksQuery) => data.coparentScheduleBlocks.map(legacyBlock),
    },
    {
      method: 'post',
      path: '/api/schedule/blocks',
      summary: 'Create a block {startDate, endDate, owner, label?, color?} (admin)',
      operation: /* GraphQL */ `mutation CoparentCreateBlock($input: CreateCoparentScheduleBlockInput!) {
        createCoparentScheduleBlock(input: $input) { id startDate endDate owner label color createdAt updatedAt }
      }`,
      variables: (r) => {
        const b = bodyOf(r);
        return {
          input: {
            startDate: stringField(b, 'startDate'),
            endDate: stringField(b, 'endDate'),
            owner: stringField(b, 'owner'),
            label: optionalStringField(b, 'label') ?? null,
            color: optionalStringField(b, 'color') ?? null,
          },
        };
      },
      status: 201,
      result: (data: CoparentCreateBlockMutation) => legacyBlock(data.createCoparentScheduleBlock),
    },
    {
      method: 'put',
      path: '/api/schedule/blocks/:id',
      summary: 'Update a subset of a block; label and color may be null (admin)',
      operation: /* GraphQL */ `mutation CoparentUpdateBlock($id: ID!, $input: UpdateCoparentScheduleBlockInput!) {
        updateCoparentScheduleBlock(id: $id, input: $input) { id startDate endDate owner label color createdAt updatedAt }
      }`,
      variables: (r) => {
        const b = pick(bodyOf(r), ['startDate', 'endDate', 'owner', 'label', 'color']);
        const input: Record<string, unknown> = {};
        for (const k of Object.keys(b)) input[k] = optionalStringField(b, k);
        return { id: r.params.id, input };
      },
      result: (data: CoparentUpdateBlockMutation) => legacyBlock(data.updateCoparentScheduleBlock),
    },
    {
      method: 'delete',
      path: '/api/schedule/blocks/:id',
      summary: 'Delete a block (admin)',
      operation: /* GraphQL */ `mutation CoparentDeleteBlock($id: ID!) { deleteCoparentScheduleBlock(id: $id) }`,
      variables: (r) => ({ id: r.params.id }),
      status: 204,
    },
    {
      method: 'get',
      path: '/api/schedule/templates/cycle',
      summary: 'The active cycle template, or null (admin)',
      operation: /* GraphQL */ `query CoparentCycleTemplate {
        coparentCycleTemplate { id name days { dayIndex owner label color } createdAt updatedAt }
      }`,
      result: (data: CoparentCycleTemplateQuery) => (data.coparentCycleTemplate ? legacyTemplate(data.coparentCycleTemplate) : null),
    },
    {
      method: 'put',
      path: '/api/schedule/templates/cycle',
      summary: 'Save the cycle template {name, days: [{dayIndex, owner, label?, color?}]} (admin)',
      operation: /* GraphQL */ `mutation CoparentSetCycleTemplate($input: CoparentCycleTemplateInput!) {
        setCoparentCycleTemplate(input: $input) { id name days { dayIndex owner label color } createdAt updatedAt }
      }`,
      variables: (r) => {
        const b = bodyOf(r);
        return { input: { name: stringField(b, 'name'), days: templateDaysVariable(b.days) } };
      },
      result: (data: CoparentSetCycleTemplateMutation) => legacyTemplate(data.setCoparentCycleTemplate),
    },
    {
      method: 'post',
      path: '/api/schedule/templates/cycle/apply',
      summary: 'Lay the template out from anchorDate for cycles (default 6) × its length (admin)',
      operation: /* GraphQL */ `mutation CoparentApplyCycleTemplate($input: ApplyCoparentCycleTemplateInput!) {
        applyCoparentCycleTemplate(input: $input) { blocksCreated blocksDeleted startDate endDate }
      }`,
      result: (data: CoparentApplyCycleTemplateMutation) => data.applyCoparentCycleTemplate,
      variables: (r) => {
        const b = bodyOf(r);
        return {
          input: {
            anchorDate: stringField(b, 'anchorDate'),
            cycles: optionalIntField(b, 'cycles') ?? null,
            replaceExisting: optionalBooleanField(b, 'replaceExisting') ?? null,
          },
        };
      },
    },

    // --- admin: the household's members (docs/compat/coparent.md "Households") ----------------------
    {
      method: 'get',
      path: '/api/admin/users',
      summary: "The members of the admin's household with id, username, role, createdAt (household admin)",
      operation: /* GraphQL */ `query CoparentAdminUsers {
        householdMembers { id username coparentRole createdAt }
      }`,
      result: (data: CoparentAdminUsersQuery) => data.householdMembers.map(legacyUser),
    },
    {
      method: 'post',
      path: '/api/admin/users',
      summary: "Create a user {username, password, role} in the admin's household (household admin)",
      operation: /* GraphQL */ `mutation CoparentAdminCreateUser($input: CreateHouseholdMemberInput!) {
        createHouseholdMember(input: $input) { id username coparentRole createdAt }
      }`,
      variables: (r) => {
        const b = bodyOf(r);
        return {
          input: {
            username: stringField(b, 'username'),
            password: stringField(b, 'password'),
            role: b.role === undefined || b.role === null ? null : roleVariable(b.role),
          },
        };
      },
      result: (data: CoparentAdminCreateUserMutation) => legacyUser(data.createHouseholdMember),
    },
    {
      method: 'patch',
      path: '/api/admin/users/:id',
      summary: "Change a user's password and/or role (admin)",
      operation: UPDATE_USER,
      variables: updateUserVariables,
      result: (data: CoparentAdminUpdateUserMutation) => legacyUser(data.updateHouseholdMember),
    },
    {
      method: 'put',
      path: '/api/admin/users/:id',
      summary: 'Same as PATCH (accepted for older clients)',
      operation: UPDATE_USER,
      variables: updateUserVariables,
      result: (data: CoparentAdminUpdateUserMutation) => legacyUser(data.updateHouseholdMember),
    },
    {
      method: 'delete',
      path: '/api/admin/users/:id',
      summary: 'Take a user out of the household with their items (household admin; never its last admin); a coparent-only account is deleted',
      operation: /* GraphQL */ `mutation CoparentAdminDeleteUser($id: ID!) { removeHouseholdMember(userId: $id) }`,
      variables: (r) => ({ id: r.params.id }),
      status: 204,
    },
  ],
};
