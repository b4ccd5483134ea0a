/**
 * conduct's events (conduct-core.md "Events"): the public list (the `showPublicEventList` setting), an
 * event by slug (public) or by id (its Admins), changing an event, the viewer's roles there, logos, and a
 * member's activity and reports. Every check is here (conduct-access.ts, 404 before 403); every change
 * runs in a unit of work and is audited in it.
 */
import type { AppContext } from '../../context/context';
import { requireViewer } from '../../auth/guards';
import { enforce } from '../../auth/access';
import { badInput, conflict, notFound } from '../../errors/domain-error';
import { isUuid } from '../../db/ids';
import { unitOfWork } from '../../db/unit-of-work';
import { IMAGE_TYPES, StoragePolicy } from '../../storage/storage';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import { User } from '../identity/user.entity';
import { EMAIL } from '../identity/identity.service';
import { ConductEvent } from './event.entity';
import { ConductEventRoleName } from './event-role.entity';
import { ConductReport } from './report.entity';
import { audit, conductMember, eventRoles, eventWithRole, findEvent, isSlug, isSuperAdmin, replaceLogo } from './conduct-access';
import type { ConductRef } from './conduct-access';
import { showPublicEventList } from './settings.service';

/** The public list answers at most this many events (by name). */
export const PUBLIC_EVENTS_MAX = 1000;
/** A member's activity and reports: pages of at most this many. */
export const MEMBER_PAGE_MAX = 100;

/** conduct-core.md "Logos": PNG or JPEG by content, at most 5 MB. */
export const EVENT_LOGO_POLICY: StoragePolicy = {
  purpose: 'conduct-event-logo',
  maxBytes: 5 * 1024 * 1024,
  accept: IMAGE_TYPES.filter((t) => t === 'image/png' || t === 'image/jpeg'),
};

export const EVENT_MESSAGES = {
  nothingToUpdate: 'Nothing to update.',
  slugTaken: 'Slug already exists.',
  badSlug: 'Slug must contain only lowercase letters, numbers, and hyphens.',
  userNotFound: 'User not found.',
} as const;

// --- reading events ------------------------------------------------------------------------------

/**
 * The public list (conduct-core.md "GET /"): while `showPublicEventList` is on, every active event (and
 * a signed-in caller's own events too); while it is off, nothing for anonymous callers and the events
 * where a signed-in caller holds a role. By name, at most PUBLIC_EVENTS_MAX.
 */
export async function publicEvents(ctx: AppContext): Promise<ConductEvent[]> {
  const listed = await showPublicEventList(ctx);
  const viewerId = ctx.viewer?.id ?? null;
  if (!listed && !viewerId) return [];
  const rows = await ctx.em.execute<{ id: string }[]>(
    `select e.id from conduct_events e
      where (?::boolean and e.is_active)
         or (?::uuid is not null and exists (select 1 from conduct_event_roles r where r.event_id = e.id and r.user_id = ?::uuid))
      order by lower(e.name), e.id
      limit ?`,
    [listed, viewerId, viewerId, PUBLIC_EVENTS_MAX],
  );
  if (!rows.length) return [];
  const events = await ctx.em.find(ConductEvent, { id: { $in: rows.map((r) => r.id) } });
  const byId = new Map(events.map((e) => [e.id, e]));
  return rows.map((r) => byId.get(r.id)).filter((e): e is ConductEvent => !!e);
}

/** An event by slug (public) or by id (its Admins and the SuperAdmin: conduct-core.md "GET /:eventId"). */
export async function eventByRef(ctx: AppContext, ref: ConductRef): Promise<ConductEvent> {
  if (ref.id !== undefined && ref.id !== null) {
    // the operation is public for slugs; by id it is a conduct member's (a DISABLED membership: 403)
    await enforce(conductMember, ctx);
    return (await eventWithRole(ctx, ref, 'Admin')).event;
  }
  return findEvent(ctx, ref);
}

/** The viewer's roles in an event (highest first; none: empty) and whether they are the SuperAdmin. */
export async function myEventRoles(ctx: AppContext, slug: string): Promise<{ roles: ConductEventRoleName[]; superAdmin: boolean }> {
  requireViewer(ctx);
  const event = await findEvent(ctx, { slug });
  return { roles: await eventRoles(ctx, event.id), superAdmin: isSuperAdmin(ctx) };
}

// --- changing an event ---------------------------------------------------------------------------

/**
 * A change of an event: absent fields keep their value; null clears an optional one (the surface reads
 * an empty string as null). `name` cannot be cleared; `newSlug` renames (the old slug is then unknown).
 */
export interface UpdateEventInput {
  name?: string | null;
  newSlug?: string | null;
  description?: string | null;
  startDate?: Date | null;
  endDate?: Date | null;
  website?: string | null;
  contactEmail?: string | null;
  codeOfConduct?: string | null;
  /** true: the stored logo goes (a logo itself is uploaded: setEventLogo) */
  removeLogo?: boolean | null;
}

const TEXT_LIMITS: Partial<Record<keyof UpdateEventInput, number>> = {
  name: 200,
  description: 10_000,
  website: 500,
  codeOfConduct: 100_000,
};

function checkUpdate(input: UpdateEventInput): void {
  const given = (Object.keys(input) as (keyof UpdateEventInput)[]).filter((k) => input[k] !== undefined);
  if (!given.length) throw badInput(EVENT_MESSAGES.nothingToUpdate);
  if (input.name !== undefined && (input.name === null || !input.name.trim())) throw badInput('Event name cannot be empty.', { name: 'must not be empty' });
  if (input.newSlug !== undefined) {
    if (input.newSlug === null || !isSlug(input.newSlug) || input.newSlug.length > 100) throw badInput(EVENT_MESSAGES.badSlug, { newSlug: 'must use only a-z, 0-9 and -' });
  }
  for (const [key, max] of Object.entries(TEXT_LIMITS) as [keyof UpdateEventInput, number][]) {
    const v = input[key];
    if (typeof v === 'string' && v.length > max) throw badInput(`${key} must be at most ${max} characters.`, { [key]: `at most ${max} characters` });
  }
  if (input.contactEmail && (!EMAIL.test(input.contactEmail.trim()) || input.contactEmail.length > 254)) {
    throw badInput('Please enter a valid email address.', { contactEmail: 'must be a valid email address' });
  }
  for (const key of ['startDate', 'endDate'] as const) {
    const d = input[key];
    if (d && Number.isNaN(d.getTime())) throw badInput(`${key} must be a date.`, { [key]: 'must be a date' });
  }
}

/** Admins and the SuperAdmin: changes an event; a taken `newSlug` is 409. Clears `setupRequired`. */
export async function updateEvent(ctx: AppContext, slug: string, input: UpdateEventInput): Promise<ConductEvent> {
  const { event } = await eventWithRole(ctx, { slug }, 'Admin');
  checkUpdate(input);
  return unitOfWork(ctx, async (tx) => {
    const row = await tx.em.findOneOrFail(ConductEvent, { id: event.id });
    const changed: string[] = [];
    const set = <K extends keyof ConductEvent>(key: K, value: ConductEvent[K]) => {
      const before = row[key];
      const same = before instanceof Date && value instanceof Date ? before.getTime() === value.getTime() : before === value;
      if (!same) {
        row[key] = value;
        changed.push(key as string);
      }
    };
    if (input.name !== undefined) set('name', input.name!.trim());
    if (input.newSlug !== undefined && input.newSlug !== row.slug) {
      if (await tx.em.count(ConductEvent, { slug: input.newSlug, id: { $ne: row.id } })) throw conflict(EVENT_MESSAGES.slugTaken, { newSlug: 'is taken' });
      set('slug', input.newSlug!);
    }
    if (input.description !== undefined) set('description', input.description);
    if (input.startDate !== undefined) set('startDate', input.startDate);
    if (input.endDate !== undefined) set('endDate', input.endDate);
    if (input.website !== undefined) set('website', input.website?.trim() || null);
    if (input.contactEmail !== undefined) set('contactEmail', input.contactEmail?.trim().toLowerCase() || null);
    if (input.codeOfConduct !== undefined) set('codeOfConduct', input.codeOfConduct);
    const oldLogo = input.removeLogo ? row.logoFileId : null;
    if (oldLogo) set('logoFileId', null);
    set('setupRequired', false);
    try {
      await tx.em.flush();
    } catch (err) {
      if (err instanceof UniqueConstraintViolationException) throw conflict(EVENT_MESSAGES.slugTaken, { newSlug: 'is taken' });
      throw err;
    }
    if (oldLogo) await ctx.app.storage.remove(tx.em, oldLogo);
    await audit(tx, {
      action: 'event.updated',
      targetType: 'Event',
      targetId: row.id,
      eventId: row.id,
      details: { fields: changed, ...(changed.includes('slug') ? { oldSlug: slug } : {}) },
    });
    return row;
  });
}

// --- logos -----------------------------------------------------------------------------------------

/** Admins and the SuperAdmin: the event's logo (PNG/JPEG ≤ 5 MB by content) replaces the old one; a refused file keeps it. */
export async function setEventLogo(ctx: AppContext, ref: ConductRef, bytes: Buffer): Promise<ConductEvent> {
  const { event } = await eventWithRole(ctx, ref, 'Admin');
  return replaceLogo(ctx, ConductEvent, event.id, bytes, EVENT_LOGO_POLICY, (row, stored) => ({
    action: 'event.logo_updated',
    targetType: 'Event',
    targetId: row.id,
    eventId: row.id,
    details: { contentType: stored.contentType, size: stored.size },
  }));
}

/** Public: the event's stored logo, or null (404 an unknown event). */
export async function eventLogo(ctx: AppContext, ref: ConductRef): Promise<{ id: string } | null> {
  const event = await findEvent(ctx, ref);
  return event.logoFileId ? { id: event.logoFileId } : null;
}

// --- a member's activity and reports ---------------------------------------------------------------

export interface PageInput {
  page?: number | null;
  limit?: number | null;
}

function paging(q: PageInput): { limit: number; offset: number } {
  const page = q.page ?? 1;
  const limit = q.limit ?? 20;
  if (!Number.isInteger(page) || page < 1) throw badInput('page must be a whole number from 1', { page: 'must be from 1' });
  if (!Number.isInteger(limit) || limit < 1 || limit > MEMBER_PAGE_MAX)
    throw badInput(`limit must be from 1 to ${MEMBER_PAGE_MAX}`, { limit: `must be from 1 to ${MEMBER_PAGE_MAX}` });
  return { limit, offset: (page - 1) * limit };
}

/** Responders, Admins and the SuperAdmin of the event; the user must exist (404), not necessarily hold a role there still. */
async function memberScope(ctx: AppContext, slug: string, userId: string): Promise<ConductEvent> {
  const { event } = await eventWithRole(ctx, { slug }, 'Responder');
  const user = isUuid(userId) ? await ctx.em.findOne(User, { id: userId }, { fields: ['id'] }) : null;
  if (!user) throw notFound(EVENT_MESSAGES.userNotFound);
  return event;
}

export interface UserActivityView {
  id: string;
  /** `report` (a report they submitted) or `audit` (an action of theirs in the audit log) */
  type: string;
  action: string;
  title: string;
  details: Record<string, unknown>;
  timestamp: Date;
}

interface ActivityRow {
  id: string;
  type: string;
  action: string;
  title: string;
  details: Record<string, unknown> | string | null;
  timestamp: Date | string;
}

/**
 * A user's activity in the event, newest first: the reports they submitted there and their audit log
 * entries there (conduct-core.md ".../activity"); a page and the total, two statements.
 */
export async function userActivity(ctx: AppContext, slug: string, userId: string, q: PageInput): Promise<{ activities: UserActivityView[]; total: number }> {
  const event = await memberScope(ctx, slug, userId);
  const { limit, offset } = paging(q);
  const union = `
    select r.id::text as id, 'report' as type, 'submitted' as action, r.title as title,
           jsonb_build_object('type', r.type, 'state', r.state) as details, r.created_at as timestamp
      from conduct_reports r where r.event_id = ? and r.reporter_id = ?
    union all
    select a.id::text, 'audit', a.action, a.action || ' ' || a.target_type,
           jsonb_build_object('targetType', a.target_type, 'targetId', a.target_id), a.created_at
      from conduct_audit_logs a where a.event_id = ? and a.actor_id = ?`;
  const params = [event.id, userId, event.id, userId];
  const rows = await ctx.em.execute<ActivityRow[]>(`select * from (${union}) t order by timestamp desc, id limit ? offset ?`, [...params, limit, offset]);
  const [{ total }] = await ctx.em.execute<{ total: number }[]>(`select count(*)::int as total from (${union}) t`, params);
  return {
    total,
    activities: rows.map((r) => ({
      id: r.id,
      type: r.type,
      action: r.action,
      title: r.title,
      details: typeof r.details === 'string' ? (JSON.parse(r.details) as Record<string, unknown>) : (r.details ?? {}),
      timestamp: new Date(r.timestamp),
    })),
  };
}

export type UserReportsType = 'submitted' | 'assigned' | 'all';

/** A user's reports in the event (submitted by them, assigned to them, or both), newest first; a page and the total. */
export async function userReports(ctx: AppContext, slug: string, userId: string, type: UserReportsType, q: PageInput): Promise<{ reports: ConductReport[]; total: number }> {
  const event = await memberScope(ctx, slug, userId);
  const { limit, offset } = paging(q);
  const who = type === 'submitted' ? { reporter: userId } : type === 'assigned' ? { assignedResponder: userId } : { $or: [{ reporter: userId }, { assignedResponder: userId }] };
  const [reports, total] = await ctx.em.findAndCount(
    ConductReport,
    { event: event.id, ...who },
    { orderBy: { createdAt: 'desc', id: 'asc' }, limit, offset, populate: ['reporter', 'assignedResponder'] },
  );
  return { reports, total };
}
