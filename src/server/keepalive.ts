/**
 * The graphql-ws sockets' keepalive (WS_KEEPALIVE_SECONDS): every socket is pinged once per interval, and
 * one that has not answered its previous ping when the next one is due is terminated (its peer is gone
 * or does not read), so a dead peer is noticed within two intervals, as with graphql-ws' own keepalive.
 *
 * graphql-ws' own (`useServer`'s third argument) keeps a `setInterval` per socket and, per ping, a
 * `setTimeout` and a `once('pong')` listener. Its pings are due at as many moments as there are sockets,
 * so each ping, and each pong coming back, woke the event loop on its own: 10,000 idle sockets cost about
 * 95 ms of CPU per second at a 25 s interval (bench/README.md, "Seventh pass"). Here the sockets are
 * dealt round-robin into one-second slots and one timer pings a slot at a time, so a wake-up pings a
 * few hundred sockets and their pongs come back together; a socket costs one permanent `pong` listener
 * (shared) and a `close` listener.
 */
import { WebSocket } from 'ws';

/** Slots are this long at most: a socket's first ping comes within its interval, spread over it. */
const SLOT_MS = 1000;

export class Keepalive {
  private readonly slots: Set<WebSocket>[];
  /** pinged and not answered yet */
  private readonly unanswered = new WeakSet<WebSocket>();
  /** the one `pong` listener of every socket (`this` is the socket) */
  private readonly answered: (this: WebSocket) => void;
  /** the slot the next socket goes to, and the slot the next tick pings */
  private nextSlot = 0;
  private tick = 0;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    const slotMs = Math.min(SLOT_MS, intervalMs);
    this.slots = Array.from({ length: Math.max(1, Math.round(intervalMs / slotMs)) }, () => new Set<WebSocket>());
    const unanswered = this.unanswered;
    this.answered = function (this: WebSocket) {
      unanswered.delete(this);
    };
    this.timer = setInterval(() => this.ping(), slotMs);
    this.timer.unref();
  }

  /** Keeps `socket` alive from now until it closes. */
  add(socket: WebSocket): void {
    const slot = this.slots[this.nextSlot];
    this.nextSlot = (this.nextSlot + 1) % this.slots.length;
    slot.add(socket);
    socket.on('pong', this.answered);
    socket.once('close', () => slot.delete(socket));
  }

  /** One slot: terminates the sockets that left the last ping unanswered, pings the others. */
  private ping(): void {
    const slot = this.slots[this.tick];
    this.tick = (this.tick + 1) % this.slots.length;
    for (const socket of slot) {
      if (socket.readyState !== WebSocket.OPEN) continue;
      if (this.unanswered.has(socket)) {
        socket.terminate();
        continue;
      }
      this.unanswered.add(socket);
      socket.ping();
    }
  }

  close(): void {
    clearInterval(this.timer);
  }
}
