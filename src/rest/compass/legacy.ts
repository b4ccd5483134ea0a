/**
 * The compass surface's legacy shapes (api-docs/compass.md): snake_case objects, "user"/"admin" roles,
 * `YYYY-MM-DD HH:MM:SS` dates (UTC), the URLs of pictures and logos, the success and error envelopes,
 * and the legacy wording of errors. The graph knows none of this: it exposes file ids, camelCase fields
 * and domain messages; this file turns them into what compass clients read.
 */
import type { Request } from 'express';
import { tokenFromRequest } from '../../context/context';
import { httpStatusOf, type ErrorCode, type ErrorDetails } from '../../errors/domain-error';
import type { SurfaceError } from '../engine/types';
import type { CompassAnalyticsQuery } from '../../generated/graphql';

export function legacyDate(iso: string | Date | null | undefined): string | null {
  if (iso === null || iso === undefined) return null;
  // the graph's own text (`2024-12-04T12:00:00.000Z`) is cut as it is, without a Date made and written again
  if (typeof iso === 'string' && iso.length === 24 && iso[10] === 'T' && iso[23] === 'Z') return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** compass.md's error timestamp: `2024-12-04T12:00:00+00:00`. */
export function legacyTimestamp(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

export const legacyRole = (role: string): string => role.toLowerCase();

// --- URLs ----------------------------------------------------------------------------------------

/**
 * Where the surface's routes are published: `PUBLIC_URL` when set (validated by src/config.ts at start),
 * else a path. Pictures and logos are always named by their `/compass/api/...` route.
 */
function publicBase(): string {
  return (process.env.PUBLIC_URL ?? '').replace(/\/+$/, '');
}

const version = (fileId: string) => fileId.slice(0, 8);

/** The route of a user's picture, without its version (what a legacy client may send back as profile_url). */
export function pictureRoute(userNumber: number): string {
  return `${publicBase()}/compass/api/users/${userNumber}/picture`;
}

/** Whether a profile_url names this user's picture route (any base, any version). */
export function isOwnPicture(url: string, userNumber: number): boolean {
  return url.split('?')[0].endsWith(`/compass/api/users/${userNumber}/picture`);
}

/**
 * compass.md: profile_url is the external URL, or the picture route with `?v=<version>` while the stored
 * picture is the profile picture (an empty profileUrl with a stored picture; rows written before the
 * graph stored the route itself, which follows the stored picture the same way).
 */
export function legacyProfileUrl(u: { number: number; profileUrl?: string | null; avatarFileId?: string | null }): string | null {
  const url = u.profileUrl ?? null;
  if (url !== null && !isOwnPicture(url, u.number)) return url;
  return u.avatarFileId ? `${pictureRoute(u.number)}?v=${version(u.avatarFileId)}` : null;
}

export function logoUrl(p: { id: number; logo?: { id: string } | null }): string | null {
  return p.logo ? `${publicBase()}/compass/api/parties/${p.id}/logo?v=${version(p.logo.id)}` : null;
}

// --- objects -------------------------------------------------------------------------------------

export function legacyUser(u: {
  number: number;
  role: string;
  username?: string | null;
  email?: string | null;
  profileUrl?: string | null;
  avatarFileId?: string | null;
  patientNumber?: number | null;
  createdAt: string;
}) {
  return {
    user_id: u.number,
    role: legacyRole(u.role),
    username: u.username ?? null,
    email_address: u.email ?? null,
    profile_url: legacyProfileUrl(u),
    patient_number: u.patientNumber ?? null,
    date_created: legacyDate(u.createdAt),
  };
}

type PartyFields = { id: number; name: string; abbreviation: string; description?: string | null; logo?: { id: string } | null };

/** A party in the legacy shape (its fields in the legacy order, which JSON keeps). */
class LegacyParty {
  readonly party_id: number;
  readonly name: string;
  readonly abbreviation: string;
  readonly description: string | null;
  readonly logo_url: string | null;
  constructor(p: PartyFields) {
    this.party_id = p.id;
    this.name = p.name;
    this.abbreviation = p.abbreviation;
    this.description = p.description ?? null;
    this.logo_url = logoUrl(p);
  }
}

/**
 * A party followed by more fields (a match's point and distance, a position), added to the party in the
 * given object's order: never `{ ...legacyParty(p), … }`, an object spread and then added to got a hidden
 * class of its own per party in V8's optimized code (bench/README.md); these share theirs.
 */
function partyWith<E extends object>(p: PartyFields, extra: E): LegacyParty & E {
  return Object.assign(new LegacyParty(p), extra);
}

export const legacyParty = (p: PartyFields) => new LegacyParty(p);

export function legacyPartyMatch(p: PartyFields, m: { x: number; y: number; distance: number; matchPercentage: number }) {
  return partyWith(p, { x: m.x, y: m.y, distance: m.distance, match_percentage: m.matchPercentage });
}

export function legacyPartyPosition(p: PartyFields, pos: { x: number; y: number; answered: number; total: number }) {
  return partyWith(p, { x: pos.x, y: pos.y, answered: pos.answered, total: pos.total });
}

export function legacyQuestion(q: { id: number; text: string; axis: string; direction: number; position: number }) {
  return { question_id: q.id, text: q.text, axis: q.axis.toLowerCase(), direction: q.direction, position: q.position };
}

export function legacyAnswer(a: { questionId: number; answer: string; question: { text: string } }) {
  return { question_id: a.questionId, question: a.question.text, answer: a.answer };
}

export function legacyPosition(p: { x: number; y: number; answered: number; total: number }) {
  return { x: p.x, y: p.y, answered: p.answered, total: p.total };
}

export function legacyAnalytics(a: CompassAnalyticsQuery['compassAnalytics']) {
  return {
    totals: {
      users: a.totals.users,
      parties: a.totals.parties,
      questions: a.totals.questions,
      answers: a.totals.answers,
      users_answered: a.totals.usersAnswered,
      users_completed: a.totals.usersCompleted,
    },
    completion_rate: a.completionRate,
    answer_distribution: a.distribution.map((d) => ({
      question_id: d.question.id,
      text: d.question.text,
      axis: d.question.axis.toLowerCase(),
      strongly_agree: d.stronglyAgree,
      agree: d.agree,
      neutral: d.neutral,
      disagree: d.disagree,
      strongly_disagree: d.stronglyDisagree,
      unanswered: d.unanswered,
    })),
    top_matches: a.topMatches.map((t) => ({ party_id: t.party.id, name: t.party.name, abbreviation: t.party.abbreviation, users: t.users })),
    mean_position: { x: a.meanPosition.x, y: a.meanPosition.y },
  };
}

// --- errors --------------------------------------------------------------------------------------

const RENAMED: Record<string, string> = { email: 'email_address' };

/** A graph field name as the legacy client spells it (emailAddress → email_address). */
export function legacyField(field: string): string {
  return (RENAMED[field] ?? field).replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

export function humanize(field: string): string {
  const words = field
    .replace(/\[\d+\]/g, '')
    .replace(/[._]+/g, ' ')
    .trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Terse domain messages ("is already taken") become sentences ("Username is already taken"). */
function legacyFieldMessage(field: string, message: string): string {
  return /^[a-z]/.test(message) ? `${humanize(field)} ${message}` : message;
}

/** compass.md: validation errors naming fields are 422; the rest follows the platform's mapping. */
function statusOf(code: ErrorCode, details?: ErrorDetails): number {
  if (code === 'BAD_USER_INPUT' && details?.fields && Object.keys(details.fields).length) return 422;
  return httpStatusOf(code);
}

export function errorBody(status: number, message: string, errors?: Record<string, string>) {
  return { status: 'error', message, timestamp: legacyTimestamp(), status_code: status, ...(errors ? { errors } : {}) };
}

/** How a route words its refusals, declared beside it in routes.ts. */
export interface RouteWording {
  /** the route checks credentials (login): a 401 is about them, never about a session */
  credentials?: boolean;
  /** compass.md's 403 wording of a route whose operation is declared for admins only */
  adminOnly?: boolean;
  /** the legacy names of the operation's argument fields that errors name (uploadAvatar's `file` is `picture`) */
  fields?: Record<string, string>;
}

const wordings = new Map<string, RouteWording>();

export function declareWording(method: string, path: string, wording: RouteWording): void {
  wordings.set(`${method.toUpperCase()} ${path}`, wording);
}

/** The wording declared for the route a request matched (Express's `req.route`), if any. */
function wordingOf(req?: Request): RouteWording {
  const path = (req as (Request & { route?: { path?: string } }) | undefined)?.route?.path;
  return (req && typeof path === 'string' && wordings.get(`${req.method} ${path}`)) || {};
}

/**
 * The one error mapping of the surface (compass.md). A refused session is 401 "Token not provided" when
 * the request sent no token, else "Invalid or expired token" — decided by the code and the request,
 * whatever the message; a 401 carrying a field (a wrong old password) or on the login route keeps its
 * message. A 403 of an admins-only route is "Admin role required". Validation errors are 422 "Validation
 * failed" with `errors: {field: message}` in legacy field names; internal errors never show their text.
 */
export function compassError(code: ErrorCode, message: string, details?: ErrorDetails, req?: Request): SurfaceError {
  const status = statusOf(code, details);
  const wording = wordingOf(req);
  let text = message;
  if (code === 'UNAUTHENTICATED' && !wording.credentials && !details?.fields) {
    text = req && tokenFromRequest(req) ? 'Invalid or expired token' : 'Token not provided';
  }
  if (code === 'FORBIDDEN' && wording.adminOnly) text = 'Admin role required';
  if (code === 'INTERNAL') text = 'Internal server error';
  if (status === 422) text = 'Validation failed'; // compass.md: a 422 lists the fields in `errors`
  let errors: Record<string, string> | undefined;
  if (status === 422 && details?.fields) {
    errors = {};
    for (const [k, v] of Object.entries(details.fields)) {
      const field = wording.fields?.[k] ?? legacyField(k);
      errors[field] = legacyFieldMessage(field, v);
    }
  }
  return { status, body: errorBody(status, text, errors) };
}
