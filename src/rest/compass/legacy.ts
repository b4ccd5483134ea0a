/**
 * The compass surface's legacy shapes (api-docs/compass.md): snake_case objects, "user"/"admin" roles,
 * `YYYY-MM-DD HH:MM:SS` dates (UTC), the success and error envelopes, and the request checks that turn
 * badly typed JSON into a 422 naming each field before anything executes.
 */
import type { Request } from 'express';
import { tokenFromRequest } from '../../context/context';
import { httpStatusOf, type ErrorCode, type ErrorDetails } from '../../errors/domain-error';
import { RestInputError, RouteRequest, SurfaceError } from '../engine/types';

export function legacyDate(iso: string | Date | null | undefined): string | null {
  if (iso === null || iso === undefined) return null;
  const d = typeof iso === 'string' ? new Date(iso) : iso;
  return d.toISOString().slice(0, 19).replace('T', ' ');
}

/** compass.md's error timestamp: `2024-12-04T12:00:00+00:00`. */
export function legacyTimestamp(d = new Date()): string {
  return d.toISOString().replace(/\.\d{3}Z$/, '+00:00');
}

export const legacyRole = (role: string): string => role.toLowerCase();

export function legacyUser(u: {
  userId: number;
  role: string;
  username?: string | null;
  emailAddress?: string | null;
  profileUrl?: string | null;
  patientNumber?: number | null;
  createdAt: string;
}) {
  return {
    user_id: u.userId,
    role: legacyRole(u.role),
    username: u.username ?? null,
    email_address: u.emailAddress ?? null,
    profile_url: u.profileUrl ?? null,
    patient_number: u.patientNumber ?? null,
    date_created: legacyDate(u.createdAt),
  };
}

export function legacyParty(p: { id: number; name: string; abbreviation: string; description?: string | null; logoUrl?: string | null }) {
  return { party_id: p.id, name: p.name, abbreviation: p.abbreviation, description: p.description ?? null, logo_url: p.logoUrl ?? null };
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

// --- errors --------------------------------------------------------------------------------------

const RENAMED: Record<string, string> = { email: 'email_address' };

/** A service's field name as the legacy client spells it (emailAddress → email_address). */
export function legacyField(field: string): string {
  return (RENAMED[field] ?? field).replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

function humanize(field: string): string {
  const words = field.replace(/\[\d+\]/g, '').replace(/[._]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** Identity's terse messages ("is already taken") become sentences ("Username is already taken"). */
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

/**
 * The one error mapping of the surface. A protected route without a token is 401 "Token not provided";
 * with a token that is invalid, expired or revoked, 401 "Invalid or expired token" (compass.md).
 * Validation errors are 422 with `errors: {field: message}`; malformed requests are 400.
 */
export function compassError(code: ErrorCode, message: string, details?: ErrorDetails, req?: Request): SurfaceError {
  const status = statusOf(code, details);
  let text = message;
  if (code === 'UNAUTHENTICATED' && message === 'Authentication required') {
    text = req && tokenFromRequest(req) ? 'Invalid or expired token' : 'Token not provided';
  }
  if (code === 'INTERNAL') text = 'Internal server error';
  let errors: Record<string, string> | undefined;
  if (status === 422 && details?.fields) {
    errors = {};
    for (const [k, v] of Object.entries(details.fields)) {
      const field = legacyField(k);
      errors[field] = legacyFieldMessage(field, v);
    }
  }
  return { status, body: errorBody(status, text, errors) };
}

// --- request checks ------------------------------------------------------------------------------

/** Type checks of a JSON body (the service checks meaning); all problems are reported at once. */
export class BodyReader {
  readonly problems: Record<string, string> = {};
  readonly body: Record<string, unknown>;

  constructor(r: RouteRequest) {
    const b = r.body;
    if (b !== undefined && b !== null && (typeof b !== 'object' || Array.isArray(b))) {
      throw new RestInputError('Validation failed', 'BAD_USER_INPUT', { fields: { body: 'The body must be a JSON object' } });
    }
    this.body = (b ?? {}) as Record<string, unknown>;
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.body, key);
  }

  /** undefined when absent, null when null, the string otherwise */
  string(key: string, label = humanize(key)): string | null | undefined {
    if (!this.has(key)) return undefined;
    const v = this.body[key];
    if (v === null) return null;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    this.problems[key] = `${label} must be a string`;
    return undefined;
  }

  int(key: string, label = humanize(key)): number | null | undefined {
    if (!this.has(key)) return undefined;
    const v = this.body[key];
    if (v === null || v === '') return null;
    const n = typeof v === 'string' && /^-?\d{1,10}$/.test(v.trim()) ? Number(v) : v;
    if (typeof n === 'number' && Number.isInteger(n) && Math.abs(n) <= 2147483647) return n;
    this.problems[key] = `${label} must be a whole number`;
    return undefined;
  }

  role(key = 'role'): 'USER' | 'ADMIN' | null | undefined {
    if (!this.has(key)) return undefined;
    const v = this.body[key];
    if (typeof v === 'string' && ['user', 'admin'].includes(v.trim().toLowerCase())) return v.trim().toUpperCase() as 'USER' | 'ADMIN';
    this.problems[key] = 'Role must be "user" or "admin"';
    return undefined;
  }

  done(): void {
    if (Object.keys(this.problems).length) throw new RestInputError('Validation failed', 'BAD_USER_INPUT', { fields: this.problems });
  }
}

/** Path ids: a malformed id matches nothing (the service answers 401/403/404 in its own order). */
export function idParam(raw: string | undefined): number {
  return raw !== undefined && /^\d{1,10}$/.test(raw) && Number(raw) <= 2147483647 ? Number(raw) : 0;
}

/** `[{question_id, answer}]` or `{answers: [...]}`; null answers mean "" (unanswered). */
export function answerList(r: RouteRequest): { questionId: number; answer: string }[] {
  const b = r.body as unknown;
  const list = Array.isArray(b) ? b : b && typeof b === 'object' ? (b as Record<string, unknown>).answers : undefined;
  if (!Array.isArray(list)) {
    throw new RestInputError('Validation failed', 'BAD_USER_INPUT', { fields: { answers: 'Send a JSON array of {question_id, answer}' } });
  }
  const problems: Record<string, string> = {};
  const out = list.map((e, i) => {
    if (!e || typeof e !== 'object' || Array.isArray(e)) {
      problems[`answers[${i}]`] = 'Each answer must be an object {question_id, answer}';
      return { questionId: 0, answer: '' };
    }
    const entry = e as Record<string, unknown>;
    const q = entry.question_id;
    const qid = typeof q === 'string' && /^\d{1,10}$/.test(q) ? Number(q) : q;
    if (typeof qid !== 'number' || !Number.isInteger(qid) || Math.abs(qid) > 2147483647) {
      problems[`answers[${i}].question_id`] = 'Question id must be a whole number';
    }
    const a = entry.answer;
    if (a !== null && a !== undefined && typeof a !== 'string') problems[`answers[${i}].answer`] = 'Answer must be a string';
    return { questionId: typeof qid === 'number' && Number.isInteger(qid) ? qid : 0, answer: typeof a === 'string' ? a : '' };
  });
  if (Object.keys(problems).length) throw new RestInputError('Validation failed', 'BAD_USER_INPUT', { fields: problems });
  return out;
}
