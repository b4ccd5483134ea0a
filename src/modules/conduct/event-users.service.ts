/**
 * An event's people (conduct-core.md "Events": users, roles; "Invites"): the member list with search,
 * sort, paging and a role filter; one member's profile; changing a member (name, email, the role there)
 * or removing them; granting and revoking roles; the event's invite links and their redemption. Every
 * check is here (conduct-access.ts helpers, 404 before 403); every change is audited in its unit of work
 * and published after commit on `conduct.eventMembershipChanged`.
 */
import { lockKey } from '../../db/locks';
import { existingEm, type AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { badInput, conflict, notFound } from '../../errors/domain-error';
import { isUuid } from '../../db/ids';
import { unitOfWork } from '../../db/unit-of-work';
import { User } from '../identity/user.entity';
import { EMAIL } from '../identity/identity.service';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { ConductEvent } from './event.entity';
import { ConductEventRole, ConductEventRoleName } from './event-role.entity';
import { ConductInvite } from './invite.entity';
import { audit, eventIdWithRole, eventWithRole, forgetEventRoles, sortEventRoles } from './conduct-access';
import { Statement, statement } from '../../db/prepared-sql';
import { listUserColumns, listUserFromRow, userColumns, userFromRow } from '../identity/user-row';
import type { UserRow } from '../../auth/auth-store';
import { claimInvite, INVITE_MESSAGES } from './invite-claim';
import type { ConductRef } from './conduct-access';

/** The largest page of the member list (conduct-core.md: `limit` up to 1000). */
export const EVENT_USERS_MAX = 1000;
/** The invites of one event, newest first. */
export const EVENT_INVITES_MAX = 500;

export type EventUserSort = 'name' | 'email' | 'role';

export interface EventUserQuery {
  search?: string | null;
  sort?: EventUserSort | null;
  order?: 'asc' | 'desc' | null;
  page?: number | null;
  limit?: number | null;
  role?: ConductEventRoleName | null;
  /**
   * The users' fields the caller selects when all are among LIST_USER_FIELDS (user-row.ts): the page
   * reads just their columns. Absent: the whole profile.
   */
  userFields?: ReadonlySet<string> | null;
}

export interface EventUserView {
  user: User;
  roles: ConductEventRoleName[];
  joinDate: Date;
  lastActivity: Date | null;
}

/** A row of the member page: the user's columns (user-row.ts) and the membership's. */
type MemberRow = UserRow & { ix_join_date: string | Date; ix_last_activity: string | Date | null; ix_roles: ConductEventRoleName[] | string; ix_total: number };

const ORDER: Record<EventUserSort, string> = {
  name: 'lower(u.name)',
  email: 'lower(u.email)',
  role: "max(case r.role when 'Admin' then 3 when 'Responder' then 2 else 1 end)",
};

function pgArray(v: ConductEventRoleName[] | string): ConductEventRoleName[] {
  return Array.isArray(v) ? v : (v.replace(/^{|}$/g, '').split(',').filter(Boolean) as ConductEventRoleName[]);
}

/** $1 event, $2 the search pattern or null, $3 the role or null. */
const MEMBERS_WHERE = 'r.event_id = $1 and u.deleted_at is null and ($2::text is null or u.name ilike $2 or u.email ilike $2)';
const MEMBERS_HAVING = '($3::text is null or bool_or(r.role = $3))';
const MEMBERS_TOTAL = statement(
  'conduct_event_members_total',
  `select count(*)::int as total from (select u.id from conduct_event_roles r join users u on u.id = r.user_id where ${MEMBERS_WHERE} group by u.id having ${MEMBERS_HAVING}) m`,
);
const memberPages = new Map<string, Statement>();

/** The columns of a selection's user fields and their part of a statement name, per selection (the same set object per document). */
const listColumns = new WeakMap<ReadonlySet<string>, { columns: string; key: string }>();
function listColumnsOf(fields: ReadonlySet<string>): { columns: string; key: string } {
  let found = listColumns.get(fields);
  if (!found) {
    const columns = listUserColumns('u', fields);
    // one statement per column set (a handful: the selections of the clients), named by its columns'
    // initials (a statement name is cut at 63 bytes by PostgreSQL: it must stay short)
    listColumns.set(fields, (found = { columns, key: `_list_${columns.replace(/u\."(\w)\w*"(, )?/g, '$1')}` }));
  }
  return found;
}

/**
 * The page statement of one sort and direction (prepared: src/db/prepared-sql.ts): the members' user
 * columns, join date, roles, last activity and the matching total (a window count). With a role filter
 * ($3) limit and offset are $4 and $5; without one the statement has no HAVING and they are $3 and $4.
 */
function memberPage(ctx: AppContext, sort: EventUserSort, direction: 'asc' | 'desc', userFields: ReadonlySet<string> | null | undefined, byRole: boolean): Statement {
  const list = userFields ? listColumnsOf(userFields) : undefined;
  const key = `${sort}_${direction}${list ? list.key : ''}${byRole ? '_role' : ''}`;
  let s = memberPages.get(key);
  if (!s) {
    s = statement(
      `conduct_event_members_${key}`,
      `select ${list ? list.columns : userColumns(ctx.app.orm, 'u')}, min(r.created_at) as ix_join_date, array_agg(r.role) as ix_roles,
              (select max(s.created_at) from sessions s where s.user_id = u.id) as ix_last_activity, count(*) over ()::int as ix_total
         from conduct_event_roles r join users u on u.id = r.user_id
        where ${MEMBERS_WHERE}
        group by u.id
       ${byRole ? 'having bool_or(r.role = $3)' : ''}
        order by ${ORDER[sort]} ${direction}, u.id
        limit ${byRole ? '$4 offset $5' : '$3 offset $4'}`,
    );
    memberPages.set(key, s);
  }
  return s;
}

/**
 * The event's members (by id: its Admins; by slug: anyone with a role there), a page and the matching
 * total: two prepared statements whatever the page size (the event with the viewer's roles; the page
 * with the users, their roles, last activity and the total), a third only for a page past the end.
 */
export async function eventUsers(ctx: AppContext, ref: ConductRef, q: EventUserQuery): Promise<{ users: EventUserView[]; total: number }> {
  const { eventId } = await eventIdWithRole(ctx, ref, ref.id ? 'Admin' : 'Reporter');
  const page = q.page ?? 1;
  const limit = q.limit ?? 20;
  if (!Number.isInteger(page) || page < 1) throw badInput('page must be a whole number from 1', { page: 'must be from 1' });
  if (!Number.isInteger(limit) || limit < 1 || limit > EVENT_USERS_MAX)
    throw badInput(`limit must be from 1 to ${EVENT_USERS_MAX}`, { limit: `must be from 1 to ${EVENT_USERS_MAX}` });
  const search = q.search?.trim() ? `%${q.search.trim().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
  const params = [eventId, search, q.role ?? null];
  // without a role filter the page has no HAVING (no per-member aggregate to test, one parameter less)
  const pageStatement = memberPage(ctx, q.sort ?? 'name', q.order === 'desc' ? 'desc' : 'asc', q.userFields, !!q.role);
  const rows = await ctx.app.sql.read<MemberRow>(existingEm(ctx), pageStatement, q.role ? [...params, limit, (page - 1) * limit] : [eventId, search, limit, (page - 1) * limit]);
  const total = rows.length ? rows[0].ix_total : (await ctx.app.sql.read<{ total: number }>(existingEm(ctx), MEMBERS_TOTAL, params))[0].total;
  return {
    total,
    users: rows.map((r) => ({
      user: q.userFields ? listUserFromRow(ctx.app.orm, r) : userFromRow(ctx.app.orm, r),
      roles: sortEventRoles(pgArray(r.ix_roles)),
      joinDate: new Date(r.ix_join_date),
      lastActivity: r.ix_last_activity ? new Date(r.ix_last_activity) : null,
    })),
  };
}

/** One member (Responders and Admins of the event); 404 when the user holds no role there. */
export async function eventUser(ctx: AppContext, ref: ConductRef, userId: string): Promise<EventUserView> {
  const { event } = await eventWithRole(ctx, ref, 'Responder');
  const roles = isUuid(userId) ? await ctx.em.find(ConductEventRole, { event: event.id, user: userId }, { populate: ['user'] }) : [];
  if (!roles.length || roles[0].user.deletedAt) throw notFound('User not found in this event.');
  const [last] = await ctx.em.execute<{ at: string | null }[]>('select max(created_at) as at from sessions where user_id = ?', [userId]);
  return {
    user: roles[0].user,
    roles: sortEventRoles(roles.map((r) => r.role)),
    joinDate: roles.reduce((d, r) => (r.createdAt < d ? r.createdAt : d), roles[0].createdAt),
    lastActivity: last?.at ? new Date(last.at) : null,
  };
}

function publishMembership(ctx: AppContext, eventId: string, userId: string, kind: 'ROLE_GRANTED' | 'ROLE_REVOKED' | 'USER_REMOVED' | 'USER_UPDATED'): void {
  ctx.publish('conduct.eventMembershipChanged', { eventId, userId, kind });
}

/** Refuses to leave an event without an Admin (400, under a per-event lock). */
async function keepAnAdmin(tx: AppContext, eventId: string, leaving: string): Promise<void> {
  await tx.em.execute('select pg_advisory_xact_lock(hashtext(?))', [lockKey.conductEventAdmins(eventId)]);
  const others = await tx.em.count(ConductEventRole, { event: eventId, role: ConductEventRoleName.ADMIN, user: { $ne: leaving } });
  if (others === 0) throw badInput('Cannot remove the only Admin of this event.');
}

/** Admins: a member's name and email, and their role here (replacing every role they held). */
export async function updateEventUser(
  ctx: AppContext,
  ref: ConductRef,
  userId: string,
  input: { name: string; email: string; role: ConductEventRoleName },
): Promise<EventUserView> {
  const { event } = await eventWithRole(ctx, ref, 'Admin');
  const name = input.name.trim();
  if (!name) throw badInput('Name, email, and role are required.', { name: 'is required' });
  const email = input.email.trim().toLowerCase();
  if (!EMAIL.test(email) || email.length > 254) throw badInput('Please enter a valid email address.', { email: 'must be a valid email address' });
  await unitOfWork(ctx, async (tx) => {
    const held = isUuid(userId) ? await tx.em.find(ConductEventRole, { event: event.id, user: userId }) : [];
    if (!held.length) throw notFound('User not found in this event.');
    const user = await tx.em.findOneOrFail(User, { id: userId });
    if (email !== user.email && (await tx.em.count(User, { email: { $ilike: email }, id: { $ne: user.id } }))) throw conflict('Email already in use.', { email: 'is taken' });
    user.name = name.slice(0, 200);
    user.email = email;
    if (held.some((r) => r.role === ConductEventRoleName.ADMIN) && input.role !== ConductEventRoleName.ADMIN) await keepAnAdmin(tx, event.id, userId);
    await tx.em.nativeDelete(ConductEventRole, { event: event.id, user: userId });
    tx.em.persist(tx.em.create(ConductEventRole, { event, user, role: input.role }));
    try {
      await tx.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw conflict('Email already in use.', { email: 'is taken' });
      throw err;
    }
    forgetEventRoles(ctx, userId);
    await audit(tx, { action: 'event_user.updated', targetType: 'User', targetId: userId, eventId: event.id, details: { role: input.role, roles: held.map((r) => r.role) } });
    publishMembership(tx, event.id, userId, 'USER_UPDATED');
  });
  return eventUser(ctx, { id: event.id }, userId);
}

/** Admins: every role of the user here goes; the only Admin cannot go (400). */
export async function removeEventUser(ctx: AppContext, ref: ConductRef, userId: string): Promise<boolean> {
  const { event } = await eventWithRole(ctx, ref, 'Admin');
  return unitOfWork(ctx, async (tx) => {
    const held = isUuid(userId) ? await tx.em.find(ConductEventRole, { event: event.id, user: userId }) : [];
    if (!held.length) throw notFound('User not found in this event.');
    if (held.some((r) => r.role === ConductEventRoleName.ADMIN)) await keepAnAdmin(tx, event.id, userId);
    await tx.em.nativeDelete(ConductEventRole, { event: event.id, user: userId });
    forgetEventRoles(ctx, userId);
    await audit(tx, { action: 'event_user.removed', targetType: 'User', targetId: userId, eventId: event.id, details: { roles: held.map((r) => r.role) } });
    publishMembership(tx, event.id, userId, 'USER_REMOVED');
    return true;
  });
}

/** Admins: grants a role (idempotent); 404 unknown user. */
export async function grantRole(ctx: AppContext, eventId: string, userId: string, role: ConductEventRoleName): Promise<ConductEventRole> {
  const { event } = await eventWithRole(ctx, { id: eventId }, 'Admin');
  return unitOfWork(ctx, async (tx) => {
    const user = isUuid(userId) ? await tx.em.findOne(User, { id: userId, deletedAt: null }) : null;
    if (!user) throw notFound('User not found.');
    let row = await tx.em.findOne(ConductEventRole, { event: event.id, user: user.id, role });
    if (!row) {
      row = tx.em.create(ConductEventRole, { event, user, role });
      tx.em.persist(row);
      await tx.em.flush();
      forgetEventRoles(ctx, user.id);
      await audit(tx, { action: 'event_role.granted', targetType: 'User', targetId: user.id, eventId: event.id, details: { role } });
      publishMembership(tx, event.id, user.id, 'ROLE_GRANTED');
    }
    return row;
  });
}

/** Admins: revokes a role; the only Admin keeps theirs (400); 404 when not held. */
export async function revokeRole(ctx: AppContext, eventId: string, userId: string, role: ConductEventRoleName): Promise<boolean> {
  const { event } = await eventWithRole(ctx, { id: eventId }, 'Admin');
  return unitOfWork(ctx, async (tx) => {
    const row = isUuid(userId) ? await tx.em.findOne(ConductEventRole, { event: event.id, user: userId, role }) : null;
    if (!row) throw notFound('Role assignment not found.');
    if (role === ConductEventRoleName.ADMIN) await keepAnAdmin(tx, event.id, userId);
    await tx.em.nativeDelete(ConductEventRole, { id: row.id });
    forgetEventRoles(ctx, userId);
    await audit(tx, { action: 'event_role.revoked', targetType: 'User', targetId: userId, eventId: event.id, details: { role } });
    publishMembership(tx, event.id, userId, 'ROLE_REVOKED');
    return true;
  });
}

// --- invites ------------------------------------------------------------------------------------

export interface EventInviteInput {
  role?: ConductEventRoleName | null;
  maxUses?: number | null;
  expiresAt?: Date | null;
  note?: string | null;
  disabled?: boolean | null;
}

/** The invite fields every invite link shares (event and organization links): maxUses ≥ 1, a valid expiry, a note of at most 1000 characters. */
export function checkInvite(input: Pick<EventInviteInput, 'maxUses' | 'expiresAt' | 'note'>): void {
  if (input.maxUses !== undefined && input.maxUses !== null && (!Number.isInteger(input.maxUses) || input.maxUses < 1)) {
    throw badInput('maxUses must be a whole number from 1', { maxUses: 'must be from 1' });
  }
  if (input.expiresAt && Number.isNaN(input.expiresAt.getTime())) throw badInput('expiresAt must be a date', { expiresAt: 'must be a date' });
  if (input.note && input.note.length > 1000) throw badInput('note must be at most 1000 characters', { note: 'at most 1000 characters' });
}

/** Admins: a new invite link (role Reporter unless given). */
export async function createInvite(ctx: AppContext, ref: ConductRef, input: EventInviteInput): Promise<ConductInvite> {
  const { event } = await eventWithRole(ctx, ref, 'Admin');
  checkInvite(input);
  const viewer = requireViewer(ctx);
  return unitOfWork(ctx, async (tx) => {
    const invite = tx.em.create(ConductInvite, {
      event,
      role: input.role ?? ConductEventRoleName.REPORTER,
      maxUses: input.maxUses ?? null,
      expiresAt: input.expiresAt ?? null,
      note: input.note ?? null,
      createdBy: tx.em.getReference(User, viewer.id),
    });
    tx.em.persist(invite);
    await tx.em.flush();
    await audit(tx, { action: 'invite.created', targetType: 'ConductInvite', targetId: invite.id, eventId: event.id, details: { role: invite.role } });
    return invite;
  });
}

export async function listInvites(ctx: AppContext, ref: ConductRef): Promise<ConductInvite[]> {
  const { event } = await eventWithRole(ctx, ref, 'Admin');
  return ctx.em.find(ConductInvite, { event: event.id }, { orderBy: { createdAt: 'desc', id: 'desc' }, limit: EVENT_INVITES_MAX });
}

/** Admins: disables/enables, changes expiry, max uses or note; 404 an invite of another event. */
export async function updateInvite(ctx: AppContext, ref: ConductRef, inviteId: string, input: EventInviteInput): Promise<ConductInvite> {
  const { event } = await eventWithRole(ctx, ref, 'Admin');
  checkInvite(input);
  return unitOfWork(ctx, async (tx) => {
    const invite = isUuid(inviteId) ? await tx.em.findOne(ConductInvite, { id: inviteId, event: event.id }) : null;
    if (!invite) throw notFound('Invite not found.');
    if (input.disabled !== undefined && input.disabled !== null) invite.disabled = input.disabled;
    if (input.expiresAt !== undefined) invite.expiresAt = input.expiresAt;
    if (input.maxUses !== undefined) invite.maxUses = input.maxUses;
    if (input.note !== undefined) invite.note = input.note;
    await tx.em.flush();
    await audit(tx, { action: 'invite.updated', targetType: 'ConductInvite', targetId: invite.id, eventId: event.id });
    return invite;
  });
}

/** Public: an event invite by its code (any state, so the page can say why it cannot be used); 404. */
export async function inviteByCode(ctx: AppContext, code: string): Promise<{ invite: ConductInvite; event: ConductEvent }> {
  const invite = code ? await ctx.em.findOne(ConductInvite, { code, event: { $ne: null } }, { populate: ['event'] }) : null;
  if (!invite?.event) throw notFound('Invite not found.');
  return { invite, event: invite.event };
}

/** Signed in: uses an event invite (its role; the use counted); 400 unusable, 409 already a member. */
export async function redeemInvite(ctx: AppContext, code: string): Promise<ConductEvent> {
  const viewer = requireViewer(ctx);
  return unitOfWork(ctx, async (tx) => {
    const claimed = await claimInvite(tx, code, viewer.id, 'event');
    if (claimed.scope !== 'event') throw badInput(INVITE_MESSAGES.invalid);
    forgetEventRoles(ctx, viewer.id);
    publishMembership(tx, claimed.event.id, viewer.id, 'ROLE_GRANTED');
    return claimed.event;
  });
}
