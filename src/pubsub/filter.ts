/** Filters an async iterator without losing its `return()` (unsubscribe) when the consumer stops. */
export function filterAsync<T>(source: AsyncIterableIterator<T>, keep: (value: T) => boolean | Promise<boolean>): AsyncIterableIterator<T> {
  const it: AsyncIterableIterator<T> = {
    async next() {
      for (;;) {
        const r = await source.next();
        if (r.done) return r;
        if (await keep(r.value)) return r;
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
  return it;
}
