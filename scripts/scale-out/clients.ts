/**
 * Clients of the scale-out checks (scripts/scale-out/checks.ts): plain HTTP/JSON calls, graphql-ws
 * clients that remember which instance served each of their connections, a Server-Sent Events reader,
 * and latency statistics. They speak only the public surface (URLs, headers, sockets), so the same
 * code runs against instances behind HAProxy (scripts/scale-out/run.ts) and against in-process test
 * servers (tests/scale-out.test.ts).
 */
import { createClient, Client } from 'graphql-ws';
import WebSocket from 'ws';

/** The response header the committed HAProxy configuration adds: the name of the server that answered. */
export const SERVED_BY_HEADER = 'x-served-by';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export interface JsonResult {
  status: number;
  body: any;
  servedBy?: string;
}

/** A JSON request (GraphQL or REST) with an optional Bearer token. Network errors reject. */
export async function requestJson(url: string, method: string, body?: unknown, token?: string): Promise<JsonResult> {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON: kept as text */
  }
  return { status: res.status, body: parsed, servedBy: res.headers.get(SERVED_BY_HEADER) ?? undefined };
}

/** A GraphQL operation over HTTP; throws on errors (the checks' own setup must not fail silently). */
export async function gql<T = any>(base: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await requestJson(`${base}/graphql`, 'POST', { query, variables }, token);
  if (res.status !== 200 || res.body?.errors) throw new Error(`GraphQL ${query.slice(0, 60)}… failed: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
  return res.body.data as T;
}

// ------------------------------------------------------------------------------------------------
// graphql-ws

export interface LiveClientOptions {
  /** the instance a connection goes to: a fixed ws URL (the balancer) or one chosen per connection */
  url: string | (() => string);
  token: string;
  /** reconnect after an abnormal close (kill -9 of the instance), as a real client configured to do so */
  reconnect?: boolean;
  /** the name of an instance when it cannot be read from the balancer's header (direct connections) */
  nameOf?: (url: string) => string;
}

/**
 * A graphql-ws client that records, per connection, the instance that served it (HAProxy's
 * `X-Served-By` on the 101 answer, or `nameOf(url)`), when it connected, and how each socket closed.
 */
export class LiveClient {
  readonly client: Client;
  /** the instance of each connection, in order (the last is the current one) */
  readonly servedBy: string[] = [];
  readonly connectedAt: number[] = [];
  readonly closes: { code: number; at: number }[] = [];

  constructor(readonly options: LiveClientOptions) {
    const self = this;
    let pending: string | undefined;
    class Tagged extends WebSocket {
      constructor(address: string, protocols?: string | string[]) {
        super(address, protocols);
        pending = options.nameOf?.(address);
        this.on('upgrade', (res) => {
          const header = res.headers[SERVED_BY_HEADER];
          if (typeof header === 'string') pending = header;
        });
      }
    }
    const pick = options.url;
    this.client = createClient({
      url: typeof pick === 'string' ? pick : () => pick(),
      webSocketImpl: Tagged,
      connectionParams: { token: options.token },
      lazy: true,
      retryAttempts: options.reconnect ? 30 : 0,
      // quick and bounded: the check measures how fast a client is back, not the library's default backoff
      retryWait: async (n) => sleep(Math.min(100 * 2 ** n, 1000) + Math.random() * 100),
      shouldRetry: () => options.reconnect === true,
      on: {
        connected: () => {
          self.servedBy.push(pending ?? 'unknown');
          self.connectedAt.push(performance.now());
        },
        closed: (e) => self.closes.push({ code: (e as { code?: number }).code ?? 0, at: performance.now() }),
      },
    });
  }

  /** The instance of the current (last) connection. */
  get instance(): string | undefined {
    return this.servedBy[this.servedBy.length - 1];
  }

  /** Subscribes; `onData` gets each result's data, `onEnd` an error or the completion. */
  subscribe(query: string, variables: Record<string, unknown>, onData: (data: any) => void, onEnd?: (err?: unknown) => void): () => void {
    return this.client.subscribe(
      { query, variables },
      {
        next: (r) => {
          if (r.data) onData(r.data);
        },
        error: (e) => onEnd?.(e),
        complete: () => onEnd?.(),
      },
    );
  }

  dispose(): Promise<void> {
    return Promise.resolve(this.client.dispose());
  }
}

// ------------------------------------------------------------------------------------------------
// Server-Sent Events

export interface SseFrame {
  id?: string;
  event?: string;
  data: any;
}

export interface SseStream {
  status: number;
  servedBy?: string;
  frames: SseFrame[];
  comments: string[];
  /** resolves once a frame at index ≥ `from` matches (or rejects after `timeoutMs`) */
  next(match?: (f: SseFrame) => boolean, timeoutMs?: number, from?: number): Promise<SseFrame>;
  /** resolves once the stream says `: connected` (its subscription is registered) */
  listening(): Promise<void>;
  ended: Promise<void>;
  close(): void;
}

/** Opens a stream as EventSource does (Accept: text/event-stream, Bearer token, optional Last-Event-ID). */
export async function openSse(url: string, token: string, lastEventId?: string): Promise<SseStream> {
  const ac = new AbortController();
  const headers: Record<string, string> = { accept: 'text/event-stream', authorization: `Bearer ${token}` };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  const res = await fetch(url, { headers, signal: ac.signal });
  const frames: SseFrame[] = [];
  const comments: string[] = [];
  const listeners = new Set<() => void>();
  let endedResolve!: () => void;
  const ended = new Promise<void>((r) => (endedResolve = r));
  const waitFor = <T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const v = probe();
        if (v !== undefined) {
          listeners.delete(check);
          clearTimeout(timer);
          resolve(v);
        }
      };
      const timer = setTimeout(() => {
        listeners.delete(check);
        reject(new Error(`${what} within ${timeoutMs} ms (got ${frames.length} frames)`));
      }, timeoutMs);
      listeners.add(check);
      check();
    });
  const stream: SseStream = {
    status: res.status,
    servedBy: res.headers.get(SERVED_BY_HEADER) ?? undefined,
    frames,
    comments,
    ended,
    next: (match = () => true, timeoutMs = 10_000, from = 0) => waitFor(() => frames.slice(from).find(match), timeoutMs, 'no matching SSE frame'),
    listening: () => waitFor(() => (comments.includes('connected') ? true : undefined), 10_000, 'the stream did not say it was connected').then(() => undefined),
    close: () => ac.abort(),
  };
  if (res.status !== 200 || !res.body) {
    await res.text().catch(() => '');
    endedResolve();
    return stream;
  }
  void (async () => {
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let idx: number;
        while ((idx = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, idx);
          buffer = buffer.slice(idx + 2);
          const frame: SseFrame = { data: undefined };
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('id: ')) frame.id = line.slice(4);
            else if (line.startsWith('event: ')) frame.event = line.slice(7);
            else if (line.startsWith('data: ')) data.push(line.slice(6));
          }
          if (data.length) {
            frame.data = JSON.parse(data.join('\n'));
            frames.push(frame);
          }
          for (const l of [...listeners]) l();
        }
      }
    } catch {
      /* aborted */
    } finally {
      endedResolve();
    }
  })();
  return stream;
}

// ------------------------------------------------------------------------------------------------
// statistics

/** The p-th percentile (nearest rank) of unsorted values; NaN for none. */
export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : 'n/a');
