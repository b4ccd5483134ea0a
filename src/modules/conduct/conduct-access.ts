/**
 * Who may do what in conduct (conduct-core.md "Access control matrix"; conduct-reports.md "Access rules"),
 * in one place for every conduct service:
 *
 * - Enrollment (ARCHITECTURE.md "One identity, separate applications"): conduct is open. Any account may
 *   use it without a membership (self-enrollment); a registration through conduct records an ACTIVE one;
 *   a platform admin may DISABLE it (setEnrollment), which closes conduct to that account. Every conduct
 *   operation declares `@Allow(conductMember)` (= `access.enrolled(Application.CONDUCT)`), or
 *   `access.public`, or something stricter (`access.admin` for SuperAdmin-only operations).
 * - Row rules, applied by the services after the declaration: the viewer's role in the event
 *   (Reporter < Responder < Admin) or in the organization (org_viewer < org_admin). The platform ADMIN is
 *   conduct's SuperAdmin and passes every event-role and org-role check without holding a role.
 *
 * The order of a service's checks (conduct-core.md "Order of checks"): the declaration answers 401 before
 * anything runs; then the event or organization is looked up (unknown or malformed id/slug: 404, before
 * any 403: `eventWithRole`, `organizationWithRole`); then the role (403); then the input (400); then the
 * other ids the input names (404). Every state-changing conduct operation writes an `audit()` entry in its
 * own unit of work.
 */
import { existingEm, type AppContext, type Viewer } from '../../context/context';
import { access } from '../../auth/access';
import { requireViewer } from '../../auth/guards';
import { forbidden, notFound } from '../../errors/domain-error';
import { inUnitOfWork, unitOfWork } from '../../db/unit-of-work';
import type { StoragePolicy } from '../../storage/storage';
import { storageField } from '../../storage/storage';
import { isUuid } from '../../db/ids';
import { Role } from '../identity/user.entity';
import { statement } from '../../db/prepared-sql';
import { Application, defineEnrollment } from '../identity/enrollment';
import { enroll } from '../identity/membership.service';
import { ConductEvent } from './event.entity';
import { ConductEventRoleName } from './event-role.entity';
import { ConductOrganization, ConductOrgRole } from './organization.entity';
import { ConductAuditLog } from './audit-log.entity';
import { EventRoleLevel, eventRoleRank, highestEventRole, isStrongPassword, OrgRoleLevel, orgRoleRank, PASSWORD_RULE_MESSAGE, sortEventRoles } from './conduct-rules';

export * from './conduct-rules';

// ---------------------------------------------------------------------------------------------
// enrollment

/**
 * conduct's reset mail (conduct-core.md "forgot-password"): a link to the frontend's reset page carrying
 * `token=<token>`, valid 30 minutes, single use; no temporary password. The page is addressed from
 * PUBLIC_URL (the frontend and the API share the origin, the original's deployment), else as a path.
 */
function resetMail(ctx: AppContext, reset: { token: string; name: string }): { subject: string; text: string } {
  const base = (ctx.app.config.publicUrl ?? '').replace(/\/+$/, '');
  const link = `${base}/reset-password?token=${encodeURIComponent(reset.token)}`;
  return {
    subject: 'Reset your password',
    text:
      `Hello ${reset.name || 'there'},\n\n` +
      `You requested a password reset for your account.\n\n` +
      `Follow this link to choose a new password (valid 30 minutes, single use):\n${link}\n\n` +
      `If you did not request this password reset, ignore this message.`,
  };
}

defineEnrollment(Application.CONDUCT, {
  selfEnroll: true,
  registration: () => ({ onCreated: (em, user) => enroll(em, user.id, Application.CONDUCT, {}) }),
  passwordProblem: (password) => (isStrongPassword(password) ? null : PASSWORD_RULE_MESSAGE),
  passwordReset: { temporaryPassword: false, mail: resetMail },
  messages: {
    notEnrolled: 'Access denied',
    pending: 'Your account is not active for this application',
    disabled: 'Your account is disabled for this application',
    notAdmin: 'Forbidden: Super Admins only',
  },
});

/** The declaration of every conduct operation open to any conduct user (row rules follow in the service). */
export const conductMember = access.enrolled(Application.CONDUCT);

// ---------------------------------------------------------------------------------------------
// messages (conduct's upstream wording; the frontend shows them)

export const MESSAGES = {
  eventNotFound: 'Event not found.',
  organizationNotFound: 'Organization not found',
  insufficientRole: 'Forbidden: insufficient role',
  orgAdminRequired: 'Organization admin access required',
  orgMemberRequired: 'Access denied',
  superAdminRequired: 'Forbidden: Super Admins only',
} as const;

// ---------------------------------------------------------------------------------------------
// SuperAdmin

/** Whether the viewer is conduct's SuperAdmin (the platform ADMIN). */
export function isSuperAdmin(ctx: AppContext): boolean {
  return ctx.viewer?.role === Role.ADMIN;
}

/**
 * The viewer, who must be the SuperAdmin: UNAUTHENTICATED, else FORBIDDEN. Operations that only a
 * SuperAdmin may call declare `access.admin` instead; this is for rules inside an operation.
 */
export function requireSuperAdmin(ctx: AppContext): Viewer {
  const viewer = requireViewer(ctx);
  if (viewer.role !== Role.ADMIN) throw forbidden(MESSAGES.superAdminRequired);
  return viewer;
}

// ---------------------------------------------------------------------------------------------
// lookups: 404 before 403

/** How an operation names an event or organization: by `id` (uuid) or by `slug`. */
export interface ConductRef {
  id?: string | null;
  slug?: string | null;
}

/** The event an id or slug names, else NOT_FOUND "Event not found." (a malformed id too). */
export async function findEvent(ctx: AppContext, ref: ConductRef): Promise<ConductEvent> {
  const event = await findByRef(ctx, ConductEvent, ref);
  if (!event) throw notFound(MESSAGES.eventNotFound);
  return event;
}

/** The organization an id or slug names, else NOT_FOUND "Organization not found". */
export async function findOrganization(ctx: AppContext, ref: ConductRef): Promise<ConductOrganization> {
  const org = await findByRef(ctx, ConductOrganization, ref);
  if (!org) throw notFound(MESSAGES.organizationNotFound);
  return org;
}

async function findByRef<T extends ConductEvent | ConductOrganization>(ctx: AppContext, entity: new () => T, ref: ConductRef): Promise<T | null> {
  if (ref.id !== undefined && ref.id !== null) {
    if (!isUuid(ref.id)) return null;
    return ctx.em.findOne(entity, { id: ref.id } as never);
  }
  if (typeof ref.slug === 'string' && ref.slug !== '' && ref.slug.length <= 100) return ctx.em.findOne(entity, { slug: ref.slug } as never);
  return null;
}

// ---------------------------------------------------------------------------------------------
// event roles

/**
 * A user's roles in an event (the viewer's when `userId` is left out; none for an anonymous request),
 * distinct, highest first. Per-request loader: the roles of every event a request asks about cost one
 * statement per user. After a change of roles in the same request, `forgetEventRoles`.
 */
export async function eventRoles(ctx: AppContext, eventId: string, userId?: string): Promise<ConductEventRoleName[]> {
  const uid = userId ?? ctx.viewer?.id;
  if (!uid || !isUuid(eventId)) return [];
  return eventRolesLoader(ctx, uid).load(eventId);
}

function eventRolesLoader(ctx: AppContext, uid: string) {
  return ctx.loader<string, ConductEventRoleName[]>(`conduct.eventRoles:${uid}`, async (eventIds) => {
    const rows = await ctx.em.execute<{ event_id: string; role: ConductEventRoleName }[]>('select event_id, role from conduct_event_roles where user_id = ? and event_id in (?)', [
      uid,
      eventIds as string[],
    ]);
    return eventIds.map((id) => sortEventRoles(rows.filter((r) => r.event_id === id).map((r) => r.role)));
  });
}

/** Drops the cached event roles of a user (the viewer's by default) after the request changed them. */
export function forgetEventRoles(ctx: AppContext, userId?: string): void {
  const uid = userId ?? ctx.viewer?.id;
  if (uid) eventRolesLoader(ctx, uid).clearAll();
}

/** What the viewer may do in one event, as `requireEventRole` found it. */
export interface EventAccess {
  viewer: Viewer;
  /** the platform ADMIN: passes every event check without holding a role */
  superAdmin: boolean;
  /** the viewer's own roles there, highest first (none for a SuperAdmin without a role) */
  roles: ConductEventRoleName[];
  /** the highest of them, or null */
  highest: ConductEventRoleName | null;
  /** Responder, Admin or SuperAdmin ("staff", conduct-reports.md) */
  staff: boolean;
  /** Admin or SuperAdmin */
  admin: boolean;
}

/**
 * The viewer's access to `event`, which must be at least `atLeast` (`'Reporter'`: any role there). No
 * session: UNAUTHENTICATED; no role or a lower one: FORBIDDEN "Forbidden: insufficient role". The
 * SuperAdmin passes. Look the event up first (`findEvent`), so an unknown event is 404 before any 403.
 */
export async function requireEventRole(ctx: AppContext, event: ConductEvent | string, atLeast: EventRoleLevel): Promise<EventAccess> {
  const viewer = requireViewer(ctx);
  const eventId = typeof event === 'string' ? event : event.id;
  const roles = await eventRoles(ctx, eventId);
  const highest = highestEventRole(roles);
  const superAdmin = viewer.role === Role.ADMIN;
  if (!superAdmin && (highest === null || eventRoleRank(highest) < eventRoleRank(atLeast))) throw forbidden(MESSAGES.insufficientRole);
  const rank = highest === null ? 0 : eventRoleRank(highest);
  return {
    viewer,
    superAdmin,
    roles,
    highest,
    staff: superAdmin || rank >= eventRoleRank('Responder'),
    admin: superAdmin || rank >= eventRoleRank('Admin'),
  };
}

/** `findEvent` then `requireEventRole`: the event by id or slug (404) and the viewer's access to it (401/403). */
export async function eventWithRole(ctx: AppContext, ref: ConductRef, atLeast: EventRoleLevel): Promise<{ event: ConductEvent; access: EventAccess }> {
  requireViewer(ctx);
  const event = await findEvent(ctx, ref);
  return { event, access: await requireEventRole(ctx, event, atLeast) };
}

/** The event by slug or id with the viewer's roles there, one prepared statement (the hot list reads). */
const EVENT_ROLES_BY = (where: string) =>
  `select e.id, coalesce(array_agg(r.role) filter (where r.role is not null), '{}') as roles
     from conduct_events e left join conduct_event_roles r on r.event_id = e.id and r.user_id = $2
    where ${where} group by e.id`;
const EVENT_ROLES_BY_SLUG = statement('conduct_event_roles_by_slug', EVENT_ROLES_BY('e.slug = $1'));
const EVENT_ROLES_BY_ID = statement('conduct_event_roles_by_id', EVENT_ROLES_BY('e.id = $1::uuid'));

/**
 * `eventWithRole` for reads that need only the event's id: the event and the viewer's roles there in one
 * prepared statement (src/db/prepared-sql.ts), the same rules (404 before 403, `requireEventRole`).
 */
export async function eventIdWithRole(ctx: AppContext, ref: ConductRef, atLeast: EventRoleLevel): Promise<{ eventId: string; access: EventAccess }> {
  const viewer = requireViewer(ctx);
  const by =
    ref.id !== undefined && ref.id !== null
      ? isUuid(ref.id)
        ? EVENT_ROLES_BY_ID
        : null
      : typeof ref.slug === 'string' && ref.slug !== '' && ref.slug.length <= 100
        ? EVENT_ROLES_BY_SLUG
        : null;
  const [row] = by ? await ctx.app.sql.read<{ id: string; roles: ConductEventRoleName[] | string }>(existingEm(ctx), by, [ref.id ?? ref.slug, viewer.id]) : [];
  if (!row) throw notFound(MESSAGES.eventNotFound);
  const roles = Array.isArray(row.roles) ? row.roles : (row.roles.replace(/^{|}$/g, '').split(',').filter(Boolean) as ConductEventRoleName[]);
  eventRolesLoader(ctx, viewer.id).clear(row.id).prime(row.id, sortEventRoles(roles));
  return { eventId: row.id, access: await requireEventRole(ctx, row.id, atLeast) };
}

// ---------------------------------------------------------------------------------------------
// organization roles

/** A user's role in an organization (the viewer's by default), or null. Per-request loader, like `eventRoles`. */
export async function orgRole(ctx: AppContext, organizationId: string, userId?: string): Promise<ConductOrgRole | null> {
  const uid = userId ?? ctx.viewer?.id;
  if (!uid || !isUuid(organizationId)) return null;
  return orgRoleLoader(ctx, uid).load(organizationId);
}

function orgRoleLoader(ctx: AppContext, uid: string) {
  return ctx.loader<string, ConductOrgRole | null>(`conduct.orgRole:${uid}`, async (orgIds) => {
    const rows = await ctx.em.execute<{ organization_id: string; role: ConductOrgRole }[]>(
      'select organization_id, role from conduct_org_memberships where user_id = ? and organization_id in (?)',
      [uid, orgIds as string[]],
    );
    const byOrg = new Map(rows.map((r) => [r.organization_id, r.role]));
    return orgIds.map((id) => byOrg.get(id) ?? null);
  });
}

/** Drops the cached organization roles of a user (the viewer's by default). */
export function forgetOrgRoles(ctx: AppContext, userId?: string): void {
  const uid = userId ?? ctx.viewer?.id;
  if (uid) orgRoleLoader(ctx, uid).clearAll();
}

export interface OrgAccess {
  viewer: Viewer;
  superAdmin: boolean;
  /** the viewer's own role there, or null (a SuperAdmin who is not a member) */
  role: ConductOrgRole | null;
  /** org_admin or SuperAdmin */
  admin: boolean;
}

/**
 * The viewer's access to `org`, which must be at least `atLeast`. No session: UNAUTHENTICATED; not a
 * member (org_viewer asked): FORBIDDEN "Access denied"; a viewer where org_admin is asked: FORBIDDEN
 * "Organization admin access required". The SuperAdmin passes.
 */
export async function requireOrgRole(ctx: AppContext, org: ConductOrganization | string, atLeast: OrgRoleLevel): Promise<OrgAccess> {
  const viewer = requireViewer(ctx);
  const role = await orgRole(ctx, typeof org === 'string' ? org : org.id);
  const superAdmin = viewer.role === Role.ADMIN;
  if (!superAdmin && (role === null || orgRoleRank(role) < orgRoleRank(atLeast))) {
    throw forbidden(atLeast === 'org_admin' ? MESSAGES.orgAdminRequired : MESSAGES.orgMemberRequired);
  }
  return { viewer, superAdmin, role, admin: superAdmin || role === ConductOrgRole.ORG_ADMIN };
}

/** `findOrganization` then `requireOrgRole` (404 before 403). */
export async function organizationWithRole(ctx: AppContext, ref: ConductRef, atLeast: OrgRoleLevel): Promise<{ organization: ConductOrganization; access: OrgAccess }> {
  requireViewer(ctx);
  const organization = await findOrganization(ctx, ref);
  return { organization, access: await requireOrgRole(ctx, organization, atLeast) };
}

// ---------------------------------------------------------------------------------------------
// audit log

export interface AuditEntry {
  /** snake_case verb: `create_event`, `grant_event_role`, `register_with_invite`… */
  action: string;
  /** `Event`, `Organization`, `User`, `Invite`, `Report`, `SystemSetting`… */
  targetType: string;
  targetId: string;
  eventId?: string | null;
  organizationId?: string | null;
  details?: Record<string, unknown> | null;
  /** who acted; default the viewer (null: the system) */
  actorId?: string | null;
}

/**
 * Writes an audit entry in the unit of work `tx` (src/db/unit-of-work.ts): it commits or rolls back with
 * the change it records. Called outside a unit of work it throws (a programming error, not a user's).
 */
export async function audit(tx: AppContext, entry: AuditEntry): Promise<ConductAuditLog> {
  if (!inUnitOfWork(tx)) throw new Error('audit() must run inside the unit of work of the change it records');
  // a native insert: no entity is left in the identity map for a later flush to write again
  const log = Object.assign(new ConductAuditLog(), {
    actorId: entry.actorId === undefined ? (tx.viewer?.id ?? null) : entry.actorId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    eventId: entry.eventId ?? null,
    organizationId: entry.organizationId ?? null,
    details: entry.details ?? null,
  });
  await tx.em.insert(ConductAuditLog, log);
  return log;
}

// ---------------------------------------------------------------------------------------------
// logos

/**
 * Replaces the stored logo of an event or organization (already checked: the caller's role, the bytes'
 * type): stores the new file, points the row at it, removes the old one and audits the change, in one
 * unit of work; a refused file (storage.ts) keeps the old logo and answers 400/413 on the `logo` field.
 */
export function replaceLogo<T extends ConductEvent | ConductOrganization>(
  ctx: AppContext,
  entity: new () => T,
  id: string,
  bytes: Buffer,
  policy: StoragePolicy,
  entry: (row: T, stored: { contentType: string; size: number }) => AuditEntry,
): Promise<T> {
  return storageField('logo', () =>
    unitOfWork(ctx, async (tx) => {
      const row = await tx.em.findOneOrFail(entity, { id } as never);
      const stored = await ctx.app.storage.put(tx.em, bytes, policy);
      const old = row.logoFileId;
      row.logoFileId = stored.id;
      await tx.em.flush();
      if (old) await ctx.app.storage.remove(tx.em, old);
      await audit(tx, entry(row, stored));
      return row;
    }),
  );
}
