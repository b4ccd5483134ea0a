/**
 * Read-only views (src/db/read-only-view.ts), the rows of the Hall of Fame: objects of the entity's
 * class whose values are their own, which never run the accessors the ORM puts on the class's
 * prototype, and which nothing can change afterwards.
 */
import { readOnlyView } from '../src/db/read-only-view';

class Tracked {
  writes: string[] = [];
  get name(): string {
    return 'from the accessor';
  }
  set name(_v: string) {
    throw new Error('the accessor ran');
  }
  get shout(): string {
    return this.name.toUpperCase();
  }
}

describe('readOnlyView', () => {
  it('is an instance of the class, holds the given values, and runs no accessor of the prototype', () => {
    const view = readOnlyView<Tracked>(Tracked.prototype, { name: 'Ada', extra: 1 });
    expect(view).toBeInstanceOf(Tracked);
    expect(view.name).toBe('Ada');
    expect(view.shout).toBe('ADA');
    expect(Object.keys(view)).toEqual(['name', 'extra']);
    expect(JSON.stringify(view)).toBe('{"name":"Ada","extra":1}');
  });

  it('cannot be changed or extended', () => {
    const view = readOnlyView<Tracked & { extra?: number }>(Tracked.prototype, { name: 'Ada' });
    expect(Object.isFrozen(view)).toBe(true);
    expect(() => {
      (view as { name: string }).name = 'Grace';
    }).toThrow(TypeError);
    expect(() => {
      view.extra = 2;
    }).toThrow(TypeError);
    expect(view.name).toBe('Ada');
  });

  it('keeps views of different keys apart, and a key absent from a view reads as the class has it', () => {
    const a = readOnlyView<Tracked & { a?: number }>(Tracked.prototype, { a: 1 });
    const b = readOnlyView<Tracked & { a?: number }>(Tracked.prototype, { name: 'B' });
    expect(a.a).toBe(1);
    expect(b.a).toBeUndefined();
    expect(b.name).toBe('B');
    // `name` is a slot of the views' layer now: a view without it reads undefined, never the accessor's value
    expect(a.name).toBeUndefined();
  });
});
