/**
 * The load generator: a child process (forked by bench/lib.ts) that runs autocannon on request, so the
 * load it makes costs the servers under test no time on their event loop. It checks every response
 * against the round's declarative `Expect` and sends back counts, failure samples and every latency.
 * Requests can rotate through sets of headers (one token per user) and run at a fixed rate.
 */
import autocannon from 'autocannon';
import { Agent, request as httpRequest } from 'node:http';

/** What every response of a variant must look like. Checks are data, so they cross the process boundary. */
export interface Expect {
  /** the status every response must have (default 200) */
  status?: number;
  /** the body is a GraphQL response: JSON with non-null `data` and no `errors` */
  graphql?: boolean;
  /** substrings every body must contain (e.g. the seeded user's name) */
  contains?: string[];
}

export interface LoadRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string;
  connections: number;
  /** whole seconds (autocannon stops on its 1 s tick) */
  seconds: number;
  expect: Expect;
  /** merged into the requests in turn: request i gets headerSets[i mod n] (one token per seeded user) */
  headerSets?: Record<string, string>[];
  /** requests per second over all connections (a fixed-rate run); unset: as fast as the server answers */
  rate?: number;
  /**
   * Stop sending at the round's end but wait for the requests in flight and count them (a closed loop
   * of our own instead of autocannon, which abandons them): see `runDrainedRound`.
   */
  drain?: boolean;
}

export interface RoundResult {
  requests: number;
  /** measured wall time of the round, seconds */
  seconds: number;
  /** responses with another status than expected */
  badStatus: number;
  /** responses whose body failed the checks */
  badBody: number;
  /** connection errors and timeouts */
  socketErrors: number;
  statusCounts: Record<string, number>;
  /** a few failing bodies or error messages, for the report */
  samples: string[];
  /** every response time in ms */
  latencies: number[];
}

export type ParentMessage = { type: 'run'; id: number; request: LoadRequest } | { type: 'exit' };
export type ChildMessage = { type: 'ready' } | { type: 'result'; id: number; result?: RoundResult; error?: string };

/** The body check of an `Expect` (undefined when only the status is checked). */
export function bodyCheck(expect: Expect): ((body: string) => boolean) | undefined {
  const contains = expect.contains ?? [];
  if (!expect.graphql && !contains.length) return undefined;
  return (body) => {
    for (const s of contains) if (!body.includes(s)) return false;
    if (!expect.graphql) return true;
    try {
      const json = JSON.parse(body) as Record<string, unknown> | null;
      return !!json && typeof json === 'object' && json.data != null && !('errors' in json);
    } catch {
      return false;
    }
  };
}

export function runRound(request: LoadRequest): Promise<RoundResult> {
  const host = new URL(request.url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost') return Promise.reject(new Error(`bench traffic goes to 127.0.0.1 only, not ${request.url}`));
  if (request.drain) return runDrainedRound(request);
  const expected = request.expect.status ?? 200;
  const latencies: number[] = [];
  const samples: string[] = [];
  const sample = (s: string) => {
    if (samples.length < 3) samples.push(s.slice(0, 300));
  };
  const sets = request.headerSets;
  let next = 0;
  return new Promise((resolve, reject) => {
    const instance = autocannon(
      {
        url: request.url,
        method: request.method,
        headers: request.headers,
        body: request.body,
        connections: request.connections,
        duration: request.seconds,
        timeout: 10,
        verifyBody: bodyCheck(request.expect),
        ...(request.rate ? { overallRate: request.rate } : {}),
        ...(sets?.length ? { requests: [{ setupRequest: (req: autocannon.RequestParams) => ({ ...req, headers: { ...req.headers, ...sets[next++ % sets.length] } }) }] } : {}),
      },
      (err, result) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const statusCounts: Record<string, number> = {};
        let total = 0;
        for (const [code, { count }] of Object.entries(result.statusCodeStats ?? {})) {
          statusCounts[code] = Number(count);
          total += Number(count);
        }
        resolve({
          requests: total,
          seconds: result.duration,
          badStatus: total - (statusCounts[String(expected)] ?? 0),
          badBody: result.mismatches,
          socketErrors: result.errors + result.timeouts,
          statusCounts,
          samples,
          latencies,
        });
      },
    );
    instance.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      latencies.push(ms);
      if (status !== expected) sample(`status ${status}`);
    });
    instance.on('reqMismatch', (body: unknown) => sample(`body ${String(body)}`));
    instance.on('reqError', (err: unknown) => sample(`socket ${err instanceof Error ? err.message : String(err)}`));
  });
}

/**
 * A round that ends as a function variant's does (bench/runner.ts `runFunctionRound`): `connections`
 * closed loops on keep-alive sockets, each sending its next request once the last one was answered,
 * until the round's time is up; the requests still in flight then are waited for and counted. The CPU
 * read around the round is then exactly the CPU of the requests counted. autocannon instead destroys
 * its sockets at the end of the round: the server still finishes those requests (a login's argon2
 * runs on), so their work up to that point is in the round's CPU without them being counted, and the
 * rest lands in the next round of the same server. For requests of a few ms that is noise; for a login
 * (eight in flight, ~30 ms of CPU each, a few dozen answered per round on a loaded machine) it was
 * several percent of the CPU per request (bench/README.md, "Findings (platform scenario)").
 */
async function runDrainedRound(request: LoadRequest): Promise<RoundResult> {
  if (request.rate) throw new Error('a drained round runs at saturation: no fixed rate');
  const expected = request.expect.status ?? 200;
  const check = bodyCheck(request.expect);
  const url = new URL(request.url);
  const agent = new Agent({ keepAlive: true, maxSockets: request.connections });
  const sets = request.headerSets;
  const result: RoundResult = { requests: 0, seconds: 0, badStatus: 0, badBody: 0, socketErrors: 0, statusCounts: {}, samples: [], latencies: [] };
  const sample = (s: string) => {
    if (result.samples.length < 3) result.samples.push(s.slice(0, 300));
  };
  let next = 0;
  const send = (): Promise<{ status: number; body: string }> =>
    new Promise((resolve, reject) => {
      const headers = { ...request.headers, ...(sets?.length ? sets[next++ % sets.length] : {}) };
      const req = httpRequest({ agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: request.method, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      // autocannon's `timeout: 10` (seconds)
      req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
      req.on('error', reject);
      req.end(request.body);
    });
  const started = performance.now();
  const deadline = started + request.seconds * 1000;
  const loop = async () => {
    while (performance.now() < deadline) {
      const t0 = performance.now();
      try {
        const { status, body } = await send();
        result.latencies.push(performance.now() - t0);
        result.requests++;
        result.statusCounts[status] = (result.statusCounts[status] ?? 0) + 1;
        if (status !== expected) {
          result.badStatus++;
          sample(`status ${status}`);
        } else if (check && !check(body)) {
          result.badBody++;
          sample(`body ${body}`);
        }
      } catch (err) {
        result.socketErrors++;
        sample(`socket ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: request.connections }, loop));
  } finally {
    agent.destroy();
  }
  result.seconds = (performance.now() - started) / 1000;
  return result;
}

if (require.main === module && process.send) {
  process.on('message', (msg: ParentMessage) => {
    if (msg.type === 'exit') process.exit(0);
    if (msg.type === 'run') {
      runRound(msg.request).then(
        (result) => process.send!({ type: 'result', id: msg.id, result } satisfies ChildMessage),
        (err) => process.send!({ type: 'result', id: msg.id, error: err instanceof Error ? err.message : String(err) } satisfies ChildMessage),
      );
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.send({ type: 'ready' } satisfies ChildMessage);
}
