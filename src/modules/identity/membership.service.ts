/**
 * Memberships (AppMembership): the rows enrollment rules read (enrollment.ts, access.ts). Applications
 * enroll their users through `enroll` inside their own units of work; a global ADMIN sets any
 * membership through `setEnrollment`. Every change reaches the session caches through the table's
 * trigger (the viewer's memberships are read with the session check), so the next request of that
 * user — on any instance — is checked against it.
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppContext } from '../../context/context';
import { requireAdmin, requireViewer } from '../../auth/guards';
import { badInput, conflict, forbidden, notFound } from '../../errors/domain-error';
import { unitOfWork } from '../../db/unit-of-work';
import { Role, User } from './user.entity';
import { Application } from './enrollment';
import { AppMembership, MembershipRole, MembershipStatus } from './app-membership.entity';
import { isUuid } from '../../db/ids';

export interface Enrollment {
  status?: MembershipStatus;
  role?: MembershipRole;
  /** coparent: the household (null: none) */
  householdId?: string | null;
}

/**
 * Creates or changes the user's membership of `application` in the caller's unit of work (one
 * statement: an upsert on (user, application)); fields left out keep their value, or the defaults
 * (ACTIVE, USER) on a new row. Returns nothing: callers that answer with it read it again.
 */
export async function enroll(em: EntityManager, userId: string, application: Application, change: Enrollment): Promise<void> {
  const status = change.status ?? null;
  const role = change.role ?? null;
  const household = change.householdId === undefined ? null : change.householdId;
  await em.execute(
    `insert into app_memberships (id, user_id, application, status, role, household_id)
     values (gen_random_uuid(), ?, ?, coalesce(?, 'ACTIVE'), coalesce(?, 'USER'), ?)
     on conflict (user_id, application) do update set
       status = coalesce(?, app_memberships.status),
       role = coalesce(?, app_memberships.role),
       household_id = case when ? then excluded.household_id else app_memberships.household_id end,
       updated_at = now()`,
    [userId, application, status, role, household, status, role, change.householdId !== undefined],
  );
}

/** Removes the user's membership of `application`; false when there was none. */
export async function unenroll(em: EntityManager, userId: string, application: Application): Promise<boolean> {
  return (await em.nativeDelete(AppMembership, { user: userId, application })) > 0;
}

/** The memberships of a user: the user themselves or a global admin. */
export async function membershipsOf(ctx: AppContext, user: User): Promise<AppMembership[]> {
  const viewer = requireViewer(ctx);
  if (viewer.id !== user.id && viewer.role !== Role.ADMIN) throw forbidden('Access denied');
  return ctx.em.find(AppMembership, { user: user.id }, { orderBy: { application: 'asc' } });
}

/** Global ADMIN: sets a user's status (and role) in an application; coparent's household goes through the household operations. */
export async function setEnrollment(ctx: AppContext, userId: string, application: Application, status: MembershipStatus, role?: MembershipRole | null): Promise<AppMembership> {
  requireAdmin(ctx);
  if (application === Application.COPARENT) throw badInput('Coparent memberships belong to households: use addHouseholdMember');
  if (!isUuid(userId)) throw notFound('User not found');
  return unitOfWork(ctx, async ({ em }) => {
    const user = await em.findOne(User, { id: userId, deletedAt: null });
    if (!user) throw notFound('User not found');
    // a platform admin passes every application's check: turning one off in an application would say what is not so
    if (user.role === Role.ADMIN && status !== MembershipStatus.ACTIVE) throw conflict('A platform admin cannot be deactivated in one application');
    await enroll(em, user.id, application, { status, role: role ?? undefined });
    return em.findOneOrFail(AppMembership, { user: user.id, application }, { refresh: true });
  });
}
