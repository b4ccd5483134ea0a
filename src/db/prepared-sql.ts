/**
 * Named prepared statements for the hot paths (the session check and login, and the hot list reads of
 * the services), on one small node-pg pool of the process, without the ORM. PostgreSQL parses and plans
 * a named statement once per connection; MikroORM sends every statement unnamed, planned on every
 * execution (the compass matches statement: 2.0–2.35 ms of backend CPU unnamed, 0.92 prepared;
 * bench/README.md "Findings"). The one helper for this job (STYLE.md 12): the auth store runs its
 * statements here too.
 *
 * Rows come back exactly as MikroORM's own connection returns them: the pool takes the ORM's type
 * parsers (dates as text, …), so a service that moves a statement here sees the same values
 * (tests/prepared-sql.test.ts compares both paths).
 *
 * A read that runs inside a transaction must see the transaction's own writes: `read(em, …)` sends it
 * through the EntityManager's connection when `em` is in one (knex's `?` form of the same text).
 */
import { Pool } from 'pg';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import { DbLimits, sessionLimits } from './limits';

/**
 * A statement with `$1…$n` parameters. Its text must not contain a literal `?` (the transactional form
 * turns `$n` into knex's `?` placeholders) and must name its columns (a `*` over a table, prepared on
 * a connection, fails after a migration adds a column: "cached plan must not change result type").
 */
export interface Statement {
  readonly name: string;
  readonly text: string;
  /** the same statement with knex placeholders, and which value each one takes */
  readonly knex: { text: string; order: number[] };
}

/**
 * A select-list item reading a timestamp as epoch milliseconds (`<alias>` a float8, truncated to the
 * millisecond as a parsed timestamp is): `new Date(row[alias])` costs a fraction of parsing a timestamp's
 * text, which a list pays for every time of every row.
 */
export function epochMs(column: string, alias: string): string {
  return `floor(extract(epoch from ${column}) * 1000)::float8 as ${alias}`;
}

export function statement(name: string, text: string): Statement {
  const order: number[] = [];
  const knexText = text.replace(/\$(\d+)/g, (_, n: string) => {
    order.push(Number(n) - 1);
    return '?';
  });
  return { name, text, knex: { text: knexText, order } };
}

/**
 * knex expands an array binding into a list (`?` → `$1, $2`); node-pg sends it as one array value. An
 * array of strings or numbers becomes the array literal node-pg would have sent.
 */
function knexValue(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  const items = value.map((v) => (v === null || v === undefined ? 'NULL' : typeof v === 'number' ? String(v) : `"${String(v).replace(/[\\"]/g, '\\$&')}"`));
  return `{${items.join(',')}}`;
}

export class PreparedSql {
  /** the pool itself, for the few unnamed statements of its users (pg_notify, batch checks) */
  readonly pool: Pool;

  constructor(databaseUrl: string, orm: MikroORM, options: { max?: number; limits?: DbLimits } = {}) {
    const types = (orm.em.getConnection() as unknown as { getConnectionOptions(): { types?: unknown } }).getConnectionOptions().types;
    // the platform's time limits on every connection, and on the wait for one (src/db/limits.ts)
    const limits = options.limits ? { ...sessionLimits(options.limits), connectionTimeoutMillis: options.limits.poolWaitMs } : {};
    this.pool = new Pool({ connectionString: databaseUrl, max: options.max ?? 8, idleTimeoutMillis: 0, types: types as never, ...limits });
    // Clients stay open while idle (no idle timers to set and clear around every statement). An idle
    // client's error (the server restarted) must not crash the process; the next query reconnects.
    this.pool.on('error', () => undefined);
  }

  /** Runs a named statement on the pool (outside any transaction) and returns its rows. */
  async rows<T = Record<string, unknown>>(s: Statement, values: unknown[]): Promise<T[]> {
    const result = await this.pool.query({ name: s.name, text: s.text, values });
    return result.rows as T[];
  }

  /**
   * A request's read: the named statement on the pool, or, when `em` is inside a transaction, the same
   * statement through the transaction (so it sees the transaction's uncommitted writes). No `em` (a
   * request that has not forked one, context.ts `existingEm`): on the pool.
   */
  read<T = Record<string, unknown>>(em: EntityManager | undefined, s: Statement, values: unknown[]): Promise<T[]> {
    if (em?.isInTransaction())
      return em.execute<T[]>(
        s.knex.text,
        s.knex.order.map((i) => knexValue(values[i])),
      );
    return this.rows<T>(s, values);
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}
