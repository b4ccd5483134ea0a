/**
 * The one supervised listening connection of an instance (STYLE.md 12). Its users — the pubsub's
 * `interchange_events` channel and the session cache's `ix_auth` channel — register channels and
 * state callbacks; the listener owns ONE dedicated pg Client that LISTENs on all of them.
 *
 * Supervision: the connection counts as lost when it errors or ends, or when it is deaf — its own
 * heartbeat marker (every 5 s, sent through the connection itself) or a user's marker (the session
 * cache's, auth-store.ts) does not come back within 2 s: a connection can die without an error (a
 * middlebox dropping it). On a loss it logs, marks itself down, tells its users (`onDown`: the session
 * cache goes dark, the pubsub ends its subscriptions with an error), and connects again with backoff
 * (100 ms first, then doubling, at most 3 s), LISTENs on every channel again, logs, marks itself up
 * and tells its users (`onUp`). `ready` and `since` make the state observable (/readyz).
 *
 * Logs go to the instance's log (`component: "listener"`, `listener: "up" | "down"`), and its state
 * to the metrics (`interchange_listener_up{backend="postgres"}`).
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { errorMessage as message, Logger, silentLogger } from '../observe/log';

const HEARTBEAT_CHANNEL = 'ix_listener';
const HEARTBEAT_MS = 5_000;
/** How late a marker's timer may fire before the loop counts as too busy to judge (the deadline re-arms). */
const MARKER_LATE_MS = 250;
/** How long a marker may take to come back before the connection counts as deaf. */
const MARKER_TIMEOUT_MS = 2_000;
const RETRY_FIRST_MS = 100;
const RETRY_MAX_MS = 3_000;
const CONNECT_TIMEOUT_MS = 5_000;

export interface ListenerOptions {
  /** shown in pg_stat_activity.application_name */
  applicationName?: string;
  heartbeatMs?: number;
  /** the instance's log (a `component: "listener"` child is made of it) */
  log?: Logger;
}

type Callback = () => void;

export class SupervisedListener {
  /** true while a connection is open and LISTENing on every registered channel */
  ready = false;
  /** when `ready` last changed */
  since = new Date();
  /** bumped by every new connection: a marker sent on an older one cannot condemn the current one */
  epoch = 0;
  private client: Client | undefined;
  private readonly channels = new Map<string, (payload: string) => void>();
  private readonly ups = new Set<Callback>();
  private readonly downs = new Set<(reason: string) => void>();
  private readonly markers = new Map<string, (heard: boolean) => void>();
  private readonly instance = randomUUID();
  private markerSeq = 0;
  private retries = 0;
  private closed = false;
  private reconnect: NodeJS.Timeout | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private readonly log: Logger;

  constructor(
    private readonly url: string,
    private readonly options: ListenerOptions = {},
  ) {
    this.log = (options.log ?? silentLogger).child({ component: 'listener', backend: 'postgres' });
  }

  /**
   * Registers a channel (one user per channel). Register before `start()`; a channel registered on a
   * running listener is LISTENed at once.
   */
  listen(channel: string, onNotification: (payload: string) => void): void {
    if (this.channels.has(channel)) throw new Error(`listener channel ${channel} is registered twice`);
    this.channels.set(channel, onNotification);
    const client = this.client;
    client?.query(`listen ${quote(channel)}`).catch((err) => this.lost(client, `listen ${channel} failed: ${message(err)}`));
  }

  /** Called after every (re)connection, once every channel is listened on. Returns an unsubscribe. */
  onUp(fn: Callback): () => void {
    this.ups.add(fn);
    return () => void this.ups.delete(fn);
  }

  /** Called when the connection is lost (before reconnecting). Returns an unsubscribe. */
  onDown(fn: (reason: string) => void): () => void {
    this.downs.add(fn);
    return () => void this.downs.delete(fn);
  }

  /** The first connection: rejects when the database cannot be reached (the start fails). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({
      connectionString: this.url,
      keepAlive: true,
      application_name: this.options.applicationName ?? 'interchange-listener',
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    client.on('error', (err) => this.lost(client, message(err)));
    client.on('end', () => this.lost(client, 'connection ended'));
    client.on('notification', (msg) => this.deliver(msg.channel, msg.payload ?? ''));
    try {
      await client.connect();
      for (const channel of [HEARTBEAT_CHANNEL, ...this.channels.keys()]) await client.query(`listen ${quote(channel)}`);
    } catch (err) {
      client.removeAllListeners('end');
      client.end().catch(() => undefined);
      throw err;
    }
    if (this.closed) {
      await client.end().catch(() => undefined);
      return;
    }
    const wasDown = this.epoch > 0;
    this.client = client;
    this.epoch += 1;
    this.retries = 0;
    this.setReady(true);
    const channels = [...this.channels.keys()];
    if (wasDown) this.log.warn({ listener: 'up', channels }, `listening again on ${channels.join(', ')}`);
    else this.log.info({ listener: 'up', channels }, `listening on ${channels.join(', ')}`);
    clearInterval(this.heartbeat);
    this.heartbeat = setInterval(() => this.probe(), this.options.heartbeatMs ?? HEARTBEAT_MS);
    this.heartbeat.unref();
    for (const fn of this.ups) safely(fn, this.log);
  }

  /** One notification: a marker being waited for (roundTrip) ends its wait; anything else goes to its channel's user. */
  deliver(channel: string, payload: string): void {
    const marker = this.markers.get(`${channel}\u0000${payload}`);
    if (marker) marker(true);
    else if (channel !== HEARTBEAT_CHANNEL) this.channels.get(channel)?.(payload);
  }

  /** Sends a marker through the listening connection itself and waits for it; a deaf connection is dropped. */
  private probe(): void {
    const client = this.client;
    if (!client) return;
    const marker = `${this.instance}.${++this.markerSeq}`;
    void this.roundTrip(HEARTBEAT_CHANNEL, marker, () => client.query('select pg_notify($1, $2)', [HEARTBEAT_CHANNEL, marker]), 'heartbeat');
  }

  /**
   * Sends a marker (`send`, on any connection) and resolves true once `payload` arrives on `channel`,
   * false when it does not within 2 s — the connection is then deaf and is dropped — or when the
   * connection drops meanwhile. Notifications arrive in commit order, so every notice committed before
   * the marker has been delivered by then (the session cache's settle, auth-store.ts).
   */
  async roundTrip(channel: string, payload: string, send: () => Promise<unknown>, what: string): Promise<boolean> {
    const epoch = this.epoch;
    const key = `${channel}\u0000${payload}`;
    const heard = await new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const done = (ok: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.markers.delete(key);
        resolve(ok);
      };
      // The deadline is judged on this event loop: when the loop was too busy to run the timer on time
      // (a fan-out to 10,000 subscribers keeps it busy for seconds), the marker may be sitting unread in
      // the socket, so a late timer re-arms instead of declaring the connection deaf; an on-time timer
      // gives the poll phase one more turn (setImmediate) to read what already arrived.
      const arm = () => {
        const armedAt = Date.now();
        timer = setTimeout(() => {
          if (Date.now() - armedAt > MARKER_TIMEOUT_MS + MARKER_LATE_MS) arm();
          else setImmediate(() => done(false));
        }, MARKER_TIMEOUT_MS);
      };
      arm();
      this.markers.set(key, done);
      send().catch(() => done(false));
    });
    if (!heard) this.reportDeaf(epoch, `${what} not heard within ${MARKER_TIMEOUT_MS} ms`);
    return heard;
  }

  /** A user's marker did not come back on connection `epoch`: drop that connection (if still current). */
  reportDeaf(epoch: number, reason: string): void {
    if (this.client && epoch === this.epoch) this.lost(this.client, reason);
  }

  private lost(client: Client, reason: string): void {
    if (this.client !== client) return;
    this.client = undefined;
    clearInterval(this.heartbeat);
    this.setReady(false);
    for (const done of [...this.markers.values()]) done(false);
    this.log.error({ listener: 'down', reason }, `connection lost (${reason}); subscriptions end, the session cache is off; reconnecting`);
    for (const fn of this.downs) safely(() => fn(reason), this.log);
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    const delay = Math.min(RETRY_FIRST_MS * 2 ** this.retries, RETRY_MAX_MS);
    this.retries += 1;
    clearTimeout(this.reconnect);
    this.reconnect = setTimeout(() => {
      this.connect().catch((err) => {
        const nextMs = Math.min(RETRY_FIRST_MS * 2 ** this.retries, RETRY_MAX_MS);
        this.log.error({ listener: 'down', error: message(err), nextMs }, `reconnecting failed (${message(err)}); next attempt in ${nextMs} ms`);
        this.retry();
      });
    }, delay);
    this.reconnect.unref();
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready) return;
    this.ready = ready;
    this.since = new Date();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnect);
    clearInterval(this.heartbeat);
    const client = this.client;
    this.client = undefined;
    this.setReady(false);
    client?.removeAllListeners('end');
    await client?.end().catch(() => undefined);
  }
}

function quote(channel: string): string {
  return `"${channel.replace(/"/g, '""')}"`;
}

function safely(fn: () => void, log: Logger): void {
  try {
    fn();
  } catch (err) {
    log.error({ error: message(err) }, 'a user callback of the listener failed');
  }
}
