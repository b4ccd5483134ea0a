/**
 * Prometheus metrics (issue 15), on prom-client with one Registry per server instance (tests run several
 * servers in one process; prom-client's global registry would mix them). Served at `GET /metrics` on the
 * main port when METRICS_ENABLED=true (src/server/server.ts), behind `Authorization: Bearer
 * <METRICS_TOKEN>` when a token is set.
 *
 * Labels are bounded: HTTP requests are labelled by route template (`/conduct/api/events/:eventId`,
 * never the raw path, whose ids would make a series per row), GraphQL operations by name with at most
 * MAX_OPERATION_NAMES distinct names (clients choose names; later ones count as `(other)`).
 * Counters move where the event happens (requests, operations, logins, refusals); gauges of state
 * (sockets, subscriptions, streams, fan-out groups, listeners, pools) are read at scrape time from the
 * parts that own the state (`sources`), so nothing keeps a second count that could drift.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

const MAX_OPERATION_NAMES = 200;

export type RateLimit = 'login' | 'password_reset' | 'sse_streams' | 'ws_connections' | 'ws_subscriptions';
export type LoginOutcome = 'ok' | 'failed' | 'second_factor';

/** What the scrape reads from the parts that own the state (set by the server once it is assembled). */
export interface MetricSources {
  ws?: () => { connections: number; subscriptions: number };
  sseStreams?: () => number;
  fanout?: () => { groups: number; subscribers: number; executed: number; shared: number };
  /** per backend connection (postgres listener, redis subscriber): up or down */
  listeners?: () => { backend: string; up: boolean }[];
  /** per pool (orm, prepared, publisher): connections in use, idle, and requests waiting for one */
  pools?: () => { pool: string; used: number; free: number; pending: number }[];
}

export class Metrics {
  readonly registry = new Registry();
  sources: MetricSources = {};
  private readonly operationNames = new Set<string>();

  private readonly httpDuration = new Histogram({
    name: 'interchange_http_request_duration_seconds',
    help: 'HTTP requests by transport (graphql, rest, http), method, route template and status: time to the end of the response',
    labelNames: ['transport', 'method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });
  private readonly operations = new Counter({
    name: 'interchange_graphql_operations_total',
    help: 'GraphQL operations by transport (graphql, ws, rest, sse), type, name and outcome (ok, error: executed with errors, rejected: refused before execution)',
    labelNames: ['transport', 'type', 'operation', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly logins = new Counter({
    name: 'interchange_login_attempts_total',
    help: 'Login attempts by outcome (ok, failed, second_factor: password right, a two-factor code asked for); refused by the rate limit: interchange_rate_limited_total',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  private readonly rateLimited = new Counter({
    name: 'interchange_rate_limited_total',
    help: 'Requests refused by a rate limit or cap, by limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
    const sources = () => this.sources;
    new Gauge({
      name: 'interchange_ws_connections',
      help: 'Open graphql-ws sockets',
      registers: [this.registry],
      collect() {
        this.set(sources().ws?.().connections ?? 0);
      },
    });
    new Gauge({
      name: 'interchange_ws_subscriptions',
      help: 'Subscriptions running on graphql-ws sockets',
      registers: [this.registry],
      collect() {
        this.set(sources().ws?.().subscriptions ?? 0);
      },
    });
    new Gauge({
      name: 'interchange_sse_streams',
      help: 'Open Server-Sent Event streams of the REST surfaces',
      registers: [this.registry],
      collect() {
        this.set(sources().sseStreams?.() ?? 0);
      },
    });
    new Gauge({
      name: 'interchange_fanout_groups',
      help: 'Groups of subscribers whose events execute once per group (src/server/fanout.ts)',
      registers: [this.registry],
      collect() {
        this.set(sources().fanout?.().groups ?? 0);
      },
    });
    new Gauge({
      name: 'interchange_fanout_subscribers',
      help: 'Subscribers in fan-out groups',
      registers: [this.registry],
      collect() {
        this.set(sources().fanout?.().subscribers ?? 0);
      },
    });
    new Gauge({
      name: 'interchange_fanout_event_executions',
      help: 'Subscription events since start, by whether the group executed them or shared an execution (a counter read from the fan-out)',
      labelNames: ['kind'] as const,
      registers: [this.registry],
      collect() {
        const s = sources().fanout?.();
        this.set({ kind: 'executed' }, s?.executed ?? 0);
        this.set({ kind: 'shared' }, s?.shared ?? 0);
      },
    });
    new Gauge({
      name: 'interchange_listener_up',
      help: 'Backend listening connections by backend: 1 up, 0 down (reconnecting)',
      labelNames: ['backend'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const l of sources().listeners?.() ?? []) this.set({ backend: l.backend }, l.up ? 1 : 0);
      },
    });
    new Gauge({
      name: 'interchange_db_pool_connections',
      help: 'Database pool connections by pool (orm, prepared, publisher) and state (used, free, pending: requests waiting for a connection)',
      labelNames: ['pool', 'state'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const p of sources().pools?.() ?? []) {
          this.set({ pool: p.pool, state: 'used' }, p.used);
          this.set({ pool: p.pool, state: 'free' }, p.free);
          this.set({ pool: p.pool, state: 'pending' }, p.pending);
        }
      },
    });
  }

  /** One HTTP request answered (SSE streams are counted by their gauge, not timed: they last). */
  observeHttp(labels: { transport: string; method: string; route: string; status: number }, seconds: number): void {
    this.httpDuration.observe({ ...labels, status: String(labels.status) }, seconds);
  }

  /** One GraphQL operation, executed (ok or error) or refused before execution (rejected). */
  countOperation(labels: { transport: string; type: string; operation: string | undefined; outcome: 'ok' | 'error' | 'rejected' }): void {
    this.operations.inc({ ...labels, operation: this.operationLabel(labels.operation) });
  }

  countLogin(outcome: LoginOutcome): void {
    this.logins.inc({ outcome });
  }

  countRateLimited(limit: RateLimit): void {
    this.rateLimited.inc({ limit });
  }

  /** The text exposition of every metric. */
  scrape(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private operationLabel(name: string | undefined): string {
    const n = name || '(anonymous)';
    if (this.operationNames.has(n)) return n;
    if (this.operationNames.size >= MAX_OPERATION_NAMES) return '(other)';
    this.operationNames.add(n);
    return n;
  }
}
