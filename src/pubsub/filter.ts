import { Channel, isPushable, PUSH, PushCheck, PushSink } from './pubsub';
/**
 * Filters an async iterator without losing its `return()` (unsubscribe) when the consumer stops. Over a
 * pushable source it is pushable too (pubsub.ts `PUSH`): `keep` then travels with each value as a check.
 */
export function filterAsync<T>(source: AsyncIterableIterator<T>, keep: (value: T) => boolean | Promise<boolean>): AsyncIterableIterator<T> {
  const it: AsyncIterableIterator<T> & { [PUSH]?: (sink: PushSink<T>) => void } = {
    async next() {
      for (;;) {
        const r = await source.next();
        if (r.done) return r;
        // a synchronous answer is not awaited: one tick less per subscriber and event in a fan-out
        const kept = keep(r.value);
        if (kept === true || (kept !== false && (await kept))) return r;
      }
    },
    return() {
      return source.return ? source.return() : Promise.resolve({ value: undefined as never, done: true });
    },
    throw(err?: unknown) {
      return source.throw ? source.throw(err) : Promise.reject(err);
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  if (isPushable<T>(source)) {
    it[PUSH] = (sink) => {
      // the source's checks, then this filter's (one array per distinct list of the source's, not per value)
      let seen: readonly PushCheck<T>[] | undefined;
      let checks: readonly PushCheck<T>[] = [];
      source[PUSH]({
        next: (value, before) => {
          if (before !== seen) checks = [...(seen = before), keep];
          sink.next(value, checks);
        },
        error: (err) => sink.error(err),
      });
    };
  }
  return it;
}

/** Maps each value of an async iterator, keeping its `return()` (unsubscribe). */
export function mapAsync<S, T>(source: AsyncIterableIterator<S>, fn: (value: S) => T): AsyncIterableIterator<T> {
  const it: AsyncIterableIterator<T> = {
    async next() {
      const r = await source.next();
      return r.done ? r : { value: fn(r.value), done: false };
    },
    async return() {
      await source.return?.();
      return { value: undefined as never, done: true };
    },
    async throw(err?: unknown) {
      await source.return?.();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return it;
    },
  };
  return it;
}

/**
 * Merges async iterators into one, in arrival order. Ending it ends every source; a source that fails
 * (an interrupted event connection: EVENTS_INTERRUPTED) fails the merged stream and ends the others.
 */
export function mergeAsync<T>(sources: AsyncIterableIterator<T>[]): AsyncIterableIterator<T> {
  const channel = new Channel<T>(() => {
    for (const s of sources) void s.return?.();
  });
  for (const source of sources) {
    void (async () => {
      try {
        for (;;) {
          const r = await source.next();
          if (r.done) return;
          channel.push(r.value);
        }
      } catch (err) {
        channel.fail(err);
      }
    })();
  }
  return channel;
}
