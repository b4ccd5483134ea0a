/**
 * Events (`/api/events`, alias `/events`): the public list, an event by slug and by id, changing one, the
 * caller's roles there, logos (conduct-core.md "Events"); and a member's activity and reports (the user
 * profile pages' tabs; the other event-user routes are event-users.routes.ts). Every route runs one
 * operation of events.resolver.ts. Slug routes come first: `/slug/logo` is a slug, not an event id.
 */
import type { RestRoute, RouteRequest } from '../engine/types';
import { RestInputError } from '../engine/types';
import type {
  ConductEventByIdQuery,
  ConductEventBySlugQuery,
  ConductEventLogoByIdQuery,
  ConductEventLogoQuery,
  ConductEventUserActivityQuery,
  ConductEventUserReportsQuery,
  ConductMyEventRolesQuery,
  ConductPublicEventsQuery,
  ConductUpdateEventMutation,
  ConductUploadEventLogoByIdMutation,
  ConductUploadEventLogoMutation,
} from '../../generated/graphql';
import { EVENT_LOGO_POLICY } from '../../modules/conduct/events.service';
import { paths } from './kit';
import { avatarUrl, roleNames } from './legacy';
import { body, queryString, refuse } from './request';

const MESSAGES = {
  nothingToUpdate: 'Nothing to update.',
  noLogo: 'Logo not found.',
};

/** The event fields every event answer selects (the operations below repeat them: codegen reads each document alone). */
export interface EventData {
  id: string;
  name: string;
  slug: string;
  description?: string | null;
  startDate?: string | null;
  endDate?: string | null;
  website?: string | null;
  contactEmail?: string | null;
  codeOfConduct?: string | null;
  isActive: boolean;
  setupRequired: boolean;
  createdAt: string;
  updatedAt: string;
  logo?: { id: string } | null;
}

/**
 * conduct-core.md "Event object" `{id, name, slug, description, startDate, endDate, website, contactEmail,
 * codeOfConduct, isActive}` plus upstream's `setupRequired`, `createdAt`, `updatedAt` and `logo` (the
 * frontend shows the logo when it is set): null, or the logo's path `/events/slug/<slug>/logo`.
 */
export function legacyEvent(e: EventData) {
  return {
    id: e.id,
    name: e.name,
    slug: e.slug,
    description: e.description ?? null,
    startDate: e.startDate ?? null,
    endDate: e.endDate ?? null,
    website: e.website ?? null,
    contactEmail: e.contactEmail ?? null,
    codeOfConduct: e.codeOfConduct ?? null,
    isActive: e.isActive,
    setupRequired: e.setupRequired,
    logo: e.logo ? `/events/slug/${e.slug}/logo` : null,
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

const YMD = /^(\d{4})-(\d{2})-(\d{2})$/;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** A date field: ISO 8601 or `YYYY-MM-DD` (midnight UTC); null or "" clears; anything else 400. */
function dateField(value: unknown, key: string): string | null {
  if (value === null || value === '') return null;
  const bad = () => refuse(`${key} must be a date (ISO 8601 or YYYY-MM-DD).`, { [key]: 'must be a date' });
  if (typeof value !== 'string') bad();
  const v = (value as string).trim();
  const ymd = YMD.exec(v);
  if (ymd) {
    const d = new Date(Date.UTC(Number(ymd[1]), Number(ymd[2]) - 1, Number(ymd[3])));
    if (d.getUTCFullYear() !== Number(ymd[1]) || d.getUTCMonth() !== Number(ymd[2]) - 1 || d.getUTCDate() !== Number(ymd[3])) bad();
    return d.toISOString();
  }
  if (!ISO.test(v)) bad();
  // a date-time without a zone is read as UTC (not the server's local zone)
  const d = new Date(/(Z|[+-]\d{2}:?\d{2})$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(d.getTime())) bad();
  return d.toISOString();
}

/** An optional text field: "" or null clears; a string is kept; anything else 400. */
function optionalText(value: unknown, key: string): string | null {
  if (value === null || value === '') return null;
  if (typeof value !== 'string') refuse(`${key} must be text.`, { [key]: 'must be a string' });
  return value.trim() === '' ? null : value;
}

/**
 * PATCH /slug/:slug's body: the documented fields `{name?, newSlug?, description?, logo?, startDate?,
 * endDate?, website?, codeOfConduct?, contactEmail?}`. An empty string (or null) clears an optional field;
 * `logo: ""`/null removes the uploaded logo (a logo string is otherwise ignored: logos are uploaded).
 * Nothing given: 400.
 */
function updateInput(r: RouteRequest): Record<string, unknown> {
  const b = body(r);
  const input: Record<string, unknown> = {};
  if (b.name !== undefined) {
    if (typeof b.name !== 'string' || !b.name.trim()) refuse('Event name cannot be empty.', { name: 'must not be empty' });
    input.name = b.name;
  }
  if (b.newSlug !== undefined) {
    if (typeof b.newSlug !== 'string') refuse('Slug must contain only lowercase letters, numbers, and hyphens.', { newSlug: 'must use only a-z, 0-9 and -' });
    input.newSlug = b.newSlug;
  }
  for (const key of ['description', 'website', 'contactEmail', 'codeOfConduct'] as const) {
    if (b[key] !== undefined) input[key] = optionalText(b[key], key);
  }
  for (const key of ['startDate', 'endDate'] as const) {
    if (b[key] !== undefined) input[key] = dateField(b[key], key);
  }
  if (b.logo === null || b.logo === '') input.removeLogo = true;
  if (!Object.keys(input).length) refuse(MESSAGES.nothingToUpdate);
  return input;
}

/** A positive whole number from the query (absent: null), else 400. */
function positive(r: RouteRequest, key: string): number | null {
  const v = queryString(r, key);
  if (v === undefined) return null;
  if (!/^\d+$/.test(v) || Number(v) < 1) refuse(`${key} must be a positive whole number.`, { [key]: 'must be a positive whole number' });
  return Number(v);
}

const logoFile = (data: Pick<ConductEventLogoQuery, 'conductEventLogo'>) => {
  if (!data.conductEventLogo) throw new RestInputError(MESSAGES.noLogo, 'NOT_FOUND');
  return { fileId: data.conductEventLogo.id, cacheSeconds: 60 };
};

/** A person a report names: `{id, name, email}` (null: none). */
function person(u?: { id: string; name: string; email?: string | null; avatarFileId?: string | null } | null) {
  return u ? { id: u.id, name: u.name, email: u.email ?? null, avatarUrl: avatarUrl(u) } : null;
}

export const eventRoutes: RestRoute[] = [
  {
    method: 'get',
    ...paths('/api/events'),
    summary: "The public event list → {events: [{id, name, slug, description}]}: every active event while showPublicEventList is on; the caller's own events; else []",
    operation: /* GraphQL */ `query ConductPublicEvents { conductEvents { id name slug description } }`,
    result: (data: ConductPublicEventsQuery) => ({ events: data.conductEvents.map((e) => ({ id: e.id, name: e.name, slug: e.slug, description: e.description ?? null })) }),
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug'),
    summary: 'An event by slug (public) → {event}',
    operation: /* GraphQL */ `query ConductEventBySlug($slug: String!) {
      conductEvent(slug: $slug) { id name slug description startDate endDate website contactEmail codeOfConduct isActive setupRequired createdAt updatedAt logo { id } }
    }`,
    variables: (r) => ({ slug: r.params.slug }),
    result: (data: ConductEventBySlugQuery) => ({ event: legacyEvent(data.conductEvent) }),
  },
  {
    method: 'patch',
    ...paths('/api/events/slug/:slug'),
    summary: 'Admin: changes an event {name?, newSlug?, description?, logo?, startDate?, endDate?, website?, codeOfConduct?, contactEmail?} ("" clears) → {event}',
    operation: /* GraphQL */ `mutation ConductUpdateEvent($slug: String!, $input: UpdateConductEventInput!) {
      updateConductEvent(slug: $slug, input: $input) { id name slug description startDate endDate website contactEmail codeOfConduct isActive setupRequired createdAt updatedAt logo { id } }
    }`,
    variables: (r) => ({ slug: r.params.slug, input: updateInput(r) }),
    result: (data: ConductUpdateEventMutation) => ({ event: legacyEvent(data.updateConductEvent) }),
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/my-roles'),
    summary: "The caller's roles in the event → {roles} (SuperAdmin first for the platform admin; [] without a role)",
    operation: /* GraphQL */ `query ConductMyEventRoles($slug: String!) { conductMyEventRoles(slug: $slug) { roles superAdmin } }`,
    variables: (r) => ({ slug: r.params.slug }),
    result: (data: ConductMyEventRolesQuery) => ({ roles: roleNames(data.conductMyEventRoles.roles, data.conductMyEventRoles.superAdmin) }),
  },
  {
    method: 'post',
    ...paths('/api/events/slug/:slug/logo'),
    summary: 'Admin: uploads the event logo, multipart field `logo`, PNG or JPEG by content, at most 5 MB → {event}',
    operation: /* GraphQL */ `mutation ConductUploadEventLogo($slug: String!, $logo: Upload) {
      uploadConductEventLogo(slug: $slug, file: $logo) { id name slug description startDate endDate website contactEmail codeOfConduct isActive setupRequired createdAt updatedAt logo { id } }
    }`,
    uploads: { logo: 'logo' },
    uploadMaxBytes: EVENT_LOGO_POLICY.maxBytes,
    // no file: the operation answers 400 after the 404 and 403 checks
    variables: (r) => ({ slug: r.params.slug }),
    result: (data: ConductUploadEventLogoMutation) => ({ event: legacyEvent(data.uploadConductEventLogo) }),
  },
  {
    kind: 'download',
    method: 'get',
    ...paths('/api/events/slug/:slug/logo'),
    summary: 'The event logo (public; HEAD too); 404 none',
    operation: /* GraphQL */ `query ConductEventLogo($slug: String!) { conductEventLogo(slug: $slug) { id } }`,
    variables: (r) => ({ slug: r.params.slug }),
    file: logoFile,
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/users/:userId/activity'),
    summary: "Responder+: a user's activity in the event, newest first, ?page&limit (≤ 100) → {activities: [{id, type, action, title, details, timestamp}], total}",
    operation: /* GraphQL */ `query ConductEventUserActivity($slug: String!, $userId: ID!, $page: Int, $limit: Int) {
      conductEventUserActivity(slug: $slug, userId: $userId, page: $page, limit: $limit) { total activities { id type action title details timestamp } }
    }`,
    variables: (r) => ({ slug: r.params.slug, userId: r.params.userId, page: positive(r, 'page'), limit: positive(r, 'limit') }),
    result: (data: ConductEventUserActivityQuery) => data.conductEventUserActivity,
  },
  {
    method: 'get',
    ...paths('/api/events/slug/:slug/users/:userId/reports'),
    summary: "Responder+: a user's reports in the event, ?type=submitted|assigned|all&page&limit (≤ 100) → {reports, total}",
    operation: /* GraphQL */ `query ConductEventUserReports($slug: String!, $userId: ID!, $type: String, $page: Int, $limit: Int) {
      conductEventUserReports(slug: $slug, userId: $userId, type: $type, page: $page, limit: $limit) {
        total
        reports {
          report { id title description type state severity location incidentAt createdAt updatedAt }
          reporter { id name email avatarFileId }
          assignedResponder { id name email avatarFileId }
        }
      }
    }`,
    variables: (r) => {
      const type = queryString(r, 'type');
      if (type !== undefined && !['submitted', 'assigned', 'all'].includes(type))
        refuse('type must be submitted, assigned or all.', { type: 'must be submitted, assigned or all' });
      return { slug: r.params.slug, userId: r.params.userId, type: type ?? null, page: positive(r, 'page'), limit: positive(r, 'limit') };
    },
    result: (data: ConductEventUserReportsQuery) => ({
      total: data.conductEventUserReports.total,
      // enum values as upstream stores them (`investigating`, `harassment`, `high`)
      reports: data.conductEventUserReports.reports.map((x) => ({
        ...x.report,
        type: x.report.type.toLowerCase(),
        state: x.report.state.toLowerCase(),
        severity: x.report.severity?.toLowerCase() ?? null,
        // the member page shows `report.urgency` (upstream's input name for severity; its list never sent it)
        urgency: x.report.severity?.toLowerCase() ?? null,
        location: x.report.location ?? null,
        incidentAt: x.report.incidentAt ?? null,
        reporter: person(x.reporter),
        assignedResponder: person(x.assignedResponder),
      })),
    }),
  },
  {
    method: 'get',
    ...paths('/api/events/:eventId'),
    summary: 'Admin/SuperAdmin: an event by id → {event}',
    operation: /* GraphQL */ `query ConductEventById($eventId: ID!) {
      conductEvent(eventId: $eventId) { id name slug description startDate endDate website contactEmail codeOfConduct isActive setupRequired createdAt updatedAt logo { id } }
    }`,
    variables: (r) => ({ eventId: r.params.eventId }),
    result: (data: ConductEventByIdQuery) => ({ event: legacyEvent(data.conductEvent) }),
  },
  {
    method: 'post',
    ...paths('/api/events/:eventId/logo'),
    summary: 'Admin: uploads the event logo by event id, multipart field `logo`, PNG or JPEG by content, at most 5 MB → {event}',
    operation: /* GraphQL */ `mutation ConductUploadEventLogoById($eventId: ID!, $logo: Upload) {
      uploadConductEventLogo(eventId: $eventId, file: $logo) { id name slug description startDate endDate website contactEmail codeOfConduct isActive setupRequired createdAt updatedAt logo { id } }
    }`,
    uploads: { logo: 'logo' },
    uploadMaxBytes: EVENT_LOGO_POLICY.maxBytes,
    variables: (r) => ({ eventId: r.params.eventId }),
    result: (data: ConductUploadEventLogoByIdMutation) => ({ event: legacyEvent(data.uploadConductEventLogo) }),
  },
  {
    kind: 'download',
    method: 'get',
    ...paths('/api/events/:eventId/logo'),
    summary: 'The event logo by event id (public; HEAD too); 404 none',
    operation: /* GraphQL */ `query ConductEventLogoById($eventId: ID!) { conductEventLogo(eventId: $eventId) { id } }`,
    variables: (r) => ({ eventId: r.params.eventId }),
    file: (data: ConductEventLogoByIdQuery) => logoFile(data),
  },
];
