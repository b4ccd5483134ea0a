/**
 * Households (ARCHITECTURE.md "One identity, separate applications"; docs/compat/coparent.md
 * "Households"): coparent is private to a family. A household owns its items, schedule blocks and cycle
 * template; its members hold a coparent membership naming it, with their role there (the legacy
 * `role: "ADMIN"` is the household's admin). A global ADMIN creates households and passes every check;
 * without a membership of their own they act in the default household.
 *
 * Who may do what:
 * - a household admin creates accounts in their household (the documented admin routes), changes its
 *   members' role and password, and takes members out (removeMember: the account is deleted only when
 *   coparent was all it had). They cannot add an account that exists already, nor touch a global admin;
 * - a global ADMIN lists and creates households and adds any existing account to one.
 */
import { LOCKS } from '../../db/locks';
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppContext, App, Viewer } from '../../context/context';
import { requireAdmin, requireViewer } from '../../auth/guards';
import { badInput, conflict, forbidden, notFound } from '../../errors/domain-error';
import { isUuid } from '../../db/ids';
import { unitOfWork } from '../../db/unit-of-work';
import { hashPassword } from '../../auth/password';
import { Role, User } from '../identity/user.entity';
import { Application, defineEnrollment } from '../identity/enrollment';
import { AppMembership, MembershipRole, MembershipStatus } from '../identity/app-membership.entity';
import { enroll, unenroll } from '../identity/membership.service';
import { checkPassword, createAccount, publishUserChange, revokeSessions } from '../identity/identity.service';
import { Household } from './household.entity';
import { CoparentItem } from './coparent-item.entity';
import { requiredText } from './coparent-common';
import { HOUSEHOLD_MEMBERS_MAX, HOUSEHOLDS_MAX } from './list-sizes';
import type { CreateHouseholdMemberInput, UpdateHouseholdMemberInput } from './household.inputs';

const NAME_MAX = 200;
/** Serializes the changes that could leave a household without an admin (keepAnAdmin). */
const ADMINS_LOCK = LOCKS.householdAdmins;

export const HOUSEHOLD_MESSAGES = {
  notEnrolled: 'You are not a member of a household',
  pending: 'Your household membership is not active',
  disabled: 'Your household membership is not active',
  notAdmin: 'Admin role required',
};

/**
 * coparent's enrollment: closed (a membership of a household is required); the platform's first admin
 * becomes the admin of the default household.
 */
defineEnrollment(Application.COPARENT, {
  selfEnroll: false,
  messages: HOUSEHOLD_MESSAGES,
  firstAdmin: async (em, user) => {
    const [row] = await em.execute<{ id: string }[]>('select id from coparent_households where is_default');
    if (row) await enroll(em, user.id, Application.COPARENT, { role: MembershipRole.ADMIN, householdId: row.id });
  },
});

const defaults = new WeakMap<App, Promise<string>>();

/** The default household's id (made by the enrollment migration; it is never deleted), read once per process. */
function defaultHouseholdId(ctx: AppContext): Promise<string> {
  let id = defaults.get(ctx.app);
  if (!id) {
    id = ctx.app.orm.em
      .fork()
      .findOneOrFail(Household, { isDefault: true }, { fields: ['id'] })
      .then((h) => h.id);
    id.catch(() => defaults.delete(ctx.app));
    defaults.set(ctx.app, id);
  }
  return id;
}

/**
 * The household the viewer acts in: their own (an ACTIVE membership), else — for a global ADMIN — the
 * default one. Anyone else is FORBIDDEN (the access rule `enrolled(COPARENT)` refuses them first).
 */
export async function householdOf(ctx: AppContext): Promise<string> {
  const viewer = requireViewer(ctx);
  const own = memberHousehold(viewer);
  if (own) return own;
  if (viewer.role === Role.ADMIN) return defaultHouseholdId(ctx);
  throw forbidden(HOUSEHOLD_MESSAGES.notEnrolled);
}

/** The household of an active member, synchronously (undefined for anyone else): `householdOf`'s first answer. */
export function memberHousehold(viewer: Viewer): string | undefined {
  const membership = viewer.membership(Application.COPARENT);
  return membership?.householdId && membership.status === MembershipStatus.ACTIVE ? membership.householdId : undefined;
}

/** The household the viewer administers (a household admin's own; a global ADMIN's own or the default). */
export async function administeredHousehold(ctx: AppContext): Promise<string> {
  const viewer = requireViewer(ctx);
  const household = await householdOf(ctx);
  if (viewer.role !== Role.ADMIN && viewer.membership(Application.COPARENT)?.role !== MembershipRole.ADMIN) {
    throw forbidden(HOUSEHOLD_MESSAGES.notAdmin);
  }
  return household;
}

/** The viewer manages their household's members, data and schedule (its admin or a global ADMIN). */
export function isHouseholdAdmin(ctx: AppContext): boolean {
  const viewer = ctx.viewer;
  if (!viewer) return false;
  if (viewer.role === Role.ADMIN) return true;
  const m = viewer.membership(Application.COPARENT);
  return m?.status === MembershipStatus.ACTIVE && m.role === MembershipRole.ADMIN;
}

/** Coparent roles a request changed (user id → the role now, null: no longer a member), by request. */
const written = new WeakMap<AppContext, Map<string, MembershipRole | null>>();

/**
 * Records a membership change of this request, so its answer shows the role as it is now: the viewer's
 * own role otherwise comes from the session check made before the change (an admin demoting themselves
 * would read ADMIN in the answer), and another user's may be in the request's loader already.
 */
function noteRole(ctx: AppContext, userId: string, role: MembershipRole | null): void {
  let roles = written.get(ctx);
  if (!roles) written.set(ctx, (roles = new Map()));
  roles.set(userId, role);
}

/**
 * A user's role in coparent as its legacy routes show it: ADMIN for a global admin or a household
 * admin, USER otherwise (also for a user in no household). The viewer's own is read from the session
 * check; other users' through one query per request; a role this request changed as it is now.
 */
export async function coparentRole(ctx: AppContext, user: User): Promise<MembershipRole> {
  if (user.role === Role.ADMIN) return MembershipRole.ADMIN;
  const changed = written.get(ctx);
  if (changed?.has(user.id)) return changed.get(user.id) ?? MembershipRole.USER;
  if (ctx.viewer?.id === user.id) return ctx.viewer.membership(Application.COPARENT)?.role ?? MembershipRole.USER;
  const role = await ctx
    .loader<string, MembershipRole | null>('coparent.role', async (ids) => {
      const rows = await ctx.em.execute<{ user_id: string; role: MembershipRole }[]>(
        `select user_id, role from app_memberships where application = 'COPARENT' and user_id in (?)`,
        [ids as string[]],
      );
      const byUser = new Map(rows.map((r) => [r.user_id, r.role]));
      return ids.map((id) => byUser.get(id) ?? null);
    })
    .load(user.id);
  return role ?? MembershipRole.USER;
}

// --- households (global ADMIN) -------------------------------------------------------------------

export async function listHouseholds(ctx: AppContext): Promise<Household[]> {
  requireAdmin(ctx);
  return ctx.em.find(Household, {}, { orderBy: { createdAt: 'asc', id: 'asc' }, limit: HOUSEHOLDS_MAX });
}

/** Global ADMIN: a new household; `adminId` (an existing account) becomes its admin, leaving any household it was in. */
export async function createHousehold(ctx: AppContext, name: string, adminId?: string | null): Promise<Household> {
  requireAdmin(ctx);
  const checked = requiredText(name, 'name', NAME_MAX);
  return unitOfWork(ctx, async ({ em }) => {
    const household = em.create(Household, { name: checked });
    em.persist(household);
    await em.flush();
    if (adminId !== undefined && adminId !== null) {
      const admin = await findAccount(em, adminId);
      await leaveHousehold(em, admin.id, household.id);
      await enroll(em, admin.id, Application.COPARENT, { status: MembershipStatus.ACTIVE, role: MembershipRole.ADMIN, householdId: household.id });
      noteRole(ctx, admin.id, MembershipRole.ADMIN);
      publishUserChange(ctx, 'UPDATED', admin.id);
    }
    return household;
  });
}

/** Global ADMIN: adds an existing account to a household (the viewer's own or the default when none is named). */
export async function addHouseholdMember(ctx: AppContext, userId: string, role?: MembershipRole | null, householdId?: string | null): Promise<User> {
  requireAdmin(ctx);
  const target = householdId ?? (await householdOf(ctx));
  return unitOfWork(ctx, async ({ em }) => {
    if (!isUuid(target) || !(await em.count(Household, { id: target }))) throw notFound('Household not found');
    const user = await findAccount(em, userId);
    await leaveHousehold(em, user.id, target);
    await enroll(em, user.id, Application.COPARENT, { status: MembershipStatus.ACTIVE, role: role ?? MembershipRole.USER, householdId: target });
    noteRole(ctx, user.id, role ?? MembershipRole.USER);
    publishUserChange(ctx, 'UPDATED', user.id);
    return user;
  });
}

// --- members (the household's admin) -----------------------------------------------------------

/** The members of the viewer's household, oldest first. */
export async function listMembers(ctx: AppContext): Promise<User[]> {
  const household = await administeredHousehold(ctx);
  const rows = await ctx.em.execute<{ user_id: string }[]>(`select user_id from app_memberships where application = 'COPARENT' and household_id = ?`, [household]);
  if (!rows.length) return [];
  return ctx.em.find(User, { id: { $in: rows.map((r) => r.user_id) }, deletedAt: null }, { orderBy: { createdAt: 'asc', number: 'asc' }, limit: HOUSEHOLD_MEMBERS_MAX });
}

/** A new account in the viewer's household (coparent.md "POST /admin/users"). */
export async function createMember(ctx: AppContext, input: CreateHouseholdMemberInput): Promise<User> {
  const household = await administeredHousehold(ctx);
  const role = input.role ?? MembershipRole.USER;
  return createAccount(ctx, { username: input.username, password: input.password }, async (tx, user) => {
    await enroll(tx.em, user.id, Application.COPARENT, { status: MembershipStatus.ACTIVE, role, householdId: household });
  });
}

/** A member of the viewer's household, or NOT_FOUND (no enumeration of other households' members). */
async function findMember(em: EntityManager, household: string, userId: string): Promise<User> {
  const user = isUuid(userId) ? await em.findOne(User, { id: userId, deletedAt: null }) : null;
  if (!user || !(await em.count(AppMembership, { user: user.id, application: Application.COPARENT, household }))) throw notFound('User not found');
  return user;
}

/**
 * When `leaving` (about to be removed, demoted or moved) is an admin of the household, another must
 * remain (409). A member who is not its admin may always go: a household without an admin (made
 * without one) does not lock its members in.
 */
async function keepAnAdmin(em: EntityManager, household: string, leaving: string): Promise<void> {
  await em.execute('select pg_advisory_xact_lock(?)', [ADMINS_LOCK]);
  const admins = { application: Application.COPARENT, household, role: MembershipRole.ADMIN, status: MembershipStatus.ACTIVE };
  if (!(await em.count(AppMembership, { ...admins, user: leaving }))) return;
  if ((await em.count(AppMembership, { ...admins, user: { $ne: leaving } })) === 0) throw conflict('The household needs at least one admin');
}

/** At least one of password and role; a new password ends the member's sessions. */
export async function updateMember(ctx: AppContext, userId: string, input: UpdateHouseholdMemberInput): Promise<User> {
  const household = await administeredHousehold(ctx);
  if ((input.password === undefined || input.password === null) && (input.role === undefined || input.role === null)) {
    throw badInput('Nothing to update: give password or role');
  }
  const hash = input.password !== undefined && input.password !== null ? await hashPassword(checkPassword(input.password)) : undefined;
  return unitOfWork(ctx, async ({ em }) => {
    const user = await findMember(em, household, userId);
    if (user.role === Role.ADMIN && ctx.viewer!.role !== Role.ADMIN) throw forbidden('A platform admin is managed by platform admins');
    if (input.role !== undefined && input.role !== null) {
      if (input.role !== MembershipRole.ADMIN) await keepAnAdmin(em, household, user.id);
      await enroll(em, user.id, Application.COPARENT, { role: input.role });
      noteRole(ctx, user.id, input.role);
    }
    if (hash && ctx.viewer!.role !== Role.ADMIN && (await em.count(AppMembership, { user: user.id, application: { $ne: Application.COPARENT } })) > 0) {
      // the password is the shared account's: a family's admin may not take over an account other applications use
      throw forbidden('This account is used by other applications: a platform admin sets its password');
    }
    if (hash) {
      user.passwordHash = hash;
      user.mustChangePassword = false;
      await revokeSessions(ctx, em, user.id);
    }
    await em.flush();
    publishUserChange(ctx, 'UPDATED', user.id);
    return user;
  });
}

/**
 * coparent.md "DELETE /admin/users/:id": the member and their items go. On the shared identity that is:
 * their items in this household are deleted and they leave it; the account itself is deleted only when
 * coparent was all it had (no membership of another application), so a legacy client of one family
 * sees what it always saw, and an account that other applications use keeps working there.
 */
export async function removeMember(ctx: AppContext, userId: string): Promise<boolean> {
  const household = await administeredHousehold(ctx);
  return unitOfWork(ctx, async ({ em }) => {
    const user = await findMember(em, household, userId);
    // the last admin first (409, as the legacy API answered its last admin deleting themselves); a
    // platform admin leaves through the platform's own operations
    await keepAnAdmin(em, household, user.id);
    if (user.role === Role.ADMIN) throw forbidden('A platform admin is managed by platform admins');
    await em.nativeDelete(CoparentItem, { owner: user.id, household });
    await unenroll(em, user.id, Application.COPARENT);
    noteRole(ctx, user.id, null);
    if ((await em.count(AppMembership, { user: user.id })) === 0) {
      // the account was coparent's alone: deleted as the legacy API did (sessions and rows cascade)
      ctx.publish('identity.sessionRevoked', { userId: user.id, sessionIds: null });
      const fileId = user.avatarFileId;
      await em.nativeDelete(User, { id: user.id });
      if (fileId) await ctx.app.storage.remove(em, fileId);
      publishUserChange(ctx, 'DELETED', user.id);
    } else {
      // their open coparent streams are refused from the next event on (the access rule, re-checked per event)
      publishUserChange(ctx, 'UPDATED', user.id);
    }
    return true;
  });
}

async function findAccount(em: EntityManager, userId: string): Promise<User> {
  const user = isUuid(userId) ? await em.findOne(User, { id: userId, deletedAt: null }) : null;
  if (!user) throw notFound('User not found');
  return user;
}

/** Moving to another household (addHouseholdMember, createHousehold's admin): the last admin of the old one may not leave it without one. */
async function leaveHousehold(em: EntityManager, userId: string, next: string): Promise<void> {
  const current = await em.findOne(AppMembership, { user: userId, application: Application.COPARENT });
  if (current?.household && current.household.id !== next) await keepAnAdmin(em, current.household.id, userId);
}
