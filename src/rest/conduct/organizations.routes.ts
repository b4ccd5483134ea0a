/**
 * Organizations (`/api/organizations`): CRUD, membership, organization events, logos, invite links
 * (conduct-core.md "Organizations"). Every route runs one operation of organizations.resolver.ts; the
 * rules (and the order 401, 404, 403, 400) are the service's, so bodies are passed on as sent and only
 * reshaped here. Literal segments come before parameters (`/me`, `/slug/…`, `/invite/…` before
 * `/:organizationId`).
 */
import type { RestRoute, RouteRequest } from '../engine/types';
import { RestInputError } from '../engine/types';
import type {
  ConductCreateOrganizationMutation,
  ConductCreateOrgEventMutation,
  ConductCreateOrgInviteMutation,
  ConductMyOrganizationsQuery,
  ConductOrganizationBySlugQuery,
  ConductOrganizationQuery,
  ConductOrganizationsQuery,
  ConductOrgEventsQuery,
  ConductOrgInviteQuery,
  ConductOrgInvitesQuery,
  ConductOrgLogoBySlugQuery,
  ConductOrgLogoQuery,
  ConductAddOrgMemberMutation,
  ConductUpdateOrganizationMutation,
  ConductUpdateOrgInviteMutation,
  ConductUseOrgInviteMutation,
} from '../../generated/graphql';
import { MESSAGES as ACCESS_MESSAGES } from '../../modules/conduct/conduct-access';
import { ORG_LOGO_POLICY } from '../../modules/conduct/organizations.service';
import { frontendUrl, paths, route, surfaceUrl } from './kit';
import { inviteInput } from './event-users.routes';
import { body, queryString, refuse, requireFields } from './request';
import { EventData, legacyEvent } from './events.routes';

const MESSAGES = {
  created: 'Organization created successfully',
  updated: 'Organization updated successfully',
  deleted: 'Organization deleted successfully',
  nameSlugRequired: 'Name and slug are required',
  memberAdded: 'Member added successfully',
  memberUpdated: 'Member role updated successfully',
  memberRemoved: 'Member removed successfully',
  eventCreated: 'Event created successfully',
  logoUploaded: 'Logo uploaded successfully',
  logoNone: 'Logo not found',
  inviteCreated: 'Invite link created successfully',
  inviteUpdated: 'Invite link updated successfully',
  joined: 'Successfully joined organization',
};

/** SuperAdmin-only routes say so in upstream's words. */
const SUPER_ADMIN_ONLY = { FORBIDDEN: ACCESS_MESSAGES.superAdminRequired };

// --- legacy shapes -------------------------------------------------------------------------------

interface OrgData {
  id: string;
  name: string;
  slug: string;
  description?: string | null;
  website?: string | null;
  createdAt: string;
  updatedAt: string;
}

/** The organization object: `{id, name, slug, description, website, createdAt, updatedAt}`. */
function org(o: OrgData) {
  return { id: o.id, name: o.name, slug: o.slug, description: o.description ?? null, website: o.website ?? null, createdAt: o.createdAt, updatedAt: o.updatedAt };
}

/** The graph's org role (`ORG_ADMIN`) as conduct writes it (`org_admin`). */
function orgRole(role: string): string {
  return role.toLowerCase();
}

interface FullOrgData extends OrgData {
  eventCount: number;
  memberCount: number;
  logo?: { id: string } | null;
  memberships: { id: string; role: string; createdAt: string; user: { id: string; name: string; email?: string | null } }[];
}

/**
 * The reads the frontend's organization pages and the SuperAdmin's list use: the object plus
 * `memberships` and `_count` (frontend), and upstream's `logoUrl` (an `<img src>`: the stored logo's
 * route, null without one).
 */
function fullOrg(o: FullOrgData, r: RouteRequest) {
  return {
    ...org(o),
    logoUrl: o.logo ? surfaceUrl(r, `/api/organizations/${o.id}/logo`) : null,
    memberships: o.memberships.map((m) => ({ id: m.id, role: orgRole(m.role), createdAt: m.createdAt, user: { id: m.user.id, name: m.user.name, email: m.user.email ?? null } })),
    _count: { events: o.eventCount, memberships: o.memberCount },
  };
}

/**
 * How many members each item of the SuperAdmin's list carries (the frontend's cards read
 * `memberships` to name the org admins; single reads list them all, up to 1000). The list's document
 * spells it as a literal, so that its cost is known when the route table is checked at start.
 */
export const ORG_LIST_MEMBERS = 50;

/** conduct-core.md "Event object" (events.routes.ts) with the organization it belongs to. */
function event(e: EventData, organizationId: string) {
  return { ...legacyEvent(e), organizationId };
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
  createdAt: string;
}

/** `{id, code, role, maxUses, useCount, expiresAt, disabled, note, url}`; url: the frontend's page `/org-invite/<code>` (kit.ts `frontendUrl`). */
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
    createdAt: i.createdAt,
    url: frontendUrl(r, `/org-invite/${i.code}`),
  };
}

// --- request reading -----------------------------------------------------------------------------

/** A positive whole number from a query parameter (absent: null), else 400. */
function positive(r: RouteRequest, key: string): number | null {
  const v = queryString(r, key);
  if (v === undefined) return null;
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1_000_000) refuse(`${key} must be a positive whole number.`, { [key]: 'must be a positive whole number' });
  return Number(v);
}

/** An optional text field of a body as sent: absent undefined, null null, a string as is; anything else 400. */
function optional(b: Record<string, unknown>, key: string): string | null | undefined {
  const v = b[key];
  if (v === undefined || v === null || typeof v === 'string') return v;
  refuse(`${key} must be text.`, { [key]: 'must be a string' });
}

/** A field the service requires, as sent (missing or not text: '' so the service refuses it after its access checks). */
function passed(b: Record<string, unknown>, key: string): string {
  const v = b[key];
  return typeof v === 'string' ? v : '';
}

/** An optional date of a body (ISO or `YYYY-MM-DD`; empty or null: none). */
function date(b: Record<string, unknown>, key: string): string | null | undefined {
  const v = b[key];
  if (v === undefined) return undefined;
  if (v === null || v === '') return null;
  const d = typeof v === 'string' ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime())) refuse(`${key} must be a date.`, { [key]: 'must be a date (ISO or YYYY-MM-DD)' });
  return d.toISOString();
}

function orgInviteInput(r: RouteRequest, create: boolean): Record<string, unknown> {
  const input = inviteInput(r, false);
  if (create) delete input.disabled;
  const role = body(r).role;
  if (role !== undefined && role !== null) input.role = typeof role === 'string' ? role : '';
  return input;
}

// --- routes --------------------------------------------------------------------------------------

export const organizationRoutes: RestRoute[] = [
  // --- Organization Management ---------------------------------------------------------------------
  route(
    {
      method: 'post',
      ...paths('/api/organizations'),
      summary: 'SuperAdmin: a new organization {name, slug, description?, website?}; the creator becomes org_admin → 201 {message, organization}',
      operation: /* GraphQL */ `mutation ConductCreateOrganization($input: CreateConductOrganizationInput!) {
        createConductOrganization(input: $input) { id name slug description website createdAt updatedAt }
      }`,
      variables: (r) => {
        const b = body(r);
        const { name, slug } = requireFields(b, ['name', 'slug'], MESSAGES.nameSlugRequired);
        return { input: { name, slug, description: optional(b, 'description'), website: optional(b, 'website') } };
      },
      status: 201,
      result: (data: ConductCreateOrganizationMutation) => ({ message: MESSAGES.created, organization: org(data.createConductOrganization) }),
    },
    SUPER_ADMIN_ONLY,
  ),
  route(
    {
      method: 'get',
      ...paths('/api/organizations'),
      summary: `SuperAdmin: every organization ?search&page&limit → {organizations (with _count, logoUrl and their first ${ORG_LIST_MEMBERS} memberships), pagination: {page, limit, total, totalPages}}`,
      operation: /* GraphQL */ `query ConductOrganizations($search: String, $page: Int, $limit: Int) {
        conductOrganizations(search: $search, page: $page, limit: $limit) {
          total page limit totalPages organizations {
            id name slug description website createdAt updatedAt eventCount memberCount logo { id }
            memberships(limit: 50) { id role createdAt user { id name email } }
          }
        }
      }`,
      variables: (r) => ({ search: queryString(r, 'search') ?? null, page: positive(r, 'page'), limit: positive(r, 'limit') }),
      result: ({ conductOrganizations: p }: ConductOrganizationsQuery, r) => ({
        organizations: p.organizations.map((o) => fullOrg(o, r)),
        pagination: { page: p.page, limit: p.limit, total: p.total, totalPages: p.totalPages },
      }),
    },
    SUPER_ADMIN_ONLY,
  ),
  {
    method: 'get',
    ...paths('/api/organizations/me'),
    summary: "The caller's organizations, each with its membership {id, role, createdAt}",
    operation: /* GraphQL */ `query ConductMyOrganizations {
      myConductOrganizations { id role createdAt organization { id name slug description website createdAt updatedAt } }
    }`,
    result: (data: ConductMyOrganizationsQuery) => ({
      organizations: data.myConductOrganizations.map((m) => ({ ...org(m.organization), membership: { id: m.id, role: orgRole(m.role), createdAt: m.createdAt } })),
    }),
  },
  {
    method: 'get',
    ...paths('/api/organizations/slug/:orgSlug'),
    summary: 'Members: one organization by slug, with memberships and _count → {organization}',
    operation: /* GraphQL */ `query ConductOrganizationBySlug($slug: String!) { conductOrganization(slug: $slug) { id name slug description website createdAt updatedAt eventCount memberCount logo { id } memberships { id role createdAt user { id name email } } } }`,
    variables: (r) => ({ slug: r.params.orgSlug }),
    result: (data: ConductOrganizationBySlugQuery, r) => ({ organization: fullOrg(data.conductOrganization, r) }),
  },
  // --- Organization Logo Management (by slug) ----------------------------------------------------
  {
    method: 'post',
    ...paths('/api/organizations/slug/:orgSlug/logo'),
    summary: 'org_admin: the logo by slug, multipart field `logo`, an image of at most 5 MB → {message}',
    operation: /* GraphQL */ `mutation ConductSetOrgLogoBySlug($slug: String!, $logo: Upload) { setConductOrgLogo(slug: $slug, logo: $logo) { id } }`,
    uploads: { logo: 'logo' },
    uploadMaxBytes: ORG_LOGO_POLICY.maxBytes,
    variables: (r) => ({ slug: r.params.orgSlug }),
    result: () => ({ message: MESSAGES.logoUploaded }),
  },
  {
    kind: 'download',
    method: 'get',
    ...paths('/api/organizations/slug/:orgSlug/logo'),
    summary: "An organization's logo by slug (public; HEAD too); 404 none or unknown",
    operation: /* GraphQL */ `query ConductOrgLogoBySlug($slug: String!) { conductOrgLogo(slug: $slug) { id } }`,
    variables: (r) => ({ slug: r.params.orgSlug }),
    file: (data: ConductOrgLogoBySlugQuery) => {
      if (!data.conductOrgLogo) throw new RestInputError(MESSAGES.logoNone, 'NOT_FOUND');
      return { fileId: data.conductOrgLogo.id, cacheSeconds: 60 };
    },
  },
  // --- Organization Invite Management (by code) --------------------------------------------------
  {
    method: 'get',
    ...paths('/api/organizations/invite/:code'),
    summary: 'An organization invite by its code, whatever its state (public) → {organization: {id, name, slug, description}, invite}',
    operation: /* GraphQL */ `query ConductOrgInvite($code: String!) {
      conductOrgInvite(code: $code) { invite { id code role maxUses useCount expiresAt disabled note createdAt } organization { id name slug description } }
    }`,
    variables: (r) => ({ code: r.params.code }),
    result: ({ conductOrgInvite: v }: ConductOrgInviteQuery, r) => ({
      organization: { id: v.organization.id, name: v.organization.name, slug: v.organization.slug, description: v.organization.description ?? null },
      invite: invite(v.invite, r),
    }),
  },
  {
    method: 'post',
    ...paths('/api/organizations/invite/:code/use'),
    summary: 'Use an organization invite (signed in): the caller joins with its role → {message, organization, role}',
    operation: /* GraphQL */ `mutation ConductUseOrgInvite($code: String!) {
      useConductOrgInvite(code: $code) { id role createdAt organization { id name slug description website createdAt updatedAt } }
    }`,
    variables: (r) => ({ code: r.params.code }),
    result: ({ useConductOrgInvite: m }: ConductUseOrgInviteMutation) => ({ message: MESSAGES.joined, organization: org(m.organization), role: orgRole(m.role) }),
  },
  // --- one organization ------------------------------------------------------------------------------
  {
    method: 'get',
    ...paths('/api/organizations/:organizationId'),
    summary: 'Members: one organization by id, with memberships and _count → {organization}',
    operation: /* GraphQL */ `query ConductOrganization($id: ID!) { conductOrganization(id: $id) { id name slug description website createdAt updatedAt eventCount memberCount logo { id } memberships { id role createdAt user { id name email } } } }`,
    variables: (r) => ({ id: r.params.organizationId }),
    result: (data: ConductOrganizationQuery, r) => ({ organization: fullOrg(data.conductOrganization, r) }),
  },
  {
    method: 'put',
    ...paths('/api/organizations/:organizationId'),
    summary: 'org_admin: {name?, description?, website?, slug?} → {message, organization}',
    operation: /* GraphQL */ `mutation ConductUpdateOrganization($id: ID!, $input: UpdateConductOrganizationInput!) {
      updateConductOrganization(id: $id, input: $input) { id name slug description website createdAt updatedAt }
    }`,
    variables: (r) => {
      const b = body(r);
      const input: Record<string, unknown> = {};
      for (const key of ['name', 'slug', 'description', 'website']) {
        const v = optional(b, key);
        if (v !== undefined) input[key] = v;
      }
      return { id: r.params.organizationId, input };
    },
    result: (data: ConductUpdateOrganizationMutation) => ({ message: MESSAGES.updated, organization: org(data.updateConductOrganization) }),
  },
  route(
    {
      method: 'delete',
      ...paths('/api/organizations/:organizationId'),
      summary: 'SuperAdmin: deletes the organization with its members, invites, events (and their data) and logos → {message}',
      operation: /* GraphQL */ `mutation ConductDeleteOrganization($id: ID!) { deleteConductOrganization(id: $id) }`,
      variables: (r) => ({ id: r.params.organizationId }),
      result: () => ({ message: MESSAGES.deleted }),
    },
    SUPER_ADMIN_ONLY,
  ),
  // --- Organization Membership ---------------------------------------------------------------------
  {
    method: 'post',
    ...paths('/api/organizations/:organizationId/members'),
    summary: 'org_admin: adds {userId, role: org_admin|org_viewer} → 201 {message}; 404 unknown user, 409 already a member',
    operation: /* GraphQL */ `mutation ConductAddOrgMember($organizationId: ID!, $userId: ID!, $role: String!) {
      addConductOrgMember(organizationId: $organizationId, userId: $userId, role: $role) { id role createdAt user { id } }
    }`,
    variables: (r) => {
      const b = body(r);
      return { organizationId: r.params.organizationId, userId: passed(b, 'userId'), role: passed(b, 'role') };
    },
    status: 201,
    result: ({ addConductOrgMember: m }: ConductAddOrgMemberMutation, r) => ({
      message: MESSAGES.memberAdded,
      membership: { id: m.id, organizationId: r.params.organizationId, userId: m.user.id, role: orgRole(m.role), createdAt: m.createdAt },
    }),
  },
  {
    method: 'put',
    ...paths('/api/organizations/:organizationId/members/:userId'),
    summary: "org_admin: a member's {role} → {message}",
    operation: /* GraphQL */ `mutation ConductUpdateOrgMember($organizationId: ID!, $userId: ID!, $role: String!) {
      updateConductOrgMember(organizationId: $organizationId, userId: $userId, role: $role) { id }
    }`,
    variables: (r) => ({ organizationId: r.params.organizationId, userId: r.params.userId, role: passed(body(r), 'role') }),
    result: () => ({ message: MESSAGES.memberUpdated }),
  },
  {
    method: 'delete',
    ...paths('/api/organizations/:organizationId/members/:userId'),
    summary: 'org_admin: removes a member → {message}',
    operation: /* GraphQL */ `mutation ConductRemoveOrgMember($organizationId: ID!, $userId: ID!) {
      removeConductOrgMember(organizationId: $organizationId, userId: $userId)
    }`,
    variables: (r) => ({ organizationId: r.params.organizationId, userId: r.params.userId }),
    result: () => ({ message: MESSAGES.memberRemoved }),
  },
  // --- Organization Events -------------------------------------------------------------------------
  {
    method: 'post',
    ...paths('/api/organizations/:organizationId/events'),
    summary: 'org_admin: a new event {name, slug, description?, startDate?, endDate?, website?, contactEmail?}; the creator is its Admin → 201 {message, event}',
    operation: /* GraphQL */ `mutation ConductCreateOrgEvent($organizationId: ID!, $input: CreateConductOrgEventInput!) {
      createConductOrgEvent(organizationId: $organizationId, input: $input) { id name slug description startDate endDate website contactEmail codeOfConduct isActive setupRequired createdAt updatedAt }
    }`,
    variables: (r) => {
      const b = body(r);
      const input: Record<string, unknown> = { name: passed(b, 'name'), slug: passed(b, 'slug') };
      for (const key of ['description', 'website', 'contactEmail', 'codeOfConduct']) input[key] = optional(b, key);
      for (const key of ['startDate', 'endDate']) input[key] = date(b, key);
      return { organizationId: r.params.organizationId, input };
    },
    status: 201,
    result: (data: ConductCreateOrgEventMutation, r) => ({ message: MESSAGES.eventCreated, event: event(data.createConductOrgEvent, r.params.organizationId) }),
  },
  {
    method: 'get',
    ...paths('/api/organizations/:organizationId/events'),
    summary: "Members: the organization's events ?search&isActive&page&limit → {events (with _count: {reports, userEventRoles}), pagination}",
    operation: /* GraphQL */ `query ConductOrgEvents($organizationId: ID!, $search: String, $isActive: Boolean, $page: Int, $limit: Int) {
      conductOrgEvents(organizationId: $organizationId, search: $search, isActive: $isActive, page: $page, limit: $limit) {
        total page limit totalPages events { reportCount roleCount event { id name slug description startDate endDate website contactEmail codeOfConduct isActive setupRequired createdAt updatedAt } }
      }
    }`,
    variables: (r) => {
      const active = queryString(r, 'isActive')?.toLowerCase();
      if (active !== undefined && active !== 'true' && active !== 'false') refuse('isActive must be true or false.', { isActive: 'must be true or false' });
      return {
        organizationId: r.params.organizationId,
        search: queryString(r, 'search') ?? null,
        isActive: active === undefined ? null : active === 'true',
        page: positive(r, 'page'),
        limit: positive(r, 'limit'),
      };
    },
    result: ({ conductOrgEvents: p }: ConductOrgEventsQuery, r) => ({
      events: p.events.map((e) => ({ ...event(e.event, r.params.organizationId), _count: { reports: e.reportCount, userEventRoles: e.roleCount } })),
      pagination: { page: p.page, limit: p.limit, total: p.total, totalPages: p.totalPages },
    }),
  },
  // --- Organization Logo Management (by id) ------------------------------------------------------
  {
    method: 'post',
    ...paths('/api/organizations/:organizationId/logo'),
    summary: 'org_admin: the logo, multipart field `logo`, an image of at most 5 MB → {message}',
    operation: /* GraphQL */ `mutation ConductSetOrgLogo($organizationId: ID!, $logo: Upload) { setConductOrgLogo(organizationId: $organizationId, logo: $logo) { id } }`,
    uploads: { logo: 'logo' },
    uploadMaxBytes: ORG_LOGO_POLICY.maxBytes,
    variables: (r) => ({ organizationId: r.params.organizationId }),
    result: () => ({ message: MESSAGES.logoUploaded }),
  },
  {
    kind: 'download',
    method: 'get',
    ...paths('/api/organizations/:organizationId/logo'),
    summary: "An organization's logo (public; HEAD too); 404 none or unknown",
    operation: /* GraphQL */ `query ConductOrgLogo($organizationId: ID!) { conductOrgLogo(organizationId: $organizationId) { id } }`,
    variables: (r) => ({ organizationId: r.params.organizationId }),
    file: (data: ConductOrgLogoQuery) => {
      if (!data.conductOrgLogo) throw new RestInputError(MESSAGES.logoNone, 'NOT_FOUND');
      return { fileId: data.conductOrgLogo.id, cacheSeconds: 60 };
    },
  },
  // --- Organization Invite Management --------------------------------------------------------------
  {
    method: 'post',
    ...paths('/api/organizations/:organizationId/invites'),
    summary: 'org_admin: a new invite link {role: org_admin|org_viewer, expiresAt?, maxUses?, note?} → 201 {message, invite}',
    operation: /* GraphQL */ `mutation ConductCreateOrgInvite($organizationId: ID!, $input: ConductOrgInviteInput!) {
      createConductOrgInvite(organizationId: $organizationId, input: $input) { id code role maxUses useCount expiresAt disabled note createdAt }
    }`,
    variables: (r) => ({ organizationId: r.params.organizationId, input: orgInviteInput(r, true) }),
    status: 201,
    result: (data: ConductCreateOrgInviteMutation, r) => ({ message: MESSAGES.inviteCreated, invite: invite(data.createConductOrgInvite, r) }),
  },
  {
    method: 'get',
    ...paths('/api/organizations/:organizationId/invites'),
    summary: "org_admin: the organization's invite links → {invites}",
    operation: /* GraphQL */ `query ConductOrgInvites($organizationId: ID!) { conductOrgInvites(organizationId: $organizationId) { id code role maxUses useCount expiresAt disabled note createdAt } }`,
    variables: (r) => ({ organizationId: r.params.organizationId }),
    result: (data: ConductOrgInvitesQuery, r) => ({ invites: data.conductOrgInvites.map((i) => invite(i, r)) }),
  },
  {
    method: 'patch',
    ...paths('/api/organizations/:organizationId/invites/:inviteId'),
    summary: 'org_admin: changes an invite link {disabled?, note?, expiresAt?, maxUses?} → {message, invite}',
    operation: /* GraphQL */ `mutation ConductUpdateOrgInvite($organizationId: ID!, $inviteId: ID!, $input: ConductOrgInviteInput!) {
      updateConductOrgInvite(organizationId: $organizationId, inviteId: $inviteId, input: $input) { id code role maxUses useCount expiresAt disabled note createdAt }
    }`,
    variables: (r) => {
      const input = orgInviteInput(r, false);
      delete input.role;
      return { organizationId: r.params.organizationId, inviteId: r.params.inviteId, input };
    },
    result: (data: ConductUpdateOrgInviteMutation, r) => ({ message: MESSAGES.inviteUpdated, invite: invite(data.updateConductOrgInvite, r) }),
  },
];
