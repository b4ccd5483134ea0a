/**
 * The live analytics feed: compass changes and user changes, merged and throttled per subscriber so a
 * dashboard gets at most one event a second (issue 5) — the first change at once, later ones folded into
 * one trailing event.
 */
import type { AppContext } from '../../context/context';
import { Channel } from '../../pubsub/pubsub';

export const ANALYTICS_INTERVAL_MS = 1000;

/** Merges sources into one iterator that yields at most once per `intervalMs` (leading and trailing). */
export function throttleMerged(sources: AsyncIterableIterator<unknown>[], intervalMs: number): AsyncIterableIterator<{ at: Date }> {
  let last = 0;
  let timer: NodeJS.Timeout | undefined;
  const channel = new Channel<{ at: Date }>(() => {
    if (timer) clearTimeout(timer);
    for (const s of sources) void s.return?.();
  }, 10);
  const emit = () => {
    timer = undefined;
    last = Date.now();
    channel.push({ at: new Date(last) });
  };
  const onEvent = () => {
    if (timer) return; // a trailing event is already due
    const wait = last + intervalMs - Date.now();
    if (wait <= 0) emit();
    else timer = setTimeout(emit, wait);
  };
  for (const source of sources) {
    void (async () => {
      try {
        for await (const _ of source) onEvent();
      } catch {
        /* the source ended */
      }
    })();
  }
  return channel;
}

export function analyticsEvents(ctx: AppContext): AsyncIterableIterator<{ at: Date }> {
  return throttleMerged([ctx.app.pubsub.subscribe('compass.analyticsChanged'), ctx.app.pubsub.subscribe('identity.userChanged')], ANALYTICS_INTERVAL_MS);
}
