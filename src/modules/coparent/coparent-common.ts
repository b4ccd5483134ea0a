/** Helpers shared by the coparent services: text rules. */
import { badInput } from '../../errors/domain-error';

export { isUuid } from '../../db/ids';

/** PostgreSQL text cannot hold NUL characters: refused as input (400) instead of failing the statement (500). */
export function checkNoNul(value: string, field: string): void {
  if (value.includes('\u0000')) throw badInput(`${field} must not contain NUL characters`, { [field]: 'must not contain NUL characters' });
}

/** A trimmed, non-empty string of at most `max` characters, or BAD_USER_INPUT naming the field. */
export function requiredText(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string' || value.trim() === '') throw badInput(`${field} is required`, { [field]: 'is required' });
  checkNoNul(value, field);
  const t = value.trim();
  if (t.length > max) throw badInput(`${field} must be at most ${max} characters`, { [field]: `must be at most ${max} characters` });
  return t;
}

/** Like requiredText, but null, undefined and blank become null. */
export function optionalText(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw badInput(`${field} must be a string`, { [field]: 'must be a string' });
  checkNoNul(value, field);
  const t = value.trim();
  if (t === '') return null;
  if (t.length > max) throw badInput(`${field} must be at most ${max} characters`, { [field]: `must be at most ${max} characters` });
  return t;
}
