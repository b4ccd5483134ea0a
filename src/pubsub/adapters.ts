/** The pubsub adapters (pubsub.ts: memory and PostgreSQL; redis.ts) and the factory that picks one (`PUBSUB`). */
import type { SupervisedListener } from './listener';
import type { DbLimits } from '../db/limits';
import { MemoryPubSub, PostgresPubSub } from './pubsub';
import { RedisPubSub } from './redis';
import type { Logger } from '../observe/log';

export type AppPubSub = MemoryPubSub | PostgresPubSub | RedisPubSub;

/**
 * The PostgreSQL adapter registers its channel on `listener` (started by the caller, after every user
 * registered); the Redis one is started by the caller too (`start()`).
 */
export function createPubSub(
  kind: 'memory' | 'postgres' | 'redis',
  databaseUrl: string,
  listener: SupervisedListener | undefined,
  limits?: DbLimits,
  redisUrl?: string,
  log?: Logger,
): AppPubSub {
  if (kind === 'memory') return new MemoryPubSub();
  if (kind === 'redis') return new RedisPubSub(redisUrl ?? 'redis://127.0.0.1:6379', redisChannel(databaseUrl), log);
  if (!listener) throw new Error('the postgres pubsub needs the supervised listener');
  return new PostgresPubSub(databaseUrl, listener, limits, log);
}

/** The Redis channel of a deployment: named after its database (host, port and name), shared by its instances. */
export function redisChannel(databaseUrl: string): string {
  const u = new URL(databaseUrl);
  return `interchange:${u.hostname}:${u.port || '5432'}${u.pathname}:events`;
}
