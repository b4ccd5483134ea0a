/**
 * The graph's date text (src/server/date-text.ts), pure: it must write exactly what toISOString writes,
 * for every instant, since every date of every answer goes through it. Checked against V8's own
 * toISOString at the calendar's edges and at 200,000 instants drawn over its whole fast range.
 */
import { dateToIso } from '../src/server/date-text';

const utc = (...parts: [number, number, number?, number?, number?, number?, number?]) => new Date(Date.UTC(...parts));

describe('dateToIso', () => {
  it('writes the ISO text of the calendar edges as toISOString does', () => {
    const edges = [
      new Date(0),
      utc(1970, 0, 1, 0, 0, 0, 1),
      utc(1972, 1, 29, 12, 0, 0, 0), // a leap day
      utc(1999, 11, 31, 23, 59, 59, 999),
      utc(2000, 1, 29, 23, 59, 59, 999), // a leap day of a year divisible by 400
      utc(2000, 2, 1),
      utc(2024, 1, 29, 8, 7, 6, 5),
      utc(2031, 4, 1, 10, 0, 0, 0),
      utc(2100, 1, 28, 23, 59, 59, 999), // 2100 is not a leap year
      utc(2100, 2, 1),
      utc(2400, 1, 29),
      utc(9999, 11, 31, 23, 59, 59, 999), // the last instant with a four-digit year
    ];
    for (const d of edges) expect(dateToIso(d)).toBe(d.toISOString());
    expect(dateToIso(utc(2031, 4, 1, 10, 0, 0, 0))).toBe('2031-05-01T10:00:00.000Z');
  });

  it('leaves signed and six-digit years to toISOString', () => {
    for (const d of [new Date(-1), utc(1969, 11, 31, 23, 59, 59, 999), utc(1, 0, 1), new Date(-8.64e15), utc(10000, 0, 1), new Date(8.64e15)]) {
      expect(dateToIso(d)).toBe(d.toISOString());
    }
    expect(dateToIso(utc(10000, 0, 1))).toBe('+010000-01-01T00:00:00.000Z');
  });

  it('agrees with toISOString at 200,000 instants from 1970 to 9999', () => {
    let seed = 20261202;
    const random = () => {
      // a fixed linear congruential sequence: the same instants on every run
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };
    const end = Date.UTC(10000, 0, 1);
    const wrong: string[] = [];
    for (let i = 0; i < 200_000; i++) {
      const d = new Date(Math.floor(random() * end));
      if (dateToIso(d) !== d.toISOString()) wrong.push(d.toISOString());
    }
    expect(wrong).toEqual([]);
  });

  it('throws on an invalid date, as toISOString does', () => {
    expect(() => dateToIso(new Date(NaN))).toThrow(RangeError);
  });
});
