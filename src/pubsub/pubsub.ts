/**
 * Typed publish/subscribe between services and subscribers (graphql-ws, SSE routes, socket closing).
 * Services publish only after their unit of work commits (ctx.publish, src/db/unit-of-work.ts).
 * Adapters: in-process (one instance), PostgreSQL LISTEN/NOTIFY (any number of instances on one
 * database; the default), which listens through the instance's supervised listener (listener.ts), and
 * Redis (redis.ts; `PUBSUB=redis`).
 *
 * Outages: NOTIFY keeps nothing for a listener that is not connected, so events sent while the
 * listening connection is down are lost to this instance. Rather than resume as if nothing had been
 * missed, every open subscription ends with an error (EVENTS_INTERRUPTED) when the connection drops,
 * and a subscription asked for while it is down fails the same way at once: clients subscribe again
 * (and reload what they show) once it is back. Callback subscriptions (`on`: closing revoked sockets)
 * stay registered and hear again after the reconnection.
 */
import { Pool } from 'pg';
import { errorMessage, Logger, silentLogger } from '../observe/log';
import { randomUUID } from 'node:crypto';
import type { TopicName, Topics } from './topics';
import type { SupervisedListener } from './listener';
import { DomainError } from '../errors/domain-error';
import { DbLimits, sessionLimits } from '../db/limits';

export interface PubSub {
  publish<K extends TopicName>(topic: K, payload: Topics[K]): Promise<void>;
  /** An async iterator of the topic's payloads from now on; `return()` unsubscribes. */
  subscribe<K extends TopicName>(topic: K): AsyncIterableIterator<Topics[K]>;
  close(): Promise<void>;
}

type Listener = (payload: unknown) => void;

/**
 * Push delivery (issue 14): a stream that carries `[PUSH]` can hand its values to a sink as they arrive,
 * instead of through `next()` (a promise per value and consumer). A fan-out's consumer takes it: one
 * subscriber's delivery is then a few synchronous calls in the pubsub's own delivery. Filters on the way
 * (filterAsync) do not run at the push: they travel with the value as `checks`, which the consumer runs
 * in order, one value after the other, exactly as a pulling consumer's `next()` would have run them.
 * A stream switched to push never answers `next()` again; `return()` ends it as before.
 */
export const PUSH = Symbol('push');
export type PushCheck<T> = (value: T) => boolean | Promise<boolean>;
export interface PushSink<T> {
  /** a value, with the filters it must pass (in order) before the consumer keeps it */
  next(value: T, checks: readonly PushCheck<T>[]): void;
  /** the stream ended with an error (after every value already handed over) */
  error(err: unknown): void;
}
export interface Pushable<T> {
  [PUSH](sink: PushSink<T>): void;
}
export function isPushable<T>(source: object): source is Pushable<T> {
  return typeof (source as Partial<Pushable<T>>)[PUSH] === 'function';
}
const NO_CHECKS: readonly [] = Object.freeze([]) as readonly [];

/** A push-fed async iterator with a bounded buffer (a slow consumer loses the oldest events, never memory). */
export class Channel<T> implements AsyncIterableIterator<T>, Pushable<T> {
  private buffer: T[] = [];
  /** set by `[PUSH]`: values go straight to it */
  private sink?: PushSink<T>;
  private waiting: { resolve: (r: IteratorResult<T>) => void; reject: (err: unknown) => void }[] = [];
  private done = false;
  /** set by `fail`: the next read after the buffered values rejects with it, once */
  private error: unknown;
  constructor(
    private readonly onClose: () => void,
    private readonly maxBuffer = 1000,
  ) {}

  push(value: T): void {
    if (this.done) return;
    if (this.sink) return this.sink.next(value, NO_CHECKS);
    const w = this.waiting.shift();
    if (w) w.resolve({ value, done: false });
    else {
      this.buffer.push(value);
      if (this.buffer.length > this.maxBuffer) this.buffer.shift();
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.error !== undefined) {
      const err = this.error;
      this.error = undefined;
      return Promise.reject(err);
    }
    if (this.done) return Promise.resolve({ value: undefined as never, done: true });
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  /** Ends the stream with an error: values already buffered are read first, then `next()` rejects with `err`. */
  fail(err: unknown): void {
    if (this.done) return;
    this.done = true;
    const waiting = this.waiting.splice(0);
    if (this.sink) this.sink.error(err);
    else if (waiting.length) for (const w of waiting) w.reject(err);
    else this.error = err;
    this.onClose();
  }

  /** Switches to push delivery: values buffered so far first, then every value as it is pushed. */
  [PUSH](sink: PushSink<T>): void {
    this.sink = sink;
    const buffered = this.buffer.splice(0);
    for (const v of buffered) sink.next(v, NO_CHECKS);
    if (this.error !== undefined) {
      const err = this.error;
      this.error = undefined;
      sink.error(err);
    }
  }

  return(): Promise<IteratorResult<T>> {
    this.error = undefined;
    if (!this.done) {
      this.done = true;
      this.buffer = [];
      for (const w of this.waiting.splice(0)) w.resolve({ value: undefined as never, done: true });
      this.onClose();
    }
    return Promise.resolve({ value: undefined as never, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<T>> {
    void this.return();
    return Promise.reject(err);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}

/** The error an interrupted subscription ends with: the client subscribes again once the server is ready. */
export function eventsInterrupted(): DomainError {
  return new DomainError('INTERNAL', 'Live updates were interrupted (the server lost its event connection): subscribe again', {
    reason: 'EVENTS_INTERRUPTED',
  });
}

export function isEventsInterrupted(err: unknown): boolean {
  return err instanceof DomainError && err.details?.reason === 'EVENTS_INTERRUPTED';
}

/**
 * Listeners handed one event in one turn of the event loop. A fan-out to thousands of subscribers
 * (issue 14) runs each subscriber's whole delivery — filter, access re-check, frame, socket write —
 * in the microtasks that follow its listener call, so handing them all the event at once held the
 * event loop for the whole fan-out (10,000 subscribers: seconds), and the write that published the
 * event answered only after it. In slices, other work (the writer's answer, other requests, the
 * listener's heartbeat) runs between them; what a subscriber receives, and in which order, is the same.
 */
export const DELIVERY_SLICE = 256;

interface Delivery {
  listeners: Listener[];
  payload: unknown;
  next: number;
}

export abstract class ListenerRegistry implements PubSub {
  private listeners = new Map<string, Set<Listener>>();
  private readonly channels = new Set<Channel<unknown>>();
  /** events being handed out in slices, oldest first (every listener hears events in publication order) */
  private readonly deliveries: Delivery[] = [];

  /** false while events cannot be received (the listening connection is down) */
  get receiving(): boolean {
    return true;
  }

  /** Ends every open subscription with `err` (callback subscriptions stay). */
  protected interrupt(err: () => unknown): void {
    for (const c of [...this.channels]) c.fail(err());
  }

  protected deliver(topic: string, payload: unknown): void {
    const set = this.listeners.get(topic);
    if (!set) return;
    if (!this.deliveries.length && set.size <= DELIVERY_SLICE) {
      for (const l of [...set]) l(payload);
      return;
    }
    this.deliveries.push({ listeners: [...set], payload, next: 0 });
    if (this.deliveries.length === 1) this.deliverSlice();
  }

  /** Hands the oldest pending event to its next slice of listeners; the rest after other work (setImmediate). */
  private deliverSlice = (): void => {
    let budget = DELIVERY_SLICE;
    while (budget > 0 && this.deliveries.length) {
      const d = this.deliveries[0];
      const end = Math.min(d.listeners.length, d.next + budget);
      budget -= end - d.next;
      while (d.next < end) {
        try {
          d.listeners[d.next++](d.payload);
        } catch {
          // a listener's failure is its own (channels never throw): the others still hear the event
        }
      }
      if (d.next >= d.listeners.length) this.deliveries.shift();
    }
    if (this.deliveries.length) setImmediate(this.deliverSlice);
  };

  subscribe<K extends TopicName>(topic: K): AsyncIterableIterator<Topics[K]> {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    const listener: Listener = (p) => channel.push(p as Topics[K]);
    const channel = new Channel<Topics[K]>(() => {
      set!.delete(listener);
      this.channels.delete(channel as Channel<unknown>);
    });
    set.add(listener);
    this.channels.add(channel as Channel<unknown>);
    // nothing would arrive: say so now rather than stay silent until the connection is back
    if (!this.receiving) channel.fail(eventsInterrupted());
    return channel;
  }

  /** A plain callback subscription (for infrastructure such as closing revoked sockets). */
  on<K extends TopicName>(topic: K, fn: (payload: Topics[K]) => void): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    const listener = fn as Listener;
    set.add(listener);
    return () => set!.delete(listener);
  }

  abstract publish<K extends TopicName>(topic: K, payload: Topics[K]): Promise<void>;
  abstract close(): Promise<void>;
}

export class MemoryPubSub extends ListenerRegistry {
  async publish<K extends TopicName>(topic: K, payload: Topics[K]): Promise<void> {
    // Delivered on the next tick, as a network adapter would, so publishers never run subscriber code inline.
    const copy = JSON.parse(JSON.stringify(payload));
    setImmediate(() => this.deliver(topic, copy));
  }
  async close(): Promise<void> {}
}

const CHANNEL = 'interchange_events';

/**
 * LISTEN/NOTIFY on one channel; every instance (this one included) receives each event through
 * PostgreSQL. Listening goes through the instance's supervised listener; publishing through a pool of
 * one connection (`interchange-publish`, in call order) that replaces a dropped connection on the next
 * publish. A publish while the database is unreachable fails fast and publishReliably retries it.
 */
export class PostgresPubSub extends ListenerRegistry {
  private readonly publisher: Pool;
  private closed = false;
  readonly instanceId = randomUUID();

  constructor(
    url: string,
    private readonly listener: SupervisedListener,
    limits?: DbLimits,
    log: Logger = silentLogger,
  ) {
    super();
    this.publisher = new Pool({
      connectionString: url,
      max: 1,
      application_name: 'interchange-publish',
      connectionTimeoutMillis: limits?.poolWaitMs ?? 5_000,
      ...(limits ? sessionLimits(limits) : {}),
    });
    this.publisher.on('error', (err) => log.error({ component: 'pubsub', backend: 'postgres', error: err.message }, 'publish connection lost (the next publish reconnects)'));
    listener.listen(CHANNEL, (payload) => {
      try {
        const { t, p } = JSON.parse(payload) as { t: string; p: unknown };
        this.deliver(t, p);
      } catch {
        /* a foreign or malformed notification: ignore */
      }
    });
    listener.onDown(() => this.interrupt(eventsInterrupted));
  }

  override get receiving(): boolean {
    return this.listener.ready;
  }

  /** The publishing pool's connections (metrics). */
  poolStats(): { used: number; free: number; pending: number } {
    const p = this.publisher;
    return { used: p.totalCount - p.idleCount, free: p.idleCount, pending: p.waitingCount };
  }

  async publish<K extends TopicName>(topic: K, payload: Topics[K]): Promise<void> {
    if (this.closed) return;
    const text = JSON.stringify({ t: topic, p: payload, o: this.instanceId });
    if (Buffer.byteLength(text) > 7900) throw new Error(`pubsub payload of ${topic} exceeds the NOTIFY limit`);
    await this.publisher.query('select pg_notify($1, $2)', [CHANNEL, text]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.interrupt(eventsInterrupted);
    await this.publisher.end().catch(() => undefined);
  }
}

const RETRY_DELAYS_MS = [100, 500, 1000, 2000, 5000, 10000, 30000];

/**
 * Publishes an event of a committed write. The first attempt is awaited (so a client that subscribed
 * before writing sees its own change); when it fails, the failure is logged and the event is retried in
 * the background with growing delays (about a minute in all) while the adapter reconnects. It never
 * rejects: a committed write is never turned into an error by its notification.
 */
export async function publishReliably<K extends TopicName>(pubsub: PubSub, topic: K, payload: Topics[K], logger: Logger = silentLogger): Promise<void> {
  const log = logger.child({ component: 'pubsub', topic });
  try {
    await pubsub.publish(topic, payload);
    return;
  } catch (err) {
    log.error({ error: errorMessage(err) }, `publishing ${topic} failed, retrying`);
  }
  void (async () => {
    for (const delay of RETRY_DELAYS_MS) {
      await new Promise((r) => setTimeout(r, delay).unref());
      try {
        await pubsub.publish(topic, payload);
        log.warn(`publishing ${topic} succeeded after a retry`);
        return;
      } catch {
        /* next attempt */
      }
    }
    log.error(`publishing ${topic} failed for good; its subscribers missed one event`);
  })();
}
