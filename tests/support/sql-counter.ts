/**
 * Counts the SQL statements a server runs through MikroORM, for "a list costs a constant number of
 * statements" tests. The server gets an ORM whose logger records every statement (whatever `debug`
 * says); `during(fn)` returns the statements run while `fn` was in flight.
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
  const server = await startServer(testConfig({ DATABASE_URL: url, ...env }), { orm });
  return new CountingServer(server, url, log, orm);
}
