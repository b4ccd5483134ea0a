/**
 * The Redis adapter (`PUBSUB=redis`, `REDIS_URL`): every instance subscribes to one channel and
 * publishes to it, so a write on any instance reaches the subscribers of all of them, whatever database
 * they share. It follows the supervised-listener rules (listener.ts, ARCHITECTURE.md "PubSub"):
 * - the subscribing connection reconnects by itself (growing delays up to 2 s) and subscribes again;
 *   each drop and each return is logged, with how long events could not be heard;
 * - while it is down, /readyz answers 503 (`pubsub: "down"`), every open subscription ends with
 *   EVENTS_INTERRUPTED (Redis keeps nothing for an absent subscriber: its events are lost to this
 *   instance, so clients subscribe again and reload), and a new subscription fails the same way at once;
 * - a publish while Redis is unreachable fails fast (no offline queue) and publishReliably retries it;
 * - `onUp` callbacks run after every return (the session watch re-checks the sessions it watches: a
 *   revocation published during the gap was never heard).
 */
import type Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';
import { eventsInterrupted, ListenerRegistry } from './pubsub';
import type { TopicName, Topics } from './topics';
import { errorMessage, Logger, redactUrl, silentLogger } from '../observe/log';

/**
 * The settings of every Redis connection of the process (pubsub here, the APQ store in src/server/apq.ts):
 * connected on demand, reconnecting by itself with growing delays up to 2 s, and failing a command at once
 * while disconnected (the caller retries or does without; nothing piles up in memory).
 */
export const REDIS_CLIENT_OPTIONS = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  retryStrategy: (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
} as const;

/**
 * A Redis connection of the process. ioredis is required here, on the first connection, not when this
 * module loads: a deployment without Redis (PUBSUB=postgres, the APQ store elsewhere) never needs its
 * modules, which would hold about half a megabyte of heap for good (bench/README.md "Idle RSS").
 */
export function redisConnection(url: string, options: RedisOptions): Redis {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point (see above)
  const Client = require('ioredis') as typeof import('ioredis').default;
  return new Client(url, options);
}

/** How long the start waits for the first subscription before it gives up. */
const START_TIMEOUT_MS = 10_000;

export class RedisPubSub extends ListenerRegistry {
  private readonly subscriber: Redis;
  private readonly publisher: Redis;
  private up = false;
  private closed = false;
  /** when the subscription was last lost (or the adapter made) */
  since = new Date();
  private readonly upCallbacks = new Set<() => void>();
  private lastError = '';

  /**
   * `channel`: one per database (adapters.ts), so the instances of one deployment share it and two
   * deployments on one Redis never hear each other.
   */
  private readonly log: Logger;

  constructor(
    private readonly url: string,
    private readonly channel: string,
    log: Logger = silentLogger,
  ) {
    super();
    this.log = log.child({ component: 'pubsub', backend: 'redis' });
    const common = REDIS_CLIENT_OPTIONS;
    this.subscriber = redisConnection(url, { ...common, connectionName: 'interchange-subscribe' });
    this.publisher = redisConnection(url, { ...common, connectionName: 'interchange-publish' });
    this.subscriber.on('message', (channel: string, text: string) => {
      if (channel !== this.channel) return;
      try {
        const { t, p } = JSON.parse(text) as { t: string; p: unknown };
        this.deliver(t, p);
      } catch {
        /* a foreign or malformed message: ignore */
      }
    });
    this.subscriber.on('ready', () => void this.subscribed());
    this.subscriber.on('close', () => this.lost());
    for (const connection of [this.subscriber, this.publisher]) {
      connection.on('error', (err: Error) => {
        // one line per distinct error while it lasts, not one per reconnection attempt
        if (err.message === this.lastError) return;
        this.lastError = err.message;
        this.log.error({ connection: connection === this.subscriber ? 'subscriber' : 'publisher', error: err.message }, 'redis connection error');
      });
    }
  }

  /** Connects both connections and waits for the first subscription (10 s at most). */
  async start(): Promise<void> {
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`Redis at ${redact(this.url)} did not answer within ${START_TIMEOUT_MS / 1000} s (PUBSUB=redis)`)), START_TIMEOUT_MS);
      this.onUp(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    void this.subscriber.connect().catch(() => undefined);
    void this.publisher.connect().catch(() => undefined);
    try {
      await ready;
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  private async subscribed(): Promise<void> {
    try {
      await this.subscriber.subscribe(this.channel);
    } catch (err) {
      this.log.error({ error: errorMessage(err) }, 'redis subscribe failed (retrying with the next connection)');
      this.subscriber.disconnect(true);
      return;
    }
    if (this.up || this.closed) return;
    const down = Date.now() - this.since.getTime();
    this.up = true;
    this.lastError = '';
    this.log.info(
      { listener: 'up', url: redact(this.url), ...(down > 1000 ? { downMs: down } : {}) },
      down > 1000 ? `redis subscription up again after ${Math.round(down / 1000)} s without events` : 'redis subscription up',
    );
    for (const fn of [...this.upCallbacks]) fn();
  }

  private lost(): void {
    if (!this.up) return;
    this.up = false;
    this.since = new Date();
    if (!this.closed) this.log.error({ listener: 'down' }, 'redis subscription lost: open subscriptions end with EVENTS_INTERRUPTED; reconnecting');
    this.interrupt(eventsInterrupted);
  }

  /** Whether events are heard now (readiness). */
  get ready(): boolean {
    return this.up;
  }

  override get receiving(): boolean {
    return this.up;
  }

  /** Runs `fn` each time the subscription is (re-)established; returns the unregistration. */
  onUp(fn: () => void): () => void {
    this.upCallbacks.add(fn);
    return () => this.upCallbacks.delete(fn);
  }

  async publish<K extends TopicName>(topic: K, payload: Topics[K]): Promise<void> {
    if (this.closed) return;
    await this.publisher.publish(this.channel, JSON.stringify({ t: topic, p: payload }));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.interrupt(eventsInterrupted);
    this.up = false;
    await Promise.all([this.subscriber.quit().catch(() => this.subscriber.disconnect()), this.publisher.quit().catch(() => this.publisher.disconnect())]);
  }
}

/** The URL without its password, for logs. */
export const redact = (url: string): string => redactUrl(url, 'REDIS_URL');
