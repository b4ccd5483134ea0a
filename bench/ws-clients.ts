/**
 * Load clients for the fan-out scenario (bench/scenarios/fanout.ts): a child process, forked with an IPC
 * channel, that holds a share of the subscribers — graphql-ws sockets (the graphql-transport-ws protocol
 * spoken directly over the `ws` package: connection_init with the user's token, then one `subscribe`) or
 * SSE streams (node:http, no connection pooling, as EventSource) — so that receiving thousands of frames
 * costs the server under test nothing on its event loop. The server runs in a process of its own.
 *
 * Protocol (parent → child): `open` the connections; `arm` a marker (the child answers `armed`, and later
 * `arrived` with every connection's arrival time of the first frame carrying it, or what arrived by the
 * deadline); `close`. Times are epoch milliseconds from `performance.timeOrigin + performance.now()`, the
 * same clock in every process of the machine, so the parent subtracts its own send time.
 */
import http from 'node:http';
import WebSocket from 'ws';

export interface OpenCommand {
  type: 'open';
  mode: 'ws' | 'sse';
  /** ws://…/graphql or http://…/stream (127.0.0.1 only) */
  url: string;
  /** one connection per token (the connection's user) */
  tokens: string[];
  /** ws: the subscription document and its variables */
  query?: string;
  variables?: Record<string, unknown>;
  /** connections opened at a time */
  batch: number;
}

export type ClientCommand = OpenCommand | { type: 'arm'; marker: string; timeoutMs: number } | { type: 'close' };

export interface Arrivals {
  marker: string;
  /** epoch ms per connection that received the marker (in no particular order) */
  times: number[];
  /** connections that did not receive it before the deadline */
  missing: number;
  /** frames that were errors (`error`, `complete`, a `next` with `errors`, a stream that ended) */
  bad: number;
  samples: string[];
  /** the first frame carrying the marker, as received (to compare servers' answers) */
  frame?: string;
}

export type ClientReply =
  { type: 'opened'; count: number } | { type: 'armed'; marker: string } | { type: 'arrived'; arrivals: Arrivals } | { type: 'closed' } | { type: 'error'; message: string };

const now = () => performance.timeOrigin + performance.now();
const send = (m: ClientReply) => process.send!(m);

interface Connection {
  close(): void;
}

/** The marker being waited for, and who has seen it. */
interface Armed {
  marker: string;
  seen: Uint8Array;
  times: number[];
  frame?: string;
  timer: NodeJS.Timeout;
}

const connections: Connection[] = [];
let armed: Armed | undefined;
let bad = 0;
const samples: string[] = [];

function failure(text: string): void {
  bad += 1;
  if (samples.length < 3) samples.push(text.slice(0, 300));
}

function finish(): void {
  const a = armed;
  if (!a) return;
  armed = undefined;
  clearTimeout(a.timer);
  send({ type: 'arrived', arrivals: { marker: a.marker, times: a.times, missing: connections.length - a.times.length, bad, samples: samples.splice(0), frame: a.frame } });
  bad = 0;
}

/** Connection `i` received `text` (a frame, or a chunk of a stream whose tail is kept by the caller). */
function received(i: number, text: string): void {
  const a = armed;
  if (!a || a.seen[i] || !text.includes(a.marker)) return;
  a.seen[i] = 1;
  a.times.push(now());
  a.frame ??= text;
  if (a.times.length === connections.length) finish();
}

function openWs(i: number, o: OpenCommand): Promise<Connection> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(o.url, 'graphql-transport-ws', { perMessageDeflate: false });
    let subscribed = false;
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error('no connection_ack within 30 s'));
    }, 30_000);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { token: o.tokens[i] } })));
    socket.on('message', (data) => {
      const text = String(data);
      if (!subscribed) {
        if (!text.includes('"connection_ack"')) return;
        subscribed = true;
        clearTimeout(timer);
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: o.query, variables: o.variables ?? {} } }));
        resolve({ close: () => socket.close(1000) });
        return;
      }
      if (process.env.BENCH_FANOUT_DEBUG && i === 0) console.error(`[ws 0] ${text.slice(0, 600)}`);
      // `next` frames carry data; an error, a complete or a `next` with errors is a failure
      if (!text.includes('"type":"next"')) {
        if (!text.includes('"type":"ping"') && !text.includes('"type":"pong"')) failure(text);
        return;
      }
      if (text.includes('"errors"')) return failure(text);
      received(i, text);
    });
    socket.once('close', (code, reason) => {
      clearTimeout(timer);
      if (!subscribed) reject(new Error(`closed with ${code} ${String(reason)}`));
      else if (code !== 1000 && code !== 1005) failure(`socket closed with ${code} ${String(reason)}`);
    });
    socket.on('error', (err) => {
      clearTimeout(timer);
      if (!subscribed) reject(err);
      else failure(`socket error ${err.message}`);
    });
  });
}

function openSse(i: number, o: OpenCommand): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let connected = false;
    let closing = false;
    let tail = '';
    const req = http.get(o.url, { agent: false, headers: { accept: 'text/event-stream', authorization: `Bearer ${o.tokens[i]}` } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`stream answered ${res.statusCode}`));
        res.resume();
        return;
      }
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        // a marker may straddle two chunks: search the end of the previous one too
        const text = tail + chunk;
        tail = text.slice(-200);
        if (!connected) {
          if (!text.includes(': connected')) return;
          connected = true;
          resolve({
            close: () => {
              closing = true;
              req.destroy();
            },
          });
        }
        if (process.env.BENCH_FANOUT_DEBUG && i === 0) console.error(`[sse 0] ${JSON.stringify(chunk).slice(0, 500)}`);
        received(i, text);
      });
      res.on('end', () => {
        if (connected && !closing) failure('stream ended');
      });
    });
    req.on('error', (err) => {
      if (!connected) reject(err);
      else if (!closing) failure(`stream error ${err.message}`);
    });
  });
}

async function open(o: OpenCommand): Promise<void> {
  const one = o.mode === 'ws' ? openWs : openSse;
  for (let i = 0; i < o.tokens.length; i += o.batch) {
    const ids = Array.from({ length: Math.min(o.batch, o.tokens.length - i) }, (_, j) => i + j);
    connections.push(...(await Promise.all(ids.map((id) => one(id, o)))));
  }
}

process.on('message', (m: ClientCommand) => {
  if (m.type === 'open') {
    open(m).then(
      () => send({ type: 'opened', count: connections.length }),
      (err: unknown) => send({ type: 'error', message: err instanceof Error ? err.message : String(err) }),
    );
  } else if (m.type === 'arm') {
    if (armed) finish();
    armed = { marker: m.marker, seen: new Uint8Array(connections.length), times: [], timer: setTimeout(finish, m.timeoutMs) };
    send({ type: 'armed', marker: m.marker });
  } else if (m.type === 'close') {
    for (const c of connections) c.close();
    // give the close frames a moment to leave, then go
    setTimeout(() => {
      send({ type: 'closed' });
      process.exit(0);
    }, 500);
  }
});
process.on('disconnect', () => process.exit(0));
