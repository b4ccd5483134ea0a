/** Turns a run's results into ratios with pass/fail and renders bench/results/latest.md. */
import type { BenchOptions, Metric, Ratio } from './lib';
import type { VariantResult } from './runner';

export type Verdict = 'pass' | 'MISS' | 'FAILED' | 'info';

export interface RatioResult extends Ratio {
  value?: number;
  /** baseline CPU per request ÷ ours (this process only): the same comparison, less sensitive to other load */
  cpuValue?: number;
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
  const cpuValue = ours.cpuMsPerRequest > 0 ? base.cpuMsPerRequest / ours.cpuMsPerRequest : undefined;
  const verdict: Verdict = ratio.target === undefined ? 'info' : value >= ratio.target ? 'pass' : 'MISS';
  return { ...ratio, value, cpuValue, roundRatios, verdict };
}

export function evaluateMetric(m: Metric): MetricResult {
  if (m.max === undefined && m.min === undefined) return { ...m, verdict: 'info' };
  const ok = (m.max === undefined || m.value <= m.max) && (m.min === undefined || m.value >= m.min);
  return { ...m, verdict: ok ? 'pass' : 'MISS' };
}

export function failureText(v: VariantResult): string {
  if (v.requests === 0) return 'no response at all';
  const parts: string[] = [];
  if (v.badStatus) parts.push(`${v.badStatus} with an unexpected status (${Object.entries(v.statusCounts).map(([k, n]) => `${k}×${n}`).join(', ')})`);
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

export function renderMarkdown(info: RunInfo, scenarios: ScenarioResult[]): string {
  const o = info.options;
  const out: string[] = [];
  out.push('# Interchange benchmarks', '');
  out.push('Written by `npm run bench` (see bench/README.md). Do not edit by hand.', '');
  out.push(`- Date: ${info.date}`);
  out.push(`- Commit: ${info.commit}`);
  out.push(`- Machine: ${info.cpu}, ${info.cores} cores, ${f(info.memoryGiB, 1)} GiB memory, ${info.platform}`);
  out.push(`- Node ${info.node}; ${info.database}`);
  out.push(
    `- Method: ${o.rounds} interleaved rounds of ${o.seconds} s per variant after two warm-up passes of ${o.warmupSeconds} s, order alternating (A B C, C B A, …); ` +
      `HTTP load by autocannon in a separate process; every response checked for its status and body (GraphQL: \`data\` and no \`errors\`). ` +
      `Run time ${f(info.durationSeconds)} s; load average ${info.loadavgStart.map((x) => x.toFixed(2)).join(' ')} at the start, ${info.loadavgEnd.map((x) => x.toFixed(2)).join(' ')} at the end.`,
  );
  out.push('');
  out.push(
    '> The machine is shared (its cores serve other engineers\' builds and tests at the same time), so absolute numbers are noisy ' +
      'and differ from run to run. Ratios are what to read: both sides of a ratio were measured in the same run, round by round, ' +
      'so drift falls on both alike; "per-round range" is the spread of the ratio over the rounds. A variant with any failed ' +
      'response is reported as FAILED, never as fast.',
  );
  out.push('');

  out.push('## Targets', '');
  out.push('| scenario | measure | ours ÷ baseline | value (req/s) | target | result | per-round range | CPU-based |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of scenarios) {
    if (s.error) out.push(`| ${s.name} | (scenario) | — | — | — | **FAILED** | ${cell(s.error.split('\n')[0].slice(0, 200))} | |`);
    for (const r of s.ratios) {
      const range = r.roundRatios.length ? `${Math.min(...r.roundRatios).toFixed(2)}–${Math.max(...r.roundRatios).toFixed(2)}` : '—';
      out.push(
        `| ${s.name} | ${cell(r.name)} | \`${r.ours}\` ÷ \`${r.baseline}\` | ${r.value === undefined ? '—' : r.value.toFixed(2)} | ${targetText(r)} | ${verdictText(r.verdict)}${r.reason ? `: ${cell(r.reason)}` : ''} | ${range} | ${r.cpuValue === undefined ? '—' : r.cpuValue.toFixed(2)} |`,
      );
    }
    for (const m of s.metrics) {
      out.push(`| ${s.name} | ${cell(m.name)} | — | ${f(m.value, m.value < 100 ? 1 : 0)} ${m.unit} | ${targetText(m)} | ${verdictText(m.verdict)} | ${m.detail ? cell(m.detail) : ''} | |`);
    }
  }
  out.push('');

  out.push('## Raw throughput and latency', '');
  out.push('| scenario | variant | target | concurrency | req/s | per-round req/s | CPU ms/req | mean ms | p50 ms | p99 ms | max ms | responses | failed |');
  out.push('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of scenarios) {
    for (const v of s.variants) {
      const failed = v.badStatus + v.badBody + v.socketErrors;
      out.push(
        `| ${s.name} | \`${v.id}\`: ${cell(v.label)} | ${cell(v.target)} | ${v.concurrency} | ${f(v.rps, v.rps < 100 ? 1 : 0)} | ${v.roundRps.map((x) => f(x)).join(' / ')} | ${f(v.cpuMsPerRequest, 3)} | ` +
          `${f(v.latency.mean, 2)} | ${f(v.latency.p50, 2)} | ${f(v.latency.p99, 2)} | ${f(v.latency.max, 1)} | ${f(v.requests)} | ${failed ? `**${f(failed)}**` : '0'} |`,
      );
    }
  }
  out.push('');

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
