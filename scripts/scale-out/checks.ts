/**
 * The scale-out checks (issue 14, "Many instances"), written once against a `Cluster` — N instances
 * on one database, reached either through a load balancer (scripts/scale-out/run.ts: HAProxy,
 * round-robin, no stickiness) or directly with the client picking instances in turn
 * (tests/scale-out.test.ts) — so CI and the balancer run exercise the same behaviour:
 *   a) a write on one instance reaches graphql-ws subscribers on every instance (delivery latency);
 *   b) an SSE client that reconnects to another instance with Last-Event-ID misses nothing;
 *   c) kill -9 of an instance during writes loses no acknowledged write, and its ws clients reconnect
 *      elsewhere and resubscribe (balancer run only: a test process cannot kill -9 itself);
 *   d) a logout on one instance closes the user's sockets on every instance.
 * Everything goes through the public surface (GraphQL over HTTP and ws, the coparent and cakeplanner
 * REST surfaces); the kill check also reads the database to find every acknowledged write.
 */
import { randomBytes } from 'node:crypto';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { gql, LiveClient, ms, openSse, percentile, requestJson, sleep, SseStream } from './clients';

export interface Instance {
  name: string;
  /** http://127.0.0.1:<port> */
  base: string;
}

export interface Cluster {
  instances: Instance[];
  /** the ws URL of a new connection: the balancer's, or the next instance's in turn */
  wsUrl(): string;
  /** the instance a direct ws URL points at (behind a balancer the 101 answer's X-Served-By says it) */
  nameOf?(url: string): string;
  /** http://127.0.0.1:<port> of the balancer, when there is one */
  balancer?: string;
}

export interface CheckResult {
  name: string;
  pass: boolean;
  /** one line with the numbers */
  summary: string;
  /** the numbers, for the report */
  numbers: Record<string, string | number>;
  /** why it failed, when it did */
  problems: string[];
}

export interface User {
  id: string;
  username: string;
  token: string;
}

/** What the checks need in the database: made once per run through the public surface. */
export interface Fixture {
  admin: User;
  /** coparent household members: `writer` writes items, `members` subscribe */
  writer: User;
  members: User[];
  /** cakeplanner: `baker` creates events in `groupId`, `reader` follows the group's SSE stream */
  baker: User;
  reader: User;
  groupId: string;
  /** a prefix no other run uses (titles, names) */
  run: string;
}

const ITEM_CHANGED = `subscription ScaleOutItems($month: String!) { coparentItemChanged(month: $month) { kind item { title } } }`;
const USER_CHANGED = `subscription ScaleOutUser { userChanged { kind } }`;

// ------------------------------------------------------------------------------------------------
// fixture

async function registerUser(base: string, run: string, label: string): Promise<User> {
  const username = `${run}-${label}`;
  const password = 'scale out correct horse';
  const reg = await gql<{ register: { id: string; role: string } }>(base, `mutation ScaleOutRegister($input: RegisterInput!) { register(input: $input) { id role } }`, {
    input: { username, email: `${username}@scale-out.test`, password, name: username },
  });
  const login = await gql<{ login: { token: string } }>(base, `mutation ScaleOutLogin($input: LoginInput!) { login(input: $input) { token } }`, {
    input: { login: username, password },
  });
  return { id: reg.register.id, username, token: login.login.token };
}

/**
 * Users, a coparent household's members and a cake group, made through GraphQL and the cakeplanner
 * surface. The first account of a fresh database becomes ADMIN; on a database that already has
 * accounts, `promote` is asked to make the run's admin one (the script does it in SQL and says so).
 */
export async function seed(base: string, opts: { members: number; promote?: (userId: string) => Promise<void> }): Promise<Fixture> {
  const run = `so${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const admin = await registerUser(base, run, 'admin');
  const role = await gql<{ me: { role: string } }>(base, `query ScaleOutMe { me { role } }`, {}, admin.token);
  if (role.me.role !== 'ADMIN') {
    if (!opts.promote) throw new Error('the database already has accounts and no way to make the run an admin was given');
    await opts.promote(admin.id);
  }
  const join = (u: User) => gql(base, `mutation ScaleOutJoin($userId: ID!) { addHouseholdMember(userId: $userId, role: USER) { id } }`, { userId: u.id }, admin.token);
  const writer = await registerUser(base, run, 'writer');
  await join(writer);
  const members: User[] = [];
  for (let i = 0; i < opts.members; i++) {
    const m = await registerUser(base, run, `member${i}`);
    await join(m);
    members.push(m);
  }
  const enroll = (u: User) =>
    gql(base, `mutation ScaleOutEnroll($userId: ID!) { setEnrollment(userId: $userId, application: CAKEPLANNER, status: ACTIVE) { status } }`, { userId: u.id }, admin.token);
  const baker = await registerUser(base, run, 'baker');
  const reader = await registerUser(base, run, 'reader');
  await enroll(baker);
  await enroll(reader);
  const group = await requestJson(`${base}/cakeplanner/api/admin/groups`, 'POST', { name: `${run} team` }, admin.token);
  if (group.status !== 201) throw new Error(`cake group: ${group.status} ${JSON.stringify(group.body)}`);
  for (const u of [baker, reader]) {
    const res = await requestJson(`${base}/cakeplanner/api/admin/users/assign-group`, 'POST', { userId: u.id, groupId: group.body.id }, admin.token);
    if (res.status !== 200) throw new Error(`cake membership: ${res.status} ${JSON.stringify(res.body)}`);
  }
  return { admin, writer, members, baker, reader, groupId: group.body.id, run };
}

// ------------------------------------------------------------------------------------------------
// helpers

let itemSeq = 0;
/** A coparent item through the REST surface as its client sends it; resolves with the status (network errors reject). */
function writeItem(base: string, token: string, month: string, title: string): Promise<number> {
  return postItem(base, token, month, title).then((r) => r.status);
}

/** The same, with the instance that answered (behind HAProxy: absent when HAProxy answered itself). */
function postItem(base: string, token: string, month: string, title: string): Promise<{ status: number; servedBy?: string }> {
  itemSeq += 1;
  const date = `${month}-${String((itemSeq % 28) + 1).padStart(2, '0')}`;
  return requestJson(`${base}/coparent/api/items`, 'POST', { date, type: 'EVENT', title }, token);
}

/** An ended subscription's reason, readable (a close event, a GraphQL error list, an Error). */
function reason(e: unknown): string {
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && 'code' in e) return `socket closed ${(e as { code: number }).code} ${(e as { reason?: string }).reason ?? ''}`.trim();
  return JSON.stringify(e)?.slice(0, 200) ?? String(e);
}

/** Per-instance counts, as `ix1 4 · ix2 4 · ix3 4`. */
function spread(names: (string | undefined)[], instances: Instance[]): { text: string; covered: number } {
  const counts = instances.map((i) => names.filter((n) => n === i.name).length);
  const other = names.length - counts.reduce((a, b) => a + b, 0);
  return {
    text: instances.map((i, k) => `${i.name} ${counts[k]}`).join(' · ') + (other ? ` · not known ${other}` : ''),
    covered: counts.filter((c) => c > 0).length,
  };
}

interface Subscribers {
  clients: LiveClient[];
  /** per client: title → time received (performance.now) */
  received: Map<string, number>[];
  duplicates: number;
  ended: (unknown | undefined)[];
  dispose(): Promise<void>;
}

/** `count` clients subscribed to the coparent items of `month`, each recording what it receives. */
function subscribeItems(cluster: Cluster, tokens: string[], count: number, month: string, reconnect = false): Subscribers {
  const clients: LiveClient[] = [];
  const received: Map<string, number>[] = [];
  const ended: (unknown | undefined)[] = [];
  const subs: Subscribers = { clients, received, duplicates: 0, ended, dispose: async () => void (await Promise.all(clients.map((c) => c.dispose()))) };
  for (let i = 0; i < count; i++) {
    const client = new LiveClient({ url: () => cluster.wsUrl(), token: tokens[i % tokens.length], reconnect, nameOf: cluster.nameOf });
    const got = new Map<string, number>();
    clients.push(client);
    received.push(got);
    ended.push(undefined);
    client.subscribe(
      ITEM_CHANGED,
      { month },
      (data) => {
        const now = performance.now();
        const title: string = data.coparentItemChanged.item?.title;
        if (got.has(title)) subs.duplicates += 1;
        else got.set(title, now);
      },
      (err) => (ended[i] = err ?? 'completed'),
    );
  }
  return subs;
}

/**
 * Writes warm-up items until every subscriber has one (their subscriptions are registered on their
 * instances: graphql-ws acknowledges a connection before its subscribe message is processed).
 */
async function waitSubscribed(subs: Subscribers, write: (title: string) => Promise<number>, prefix: string, timeoutMs = 20_000, label = 'warmup'): Promise<void> {
  const until = performance.now() + timeoutMs;
  for (let k = 0; performance.now() < until; k++) {
    const title = `${prefix}-${label}${k}`;
    await write(title);
    const stop = performance.now() + 1500;
    while (performance.now() < stop && !subs.received.every((r) => r.has(title))) await sleep(20);
    if (subs.received.every((r) => r.has(title))) return;
  }
  const missing = subs.received.filter((r) => ![...r.keys()].some((t) => t.startsWith(`${prefix}-${label}`))).length;
  throw new Error(`${missing} of ${subs.clients.length} subscribers never received a ${label} event within ${timeoutMs} ms`);
}

function result(name: string, problems: string[], summary: string, numbers: Record<string, string | number>): CheckResult {
  return { name, pass: problems.length === 0, summary, numbers, problems };
}

/**
 * Waits until every instance answers /readyz quickly again (at most `timeoutMs`): a check that
 * saturated the instances must not leave its backlog to the next one. Resolves with the time it took.
 */
export async function settle(cluster: Cluster, timeoutMs = 90_000): Promise<number> {
  const t0 = performance.now();
  let quick = 0;
  while (performance.now() - t0 < timeoutMs && quick < 2) {
    const times = await Promise.all(
      cluster.instances.map(async (i) => {
        const start = performance.now();
        const r = await requestJson(`${i.base}/readyz`, 'GET').catch(() => undefined);
        return r?.status === 200 ? performance.now() - start : Infinity;
      }),
    );
    quick = times.every((t) => t < 300) ? quick + 1 : 0;
    if (quick < 2) await sleep(250);
  }
  return performance.now() - t0;
}

// ------------------------------------------------------------------------------------------------
// a) delivery to subscribers on every instance

export interface DeliveryOptions {
  subscribers: number;
  /** writes per second, spread over the instances in turn (each write goes straight to one instance) */
  rate: number;
  seconds: number;
  month: string;
  /** p99 delivery latency to pass (ms); none: latency is reported, not judged */
  targetP99Ms?: number;
}

/**
 * Every write goes straight to one instance (in turn); subscribers are connected wherever their
 * connection landed. Latency is from just before the write request is sent to the event's arrival at
 * the subscriber (same clock: one process), so it includes the write itself.
 */
export async function deliveryCheck(cluster: Cluster, fx: Fixture, o: DeliveryOptions): Promise<CheckResult> {
  const name = 'a) write on one instance → graphql-ws subscribers on all instances';
  const prefix = `${fx.run}-a${randomBytes(2).toString('hex')}`;
  const subs = subscribeItems(
    cluster,
    fx.members.map((m) => m.token),
    o.subscribers,
    o.month,
  );
  try {
    await waitSubscribed(subs, (t) => writeItem(cluster.instances[0].base, fx.writer.token, o.month, t), prefix);
    const where = spread(
      subs.clients.map((c) => c.instance),
      cluster.instances,
    );
    const total = Math.round(o.rate * o.seconds);
    const interval = 1000 / o.rate;
    const sentAt = new Map<string, number>();
    const ackMs: number[] = [];
    const failures: string[] = [];
    const writes: Promise<void>[] = [];
    const byWriter = new Map<string, string>();
    // the clients' own event-loop delay: when it is high, the latencies include the client's wait
    const lag = monitorEventLoopDelay({ resolution: 10 });
    lag.enable();
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      const title = `${prefix}-${i}`;
      const target = cluster.instances[i % cluster.instances.length];
      byWriter.set(title, target.name);
      const start = performance.now();
      sentAt.set(title, start);
      writes.push(
        writeItem(target.base, fx.writer.token, o.month, title).then(
          (status) => {
            ackMs.push(performance.now() - start);
            if (status !== 200) failures.push(`${title} on ${target.name}: HTTP ${status}`);
          },
          (err: Error) => void failures.push(`${title} on ${target.name}: ${err.message}`),
        ),
      );
    }
    const elapsed = (performance.now() - t0) / 1000;
    await Promise.all(writes);
    const acked = [...sentAt.keys()].filter((t) => !failures.some((f) => f.startsWith(`${t} `)));
    // stragglers: at most 5 s more
    const stop = performance.now() + 5000;
    while (performance.now() < stop && !subs.received.every((r) => acked.every((t) => r.has(t)))) await sleep(25);
    lag.disable();

    const latencies: number[] = [];
    const perInstance = new Map<string, number[]>();
    const perWriter = new Map<string, number[]>();
    let missing = 0;
    subs.received.forEach((got, k) => {
      const instance = subs.clients[k].instance ?? 'unknown';
      for (const t of acked) {
        const at = got.get(t);
        if (at === undefined) {
          missing += 1;
          continue;
        }
        const l = at - sentAt.get(t)!;
        latencies.push(l);
        if (!perInstance.has(instance)) perInstance.set(instance, []);
        perInstance.get(instance)!.push(l);
        const w = byWriter.get(t)!;
        if (!perWriter.has(w)) perWriter.set(w, []);
        perWriter.get(w)!.push(l);
      }
    });
    const p50 = percentile(latencies, 50);
    const p99 = percentile(latencies, 99);
    const problems: string[] = [];
    if (where.covered < cluster.instances.length) problems.push(`subscribers reached only ${where.covered} of ${cluster.instances.length} instances (${where.text})`);
    if (failures.length) problems.push(`${failures.length} writes failed: ${failures.slice(0, 3).join('; ')}`);
    if (missing) problems.push(`${missing} deliveries missing (of ${acked.length * subs.clients.length})`);
    if (subs.duplicates) problems.push(`${subs.duplicates} duplicate deliveries`);
    const endedEarly = subs.ended.filter((e) => e !== undefined).length;
    if (endedEarly) problems.push(`${endedEarly} subscriptions ended: ${reason(subs.ended.find((e) => e !== undefined))}`);
    if (o.targetP99Ms !== undefined && !(p99 <= o.targetP99Ms)) problems.push(`p99 ${ms(p99)} above the target of ${o.targetP99Ms} ms`);
    const perInstanceText = [...perInstance.entries()]
      .sort()
      .map(([n, v]) => `${n} p99 ${ms(percentile(v, 99))}`)
      .join(' · ');
    const perWriterText = [...perWriter.entries()]
      .sort()
      .map(([n, v]) => `from ${n} p99 ${ms(percentile(v, 99))}`)
      .join(' · ');
    return result(
      name,
      problems,
      `${total} writes at ${(total / elapsed).toFixed(0)}/s over ${elapsed.toFixed(1)} s to ${subs.clients.length} subscribers (${where.text}): ` +
        `${latencies.length}/${acked.length * subs.clients.length} delivered, p50 ${ms(p50)}, p99 ${ms(p99)}, max ${ms(Math.max(...latencies))}` +
        (o.targetP99Ms !== undefined ? ` (target p99 ≤ ${o.targetP99Ms} ms)` : ''),
      {
        writes: total,
        'writes/s asked': o.rate,
        'writes/s sent': Number((total / elapsed).toFixed(1)),
        subscribers: subs.clients.length,
        'subscribers per instance': where.text,
        deliveries: `${latencies.length}/${acked.length * subs.clients.length}`,
        duplicates: subs.duplicates,
        'failed writes': failures.length,
        'delivery p50': ms(p50),
        'delivery p99': ms(p99),
        'delivery max': ms(Math.max(...latencies)),
        'p99 by subscriber instance': perInstanceText,
        'p99 by writing instance': perWriterText,
        'write answer p50': ms(percentile(ackMs, 50)),
        'write answer p99': ms(percentile(ackMs, 99)),
        "clients' event-loop delay p99 / max": `${ms(lag.percentile(99) / 1e6)} / ${ms(lag.max / 1e6)}`,
      },
    );
  } finally {
    await subs.dispose();
  }
}

// ------------------------------------------------------------------------------------------------
// b) SSE resume on another instance

let cakeDay = Math.floor(Math.random() * 3000);
function createCakeEvent(base: string, token: string, description: string): Promise<{ status: number; id?: string }> {
  cakeDay += 1;
  const date = new Date(Date.UTC(2040, 0, 1) + cakeDay * 86_400_000).toISOString().slice(0, 10);
  return requestJson(`${base}/cakeplanner/api/events`, 'POST', { date, description }, token).then((r) => ({ status: r.status, id: r.body?.id }));
}

export interface SseOptions {
  /** events read on the first instance before the disconnect */
  before: number;
  /** events written while disconnected (on every instance in turn) */
  during: number;
}

/**
 * The reader follows the group's stream on instance A, reads `before` events, disconnects; `during`
 * events are written on every instance in turn; the reader connects to instance B with the last id
 * it saw and must get exactly the missed events, in order, once, then live ones. With a balancer, a
 * stream through it must deliver a frame as soon as it is written (no buffering).
 */
export async function sseResumeCheck(cluster: Cluster, fx: Fixture, o: SseOptions): Promise<CheckResult> {
  const name = 'b) SSE reconnecting to another instance with Last-Event-ID misses nothing';
  const [a, b] = cluster.instances;
  const path = '/cakeplanner/api/events/stream';
  const problems: string[] = [];
  const streams: SseStream[] = [];
  const open = async (base: string, lastId?: string) => {
    const st = await openSse(`${base}${path}`, fx.reader.token, lastId);
    streams.push(st);
    if (st.status !== 200) throw new Error(`stream on ${base}: HTTP ${st.status}`);
    await st.listening();
    return st;
  };
  const write = async (k: number, label: string) => {
    const target = cluster.instances[k % cluster.instances.length];
    const res = await createCakeEvent(target.base, fx.baker.token, `${fx.run} ${label}`);
    if (res.status !== 201 || !res.id) throw new Error(`cake event on ${target.name}: HTTP ${res.status}`);
    return res.id;
  };
  try {
    const first = await open(a.base);
    const seen: string[] = [];
    for (let k = 0; k < o.before; k++) seen.push(await write(k + 1, `before ${k}`));
    for (const id of seen) await first.next((f) => f.data?.id === id && f.event === 'created');
    // the stream also sends each change as an unnamed frame without an id (the original frontend's): the last id is what EventSource keeps
    const lastId = [...first.frames].reverse().find((f) => f.id !== undefined)?.id;
    if (!lastId) throw new Error(`the stream on ${a.name} sent no frame with an id`);
    first.close();
    await first.ended;

    const missed: string[] = [];
    for (let k = 0; k < o.during; k++) missed.push(await write(k, `during ${k}`));
    const t0 = performance.now();
    const resumed = await open(b.base, lastId);
    const resent = () => missed.every((id) => resumed.frames.some((f) => f.event === 'created' && f.data?.id === id));
    for (const until = performance.now() + 5000; performance.now() < until && !resent();) await sleep(5);
    const resumeMs = performance.now() - t0;
    const got = resumed.frames.filter((f) => f.event === 'created').map((f) => f.data.id as string);
    const lost = missed.filter((id) => !got.includes(id));
    if (lost.length) problems.push(`${lost.length} of ${missed.length} missed events not resent on ${b.name}`);
    if (JSON.stringify(got.slice(0, missed.length)) !== JSON.stringify(missed)) problems.push(`resent out of order or with extras: ${got.length} frames`);
    if (got.some((id) => seen.includes(id))) problems.push('events before Last-Event-ID were sent again');
    const ids = resumed.frames.filter((f) => f.id !== undefined).map((f) => Number(f.id));
    if (ids.some((id, k) => k > 0 && id <= ids[k - 1])) problems.push('ids not strictly increasing');

    // live after the resume, written on A
    const liveStart = performance.now();
    const live = await write(0, 'live');
    const liveFrame = await resumed.next((f) => f.event === 'created' && f.data?.id === live, 5000).catch(() => undefined);
    const liveMs = performance.now() - liveStart;
    if (!liveFrame) problems.push(`a live event written on ${a.name} did not reach the resumed stream on ${b.name}`);

    const numbers: Record<string, string | number> = {
      'first stream': a.name,
      'resumed on': b.name,
      'read before the disconnect': o.before,
      'written while disconnected': o.during,
      'resent on resume': `${o.during - lost.length}/${o.during}`,
      'resume (connect → last missed frame)': ms(resumeMs),
      'live after resume (write → frame)': ms(liveMs),
    };
    let extra = '';
    if (cluster.balancer) {
      // through the balancer: the frame must arrive at once (HAProxy must not buffer the stream)
      const via = await open(cluster.balancer);
      const start = performance.now();
      const id = await write(1, 'through the balancer');
      const frame = await via.next((f) => f.data?.id === id, 5000).catch(() => undefined);
      const viaMs = performance.now() - start;
      numbers['through the balancer (write → frame)'] = frame ? ms(viaMs) : 'not received';
      numbers['balancer stream served by'] = via.servedBy ?? 'unknown';
      if (!frame || viaMs > 1000) problems.push(`a stream through the balancer got its frame ${frame ? `after ${ms(viaMs)}` : 'never'}`);
      extra = `; through the balancer ${frame ? ms(viaMs) : 'not received'}`;
    }
    return result(
      name,
      problems,
      `${o.before} read on ${a.name}, ${o.during} written while away, ${o.during - lost.length}/${o.during} resent on ${b.name} in ${ms(resumeMs)}, live after ${ms(liveMs)}${extra}`,
      numbers,
    );
  } finally {
    for (const st of streams) st.close();
  }
}

// ------------------------------------------------------------------------------------------------
// c) kill -9 during writes

export interface KillOptions {
  subscribers: number;
  rate: number;
  seconds: number;
  month: string;
  /** the instance to kill; the function kills it (SIGKILL) and resolves when it is gone */
  victim: string;
  kill(): Promise<void>;
  /** the titles of the coparent items in the database starting with a prefix */
  committedTitles(prefix: string): Promise<Set<string>>;
}

/**
 * Writes go through the balancer (which retries a refused connection on another instance); a third of
 * the way through, the victim is killed with SIGKILL. Every write answered 2xx must be in the database;
 * every ws client of the victim must reconnect through the balancer to another instance and resubscribe
 * (events written afterwards reach every client).
 */
export async function killCheck(cluster: Cluster, fx: Fixture, o: KillOptions): Promise<CheckResult> {
  const name = 'c) kill -9 of one instance during writes';
  if (!cluster.balancer) throw new Error('the kill check needs a balancer');
  const balancer = cluster.balancer;
  const prefix = `${fx.run}-c${randomBytes(2).toString('hex')}`;
  const subs = subscribeItems(
    cluster,
    fx.members.map((m) => m.token),
    o.subscribers,
    o.month,
    true,
  );
  try {
    await waitSubscribed(subs, (t) => writeItem(balancer, fx.writer.token, o.month, t), prefix);
    const where = spread(
      subs.clients.map((c) => c.instance),
      cluster.instances,
    );
    const victims = subs.clients.filter((c) => c.instance === o.victim);
    const total = Math.round(o.rate * o.seconds);
    const interval = 1000 / o.rate;
    const outcome = new Map<string, string>(); // title → "2xx" | status | error
    const writes: Promise<void>[] = [];
    const answerMs: number[] = [];
    /** when each write that was not acknowledged was sent, relative to the kill (ms) */
    const failedAt: number[] = [];
    let killedAt = 0;
    let killing: Promise<void> | undefined;
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + i * interval;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (!killing && i >= Math.floor(total / 3)) {
        killedAt = performance.now();
        killing = o.kill();
      }
      const title = `${prefix}-${i}`;
      const start = performance.now();
      writes.push(
        postItem(balancer, fx.writer.token, o.month, title).then(
          ({ status, servedBy }) => {
            answerMs.push(performance.now() - start);
            outcome.set(title, status >= 200 && status < 300 ? '2xx' : `HTTP ${status} from ${servedBy ?? 'HAProxy'}`);
            if (status < 200 || status >= 300) failedAt.push(start - killedAt);
          },
          (err: Error) => {
            outcome.set(title, `error ${err.message}`);
            failedAt.push(start - killedAt);
          },
        ),
      );
    }
    await Promise.all(writes);
    await killing;

    // the victim's clients: back on another instance
    const stop = performance.now() + 30_000;
    const back = (c: LiveClient) => c.servedBy.length >= 2 && c.instance !== o.victim && c.connectedAt[c.connectedAt.length - 1] > killedAt;
    while (performance.now() < stop && !victims.every(back)) await sleep(50);
    const reconnectMs = victims.filter(back).map((c) => c.connectedAt[c.connectedAt.length - 1] - killedAt);
    // when each of the victim's clients saw its socket close (before it could reconnect)
    const closedMs = victims.flatMap((c) =>
      c.closes
        .filter((x) => x.at >= killedAt)
        .slice(0, 1)
        .map((x) => x.at - killedAt),
    );
    // resubscribed: new writes reach every client, the victim's included
    let probesOk = false;
    let probeProblem = '';
    try {
      await waitSubscribed(subs, (t) => writeItem(balancer, fx.writer.token, o.month, t), prefix, 10_000, 'probe');
      probesOk = true;
    } catch (err) {
      probeProblem = (err as Error).message;
    }

    const committed = await o.committedTitles(prefix);
    const acknowledged = [...outcome.entries()].filter(([, v]) => v === '2xx').map(([t]) => t);
    const lost = acknowledged.filter((t) => !committed.has(t));
    const unanswered = [...outcome.entries()].filter(([, v]) => v !== '2xx');
    const committedUnanswered = unanswered.filter(([t]) => committed.has(t)).length;
    const failureKinds = new Map<string, number>();
    for (const [, v] of unanswered) failureKinds.set(v.replace(/^error .*/, 'network error'), (failureKinds.get(v.replace(/^error .*/, 'network error')) ?? 0) + 1);
    const problems: string[] = [];
    if (lost.length) problems.push(`${lost.length} acknowledged writes are not in the database: ${lost.slice(0, 3).join(', ')}`);
    if (!victims.length) problems.push(`no subscriber was on ${o.victim} (${where.text})`);
    const stuck = victims.filter((c) => !back(c)).length;
    if (stuck) problems.push(`${stuck} of ${victims.length} clients of ${o.victim} did not reconnect elsewhere within 30 s (${closedMs.length} had seen their socket close)`);
    if (!probesOk) problems.push(`after the kill, not every client received new events: ${probeProblem}`);
    const movedTo = spread(
      victims.map((c) => c.instance),
      cluster.instances,
    );
    return result(
      name,
      problems,
      `${total} writes at ${o.rate}/s through the balancer, ${o.victim} killed after ${Math.floor(total / 3)}: ${acknowledged.length} acknowledged, ` +
        `${lost.length} of them lost; ${unanswered.length} not acknowledged (${[...failureKinds].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'}); ` +
        `${victims.length - stuck}/${victims.length} of its ws clients back on ${movedTo.text} within ${ms(Math.max(0, ...reconnectMs))}, resubscribed: ${probesOk ? 'yes' : 'NO'}`,
      {
        writes: total,
        'writes/s': o.rate,
        killed: `${o.victim} (SIGKILL) after write ${Math.floor(total / 3)}`,
        'subscribers per instance before': where.text,
        acknowledged: acknowledged.length,
        'acknowledged but not in the database': lost.length,
        'not acknowledged': `${unanswered.length} (${[...failureKinds].map(([k, n]) => `${n} ${k}`).join(', ') || 'none'})`,
        'not acknowledged but committed': committedUnanswered,
        'not acknowledged, sent between (ms from the kill)': failedAt.length ? `${Math.min(...failedAt).toFixed(0)} and ${Math.max(...failedAt).toFixed(0)}` : '—',
        'write answer p99': ms(percentile(answerMs, 99)),
        'write answer max': ms(Math.max(...answerMs)),
        "victim's sockets seen closed (kill → close)": `${closedMs.length}/${victims.length}, max ${ms(Math.max(0, ...closedMs))}`,
        "victim's ws clients reconnected": `${victims.length - stuck}/${victims.length} (now ${movedTo.text})`,
        'reconnect (kill → connected) p50': ms(percentile(reconnectMs, 50)),
        'reconnect (kill → connected) max': ms(Math.max(0, ...reconnectMs)),
        'resubscribed (new events reach every client)': probesOk ? 'yes' : 'no',
      },
    );
  } finally {
    await subs.dispose();
  }
}

// ------------------------------------------------------------------------------------------------
// d) logout closes the user's sockets on every instance

export async function logoutCheck(cluster: Cluster, fx: Fixture, o: { socketsPerInstance: number }): Promise<CheckResult> {
  const name = "d) logout on one instance closes the user's sockets on all instances";
  const user = await registerUser(cluster.instances[0].base, fx.run, `leaver${randomBytes(2).toString('hex')}`);
  const count = o.socketsPerInstance * cluster.instances.length;
  const clients: LiveClient[] = [];
  const ends: (unknown | undefined)[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const c = new LiveClient({ url: () => cluster.wsUrl(), token: user.token, nameOf: cluster.nameOf });
      clients.push(c);
      ends.push(undefined);
      c.subscribe(
        USER_CHANGED,
        {},
        () => undefined,
        (e) => (ends[i] = e ?? 'completed'),
      );
    }
    const stop = performance.now() + 10_000;
    while (performance.now() < stop && !clients.every((c) => c.servedBy.length > 0)) await sleep(20);
    await sleep(200); // the subscriptions register after the connection's ack
    const where = spread(
      clients.map((c) => c.instance),
      cluster.instances,
    );
    const problems: string[] = [];
    if (where.covered < cluster.instances.length) problems.push(`the sockets reached only ${where.covered} instances (${where.text})`);
    const logoutOn = cluster.instances[0];
    const t0 = performance.now();
    const out = await requestJson(`${logoutOn.base}/graphql`, 'POST', { query: 'mutation ScaleOutLogout { logout }' }, user.token);
    if (out.status !== 200 || out.body?.errors) problems.push(`logout failed: ${out.status} ${JSON.stringify(out.body)}`);
    const until = performance.now() + 10_000;
    while (performance.now() < until && !clients.every((c) => c.closes.length > 0)) await sleep(10);
    const closeMs = clients.filter((c) => c.closes.length).map((c) => c.closes[0].at - t0);
    const open = clients.filter((c) => !c.closes.length);
    const wrongCode = clients.filter((c) => c.closes.length && c.closes[0].code !== 4401);
    if (open.length)
      problems.push(
        `${open.length} sockets still open 10 s after the logout (on ${
          spread(
            open.map((c) => c.instance),
            cluster.instances,
          ).text
        })`,
      );
    if (wrongCode.length) problems.push(`${wrongCode.length} sockets closed with ${wrongCode.map((c) => c.closes[0].code).join(',')} instead of 4401`);
    // and the token is refused on every instance
    const refusedOn: string[] = [];
    for (const inst of cluster.instances) {
      const me = await requestJson(`${inst.base}/graphql`, 'POST', { query: 'query ScaleOutMeAfter { me { id } }' }, user.token);
      const refused = me.body?.errors?.some((e: { extensions?: { code?: string } }) => e.extensions?.code === 'UNAUTHENTICATED') || (me.body?.data && me.body.data.me === null);
      if (refused) refusedOn.push(inst.name);
      else problems.push(`the logged-out token still reads me on ${inst.name}`);
    }
    const byInstance = cluster.instances
      .map((inst) => {
        const t = clients.filter((c) => c.instance === inst.name && c.closes.length).map((c) => c.closes[0].at - t0);
        return `${inst.name} ${t.length ? ms(Math.max(...t)) : '—'}`;
      })
      .join(' · ');
    return result(
      name,
      problems,
      `${count} sockets (${where.text}), logout on ${logoutOn.name}: ${count - open.length}/${count} closed with 4401 within ${ms(Math.max(0, ...closeMs))} (slowest per instance: ${byInstance}); token refused on ${refusedOn.length}/${cluster.instances.length}`,
      {
        sockets: count,
        'sockets per instance': where.text,
        'logout on': logoutOn.name,
        'closed with 4401': `${count - open.length - wrongCode.length}/${count}`,
        'close after logout p50': ms(percentile(closeMs, 50)),
        'close after logout max': ms(Math.max(0, ...closeMs)),
        'slowest close per instance': byInstance,
        'token refused afterwards on': refusedOn.join(', '),
      },
    );
  } finally {
    await Promise.all(clients.map((c) => c.dispose()));
  }
}
