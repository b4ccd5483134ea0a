/**
 * SuperAdmin (`/api/admin`): events, statistics, toggles, Admin invites, system settings
 * (conduct-core.md "SuperAdmin"); and the public system settings (`/api/system/settings`, "System
 * settings"). Every route runs one operation of admin.resolver.ts; the SuperAdmin's operations declare
 * `access.admin` (401 anonymous, 403 "Forbidden: Super Admins only" for anyone else, before the body is
 * read). `/api/admin/events/stats` comes before `/api/admin/events/:eventId`.
 */
import type { RestRoute, RouteRequest } from '../engine/types';
import type {
  ConductAdminCreateEventMutation,
  ConductAdminCreateInviteMutation,
  ConductAdminEventInvitesQuery,
  ConductAdminEventQuery,
  ConductAdminEventStatsQuery,
  ConductAdminEventsQuery,
  ConductAdminSystemSettingsQuery,
  ConductAdminToggleEventMutation,
  ConductAdminUpdateInviteMutation,
  ConductSystemSettingsQuery,
  ConductUpdateSystemSettingsMutation,
} from '../../generated/graphql';
import { access } from '../../auth/access';
import { MESSAGES as ACCESS_MESSAGES } from '../../modules/conduct/conduct-access';
import { frontendUrl, paths, route } from './kit';
import { body, eventRoleInput, refuse, text } from './request';

const MESSAGES = {
  created: 'Event created successfully',
  enabled: 'Event enabled successfully',
  disabled: 'Event disabled successfully',
  enabledRequired: 'enabled field must be a boolean',
  inviteCreated: 'Invite created successfully',
  inviteUpdated: 'Invite updated successfully',
  inviteNothing: 'Nothing to update.',
  inviteStatus: 'Invalid status. Must be one of: pending, accepted, expired, revoked.',
  settingsUpdated: 'Settings updated successfully',
  settingsValue: 'showPublicEventList must be true or false.',
  eventNotFound: 'Event not found',
};

/** The SuperAdmin's routes: their 403 in upstream's words. */
const superAdmin = <R extends RestRoute>(r: R): R => route(r, { FORBIDDEN: ACCESS_MESSAGES.superAdminRequired });

interface AdminEventData {
  event: {
    id: string;
    name: string;
    slug: string;
    description?: string | null;
    isActive: boolean;
    setupRequired: boolean;
    website?: string | null;
    contactEmail?: string | null;
    createdAt: string;
    updatedAt: string;
  };
  userCount: number;
  reportCount: number;
}

/** A list item: `{id, name, slug, description, isActive, createdAt, updatedAt, userCount, reportCount}` plus upstream's `status`, `website`, `contactEmail`, `setupRequired`. */
function adminEvent(x: AdminEventData) {
  const e = x.event;
  return {
    id: e.id,
    name: e.name,
    slug: e.slug,
    description: e.description ?? null,
    isActive: e.isActive,
    status: e.isActive ? 'active' : 'inactive',
    setupRequired: e.setupRequired,
    website: e.website ?? null,
    contactEmail: e.contactEmail ?? null,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
    userCount: x.userCount,
    reportCount: x.reportCount,
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
  createdAt: string;
  updatedAt: string;
}

/** The admin invite shape `{id, code, role, maxUses, usedCount, expiresAt, isDisabled, note, createdAt, updatedAt}` with upstream's `useCount`, `email` (the note, or "Not specified") and `status`. */
function adminInvite(i: InviteData) {
  return {
    id: i.id,
    code: i.code,
    role: i.role,
    maxUses: i.maxUses ?? null,
    usedCount: i.useCount,
    useCount: i.useCount,
    expiresAt: i.expiresAt ?? null,
    isDisabled: i.disabled,
    note: i.note ?? null,
    email: i.note || 'Not specified',
    // upstream's order: a used invite says so even when it was disabled afterwards
    status: i.useCount > 0 ? 'Used' : i.disabled ? 'Disabled' : 'Pending',
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
  };
}

/** A positive whole number or a numeric string (`maxUses`); null or "" → null (unlimited); else 400. */
function maxUsesOf(v: unknown): number | null {
  if (v === null || v === '') return null;
  const n = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) refuse('maxUses must be a positive whole number.', { maxUses: 'must be a positive whole number' });
  return n;
}

/** A date-time (`expiresAt`, ISO or local without zone); null or "" → null (never); else 400. */
function expiresAtOf(v: unknown): string | null {
  if (v === null || v === '') return null;
  const d = typeof v === 'string' ? new Date(v) : new Date(NaN);
  if (Number.isNaN(d.getTime())) refuse('expiresAt must be a date.', { expiresAt: 'must be a date' });
  return d.toISOString();
}

/** `{email?, role?, note?, maxUses?, expiresAt?}` of an Admin invite (absent: the defaults). */
function createInviteInput(r: RouteRequest): Record<string, unknown> {
  const b = body(r);
  const input: Record<string, unknown> = {};
  if (b.email !== undefined && b.email !== null && b.email !== '') {
    if (typeof b.email !== 'string') refuse('Valid email is required', { email: 'must be a valid email address' });
    input.email = b.email;
  }
  if (b.role !== undefined && b.role !== null && b.role !== '') input.role = eventRoleInput(b.role);
  if (b.note !== undefined && b.note !== null) {
    if (typeof b.note !== 'string') refuse('note must be text.', { note: 'must be a string' });
    input.note = text(b.note) ?? null;
  }
  if (b.maxUses !== undefined && b.maxUses !== null && b.maxUses !== '') input.maxUses = maxUsesOf(b.maxUses);
  if (b.expiresAt !== undefined && b.expiresAt !== null && b.expiresAt !== '') input.expiresAt = expiresAtOf(b.expiresAt);
  return input;
}

/**
 * Both PATCH forms: `{isDisabled?, note?, maxUses?, expiresAt?}` (the document; `disabled` too), or
 * upstream's `{status}`: `pending` enables, `revoked` and `expired` disable, `accepted` changes nothing
 * (an invite is accepted by being used). Nothing given: 400.
 */
function updateInviteInput(r: RouteRequest): Record<string, unknown> {
  const b = body(r);
  const input: Record<string, unknown> = {};
  if (b.status !== undefined) {
    const status = typeof b.status === 'string' ? b.status.trim().toLowerCase() : '';
    if (!['pending', 'accepted', 'expired', 'revoked'].includes(status)) refuse(MESSAGES.inviteStatus, { status: 'must be pending, accepted, expired or revoked' });
    if (status === 'pending') input.disabled = false;
    if (status === 'revoked' || status === 'expired') input.disabled = true;
  }
  const disabled = b.isDisabled !== undefined ? b.isDisabled : b.disabled;
  if (disabled !== undefined) {
    if (typeof disabled !== 'boolean') refuse('isDisabled must be true or false.', { isDisabled: 'must be a boolean' });
    input.disabled = disabled;
  }
  if (b.note !== undefined) {
    if (b.note !== null && typeof b.note !== 'string') refuse('note must be text.', { note: 'must be a string' });
    input.note = text(b.note) ?? null;
  }
  if (b.maxUses !== undefined) input.maxUses = maxUsesOf(b.maxUses);
  if (b.expiresAt !== undefined) input.expiresAt = expiresAtOf(b.expiresAt);
  // `{status: "accepted"}` alone is a valid request that changes nothing: answer the invite as it is
  if (!Object.keys(input).length && b.status === undefined) refuse(MESSAGES.inviteNothing);
  return input;
}

/** `{showPublicEventList}` as a boolean or the string "true"/"false" (the frontend's); anything else 400. */
function settingsInput(r: RouteRequest): { showPublicEventList: boolean } {
  const v = body(r).showPublicEventList;
  if (v === true || v === 'true') return { showPublicEventList: true };
  if (v === false || v === 'false') return { showPublicEventList: false };
  refuse(MESSAGES.settingsValue, { showPublicEventList: 'must be true or false' });
}

/** conduct-core.md "System settings": the document's boolean and upstream's string map (the frontend reads `settings`). */
function settingsBody(s: { showPublicEventList: boolean }) {
  return { showPublicEventList: s.showPublicEventList, settings: { showPublicEventList: String(s.showPublicEventList) } };
}

export const adminRoutes: RestRoute[] = [
  // --- SuperAdmin: events ------------------------------------------------------------------------
  superAdmin({
    method: 'post',
    ...paths('/api/admin/events'),
    summary: 'SuperAdmin: a new event {name (3-100), slug (3-50), description (≥ 10)}, inactive with setup required → 201 {message, event}',
    operation: /* GraphQL */ `mutation ConductAdminCreateEvent($input: CreateConductEventInput!) {
      createConductEvent(input: $input) { id name slug description isActive setupRequired createdAt updatedAt }
    }`,
    variables: (r) => {
      const b = body(r);
      const str = (v: unknown) => (typeof v === 'string' ? v : '');
      return { input: { name: str(b.name), slug: str(b.slug), description: str(b.description) } };
    },
    status: 201,
    result: (data: ConductAdminCreateEventMutation) => {
      const e = data.createConductEvent;
      return { message: MESSAGES.created, event: { ...e, description: e.description ?? null } };
    },
  }),
  superAdmin({
    method: 'get',
    ...paths('/api/admin/events'),
    summary: 'SuperAdmin: every event with userCount and reportCount, and the platform statistics → {events, statistics}',
    operation: /* GraphQL */ `query ConductAdminEvents {
      conductAdminEvents {
        events { userCount reportCount event { id name slug description isActive setupRequired website contactEmail createdAt updatedAt } }
        statistics { totalEvents activeEvents totalUsers totalReports }
      }
    }`,
    result: (data: ConductAdminEventsQuery) => ({ events: data.conductAdminEvents.events.map(adminEvent), statistics: data.conductAdminEvents.statistics }),
  }),
  superAdmin({
    method: 'get',
    ...paths('/api/admin/events/stats'),
    summary: 'SuperAdmin: totals, reportsByState {<state>: n} and the 10 newest reports (recentActivity)',
    operation: /* GraphQL */ `query ConductAdminEventStats {
      conductAdminEventStats {
        totalEvents activeEvents totalUsers totalReports
        reportsByState { state count }
        recentActivity { id title state eventName eventSlug createdAt }
      }
    }`,
    result: ({ conductAdminEventStats: s }: ConductAdminEventStatsQuery) => ({
      totalEvents: s.totalEvents,
      activeEvents: s.activeEvents,
      totalUsers: s.totalUsers,
      totalReports: s.totalReports,
      reportsByState: Object.fromEntries(s.reportsByState.map((x) => [x.state.toLowerCase(), x.count])),
      recentActivity: s.recentActivity.map((a) => ({ ...a, state: a.state.toLowerCase() })),
    }),
  }),
  superAdmin({
    method: 'patch',
    ...paths('/api/admin/events/:eventId/toggle'),
    summary: 'SuperAdmin: switches an event on or off {enabled: boolean} → {message, event: {id, name, slug, isActive, updatedAt}}',
    operation: /* GraphQL */ `mutation ConductAdminToggleEvent($eventId: ID!, $active: Boolean!) {
      setConductEventActive(eventId: $eventId, active: $active) { id name slug isActive updatedAt }
    }`,
    variables: (r) => {
      const enabled = body(r).enabled;
      if (typeof enabled !== 'boolean') refuse(MESSAGES.enabledRequired, { enabled: 'must be a boolean' });
      return { eventId: r.params.eventId, active: enabled };
    },
    result: (data: ConductAdminToggleEventMutation) => ({ message: data.setConductEventActive.isActive ? MESSAGES.enabled : MESSAGES.disabled, event: data.setConductEventActive }),
  }),
  superAdmin({
    method: 'get',
    ...paths('/api/admin/events/:eventId'),
    summary: 'SuperAdmin: one event with its counts and recentActivity (its 10 newest reports) → {event}',
    operation: /* GraphQL */ `query ConductAdminEvent($eventId: ID!) {
      conductAdminEvent(eventId: $eventId) {
        userCount reportCount
        event { id name slug description isActive setupRequired website contactEmail startDate endDate codeOfConduct createdAt updatedAt }
        recentActivity { id title state eventName eventSlug createdAt }
      }
    }`,
    variables: (r) => ({ eventId: r.params.eventId }),
    result: ({ conductAdminEvent: x }: ConductAdminEventQuery) => ({
      event: {
        ...adminEvent(x),
        startDate: x.event.startDate ?? null,
        endDate: x.event.endDate ?? null,
        codeOfConduct: x.event.codeOfConduct ?? null,
        setupComplete: !x.event.setupRequired,
        recentActivity: x.recentActivity.map((a) => ({ ...a, state: a.state.toLowerCase() })),
      },
    }),
  }),
  superAdmin({
    method: 'get',
    ...paths('/api/admin/events/:eventId/invites'),
    summary: "SuperAdmin: the event's invite links → {invites} (with upstream's email, status and useCount)",
    operation: /* GraphQL */ `query ConductAdminEventInvites($eventId: ID!) {
      conductAdminEventInvites(eventId: $eventId) { id code role maxUses useCount expiresAt disabled note createdAt updatedAt }
    }`,
    variables: (r) => ({ eventId: r.params.eventId }),
    result: (data: ConductAdminEventInvitesQuery) => ({ invites: data.conductAdminEventInvites.map(adminInvite) }),
  }),
  superAdmin({
    method: 'post',
    ...paths('/api/admin/events/:eventId/invites'),
    summary: 'SuperAdmin: an invite link {email?, role? (Admin), note?, maxUses? (1), expiresAt? (30 days)} → 201 {message, invite, inviteUrl}',
    operation: /* GraphQL */ `mutation ConductAdminCreateInvite($eventId: ID!, $input: ConductAdminInviteInput!) {
      createConductAdminInvite(eventId: $eventId, input: $input) { id code role maxUses useCount expiresAt disabled note createdAt updatedAt }
    }`,
    variables: (r) => ({ eventId: r.params.eventId, input: createInviteInput(r) }),
    status: 201,
    result: (data: ConductAdminCreateInviteMutation, r) => ({
      message: MESSAGES.inviteCreated,
      invite: adminInvite(data.createConductAdminInvite),
      inviteUrl: frontendUrl(r, `/invite/${data.createConductAdminInvite.code}`),
    }),
  }),
  superAdmin({
    method: 'patch',
    ...paths('/api/admin/events/:eventId/invites/:inviteId'),
    summary: 'SuperAdmin: changes an invite {isDisabled?, note?, maxUses?, expiresAt?} or {status: pending|accepted|expired|revoked} → {message, invite}',
    operation: /* GraphQL */ `mutation ConductAdminUpdateInvite($eventId: ID!, $inviteId: ID!, $input: UpdateConductAdminInviteInput!) {
      updateConductAdminInvite(eventId: $eventId, inviteId: $inviteId, input: $input) { id code role maxUses useCount expiresAt disabled note createdAt updatedAt }
    }`,
    variables: (r) => ({ eventId: r.params.eventId, inviteId: r.params.inviteId, input: updateInviteInput(r) }),
    result: (data: ConductAdminUpdateInviteMutation) => ({ message: MESSAGES.inviteUpdated, invite: adminInvite(data.updateConductAdminInvite) }),
  }),
  // --- SuperAdmin: system settings ---------------------------------------------------------------
  superAdmin({
    method: 'get',
    ...paths('/api/admin/system/settings'),
    summary: 'SuperAdmin: the system settings → {showPublicEventList, settings: {showPublicEventList: "true"|"false"}}',
    operation: /* GraphQL */ `query ConductAdminSystemSettings { conductSystemSettings { showPublicEventList } }`,
    // the operation is public (GET /api/system/settings); this path is the SuperAdmin's
    access: access.admin,
    result: (data: ConductAdminSystemSettingsQuery) => settingsBody(data.conductSystemSettings),
  }),
  superAdmin({
    method: 'patch',
    ...paths('/api/admin/system/settings'),
    summary: 'SuperAdmin: {showPublicEventList} as a boolean or "true"/"false" → {message, settings: {showPublicEventList}}',
    operation: /* GraphQL */ `mutation ConductUpdateSystemSettings($input: UpdateConductSystemSettingsInput!) {
      updateConductSystemSettings(input: $input) { showPublicEventList }
    }`,
    variables: (r) => ({ input: settingsInput(r) }),
    result: (data: ConductUpdateSystemSettingsMutation) => ({
      message: MESSAGES.settingsUpdated,
      settings: { showPublicEventList: data.updateConductSystemSettings.showPublicEventList },
    }),
  }),
  // --- System settings (public) ------------------------------------------------------------------
  {
    method: 'get',
    ...paths('/api/system/settings', '/api/system/settings/public'),
    summary: 'The public system settings → {showPublicEventList, settings: {showPublicEventList: "true"|"false"}}',
    operation: /* GraphQL */ `query ConductSystemSettings { conductSystemSettings { showPublicEventList } }`,
    result: (data: ConductSystemSettingsQuery) => settingsBody(data.conductSystemSettings),
  },
];
