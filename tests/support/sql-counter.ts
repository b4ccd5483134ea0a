/**
 * Counts the SQL statements a server runs, for "a list costs a constant number of statements" tests:
 * the server gets an ORM whose logger records every statement (whatever `debug` says), and the
 * statements of its auth store (session check, login) are recorded too. `during(fn)` returns the
 * statements run while `fn` was in flight.
 */
import { DefaultLogger, LogContext, LoggerOptions } from '@mikro-orm/core';
import { MikroORM } from '@mikro-orm/postgresql';
import { ormOptions } from '../../mikro-orm.config';
import { startServer } from '../../src/server/server';
import { createTestDatabase, testConfig, TestServer } from './server';

export class StatementLog {
  statements: string[] = [];

  record(query: string): void {
    this.statements.push(query);
  }

  /** The statements run while `fn` ran (other traffic on the same server would be counted too). */
  async during<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    const from = this.statements.length;
    const result = await fn();
    return { result, statements: this.statements.slice(from) };
  }
}

class CountingLogger extends DefaultLogger {
  constructor(
    options: LoggerOptions,
    private readonly sink: StatementLog,
  ) {
    super(options);
  }

  override logQuery(context: { query: string } & LogContext): void {
    this.sink.record(context.query);
  }
}

export class CountingServer extends TestServer {
  constructor(
    server: ConstructorParameters<typeof TestServer>[0],
    databaseUrl: string,
    readonly sql: StatementLog,
    private readonly orm: MikroORM,
  ) {
    super(server, databaseUrl);
  }

  override async close(): Promise<void> {
    await super.close();
    await this.orm.close(true);
  }
}

/** A test server on a fresh database whose ORM statements are recorded in `sql`. */
export async function startCountingServer(env: Record<string, string | undefined> = {}): Promise<CountingServer> {
  const url = await createTestDatabase();
  const log = new StatementLog();
  const orm = await MikroORM.init(ormOptions(url, { loggerFactory: (options: LoggerOptions) => new CountingLogger(options, log) }));
  await orm.getMigrator().up();
  // Without the session cache by default, so every request's count includes its session check.
  const server = await startServer(testConfig({ DATABASE_URL: url, SESSION_CACHE_SECONDS: '0', ...env }), { orm });
  // The prepared statements (auth store, hot list reads) bypass the ORM (src/db/prepared-sql.ts): record
  // them as they are sent, except the session cache's markers (its heartbeat is nobody's request).
  const pool = server.app.sql.pool as unknown as { query: (config: string | { text: string }, values?: unknown[]) => Promise<unknown> };
  const query = pool.query.bind(pool);
  pool.query = (config, values) => {
    const text = typeof config === 'string' ? config : config.text;
    if (!text.startsWith('select pg_notify(')) log.record(text);
    return query(config, values);
  };
  return new CountingServer(server, url, log, orm);
}
