/**
 * Legacy shapes of the cakeplanner API (issue 4 fills in what cakeplanner.md leaves out): GraphQL
 * results in, the original backend's JSON out.
 */
import type { Role } from '../../generated/graphql';

interface EventSummaryData {
  id: string;
  date: string;
  description: string;
  groupId: string;
  baker: { id: string; name: string };
  photoUrl?: string | null;
  rating: { average: number; count: number; myRating?: number | null };
}

interface EventDetailData extends EventSummaryData {
  gallery: { id: string; url: string; isMine: boolean; user: { name: string } }[];
  isOwner: boolean;
  canDelete: boolean;
}

/** An event in lists (GET /api/events) and the Hall of Fame. */
export function eventSummary(e: EventSummaryData) {
  return {
    id: e.id,
    date: e.date,
    description: e.description,
    groupId: e.groupId,
    baker: { id: e.baker.id, name: e.baker.name },
    photoUrl: e.photoUrl ?? null,
    rating: { average: e.rating.average, count: e.rating.count, myRating: e.rating.myRating ?? null },
  };
}

/** GET /api/events/:id and the 201 of POST /api/events. */
export function eventDetail(e: EventDetailData) {
  return {
    ...eventSummary(e),
    gallery: e.gallery.map((p) => ({ id: p.id, userName: p.user.name, url: p.url, isMine: p.isMine })),
    isOwner: e.isOwner,
    canDelete: e.canDelete,
  };
}

/** The `user` of a login (cakeplanner's is_admin is the global ADMIN role). */
export function loginUser(u: { id: string; name: string; email?: string | null; role: Role; language: string; mustChangePassword: boolean; twoFactorEnabled: boolean }) {
  return {
    id: u.id,
    name: u.name,
    email: u.email ?? null,
    isAdmin: u.role === 'ADMIN',
    language: u.language,
    mustChangePassword: u.mustChangePassword,
    twoFactorEnabled: u.twoFactorEnabled,
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
  photoUrl?: string | null;
  rating: { average: number; count: number };
  photo?: { id: string; url: string; user: { id: string; name: string } } | null;
}

/** One SSE frame of GET /api/events/stream: `event: created|deleted|rated|photo`, the change id as `id`. */
export function changeFrame(c: ChangeData) {
  return {
    event: c.kind.toLowerCase(),
    id: c.id,
    data: {
      id: c.eventId,
      groupId: c.groupId,
      date: c.date,
      description: c.description,
      baker: { id: c.baker.id, name: c.baker.name },
      photoUrl: c.photoUrl ?? null,
      rating: { average: c.rating.average, count: c.rating.count },
      ...(c.photo ? { photo: { id: c.photo.id, url: c.photo.url, userId: c.photo.user.id, userName: c.photo.user.name } } : {}),
    },
  };
}
