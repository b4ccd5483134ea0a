/**
 * An event's users, roles and invites, and invite redemption (conduct-core.md "Events": users, roles,
 * invites; "Invites"). Every route runs one operation of event-users.resolver.ts.
 */
import type { RestRoute, RouteRequest } from '../engine/types';
import type {
  ConductEventInvitesQuery,
  ConductEventUserQuery,
  ConductEventUsersByIdQuery,
  ConductEventUsersQuery,
  ConductCreateEventInviteMutation,
  ConductGrantRoleMutation,
  ConductInviteQuery,
  ConductRedeemInviteMutation,
  ConductUpdateEventInviteMutation,
} from '../../generated/graphql';
import { frontendUrl, paths, route } from './kit';
import { avatarUrl, roleName, roleNames } from './legacy';
import { body, checkEmail, eventRoleInput, queryString, refuse, requireFields, text } from './request';

const MESSAGES = {
  userUpdated: 'User updated successfully.',
  userRemoved: 'User removed from event.',
  userFieldsRequired: 'Name, email, and role are required.',
  roleFieldsRequired: 'User ID and role name are required.',
  roleAssigned: 'Role assigned.',
  roleRemoved: 'Role removed.',
  redeemed: 'Joined event successfully!',
};

interface MemberData {
  user: { id: string; name: string; email?: string | null; avatarFileId?: string | null };
  roles: Parameters<typeof roleNames>[0];
  joinDate: string;
  lastActivity?: string | null;
}

/** A row of the user lists: `{id, email, name, roles, avatarUrl, joinDate, lastActivity}`. */
function member(m: MemberData) {
  return {
    id: m.user.id,
    email: m.user.email ?? null,
    name: m.user.name,
    roles: roleNames(m.roles),
    avatarUrl: avatarUrl(m.user),
    joinDate: m.joinDate,
    lastActivity: m.lastActivity ?? null,
  };
}

interface InviteData {
  id: string;
  code: string;
  role: string;
  maxUses?: number | null;
  useCount: number;
  expiresAt?: string | null;
  disabled: boolean;
  note?: string | null;
}

/** `{id, code, role, maxUses, useCount, expiresAt, disabled, note, url}`; url: the frontend's invite page (kit.ts `frontendUrl`). */
function invite(i: InviteData, r: RouteRequest) {
  return {
    id: i.id,
    code: i.code,
    role: i.role,
    maxUses: i.maxUses ?? null,
    useCount: i.useCount,
    expiresAt: i.expiresAt ?? null,
    disabled: i.disabled,
    note: i.note ?? null,
    url: frontendUrl(r, `/invite/${i.code}`),
  };
}

/** `role=SuperAdmin` in an event's user list (any case): the platform role, which nobody holds in an event. */
function superAdminFilter(r: RouteRequest): boolean {
  return queryString(r, 'role')?.trim().toLowerCase() === 'superadmin';
}

/** A positive whole number from a query parameter (absent: undefined), else 400. */
function positive(r: RouteRequest, key: string): number | undefined {
  const v = queryString(r, key);
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < 1) refuse(`${key} must be a positive whole number.`, { [key]: 'must be a positive whole number' });
  return Number(v);
}

/**
 * The invite body of create and update: maxUses (a number or a numeric string), expiresAt (ISO or local), note, disabled, role
 * (an event role; `withRole` false leaves it to the caller: organization invites read their own).
 */
export function inviteInput(r: RouteRequest, withRole: boolean): Record<string, unknown> {
  const b = body(r);
  const input: Record<string, unknown> = {};
  if (b.maxUses !== undefined && b.maxUses !== null && b.maxUses !== '') {
    const n = typeof b.maxUses === 'string' && /^\d+$/.test(b.maxUses.trim()) ? Number(b.maxUses) : b.maxUses;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) refuse('maxUses must be a positive whole number.', { maxUses: 'must be a positive whole number' });
    input.maxUses = n;
  } else if (b.maxUses === null || b.maxUses === '') input.maxUses = null;
  if (b.expiresAt !== undefined && b.expiresAt !== null && b.expiresAt !== '') {
    const d = typeof b.expiresAt === 'string' ? new Date(b.expiresAt) : new Date(NaN);
    if (Number.isNaN(d.getTime())) refuse('expiresAt must be a date.', { expiresAt: 'must be a date' });
    input.expiresAt = d.toISOString();
  } else if (b.expiresAt === null || b.expiresAt === '') input.expiresAt = null;
  if (b.note !== undefined) {
    if (b.note !== null && typeof b.note !== 'string') refuse('note must be text.', { note: 'must be a string' });
    input.note = text(b.note) ?? null;
  }
  if (!withRole && b.disabled !== undefined) {
    if (typeof b.disabled !== 'boolean') refuse('disabled must be true or false.', { disabled: 'must be a boolean' });
    input.disabled = b.disabled;
  }
  if (withRole && b.role !== undefined && b.role !== null && b.role !== '') input.role = eventRoleInput(b.role);
  return input;
}

export const eventUserRoutes: RestRoute[] = [
  {
    method: 'get',
    ...paths('/api/events/:eventId/users'),
    summary: "The event's users with their roles (Admin/SuperAdmin)",
    operation: /* GraphQL */ `query ConductEventUsersById($eventId: ID!) {
      conductEventUsers(eventId: $eventId, limit: 1000) { users { user { id name email avatarFileId } roles joinDate lastActivity } }
    }`,
    variables: (r) => ({ eventId: r.params.eventId }),
    result: (data: ConductEventUsersByIdQuery) => ({ users: data.conductEventUsers.users.map(member) }),
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/users'),
    summary: "The event's users (any role): ?search&sort=name|email|role&order&page&limit (≤ 1000)&role → {users, total}",
    operation: /* GraphQL */ `query ConductEventUsers($slug: String!, $search: String, $sort: String, $order: String, $page: Int, $limit: Int, $role: ConductEventRoleName) {
      conductEventUsers(slug: $slug, search: $search, sort: $sort, order: $order, page: $page, limit: $limit, role: $role) {
        total users { user { id name email avatarFileId } roles joinDate lastActivity }
      }
    }`,
    variables: (r) => {
      const role = queryString(r, 'role');
      // SuperAdmin (offered by the team page's role menu) is no event role: the list is empty, not a refusal;
      // the operation still runs (one row) for its access checks
      if (superAdminFilter(r)) return { slug: r.params.slug, page: 1, limit: 1 };
      const sort = queryString(r, 'sort');
      const order = queryString(r, 'order')?.toLowerCase();
      if (sort !== undefined && !['name', 'email', 'role'].includes(sort)) refuse('sort must be name, email or role.', { sort: 'must be name, email or role' });
      if (order !== undefined && order !== 'asc' && order !== 'desc') refuse('order must be asc or desc.', { order: 'must be asc or desc' });
      const limit = positive(r, 'limit');
      if (limit !== undefined && limit > 1000) refuse('limit must be at most 1000.', { limit: 'must be at most 1000' });
      return {
        slug: r.params.slug,
        search: queryString(r, 'search') ?? null,
        sort: sort ?? null,
        order: order ?? null,
        page: positive(r, 'page') ?? null,
        limit: limit ?? null,
        role: role ? eventRoleInput(role) : null,
      };
    },
    result: (data: ConductEventUsersQuery, r) =>
      superAdminFilter(r) ? { users: [], total: 0 } : { users: data.conductEventUsers.users.map(member), total: data.conductEventUsers.total },
  },
  {
    method: 'patch',
    ...paths('/api/events/slug/:slug/users/:userId'),
    summary: "Admin: a user's name, email and their role in the event (replacing the others) → {message}",
    operation: /* GraphQL */ `mutation ConductUpdateEventUser($slug: String!, $userId: ID!, $input: UpdateConductEventUserInput!) {
      updateConductEventUser(slug: $slug, userId: $userId, input: $input) { user { id } }
    }`,
    variables: (r) => {
      const b = requireFields(body(r), ['name', 'email', 'role'], MESSAGES.userFieldsRequired);
      return { slug: r.params.slug, userId: r.params.userId, input: { name: b.name, email: checkEmail(b.email), role: eventRoleInput(b.role) } };
    },
    result: () => ({ message: MESSAGES.userUpdated }),
  },
  {
    method: 'delete',
    ...paths('/api/events/slug/:slug/users/:userId'),
    summary: 'Admin: removes every role of the user in the event (not the only Admin: 400) → {message}',
    operation: /* GraphQL */ `mutation ConductRemoveEventUser($slug: String!, $userId: ID!) { removeConductEventUser(slug: $slug, userId: $userId) }`,
    variables: (r) => ({ slug: r.params.slug, userId: r.params.userId }),
    result: () => ({ message: MESSAGES.userRemoved }),
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/users/:userId'),
    summary: 'Responder+: one user of the event → {user, roles, joinDate, lastActivity}',
    operation: /* GraphQL */ `query ConductEventUser($slug: String!, $userId: ID!) {
      conductEventUser(slug: $slug, userId: $userId) { user { id name email avatarFileId } roles joinDate lastActivity }
    }`,
    variables: (r) => ({ slug: r.params.slug, userId: r.params.userId }),
    result: (data: ConductEventUserQuery) => {
      const m = data.conductEventUser;
      return {
        user: { id: m.user.id, name: m.user.name, email: m.user.email ?? null, avatarUrl: avatarUrl(m.user) },
        roles: roleNames(m.roles),
        joinDate: m.joinDate,
        lastActivity: m.lastActivity ?? null,
      };
    },
  },
  {
    method: 'post',
    ...paths('/api/events/:eventId/roles'),
    summary: 'Admin: grants {userId, roleName} → {message, userEventRole}',
    operation: /* GraphQL */ `mutation ConductGrantRole($eventId: ID!, $userId: ID!, $role: ConductEventRoleName!) {
      grantConductEventRole(eventId: $eventId, userId: $userId, role: $role) { id role createdAt }
    }`,
    variables: (r) => {
      const b = requireFields(body(r), ['userId', 'roleName'], MESSAGES.roleFieldsRequired);
      return { eventId: r.params.eventId, userId: b.userId, role: eventRoleInput(b.roleName, 'roleName') };
    },
    result: (data: ConductGrantRoleMutation, r) => ({
      message: MESSAGES.roleAssigned,
      userEventRole: {
        id: data.grantConductEventRole.id,
        eventId: r.params.eventId,
        userId: (body(r).userId as string) ?? null,
        role: roleName(data.grantConductEventRole.role),
        createdAt: data.grantConductEventRole.createdAt,
      },
    }),
  },
  {
    method: 'delete',
    ...paths('/api/events/:eventId/roles'),
    summary: 'Admin: revokes {userId, roleName} (JSON body) → {message}',
    operation: /* GraphQL */ `mutation ConductRevokeRole($eventId: ID!, $userId: ID!, $role: ConductEventRoleName!) {
      revokeConductEventRole(eventId: $eventId, userId: $userId, role: $role)
    }`,
    variables: (r) => {
      const b = requireFields(body(r), ['userId', 'roleName'], MESSAGES.roleFieldsRequired);
      return { eventId: r.params.eventId, userId: b.userId, role: eventRoleInput(b.roleName, 'roleName') };
    },
    result: () => ({ message: MESSAGES.roleRemoved }),
  },
  {
    method: 'post',
    ...paths('/api/events/slug/:slug/invites'),
    summary: 'Admin: a new invite link {maxUses?, expiresAt?, note?, role? (Reporter)} → 201 {invite}',
    operation: /* GraphQL */ `mutation ConductCreateEventInvite($slug: String!, $input: ConductEventInviteInput!) {
      createConductEventInvite(slug: $slug, input: $input) { id code role maxUses useCount expiresAt disabled note }
    }`,
    variables: (r) => ({ slug: r.params.slug, input: inviteInput(r, true) }),
    status: 201,
    result: (data: ConductCreateEventInviteMutation, r) => ({ invite: invite(data.createConductEventInvite, r) }),
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/invites'),
    summary: "Admin: the event's invite links → {invites}",
    operation: /* GraphQL */ `query ConductEventInvites($slug: String!) { conductEventInvites(slug: $slug) { id code role maxUses useCount expiresAt disabled note } }`,
    variables: (r) => ({ slug: r.params.slug }),
    result: (data: ConductEventInvitesQuery, r) => ({ invites: data.conductEventInvites.map((i) => invite(i, r)) }),
  },
  {
    method: 'patch',
    ...paths('/api/events/slug/:slug/invites/:inviteId'),
    summary: 'Admin: changes an invite link {disabled?, expiresAt?, maxUses?, note?} → {invite}',
    operation: /* GraphQL */ `mutation ConductUpdateEventInvite($slug: String!, $inviteId: ID!, $input: ConductEventInviteInput!) {
      updateConductEventInvite(slug: $slug, inviteId: $inviteId, input: $input) { id code role maxUses useCount expiresAt disabled note }
    }`,
    variables: (r) => ({ slug: r.params.slug, inviteId: r.params.inviteId, input: inviteInput(r, false) }),
    result: (data: ConductUpdateEventInviteMutation, r) => ({ invite: invite(data.updateConductEventInvite, r) }),
  },
  {
    method: 'get',
    ...paths('/api/invites/:code'),
    summary: 'An event invite by its code (public) → {invite, event: {id, name, slug}}',
    operation: /* GraphQL */ `query ConductInvite($code: String!) {
      conductInvite(code: $code) { invite { id code role maxUses useCount expiresAt disabled note } event { id name slug } }
    }`,
    variables: (r) => ({ code: r.params.code }),
    result: (data: ConductInviteQuery, r) => ({ invite: invite(data.conductInvite.invite, r), event: data.conductInvite.event }),
  },
  route({
    method: 'post',
    ...paths('/api/invites/:code/redeem'),
    summary: 'Use an event invite (signed in): its role is granted → {message, eventSlug}',
    operation: /* GraphQL */ `mutation ConductRedeemInvite($code: String!) { redeemConductInvite(code: $code) { slug } }`,
    variables: (r) => ({ code: r.params.code }),
    result: (data: ConductRedeemInviteMutation) => ({ message: MESSAGES.redeemed, eventSlug: data.redeemConductInvite.slug }),
  }),
];
