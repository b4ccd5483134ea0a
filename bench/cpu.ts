/**
 * CPU time per process, read from /proc/<pid>/stat (user + system, all threads) before and after a
 * round: of the server process under test and of the PostgreSQL backends that serve it. Every server
 * the bench starts has its own `application_name` (PGAPPNAME, which node-pg reads), so its backends
 * are the rows of pg_stat_activity with that name; the embedded PostgreSQL runs on this machine, so
 * their /proc entries are readable. With a DATABASE_URL elsewhere they are not, and the report says
 * PostgreSQL's CPU was not measured.
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';

/** USER_HZ: /proc reports CPU time in ticks of 1/100 s on Linux (sysconf(_SC_CLK_TCK)). */
const TICK_MS = 10;

/** utime + stime of a process in ms, or undefined when it is not readable (gone, or not on this machine). */
export function processCpuMs(pid: number): number | undefined {
  const split = processCpuSplitMs(pid);
  return split && split.user + split.system;
}

/** A process's user and system time (all threads) in milliseconds, apart; undefined when it is gone. */
export function processCpuSplitMs(pid: number): { user: number; system: number } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) * TICK_MS, system: Number(fields[12]) * TICK_MS };
}

/** What a variant's CPU is read from: the server's process and its PostgreSQL backends. */
export interface CpuSubject {
  pid: number;
  /** the application_name of its database connections (none: it has no database work) */
  appName?: string;
}

export interface CpuSnapshot {
  node: number;
  /** backend pid → CPU ms */
  pg: Map<number, number>;
}

export interface CpuDelta {
  nodeMs: number;
  /** undefined when PostgreSQL's backends are not readable */
  pgMs?: number;
}

/** Whether `pid` is a PostgreSQL process of this machine (its command line names postgres). */
function isLocalPostgres(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('postgres');
  } catch {
    return false;
  }
}

export class CpuProbe {
  private client?: Client;
  /**
   * whether PostgreSQL's backends are processes of this machine, decided once at start from the probe's
   * own backend. A backend that ends between pg_stat_activity's answer and the read of its /proc entry
   * is gone, not unreadable: it was a single such race that once turned this off for the rest of a run
   * (every later scenario lost its PostgreSQL CPU).
   */
  pgReadable = false;

  constructor(private readonly adminUrl: string) {}

  async start(): Promise<void> {
    this.client = new Client({ connectionString: this.adminUrl, application_name: 'ix-bench-probe' });
    await this.client.connect();
    const { rows } = await this.client.query<{ pid: number }>('select pg_backend_pid() as pid');
    this.pgReadable = isLocalPostgres(rows[0].pid);
  }

  async stop(): Promise<void> {
    await this.client?.end().catch(() => undefined);
  }

  private async backends(appName: string): Promise<number[]> {
    const { rows } = await this.client!.query<{ pid: number }>('select pid from pg_stat_activity where application_name = $1', [appName]);
    return rows.map((r) => r.pid);
  }

  async snapshot(subject: CpuSubject): Promise<CpuSnapshot> {
    const pg = new Map<number, number>();
    if (subject.appName && this.pgReadable) {
      for (const pid of await this.backends(subject.appName)) {
        const ms = processCpuMs(pid);
        // undefined: the backend ended since pg_stat_activity listed it
        if (ms !== undefined) pg.set(pid, ms);
      }
    }
    return { node: processCpuMs(subject.pid) ?? NaN, pg };
  }

  /**
   * CPU used since `before`. A backend that appeared during the round counts from zero (its whole
   * life is in the round); one that ended during it is lost (pools keep theirs open, so rarely).
   */
  async since(subject: CpuSubject, before: CpuSnapshot): Promise<CpuDelta> {
    const after = await this.snapshot(subject);
    let pgMs = 0;
    for (const [pid, ms] of after.pg) pgMs += ms - (before.pg.get(pid) ?? 0);
    return { nodeMs: after.node - before.node, pgMs: subject.appName && this.pgReadable ? pgMs : undefined };
  }
}
