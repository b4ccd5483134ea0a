/**
 * conduct's organizations (conduct-core.md "Organizations"): the SuperAdmin's list, creation and deletion;
 * a member's reads; the org_admin's changes, members, events, logo and invite links; the public invite
 * page and its use. Every check is here (conduct-access.ts helpers: the organization first, 404, then the
 * role, 403, then the input, 400, then the ids the input names, 404), so GraphQL and REST agree; every
 * change runs in a unit of work and writes its audit entry there.
 */
import type { FileUpload } from 'graphql-upload-minimal';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { badInput, conflict, notFound } from '../../errors/domain-error';
import { isUuid } from '../../db/ids';
import { unitOfWork } from '../../db/unit-of-work';
import { IMAGE_TYPES, readUploadField, StoragePolicy } from '../../storage/storage';
import { User } from '../identity/user.entity';
import { EMAIL } from '../identity/identity.service';
import { ConductEvent } from './event.entity';
import { ConductEventRole, ConductEventRoleName } from './event-role.entity';
import { ConductInvite } from './invite.entity';
import { ConductOrganization, ConductOrgMembership, ConductOrgRole } from './organization.entity';
import {
  audit,
  findOrganization,
  forgetEventRoles,
  forgetOrgRoles,
  isSlug,
  organizationWithRole,
  parseOrgRole,
  replaceLogo,
  requireOrgRole,
  requireSuperAdmin,
} from './conduct-access';
import type { ConductRef } from './conduct-access';
import { claimInvite, INVITE_MESSAGES } from './invite-claim';
import { checkInvite } from './event-users.service';

/** The largest page of the SuperAdmin's organization list. */
export const ORGANIZATIONS_MAX = 100;
/** The members a single-organization read lists (the first by join date). */
export const ORG_MEMBERS_MAX = 1000;
/** The organizations of one user (`/me`), by name. */
export const MY_ORGANIZATIONS_MAX = 500;
/** The largest page of an organization's events. */
export const ORG_EVENTS_MAX = 100;
/** The invite links of one organization, newest first. */
export const ORG_INVITES_MAX = 500;

/** conduct-core.md "Logos": an image (sniffed) of at most 5 MB. */
export const ORG_LOGO_POLICY: StoragePolicy = { purpose: 'conduct-organization-logo', maxBytes: 5 * 1024 * 1024, accept: [...IMAGE_TYPES, 'image/gif'] };

export const ORG_MESSAGES = {
  nameSlugRequired: 'Name and slug are required',
  badSlug: 'Slug must contain only lowercase letters, numbers, and hyphens',
  slugTaken: 'Organization slug already exists',
  eventSlugTaken: 'Event slug already exists',
  userRoleRequired: 'User ID and role are required',
  roleRequired: 'Role is required',
  badRole: 'Invalid role. Must be org_admin or org_viewer',
  userNotFound: 'User not found',
  alreadyMember: 'User is already a member of this organization',
  notMember: 'User is not a member of this organization',
  noLogo: 'No logo file uploaded.',
  inviteNotFound: 'Invite not found',
} as const;

// --- input rules -----------------------------------------------------------------------------------

/** An optional text field: undefined keeps, null or blank clears, else trimmed and at most `max` long. */
function optionalText(value: string | null | undefined, field: string, max: number): string | null | undefined {
  if (value === undefined) return undefined;
  if (value === null || value.trim() === '') return null;
  const v = value.trim();
  if (v.length > max) throw badInput(`${field} must be at most ${max} characters`, { [field]: `at most ${max} characters` });
  return v;
}

function requiredName(value: string | null | undefined, max = 200): string {
  const name = value?.trim() ?? '';
  if (!name) throw badInput('Name cannot be empty', { name: 'is required' });
  if (name.length > max) throw badInput(`name must be at most ${max} characters`, { name: `at most ${max} characters` });
  return name;
}

function checkedSlug(value: string | null | undefined): string {
  const slug = value?.trim() ?? '';
  if (!slug) throw badInput(ORG_MESSAGES.nameSlugRequired, { slug: 'is required' });
  if (!isSlug(slug) || slug.length > 100) throw badInput(ORG_MESSAGES.badSlug, { slug: 'only a-z, 0-9 and -, at most 100 characters' });
  return slug;
}

function orgRoleOf(value: string | null | undefined): ConductOrgRole {
  const role = parseOrgRole(value);
  if (!role) throw badInput(ORG_MESSAGES.badRole, { role: 'must be org_admin or org_viewer' });
  return role;
}

function paging(page: number | null | undefined, limit: number | null | undefined, max: number): { page: number; limit: number } {
  const p = page ?? 1;
  const l = limit ?? 20;
  if (!Number.isInteger(p) || p < 1) throw badInput('page must be a whole number from 1', { page: 'must be from 1' });
  if (!Number.isInteger(l) || l < 1 || l > max) throw badInput(`limit must be from 1 to ${max}`, { limit: `must be from 1 to ${max}` });
  return { page: p, limit: l };
}

/** `%term%` for ilike, its wildcards escaped; null for no search. */
function likePattern(search: string | null | undefined): string | null {
  const s = search?.trim();
  return s ? `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
}

/** Runs `work`; a unique violation (a slug taken by a concurrent request) becomes 409 `message`. */
async function uniqueSlug<T>(message: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) throw conflict(message, { slug: 'is taken' });
    throw err;
  }
}

// --- organizations ---------------------------------------------------------------------------------

export interface OrganizationInput {
  name?: string | null;
  slug?: string | null;
  description?: string | null;
  website?: string | null;
}

export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  limit: number;
  totalPages: number;
}

/** SuperAdmin: every organization, newest first; `search` on name and description (any case). */
export async function organizations(ctx: AppContext, q: { search?: string | null; page?: number | null; limit?: number | null }): Promise<Page<ConductOrganization>> {
  requireSuperAdmin(ctx);
  const { page, limit } = paging(q.page, q.limit, ORGANIZATIONS_MAX);
  const like = likePattern(q.search);
  const where = like ? { $or: [{ name: { $ilike: like } }, { description: { $ilike: like } }] } : {};
  const [items, total] = await ctx.em.findAndCount(ConductOrganization, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit, offset: (page - 1) * limit });
  return { items, total, page, limit, totalPages: Math.ceil(total / limit) };
}

/** Any member (or the SuperAdmin): one organization by id or slug. */
export async function organization(ctx: AppContext, ref: ConductRef): Promise<ConductOrganization> {
  return (await organizationWithRole(ctx, ref, 'org_viewer')).organization;
}

/** The viewer's memberships with their organizations, by organization name. */
export async function myMemberships(ctx: AppContext): Promise<ConductOrgMembership[]> {
  const viewer = requireViewer(ctx);
  return ctx.em.find(ConductOrgMembership, { user: viewer.id }, { populate: ['organization'], orderBy: { organization: { name: 'asc' }, id: 'asc' }, limit: MY_ORGANIZATIONS_MAX });
}

/** SuperAdmin: a new organization; the creator becomes its org_admin. 409 for a taken slug. */
export async function createOrganization(ctx: AppContext, input: OrganizationInput): Promise<ConductOrganization> {
  const viewer = requireSuperAdmin(ctx);
  if (!input.name?.trim() || !input.slug?.trim()) {
    throw badInput(ORG_MESSAGES.nameSlugRequired, { ...(input.name?.trim() ? {} : { name: 'is required' }), ...(input.slug?.trim() ? {} : { slug: 'is required' }) });
  }
  const name = requiredName(input.name);
  const slug = checkedSlug(input.slug);
  const description = optionalText(input.description, 'description', 5000) ?? null;
  const website = optionalText(input.website, 'website', 500) ?? null;
  return uniqueSlug(ORG_MESSAGES.slugTaken, () =>
    unitOfWork(ctx, async (tx) => {
      if (await tx.em.count(ConductOrganization, { slug })) throw conflict(ORG_MESSAGES.slugTaken, { slug: 'is taken' });
      const org = tx.em.create(ConductOrganization, { name, slug, description, website });
      tx.em.persist(org);
      tx.em.persist(tx.em.create(ConductOrgMembership, { organization: org, user: tx.em.getReference(User, viewer.id), role: ConductOrgRole.ORG_ADMIN }));
      await tx.em.flush();
      forgetOrgRoles(ctx, viewer.id);
      tx.publish('conduct.orgMembershipChanged', { organizationId: org.id, userId: viewer.id, kind: 'MEMBER_ADDED' });
      await audit(tx, { action: 'organization.created', targetType: 'Organization', targetId: org.id, organizationId: org.id, details: { slug } });
      return org;
    }),
  );
}

/** org_admin: name, slug, description, website (absent keeps; blank clears the optional ones). */
export async function updateOrganization(ctx: AppContext, id: string, input: OrganizationInput): Promise<ConductOrganization> {
  const { organization: org } = await organizationWithRole(ctx, { id }, 'org_admin');
  const name = input.name === undefined ? undefined : requiredName(input.name);
  const slug = input.slug === undefined || input.slug === null ? undefined : checkedSlug(input.slug);
  const description = optionalText(input.description, 'description', 5000);
  const website = optionalText(input.website, 'website', 500);
  return uniqueSlug(ORG_MESSAGES.slugTaken, () =>
    unitOfWork(ctx, async (tx) => {
      const row = await tx.em.findOneOrFail(ConductOrganization, { id: org.id });
      const changed: string[] = [];
      if (slug !== undefined && slug !== row.slug) {
        if (await tx.em.count(ConductOrganization, { slug, id: { $ne: row.id } })) throw conflict(ORG_MESSAGES.slugTaken, { slug: 'is taken' });
        row.slug = slug;
        changed.push('slug');
      }
      if (name !== undefined && name !== row.name) {
        row.name = name;
        changed.push('name');
      }
      if (description !== undefined && description !== (row.description ?? null)) {
        row.description = description;
        changed.push('description');
      }
      if (website !== undefined && website !== (row.website ?? null)) {
        row.website = website;
        changed.push('website');
      }
      await tx.em.flush();
      await audit(tx, { action: 'organization.updated', targetType: 'Organization', targetId: row.id, organizationId: row.id, details: { changed } });
      return row;
    }),
  );
}

/**
 * SuperAdmin: the organization goes with its data (conduct-core.md union 6: with its events, whatever
 * upstream refused): memberships, invites and events cascade in the database, and with the events their
 * roles, invites and reports. The stored logos of the organization and of its events are removed in the
 * same unit of work.
 */
export async function deleteOrganization(ctx: AppContext, id: string): Promise<boolean> {
  requireSuperAdmin(ctx);
  const org = await findOrganization(ctx, { id });
  return unitOfWork(ctx, async (tx) => {
    const row = await tx.em.findOne(ConductOrganization, { id: org.id });
    if (!row) throw notFound('Organization not found');
    const events = await tx.em.find(ConductEvent, { organization: row.id }, { fields: ['id', 'logoFileId'] });
    const files = [row.logoFileId, ...events.map((e) => e.logoFileId)].filter((f): f is string => !!f);
    await tx.em.nativeDelete(ConductOrganization, { id: row.id });
    for (const file of files) await ctx.app.storage.remove(tx.em, file);
    await audit(tx, {
      action: 'organization.deleted',
      targetType: 'Organization',
      targetId: row.id,
      organizationId: row.id,
      details: { slug: row.slug, name: row.name, events: events.length },
    });
    return true;
  });
}

// --- members ---------------------------------------------------------------------------------------

/** org_admin: adds a user with a role; 400 missing/bad input, 404 unknown user, 409 already a member. */
export async function addMember(ctx: AppContext, organizationId: string, userId: string | null | undefined, role: string | null | undefined): Promise<ConductOrgMembership> {
  const { organization: org } = await organizationWithRole(ctx, { id: organizationId }, 'org_admin');
  if (!userId?.trim() || !role?.trim())
    throw badInput(ORG_MESSAGES.userRoleRequired, { ...(userId?.trim() ? {} : { userId: 'is required' }), ...(role?.trim() ? {} : { role: 'is required' }) });
  const orgRole = orgRoleOf(role);
  return unitOfWork(ctx, async (tx) => {
    const user = isUuid(userId) ? await tx.em.findOne(User, { id: userId, deletedAt: null }) : null;
    if (!user) throw notFound(ORG_MESSAGES.userNotFound);
    if (await tx.em.count(ConductOrgMembership, { organization: org.id, user: user.id })) throw conflict(ORG_MESSAGES.alreadyMember);
    const membership = tx.em.create(ConductOrgMembership, { organization: org, user, role: orgRole });
    tx.em.persist(membership);
    try {
      await tx.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw conflict(ORG_MESSAGES.alreadyMember);
      throw err;
    }
    forgetOrgRoles(ctx, user.id);
    tx.publish('conduct.orgMembershipChanged', { organizationId: org.id, userId: user.id, kind: 'MEMBER_ADDED' });
    await audit(tx, { action: 'org_member.added', targetType: 'User', targetId: user.id, organizationId: org.id, details: { role: orgRole } });
    return membership;
  });
}

/** org_admin: a member's role; 404 when the user is not a member. Effective on the next request. */
export async function updateMember(ctx: AppContext, organizationId: string, userId: string, role: string | null | undefined): Promise<ConductOrgMembership> {
  const { organization: org } = await organizationWithRole(ctx, { id: organizationId }, 'org_admin');
  if (!role?.trim()) throw badInput(ORG_MESSAGES.roleRequired, { role: 'is required' });
  const orgRole = orgRoleOf(role);
  return unitOfWork(ctx, async (tx) => {
    const membership = isUuid(userId) ? await tx.em.findOne(ConductOrgMembership, { organization: org.id, user: userId }) : null;
    if (!membership) throw notFound(ORG_MESSAGES.notMember);
    const from = membership.role;
    membership.role = orgRole;
    await tx.em.flush();
    forgetOrgRoles(ctx, userId);
    tx.publish('conduct.orgMembershipChanged', { organizationId: org.id, userId, kind: 'MEMBER_UPDATED' });
    await audit(tx, { action: 'org_member.updated', targetType: 'User', targetId: userId, organizationId: org.id, details: { from, role: orgRole } });
    return membership;
  });
}

/** org_admin: removes a member; 404 when the user is not one. */
export async function removeMember(ctx: AppContext, organizationId: string, userId: string): Promise<boolean> {
  const { organization: org } = await organizationWithRole(ctx, { id: organizationId }, 'org_admin');
  return unitOfWork(ctx, async (tx) => {
    const membership = isUuid(userId) ? await tx.em.findOne(ConductOrgMembership, { organization: org.id, user: userId }) : null;
    if (!membership) throw notFound(ORG_MESSAGES.notMember);
    await tx.em.nativeDelete(ConductOrgMembership, { id: membership.id });
    forgetOrgRoles(ctx, userId);
    tx.publish('conduct.orgMembershipChanged', { organizationId: org.id, userId, kind: 'MEMBER_REMOVED' });
    await audit(tx, { action: 'org_member.removed', targetType: 'User', targetId: userId, organizationId: org.id, details: { role: membership.role } });
    return true;
  });
}

/**
 * The first `limit` members of an organization by join date (at most ORG_MEMBERS_MAX) with their users:
 * one loader per limit for every organization a request asks about, two statements whatever their number
 * (the ids of each organization's first `limit` in SQL, then those memberships with their users), so a
 * list page of organizations each carrying a few members never reads their whole memberships.
 */
export async function memberships(ctx: AppContext, organizationId: string, limit = ORG_MEMBERS_MAX): Promise<ConductOrgMembership[]> {
  const n = Math.min(Math.max(1, Math.trunc(limit)), ORG_MEMBERS_MAX);
  return ctx
    .loader<string, ConductOrgMembership[]>(`conduct.orgMemberships.${n}`, async (ids) => {
      const firsts = await ctx.em.execute<{ id: string }[]>(
        `select id from (
           select m.id, row_number() over (partition by m.organization_id order by m.created_at, m.id) as n
             from conduct_org_memberships m join users u on u.id = m.user_id
            where m.organization_id in (?) and u.deleted_at is null) ranked
          where n <= ?`,
        [ids as string[], n],
      );
      const rows = firsts.length
        ? await ctx.em.find(ConductOrgMembership, { id: { $in: firsts.map((r) => r.id) } }, { populate: ['user'], orderBy: { createdAt: 'asc', id: 'asc' } })
        : [];
      return ids.map((id) => rows.filter((m) => m.organization.id === id));
    })
    .load(organizationId);
}

/** How many events and members an organization has: one statement for every organization a request asks about. */
export async function organizationCounts(ctx: AppContext, organizationId: string): Promise<{ events: number; members: number }> {
  return ctx
    .loader<string, { events: number; members: number }>('conduct.orgCounts', async (ids) => {
      const rows = await ctx.em.execute<{ id: string; events: number; members: number }[]>(
        `select o.id,
                (select count(*)::int from conduct_events e where e.organization_id = o.id) as events,
                (select count(*)::int from conduct_org_memberships m join users u on u.id = m.user_id
                  where m.organization_id = o.id and u.deleted_at is null) as members
           from conduct_organizations o where o.id in (?)`,
        [ids as string[]],
      );
      const byId = new Map(rows.map((r) => [r.id, { events: r.events, members: r.members }]));
      return ids.map((id) => byId.get(id) ?? { events: 0, members: 0 });
    })
    .load(organizationId);
}

/** Who may read an organization's members and counts: its members and the SuperAdmin. */
export async function requireOrgReader(ctx: AppContext, organizationId: string): Promise<void> {
  await requireOrgRole(ctx, organizationId, 'org_viewer');
}

// --- events ----------------------------------------------------------------------------------------

export interface OrgEventInput {
  name?: string | null;
  slug?: string | null;
  description?: string | null;
  startDate?: Date | null;
  endDate?: Date | null;
  website?: string | null;
  contactEmail?: string | null;
  codeOfConduct?: string | null;
}

/** org_admin: a new event of the organization; its creator gets the event's Admin role. 409 taken slug. */
export async function createOrgEvent(ctx: AppContext, organizationId: string, input: OrgEventInput): Promise<ConductEvent> {
  const { organization: org, access } = await organizationWithRole(ctx, { id: organizationId }, 'org_admin');
  if (!input.name?.trim() || !input.slug?.trim()) {
    throw badInput(ORG_MESSAGES.nameSlugRequired, { ...(input.name?.trim() ? {} : { name: 'is required' }), ...(input.slug?.trim() ? {} : { slug: 'is required' }) });
  }
  const name = requiredName(input.name);
  const slug = checkedSlug(input.slug);
  const contactEmail = optionalText(input.contactEmail, 'contactEmail', 254) ?? null;
  if (contactEmail && !EMAIL.test(contactEmail)) throw badInput('Please enter a valid email address.', { contactEmail: 'must be a valid email address' });
  for (const [field, d] of [
    ['startDate', input.startDate],
    ['endDate', input.endDate],
  ] as const) {
    if (d && Number.isNaN(d.getTime())) throw badInput(`${field} must be a date`, { [field]: 'must be a date' });
  }
  if (input.startDate && input.endDate && input.endDate < input.startDate) throw badInput('endDate must not be before startDate', { endDate: 'must not be before startDate' });
  const fields = {
    description: optionalText(input.description, 'description', 5000) ?? null,
    website: optionalText(input.website, 'website', 500) ?? null,
    codeOfConduct: optionalText(input.codeOfConduct, 'codeOfConduct', 100000) ?? null,
  };
  return uniqueSlug(ORG_MESSAGES.eventSlugTaken, () =>
    unitOfWork(ctx, async (tx) => {
      if (await tx.em.count(ConductEvent, { slug })) throw conflict(ORG_MESSAGES.eventSlugTaken, { slug: 'is taken' });
      const event = tx.em.create(ConductEvent, {
        name,
        slug,
        ...fields,
        startDate: input.startDate ?? null,
        endDate: input.endDate ?? null,
        contactEmail,
        organization: tx.em.getReference(ConductOrganization, org.id),
      });
      tx.em.persist(event);
      tx.em.persist(tx.em.create(ConductEventRole, { event, user: tx.em.getReference(User, access.viewer.id), role: ConductEventRoleName.ADMIN }));
      await tx.em.flush();
      forgetEventRoles(ctx, access.viewer.id);
      await audit(tx, { action: 'event.created', targetType: 'Event', targetId: event.id, eventId: event.id, organizationId: org.id, details: { slug } });
      await audit(tx, {
        action: 'event_role.granted',
        targetType: 'User',
        targetId: access.viewer.id,
        eventId: event.id,
        organizationId: org.id,
        details: { role: ConductEventRoleName.ADMIN },
      });
      tx.publish('conduct.eventMembershipChanged', { eventId: event.id, userId: access.viewer.id, kind: 'ROLE_GRANTED' });
      return event;
    }),
  );
}

export interface OrgEventView {
  event: ConductEvent;
  reportCount: number;
  roleCount: number;
}

/** Any member: the organization's events, newest first; `search` on name and description, `isActive`. */
export async function orgEvents(
  ctx: AppContext,
  organizationId: string,
  q: { search?: string | null; isActive?: boolean | null; page?: number | null; limit?: number | null },
): Promise<Page<OrgEventView>> {
  const { organization: org } = await organizationWithRole(ctx, { id: organizationId }, 'org_viewer');
  const { page, limit } = paging(q.page, q.limit, ORG_EVENTS_MAX);
  const like = likePattern(q.search);
  const where = {
    organization: org.id,
    ...(like ? { $or: [{ name: { $ilike: like } }, { description: { $ilike: like } }] } : {}),
    ...(q.isActive === undefined || q.isActive === null ? {} : { isActive: q.isActive }),
  };
  const [events, total] = await ctx.em.findAndCount(ConductEvent, where, { orderBy: { createdAt: 'desc', id: 'desc' }, limit, offset: (page - 1) * limit });
  const counts = events.length
    ? await ctx.em.execute<{ id: string; reports: number; roles: number }[]>(
        `select e.id,
                (select count(*)::int from conduct_reports r where r.event_id = e.id) as reports,
                (select count(*)::int from conduct_event_roles r where r.event_id = e.id) as roles
           from conduct_events e where e.id in (?)`,
        [events.map((e) => e.id)],
      )
    : [];
  const byId = new Map(counts.map((c) => [c.id, c]));
  return {
    items: events.map((event) => ({ event, reportCount: byId.get(event.id)?.reports ?? 0, roleCount: byId.get(event.id)?.roles ?? 0 })),
    total,
    page,
    limit,
    totalPages: Math.ceil(total / limit),
  };
}

// --- logo ------------------------------------------------------------------------------------------

/**
 * org_admin: the organization's logo (an image by content, at most 5 MB), replacing the old one, whose
 * bytes go in the same unit of work; a refused file keeps the old logo. No file: 400.
 */
export async function setLogo(ctx: AppContext, ref: ConductRef, upload: Promise<FileUpload> | FileUpload | null | undefined): Promise<ConductOrganization> {
  const { organization: org } = await organizationWithRole(ctx, ref, 'org_admin');
  if (!upload) throw badInput(ORG_MESSAGES.noLogo, { logo: 'is required' });
  const bytes = await readUploadField(upload, ORG_LOGO_POLICY, 'logo');
  return replaceLogo(ctx, ConductOrganization, org.id, bytes, ORG_LOGO_POLICY, (row, stored) => ({
    action: 'organization.logo_set',
    targetType: 'Organization',
    targetId: row.id,
    organizationId: row.id,
    details: { contentType: stored.contentType, size: stored.size },
  }));
}

/** Public: the stored logo of an organization by id or slug (null: none); 404 unknown. */
export async function logo(ctx: AppContext, ref: ConductRef): Promise<{ id: string } | null> {
  const org = await findOrganization(ctx, ref);
  return org.logoFileId ? { id: org.logoFileId } : null;
}

// --- invite links ----------------------------------------------------------------------------------

export interface OrgInviteInput {
  role?: string | null;
  maxUses?: number | null;
  expiresAt?: Date | null;
  note?: string | null;
  disabled?: boolean | null;
}

/** org_admin: a new invite link granting `role` (required: org_admin or org_viewer). */
export async function createOrgInvite(ctx: AppContext, organizationId: string, input: OrgInviteInput): Promise<ConductInvite> {
  const { organization: org, access } = await organizationWithRole(ctx, { id: organizationId }, 'org_admin');
  if (!input.role?.trim()) throw badInput(ORG_MESSAGES.badRole, { role: 'is required' });
  const role = orgRoleOf(input.role);
  checkInvite(input);
  return unitOfWork(ctx, async (tx) => {
    const invite = tx.em.create(ConductInvite, {
      organization: tx.em.getReference(ConductOrganization, org.id),
      role,
      maxUses: input.maxUses ?? null,
      expiresAt: input.expiresAt ?? null,
      note: input.note?.trim() ? input.note : null,
      createdBy: tx.em.getReference(User, access.viewer.id),
    });
    tx.em.persist(invite);
    await tx.em.flush();
    await audit(tx, { action: 'invite.created', targetType: 'ConductInvite', targetId: invite.id, organizationId: org.id, details: { role } });
    return invite;
  });
}

/** org_admin: the organization's invite links, newest first. */
export async function orgInvites(ctx: AppContext, organizationId: string): Promise<ConductInvite[]> {
  const { organization: org } = await organizationWithRole(ctx, { id: organizationId }, 'org_admin');
  return ctx.em.find(ConductInvite, { organization: org.id }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: ORG_INVITES_MAX });
}

/** org_admin: disables/enables a link, changes its note (and expiry or max uses); 404 another organization's. */
export async function updateOrgInvite(ctx: AppContext, organizationId: string, inviteId: string, input: OrgInviteInput): Promise<ConductInvite> {
  const { organization: org } = await organizationWithRole(ctx, { id: organizationId }, 'org_admin');
  checkInvite(input);
  return unitOfWork(ctx, async (tx) => {
    const invite = isUuid(inviteId) ? await tx.em.findOne(ConductInvite, { id: inviteId, organization: org.id }) : null;
    if (!invite) throw notFound(ORG_MESSAGES.inviteNotFound);
    if (input.disabled !== undefined && input.disabled !== null) invite.disabled = input.disabled;
    if (input.note !== undefined) invite.note = input.note?.trim() ? input.note : null;
    if (input.expiresAt !== undefined) invite.expiresAt = input.expiresAt;
    if (input.maxUses !== undefined) invite.maxUses = input.maxUses;
    await tx.em.flush();
    await audit(tx, { action: 'invite.updated', targetType: 'ConductInvite', targetId: invite.id, organizationId: org.id, details: { disabled: invite.disabled } });
    return invite;
  });
}

/** Public: an organization invite by its code, whatever its state (the page shows it); 404. */
export async function orgInviteByCode(ctx: AppContext, code: string): Promise<{ invite: ConductInvite; organization: ConductOrganization }> {
  const invite =
    typeof code === 'string' && code !== '' && code.length <= 64
      ? await ctx.em.findOne(ConductInvite, { code, organization: { $ne: null } }, { populate: ['organization'] })
      : null;
  if (!invite?.organization) throw notFound(ORG_MESSAGES.inviteNotFound);
  return { invite, organization: invite.organization };
}

/** Signed in: uses an organization invite (its role; the use counted); 400 unusable, 409 already a member. */
export async function useOrgInvite(ctx: AppContext, code: string): Promise<ConductOrgMembership> {
  const viewer = requireViewer(ctx);
  return unitOfWork(ctx, async (tx) => {
    const claimed = await claimInvite(tx, code, viewer.id, 'organization');
    if (claimed.scope !== 'organization') throw badInput(INVITE_MESSAGES.invalid);
    forgetOrgRoles(ctx, viewer.id);
    tx.publish('conduct.orgMembershipChanged', { organizationId: claimed.organization.id, userId: viewer.id, kind: 'MEMBER_ADDED' });
    return tx.em.findOneOrFail(ConductOrgMembership, { organization: claimed.organization.id, user: viewer.id }, { populate: ['organization'] });
  });
}
