/**
 * A Date's ISO 8601 text, exactly as `Date.prototype.toISOString` writes it (`2031-05-01T10:00:00.000Z`),
 * for the graph's `Date` scalar, which serializes every date of every row of every list.
 *
 * V8's toISOString formats in C++ through snprintf: about 0.7 µs a date on this project's machines, five
 * times the arithmetic below, which builds the same 24 characters in one flat string (a month of 200
 * coparent items serializes 800 dates; bench/README.md). Dates outside 1970–9999 (signed or six-digit
 * years) are rare enough to leave to toISOString; an invalid date too (it throws, as before).
 */

const MS_PER_DAY = 86_400_000;
/** 10000-01-01T00:00:00Z: from here on toISOString writes a six-digit year. */
const YEAR_10000 = 253_402_300_800_000;

const fromCharCodes = String.fromCharCode;

/** The character codes of the tens and units digits of 0–99 (48 is '0'). */
const TENS = Array.from({ length: 100 }, (_, n) => 48 + Math.floor(n / 10));
const UNITS = Array.from({ length: 100 }, (_, n) => 48 + (n % 10));

/** The ISO text of a valid Date (or any Date: outside the fast range, toISOString's own answer). */
export function dateToIso(date: Date): string {
  const t = date.getTime();
  if (!(t >= 0 && t < YEAR_10000)) return date.toISOString();
  const days = Math.floor(t / MS_PER_DAY);
  let rest = t - days * MS_PER_DAY;
  // the civil date of a day count (the proleptic Gregorian calendar in eras of 400 years, from 0000-03-01)
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const dayOfEra = z - era * 146_097;
  const yearOfEra = Math.floor((dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36_524) - Math.floor(dayOfEra / 146_096)) / 365);
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shiftedMonth = Math.floor((5 * dayOfYear + 2) / 153); // March = 0
  const day = dayOfYear - Math.floor((153 * shiftedMonth + 2) / 5) + 1;
  const month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const ms = rest - seconds * 1000;
  const century = Math.floor(year / 100);
  const yearOfCentury = year % 100;
  const msTail = ms % 100;
  // 45 is '-', 84 'T', 58 ':', 46 '.', 90 'Z'
  return fromCharCodes(
    TENS[century],
    UNITS[century],
    TENS[yearOfCentury],
    UNITS[yearOfCentury],
    45,
    TENS[month],
    UNITS[month],
    45,
    TENS[day],
    UNITS[day],
    84,
    TENS[hours],
    UNITS[hours],
    58,
    TENS[minutes],
    UNITS[minutes],
    58,
    TENS[seconds],
    UNITS[seconds],
    46,
    48 + Math.floor(ms / 100),
    TENS[msTail],
    UNITS[msTail],
    90,
  );
}
