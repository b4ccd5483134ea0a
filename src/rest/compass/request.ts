/**
 * Reading and validating the compass surface's legacy requests (api-docs/compass.md), before anything
 * executes: values of the wrong JSON type first (422 naming only those fields), then the legacy rules
 * (which fields each route requires, their formats and lengths) with every bad field at once and the
 * legacy wording. The result is the canonical operation's variables: PUT sends every field (absent
 * optional ones as null), PATCH only the fields sent.
 */
import { isWebUrl } from '../../modules/identity/identity.service';
import { PASSWORD_MIN_LENGTH } from '../../auth/password';
import { LIMITS } from '../../modules/compass/compass-common';
import { RestInputError, RouteRequest } from '../engine/types';
import { humanize, isOwnPicture } from './legacy';

const MAX_INT = 2147483647;
const EMAIL = /^[^\s@\p{Cc}]+@[^\s@\p{Cc}]+\.[^\s@\p{Cc}]+$/u;
const USERNAME = /^[\p{L}\p{N}_.@+-]{1,100}$/u;

function refuse(fields: Record<string, string>): never {
  throw new RestInputError('Validation failed', 'BAD_USER_INPUT', { fields });
}

/** Type checks of a JSON body, then the legacy rules; each stage reports all its problems at once. */
export class BodyReader {
  readonly problems: Record<string, string> = {};
  readonly body: Record<string, unknown>;

  constructor(r: RouteRequest) {
    const b = r.body;
    if (b !== undefined && b !== null && (typeof b !== 'object' || Array.isArray(b))) refuse({ body: 'The body must be a JSON object' });
    this.body = (b ?? {}) as Record<string, unknown>;
  }

  has(key: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.body, key);
  }

  /** undefined when absent, null when null, the string otherwise */
  string(key: string): string | null | undefined {
    if (!this.has(key)) return undefined;
    const v = this.body[key];
    if (v === null) return null;
    if (typeof v === 'string') return v;
    if (typeof v === 'number') return String(v);
    this.problems[key] = `${humanize(key)} must be a string`;
    return undefined;
  }

  int(key: string): number | null | undefined {
    if (!this.has(key)) return undefined;
    const v = this.body[key];
    if (v === null || v === '') return null;
    const n = typeof v === 'string' && /^-?\d{1,10}$/.test(v.trim()) ? Number(v) : v;
    if (typeof n === 'number' && Number.isInteger(n) && Math.abs(n) <= MAX_INT) return n;
    this.problems[key] = `${humanize(key)} must be a whole number`;
    return undefined;
  }

  /** One of `values` (trimmed, case-insensitive), upper-cased as the graph's enum; undefined when absent. */
  choice<T extends string>(key: string, values: readonly string[], message: string): T | undefined {
    if (!this.has(key)) return undefined;
    const v = this.body[key];
    if (typeof v === 'string' && values.includes(v.trim().toLowerCase())) return v.trim().toUpperCase() as T;
    this.problems[key] = message;
    return undefined;
  }

  role(): 'USER' | 'ADMIN' | undefined {
    return this.choice('role', ['user', 'admin'], 'Role must be "user" or "admin"');
  }

  axis(): 'ECONOMIC' | 'SOCIAL' | undefined {
    return this.choice('axis', ['economic', 'social'], 'Axis must be "economic" or "social"');
  }

  /** Ends the type stage: the bad types alone, before any other rule. */
  typesChecked(): void {
    if (Object.keys(this.problems).length) refuse(this.problems);
  }

  /** Records a legacy rule's problem (the first one of a field wins). */
  add(field: string, message: string): void {
    this.problems[field] ??= message;
  }

  done(): void {
    this.typesChecked();
  }
}

/** Path ids: a malformed id matches nothing (the operation answers 401/403/404 in its own order). */
export function idParam(raw: string | undefined): number {
  return raw !== undefined && /^\d{1,10}$/.test(raw) && Number(raw) <= MAX_INT ? Number(raw) : 0;
}

function blank(v: string | null | undefined): boolean {
  return v === undefined || v === null || v.trim() === '';
}

// --- users ---------------------------------------------------------------------------------------

function checkUsername(b: BodyReader, v: string | null | undefined, required: boolean): void {
  if (v === undefined && !required) return;
  if (blank(v)) b.add('username', 'Username is required');
  else if (!USERNAME.test(v!.trim())) b.add('username', 'Username must be 1 to 100 letters, digits or _ . @ + -');
}

function checkEmail(b: BodyReader, v: string | null | undefined, required: boolean): void {
  if (v === undefined && !required) return;
  if (blank(v)) b.add('email_address', 'Email address is required');
  else if (!EMAIL.test(v!.trim()) || v!.trim().length > 254) b.add('email_address', 'Invalid email address format');
}

function checkNewPassword(b: BodyReader, v: string | null | undefined, field: 'password' | 'new_password'): void {
  if (typeof v !== 'string' || v === '') b.add(field, field === 'password' ? 'Password is required' : 'New password is required');
  else if (v.length < PASSWORD_MIN_LENGTH) b.add(field, `Password must be at least ${PASSWORD_MIN_LENGTH} characters`);
  else if (v.length > 1024) b.add(field, 'Password is too long');
}

function checkProfile(b: BodyReader, profileUrl: string | null | undefined, patientNumber: number | null | undefined): void {
  if (typeof profileUrl === 'string' && profileUrl.length > 1000) b.add('profile_url', 'Profile URL must be at most 1000 characters');
  else if (typeof profileUrl === 'string' && profileUrl !== '' && !profileUrl.includes('\u0000') && !isWebUrl(profileUrl))
    b.add('profile_url', 'Profile URL must be an http:// or https:// URL');
  if (typeof patientNumber === 'number' && patientNumber < 0) b.add('patient_number', 'Patient number must be a whole number of 0 or more');
}

/** POST /api/auth/register: username, email_address and password, all required. */
export function registerInput(r: RouteRequest) {
  const b = new BodyReader(r);
  const username = b.string('username');
  const email = b.string('email_address');
  const password = b.string('password');
  b.typesChecked();
  checkUsername(b, username, true);
  checkEmail(b, email, true);
  checkNewPassword(b, password, 'password');
  b.done();
  return { username: username!.trim(), email: email!.trim(), password: password!, name: username!.trim() };
}

/** compass's patient number as identity's user inputs carry it (compass-profile.ts). */
function compassProfile(patientNumber: number | null | undefined) {
  return patientNumber === undefined ? undefined : { patientNumber };
}

/** POST /api/users: username, email_address and password required; role defaults to user; the name is the username. */
export function createUserInput(r: RouteRequest) {
  const b = new BodyReader(r);
  const username = b.string('username');
  const emailAddress = b.string('email_address');
  const password = b.string('password');
  const profileUrl = b.string('profile_url');
  const patientNumber = b.int('patient_number');
  const role = b.role();
  b.typesChecked();
  checkUsername(b, username, true);
  checkEmail(b, emailAddress, true);
  checkNewPassword(b, password, 'password');
  checkProfile(b, profileUrl, patientNumber);
  b.done();
  const input = {
    username: username!.trim(),
    email: emailAddress!.trim(),
    name: username!.trim(),
    password: password!,
    role: role ?? 'USER',
    profileUrl,
    compassProfile: compassProfile(patientNumber ?? undefined),
  };
  return Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
}

const USER_FIELDS = ['role', 'username', 'email_address', 'profile_url', 'patient_number'] as const;

/**
 * PUT (`replace`, admins only, declared on the route: role, username and email_address required, absent
 * optional ones become null) and PATCH (the fields sent; at least one), onto the canonical `updateUser`.
 * A profile_url naming the user's own picture route keeps the stored picture: it is not sent.
 */
export function userUpdateVariables(r: RouteRequest, replace: boolean) {
  const userNumber = idParam(r.params.id);
  const b = new BodyReader(r);
  const role = b.role();
  const username = b.string('username');
  const emailAddress = b.string('email_address');
  const profileUrl = b.string('profile_url');
  const patientNumber = b.int('patient_number');
  b.typesChecked();
  if (!replace && !USER_FIELDS.some((k) => b.has(k))) b.add('body', `Send at least one of ${USER_FIELDS.join(', ')}`);
  if (replace && !role) b.add('role', 'Role is required');
  checkUsername(b, username, replace);
  checkEmail(b, emailAddress, replace);
  checkProfile(b, profileUrl, patientNumber);
  b.done();
  const full = <T>(v: T | undefined): T | null | undefined => (replace ? (v ?? null) : v);
  const keepPicture = typeof profileUrl === 'string' && isOwnPicture(profileUrl, userNumber);
  const input = {
    role: full(role),
    username: full(username),
    email: full(emailAddress),
    profileUrl: keepPicture ? undefined : full(profileUrl),
    compassProfile: compassProfile(full(patientNumber)),
  };
  return { userNumber, input: Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
}

/**
 * PUT /api/users/:id/password: new_password always; old_password too when the caller changes their own
 * password (an admin's own included), unless the platform forces a change (compass.md). Whether the
 * caller may change that user's password at all is the operation's rule (self or admin).
 */
export function passwordVariables(r: RouteRequest) {
  const userNumber = idParam(r.params.id);
  const b = new BodyReader(r);
  const oldPassword = b.string('old_password');
  const newPassword = b.string('new_password');
  b.typesChecked();
  checkNewPassword(b, newPassword, 'new_password');
  const self = r.viewer !== undefined && r.viewer.number === userNumber;
  if (self && !r.viewer!.profile.mustChangePassword && !oldPassword) b.add('old_password', 'Old password is required');
  b.done();
  return { userNumber, oldPassword: oldPassword || null, newPassword: newPassword! };
}

/** POST /api/users/:id/picture: the multipart `picture` file is required. */
export function pictureVariables(r: RouteRequest) {
  if (!r.files.includes('picture')) refuse({ picture: 'A picture file is required' });
  return { userNumber: idParam(r.params.id) };
}

// --- parties and questions -----------------------------------------------------------------------

function checkText(b: BodyReader, field: string, v: string | null | undefined, max: number, required: boolean): void {
  if (v === undefined && !required) return;
  if (blank(v)) b.add(field, `${humanize(field)} is required`);
  else if (v!.trim().length > max) b.add(field, `${humanize(field)} must be at most ${max} characters`);
}

/** POST (`mode` create), PUT (replace: description absent becomes null) and PATCH (the fields sent). */
export function partyVariables(r: RouteRequest, mode: 'create' | 'replace' | 'patch') {
  const b = new BodyReader(r);
  const name = b.string('name');
  const abbreviation = b.string('abbreviation');
  const description = b.string('description');
  b.typesChecked();
  const required = mode !== 'patch';
  checkText(b, 'name', name, LIMITS.partyName, required);
  checkText(b, 'abbreviation', abbreviation, LIMITS.abbreviation, required);
  if (typeof description === 'string' && description.length > LIMITS.description) b.add('description', `Description must be at most ${LIMITS.description} characters`);
  if (mode === 'patch' && name === undefined && abbreviation === undefined && description === undefined) {
    b.add('body', 'Send at least one of name, abbreviation, description');
  }
  b.done();
  const input = { name, abbreviation, description: mode === 'patch' ? description : (description ?? null) };
  return { id: idParam(r.params.id), input: Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
}

/** POST (create), PUT (replace: direction back to 1 when absent, position kept) and PATCH (the fields sent). */
export function questionVariables(r: RouteRequest, mode: 'create' | 'replace' | 'patch') {
  const b = new BodyReader(r);
  const text = b.string('text');
  const axis = b.axis();
  const direction = b.int('direction');
  const position = b.int('position');
  b.typesChecked();
  const required = mode !== 'patch';
  checkText(b, 'text', text, LIMITS.questionText, required);
  if (required && axis === undefined) b.add('axis', 'Axis must be "economic" or "social"');
  if ((direction === null && mode === 'patch') || (typeof direction === 'number' && direction !== 1 && direction !== -1)) {
    b.add('direction', 'Direction must be 1 or -1');
  }
  if (typeof position === 'number' && position < 0) b.add('position', 'Position must be a whole number of 0 or more');
  if (mode === 'patch' && [text, axis, direction, position].every((v) => v === undefined)) b.add('body', 'Send at least one of text, axis, direction, position');
  b.done();
  const input = {
    text: text ?? undefined,
    axis,
    direction: mode === 'replace' ? (direction ?? 1) : (direction ?? undefined),
    position: position ?? undefined,
  };
  return { id: idParam(r.params.id), input: Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined)) };
}

// --- answers and lists ---------------------------------------------------------------------------

/** `[{question_id, answer}]` or `{answers: [...]}`; null answers mean "" (unanswered). */
export function answerList(r: RouteRequest): { questionId: number; answer: string }[] {
  const b = r.body as unknown;
  const list = Array.isArray(b) ? b : b && typeof b === 'object' ? (b as Record<string, unknown>).answers : undefined;
  if (!Array.isArray(list)) refuse({ answers: 'Send a JSON array of {question_id, answer}' });
  const problems: Record<string, string> = {};
  const out = list.map((e, i) => {
    if (!e || typeof e !== 'object' || Array.isArray(e)) {
      problems[`answers[${i}]`] = 'Each answer must be an object {question_id, answer}';
      return { questionId: 0, answer: '' };
    }
    const entry = e as Record<string, unknown>;
    const q = entry.question_id;
    const qid = typeof q === 'string' && /^\d{1,10}$/.test(q) ? Number(q) : q;
    if (typeof qid !== 'number' || !Number.isInteger(qid) || Math.abs(qid) > MAX_INT) {
      problems[`answers[${i}].question_id`] = 'Question id must be a whole number';
    }
    const a = entry.answer;
    if (a !== null && a !== undefined && typeof a !== 'string') problems[`answers[${i}].answer`] = 'Answer must be a string';
    return { questionId: typeof qid === 'number' && Number.isInteger(qid) ? qid : 0, answer: typeof a === 'string' ? a : '' };
  });
  if (Object.keys(problems).length) refuse(problems);
  return out;
}

function queryString(r: RouteRequest, key: string, problems: Record<string, string>): string | undefined {
  const v = r.query[key];
  if (v === undefined || v === '') return undefined;
  if (typeof v !== 'string') {
    problems[key] = `Only one ${key} may be given`;
    return undefined;
  }
  return v;
}

function queryInt(r: RouteRequest, key: string, def: number, problems: Record<string, string>): number {
  const v = queryString(r, key, problems);
  if (v === undefined) return def;
  if (!/^\d{1,9}$/.test(v.trim())) {
    problems[key] = `${humanize(key)} must be a whole number of 0 or more`;
    return def;
  }
  return Number(v.trim());
}

/** GET /api/users: role user|admin, search (in usernames), limit 1..500 (50), offset ≥ 0 (0). */
export function userListVariables(r: RouteRequest) {
  const problems: Record<string, string> = {};
  const roleRaw = queryString(r, 'role', problems);
  let role: string | undefined;
  if (roleRaw !== undefined) {
    if (['user', 'admin'].includes(roleRaw.toLowerCase())) role = roleRaw.toUpperCase();
    else problems.role = 'Role must be "user" or "admin"';
  }
  const search = queryString(r, 'search', problems);
  const limit = queryInt(r, 'limit', 50, problems);
  const offset = queryInt(r, 'offset', 0, problems);
  if (!problems.limit && (limit < 1 || limit > 500)) problems.limit = 'Limit must be from 1 to 500';
  if (Object.keys(problems).length) refuse(problems);
  return { filter: { role: role ?? null, username: search ?? null }, limit, offset };
}
