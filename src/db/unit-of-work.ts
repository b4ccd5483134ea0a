/**
 * The one unit of work every module writes through (STYLE.md 12; Vendure's TransactionalConnection and
 * after-commit EventBus are the model):
 *
 *   transaction → settle (the session cache has dropped what the change made stale) → after commit: the
 *   typed events it queued (ctx.publish) and other after-commit work (ctx.afterCommit: SMTP).
 *
 * Settling first means an event is checked against the change that caused it: a subscriber whose access
 * the change took away (a demoted admin, a disabled membership) is re-read without it when the event is
 * resolved (access.ts), even through the in-process pubsub, where the event would otherwise outrun the
 * cache's notice.
 *
 * `work` receives a context whose `em` is the transaction's. A unit of work started inside another
 * (an identity service called from a compass one) joins it as a savepoint: its events wait for the
 * outermost commit, and a rolled-back unit's events are dropped, never published. Publishing after
 * commit never turns a committed write into an error: a failed publish is logged and retried by
 * `publishReliably` (src/pubsub/pubsub.ts).
 */
import type { EntityManager } from '@mikro-orm/postgresql';
import type { AppContext } from '../context/context';
import { markCommitted } from './idempotency';

const IN_TRANSACTION = Symbol('unitOfWork.inTransaction');

type TxContext = AppContext & { [IN_TRANSACTION]?: true };

/** The context of a unit of work: everything of `ctx` (viewer, queue, loaders) with the transaction's `em`. */
function within(ctx: AppContext, em: EntityManager): AppContext {
  return Object.create(ctx, {
    em: { value: em, enumerable: true },
    [IN_TRANSACTION]: { value: true },
  }) as AppContext;
}

/**
 * Whether `ctx` already runs inside a transaction: a unit of work's context, or any context whose `em` is
 * transactional (a module's own sub-context over its transaction's em, such as compass's `within`). A
 * unit of work started there is a savepoint, and its events wait for the outer commit.
 */
export function inUnitOfWork(ctx: AppContext): boolean {
  return (ctx as TxContext)[IN_TRANSACTION] === true || ctx.em.isInTransaction();
}

export async function unitOfWork<T>(ctx: AppContext, work: (tx: AppContext) => Promise<T>): Promise<T> {
  const mark = ctx.pendingAfterCommit();
  const outermost = !inUnitOfWork(ctx);
  let result: T;
  try {
    result = await ctx.em.transactional(async (em) => {
      const out = await work(within(ctx, em as EntityManager));
      // a request holding an Idempotency-Key records in this transaction that its write commits
      if (outermost) await markCommitted(ctx, em as EntityManager);
      return out;
    });
  } catch (err) {
    ctx.dropAfterCommit(mark);
    throw err;
  }
  if (!outermost) return result; // the outer unit publishes after its own commit
  try {
    await ctx.settle();
  } finally {
    await ctx.runAfterCommit();
  }
  return result;
}
