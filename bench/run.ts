/**
 * `npm run bench [-- --only platform --variants a,b --skip-metrics --rounds 5 --seconds 2 --warmup 2 --settle 1 --connections 20 --out file.md --annotate notes.md]`
 * `npm run bench -- --only fanout --merge [--annotate notes.md]` (the scenario's rows replace theirs in latest.md)
 * `node dist-bench/bench/run.js --rerender bench/results/partial.json --merge --annotate notes.md` (merge that run again, with a reading)
 * `node dist-bench/bench/run.js --rerender bench/results/latest.json --annotate notes.md [--out file.md]`
 *
 * `npm run bench` builds our server (`npm run build`) and the bench (`tsc -p bench/tsconfig.json`
 * into dist-bench/), then runs this file compiled: it starts a database (DATABASE_URL or a throwaway
 * embedded PostgreSQL) and the load generator, runs every scenario of bench/scenarios/index.ts
 * (setup → interleaved rounds → fixed-rate rounds → metrics → teardown) and writes
 * bench/results/latest.md (a full run) plus raw JSON beside it (gitignored). Every server runs in a
 * process of its own (bench/lib.ts).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { BenchEnv, BenchOptions, InterchangeServer, REPO_ROOT, Scenario, startBaseline, startDatabase, startInterchange } from './lib';
import { CpuProbe } from './cpu';
import { LoadGenerator, measureInterleaved, RoundContext } from './runner';
import { evaluateMetric, evaluateRatio, mergeMarkdown, renderMarkdown, RunInfo, ScenarioResult } from './report';
import { scenarios } from './scenarios';

interface Args {
  options: BenchOptions;
  only?: string[];
  /** measure only these variants (and the ratios between them) */
  variants?: string[];
  skipMetrics: boolean;
  out?: string;
  /** a markdown file of the engineer's reading of the run, rendered under its own heading */
  annotate?: string;
  /** no measuring: render the report again from a run's raw JSON (e.g. to add --annotate) */
  rerender?: string;
  /** a partial run's scenarios replace their rows in latest.md (or --out), the rest of it kept (report.ts mergeMarkdown) */
  merge: boolean;
}

function parseArgs(argv: string[]): Args {
  const args = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const eq = a.indexOf('=');
    if (eq > 0) args.set(a.slice(2, eq), a.slice(eq + 1));
    else if (a === '--skip-metrics' || a === '--merge') args.set(a.slice(2), 'true');
    else args.set(a.slice(2), argv[++i] ?? '');
  }
  const known = ['only', 'variants', 'skip-metrics', 'rounds', 'seconds', 'warmup', 'settle', 'connections', 'out', 'annotate', 'rerender', 'merge'];
  for (const k of args.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k} (known: ${known.map((x) => `--${x}`).join(' ')})`);
  const int = (name: string, def: number, min: number) => {
    const raw = args.get(name);
    if (raw === undefined) return def;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number ≥ ${min}`);
    return n;
  };
  return {
    options: {
      rounds: int('rounds', 5, 1),
      seconds: int('seconds', 2, 1),
      warmupSeconds: int('warmup', 2, 0),
      settleSeconds: int('settle', 1, 0),
      connections: int('connections', 20, 1),
    },
    only: list(args.get('only')),
    variants: list(args.get('variants')),
    skipMetrics: args.has('skip-metrics'),
    out: args.get('out'),
    annotate: args.get('annotate'),
    rerender: args.get('rerender'),
    merge: args.has('merge'),
  };
}

function list(raw: string | undefined): string[] | undefined {
  return raw
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

function gitCommit(): string {
  try {
    const sha = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    return dirty ? `${sha} (with uncommitted changes)` : sha;
  } catch {
    return 'unknown';
  }
}

const log = (line: string) => console.log(`[bench] ${line}`);

async function main(): Promise<void> {
  const { options, only, variants, skipMetrics, out, annotate, rerender, merge } = parseArgs(process.argv.slice(2));
  if (merge && !rerender && (!only || variants || skipMetrics))
    throw new Error('--merge takes --only NAME[,NAME] and measures the whole of those scenarios (no --variants or --skip-metrics), or --rerender bench/results/partial.json');
  const annotation = annotate ? readFileSync(annotate, 'utf8') : undefined;
  if (rerender) {
    const { info, results } = JSON.parse(readFileSync(rerender, 'utf8')) as { info: RunInfo; results: ScenarioResult[] };
    const target = out ?? join(REPO_ROOT, 'bench', 'results', 'latest.md');
    // a partial run's JSON merged again (e.g. with its --annotate written after the run)
    if (merge)
      writeFileSync(
        target,
        mergeMarkdown(
          readFileSync(target, 'utf8'),
          info,
          results.filter((r) => !r.error),
          annotation,
        ),
      );
    else writeFileSync(target, renderMarkdown(info, results, annotation) + '\n');
    log(`rendered ${rerender} to ${target}`);
    return;
  }
  const partial = !!(only || variants || skipMetrics);
  const selected: Scenario[] = only ? scenarios.filter((s) => only.includes(s.name)) : scenarios;
  if (only) {
    const unknown = only.filter((n) => !scenarios.some((s) => s.name === n));
    if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')} (known: ${scenarios.map((s) => s.name).join(', ')})`);
  }
  const started = performance.now();
  const loadavgStart = os.loadavg();
  const cleanups: (() => unknown)[] = [];
  const runCleanups = async (list: (() => unknown)[]) => {
    while (list.length) {
      const fn = list.pop()!;
      try {
        await fn();
      } catch (err) {
        log(`cleanup failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  let interrupted = false;
  process.once('SIGINT', () => {
    interrupted = true;
    log('interrupted: cleaning up');
    void runCleanups(cleanups).finally(() => process.exit(130));
  });

  const db = await startDatabase(log);
  cleanups.push(() => db.stop());
  log(db.description);
  const loadgen = new LoadGenerator();
  await loadgen.start();
  cleanups.push(() => loadgen.stop());
  const cpu = new CpuProbe(db.adminUrl);
  await cpu.start();
  cleanups.push(() => cpu.stop());
  const rounds: RoundContext = { options, loadgen, cpu };

  let shared: Promise<InterchangeServer> | undefined;
  const results: ScenarioResult[] = [];
  for (const scenario of selected) {
    if (interrupted) break;
    log(`scenario ${scenario.name}: ${scenario.title}`);
    const deferred: (() => unknown)[] = [];
    const env: BenchEnv = {
      options,
      adminDatabaseUrl: db.adminUrl,
      createDatabase: (prefix) => db.createDatabase(prefix),
      interchange: () =>
        (shared ??= (async () => {
          const s = await startInterchange('ix', await db.createDatabase('ix_bench'));
          cleanups.push(() => s.stop());
          return s;
        })()),
      startInterchange: async (o = {}) => {
        const s = await startInterchange(o.name ?? `ix-${scenario.name}`, o.databaseUrl ?? (await db.createDatabase('ix_bench')), o.env, o.memory);
        deferred.push(() => s.stop());
        return s;
      },
      startBaseline: async (o) => {
        const s = await startBaseline(o);
        deferred.push(() => s.stop());
        return s;
      },
      defer: (fn) => void deferred.push(fn),
      log: (line) => log(`  ${line}`),
    };
    const result: ScenarioResult = { name: scenario.name, title: scenario.title, variants: [], ratios: [], metrics: [], fixedRate: [], notes: [] };
    results.push(result);
    try {
      const plan = await scenario.setup(env);
      result.notes = plan.notes ?? [];
      const measured = variants ? plan.variants.filter((v) => variants.includes(v.id)) : plan.variants;
      if (measured.length) {
        result.variants = await measureInterleaved(measured, rounds, log);
        result.ratios = plan.ratios.filter((r) => !variants || (variants.includes(r.ours) && variants.includes(r.baseline))).map((r) => evaluateRatio(r, result.variants));
        const atRate = plan.fixedRate ? measured.filter((v) => plan.fixedRate!.variants.includes(v.id)) : [];
        if (atRate.length) result.fixedRate = await measureInterleaved(atRate, { ...rounds, rate: plan.fixedRate!.rate }, log);
      }
      if (plan.metrics && !skipMetrics) {
        log(`  metrics`);
        result.metrics = (await plan.metrics()).map(evaluateMetric);
      }
    } catch (err) {
      result.error = err instanceof Error ? (err.stack ?? err.message) : String(err);
      log(`scenario ${scenario.name} failed: ${result.error}`);
    } finally {
      await runCleanups(deferred);
    }
    for (const r of result.ratios) {
      log(
        `  ${r.name}: CPU-based ${r.cpuValue?.toFixed(2) ?? '—'}, throughput ${r.value?.toFixed(2) ?? '—'} (target ${r.target ?? '—'}) ${r.verdict}${r.reason ? `: ${r.reason}` : ''}`,
      );
    }
    for (const m of result.metrics) log(`  ${m.name}: ${m.value.toFixed(1)} ${m.unit} ${m.verdict}`);
  }
  await runCleanups(cleanups);

  const cpus = os.cpus();
  const info: RunInfo = {
    date: new Date().toISOString(),
    cpu: cpus[0]?.model ?? 'unknown',
    cores: cpus.length,
    memoryGiB: os.totalmem() / 2 ** 30,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    database: db.description,
    pgCpuMeasured: cpu.pgReadable,
    commit: gitCommit(),
    loadavgStart,
    loadavgEnd: os.loadavg(),
    durationSeconds: (performance.now() - started) / 1000,
    options,
  };
  const markdown = merge ? undefined : renderMarkdown(info, results, annotation);
  const dir = join(REPO_ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const full = !partial;
  if (merge) {
    // only scenarios that ran to the end replace rows: a failed one leaves the report as it was
    const mdPath = out ?? join(dir, 'latest.md');
    const done = results.filter((r) => !r.error);
    writeFileSync(join(dir, 'partial.json'), JSON.stringify({ info, results }, null, 2) + '\n');
    console.log('\n' + renderMarkdown(info, results, annotation));
    if (done.length) {
      writeFileSync(mdPath, mergeMarkdown(readFileSync(mdPath, 'utf8'), info, done, annotation));
      log(`merged ${done.map((r) => r.name).join(', ')} into ${mdPath}`);
    } else log(`nothing merged: ${mdPath} left as it was`);
  } else {
    const mdPath = out ?? (full ? join(dir, 'latest.md') : undefined);
    if (mdPath) writeFileSync(mdPath, markdown + '\n');
    writeFileSync(join(dir, full ? 'latest.json' : 'partial.json'), JSON.stringify({ info, results }, null, 2) + '\n');
    console.log('\n' + markdown);
    if (mdPath) log(`written to ${mdPath}`);
    else log('a partial run: bench/results/latest.md left as it was; pass --out FILE to keep this report, or --merge to replace its rows in latest.md');
  }
  // Missed targets are results, not errors; a scenario that could not run or a variant with failed responses is.
  process.exit(results.some((r) => r.error || r.ratios.some((x) => x.verdict === 'FAILED') || r.fixedRate.some((v) => !v.ok)) ? 1 : 0);
}

main().catch((err) => {
  console.error('[bench] failed:', err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
