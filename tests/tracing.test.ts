/**
 * Opt-in OpenTelemetry tracing as an operator runs it: the server (src/main.ts, through ts-node as the
 * graceful-shutdown test runs it) with OTEL_EXPORTER_OTLP_ENDPOINT pointing at an OTLP/HTTP receiver
 * started here (http/json, so the spans are read as JSON). A GraphQL request, a REST route and a ws
 * subscription each leave their spans — HTTP server, the pipeline's operation span, pg queries — and
 * their log lines the trace id; a collector that refuses spans costs one warning and no request; the
 * last spans leave at shutdown. Without an endpoint neither the SDK nor an instrumentation is loaded.
 */
import http from 'node:http';
import { execFileSync } from 'node:child_process';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { TracingTestCreateGroupDocument, TracingTestGroupsDocument, TracingTestLoginDocument, TracingTestRegisterDocument } from '../src/generated/graphql';
import { collect, createTestDatabase, postGraphql } from './support/server';
import { freePort, MainProcess, ROOT, runMain } from './support/process';

// This file's operations; codegen generates the typed `TracingTest…Document`s used below from them.
/* GraphQL */ `
  mutation TracingTestRegister { register(input: { username: "tracer", password: "traced-password-1" }) { id } }
  mutation TracingTestLogin { login(input: { login: "tracer", password: "traced-password-1" }) { token user { id } } }
  mutation TracingTestCreateGroup($name: String!) { createCakeGroup(input: { name: $name }) { id } }
  subscription TracingTestGroups { cakeGroupChanged { kind groupId } }
`;

/** A span as the receiver decoded it from OTLP/JSON. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** OTLP's numbers: 1 internal, 2 server, 3 client */
  kind: number;
  scope: string;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean; doubleValue?: number; arrayValue?: { values?: OtlpValue[] } };
type OtlpAttribute = { key: string; value: OtlpValue };

function valueOf(v: OtlpValue): unknown {
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(valueOf);
  if (v.intValue !== undefined) return Number(v.intValue);
  return v.stringValue ?? v.boolValue ?? v.doubleValue;
}

function attributesOf(list: OtlpAttribute[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((a) => [a.key, valueOf(a.value)]));
}

/** An OTLP/HTTP trace receiver: POST /v1/traces with JSON bodies, every span kept. */
async function startReceiver(): Promise<{ url: string; spans: ReceivedSpan[]; refuse: (on: boolean) => void; close: () => Promise<void> }> {
  const spans: ReceivedSpan[] = [];
  let refusing = false;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.method !== 'POST' || req.url !== '/v1/traces' || !String(req.headers['content-type']).includes('application/json')) {
        res.writeHead(404).end();
        return;
      }
      if (refusing) {
        // a collector that rejects what it is sent (not retried by the exporter)
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"message":"refused by the test"}');
        return;
      }
      const payload = JSON.parse(body) as {
        resourceSpans: {
          resource?: { attributes?: OtlpAttribute[] };
          scopeSpans: { scope?: { name: string }; spans: (Omit<ReceivedSpan, 'scope' | 'attributes' | 'resource'> & { attributes?: OtlpAttribute[] })[] }[];
        }[];
      };
      for (const rs of payload.resourceSpans) {
        const resource = attributesOf(rs.resource?.attributes);
        for (const ss of rs.scopeSpans) {
          for (const s of ss.spans) spans.push({ ...s, parentSpanId: s.parentSpanId || undefined, scope: ss.scope?.name ?? '', attributes: attributesOf(s.attributes), resource });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return { url: `http://127.0.0.1:${port}`, spans, refuse: (on) => (refusing = on), close: () => new Promise((resolve) => server.close(() => resolve())) };
}

/** Polls until `find` returns something (the batch processor sends every OTEL_BSP_SCHEDULE_DELAY ms). */
async function eventually<T>(find: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The JSON lines of a child's output. */
function lines(p: MainProcess): Record<string, unknown>[] {
  return p
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const BASE_ENV = { HOST: '127.0.0.1', JWT_SECRET: 'tracing-secret-0123456789-0123456789-012', PUBSUB: 'memory' };

describe('tracing with an OTLP endpoint', () => {
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let main: MainProcess;
  let base: string;
  let port: number;
  let token: string;
  let userId: string;

  beforeAll(async () => {
    receiver = await startReceiver();
    port = await freePort();
    base = `http://127.0.0.1:${port}`;
    main = runMain({
      ...BASE_ENV,
      DATABASE_URL: await createTestDatabase(),
      PORT: String(port),
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      // short enough for the test to wait for, long enough that the shutdown test sees the flush
      OTEL_BSP_SCHEDULE_DELAY: '1000',
    });
    await main.waitFor(/Interchange is running/, 90_000);
  }, 120_000);
  afterAll(async () => {
    if (main.child.exitCode === null) {
      main.child.kill('SIGTERM');
      await main.exited;
    }
    await receiver.close();
  });

  it('an HTTP GraphQL request: the HTTP server span, the operation span under it, pg queries, and its log line with the trace id', async () => {
    const reg = await postGraphql(base, TracingTestRegisterDocument, {}, { headers: { 'x-request-id': 'tracing-register' } });
    expect(reg.errors).toBeUndefined();
    userId = reg.data!.register.id;
    const op = await eventually(() => receiver.spans.find((s) => s.scope === 'interchange' && s.name === 'mutation TracingTestRegister'), 'the operation span');
    expect(op.attributes).toMatchObject({
      'interchange.transport': 'graphql',
      'graphql.operation.type': 'mutation',
      'graphql.operation.name': 'TracingTestRegister',
      'interchange.outcome': 'ok',
    });
    expect(op.resource).toMatchObject({ 'service.name': 'interchange', 'service.version': expect.stringMatching(/^\d+\.\d+\.\d+/) });
    // its ancestors (through express's middleware spans) lead to the HTTP server span of the request
    const inTrace = () => receiver.spans.filter((s) => s.traceId === op.traceId);
    const root = await eventually(() => inTrace().find((s) => !s.parentSpanId), 'the HTTP server span');
    expect(root).toMatchObject({ scope: '@opentelemetry/instrumentation-http', kind: 2, name: 'POST /graphql' });
    let up: ReceivedSpan | undefined = op;
    const chain: string[] = [];
    while (up?.parentSpanId) {
      up = inTrace().find((s) => s.spanId === up!.parentSpanId);
      chain.push(up?.scope ?? '(missing)');
    }
    expect(up).toBe(root);
    expect(chain.every((scope) => scope !== '(missing)')).toBe(true);
    // the pg queries of the mutation, inside the operation span (graphql-js's execute span in between)
    const isUnder = (s: ReceivedSpan, ancestor: ReceivedSpan): boolean => {
      for (let p = s; p.parentSpanId;) {
        const parent = inTrace().find((x) => x.spanId === p.parentSpanId);
        if (!parent) return false;
        if (parent === ancestor) return true;
        p = parent;
      }
      return false;
    };
    const insert = await eventually(() => inTrace().find((s) => s.scope === '@opentelemetry/instrumentation-pg' && /^pg\.query:INSERT/.test(s.name)), 'a pg INSERT span');
    expect(insert.kind).toBe(3);
    expect(isUnder(insert, op)).toBe(true);
    // the request's line (written when the response ended) names the trace
    const line = lines(main).find((l) => l.requestId === 'tracing-register' && l.msg === 'request completed');
    expect(line).toMatchObject({ trace_id: op.traceId, span_id: root.spanId, operationName: 'TracingTestRegister' });
  });

  it('a login: the operation span names the user it logged in', async () => {
    const login = await postGraphql(base, TracingTestLoginDocument);
    token = login.data!.login.token!;
    const op = await eventually(() => receiver.spans.find((s) => s.name === 'mutation TracingTestLogin' && s.scope === 'interchange'), 'the login span');
    expect(op.attributes['user.id']).toBe(userId);
  });

  it('a REST route: the operation span under its HTTP span names the route template, with its pg query and log line', async () => {
    // a route's document is parsed, validated and compiled on its first request (graphql-js's parse and
    // validate spans belong to that one); the request below is the route's second
    expect((await fetch(`${base}/cakeplanner/api/system/sysinfo`)).status).toBe(200);
    const res = await fetch(`${base}/cakeplanner/api/system/sysinfo`, { headers: { 'x-request-id': 'tracing-rest' } });
    expect(res.status).toBe(200);
    // the second request's trace, through its log line (the first request has a trace of its own)
    const line = await eventually(() => lines(main).find((l) => l.requestId === 'tracing-rest' && l.msg === 'request completed'), 'the request line');
    const op = await eventually(
      () => receiver.spans.find((s) => s.scope === 'interchange' && s.name === 'query CakeSysinfo' && s.traceId === line.trace_id),
      'the REST operation span',
    );
    expect(op.attributes).toMatchObject({ 'interchange.transport': 'rest', 'http.route': '/cakeplanner/api/system/sysinfo', 'interchange.outcome': 'ok' });
    const root = await eventually(() => receiver.spans.find((s) => s.traceId === op.traceId && !s.parentSpanId), 'the HTTP server span');
    expect(root).toMatchObject({ scope: '@opentelemetry/instrumentation-http', kind: 2, attributes: expect.objectContaining({ 'http.route': '/cakeplanner/api/system/sysinfo' }) });
    // compiled (on the route's first request): graphql-js never saw this one, the pipeline's span is the operation's
    expect(receiver.spans.some((s) => s.traceId === op.traceId && s.scope === '@opentelemetry/instrumentation-graphql')).toBe(false);
    await eventually(() => receiver.spans.find((s) => s.traceId === op.traceId && s.scope === '@opentelemetry/instrumentation-pg'), 'a pg span of the REST request');
    expect(line).toMatchObject({ trace_id: op.traceId, route: '/cakeplanner/api/system/sysinfo' });
  });

  it('a ws subscription: one server span per subscribe, none per event, and the operation line names it', async () => {
    const client = createClient({ url: `ws://127.0.0.1:${port}/graphql`, webSocketImpl: WebSocket, connectionParams: { token }, retryAttempts: 0, lazy: true });
    try {
      const sub = collect(client, TracingTestGroupsDocument, {}, 2);
      await sub.ready;
      for (const name of ['traced-one', 'traced-two']) expect((await postGraphql(base, TracingTestCreateGroupDocument, { name }, { token })).errors).toBeUndefined();
      const events = await sub.done;
      expect(events.map((e) => e.data?.cakeGroupChanged.kind)).toEqual(['CREATED', 'CREATED']);
    } finally {
      await client.dispose();
    }
    const subscribes = () => receiver.spans.filter((s) => s.name === 'subscription TracingTestGroups');
    const op = await eventually(() => subscribes().find((s) => s.scope === 'interchange'), 'the subscription span');
    expect(op).toMatchObject({ kind: 2, attributes: expect.objectContaining({ 'interchange.transport': 'ws', 'graphql.operation.type': 'subscription', 'user.id': userId }) });
    // both mutations' spans have arrived: no event of the subscription became a span (the operation's own nor graphql-js's)
    await eventually(
      () => (receiver.spans.filter((s) => s.name === 'mutation TracingTestCreateGroup' && s.scope === 'interchange').length === 2 ? true : undefined),
      'both mutations',
    );
    await new Promise((r) => setTimeout(r, 1500));
    expect(subscribes().map((s) => s.scope)).toEqual(['interchange']);
    const line = await eventually(() => lines(main).find((l) => l.msg === 'ws operation completed' && l.operationName === 'TracingTestGroups'), 'the ws line');
    expect(line).toMatchObject({ trace_id: op.traceId, span_id: op.spanId });
  });

  it('a collector that refuses the spans: every request answered, one warning', async () => {
    receiver.refuse(true);
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
        expect(await res.json()).toEqual({ data: { __typename: 'Query' } });
        // each in a batch of its own (OTEL_BSP_SCHEDULE_DELAY is 1 s)
        await new Promise((r) => setTimeout(r, 1200));
      }
      const warnings = () => lines(main).filter((l) => l.component === 'tracing' && l.level === 'warn');
      await eventually(() => (warnings().length ? true : undefined), 'the export warning');
      expect(warnings()).toEqual([expect.objectContaining({ msg: expect.stringMatching(/^tracing: span export failed: .*\(logged once; requests are not affected\)$/) })]);
    } finally {
      receiver.refuse(false);
    }
  });

  it('on SIGTERM exports the spans not sent yet, then exits 0', async () => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query TracingTestLast { __typename }' }),
    });
    expect(res.status).toBe(200);
    // before the batch delay (1 s) is over: only the shutdown's flush can send it
    main.child.kill('SIGTERM');
    expect(await main.exited).toBe(0);
    expect(receiver.spans.some((s) => s.name === 'query TracingTestLast' && s.scope === 'interchange')).toBe(true);
    expect(lines(main).some((l) => l.step === 'tracing' && l.msg === 'shutdown: spans flushed, tracing stopped')).toBe(true);
  });
});

describe('tracing without an endpoint', () => {
  it('loads no OpenTelemetry SDK or instrumentation, even with the whole server loaded', () => {
    // the server's whole module graph (express, pg, graphql, ...) after src/instrument.ts, as src/main.ts loads
    // it. @opentelemetry/api, the no-op facade, is prom-client's own dependency and loaded by it on main too.
    const loaded = (env: Record<string, string>) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            '-r',
            'ts-node/register/transpile-only',
            '-e',
            "require('./src/instrument'); require('./src/server/server'); console.log(JSON.stringify(Object.keys(require.cache).filter((f) => f.includes('/@opentelemetry/') && !f.includes('/@opentelemetry/api/'))))",
          ],
          { cwd: ROOT, env: { PATH: process.env.PATH!, TS_NODE_TRANSPILE_ONLY: 'true', ...env }, encoding: 'utf8' },
        )
          .trim()
          .split('\n')
          .pop()!,
      ) as string[];
    expect(loaded({})).toEqual([]);
    // the check sees them when they are there
    expect(loaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' }).some((f) => f.includes('instrumentation-pg'))).toBe(true);
    // two loads of the whole server through ts-node: slow on a busy machine
  }, 240_000);
});
