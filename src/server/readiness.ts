/**
 * The database half of /readyz (and of the surfaces' own health routes, src/rest/engine/health.ts) on
 * a connection of its own (`interchange-readyz`), not the request pool: with every pooled connection
 * waiting on a lock, a probe that waited in the same queue hung as long as the requests did (issue 11,
 * 13.8 s). One statement answers both questions (reachable, every migration applied) within
 * READY_LIMIT_MS; past it, or on any connection error, the database counts as unreachable and the
 * connection is replaced on the next probe. Probes that arrive together share one statement.
 */
import { Client } from 'pg';
import { migrationsList } from '../../migrations';

export interface DatabaseState {
  reachable: boolean;
  migrated: boolean;
}

/** How long a probe may take: a balancer's check must not hang (issue 11: "a 2 s limit"). */
export const READY_LIMIT_MS = 2_000;

const MIGRATIONS = migrationsList.map((m) => m.name);
const APPLIED = 'select count(distinct name)::int as applied from mikro_orm_migrations where name = any($1::text[])';

export class ReadinessProbe {
  private client: Client | undefined;
  private running: Promise<DatabaseState> | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly limitMs = READY_LIMIT_MS,
  ) {}

  check(): Promise<DatabaseState> {
    return (this.running ??= this.probe().finally(() => (this.running = undefined)));
  }

  close(): void {
    this.drop();
  }

  private async probe(): Promise<DatabaseState> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), this.limitMs)));
    try {
      const state = await Promise.race([this.query(), late]);
      if (state) return state;
      this.drop();
    } catch {
      this.drop();
    } finally {
      clearTimeout(timer);
    }
    return { reachable: false, migrated: false };
  }

  private async query(): Promise<DatabaseState> {
    if (!this.client) {
      const client = new Client({
        connectionString: this.databaseUrl,
        application_name: 'interchange-readyz',
        connectionTimeoutMillis: this.limitMs,
        statement_timeout: this.limitMs,
        lock_timeout: this.limitMs,
      });
      client.on('error', () => this.drop(client));
      this.client = client;
      await client.connect();
    }
    try {
      const { rows } = await this.client.query<{ applied: number }>(APPLIED, [MIGRATIONS]);
      return { reachable: true, migrated: rows[0].applied === MIGRATIONS.length };
    } catch (err) {
      // the server answered (no migrations table yet, a canceled statement): reachable, not migrated
      if (typeof (err as { code?: unknown }).code === 'string' && (err as { code: string }).code !== '57P01') return { reachable: true, migrated: false };
      throw err;
    }
  }

  private drop(client = this.client): void {
    if (!client) return;
    if (this.client === client) this.client = undefined;
    client.end().catch(() => undefined);
  }
}
