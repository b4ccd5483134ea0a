/**
 * Typed publish/subscribe between services and subscribers (graphql-ws, SSE routes, socket closing).
 * Services publish only after their transaction commits. Adapters: in-process (one instance) and
 * PostgreSQL LISTEN/NOTIFY (any number of instances on one database; the default).
 */
import { Client } from 'pg';
import { randomUUID } from 'node:crypto';
import type { TopicName, Topics } from './topics';

export interface PubSub {
  publish<K extends TopicName>(topic: K, payload: Topics[K]): Promise<void>;
  /** An async iterator of the topic's payloads from now on; `return()` unsubscribes. */
  subscribe<K extends TopicName>(topic: K): AsyncIterableIterator<Topics[K]>;
  close(): Promise<void>;
}

type Listener = (payload: unknown) => void;

/** A push-fed async iterator with a bounded buffer (a slow consumer loses the oldest events, never memory). */
export class Channel<T> implements AsyncIterableIterator<T> {
  private buffer: T[] = [];
  private waiting: ((r: IteratorResult<T>) => void)[] = [];
  private done = false;
  constructor(
    private readonly onClose: () => void,
    private readonly maxBuffer = 1000,
  ) {}

  push(value: T): void {
    if (this.done) return;
    const w = this.waiting.shift();
    if (w) w({ value, done: false });
    else {
      this.buffer.push(value);
      if (this.buffer.length > this.maxBuffer) this.buffer.shift();
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length) return Promise.resolve({ value: this.buffer.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined as never, done: true });
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  return(): Promise<IteratorResult<T>> {
    if (!this.done) {
      this.done = true;
      this.buffer = [];
      for (const w of this.waiting.splice(0)) w({ value: undefined as never, done: true });
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

abstract class ListenerRegistry implements PubSub {
  private listeners = new Map<string, Set<Listener>>();

  protected deliver(topic: string, payload: unknown): void {
    const set = this.listeners.get(topic);
    if (!set) return;
    for (const l of [...set]) l(payload);
  }

  subscribe<K extends TopicName>(topic: K): AsyncIterableIterator<Topics[K]> {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    const listener: Listener = (p) => channel.push(p as Topics[K]);
    const channel = new Channel<Topics[K]>(() => set!.delete(listener));
    set.add(listener);
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

/** LISTEN/NOTIFY on one channel; every instance (this one included) receives each event through PostgreSQL. */
export class PostgresPubSub extends ListenerRegistry {
  private listenClient?: Client;
  private publishClient?: Client;
  private closed = false;
  readonly instanceId = randomUUID();

  constructor(private readonly url: string) {
    super();
  }

  async start(): Promise<void> {
    this.listenClient = new Client({ connectionString: this.url });
    this.publishClient = new Client({ connectionString: this.url });
    this.listenClient.on('error', () => undefined);
    this.publishClient.on('error', () => undefined);
    await Promise.all([this.listenClient.connect(), this.publishClient.connect()]);
    this.listenClient.on('notification', (msg) => {
      if (msg.channel !== CHANNEL || !msg.payload) return;
      try {
        const { t, p } = JSON.parse(msg.payload) as { t: string; p: unknown };
        this.deliver(t, p);
      } catch {
        /* a foreign or malformed notification: ignore */
      }
    });
    await this.listenClient.query(`LISTEN ${CHANNEL}`);
  }

  async publish<K extends TopicName>(topic: K, payload: Topics[K]): Promise<void> {
    if (this.closed || !this.publishClient) return;
    const text = JSON.stringify({ t: topic, p: payload, o: this.instanceId });
    if (Buffer.byteLength(text) > 7900) throw new Error(`pubsub payload of ${topic} exceeds the NOTIFY limit`);
    await this.publishClient.query('select pg_notify($1, $2)', [CHANNEL, text]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([this.listenClient?.end(), this.publishClient?.end()]);
  }
}

export type AppPubSub = MemoryPubSub | PostgresPubSub;

export async function createPubSub(kind: 'memory' | 'postgres', databaseUrl: string): Promise<AppPubSub> {
  if (kind === 'memory') return new MemoryPubSub();
  const ps = new PostgresPubSub(databaseUrl);
  await ps.start();
  return ps;
}

const RETRY_DELAYS_MS = [100, 500, 1000, 2000, 5000, 10000, 30000];

/**
 * Publishes an event of a committed write. The first attempt is awaited (so a client that subscribed
 * before writing sees its own change); when it fails, the failure is logged and the event is retried in
 * the background with growing delays (about a minute in all) while the adapter reconnects. It never
 * rejects: a committed write is never turned into an error by its notification.
 */
export async function publishReliably<K extends TopicName>(pubsub: PubSub, topic: K, payload: Topics[K]): Promise<void> {
  try {
    await pubsub.publish(topic, payload);
    return;
  } catch (err) {
    console.error(`[pubsub] publishing ${topic} failed, retrying:`, (err as Error)?.message ?? err);
  }
  void (async () => {
    for (const delay of RETRY_DELAYS_MS) {
      await new Promise((r) => setTimeout(r, delay).unref());
      try {
        await pubsub.publish(topic, payload);
        console.error(`[pubsub] publishing ${topic} succeeded after a retry`);
        return;
      } catch {
        /* next attempt */
      }
    }
    console.error(`[pubsub] publishing ${topic} failed for good; its subscribers missed one event`);
  })();
}
