/** Turns a run's results into ratios with pass/fail and renders bench/results/latest.md. */
import type { BenchOptions, Metric, Ratio } from './lib';
import type { VariantResult } from './runner';

export type Verdict = 'pass' | 'MISS' | 'FAILED' | 'info';

export interface RatioResult extends Ratio {
  /** ours ÷ baseline in requests per second (saturation) */
  value?: number;
  /**
   * baseline CPU per request ÷ ours, each the server's process plus its PostgreSQL backends: the
   * primary figure (what a request costs the machine, much less sensitive to other load than req/s)
   */
  cpuValue?: number;
  /** the same with the node processes' CPU only */
  nodeCpuValue?: number;
  /** the ratio of each round's pair (spread on a noisy machine) */
  roundRatios: number[];
  verdict: Verdict;
  reason?: string;
}

export interface MetricResult extends Metric {
  verdict: Verdict;
}

export interface ScenarioResult {
  name: string;
  title: string;
  variants: VariantResult[];
  ratios: RatioResult[];
  metrics: MetricResult[];
  /** the fixed-rate latency run (ScenarioPlan.fixedRate) */
  fixedRate: VariantResult[];
  notes: string[];
  /** the scenario could not run (setup or metrics threw) */
  error?: string;
}

export interface RunInfo {
  date: string;
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  database: string;
  /** whether PostgreSQL backends' CPU could be read (the embedded server runs on this machine) */
  pgCpuMeasured: boolean;
  commit: string;
  loadavgStart: number[];
  loadavgEnd: number[];
  durationSeconds: number;
  options: BenchOptions;
}

export function evaluateRatio(ratio: Ratio, variants: VariantResult[]): RatioResult {
  const ours = variants.find((v) => v.id === ratio.ours);
  const base = variants.find((v) => v.id === ratio.baseline);
  if (!ours || !base) {
    return { ...ratio, roundRatios: [], verdict: 'FAILED', reason: `unknown variant ${!ours ? ratio.ours : ratio.baseline}` };
  }
  const roundRatios = ours.roundRps.map((r, i) => (base.roundRps[i] ? r / base.roundRps[i] : 0));
  const failed = [ours, base].filter((v) => !v.ok);
  if (failed.length) {
    return {
      ...ratio,
      roundRatios,
      verdict: 'FAILED',
      reason: failed.map((v) => `${v.id}: ${failureText(v)}`).join('; '),
    };
  }
  if (ours.concurrency !== base.concurrency) {
    return { ...ratio, value: ours.rps / base.rps, roundRatios, verdict: 'FAILED', reason: `different concurrency (${ours.concurrency} vs ${base.concurrency})` };
  }
  const value = ours.rps / base.rps;
  const nodeCpuValue = ours.cpuMsPerRequest > 0 ? base.cpuMsPerRequest / ours.cpuMsPerRequest : undefined;
  const oursTotal = totalCpu(ours);
  const baseTotal = totalCpu(base);
  const cpuValue = oursTotal && baseTotal ? baseTotal / oursTotal : undefined;
  const primary = cpuValue ?? value;
  const verdict: Verdict = ratio.target === undefined ? 'info' : primary >= ratio.target ? 'pass' : 'MISS';
  return { ...ratio, value, cpuValue, nodeCpuValue, roundRatios, verdict };
}

/**
 * CPU per request of the server process plus its PostgreSQL backends. A side without a database
 * (stock `{ hello }`, in-process argon2) counts its process alone; a side whose backends could not be
 * read has no total (the ratio then falls back to throughput).
 */
export function totalCpu(v: VariantResult): number | undefined {
  if (v.cpuMsPerRequest <= 0) return undefined;
  if (v.pgCpuMsPerRequest === undefined) return v.kind === 'function' || !v.hasDatabase ? v.cpuMsPerRequest : undefined;
  return v.cpuMsPerRequest + v.pgCpuMsPerRequest;
}

export function evaluateMetric(m: Metric): MetricResult {
  if (m.max === undefined && m.min === undefined) return { ...m, verdict: 'info' };
  const ok = (m.max === undefined || m.value <= m.max) && (m.min === undefined || m.value >= m.min);
  return { ...m, verdict: ok ? 'pass' : 'MISS' };
}

export function failureText(v: VariantResult): string {
  if (v.requests === 0) return 'no response at all';
  const parts: string[] = [];
  if (v.badStatus)
    parts.push(
      `${v.badStatus} with an unexpected status (${Object.entries(v.statusCounts)
        .map(([k, n]) => `${k}×${n}`)
        .join(', ')})`,
    );
  if (v.badBody) parts.push(v.kind === 'function' ? `${v.badBody} calls failed` : `${v.badBody} failed the body check`);
  if (v.socketErrors) parts.push(`${v.socketErrors} socket errors or timeouts`);
  return `${parts.join(', ')} of ${v.requests}${v.samples.length ? ` — e.g. ${v.samples[0].replace(/\|/g, '\\|').replace(/\s+/g, ' ').slice(0, 160)}` : ''}`;
}

const f = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const cell = (s: string) => s.replace(/\|/g, '\\|');

function targetText(r: { target?: number; max?: number; min?: number; unit?: string }): string {
  if ('target' in r && r.target !== undefined) return `≥ ${r.target.toFixed(2)}`;
  if (r.max !== undefined) return `≤ ${r.max} ${r.unit ?? ''}`.trim();
  if (r.min !== undefined) return `≥ ${r.min} ${r.unit ?? ''}`.trim();
  return '—';
}

function verdictText(v: Verdict): string {
  return v === 'pass' ? 'pass' : v === 'MISS' ? '**MISS**' : v === 'FAILED' ? '**FAILED**' : 'info';
}

/** `annotation`: the engineer's reading of the run (markdown), rendered under its own heading after the targets. */
export function renderMarkdown(info: RunInfo, scenarios: ScenarioResult[], annotation?: string): string {
  const o = info.options;
  const out: string[] = [];
  out.push('# Interchange benchmarks', '');
  out.push('Written by `npm run bench` (see bench/README.md). Do not edit by hand: pass `--annotate FILE` to add a reading of the run.', '');
  out.push(`- Date: ${info.date}`);
  out.push(`- Commit: ${info.commit}`);
  out.push(`- Machine: ${info.cpu}, ${info.cores} cores, ${f(info.memoryGiB, 1)} GiB memory, ${info.platform}`);
  out.push(
    `- Node ${info.node}; ${info.database}; PostgreSQL backends' CPU ${info.pgCpuMeasured ? "measured (/proc of the backends named by each server's application_name)" : '**not measured** (the database is not on this machine): CPU-based ratios count the node processes only'}`,
  );
  out.push(
    `- Method: ${o.rounds} interleaved rounds of ${o.seconds} s per variant after two warm-up passes of ${o.warmupSeconds} s, order alternating (A B C, C B A, …)` +
      (o.settleSeconds
        ? `, each round right after ${o.settleSeconds} s of the same variant unmeasured (settle: a process that idled while the other variants ran re-warms there, not in the round; its CPU per request is the "settle" column); `
        : '; ') +
      `every server (ours and each baseline) in a process of its own, plain node on compiled JavaScript; ` +
      `HTTP load by autocannon in a separate process (variants marked \`drain\`, the login: closed loops of the load generator's own that answer and count the requests in flight at the end of a round, as function variants do); every response checked for its status and body (GraphQL: \`data\` and no \`errors\`). ` +
      `Run time ${f(info.durationSeconds)} s; load average ${info.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at the start, ${info.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} at the end.`,
  );
  out.push('');
  out.push(
    "> The machine is shared (its cores serve other engineers' builds and tests at the same time), so absolute numbers are noisy " +
      'and differ from run to run. Ratios are what to read: both sides of a ratio were measured in the same run, round by round, ' +
      'so drift falls on both alike. The verdict uses the CPU-based ratio (baseline CPU per request ÷ ours, each the server process ' +
      'plus its PostgreSQL backends, read from /proc around every round); the throughput ratio (req/s at saturation) and the spread of ' +
      'its per-round values stand beside it. A variant with any failed response is reported as FAILED, never as fast.',
  );
  out.push('');

  out.push('## Targets', '');
  out.push('| scenario | measure | ours ÷ baseline | CPU-based (node+pg) | target | result | throughput (req/s) | per-round range | CPU-based (node only) |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of scenarios) {
    if (s.error) out.push(`| ${s.name} | (scenario) | — | — | — | **FAILED** | ${cell(s.error.split('\n')[0].slice(0, 200))} | | |`);
    const fx = (n: number | undefined) => (n === undefined ? '—' : n.toFixed(2));
    for (const r of s.ratios) {
      const range = r.roundRatios.length ? `${Math.min(...r.roundRatios).toFixed(2)}–${Math.max(...r.roundRatios).toFixed(2)}` : '—';
      out.push(
        `| ${s.name} | ${cell(r.name)} | \`${r.ours}\` ÷ \`${r.baseline}\` | ${fx(r.cpuValue)} | ${targetText(r)} | ${verdictText(r.verdict)}${r.reason ? `: ${cell(r.reason)}` : ''} | ${fx(r.value)} | ${range} | ${fx(r.nodeCpuValue)} |`,
      );
    }
    for (const m of s.metrics) {
      out.push(
        `| ${s.name} | ${cell(m.name)} | — | ${f(m.value, m.value < 100 ? 1 : 0)} ${m.unit} | ${targetText(m)} | ${verdictText(m.verdict)} | ${m.detail ? cell(m.detail) : ''} | | |`,
      );
    }
  }
  out.push('');

  // the columns both variant tables share: CPU per request (node, pg) … latency … responses, failed
  if (annotation?.trim()) out.push('## Reading this run (written by the engineer who ran it)', '', annotation.trim(), '');

  const cpuCells = (v: VariantResult) =>
    `${f(v.cpuMsPerRequest, 3)} | ${v.pgCpuMsPerRequest === undefined ? '—' : f(v.pgCpuMsPerRequest, 3)} | ${v.settleCpuMsPerRequest === undefined ? '—' : f(v.settleCpuMsPerRequest, 3)}`;
  const tailCells = (v: VariantResult) => {
    const failed = v.badStatus + v.badBody + v.socketErrors;
    return `${f(v.latency.p50, 2)} | ${f(v.latency.p99, 2)} | ${f(v.latency.max, 1)} | ${f(v.requests)} | ${failed ? `**${f(failed)}**` : '0'}`;
  };
  out.push('## Saturation: throughput, CPU and latency', '');
  out.push(
    '| scenario | variant | target | concurrency | req/s | per-round req/s | CPU ms/req node | CPU ms/req pg | settle CPU ms/req node | mean ms | p50 ms | p99 ms | max ms | responses | failed |',
  );
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of scenarios) {
    for (const v of s.variants) {
      out.push(
        `| ${s.name} | \`${v.id}\`: ${cell(v.label)} | ${cell(v.target)} | ${v.concurrency} | ${f(v.rps, v.rps < 100 ? 1 : 0)} | ${v.roundRps.map((x) => f(x)).join(' / ')} | ${cpuCells(v)} | ${f(v.latency.mean, 2)} | ${tailCells(v)} |`,
      );
    }
  }
  out.push('');

  const fixed = scenarios.filter((s) => s.fixedRate.length);
  if (fixed.length) {
    out.push('## Fixed rate: latency below saturation', '');
    out.push(
      'The same variants at a set request rate over all connections (autocannon `overallRate`), after the saturation rounds, interleaved the same way. ' +
        "Latency is each response's time as the load generator saw it (no correction for coordinated omission: at these rates the servers keep up).",
      '',
    );
    out.push('| scenario | variant | asked req/s | served req/s | CPU ms/req node | CPU ms/req pg | settle CPU ms/req node | p50 ms | p99 ms | max ms | responses | failed |');
    out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const s of fixed) {
      for (const v of s.fixedRate) out.push(`| ${s.name} | \`${v.id}\`: ${cell(v.label)} | ${v.rate ?? '—'} | ${f(v.rps)} | ${cpuCells(v)} | ${tailCells(v)} |`);
    }
    out.push('');
  }

  const withNotes = scenarios.filter((s) => s.notes.length || s.variants.some((v) => !v.ok));
  if (withNotes.length) {
    out.push('## Notes', '');
    for (const s of withNotes) {
      out.push(`### ${s.name}: ${s.title}`, '');
      for (const n of s.notes) out.push(`- ${n}`);
      for (const v of s.variants.filter((x) => !x.ok)) out.push(`- \`${v.id}\` FAILED: ${failureText(v)}`);
      out.push('');
    }
  }
  return out.join('\n');
}

const MERGED_HEADING = '## Merged partial runs';

/** The markdown split at its `## ` headings: [preamble, ...sections], each section starting with its heading line. */
function sections(markdown: string): string[][] {
  const out: string[][] = [[]];
  for (const line of markdown.split('\n')) {
    if (line.startsWith('## ')) out.push([line]);
    else out[out.length - 1].push(line);
  }
  return out;
}

/**
 * `--merge`: the rows of a partial run's scenarios replace those scenarios' rows in an existing report
 * (bench/results/latest.md), and nothing else of it changes: in every table section the partial run has
 * rows for, rows whose first cell is one of `names` are dropped and the partial run's appended (a section
 * the report lacks is added before the notes); the scenarios' `### name:` notes are replaced; and a
 * "Merged partial runs" section says, per merged scenario, when and on what commit its rows were measured
 * (the header above it describes the last full run), with `annotation` (the engineer's reading) under it.
 */
export function mergeMarkdown(existing: string, info: RunInfo, scenarios: ScenarioResult[], annotation?: string): string {
  const names = scenarios.map((s) => s.name);
  const ownRow = (line: string) => names.some((n) => line.startsWith(`| ${n} |`));
  const ownNote = (line: string) => names.some((n) => line.startsWith(`### ${n}:`));
  const target = sections(existing.replace(/\n+$/, ''));
  const fresh = sections(renderMarkdown(info, scenarios));
  const find = (heading: string) => target.findIndex((s) => s[0] === heading);
  const insertBefore = (section: string[], before: string[]) => {
    const at = target.findIndex((s) => before.includes(s[0]));
    target.splice(at < 0 ? target.length : at, 0, section);
  };

  for (const section of fresh.slice(1)) {
    const heading = section[0];
    if (heading === '## Notes') {
      const notes: string[] = [];
      let keep = false;
      for (const line of section.slice(1)) {
        if (line.startsWith('### ')) keep = ownNote(line);
        if (keep) notes.push(line);
      }
      if (!notes.length) continue;
      let i = find('## Notes');
      if (i < 0) {
        target.push(['## Notes', '']);
        i = target.length - 1;
      }
      const kept: string[] = [];
      let drop = false;
      for (const line of target[i]) {
        if (line.startsWith('### ')) drop = ownNote(line);
        if (!drop) kept.push(line);
      }
      while (kept.length && kept[kept.length - 1] === '') kept.pop();
      target[i] = [...kept, '', ...notes];
      continue;
    }
    const rows = section.filter(ownRow);
    if (!rows.length) continue;
    const i = find(heading);
    if (i < 0) {
      // a table the report lacks (e.g. no fixed-rate run before): the partial run's, which has only its own rows
      insertBefore(section, ['## Notes']);
      continue;
    }
    const kept = target[i].filter((l) => !ownRow(l));
    let last = -1;
    kept.forEach((l, j) => {
      if (l.startsWith('|')) last = j;
    });
    kept.splice(last + 1, 0, ...rows);
    target[i] = kept;
  }

  // when and how the merged rows were measured
  const o = info.options;
  const block = (s: ScenarioResult) => [
    `### ${s.name}`,
    '',
    `- Measured ${info.date} on commit ${info.commit} (\`--only ${names.join(',')} --merge\`), ${info.cpu}, ${info.cores} cores; Node ${info.node}; ${info.database}; ` +
      `load average ${info.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at the start, ${info.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} at the end; run time ${f(info.durationSeconds)} s; ` +
      `rounds ${o.rounds} × ${o.seconds} s, warm-up ${o.warmupSeconds} s, settle ${o.settleSeconds ?? 0} s, ${o.connections} connections.`,
    ...(annotation?.trim() ? ['', annotation.trim()] : []),
    '',
  ];
  let m = find(MERGED_HEADING);
  if (m < 0) {
    insertBefore(
      [
        MERGED_HEADING,
        '',
        'The rows of these scenarios come from a later partial run merged into this file (`npm run bench -- --only NAME --merge`), not from the full run described at the top.',
        '',
      ],
      ['## Targets'],
    );
    m = find(MERGED_HEADING);
  }
  const kept: string[] = [];
  let drop = false;
  for (const line of target[m]) {
    if (line.startsWith('### ')) drop = names.some((n) => line === `### ${n}`);
    if (!drop) kept.push(line);
  }
  while (kept.length && kept[kept.length - 1] === '') kept.pop();
  target[m] = [...kept, '', ...scenarios.flatMap(block)];
  return target.map((s) => s.join('\n').replace(/\n+$/, '')).join('\n\n') + '\n';
}
