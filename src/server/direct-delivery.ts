/**
 * Direct delivery of a shared subscription's results (issue 14; the pipeline, src/server/pipeline.ts,
 * chooses it when a transport registered `DirectFrames` for the operation's context and the event
 * stream can push): no iterator hop per subscriber and event.
 */
import { ExecutionResult, FieldNode, locatedError } from 'graphql';
import { VIEWER_CURRENT, type AppContext } from '../context/context';
import { PUSH, Pushable, PushCheck } from '../pubsub/pubsub';
import { withHttpAnswer } from '../errors/translate';
import { accessOfRootField, enforce } from '../auth/access';
import type { FanOut, GroupResult } from './fanout';
import type { PipelineHook } from './pipeline';

/**
 * Where a transport takes a shared subscription's results directly (graphql-ws, ws.ts): called in order,
 * synchronously from the event's delivery where nothing had to wait, with each result already formatted
 * (`formatResult`) and, for a group's shared result, its JSON encoded once for the whole group.
 */
export type DirectFrames = (formatted: ExecutionResult, encoded: string | undefined) => void;

/** A subscription's results as an async iterator: `next`, and `close` for return, throw and dispose. */
export function resultIterator(next: () => Promise<IteratorResult<ExecutionResult>>, close: () => Promise<IteratorResult<ExecutionResult>>): AsyncGenerator<ExecutionResult> {
  const iterator: AsyncGenerator<ExecutionResult> = {
    next,
    return: close,
    throw: async (err: unknown) => {
      await close();
      throw err;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
    [Symbol.asyncDispose]: async () => {
      await close();
    },
  } as AsyncGenerator<ExecutionResult>;
  return iterator;
}

/** What direct delivery needs of one subscription and of the pipeline. */
export interface DirectSubscription {
  events: AsyncGenerator<unknown> & Pushable<unknown>;
  frames: DirectFrames;
  ctx: AppContext;
  rule: ReturnType<typeof accessOfRootField>;
  node: FieldNode;
  group: ReturnType<FanOut['join']>;
  execute: (payload: unknown) => Promise<ExecutionResult>;
  /** the pipeline's `formatResult` */
  format: <T extends ExecutionResult>(result: T) => T;
  /** counts a shared result handed over (the fan-out's stats) */
  delivered: () => void;
  hooks: readonly PipelineHook[];
}

/**
 * A shared subscription delivered directly (issue 14): the event stream pushes each event; the
 * subscriber's filters, then its access re-check (the viewer re-read, the root field's rule), then the
 * group's one result (formatted and encoded once per group and event) run in the pubsub's delivery,
 * synchronously while nothing has to wait (a session-cache hit, a result already settled). Whatever
 * has to wait holds the events behind it: a subscriber's results keep the events' order. The iterator
 * returned only ends: done when the stream ends or the consumer returns it; rejected, once the results
 * before it were handed over, when the stream or a filter fails (as the pulled iterator would throw).
 */
export function subscribeDirect({ events, frames, ctx, rule, node, group, execute, format, delivered, hooks }: DirectSubscription): AsyncGenerator<ExecutionResult> {
  /** events waiting behind one that has to wait (a filter's promise, an execution in progress) */
  const queue: { value: unknown; checks: readonly PushCheck<unknown>[] }[] = [];
  let busy = false;
  let closed = false;
  /** the stream's end: undefined while it runs; `{ error }` once it failed (error undefined: ended) */
  let ended: { error?: unknown; failed: boolean } | undefined;
  let waiter: { resolve: (r: IteratorResult<ExecutionResult>) => void; reject: (err: unknown) => void } | undefined;

  const settleWaiter = () => {
    if (!ended || !waiter || busy || queue.length) return;
    const w = waiter;
    waiter = undefined;
    if (ended.failed) w.reject(ended.error);
    else w.resolve({ value: undefined, done: true });
  };
  const finish = (end: { error?: unknown; failed: boolean }) => {
    closed = true;
    if (end.failed) queue.length = 0;
    if (!ended) {
      ended = end;
      group.leave();
      void events.return?.(undefined);
    }
    settleWaiter();
  };
  const fail = (err: unknown) => {
    busy = false;
    finish({ error: err, failed: true });
  };
  const deliverShared = (entry: GroupResult) => {
    if (closed) return;
    if (!entry.encoded) {
      const formatted = format(entry.settled!);
      entry.formatted = formatted;
      entry.encoded = JSON.stringify(formatted);
    }
    delivered();
    frames(entry.formatted!, entry.encoded);
  };
  const deliverEvent = (payload: unknown): void | Promise<void> => {
    const entry = group.entry(payload, execute);
    if (entry.settled) return deliverShared(entry);
    return entry.promise.then(() => deliverShared(entry));
  };
  const denied = (err: unknown) => {
    if (closed) return;
    frames(format({ data: null, errors: [withHttpAnswer(locatedError(err, [node], [(node.alias ?? node.name).value]))] }), undefined);
  };
  /** the access re-check, then the result; a refusal is this subscriber's result for the event */
  const checkAccess = (payload: unknown): void | Promise<void> => {
    let checking: void | Promise<void>;
    try {
      checking = rule ? enforce(rule, ctx) : undefined;
    } catch (err) {
      return denied(err);
    }
    if (!checking) return deliverEvent(payload);
    return checking.then(
      () => deliverEvent(payload),
      (err) => denied(err),
    );
  };
  const afterFilters = (payload: unknown): void | Promise<void> => {
    let refreshed: Promise<void>;
    try {
      // once per event: when the subscriber's filter read the viewer for this event, that read is used
      refreshed = ctx.refreshViewer(typeof payload === 'object' && payload !== null ? payload : undefined);
    } catch (err) {
      return denied(err);
    }
    if (refreshed === VIEWER_CURRENT) return checkAccess(payload);
    return refreshed.then(
      () => checkAccess(payload),
      (err) => denied(err),
    );
  };
  /** one event: its filters in order, then the rest; a promise when something had to wait */
  const step = (value: unknown, checks: readonly PushCheck<unknown>[], from: number): void | Promise<void> => {
    for (let i = from; i < checks.length; i++) {
      const kept = checks[i](value);
      if (kept === true) continue;
      if (kept === false) return;
      return kept.then((k) => (k && !closed ? step(value, checks, i + 1) : undefined));
    }
    return afterFilters(value);
  };
  /** one event's work; true when it has to wait (the events behind it wait too) or failed */
  const run = (value: unknown, checks: readonly PushCheck<unknown>[]): boolean => {
    let waiting: void | Promise<void>;
    try {
      waiting = step(value, checks, 0);
    } catch (err) {
      fail(err);
      return true;
    }
    if (!waiting) return false;
    busy = true;
    waiting.then(() => {
      busy = false;
      pump();
    }, fail);
    return true;
  };
  const pump = () => {
    while (queue.length && !closed) {
      const { value, checks } = queue.shift()!;
      if (run(value, checks)) return;
    }
    settleWaiter();
  };

  const quiet = hooks.map((h) => h.quietly?.bind(h)).filter((q): q is NonNullable<PipelineHook['quietly']> => q !== undefined);
  const take = (value: unknown, checks: readonly PushCheck<unknown>[]) => {
    if (!quiet.length) return takeEvent(value, checks);
    let run = () => takeEvent(value, checks);
    for (const q of quiet) {
      const inner = run;
      run = () => q(inner);
    }
    return run();
  };
  const takeEvent = (value: unknown, checks: readonly PushCheck<unknown>[]) => {
    if (closed) return;
    if (busy || queue.length) queue.push({ value, checks });
    else run(value, checks);
  };

  events[PUSH]({
    next: take,
    error: (err) => {
      if (ended) return;
      // the events already handed over are delivered first; the iterator rejects after them
      ended = { error: err, failed: true };
      group.leave();
      settleWaiter();
    },
  });

  const close = async (): Promise<IteratorResult<ExecutionResult>> => {
    finish({ failed: false });
    if (waiter) {
      const w = waiter;
      waiter = undefined;
      w.resolve({ value: undefined, done: true });
    }
    return { value: undefined, done: true };
  };
  return resultIterator(
    () =>
      new Promise<IteratorResult<ExecutionResult>>((resolve, reject) => {
        waiter = { resolve, reject };
        settleWaiter();
      }),
    close,
  );
}

/**
 * A subscription's declared access (ARCHITECTURE.md "Access is declared once"), checked when it starts,
 * on graphql-ws as on SSE: its `subscribe` function need not repeat it (the resolver guard re-checks
 * it for every event, access.ts). Refused as graphql-js refuses a throwing `subscribe`.
 */
