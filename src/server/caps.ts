/**
 * Caps on what one user (or, anonymous, one address) may hold open at once: ws connections, SSE
 * streams. One counter per kind, per instance; a slot is taken when the thing opens and given back
 * when it closes. Subscriptions per socket are counted by graphql-ws itself (ws.ts).
 */
export class OpenCounter {
  private readonly open = new Map<string, number>();
  /** slots taken now, over every key (metrics) */
  total = 0;

  constructor(readonly max: number) {}

  /** Takes a slot for `key`; answers the function that gives it back, or undefined when `key` is at the cap. */
  take(key: string): (() => void) | undefined {
    const n = this.open.get(key) ?? 0;
    if (n >= this.max) return undefined;
    this.open.set(key, n + 1);
    this.total += 1;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.total -= 1;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left > 0) this.open.set(key, left);
      else this.open.delete(key);
    };
  }
}
