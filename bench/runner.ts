/**
 * Measures a scenario's variants in interleaved rounds: two warm-up passes, then round after
 * round of every variant (A B C, C B A, A B C, …: the order alternates so drift on a shared machine
 * falls on every variant alike). HTTP variants are loaded by autocannon in a child process
 * (bench/loadgen.ts) against servers in processes of their own, whose CPU (and their PostgreSQL
 * backends') is read around every round (bench/cpu.ts); function variants run in closed loops here.
 * Totals are summed over the rounds. The same machinery runs the fixed-rate latency rounds.
 */
import { fork, ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { CpuProbe } from './cpu';
import type { BenchOptions, HttpVariant, Variant } from './lib';
import { BENCH_BUILD, REPO_ROOT } from './lib';
import type { ChildMessage, LoadRequest, ParentMessage, RoundResult } from './loadgen';

export interface VariantResult {
  id: string;
  label: string;
  kind: 'http' | 'function';
  target: string;
  concurrency: number;
  requests: number;
  seconds: number;
  /** requests (or operations) per second over every measured round */
  rps: number;
  roundRps: number[];
  /** requests per second asked of the load generator (a fixed-rate run); undefined: saturation */
  rate?: number;
  /**
   * CPU time per request, in ms, of the server's process (all threads; for a function variant, the
   * bench process): much steadier than req/s on a shared machine. The load generator's is not in it.
   */
  cpuMsPerRequest: number;
  /** CPU time per request of the PostgreSQL backends serving it (undefined: not measurable, or no database) */
  pgCpuMsPerRequest?: number;
  /**
   * the server's CPU per request in the unmeasured settle runs before the rounds (`BenchOptions.settleSeconds`;
   * undefined: none): how much a round costs when its process has idled while the other variants ran
   */
  settleCpuMsPerRequest?: number;
  /** its server has database connections (so a missing pgCpuMsPerRequest means "not measurable") */
  hasDatabase: boolean;
  latency: { mean: number; p50: number; p99: number; max: number };
  badStatus: number;
  badBody: number;
  socketErrors: number;
  statusCounts: Record<string, number>;
  samples: string[];
  /** no failed response and at least one success */
  ok: boolean;
}

/** The autocannon process; one for the whole run. */
export class LoadGenerator {
  private child?: ChildProcess;
  private nextId = 1;
  private pending = new Map<number, { resolve: (r: RoundResult) => void; reject: (e: Error) => void }>();

  async start(): Promise<void> {
    const child = fork(join(BENCH_BUILD, 'loadgen.js'), [], {
      cwd: REPO_ROOT,
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    await new Promise<void>((resolve, reject) => {
      child.on('message', (m: ChildMessage) => {
        if (m.type === 'ready') return resolve();
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.result) p.resolve(m.result);
        else p.reject(new Error(m.error ?? 'load generator failed'));
      });
      child.once('exit', (code) => {
        const err = new Error(`load generator exited with ${code}`);
        reject(err);
        for (const p of this.pending.values()) p.reject(err);
        this.pending.clear();
      });
    });
  }

  run(request: LoadRequest): Promise<RoundResult> {
    if (!this.child) throw new Error('load generator not started');
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child!.send({ type: 'run', id, request } satisfies ParentMessage);
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    child.send({ type: 'exit' } satisfies ParentMessage);
    await exited;
  }
}

function assertLocal(url: string): void {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error(`bench traffic goes to 127.0.0.1 only, not ${url}`);
}

export function loadRequest(v: HttpVariant, seconds: number, options: BenchOptions, rate?: number): LoadRequest {
  assertLocal(v.url);
  const headers = { ...(v.headers ?? {}) };
  let body: string | undefined;
  if (typeof v.body === 'string') body = v.body;
  else if (v.body !== undefined) {
    body = JSON.stringify(v.body);
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = 'application/json';
  }
  return {
    url: v.url,
    method: v.method ?? (body === undefined ? 'GET' : 'POST'),
    headers,
    body,
    connections: v.connections ?? options.connections,
    seconds,
    expect: v.expect ?? { status: 200 },
    headerSets: v.headerSets,
    rate,
    drain: v.drain,
  };
}

/** `concurrency` loops calling the operation until the time is up. */
async function runFunctionRound(call: () => Promise<unknown>, concurrency: number, seconds: number): Promise<RoundResult> {
  const latencies: number[] = [];
  const samples: string[] = [];
  let failures = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        if ((await call()) === false) {
          failures++;
          if (samples.length < 3) samples.push('returned false');
        }
      } catch (err) {
        failures++;
        if (samples.length < 3) samples.push(err instanceof Error ? err.message : String(err));
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return {
    requests: latencies.length,
    seconds: (performance.now() - started) / 1000,
    badStatus: 0,
    badBody: failures,
    socketErrors: 0,
    statusCounts: {},
    samples,
    latencies,
  };
}

type MeasuredRound = RoundResult & { cpuMs: number; pgCpuMs?: number };

/** What a round needs besides the variant. */
export interface RoundContext {
  options: BenchOptions;
  loadgen: LoadGenerator;
  cpu: CpuProbe;
  /** a fixed-rate run: requests per second */
  rate?: number;
}

async function runRound(v: Variant, seconds: number, c: RoundContext): Promise<MeasuredRound> {
  if (v.kind === 'function') {
    const cpu = process.cpuUsage();
    const r = await runFunctionRound(v.call, v.concurrency ?? c.options.connections, seconds);
    const used = process.cpuUsage(cpu);
    return { ...r, cpuMs: (used.user + used.system) / 1000 };
  }
  const before = await c.cpu.snapshot(v.server);
  const r = await c.loadgen.run(loadRequest(v, seconds, c.options, c.rate));
  const used = await c.cpu.since(v.server, before);
  return { ...r, cpuMs: used.nodeMs, pgCpuMs: used.pgMs };
}

function percentile(sorted: Float64Array, p: number): number {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summarize(v: Variant, rounds: MeasuredRound[], options: BenchOptions, rate?: number, settles: MeasuredRound[] = []): VariantResult {
  const settled = settles.reduce((n, r) => n + r.requests, 0);
  const requests = rounds.reduce((s, r) => s + r.requests, 0);
  const seconds = rounds.reduce((s, r) => s + r.seconds, 0);
  const all = new Float64Array(rounds.reduce((s, r) => s + r.latencies.length, 0));
  let i = 0;
  for (const r of rounds) for (const l of r.latencies) all[i++] = l;
  all.sort();
  const statusCounts: Record<string, number> = {};
  for (const r of rounds) for (const [k, n] of Object.entries(r.statusCounts)) statusCounts[k] = (statusCounts[k] ?? 0) + n;
  const badStatus = rounds.reduce((s, r) => s + r.badStatus, 0);
  const badBody = rounds.reduce((s, r) => s + r.badBody, 0);
  const socketErrors = rounds.reduce((s, r) => s + r.socketErrors, 0);
  const samples = [...new Set(rounds.flatMap((r) => r.samples))].slice(0, 3);
  const isFn = v.kind === 'function';
  return {
    id: v.id,
    label: v.label,
    kind: isFn ? 'function' : 'http',
    target: isFn ? 'in-process' : `${loadRequest(v, 1, options).method} ${new URL(v.url).pathname}`,
    concurrency: isFn ? (v.concurrency ?? options.connections) : (v.connections ?? options.connections),
    requests,
    seconds,
    rps: seconds > 0 ? requests / seconds : 0,
    roundRps: rounds.map((r) => (r.seconds > 0 ? r.requests / r.seconds : 0)),
    rate,
    hasDatabase: !isFn && !!v.server.appName,
    cpuMsPerRequest: requests > 0 ? rounds.reduce((s, r) => s + r.cpuMs, 0) / requests : 0,
    pgCpuMsPerRequest: requests > 0 && rounds.every((r) => r.pgCpuMs !== undefined) ? rounds.reduce((s, r) => s + r.pgCpuMs!, 0) / requests : undefined,
    settleCpuMsPerRequest: settled > 0 ? settles.reduce((s, r) => s + r.cpuMs, 0) / settled : undefined,
    latency: {
      mean: all.length ? all.reduce((s, x) => s + x, 0) / all.length : 0,
      p50: percentile(all, 50),
      p99: percentile(all, 99),
      max: all.length ? all[all.length - 1] : 0,
    },
    badStatus,
    badBody,
    socketErrors,
    statusCounts,
    samples,
    ok: requests > 0 && badStatus + badBody + socketErrors === 0,
  };
}

/**
 * Warm-up (unless a fixed-rate run, which follows the saturation rounds of the same variants), then
 * `options.rounds` interleaved rounds of every variant, each right after an unmeasured settle run of
 * that variant (`options.settleSeconds`), whose CPU per request is kept beside the rounds'.
 */
export async function measureInterleaved(variants: Variant[], c: RoundContext, log: (line: string) => void): Promise<VariantResult[]> {
  const { options } = c;
  const ids = new Set<string>();
  for (const v of variants) {
    if (ids.has(v.id)) throw new Error(`two variants with id "${v.id}"`);
    ids.add(v.id);
  }
  // Two unmeasured passes: the JIT settles for every variant, and settles again after the others ran.
  for (let pass = 0; pass < 2 && options.warmupSeconds > 0 && !c.rate; pass++) {
    const line: string[] = [];
    for (const v of variants) {
      const w = await runRound(v, options.warmupSeconds, c);
      const bad = w.badStatus + w.badBody + w.socketErrors;
      line.push(`${v.id} ${(w.requests / w.seconds).toFixed(0)}/s${bad ? ` (${bad} failed: ${w.samples[0] ?? ''})` : ''}`);
    }
    log(`  warm-up ${pass + 1}/2: ${line.join(', ')}`);
  }
  const perVariant = new Map<string, MeasuredRound[]>(variants.map((v) => [v.id, []]));
  const settles = new Map<string, MeasuredRound[]>(variants.map((v) => [v.id, []]));
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    const line: string[] = [];
    for (const v of order) {
      let settle = '';
      if (options.settleSeconds > 0) {
        const s = await runRound(v, options.settleSeconds, c);
        settles.get(v.id)!.push(s);
        if (s.requests) settle = ` (settle ${(s.cpuMs / s.requests).toFixed(2)})`;
      }
      const r = await runRound(v, options.seconds, c);
      perVariant.get(v.id)!.push(r);
      const bad = r.badStatus + r.badBody + r.socketErrors;
      const cpu = r.requests ? `${(r.cpuMs / r.requests).toFixed(2)}${r.pgCpuMs !== undefined ? `+${(r.pgCpuMs / r.requests).toFixed(2)} pg` : ''}` : '-';
      line.push(`${v.id} ${(r.requests / r.seconds).toFixed(0)}/s ${cpu} ms cpu${settle}${bad ? ` (${bad} failed)` : ''}`);
    }
    log(`  ${c.rate ? `fixed ${c.rate}/s ` : ''}round ${round + 1}/${options.rounds}: ${line.join(', ')}`);
  }
  return variants.map((v) => summarize(v, perVariant.get(v.id)!, options, c.rate, settles.get(v.id)));
}
