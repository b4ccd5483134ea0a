/**
 * The one place where open streams learn that their session was revoked (logout, password change,
 * deactivation, deletion): graphql-ws sockets (closed with 4401, src/server/ws.ts) and SSE responses
 * (ended, src/rest/engine/engine.ts) register here with the session they were opened with.
 *
 * It follows `identity.sessionRevoked`. An event naming sessions revokes those at once; an event for
 * "every session of the user" (sessionIds null) is checked against the database first, because a
 * password change revokes the user's other sessions only. When the supervised listener (or the Redis
 * subscription, with PUBSUB=redis) comes back after a drop, every watched session is checked (a revocation published during the gap was never
 * heard). A check that fails revokes: closing a stream is safe, its client reconnects and is asked
 * for a live session again.
 */
import type { AppPubSub } from '../pubsub/adapters';
import { RedisPubSub } from '../pubsub/redis';
import type { SupervisedListener } from '../pubsub/listener';
import type { AuthStore } from './auth-store';
import { errorMessage, Logger, silentLogger } from '../observe/log';

interface Watcher {
  userId: string;
  sessionId: string;
  revoked: () => void;
}

export class SessionWatch {
  private readonly byUser = new Map<string, Set<Watcher>>();
  private readonly off: (() => void)[] = [];

  constructor(
    pubsub: AppPubSub,
    private readonly auth: AuthStore,
    listener: SupervisedListener | undefined,
    private readonly log: Logger = silentLogger,
  ) {
    this.off.push(
      pubsub.on('identity.sessionRevoked', ({ userId, sessionIds }) => {
        const watchers = [...(this.byUser.get(userId) ?? [])];
        if (sessionIds === null) void this.check(watchers);
        else for (const w of watchers) if (sessionIds.includes(w.sessionId)) this.revoke(w);
      }),
    );
    const checkAll = () => void this.check([...this.byUser.values()].flatMap((set) => [...set]));
    if (listener) this.off.push(listener.onUp(checkAll));
    // with Redis, revocations travel there: a gap in its subscription is checked the same way
    if (pubsub instanceof RedisPubSub) this.off.push(pubsub.onUp(checkAll));
  }

  /** Calls `revoked` (once) when the session is revoked; returns the unwatch function. */
  watch(viewer: { id: string; sessionId: string }, revoked: () => void): () => void {
    const w: Watcher = { userId: viewer.id, sessionId: viewer.sessionId, revoked };
    let set = this.byUser.get(w.userId);
    if (!set) this.byUser.set(w.userId, (set = new Set()));
    set.add(w);
    return () => this.unwatch(w);
  }

  private unwatch(w: Watcher): void {
    const set = this.byUser.get(w.userId);
    if (!set?.delete(w)) return;
    if (!set.size) this.byUser.delete(w.userId);
  }

  private revoke(w: Watcher): void {
    if (!this.byUser.get(w.userId)?.has(w)) return;
    this.unwatch(w);
    try {
      w.revoked();
    } catch (err) {
      this.log.error({ component: 'sessions', error: errorMessage(err) }, 'closing a revoked stream failed');
    }
  }

  /** Revokes the watchers whose session is no longer live. */
  private async check(watchers: Watcher[]): Promise<void> {
    if (!watchers.length) return;
    let live: Set<string> | undefined;
    try {
      live = await this.auth.liveSessions([...new Set(watchers.map((w) => w.sessionId))]);
    } catch (err) {
      this.log.error({ component: 'sessions', error: errorMessage(err) }, 'checking watched sessions failed; closing their streams');
    }
    for (const w of watchers) if (!live?.has(w.sessionId)) this.revoke(w);
  }

  close(): void {
    for (const off of this.off.splice(0)) off();
    this.byUser.clear();
  }
}
