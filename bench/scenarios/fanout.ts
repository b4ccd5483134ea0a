/**
 * fan-out (issue 14, "Fan-out once per group"): one event delivered to many subscribers of the same
 * shared subscription (src/server/fanout.ts executes it once per group and writes the result to each).
 *
 * - graphql-ws: 10,000 distinct users of one coparent household (seeded in SQL, a session and a token
 *   each) hold one socket each to our server (`node dist/src/main.js`, BENCH_SERVER_ENV) and subscribe to
 *   `coparentItemChanged` for the same month; the sockets are opened by bench/ws-clients.ts in four child
 *   processes. Then 10 items are created, one at a time, through `POST /coparent/api/items` (after two
 *   unmeasured warm-up events). Per event: the server process's CPU (and its PostgreSQL backends', /proc)
 *   from before the write to the last subscriber's frame, ÷ subscribers = µs per subscriber per event
 *   (target ≤ 20), and each subscriber's delivery time from sending the write to the frame's arrival
 *   (slowest ≤ 500 ms; median beside it).
 * - The same against a stock graphql-ws server (bench/baselines/stock-graphql-ws.ts: `useServer`, the
 *   same subscription shape, the document executed per subscriber and event, the item read per
 *   subscriber; events from its own write route through an in-process pubsub), in the same run, with
 *   the same clients and document: µs per subscriber per event of both, and the ratio.
 * - SSE: 1,000 streams of `GET /cakeplanner/api/events/stream`, one per member of a cake group (distinct
 *   users), opened by two child processes; 10 events created through `POST /cakeplanner/api/events`:
 *   the slowest stream's delivery per event (target ≤ 50 ms) and the median.
 *
 * Sizes can be changed for a quick try or a profile with BENCH_FANOUT_SUBSCRIBERS / BENCH_FANOUT_STREAMS /
 * BENCH_FANOUT_EVENTS (the report then says so in its metric names).
 */
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { CpuProbe } from '../cpu';
import { BENCH_BUILD, Metric, REPO_ROOT, Scenario, ScenarioPlan, ServerProcess, seedUsers, sql, uniqueName } from '../lib';
import type { Arrivals, ClientCommand, ClientReply, OpenCommand } from '../ws-clients';

/** graphql-ws subscribers at the default size */
const DEFAULT_SUBSCRIBERS = 10_000;
const SUBSCRIBERS = Number(process.env.BENCH_FANOUT_SUBSCRIBERS ?? DEFAULT_SUBSCRIBERS);
const STREAMS = Number(process.env.BENCH_FANOUT_STREAMS ?? 1_000);
const EVENTS = Number(process.env.BENCH_FANOUT_EVENTS ?? 10);
const SSE_EVENTS = Number(process.env.BENCH_FANOUT_EVENTS ?? 10);
const WARMUP_EVENTS = 2;
/**
 * SSE's warm-up: as many deliveries as graphql-ws's warm-up makes at the default size (2 events × 10,000),
 * so 20 events of 1,000 streams. SSE runs first on the server, and its stream path (filter, viewer re-read,
 * frame, write) is compiled by the JIT only as it runs: with 2 warm-up events of 1,000 streams, V8 was
 * still optimizing and deoptimizing that path through the fifth event (`--trace-opt --trace-deopt`: 15,
 * 8, 4, 3, 3, 1, 1 optimizations and bailouts per event), and the first measured events were the slowest.
 */
const SSE_WARMUP_EVENTS = Math.max(WARMUP_EVENTS, Math.ceil((WARMUP_EVENTS * DEFAULT_SUBSCRIBERS) / STREAMS));
const WS_PROCESSES = 4;
const SSE_PROCESSES = 2;
/** connections each client process opens at a time (the server's session check has a pool of 10) */
const OPEN_BATCH = 25;
const MONTH = '2032-03';
const EVENT_TIMEOUT_MS = 30_000;
/**
 * How long the idle CPU rate is read with every socket open: two keepalive rounds of ours
 * (WS_KEEPALIVE_SECONDS, 25 s) and about four of the stock server's (graphql-ws' default, 12 s).
 */
const IDLE_MS = 50_000;
/**
 * SESSION_CACHE_SECONDS of the server measured here. Unset: the shared server (BENCH_SERVER_ENV, 30 s).
 * With the default, every subscriber's per-event viewer refresh misses the cache once its entry is older
 * than 30 s: 10,000 session reads in the same instant, and past the pool wait (5 s) the subscriptions end
 * with UNAVAILABLE (README "The fan-out scenario"). Set, a second instance on the same database with it.
 */
const SESSION_CACHE = process.env.BENCH_FANOUT_SESSION_CACHE;

/** The subscription both graphql-ws servers serve; every field of it is shared on ours (docs/platform.md). */
const ITEM_CHANGED = `subscription FanOutBench($month: String!) {
  coparentItemChanged(month: $month) { kind itemId date item { id date type title body ownerId owner { id username } createdAt updatedAt } }
}`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** epoch ms, the clock bench/ws-clients.ts stamps arrivals with */
const now = () => performance.timeOrigin + performance.now();
const fmt = (n: number, d = 0) => n.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });

/** The client processes (bench/ws-clients.ts), each holding a share of the connections. */
class Clients {
  private readonly waiting = new Map<ChildProcess, { type: ClientReply['type']; resolve: (m: ClientReply) => void; reject: (e: Error) => void }[]>();

  private constructor(private readonly children: ChildProcess[]) {
    for (const child of children) {
      const queue: { type: ClientReply['type']; resolve: (m: ClientReply) => void; reject: (e: Error) => void }[] = [];
      this.waiting.set(child, queue);
      child.on('message', (m: ClientReply) => {
        if (m.type === 'error') return queue.shift()?.reject(new Error(`client process: ${m.message}`));
        const i = queue.findIndex((w) => w.type === m.type);
        if (i >= 0) queue.splice(i, 1)[0].resolve(m);
      });
      child.once('exit', (code) => {
        for (const w of queue.splice(0)) w.reject(new Error(`client process exited with ${code}`));
      });
    }
  }

  static start(count: number): Clients {
    return new Clients(
      Array.from({ length: count }, () => fork(join(BENCH_BUILD, 'ws-clients.js'), [], { cwd: REPO_ROOT, execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })),
    );
  }

  private reply<T extends ClientReply['type']>(child: ChildProcess, type: T): Promise<Extract<ClientReply, { type: T }>> {
    return new Promise((resolve, reject) => this.waiting.get(child)!.push({ type, resolve: resolve as (m: ClientReply) => void, reject }));
  }

  private send(child: ChildProcess, m: ClientCommand): void {
    child.send(m);
  }

  /** Opens one connection per token, the tokens dealt out to the processes in turn. */
  async open(o: Omit<OpenCommand, 'type' | 'tokens'>, tokens: string[]): Promise<void> {
    await Promise.all(
      this.children.map((child, c) => {
        const opened = this.reply(child, 'opened');
        this.send(child, { ...o, type: 'open', tokens: tokens.filter((_, i) => i % this.children.length === c) });
        return opened;
      }),
    );
  }

  /** Every process waits for `marker`; resolves once all are ready, to the promise of their arrivals (wrapped: an async function would wait for it). */
  async arm(marker: string, timeoutMs: number): Promise<{ arrived: Promise<Arrivals[]> }> {
    const arrived = Promise.all(this.children.map((child) => this.reply(child, 'arrived').then((m) => m.arrivals)));
    arrived.catch(() => undefined);
    await Promise.all(
      this.children.map((child) => {
        const armed = this.reply(child, 'armed');
        this.send(child, { type: 'arm', marker, timeoutMs });
        return armed;
      }),
    );
    return { arrived };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.children.map(async (child) => {
        if (child.exitCode !== null || !child.connected) return;
        const exited = new Promise<void>((done) => child.once('exit', () => done()));
        this.send(child, { type: 'close' });
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
  }
}

interface EventRun {
  /** each connection's delivery time, ms from sending the write */
  latencies: number[];
  nodeMs: number;
  pgMs?: number;
  missing: number;
  bad: number;
  samples: string[];
  frame?: string;
  /** the write's own response time, ms */
  writeMs: number;
  /** from sending the write to the CPU's second reading, ms */
  windowMs: number;
}

interface EventsResult {
  events: EventRun[];
  /** the server's CPU (node) per second with every connection open and no event (keepalive pings), ms/s */
  idleMsPerSecond?: number;
  /** the first warm-up event's first frame */
  firstFrame?: string;
}

/**
 * Warm-up events, then `count` measured ones, one at a time: the clients armed for the event's marker,
 * the server's CPU read, the write sent, every connection's frame awaited, the CPU read again.
 */
async function runEvents(o: {
  clients: Clients;
  cpu: CpuProbe;
  server: ServerProcess;
  count: number;
  /** unmeasured events first (WARMUP_EVENTS unless given) */
  warmup?: number;
  write: (marker: string, k: number) => Promise<void>;
  label: string;
  log: (line: string) => void;
}): Promise<EventsResult> {
  const prefix = uniqueName('FanOut');
  const events: EventRun[] = [];
  let firstFrame: string | undefined;
  const warmup = o.warmup ?? WARMUP_EVENTS;
  for (let k = 0; k < warmup + o.count; k++) {
    const marker = `${prefix}e${k}x`;
    const { arrived: arrivals } = await o.clients.arm(marker, EVENT_TIMEOUT_MS);
    const before = await o.cpu.snapshot(o.server);
    const sent = now();
    await o.write(marker, k);
    const writeMs = now() - sent;
    const all = await arrivals;
    const used = await o.cpu.since(o.server, before);
    const windowMs = now() - sent;
    const latencies = all.flatMap((a) => a.times.map((t) => t - sent));
    const run: EventRun = {
      latencies,
      nodeMs: used.nodeMs,
      pgMs: used.pgMs,
      missing: all.reduce((s, a) => s + a.missing, 0),
      bad: all.reduce((s, a) => s + a.bad, 0),
      samples: all.flatMap((a) => a.samples).slice(0, 3),
      frame: all.find((a) => a.frame)?.frame,
      writeMs,
      windowMs,
    };
    if (k === 0) firstFrame = run.frame;
    const slowest = latencies.reduce((m, x) => Math.max(m, x), 0);
    o.log(
      `${o.label} ${k < warmup ? `warm-up ${k + 1}` : `event ${k - warmup + 1}`}: write answered in ${fmt(writeMs)} ms, ${latencies.length} delivered` +
        `${run.missing ? `, ${run.missing} MISSING` : ''}${run.bad ? `, ${run.bad} bad (${run.samples[0] ?? ''})` : ''}, slowest ${fmt(slowest)} ms, ` +
        `CPU node ${fmt(used.nodeMs)} ms${used.pgMs !== undefined ? ` + pg ${fmt(used.pgMs)} ms` : ''}`,
    );
    if (k >= warmup) events.push(run);
    await sleep(300);
  }
  return { events, firstFrame };
}

interface Summary {
  delivered: number;
  expected: number;
  bad: number;
  samples: string[];
  median: number;
  p99: number;
  slowest: number;
  /** the slowest delivery of each event */
  perEventSlowest: number[];
  /** µs per connection per event: node, and node + pg (undefined when pg is not readable) */
  nodeUs: number;
  totalUs?: number;
  /** node µs per connection per event net of the idle rate over the event windows (undefined: no idle reading) */
  netNodeUs?: number;
  /** the writes' own response times, median and slowest, ms */
  writeMedian: number;
  writeMax: number;
}

function summarize(r: EventsResult, connections: number): Summary {
  const all = r.events.flatMap((e) => e.latencies).sort((a, b) => a - b);
  const at = (p: number) => (all.length ? all[Math.min(all.length - 1, Math.max(0, Math.ceil(p * all.length) - 1))] : NaN);
  const perEvent = r.events.map((e) => e.latencies.reduce((m, x) => Math.max(m, x), 0));
  const deliveries = connections * r.events.length;
  const writes = r.events.map((e) => e.writeMs).sort((a, b) => a - b);
  const nodeMs = r.events.reduce((s, e) => s + e.nodeMs, 0);
  const pgKnown = r.events.every((e) => e.pgMs !== undefined);
  const pgMs = r.events.reduce((s, e) => s + (e.pgMs ?? 0), 0);
  return {
    delivered: all.length,
    expected: deliveries,
    bad: r.events.reduce((s, e) => s + e.bad, 0),
    samples: [...new Set(r.events.flatMap((e) => e.samples))].slice(0, 2),
    median: at(0.5),
    p99: at(0.99),
    slowest: all.length === deliveries ? all[all.length - 1] : Infinity,
    perEventSlowest: perEvent,
    nodeUs: (nodeMs * 1000) / deliveries,
    totalUs: pgKnown ? ((nodeMs + pgMs) * 1000) / deliveries : undefined,
    netNodeUs: r.idleMsPerSecond === undefined ? undefined : ((nodeMs - (r.idleMsPerSecond * r.events.reduce((x, e) => x + e.windowMs, 0)) / 1000) * 1000) / deliveries,
    writeMedian: writes[Math.floor(writes.length / 2)] ?? NaN,
    writeMax: writes[writes.length - 1] ?? NaN,
  };
}

function deliveryDetail(s: Summary): string {
  const lost = s.expected - s.delivered;
  return (
    `median ${fmt(s.median, 1)} ms, p99 ${fmt(s.p99, 1)} ms; slowest per event ${s.perEventSlowest.map((x) => fmt(x)).join(' / ')} ms; ` +
    `${fmt(s.delivered)}/${fmt(s.expected)} frames${lost ? ` (**${fmt(lost)} missing**)` : ''}${s.bad ? `, **${s.bad} error frames** (${s.samples[0] ?? ''})` : ''}; from sending the write to the frame's arrival in the client process, the write itself included (its response: median ${fmt(s.writeMedian)} ms, slowest ${fmt(s.writeMax)} ms)`
  );
}

/** The shape of a graphql-ws `next` frame's data: its key paths, values left out (both servers must agree). */
function shapeOf(value: unknown, path = ''): string[] {
  if (value === null || typeof value !== 'object') return [`${path}:${value === null ? 'null' : typeof value}`];
  return Object.keys(value)
    .sort()
    .flatMap((k) => shapeOf((value as Record<string, unknown>)[k], `${path}.${k}`));
}

function itemOfFrame(frame: string | undefined, who: string): { shape: string[]; title: string; owner: string } {
  if (!frame) throw new Error(`fan-out bench: no frame from ${who}`);
  const msg = JSON.parse(frame) as { payload?: { data?: { coparentItemChanged?: { item?: { title: string; owner: { username: string } } } } } };
  const change = msg.payload?.data?.coparentItemChanged;
  if (!change?.item) throw new Error(`fan-out bench: ${who} sent no item: ${frame.slice(0, 300)}`);
  return { shape: shapeOf(change), title: change.item.title, owner: change.item.owner.username };
}

export const fanout: Scenario = {
  name: 'fanout',
  title: `fan-out: ${fmt(SUBSCRIBERS)} graphql-ws subscribers of one shared subscription (ours and stock graphql-ws), ${fmt(STREAMS)} SSE streams${SESSION_CACHE ? `; our server with SESSION_CACHE_SECONDS=${SESSION_CACHE}` : ''}`,
  async setup(env) {
    const shared = await env.interchange();
    const ix = SESSION_CACHE ? await env.startInterchange({ name: 'ix-fanout', databaseUrl: shared.databaseUrl, env: { SESSION_CACHE_SECONDS: SESSION_CACHE } }) : shared;
    const db = ix.databaseUrl;
    const cpu = new CpuProbe(env.adminDatabaseUrl);
    await cpu.start();
    env.defer(() => cpu.stop());

    // One household: a writer (its admin) and SUBSCRIBERS members, distinct users with a session each.
    const [{ id: householdId }] = await sql<{ id: string }>(db, `insert into coparent_households (id, name) values (gen_random_uuid(), $1) returning id`, [
      uniqueName('Bench family '),
    ]);
    const [writer, ...subscribers] = await seedUsers(db, SUBSCRIBERS + 1);
    await sql(
      db,
      `insert into app_memberships (id, user_id, application, status, role, household_id)
       select gen_random_uuid(), u, 'COPARENT', 'ACTIVE', case when u = $2::uuid then 'ADMIN' else 'USER' end, $1 from unnest($3::uuid[]) u`,
      [householdId, writer.id, [writer.id, ...subscribers.map((u) => u.id)]],
    );

    // One cake group: a poster and STREAMS members, enrolled in cakeplanner.
    const [{ id: groupId }] = await sql<{ id: string }>(db, `insert into cake_groups (id, name) values (gen_random_uuid(), $1) returning id`, [uniqueName('Bench stream ')]);
    const [poster, ...viewers] = await seedUsers(db, STREAMS + 1);
    const cakeIds = [poster.id, ...viewers.map((u) => u.id)];
    await sql(db, `insert into cake_memberships (id, group_id, user_id, role) select gen_random_uuid(), $1, unnest($2::uuid[]), 'member'`, [groupId, cakeIds]);
    await sql(db, `insert into app_memberships (id, user_id, application, status) select gen_random_uuid(), unnest($1::uuid[]), 'CAKEPLANNER', 'ACTIVE'`, [cakeIds]);

    const stock = await env.startBaseline({ name: 'stock-graphql-ws', script: 'stock-graphql-ws', databaseUrl: db, cacheSeconds: ix.sessionCacheSeconds });

    const post = async (url: string, token: string, body: unknown) => {
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
      const text = await res.text();
      if (res.status !== 200 && res.status !== 201) throw new Error(`POST ${new URL(url).pathname} answered ${res.status}: ${text.slice(0, 300)}`);
    };
    const itemBody = (marker: string) => ({ date: `${MONTH}-14`, type: 'EVENT', title: marker, body: 'Bring the blue bag' });

    /** graphql-ws: open every subscriber's socket, run the events, close. */
    const wsRun = async (
      server: ServerProcess,
      label: string,
      write: (marker: string) => Promise<void>,
      then?: { label: string; write: (marker: string) => Promise<void> },
    ): Promise<EventsResult[]> => {
      const clients = Clients.start(WS_PROCESSES);
      try {
        const opened = performance.now();
        await clients.open(
          { mode: 'ws', url: `${server.url.replace('http:', 'ws:')}/graphql`, query: ITEM_CHANGED, variables: { month: MONTH }, batch: OPEN_BATCH },
          subscribers.map((u) => u.token),
        );
        env.log(`${label}: ${fmt(subscribers.length)} sockets subscribed in ${fmt((performance.now() - opened) / 1000, 1)} s`);
        // the idle rate: every socket open, no event (keepalive pings: ours every 25 s, stock graphql-ws every 12 s)
        const before = await cpu.snapshot(server);
        const t0 = now();
        await sleep(IDLE_MS);
        const idle = await cpu.since(server, before);
        const idleMsPerSecond = (idle.nodeMs * 1000) / (now() - t0);
        env.log(`${label}: idle with ${fmt(subscribers.length)} sockets open: ${fmt(idleMsPerSecond, 1)} ms CPU per second`);
        const results = [{ ...(await runEvents({ clients, cpu, server, count: EVENTS, write, label, log: env.log })), idleMsPerSecond }];
        if (then) results.push({ ...(await runEvents({ clients, cpu, server, count: EVENTS, write: then.write, label: then.label, log: env.log })), idleMsPerSecond });
        return results;
      } finally {
        await clients.close();
      }
    };

    const metrics = async (): Promise<Metric[]> => {
      // SSE first: 1,000 streams of distinct members of one group
      const sseClients = Clients.start(SSE_PROCESSES);
      let sse: EventsResult;
      try {
        await sseClients.open(
          { mode: 'sse', url: `${ix.url}/cakeplanner/api/events/stream`, batch: OPEN_BATCH },
          viewers.map((u) => u.token),
        );
        env.log(`sse: ${fmt(viewers.length)} streams open`);
        sse = await runEvents({
          clients: sseClients,
          cpu,
          server: ix,
          count: SSE_EVENTS,
          warmup: SSE_WARMUP_EVENTS,
          label: 'sse',
          log: env.log,
          write: (marker, k) =>
            post(`${ix.url}/cakeplanner/api/events`, poster.token, { date: new Date(Date.UTC(2036, 0, 1 + k)).toISOString().slice(0, 10), description: marker }),
        });
      } finally {
        await sseClients.close();
      }

      const [ours] = await wsRun(ix, 'ours', (marker) => post(`${ix.url}/coparent/api/items`, writer.token, itemBody(marker)));
      await sleep(2000);
      const [theirs, floor] = await wsRun(stock, 'stock', (marker) => post(`${stock.url}/items`, writer.token, itemBody(marker)), {
        label: 'floor',
        write: (marker) => post(`${stock.url}/broadcast`, writer.token, { title: marker }),
      });

      // Same work: both answered the same document with the same shape, the item and its owner read.
      const a = itemOfFrame(ours.firstFrame, 'our server');
      const b = itemOfFrame(theirs.firstFrame, 'the stock server');
      if (a.shape.join() !== b.shape.join() || a.owner !== writer.username || b.owner !== writer.username) {
        throw new Error(`fan-out bench: the two servers' frames differ in shape (${a.shape.join(' ')} vs ${b.shape.join(' ')})`);
      }

      const o = summarize(ours, subscribers.length);
      const t = summarize(theirs, subscribers.length);
      const s = summarize(sse, viewers.length);
      const fl = summarize(floor, subscribers.length);
      const n = fmt(subscribers.length);
      const cpuDetail = (x: Summary) =>
        `node ${fmt(x.nodeUs, 1)} µs${x.totalUs !== undefined ? ` + pg ${fmt(x.totalUs - x.nodeUs, 1)} µs` : ' (pg not measured)'}` +
        `${x.netNodeUs !== undefined ? `; node net of the idle keepalive rate over the event windows: ${fmt(x.netNodeUs, 1)} µs` : ''}`;
      const oursUs = o.totalUs ?? o.nodeUs;
      const stockUs = t.totalUs ?? t.nodeUs;
      return [
        {
          name: `graphql-ws, ours: server CPU per subscriber per event (${n} subscribers, ${EVENTS} events, node + pg)`,
          value: oursUs,
          unit: 'µs',
          max: 20,
          detail: `${cpuDetail(o)}; the server process and its PostgreSQL backends from before the write to the last frame's arrival, ÷ (subscribers × events)`,
        },
        {
          name: `graphql-ws, ours: slowest of ${n} subscribers over ${EVENTS} events`,
          value: Number.isFinite(o.slowest) ? o.slowest : EVENT_TIMEOUT_MS,
          unit: 'ms',
          max: 500,
          detail: deliveryDetail(o),
        },
        {
          name: `graphql-ws, stock (useServer, executed per subscriber): CPU per subscriber per event (node + pg; informational)`,
          value: stockUs,
          unit: 'µs',
          detail: `${cpuDetail(t)}; same clients, document and ${EVENTS} events`,
        },
        {
          name: 'graphql-ws: stock ÷ ours, CPU per subscriber per event (informational; > 1: ours costs less)',
          value: stockUs / oursUs,
          unit: '×',
          detail: `node + pg ${fmt(stockUs, 1)} ÷ ${fmt(oursUs, 1)} µs; node only ${fmt(t.nodeUs, 1)} ÷ ${fmt(o.nodeUs, 1)} µs = ${fmt(t.nodeUs / o.nodeUs, 2)}`,
        },
        {
          name: `graphql-ws, stock: slowest of ${n} subscribers over ${EVENTS} events (informational)`,
          value: Number.isFinite(t.slowest) ? t.slowest : EVENT_TIMEOUT_MS,
          unit: 'ms',
          detail: deliveryDetail(t),
        },
        {
          name: 'graphql-ws floor: one pre-encoded frame written to every socket, CPU per subscriber per event (informational)',
          value: fl.nodeUs,
          unit: 'µs',
          detail: `the stock server's \`POST /broadcast\` (no execution, no filter, one JSON encoding per event) to the same ${n} sockets: what the socket writes alone cost on this machine (loopback: the kernel's TCP work of both ends is charged to the writer); slowest ${fmt(fl.slowest)} ms, median ${fmt(fl.median, 1)} ms`,
        },
        {
          name: `SSE: slowest of ${fmt(viewers.length)} streams over ${SSE_EVENTS} events`,
          value: Number.isFinite(s.slowest) ? s.slowest : EVENT_TIMEOUT_MS,
          unit: 'ms',
          max: 50,
          detail: deliveryDetail(s),
        },
        { name: `SSE: server CPU per stream per event (node + pg; informational)`, value: s.totalUs ?? s.nodeUs, unit: 'µs', detail: cpuDetail(s) },
      ];
    };

    const plan: ScenarioPlan = {
      variants: [],
      ratios: [],
      metrics,
      notes: [
        `graphql-ws: ${fmt(subscribers.length)} distinct users of one coparent household (seeded in SQL, a session and token each), one socket each, all subscribed to \`coparentItemChanged(month: "${MONTH}")\` with the same document (\`kind itemId date item { id date type title body ownerId owner { id username } createdAt updatedAt }\`); sockets opened by ${WS_PROCESSES} client processes (bench/ws-clients.ts, the \`ws\` package speaking graphql-transport-ws), ${OPEN_BATCH} at a time each. Events: items created one at a time through \`POST /coparent/api/items\` by the household's admin (ours: REST → mutation → commit → NOTIFY → fan-out), ${WARMUP_EVENTS} unmeasured warm-up events first, 300 ms apart.`,
        `Stock baseline (bench/baselines/stock-graphql-ws.ts): graphql-ws \`useServer\` with graphql-js, the same subscription shape, executed per subscriber and event (the item and its owner read per subscriber, one SQL statement each), authentication as the bare baselines (cached sessions), household read at subscribe; events from its own \`POST /items\` (one INSERT, then an in-process pubsub: no NOTIFY round trip, no per-event access re-check — both favour the baseline). Both servers' first frames are checked to have the same shape and owner before the numbers are kept.`,
        `Floor: with the stock server's sockets still open, ${EVENTS} more events through its \`POST /broadcast\`, which encodes one graphql-ws \`next\` frame and writes it to every socket (no execution, no filter): the cost of the socket writes alone, which no fan-out avoids.`,
        `CPU: /proc of the server process and of its PostgreSQL backends (by application_name), from just before the write to the last frame's arrival, summed over the measured events ÷ (subscribers × events); the write's own handling is inside the window.`,
        `SSE: ${fmt(viewers.length)} streams of \`GET /cakeplanner/api/events/stream\`, one per member of one cake group (distinct users, cakeplanner enrolled), opened by ${SSE_PROCESSES} client processes without connection pooling; events created one at a time through \`POST /cakeplanner/api/events\` by another member, ${SSE_WARMUP_EVENTS} unmeasured warm-up events first (as many deliveries as the graphql-ws part's warm-up at its default size: the stream path is compiled by the JIT as it runs), 300 ms apart. Run before the graphql-ws part, on the same server.`,
        `Our server: ${SESSION_CACHE ? `an instance of its own on the same database with SESSION_CACHE_SECONDS=${SESSION_CACHE} (BENCH_FANOUT_SESSION_CACHE), so that no session-cache entry expires during the run; with the default 30 s the per-event viewer refresh of every subscriber misses the cache at once and most subscriptions end with UNAVAILABLE (see bench/README.md)` : `the shared instance, SESSION_CACHE_SECONDS=${ix.sessionCacheSeconds}`}; the stock server caches verified sessions for ${ix.sessionCacheSeconds} s and reads them only at connection_init.`,
        `Delivery times are from sending the write in the bench process to the frame's arrival in a client process (epoch clock, performance.timeOrigin + now), so they include the write's own request and the clients' reading on the same two cores.`,
      ],
    };
    return plan;
  },
};
