/**
 * The scale-out run (`npm run scale-out`, loopback only): builds the server, starts three instances of
 * `node dist/src/main.js` on one PostgreSQL database, HAProxy in front of them with the committed
 * configuration (scripts/scale-out/haproxy.cfg: round-robin, no stickiness), and runs the checks of
 * scripts/scale-out/checks.ts through it, once per adapter (PUBSUB=postgres, then PUBSUB=redis when a
 * Redis answers). Prints PASS/FAIL with numbers per check, writes bench/results/scale-out.md, and exits
 * non-zero when a check failed or could not run.
 *
 *   npm run scale-out                                   # both adapters, the issue's numbers
 *   npm run scale-out -- --adapters postgres --seconds 3 --out /tmp/so.md
 *   npm run scale-out -- --annotate notes.md            # appends your reading of the run to the report
 *
 * DATABASE_URL: the database the instances share (kept); without it a throwaway database is created on
 * postgres://postgres@127.0.0.1:5432 and dropped afterwards. REDIS_URL: default redis://127.0.0.1:6379.
 * HAProxy is Debian's `haproxy` package; when it is missing the script installs it with apt-get (as root).
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client as PgClient } from 'pg';
import { requestJson, sleep } from './clients';
import { CheckResult, Cluster, deliveryCheck, Fixture, Instance, killCheck, logoutCheck, seed, settle, sseResumeCheck } from './checks';

const ROOT = join(__dirname, '..', '..');
const HAPROXY_CFG = join(__dirname, 'haproxy.cfg');
const JWT_SECRET = `scale-out-${randomBytes(16).toString('hex')}`;

interface Options {
  adapters: ('postgres' | 'redis')[];
  rate: number;
  seconds: number;
  subscribers: number;
  killRate: number;
  killSeconds: number;
  out: string | undefined;
  /** a markdown file of the operator's reading of the run, appended to the report */
  annotate: string | undefined;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    adapters: ['postgres', 'redis'],
    rate: 200,
    seconds: 10,
    subscribers: 30,
    killRate: 100,
    killSeconds: 6,
    out: join(ROOT, 'bench', 'results', 'scale-out.md'),
    annotate: undefined,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const num = () => {
      const n = Number(value);
      if (!Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`);
      i++;
      return n;
    };
    if (flag === '--adapters') {
      o.adapters = value.split(',').map((a) => a.trim()) as Options['adapters'];
      if (o.adapters.some((a) => a !== 'postgres' && a !== 'redis')) throw new Error('--adapters: postgres and/or redis');
      i++;
    } else if (flag === '--rate') o.rate = num();
    else if (flag === '--seconds') o.seconds = num();
    else if (flag === '--subscribers') o.subscribers = num();
    else if (flag === '--kill-rate') o.killRate = num();
    else if (flag === '--kill-seconds') o.killSeconds = num();
    else if (flag === '--annotate') {
      o.annotate = value;
      i++;
    } else if (flag === '--out') {
      o.out = value === '-' ? undefined : value;
      i++;
    } else throw new Error(`unknown option ${flag} (see the header of scripts/scale-out/run.ts)`);
  }
  return o;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

// ------------------------------------------------------------------------------------------------
// HAProxy, PostgreSQL, Redis

function haproxyVersion(): string | undefined {
  const r = spawnSync('haproxy', ['-v'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() : undefined;
}

function ensureHaproxy(): string {
  const have = haproxyVersion();
  if (have) return have;
  console.log('HAProxy is not installed: installing the Debian package with `apt-get install -y haproxy`');
  if (process.getuid?.() !== 0) throw new Error('HAProxy is missing and this is not root: run `apt-get install -y haproxy` first');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', 'haproxy'], { stdio: 'inherit', env });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    r = spawnSync('apt-get', ['install', '-y', '-q', 'haproxy'], { stdio: 'inherit', env });
  }
  const v = haproxyVersion();
  if (r.status !== 0 || !v) throw new Error('installing haproxy failed');
  return v;
}

interface Database {
  url: string;
  description: string;
  drop(): Promise<void>;
}

async function openDatabase(): Promise<Database> {
  const version = async (url: string) => {
    const c = new PgClient({ connectionString: url });
    await c.connect();
    try {
      return (await c.query<{ v: string }>(`select current_setting('server_version') as v`)).rows[0].v;
    } finally {
      await c.end();
    }
  };
  if (process.env.DATABASE_URL) {
    const url = process.env.DATABASE_URL;
    return { url, description: `PostgreSQL ${await version(url)} (DATABASE_URL, kept)`, drop: async () => undefined };
  }
  const admin = 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `ix_scaleout_${randomBytes(4).toString('hex')}`;
  const c = new PgClient({ connectionString: admin });
  await c.connect().catch((err: Error) => {
    throw new Error(`no DATABASE_URL and no PostgreSQL at ${admin} to create a throwaway database on (${err.message})`);
  });
  await c.query(`create database "${name}"`);
  await c.end();
  const u = new URL(admin);
  u.pathname = `/${name}`;
  console.log(`database: created ${name} on 127.0.0.1:5432 (dropped at the end)`);
  return {
    url: u.toString(),
    description: `PostgreSQL ${await version(u.toString())} on 127.0.0.1:5432 (throwaway database)`,
    drop: async () => {
      const d = new PgClient({ connectionString: admin });
      await d.connect();
      try {
        await d.query(`drop database if exists "${name}" with (force)`);
      } finally {
        await d.end();
      }
    },
  };
}

async function redisVersion(url: string): Promise<string | undefined> {
  const r = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  r.on('error', () => undefined);
  try {
    await r.connect();
    const info = await r.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return undefined;
  } finally {
    r.disconnect();
  }
}

// ------------------------------------------------------------------------------------------------
// processes

interface Proc {
  name: string;
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

function startProc(name: string, cmd: string, args: string[], env: Record<string, string>): Proc {
  const child = spawn(cmd, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 200_000) out = out.slice(-100_000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
  return { name, child, output: () => out, exited };
}

async function stopProc(p: Proc): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
  await p.exited;
  clearTimeout(timer);
}

function tail(p: Proc, lines = 15): string {
  return p
    .output()
    .trimEnd()
    .split('\n')
    .slice(-lines)
    .map((l) => `    ${p.name}| ${l}`)
    .join('\n');
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
  } catch {
    return NaN;
  }
}

async function waitReady(base: string, p: Proc, timeoutMs = 180_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (p.child.exitCode !== null) throw new Error(`${p.name} exited with ${p.child.exitCode} before it was ready:\n${tail(p, 30)}`);
    const ok = await requestJson(`${base}/readyz`, 'GET').then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return;
    await sleep(200);
  }
  throw new Error(`${p.name} not ready within ${timeoutMs} ms:\n${tail(p, 30)}`);
}

/** Until HAProxy's health checks have every server up: round-robin answers come from every name. */
async function waitBalanced(base: string, names: string[], timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const seen = new Set<string>();
    for (let i = 0; i < names.length * 2; i++) {
      const r = await requestJson(`${base}/healthz`, 'GET').catch(() => undefined);
      if (r?.servedBy) seen.add(r.servedBy);
    }
    if (names.every((n) => seen.has(n))) return;
    await sleep(250);
  }
  throw new Error(`the balancer did not reach every instance within ${timeoutMs} ms`);
}

// ------------------------------------------------------------------------------------------------
// one adapter

interface AdapterRun {
  adapter: string;
  results: CheckResult[];
  skipped?: string;
  error?: string;
}

async function runAdapter(adapter: 'postgres' | 'redis', db: Database, redisUrl: string, o: Options): Promise<AdapterRun> {
  console.log(`\n== PUBSUB=${adapter}: 3 instances on one database behind HAProxy`);
  const dataDirs: string[] = [];
  const procs: Proc[] = [];
  let haproxy: Proc | undefined;
  const results: CheckResult[] = [];
  try {
    const ports = [await freePort(), await freePort(), await freePort()];
    const instances: Instance[] = ports.map((port, k) => ({ name: `ix${k + 1}`, base: `http://127.0.0.1:${port}` }));
    // all three at once, as an orchestrator starts them (migrations included)
    for (const [k, inst] of instances.entries()) {
      const dataDir = mkdtempSync(join(tmpdir(), 'ix-scaleout-'));
      dataDirs.push(dataDir);
      procs.push(
        startProc(inst.name, process.execPath, ['dist/src/main.js'], {
          NODE_ENV: 'production',
          HOST: '127.0.0.1',
          PORT: String(ports[k]),
          DATABASE_URL: db.url,
          DATA_DIR: dataDir,
          JWT_SECRET,
          PUBSUB: adapter,
          REDIS_URL: redisUrl,
          TRUST_PROXY: 'loopback',
          LOGIN_MAX_PER_MINUTE: '100000',
          SHUTDOWN_DELAY_MS: '0',
          PGAPPNAME: `ix-scaleout-${inst.name}`,
        }),
      );
    }
    await Promise.all(instances.map((inst, k) => waitReady(inst.base, procs[k])));
    console.log(`instances ready: ${instances.map((i) => `${i.name} ${i.base}`).join(', ')}`);

    const lbPort = await freePort();
    haproxy = startProc('haproxy', 'haproxy', ['-f', HAPROXY_CFG, '-db'], {
      SCALEOUT_LB_PORT: String(lbPort),
      SCALEOUT_PORT_1: String(ports[0]),
      SCALEOUT_PORT_2: String(ports[1]),
      SCALEOUT_PORT_3: String(ports[2]),
    });
    const balancer = `http://127.0.0.1:${lbPort}`;
    await waitBalanced(
      balancer,
      instances.map((i) => i.name),
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${tail(haproxy!, 20)}`);
    });
    console.log(`HAProxy ${balancer} → ${instances.map((i) => i.name).join(', ')} (round-robin)`);

    const cluster: Cluster = { instances, balancer, wsUrl: () => `ws://127.0.0.1:${lbPort}/graphql` };
    const fx: Fixture = await seed(instances[0].base, {
      members: 10,
      promote: async (id) => {
        console.log('the database has accounts already: the run’s admin is promoted in SQL');
        const c = new PgClient({ connectionString: db.url });
        await c.connect();
        await c.query(`update users set role = 'ADMIN' where id = $1`, [id]);
        await c.end();
      },
    });
    const month = (k: number) => `${2040 + k}-${adapter === 'postgres' ? '01' : '05'}`;
    const run = async (label: string, check: () => Promise<CheckResult>) => {
      // the previous check's backlog (a saturated run) drains first, so each check measures itself
      const waited = await settle(cluster);
      if (waited > 2000) console.log(`(waited ${(waited / 1000).toFixed(1)} s for the instances to answer quickly again)`);
      process.stdout.write(`${label} … `);
      try {
        const r = await check();
        results.push(r);
        console.log(`${r.pass ? 'PASS' : 'FAIL'}\n  ${r.summary}${r.problems.length ? `\n  problems: ${r.problems.join('; ')}` : ''}`);
      } catch (err) {
        const r: CheckResult = { name: label, pass: false, summary: `could not run: ${(err as Error).message}`, numbers: {}, problems: [(err as Error).message] };
        results.push(r);
        console.log(`FAIL\n  ${r.summary}`);
      }
    };
    await run('a) delivery', async () => {
      // the instances' CPU while the check runs: what 200 writes/s cost them, beside the latencies
      const before = procs.map((p) => cpuSeconds(p.child.pid));
      const started = performance.now();
      const r = await deliveryCheck(cluster, fx, { subscribers: o.subscribers, rate: o.rate, seconds: o.seconds, month: month(1), targetP99Ms: 50 });
      const wall = (performance.now() - started) / 1000;
      const used = procs.map((p, k) => cpuSeconds(p.child.pid) - before[k]);
      const writes = Number(r.numbers.writes) || 1;
      r.numbers["instances' CPU during the check"] =
        `${used.map((u, k) => `${procs[k].name} ${u.toFixed(1)} s`).join(' · ')} over ${wall.toFixed(1)} s (${(used.reduce((a, b) => a + b, 0) / wall).toFixed(2)} cores; ${((used.reduce((a, b) => a + b, 0) * 1000) / writes).toFixed(1)} ms per write, all three together)`;
      return r;
    });
    await run('b) SSE resume', () => sseResumeCheck(cluster, fx, { before: 5, during: 20 }));
    await run('d) logout', () => logoutCheck(cluster, fx, { socketsPerInstance: 3 }));
    const victim = procs[2];
    await run('c) kill -9', () =>
      killCheck(cluster, fx, {
        subscribers: 12,
        rate: o.killRate,
        seconds: o.killSeconds,
        month: month(2),
        victim: victim.name,
        kill: async () => {
          victim.child.kill('SIGKILL');
          await victim.exited;
        },
        committedTitles: async (prefix) => {
          const c = new PgClient({ connectionString: db.url });
          await c.connect();
          try {
            const rows = await c.query<{ title: string }>(`select title from coparent_items where title like $1`, [`${prefix}%`]);
            return new Set(rows.rows.map((r) => r.title));
          } finally {
            await c.end();
          }
        },
      }),
    );
    if (results.some((r) => !r.pass)) for (const p of procs) if (p !== victim) console.log(tail(p, 8));
    return { adapter, results };
  } catch (err) {
    console.log(`PUBSUB=${adapter} could not run: ${(err as Error).message}`);
    return { adapter, results, error: (err as Error).message };
  } finally {
    if (haproxy) await stopProc(haproxy);
    await Promise.all(procs.map(stopProc));
    for (const d of dataDirs) rmSync(d, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------------------------------------
// report

function report(runs: AdapterRun[], machine: string[], o: Options): string {
  const lines = [
    '# Scale-out: three instances behind HAProxy',
    '',
    `Written by \`npm run scale-out\` (scripts/scale-out/run.ts) on ${new Date().toISOString()}. What each check does and`,
    'how to read it: docs/scale-out.md ("The scale-out run").',
    '',
    ...machine.map((m) => `- ${m}`),
    `- settings: ${o.subscribers} subscribers, ${o.rate} writes/s for ${o.seconds} s (a); kill check ${o.killRate} writes/s for ${o.killSeconds} s, 12 subscribers (c)`,
    '',
  ];
  for (const run of runs) {
    lines.push(`## PUBSUB=${run.adapter}`, '');
    if (run.skipped) {
      lines.push(`SKIPPED: ${run.skipped}`, '');
      continue;
    }
    if (run.error) lines.push(`Could not run: ${run.error}`, '');
    for (const r of run.results) {
      lines.push(`### ${r.pass ? 'PASS' : 'FAIL'} — ${r.name}`, '', r.summary, '');
      if (Object.keys(r.numbers).length) {
        lines.push('| measure | value |', '|---|---|');
        for (const [k, v] of Object.entries(r.numbers)) lines.push(`| ${k} | ${String(v).replace(/\|/g, '\\|')} |`);
        lines.push('');
      }
      if (r.problems.length) lines.push(`Problems: ${r.problems.join('; ')}`, '');
    }
  }
  if (o.annotate) lines.push('## Reading of this run', '', readFileSync(o.annotate, 'utf8').trim(), '');
  return lines.join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  console.log('building the server (npm run build)');
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const haproxy = ensureHaproxy();
  const db = await openDatabase();
  const redisUrl = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  const redis = await redisVersion(redisUrl);
  const machine = [
    `machine: ${hostname()}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB; everything on this host (loopback): instances, HAProxy, PostgreSQL, Redis and the clients`,
    `node ${process.version}; ${db.description}; ${haproxy}; Redis ${redis ?? `not reachable at ${redisUrl}`}`,
    `load average at the start: ${loadavg()
      .map((l) => l.toFixed(2))
      .join(', ')} (other work on the machine shares its ${cpus().length} cores)`,
  ];
  console.log(machine.join('\n'));
  const runs: AdapterRun[] = [];
  try {
    for (const adapter of o.adapters) {
      if (adapter === 'redis' && !redis) {
        const why = `no Redis answers at ${redisUrl} (set REDIS_URL): the PUBSUB=redis run was SKIPPED`;
        console.log(`\n== PUBSUB=redis: ${why}`);
        runs.push({ adapter, results: [], skipped: why });
        continue;
      }
      runs.push(await runAdapter(adapter, db, redisUrl, o));
    }
  } finally {
    await db.drop().catch((err: Error) => console.log(`dropping the database failed: ${err.message}`));
  }
  const all = runs.flatMap((r) => r.results);
  const failed = all.filter((r) => !r.pass).length + runs.filter((r) => r.error).length;
  console.log(`\n== scale-out: ${all.length - all.filter((r) => !r.pass).length} passed, ${failed} failed${runs.some((r) => r.skipped) ? ', PUBSUB=redis skipped' : ''}`);
  for (const run of runs) for (const r of run.results) console.log(`${r.pass ? 'PASS' : 'FAIL'}  PUBSUB=${run.adapter}  ${r.name}`);
  if (o.out) {
    writeFileSync(o.out, report(runs, machine, o) + '\n');
    console.log(`report: ${o.out}`);
  }
  process.exitCode = failed ? 1 : 0;
}

main().catch((err) => {
  console.error(`scale-out failed: ${err instanceof Error ? err.message : err}`);
  process.exitCode = 1;
});
