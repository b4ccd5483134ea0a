/**
 * The SuperAdmin's events (conduct-core.md "SuperAdmin"): creating an event (inactive, setup required,
 * no role for the creator), every event with its counts and the platform's statistics, report
 * statistics, switching an event on or off, one event's details, and Admin invites to an event.
 * Every operation declares `access.admin` and checks `requireSuperAdmin` again here (so any transport
 * gets the rule); changes run in a unit of work and are audited in it.
 */
import type { AppContext } from '../../context/context';
import { badInput, conflict } from '../../errors/domain-error';
import { unitOfWork } from '../../db/unit-of-work';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { EMAIL } from '../identity/identity.service';
import { ConductEvent } from './event.entity';
import { ConductEventRoleName } from './event-role.entity';
import { ConductInvite } from './invite.entity';
import { ConductReportState } from './report.entity';
import { audit, findEvent, isSlug, requireSuperAdmin } from './conduct-access';
import * as people from './event-users.service';

/** The SuperAdmin's event list answers at most this many events (newest first). */
export const ADMIN_EVENTS_MAX = 5000;
/** How many reports `recentActivity` lists (conduct-core.md: the 10 newest). */
export const RECENT_ACTIVITY_MAX = 10;
/** Default lifetime of an Admin invite (conduct-core.md: 30 days). */
export const ADMIN_INVITE_DAYS = 30;

export const ADMIN_MESSAGES = {
  name: 'Event name is required and must be 3-100 characters',
  slug: 'Event slug is required and must be 3-50 characters',
  slugFormat: 'Slug must contain only lowercase letters, numbers, and hyphens',
  description: 'Description is required and must be at least 10 characters',
  slugTaken: 'An event with this slug already exists',
  inviteRole: 'Role must be Admin or Responder',
  email: 'Valid email is required',
} as const;

export interface AdminStatistics {
  totalEvents: number;
  activeEvents: number;
  /** accounts on the platform (not deleted) */
  totalUsers: number;
  totalReports: number;
}

export interface AdminEventView {
  event: ConductEvent;
  /** distinct users holding a role in the event */
  userCount: number;
  reportCount: number;
}

export interface ReportActivityView {
  id: string;
  title: string;
  state: ConductReportState;
  eventName: string;
  eventSlug: string;
  createdAt: Date;
}

// --- events ------------------------------------------------------------------------------------

/** SuperAdmin: a new event `{name (3–100), slug (3–50, [a-z0-9-]), description (≥ 10)}`, inactive, setup required. */
export async function createEvent(ctx: AppContext, input: { name: string; slug: string; description: string }): Promise<ConductEvent> {
  requireSuperAdmin(ctx);
  const name = (input.name ?? '').trim();
  const slug = input.slug ?? '';
  const description = (input.description ?? '').trim();
  if (name.length < 3 || name.length > 100) throw badInput(ADMIN_MESSAGES.name, { name: 'must be 3-100 characters' });
  if (slug.length < 3 || slug.length > 50) throw badInput(ADMIN_MESSAGES.slug, { slug: 'must be 3-50 characters' });
  if (!isSlug(slug)) throw badInput(ADMIN_MESSAGES.slugFormat, { slug: 'must use only a-z, 0-9 and -' });
  if (description.length < 10 || description.length > 10_000) throw badInput(ADMIN_MESSAGES.description, { description: 'must be 10-10000 characters' });
  return unitOfWork(ctx, async (tx) => {
    if (await tx.em.count(ConductEvent, { slug })) throw conflict(ADMIN_MESSAGES.slugTaken, { slug: 'is taken' });
    const event = tx.em.create(ConductEvent, { name, slug, description, isActive: false, setupRequired: true });
    tx.em.persist(event);
    try {
      await tx.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw conflict(ADMIN_MESSAGES.slugTaken, { slug: 'is taken' });
      throw err;
    }
    await audit(tx, { action: 'event.created', targetType: 'Event', targetId: event.id, eventId: event.id, details: { slug } });
    return event;
  });
}

interface CountRow {
  id: string;
  user_count: number;
  report_count: number;
}

/** The users and reports of some events: one statement. */
async function eventCounts(ctx: AppContext, eventIds: string[]): Promise<Map<string, { userCount: number; reportCount: number }>> {
  if (!eventIds.length) return new Map();
  const rows = await ctx.em.execute<CountRow[]>(
    `select e.id,
            (select count(distinct r.user_id)::int from conduct_event_roles r where r.event_id = e.id) as user_count,
            (select count(*)::int from conduct_reports p where p.event_id = e.id) as report_count
       from conduct_events e where e.id in (?)`,
    [eventIds],
  );
  return new Map(rows.map((r) => [r.id, { userCount: r.user_count, reportCount: r.report_count }]));
}

/** The platform's totals: events, active events, accounts, reports (one statement). */
export async function statistics(ctx: AppContext): Promise<AdminStatistics> {
  requireSuperAdmin(ctx);
  const [row] = await ctx.em.execute<AdminStatistics[]>(
    `select (select count(*)::int from conduct_events) as "totalEvents",
            (select count(*)::int from conduct_events where is_active) as "activeEvents",
            (select count(*)::int from users where deleted_at is null) as "totalUsers",
            (select count(*)::int from conduct_reports) as "totalReports"`,
  );
  return row;
}

/** SuperAdmin: every event (organizations' too), newest first, with its counts; three statements. */
export async function adminEvents(ctx: AppContext): Promise<AdminEventView[]> {
  requireSuperAdmin(ctx);
  const events = await ctx.em.find(ConductEvent, {}, { orderBy: { createdAt: 'desc', id: 'asc' }, limit: ADMIN_EVENTS_MAX });
  const counts = await eventCounts(
    ctx,
    events.map((e) => e.id),
  );
  return events.map((event) => ({ event, userCount: counts.get(event.id)?.userCount ?? 0, reportCount: counts.get(event.id)?.reportCount ?? 0 }));
}

/** The newest reports (of one event, or of all), each with its event's name and slug. */
async function recentReports(ctx: AppContext, eventId?: string): Promise<ReportActivityView[]> {
  const rows = await ctx.em.execute<{ id: string; title: string; state: ConductReportState; event_name: string; event_slug: string; created_at: string | Date }[]>(
    `select r.id, r.title, r.state, e.name as event_name, e.slug as event_slug, r.created_at
       from conduct_reports r join conduct_events e on e.id = r.event_id
      where (?::uuid is null or r.event_id = ?::uuid)
      order by r.created_at desc, r.id
      limit ?`,
    [eventId ?? null, eventId ?? null, RECENT_ACTIVITY_MAX],
  );
  return rows.map((r) => ({ id: r.id, title: r.title, state: r.state, eventName: r.event_name, eventSlug: r.event_slug, createdAt: new Date(r.created_at) }));
}

/** SuperAdmin: the totals, the reports by state (every state, zero included) and the 10 newest reports. */
export async function adminStats(
  ctx: AppContext,
): Promise<AdminStatistics & { reportsByState: { state: ConductReportState; count: number }[]; recentActivity: ReportActivityView[] }> {
  const totals = await statistics(ctx);
  const rows = await ctx.em.execute<{ state: ConductReportState; n: number }[]>('select state, count(*)::int as n from conduct_reports group by state');
  const byState = new Map(rows.map((r) => [r.state, r.n]));
  return {
    ...totals,
    reportsByState: Object.values(ConductReportState).map((state) => ({ state, count: byState.get(state) ?? 0 })),
    recentActivity: await recentReports(ctx),
  };
}

/** SuperAdmin: one event with its counts and its 10 newest reports; 404. */
export async function adminEvent(ctx: AppContext, eventId: string): Promise<AdminEventView & { recentActivity: ReportActivityView[] }> {
  requireSuperAdmin(ctx);
  const event = await findEvent(ctx, { id: eventId });
  const counts = (await eventCounts(ctx, [event.id])).get(event.id);
  return { event, userCount: counts?.userCount ?? 0, reportCount: counts?.reportCount ?? 0, recentActivity: await recentReports(ctx, event.id) };
}

/** SuperAdmin: switches an event on or off (audited `event.enabled` / `event.disabled`); 404. */
export async function setEventActive(ctx: AppContext, eventId: string, active: boolean): Promise<ConductEvent> {
  requireSuperAdmin(ctx);
  const event = await findEvent(ctx, { id: eventId });
  return unitOfWork(ctx, async (tx) => {
    const row = await tx.em.findOneOrFail(ConductEvent, { id: event.id });
    const before = row.isActive;
    row.isActive = active;
    // a toggle is a change even when it confirms the state: `updatedAt` moves
    row.updatedAt = new Date();
    await tx.em.flush();
    await audit(tx, { action: active ? 'event.enabled' : 'event.disabled', targetType: 'Event', targetId: row.id, eventId: row.id, details: { before, after: active } });
    return row;
  });
}

// --- Admin invites ----------------------------------------------------------------------------

export interface AdminInviteInput {
  /** the invitee's address, kept in the note (the invite itself is a link) */
  email?: string | null;
  role?: ConductEventRoleName | null;
  note?: string | null;
  maxUses?: number | null;
  expiresAt?: Date | null;
}

/** SuperAdmin: the event's invite links, newest first; 404. */
export async function adminInvites(ctx: AppContext, eventId: string): Promise<ConductInvite[]> {
  requireSuperAdmin(ctx);
  const event = await findEvent(ctx, { id: eventId });
  return people.listInvites(ctx, { id: event.id });
}

/**
 * SuperAdmin: an invite link to the event, by default for its Admin role (Admin or Responder; a
 * Reporter invite is the event Admins' business: 400), single use, valid 30 days. A given email must be
 * valid and is kept in the note (before any note text).
 */
export async function createAdminInvite(ctx: AppContext, eventId: string, input: AdminInviteInput): Promise<ConductInvite> {
  requireSuperAdmin(ctx);
  const event = await findEvent(ctx, { id: eventId });
  const role = input.role ?? ConductEventRoleName.ADMIN;
  if (role !== ConductEventRoleName.ADMIN && role !== ConductEventRoleName.RESPONDER) throw badInput(ADMIN_MESSAGES.inviteRole, { role: 'must be Admin or Responder' });
  const email = input.email?.trim() || null;
  if (email !== null && (!EMAIL.test(email) || email.length > 254)) throw badInput(ADMIN_MESSAGES.email, { email: 'must be a valid email address' });
  const note = [email, input.note?.trim() || null].filter(Boolean).join(': ') || null;
  return people.createInvite(
    ctx,
    { id: event.id },
    {
      role,
      note,
      maxUses: input.maxUses === undefined || input.maxUses === null ? 1 : input.maxUses,
      expiresAt: input.expiresAt ?? new Date(Date.now() + ADMIN_INVITE_DAYS * 24 * 3600 * 1000),
    },
  );
}

/** SuperAdmin: changes an invite of the event (disabled, note, max uses, expiry); 404 unknown invite. */
export async function updateAdminInvite(ctx: AppContext, eventId: string, inviteId: string, input: people.EventInviteInput): Promise<ConductInvite> {
  requireSuperAdmin(ctx);
  const event = await findEvent(ctx, { id: eventId });
  return people.updateInvite(ctx, { id: event.id }, inviteId, { disabled: input.disabled, note: input.note, maxUses: input.maxUses, expiresAt: input.expiresAt });
}
