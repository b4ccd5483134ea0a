/**
 * Reading legacy coparent requests into GraphQL variables. Shape only: a value of the wrong JSON type is
 * a 400 here, while missing or empty values go through as '' so the services decide. Authentication
 * comes first, as the legacy server's auth middleware did: the engine enforces each operation's declared
 * access before a body is read or these functions run.
 */
import { RestInputError, RouteRequest } from '../engine/types';

type Json = Record<string, unknown>;

/** The JSON body as an object ({} when absent or not an object). */
export function bodyOf(r: RouteRequest): Json {
  const b = r.body;
  return typeof b === 'object' && b !== null && !Array.isArray(b) ? (b as Json) : {};
}

/** A query parameter as one string; absent or repeated parameters become '' (rejected by the services). */
export function queryParam(r: RouteRequest, name: string): string {
  const v = r.query[name];
  return typeof v === 'string' ? v : '';
}

/** A query parameter that may be left out: null when absent. */
export function optionalQueryParam(r: RouteRequest, name: string): string | null {
  return r.query[name] === undefined ? null : queryParam(r, name);
}

/** A required string field: '' when missing or null, 400 when another JSON type. */
export function stringField(b: Json, name: string): string {
  const v = b[name];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new RestInputError(`${name} must be a string`, 'BAD_USER_INPUT', { fields: { [name]: 'must be a string' } });
  return v;
}

/** A field that may be left out (undefined), set to null, or a string; another JSON type is 400. */
export function optionalStringField(b: Json, name: string): string | null | undefined {
  const v = b[name];
  if (v === undefined || v === null) return v;
  if (typeof v !== 'string') throw new RestInputError(`${name} must be a string`, 'BAD_USER_INPUT', { fields: { [name]: 'must be a string' } });
  return v;
}

/** An optional whole number that GraphQL's Int can carry. */
export function optionalIntField(b: Json, name: string): number | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
    throw new RestInputError(`${name} must be a whole number`, 'BAD_USER_INPUT', { fields: { [name]: 'must be a whole number' } });
  }
  return v;
}

export function optionalBooleanField(b: Json, name: string): boolean | undefined {
  const v = b[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw new RestInputError(`${name} must be true or false`, 'BAD_USER_INPUT', { fields: { [name]: 'must be true or false' } });
  return v;
}

/** Only the keys of `allowed` that the body holds (unknown keys are ignored). */
export function pick(b: Json, allowed: readonly string[]): Json {
  const out: Json = {};
  for (const k of allowed) if (k in b) out[k] = b[k];
  return out;
}

/** `role` of the admin user routes: the shared identity's "USER" | "ADMIN". */
export function roleVariable(v: unknown): 'USER' | 'ADMIN' {
  if (v !== 'USER' && v !== 'ADMIN') throw new RestInputError('role must be "USER" or "ADMIN"', 'BAD_USER_INPUT', { fields: { role: 'must be USER or ADMIN' } });
  return v;
}

/**
 * The template's `days` as GraphQL input: entries must be objects with a whole-number dayIndex; the
 * count (1–42) and the contiguity of the indices are the service's rules. Missing days become [].
 */
export function templateDaysVariable(v: unknown): Record<string, unknown>[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RestInputError('days must be an array', 'BAD_USER_INPUT', { fields: { days: 'must be an array' } });
  if (v.length > 1000) throw new RestInputError('days must hold 1 to 42 entries', 'BAD_USER_INPUT', { fields: { days: 'must hold 1 to 42 entries' } });
  return v.map((d: unknown, i) => {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) {
      throw new RestInputError(`days[${i}] must be an object`, 'BAD_USER_INPUT', { fields: { days: `entry ${i} must be an object` } });
    }
    const e = d as Record<string, unknown>;
    const dayIndex = optionalIntField(e, 'dayIndex');
    if (dayIndex === undefined) throw new RestInputError(`days[${i}].dayIndex is required`, 'BAD_USER_INPUT', { fields: { days: `entry ${i} needs a dayIndex` } });
    return {
      dayIndex,
      owner: stringField(e, 'owner'),
      label: optionalStringField(e, 'label') ?? null,
      color: optionalStringField(e, 'color') ?? null,
    };
  });
}
