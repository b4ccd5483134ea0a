/**
 * Node CPU per request of our server, for profiling work on a shared machine (bench/README.md
 * "Findings"): wall-clock throughput means nothing when other work shares the cores, CPU time does.
 *
 * Runs the named scenarios' own setup (their seeding, their servers, their body checks), then for
 * each HTTP variant served by one of our servers fires `--n` requests at low concurrency (request i
 * with headerSets[i mod n], as the load generator does) and reads the server process's user + system
 * time from /proc before and after: `--repeat` passes, the median and the range printed per variant.
 * Nothing is written; baselines are started (the setups compare bodies) but measured only with
 * `--baselines` (then every HTTP variant of the scenario is, in its own server process).
 *
 *   npx tsc -p bench/tsconfig.json && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     node dist-bench/bench/tools/cpu-per-request.js --only platform,coparent --variants me-graphql,me-rest --n 2000
 *
 * With BENCH_CPU_PROF=<dir> every server process writes a `--cpu-prof` profile there when it stops.
 *
 * `--against <dir>` compares two builds of our server side by side: for each variant of ours, a second
 * server is started from `<dir>/dist/src/main.js` (another checkout, built) on the same database, and
 * the passes alternate between the two (this tree's first, then the other's, `--repeat` times each), so
 * both meet the same load on a shared machine. Both medians and their ratio are printed.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { Agent, request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { BenchEnv, BenchOptions, HttpVariant, InterchangeServer, startBaseline, startDatabase, startInterchange } from '../lib';
import { processCpuSplitMs } from '../cpu';
import { scenarios } from '../scenarios';

const { values } = parseArgs({
  options: {
    only: { type: 'string', default: 'platform' },
    variants: { type: 'string' },
    n: { type: 'string', default: '2000' },
    warmup: { type: 'string', default: '500' },
    concurrency: { type: 'string', default: '4' },
    repeat: { type: 'string', default: '3' },
    baselines: { type: 'boolean', default: false },
    against: { type: 'string' },
  },
});
const n = Number(values.n);
const warmup = Number(values.warmup);
const concurrency = Number(values.concurrency);
const repeat = Number(values.repeat);
const only = values.only!.split(',');
const wanted = values.variants?.split(',');

/** read and write system calls of a process so far (/proc/<pid>/io: syscr, syscw; writev and sendmsg count as writes) */
function syscalls(pid: number): { reads: number; writes: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? NaN);
  return { reads: field('syscr'), writes: field('syscw') };
}

const agent = new Agent({ keepAlive: true, maxSockets: concurrency });

function send(v: HttpVariant, i: number): Promise<number> {
  const url = new URL(v.url);
  const body = v.body === undefined ? undefined : typeof v.body === 'string' ? v.body : JSON.stringify(v.body);
  const headers: Record<string, string> = { ...(v.headers ?? {}), ...(v.headerSets?.[i % v.headerSets.length] ?? {}) };
  if (body !== undefined && typeof v.body !== 'string') headers['content-type'] = 'application/json';
  return new Promise((resolve, reject) => {
    const req = httpRequest({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: v.method ?? 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function fire(v: HttpVariant, count: number, offset: number): Promise<void> {
  let next = 0;
  const want = v.expect?.status ?? 200;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const status = await send(v, offset + i);
      if (status !== want) throw new Error(`${v.id}: status ${status} (expected ${want})`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

interface Sample {
  total: number;
  user: number;
  system: number;
  reads: number;
  writes: number;
}

/** One measured pass of `n` requests: the server process's CPU and system calls per request. */
async function pass(v: HttpVariant, offset: number): Promise<Sample> {
  const before = processCpuSplitMs(v.server.pid)!;
  const callsBefore = syscalls(v.server.pid);
  await fire(v, n, offset);
  const after = processCpuSplitMs(v.server.pid)!;
  const callsAfter = syscalls(v.server.pid);
  const user = (after.user - before.user) / n;
  const system = (after.system - before.system) / n;
  return { total: user + system, user, system, reads: (callsAfter.reads - callsBefore.reads) / n, writes: (callsAfter.writes - callsBefore.writes) / n };
}

async function main(): Promise<void> {
  const log = (line: string) => console.error(line);
  const db = await startDatabase(log);
  const stops: (() => Promise<unknown>)[] = [];
  const ours = new Set<number>();
  try {
    const options = { rounds: 1, seconds: 1, warmup: 1, connections: concurrency } as unknown as BenchOptions;
    let shared: Promise<InterchangeServer> | undefined;
    const env: BenchEnv = {
      options,
      adminDatabaseUrl: db.adminUrl,
      createDatabase: (prefix) => db.createDatabase(prefix),
      interchange: () =>
        (shared ??= (async () => {
          const s = await startInterchange('ix', await db.createDatabase('ix_cpu'));
          stops.push(() => s.stop());
          ours.add(s.pid);
          return s;
        })()),
      startInterchange: async (o = {}) => {
        const s = await startInterchange(o.name ?? 'ix-other', o.databaseUrl ?? (await db.createDatabase('ix_cpu')), o.env, o.memory);
        stops.push(() => s.stop());
        ours.add(s.pid);
        return s;
      },
      startBaseline: async (o) => {
        const s = await startBaseline(o);
        stops.push(() => s.stop());
        return s;
      },
      defer: (fn) => void stops.push(async () => fn()),
      log: (line) => log(`  ${line}`),
    };
    for (const scenario of scenarios.filter((s) => only.includes(s.name))) {
      log(`setup ${scenario.name}`);
      const plan = await scenario.setup(env);
      const variants = plan.variants.filter((v): v is HttpVariant => v.kind !== 'function' && (values.baselines || ours.has(v.server.pid)) && (!wanted || wanted.includes(v.id)));
      for (const v of variants) {
        const sides: { label: string; v: HttpVariant }[] = [{ label: 'this tree', v }];
        if (values.against && ours.has(v.server.pid)) {
          const other = await startInterchange('ix-against', (v.server as InterchangeServer).databaseUrl, {}, false, join(values.against, 'dist', 'src', 'main.js'));
          stops.push(() => other.stop());
          const url = new URL(v.url);
          url.port = String(other.port);
          sides.push({ label: values.against, v: { ...v, url: url.toString(), server: other } });
        }
        for (const side of sides) await fire(side.v, warmup, 0);
        const samples = sides.map(() => [] as Sample[]);
        for (let r = 0; r < repeat; r++) {
          for (const [i, side] of sides.entries()) samples[i].push(await pass(side.v, warmup + r * n));
        }
        const medians = samples.map((list) => [...list].sort((a, b) => a.total - b.total)[Math.floor(list.length / 2)]);
        for (const [i, side] of sides.entries()) {
          const median = medians[i];
          const sorted = [...samples[i]].sort((a, b) => a.total - b.total);
          console.log(
            `${scenario.name}\t${v.id}${sides.length > 1 ? ` (${side.label})` : ''}\tnode CPU ms/request median ${median.total.toFixed(3)} (user ${median.user.toFixed(3)}, system ${median.system.toFixed(3)}; read/write system calls per request ${median.reads.toFixed(2)}/${median.writes.toFixed(2)}; ${sorted.map((s) => s.total.toFixed(3)).join(', ')})`,
          );
        }
        if (sides.length > 1)
          console.log(
            `${scenario.name}\t${v.id}\tthis tree ÷ ${values.against}: ${(medians[0].total / medians[1].total).toFixed(3)} (pass by pass: ${samples[0].map((s, r) => (s.total / samples[1][r].total).toFixed(3)).join(', ')})`,
          );
      }
    }
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => undefined);
    await db.stop();
    agent.destroy();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
