/**
 * The load generator: a child process (forked by bench/lib.ts) that runs autocannon on request, so the
 * load it makes costs the servers under test no time on their event loop. It checks every response
 * against the round's declarative `Expect` and sends back counts, failure samples and every latency.
 * Requests can rotate through sets of headers (one token per user) and run at a fixed rate.
 */
import autocannon from 'autocannon';

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
