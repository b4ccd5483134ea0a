/**
 * Reading conduct's legacy bodies and queries (conduct-core.md "General rules"): JSON objects (anything
 * else reads as an empty body), required and optional strings, emails and passwords by conduct's rules,
 * with upstream's wording. Unknown extra fields are ignored. Refusals are 400 `{error, details}` before
 * anything executes.
 */
import type { RouteRequest } from '../engine/types';
import { RestInputError } from '../engine/types';
import { EMAIL } from '../../modules/identity/identity.service';
import { isStrongPassword, parseEventRole, PASSWORD_RULE_MESSAGE } from '../../modules/conduct/conduct-rules';
import type { ConductEventRoleName } from '../../generated/graphql';
import { roleKey } from './legacy';

export type Body = Record<string, unknown>;

/** The JSON body as an object (`{}` for none, an array or a scalar). */
export function body(r: RouteRequest): Body {
  const b = r.body;
  return b !== null && typeof b === 'object' && !Array.isArray(b) ? (b as Body) : {};
}

/** A non-blank string, else undefined. */
export function text(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() !== '' ? v : undefined;
}

/** A query parameter's single string value (the first of repeated ones). */
export function queryString(r: RouteRequest, key: string): string | undefined {
  const v = r.query[key];
  return text(Array.isArray(v) ? v[0] : v);
}

export function refuse(message: string, fields?: Record<string, string>): never {
  throw new RestInputError(message, 'BAD_USER_INPUT', fields ? { fields } : undefined);
}

/** Every named field must be a non-blank string, else 400 with `message` naming them all. */
export function requireFields(b: Body, keys: string[], message: string): Record<string, string> {
  const missing = keys.filter((k) => text(b[k]) === undefined);
  if (missing.length) refuse(message, Object.fromEntries(missing.map((k) => [k, 'is required'])));
  return Object.fromEntries(keys.map((k) => [k, b[k] as string]));
}

export const INVALID_EMAIL = 'Please enter a valid email address.';

/** A valid email address (trimmed), else 400. */
export function checkEmail(value: string, field = 'email'): string {
  const email = value.trim();
  if (!EMAIL.test(email) || email.length > 254) refuse(INVALID_EMAIL, { [field]: 'must be a valid email address' });
  return email;
}

/** conduct's password rule (upper, lower, digit, special, ≥ 8), else 400 with upstream's message. */
export function checkStrongPassword(value: unknown, field = 'password'): string {
  if (!isStrongPassword(value))
    refuse(PASSWORD_RULE_MESSAGE, { [field]: 'must have at least 8 characters with an upper-case and a lower-case letter, a digit and a special character' });
  return value;
}

/** An event role from a legacy input (`Admin` and `Event Admin` alike) as the graph's enum, else 400. */
export function eventRoleInput(value: unknown, field = 'role'): ConductEventRoleName {
  const role = parseEventRole(value);
  if (!role) refuse('Invalid role. Must be one of: Reporter, Responder, Admin (or Event Admin).', { [field]: 'must be Reporter, Responder, Admin or Event Admin' });
  return roleKey(role);
}
