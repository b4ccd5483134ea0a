/**
 * Calendar arithmetic on plain `YYYY-MM-DD` strings (PostgreSQL `date` columns come back as such).
 * coparent.md: a month is `YYYY-MM` with a month 01–12, a date `YYYY-MM-DD` that exists; anything
 * else is BAD_USER_INPUT. All arithmetic is in UTC, so no time zone or DST can shift a day.
 */
import { badInput } from '../../errors/domain-error';

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface DateRange {
  start: string;
  end: string;
}

function utc(year: number, month: number, day: number): Date {
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day);
  d.setUTCHours(0, 0, 0, 0);
  return d;
}

/** `YYYY-MM-DD` of a UTC midnight; years outside 1–9999 are refused (PostgreSQL and the format agree there). */
function format(d: Date, field: string): string {
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) throw badInput(`${field} is out of range`, { [field]: 'is out of range' });
  return `${String(y).padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}-${String(d.getUTCDate()).padStart(2, '0')}`;
}

function toUtc(date: string): Date {
  const [, y, m, d] = DATE.exec(date)!;
  return utc(Number(y), Number(m), Number(d));
}

export function isDate(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const m = DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (y < 1 || mo < 1 || mo > 12 || d < 1) return false;
  const back = utc(y, mo, d);
  return back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d;
}

/** A date that exists (2024-02-30 does not), or BAD_USER_INPUT naming the field. */
export function parseDate(value: unknown, field = 'date'): string {
  if (!isDate(value)) throw badInput(`${field} must be a valid date in YYYY-MM-DD format`, { [field]: 'must be a valid date (YYYY-MM-DD)' });
  return value;
}

/** The first and last day of a `YYYY-MM` month, or BAD_USER_INPUT. */
export function monthRange(value: unknown, field = 'month'): DateRange {
  const m = typeof value === 'string' ? MONTH.exec(value) : null;
  const y = m ? Number(m[1]) : 0;
  const mo = m ? Number(m[2]) : 0;
  if (!m || y < 1 || mo < 1 || mo > 12) {
    throw badInput(`${field} must be a month in YYYY-MM format`, { [field]: 'must be a month (YYYY-MM)' });
  }
  return { start: format(utc(y, mo, 1), field), end: format(utc(y, mo + 1, 0), field) };
}

/** An inclusive range of two valid dates with end on or after start. */
export function dateRange(start: unknown, end: unknown, names: [string, string] = ['start', 'end']): DateRange {
  const s = parseDate(start, names[0]);
  const e = parseDate(end, names[1]);
  if (e < s) throw badInput(`${names[1]} must not be before ${names[0]}`, { [names[1]]: `must not be before ${names[0]}` });
  return { start: s, end: e };
}

export function addDays(date: string, days: number, field = 'date'): string {
  return format(new Date(toUtc(date).getTime() + days * DAY_MS), field);
}

/** Whole days from a to b (b − a); 0 for the same day. */
export function daysBetween(a: string, b: string): number {
  return Math.round((toUtc(b).getTime() - toUtc(a).getTime()) / DAY_MS);
}

/** Every day of an inclusive range, in order. */
export function eachDay(range: DateRange): string[] {
  const out: string[] = [];
  const n = daysBetween(range.start, range.end);
  for (let i = 0; i <= n; i++) out.push(addDays(range.start, i));
  return out;
}

export function monthOf(date: string): string {
  return date.slice(0, 7);
}
