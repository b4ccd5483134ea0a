/** Validation and URLs shared by the cake services. */
import type { AppConfig } from '../../config';
import { badInput } from '../../errors/domain-error';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Control characters other than tab and newline are dropped: they have no place in a cake description.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000B-\u001F\u007F]/g;

export { isUuid } from '../../db/ids';

/** A real calendar date as YYYY-MM-DD (2025-02-30 is refused). */
export function checkDate(value: unknown, field: string): string {
  const m = typeof value === 'string' ? DATE.exec(value.trim()) : null;
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const t = new Date(Date.UTC(y, mo - 1, d));
    if (y >= 1 && t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d) return m[0];
  }
  throw badInput(`${field} must be a date as YYYY-MM-DD`, { [field]: 'must be a date as YYYY-MM-DD' });
}

/** Trimmed text without control characters, at most `max` characters; null/undefined become ''. */
export function checkText(value: unknown, field: string, max: number): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') throw badInput(`${field} must be text`, { [field]: 'must be text' });
  const text = value.replace(/\r\n?/g, '\n').replace(CONTROL, '').trim();
  if (text.length > max) throw badInput(`${field} must be at most ${max} characters`, { [field]: `must be at most ${max} characters` });
  return text;
}

/** Photos are served by the cakeplanner surface (GET /cakeplanner/api/photos/:id), behind the viewer's auth. */
export function photoUrl(config: AppConfig, photoId: string): string {
  const base = config.publicUrl ? config.publicUrl.replace(/\/+$/, '') : '';
  return `${base}/cakeplanner/api/photos/${photoId}`;
}
