/**
 * Legacy shapes of the cakeplanner API (issue 4 fills in what cakeplanner.md leaves out; issue 9 adds
 * what the original backend sends and its own frontend reads): GraphQL results in, JSON out. Both
 * witnesses are served at once ("serve the union"): documented nested fields beside the original's flat
 * ones. Photo URLs are built here from the mount the request came through (`RouteRequest.base`).
 */
import type { CakeGroupRole, Role } from '../../generated/graphql';

/** The URL of a photo's bytes under the surface's mount, as the request reached it. */
export function photoPath(base: string, photoId: string): string {
  return `${base}/api/photos/${photoId}`;
}

/** Today as YYYY-MM-DD (UTC), for the original's `isFuture`: made once a day, not once per event of a list. */
let day = '';
let dayStarts = 0;
let dayEnds = 0;
function today(): string {
  const now = Date.now();
  // a clock set back (or forward) past the day's bounds makes it again
  if (now >= dayEnds || now < dayStarts) {
    day = new Date(now).toISOString().slice(0, 10);
    dayStarts = Date.parse(`${day}T00:00:00.000Z`);
    dayEnds = dayStarts + 86_400_000;
  }
  return day;
}

interface EventSummaryData {
  id: string;
  date: string;
  description: string;
  groupId: string;
  group?: { name: string };
  baker: { id: string; name: string };
  coverPhotoId?: string | null;
  rating: { average: number; count: number; myRating?: number | null };
}

interface GalleryData {
  gallery: { id: string; isMine: boolean; user: { name: string } }[];
}

interface EventDetailData extends EventSummaryData, GalleryData {
  isOwner: boolean;
  canDelete: boolean;
}

/**
 * An event in lists (GET /api/events) and the Hall of Fame: the documented shape plus the original's
 * flat `bakerId`, `bakerName`, `groupName` and `isFuture` (its frontend's calendar, dashboard and
 * Hall of Fame read them).
 */
export function eventSummary(e: EventSummaryData, base: string) {
  return {
    id: e.id,
    date: e.date,
    description: e.description,
    groupId: e.groupId,
    ...(e.group ? { groupName: e.group.name } : {}),
    baker: { id: e.baker.id, name: e.baker.name },
    bakerId: e.baker.id,
    bakerName: e.baker.name,
    photoUrl: e.coverPhotoId ? photoPath(base, e.coverPhotoId) : null,
    rating: { average: e.rating.average, count: e.rating.count, myRating: e.rating.myRating ?? null },
    isFuture: e.date >= today(),
  };
}

function gallery(e: GalleryData, base: string) {
  return e.gallery.map((p) => ({ id: p.id, userName: p.user.name, url: photoPath(base, p.id), isMine: p.isMine }));
}

/** A Hall of Fame item: a list item with its `gallery` (the frontend's podium reads `gallery.length`). */
export function rankedEvent(e: EventSummaryData & GalleryData, base: string) {
  // the summary's keys, then the gallery (no copy of the summary)
  return Object.assign(eventSummary(e, base), { gallery: gallery(e, base) });
}

/** GET /api/events/:id and the 201 of POST /api/events. */
export function eventDetail(e: EventDetailData, base: string) {
  return {
    ...eventSummary(e, base),
    gallery: gallery(e, base),
    isOwner: e.isOwner,
    canDelete: e.canDelete,
  };
}

interface MembershipData {
  groupId: string;
  role: CakeGroupRole;
  group: { name: string };
}

/**
 * The original has one group per user and sends it as `groupId`/`groupRole`; its frontends read them
 * (admin-panel access for a group admin, the SSE filter, the user list's group and role columns). Ours
 * may have several: the one shown is the first group the user administers, else their first group, by
 * name (the order of GET /api/user/groups). No group: both null (the admin panel's "None").
 */
export function primaryGroup(memberships: MembershipData[]): { groupId: string | null; groupRole: string | null } {
  const rank = (m: MembershipData) => (m.role === 'ADMIN' ? 0 : 1);
  const [first] = [...memberships].sort((a, b) => rank(a) - rank(b) || a.group.name.localeCompare(b.group.name) || a.groupId.localeCompare(b.groupId));
  return first ? { groupId: first.groupId, groupRole: first.role.toLowerCase() } : { groupId: null, groupRole: null };
}

interface AccountData {
  id: string;
  name: string;
  email?: string | null;
  role: Role;
  language: string;
  emailLanguage: string;
  mustChangePassword: boolean;
  twoFactorEnabled: boolean;
  cakeActive: boolean;
  lastLoginAt?: string | null;
  cakeMemberships: MembershipData[];
}

/** The documented account fields and, after them, the original's (User::toJson, the frontend's User model). */
function account(u: AccountData) {
  return {
    id: u.id,
    name: u.name,
    email: u.email ?? null,
    isAdmin: u.role === 'ADMIN',
    language: u.language,
    mustChangePassword: u.mustChangePassword,
    twoFactorEnabled: u.twoFactorEnabled,
    ...primaryGroup(u.cakeMemberships),
    has2FA: u.twoFactorEnabled,
    emailLanguage: u.emailLanguage,
    lastLoginAt: u.lastLoginAt ?? null,
    isActive: u.cakeActive,
  };
}

/** The `user` of a login (cakeplanner's is_admin is the global ADMIN role), with the original's fields. */
export function loginUser(u: AccountData) {
  return account(u);
}

/** A row of GET /api/admin/users: the account, its creation and its groups. */
export function adminUser(u: AccountData & { createdAt: string }) {
  return {
    ...account(u),
    createdAt: u.createdAt,
    groups: u.cakeMemberships.map((m) => ({ id: m.groupId, name: m.group.name, role: m.role.toLowerCase() })),
  };
}

interface ChangeData {
  id: string;
  kind: string;
  eventId: string;
  groupId: string;
  date: string;
  description: string;
  baker: { id: string; name: string };
  coverPhotoId?: string | null;
  rating: { average: number; count: number };
  photo?: { id: string; user: { id: string; name: string } } | null;
}

/**
 * The SSE frames of one change of GET /api/events/stream. First the documented frame: `id: <change id>`,
 * `event: created|deleted|rated|photo`, `data: {...}`. Then, for a creation, the original's frame for
 * its frontend, whose reader splits the stream on blank lines, keeps only blocks that start with
 * `data: ` and parses the rest of the block as JSON (so the block holds that one line, no `id:` or
 * `event:`), then acts on `type: "NEW_EVENT"` of its user's `groupId`. Browsers' EventSource get both:
 * the named event and an unnamed `message`, each with the change id as `lastEventId` (the id persists).
 */
export function changeFrames(c: ChangeData, base: string) {
  const photoUrl = c.coverPhotoId ? photoPath(base, c.coverPhotoId) : null;
  const documented = {
    event: c.kind.toLowerCase(),
    id: c.id,
    data: {
      id: c.eventId,
      groupId: c.groupId,
      date: c.date,
      description: c.description,
      baker: { id: c.baker.id, name: c.baker.name },
      photoUrl,
      rating: { average: c.rating.average, count: c.rating.count },
      ...(c.photo ? { photo: { id: c.photo.id, url: photoPath(base, c.photo.id), userId: c.photo.user.id, userName: c.photo.user.name } } : {}),
    },
  };
  if (documented.event !== 'created') return [documented];
  const original = {
    data: { type: 'NEW_EVENT', id: c.eventId, groupId: c.groupId, bakerId: c.baker.id, bakerName: c.baker.name, date: c.date, description: c.description, photoUrl },
  };
  return [documented, original];
}
