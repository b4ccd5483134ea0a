/**
 * Cake groups, memberships and the cakeplanner view of accounts: registration waiting for activation,
 * user lists scoped by group, group administration, system information. Rules and authorization live
 * here (cakeplanner.md, issue 4); identity itself stays in identity.service.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EntityManager } from '@mikro-orm/postgresql';
import { LockMode, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { AppContext } from '../../context/context';
import { isAdmin, requireAdmin, requireViewer } from '../../auth/guards';
import { definePolicy, enforceEnrollment } from '../../auth/access';
import { enroll } from '../identity/membership.service';
import { MembershipStatus } from '../identity/app-membership.entity';
import { badInput, conflict, forbidden, notFound } from '../../errors/domain-error';
import { Role, User } from '../identity/user.entity';
import { Application, defineEnrollment } from '../identity/enrollment';
import { queueMail } from '../identity/mail.service';
import { onUserDeleted } from '../identity/user-extensions';
import { CakeGroup, CakeGroupRole, CakeMembership } from './cake-group.entity';
import type { CakeSystemInfo, CreateCakeGroupInput, UpdateCakeGroupInput } from './cake.inputs';
import { checkText, isUuid } from './cake-common';
import { unitOfWork } from '../../db/unit-of-work';
import { forgetViewerRoles, viewerRoles } from './cake.loaders';
import { CAKE_ACCOUNTS_MAX, CAKE_GROUP_MEMBERS_MAX, CAKE_GROUPS_MAX, CAKE_USER_GROUPS_MAX } from './list-sizes';
import { packageInfo } from '../../project-root';

const GROUP_NAME_MAX = 100;
const GROUP_DESCRIPTION_MAX = 1000;

// ---------------------------------------------------------------------------------------------
// accounts

async function mailAdminsAboutRegistration(ctx: AppContext, em: EntityManager, user: User, active: boolean): Promise<void> {
  const admins = await em.find(User, { role: Role.ADMIN, isActive: true, deletedAt: null, email: { $ne: null }, id: { $ne: user.id } });
  for (const admin of admins) {
    queueMail(ctx, em, {
      to: admin.email!,
      subject: 'Cake Planner: new registration',
      text:
        `${user.name} <${user.email}> registered for Cake Planner.\n\n` +
        (active ? 'The account is active.\n' : 'The account is waiting for activation: an administrator can activate it in the user administration.\n'),
    });
  }
  await em.flush();
}

/** cakeplanner.md's word for every refusal of an account that may not use Cake Planner. */
export const CAKE_INACTIVE = 'Account is inactive';

/**
 * cakeplanner's enrollment (cakeplanner.md; ARCHITECTURE.md "One identity, separate applications"):
 * closed. Registering through Cake Planner (`register(input, application: CAKEPLANNER)`) enrolls the
 * account as PENDING until an admin activates it there, unless CAKE_AUTO_ACTIVATE=true (the first user
 * ever is an active ADMIN), and every active admin gets a mail about it in the same transaction. An
 * account made anywhere else has no cakeplanner membership: inactive for Cake Planner until an admin
 * activates it (PUT /api/admin/users/:id/status). (The legacy surface also requires an email.)
 */
defineEnrollment(Application.CAKEPLANNER, {
  selfEnroll: false,
  registration: (ctx) => ({
    onCreated: async (em, user) => {
      const active = ctx.app.config.cakeAutoActivate || user.role === Role.ADMIN;
      await enroll(em, user.id, Application.CAKEPLANNER, { status: active ? MembershipStatus.ACTIVE : MembershipStatus.PENDING });
      await mailAdminsAboutRegistration(ctx, em, user, active);
    },
  }),
  firstAdmin: (em, user) => enroll(em, user.id, Application.CAKEPLANNER, { status: MembershipStatus.ACTIVE }),
  messages: { notEnrolled: CAKE_INACTIVE, pending: CAKE_INACTIVE, disabled: CAKE_INACTIVE, notAdmin: 'Admin role required' },
});

/** Whether the account may use Cake Planner now: active, and a platform admin or enrolled ACTIVE (for lists and logins). */
export async function cakeActive(ctx: AppContext, user: User): Promise<boolean> {
  if (!user.isActive) return false;
  if (user.role === Role.ADMIN) return true;
  if (ctx.viewer?.id === user.id) return ctx.viewer.membership(Application.CAKEPLANNER)?.status === MembershipStatus.ACTIVE;
  const status = await ctx
    .loader<string, MembershipStatus | null>('cake.enrollment', async (ids) => {
      const rows = await ctx.em.execute<{ user_id: string; status: MembershipStatus }[]>(
        `select user_id, status from app_memberships where application = 'CAKEPLANNER' and user_id in (?)`,
        [ids as string[]],
      );
      const byUser = new Map(rows.map((r) => [r.user_id, r.status]));
      return ids.map((id) => byUser.get(id) ?? null);
    })
    .load(user.id);
  return status === MembershipStatus.ACTIVE;
}

/** Admins: every account; others: the members of their groups (themselves included). */
export async function contacts(ctx: AppContext): Promise<User[]> {
  const viewer = requireViewer(ctx);
  if (isAdmin(ctx)) return ctx.em.find(User, { deletedAt: null }, { orderBy: { name: 'asc', id: 'asc' }, limit: CAKE_ACCOUNTS_MAX });
  const groups = [...(await viewerRoles(ctx)).keys()];
  const ids = new Set([viewer.id]);
  if (groups.length) {
    const rows = await ctx.em.execute<{ user_id: string }[]>('select distinct user_id from cake_memberships where group_id in (?)', [groups]);
    for (const r of rows) ids.add(r.user_id);
  }
  return ctx.em.find(User, { id: { $in: [...ids] }, deletedAt: null }, { orderBy: { name: 'asc', id: 'asc' }, limit: CAKE_ACCOUNTS_MAX });
}

/** The groups the viewer administers (group role admin). */
async function administeredGroups(ctx: AppContext): Promise<string[]> {
  return [...(await viewerRoles(ctx)).entries()].filter(([, role]) => role === CakeGroupRole.ADMIN).map(([id]) => id);
}

/** Declared on the admin views (cakeplanner.md "Admin API"): a global admin, or an admin of at least one group. */
export const cakeGroupAdmin = definePolicy('cakeGroupAdmin', {
  allows: async (ctx) => {
    enforceEnrollment(ctx.viewer!, Application.CAKEPLANNER);
    return (await administeredGroups(ctx)).length > 0;
  },
  message: 'Admin or group admin role required',
});

/** cakeplanner.md: all users (admin) or the members of the groups the viewer administers (group admin). */
export async function administeredAccounts(ctx: AppContext): Promise<User[]> {
  requireViewer(ctx);
  if (isAdmin(ctx)) return ctx.em.find(User, { deletedAt: null }, { orderBy: { name: 'asc', id: 'asc' }, limit: CAKE_ACCOUNTS_MAX });
  const groups = await administeredGroups(ctx);
  if (!groups.length) throw forbidden('Admin or group admin role required');
  const rows = await ctx.em.execute<{ user_id: string }[]>('select distinct user_id from cake_memberships where group_id in (?)', [groups]);
  return ctx.em.find(User, { id: { $in: rows.map((r) => r.user_id) }, deletedAt: null }, { orderBy: { name: 'asc', id: 'asc' }, limit: CAKE_ACCOUNTS_MAX });
}

// ---------------------------------------------------------------------------------------------
// groups

export async function myMemberships(ctx: AppContext): Promise<CakeMembership[]> {
  const viewer = requireViewer(ctx);
  return ctx.em.find(CakeMembership, { user: viewer.id }, { orderBy: { group: { name: 'asc' }, id: 'asc' }, limit: CAKE_USER_GROUPS_MAX });
}

/** cakeplanner.md: all groups (admin) or the groups the viewer administers (group admin). */
export async function listGroups(ctx: AppContext): Promise<CakeGroup[]> {
  requireViewer(ctx);
  if (isAdmin(ctx)) return ctx.em.find(CakeGroup, {}, { orderBy: { name: 'asc', id: 'asc' }, limit: CAKE_GROUPS_MAX });
  const groups = await administeredGroups(ctx);
  if (!groups.length) throw forbidden('Admin or group admin role required');
  return ctx.em.find(CakeGroup, { id: { $in: groups } }, { orderBy: { name: 'asc', id: 'asc' }, limit: CAKE_GROUPS_MAX });
}

export async function createGroup(ctx: AppContext, input: CreateCakeGroupInput): Promise<CakeGroup> {
  requireAdmin(ctx);
  const name = checkText(input?.name, 'name', GROUP_NAME_MAX);
  if (!name) throw badInput('name is required', { name: 'is required' });
  const description = checkText(input?.description, 'description', GROUP_DESCRIPTION_MAX) || null;
  try {
    return await unitOfWork(ctx, async (tx) => {
      const { em } = tx;
      const taken = await em.execute('select 1 from cake_groups where lower(name) = lower(?) limit 1', [name]);
      if (taken.length) throw conflict('A group with this name already exists', { name: 'is already taken' });
      const group = em.create(CakeGroup, { name, description });
      em.persist(group);
      await em.flush();
      tx.publish('cake.groupChanged', { kind: 'CREATED', groupId: group.id });
      return group;
    });
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) throw conflict('A group with this name already exists', { name: 'is already taken' });
    throw err;
  }
}

/** cakeplanner.md: admins only; refused (409) while the group has members. Its events go with it. */
export async function deleteGroup(ctx: AppContext, id: string): Promise<boolean> {
  requireAdmin(ctx);
  if (!isUuid(id)) throw notFound('Group not found');
  await unitOfWork(ctx, async (tx) => {
    const { em } = tx;
    const locked = await em.execute('select id from cake_groups where id = ? for update', [id]);
    if (!locked.length) throw notFound('Group not found');
    const [{ n }] = await em.execute<{ n: string }[]>(
      'select count(*) as n from cake_memberships m join users u on u.id = m.user_id where m.group_id = ? and u.deleted_at is null',
      [id],
    );
    if (Number(n) > 0) throw conflict('The group still has members: remove them first');
    await em.nativeDelete(CakeGroup, { id });
    tx.publish('cake.groupChanged', { kind: 'DELETED', groupId: id });
  });
  return true;
}

/**
 * Admins only (not in cakeplanner.md, which has no rename: the graph's, so that a group's live view has
 * an UPDATED to show). PATCH: the fields given change; `name` cannot be cleared, a null description clears it.
 */
export async function updateGroup(ctx: AppContext, id: string, input: UpdateCakeGroupInput): Promise<CakeGroup> {
  requireAdmin(ctx);
  if (input?.name === null) throw badInput('name is required', { name: 'is required' });
  const name = input?.name === undefined ? undefined : checkText(input.name, 'name', GROUP_NAME_MAX);
  if (name === '') throw badInput('name is required', { name: 'is required' });
  const description = input?.description === undefined ? undefined : checkText(input.description, 'description', GROUP_DESCRIPTION_MAX) || null;
  if (!isUuid(id)) throw notFound('Group not found');
  try {
    return await unitOfWork(ctx, async (tx) => {
      const { em } = tx;
      const group = await em.findOne(CakeGroup, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      if (!group) throw notFound('Group not found');
      if (name !== undefined) {
        const taken = await em.execute('select 1 from cake_groups where lower(name) = lower(?) and id <> ? limit 1', [name, id]);
        if (taken.length) throw conflict('A group with this name already exists', { name: 'is already taken' });
        group.name = name;
      }
      if (description !== undefined) group.description = description;
      await em.flush();
      tx.publish('cake.groupChanged', { kind: 'UPDATED', groupId: id });
      return group;
    });
  } catch (err) {
    if (err instanceof UniqueConstraintViolationException) throw conflict('A group with this name already exists', { name: 'is already taken' });
    throw err;
  }
}

async function existingUserAndGroup(em: EntityManager, userId: string, groupId: string): Promise<void> {
  if (!isUuid(userId) || !(await em.count(User, { id: userId, deletedAt: null }))) throw notFound('User not found');
  if (!isUuid(groupId) || !(await em.count(CakeGroup, { id: groupId }))) throw notFound('Group not found');
}

/**
 * A new membership must leave the group within CAKE_GROUP_MEMBERS_MAX members and the user within
 * CAKE_USER_GROUPS_MAX groups (list-sizes.ts: the bounds of `CakeGroup.members` and
 * `User.cakeMemberships`); the group's row is locked so two additions cannot both take its last place.
 */
async function assertRoomForMember(em: EntityManager, userId: string, groupId: string): Promise<void> {
  await em.execute('select id from cake_groups where id = ? for update', [groupId]);
  const [row] = await em.execute<{ member: boolean; members: string; groups: string }[]>(
    `select exists (select 1 from cake_memberships where group_id = ? and user_id = ?) as member,
            (select count(*) from cake_memberships m join users u on u.id = m.user_id where m.group_id = ? and u.deleted_at is null) as members,
            (select count(*) from cake_memberships where user_id = ?) as groups`,
    [groupId, userId, groupId, userId],
  );
  if (row.member) return;
  if (Number(row.members) >= CAKE_GROUP_MEMBERS_MAX) throw conflict(`A group holds at most ${CAKE_GROUP_MEMBERS_MAX} members`);
  if (Number(row.groups) >= CAKE_USER_GROUPS_MAX) throw conflict(`A user belongs to at most ${CAKE_USER_GROUPS_MAX} groups`);
}

/** Adds or updates a membership; `role` undefined keeps an existing role (assign-group). */
async function upsertMembership(ctx: AppContext, userId: string, groupId: string, role?: CakeGroupRole): Promise<CakeMembership> {
  requireAdmin(ctx);
  if (role !== undefined && !Object.values(CakeGroupRole).includes(role)) throw badInput('role must be member or admin', { role: 'must be member or admin' });
  await unitOfWork(ctx, async (tx) => {
    const { em } = tx;
    await existingUserAndGroup(em, userId, groupId);
    await assertRoomForMember(em, userId, groupId);
    // the group's row is locked (assertRoomForMember): the role read here is the one this change replaces
    const [before] = await em.execute<{ role: CakeGroupRole }[]>('select role from cake_memberships where group_id = ? and user_id = ?', [groupId, userId]);
    await em.execute(
      `insert into cake_memberships (id, group_id, user_id, role, created_at) values (gen_random_uuid(), ?, ?, ?, now())
       on conflict (group_id, user_id) do ${role === undefined ? 'nothing' : 'update set role = excluded.role'}`,
      [groupId, userId, role ?? CakeGroupRole.MEMBER],
    );
    // nothing is published when nothing changed (assign-group of a member, set-role to the same role)
    if (!before) tx.publish('cake.membershipChanged', { userId, groupId, kind: 'ADDED', role: role ?? CakeGroupRole.MEMBER });
    else if (role !== undefined && role !== before.role) tx.publish('cake.membershipChanged', { userId, groupId, kind: 'ROLE_CHANGED', role });
  });
  forgetViewerRoles(ctx);
  return ctx.em.findOneOrFail(CakeMembership, { group: groupId, user: userId }, { refresh: true });
}

/** cakeplanner.md "assign-group": admins only; an existing membership keeps its role. */
export function assignToGroup(ctx: AppContext, userId: string, groupId: string): Promise<CakeMembership> {
  return upsertMembership(ctx, userId, groupId);
}

/** cakeplanner.md "set-role": admins only; makes the user a member first when needed. */
export function setGroupRole(ctx: AppContext, userId: string, groupId: string, role: CakeGroupRole): Promise<CakeMembership> {
  if (role === undefined || role === null) throw badInput('role must be member or admin', { role: 'must be member or admin' });
  return upsertMembership(ctx, userId, groupId, role);
}

/**
 * Not in cakeplanner.md, but needed to empty a group before deleting it: admins only. Without a group,
 * the user leaves every group (issue 9: the admin panel's "None" in assign-group); that is not an error
 * for a user of no group.
 */
export async function removeFromGroup(ctx: AppContext, userId: string, groupId?: string | null): Promise<boolean> {
  requireAdmin(ctx);
  await unitOfWork(ctx, async (tx) => {
    const { em } = tx;
    let groups: string[];
    if (groupId === undefined || groupId === null) {
      if (!isUuid(userId) || !(await em.count(User, { id: userId, deletedAt: null }))) throw notFound('User not found');
      const rows = await em.execute<{ group_id: string }[]>('delete from cake_memberships where user_id = ? returning group_id', [userId]);
      groups = rows.map((r) => r.group_id);
    } else {
      await existingUserAndGroup(em, userId, groupId);
      const removed = await em.nativeDelete(CakeMembership, { group: groupId, user: userId });
      if (!removed) throw notFound('The user is not a member of this group');
      groups = [groupId];
    }
    for (const group of groups) {
      tx.publish('cake.membershipChanged', { userId, groupId: group, kind: 'REMOVED', role: null });
    }
  });
  forgetViewerRoles(ctx);
  return true;
}

/**
 * A deleted or anonymised account leaves its groups (its memberships cascade or are hidden with it): the
 * groups' live views hear it as a removal, published with the deletion after commit.
 */
onUserDeleted(async (tx, userId) => {
  const rows = await tx.em.execute<{ group_id: string }[]>('select group_id from cake_memberships where user_id = ?', [userId]);
  for (const r of rows) tx.publish('cake.membershipChanged', { userId, groupId: r.group_id, kind: 'REMOVED', role: null });
});

// ---------------------------------------------------------------------------------------------
// system

let commit: string | undefined;

/** The commit the process runs, read once from the checkout (.git), else "unknown". */
function currentCommit(): string {
  if (commit !== undefined) return commit;
  commit = 'unknown';
  try {
    const git = join(process.cwd(), '.git');
    const head = readFileSync(join(git, 'HEAD'), 'utf8').trim();
    const sha = head.startsWith('ref: ') ? readFileSync(join(git, head.slice(5)), 'utf8').trim() : head;
    if (/^[0-9a-f]{40}$/.test(sha)) commit = sha.slice(0, 12);
  } catch {
    /* not a checkout (packed refs, container image): unknown */
  }
  return commit;
}

/** Public build and runtime information (cakeplanner.md "sysinfo", with the original's project fields). */
export async function systemInfo(ctx: AppContext): Promise<CakeSystemInfo> {
  const info = packageInfo();
  let database = 'unreachable';
  try {
    const [row] = await ctx.em.execute<{ v: string }[]>(`select current_setting('server_version_num') as v`);
    database = `PostgreSQL ${Math.floor(Number(row.v) / 10000)}`;
  } catch {
    /* reported as unreachable */
  }
  const publicUrl = ctx.app.config.publicUrl;
  return {
    name: 'Cake Planner',
    version: info.version,
    commit: currentCommit(),
    node: process.version,
    uptimeSeconds: Math.floor(process.uptime()),
    database,
    projectName: info.name,
    description: info.description ?? null,
    license: info.license ?? null,
    homepage: info.homepage ?? publicUrl ?? null,
    author: (typeof info.author === 'string' ? info.author : info.author?.name) ?? null,
    domain: publicUrl ? new URL(publicUrl).hostname : null,
  };
}
