/**
 * The OpenTelemetry SDK, loaded only when tracing is on (src/observe/tracing.ts decides). Traces only,
 * exported over OTLP/HTTP (OTEL_EXPORTER_OTLP_PROTOCOL: `http/protobuf`, the default, or `http/json`);
 * the exporter reads its endpoint, headers and timeout from the standard OTEL_EXPORTER_OTLP_* variables
 * and the batch processor its delays from OTEL_BSP_*. Spans come from the http, express, graphql and pg
 * instrumentations, plus one per GraphQL operation from the pipeline's hook below: graphql-jit's
 * compiled executions never call graphql-js's `execute`, so that span is the one every operation has.
 *
 * Nothing here may import express, pg, graphql or anything that does (src/observe/requests.ts does):
 * this module runs before them so that the instrumentations can patch them as they load.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Attributes, context, diag, DiagLogLevel, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { core, NodeSDK, resources } from '@opentelemetry/sdk-node';
import { OTLPTraceExporter as ProtobufTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { ExpressInstrumentation } from '@opentelemetry/instrumentation-express';
import { GraphQLInstrumentation } from '@opentelemetry/instrumentation-graphql';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import type { ExecutionResult } from 'graphql';
import type { AppContext } from '../context/context';
import type { OperationInfo } from '../server/pipeline';
import { createLogger, errorMessage, Logger } from './log';
import { projectRoot } from '../project-root';
import type { Tracing } from './tracing';

/** Probes and scrapes: polled all day, never worth a trace (their log lines are at debug too). */
const QUIET_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Distinct SDK problems logged; past it they are only counted (a failing collector repeats itself). */
const MAX_REPORTED = 10;

function packageVersion(): string | undefined {
  const root = projectRoot();
  if (!root) return undefined;
  try {
    return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version;
  } catch {
    return undefined;
  }
}

/** The transport an operation's span names, as the log lines and metrics name it (requests.ts). */
function transportOf(ctx: AppContext): string {
  if (ctx.transport === 'http') return 'graphql';
  if (ctx.transport === 'rest') return ctx.observed?.transport === 'sse' ? 'sse' : 'rest';
  return 'ws';
}

/** Runs a subscription's `next()` with tracing suppressed (the iterator is the caller's, replaced in place). */
function quietEvents(iterator: AsyncIterator<unknown>): void {
  const next = iterator.next.bind(iterator);
  iterator.next = (...args) => context.with(core.suppressTracing(context.active()), () => next(...args));
}

/** Starts the SDK; undefined (and a warning) when the protocol asked for is not one this server speaks. */
export function startOtel(env: NodeJS.ProcessEnv): Tracing | undefined {
  let log: Logger | undefined;
  const logger = () => (log ??= createLogger({ level: 'info' }).child({ component: 'tracing' }));

  // Every SDK problem (an export that failed, a collector that is down) is logged once, as a warning:
  // tracing never fails a request and never stops the server.
  const reported = new Set<string>();
  let unreported = 0;
  const report = (message: string, err?: unknown) => {
    const text = err === undefined ? message : `${message}: ${errorMessage(err)}`;
    if (reported.has(text) || reported.size >= MAX_REPORTED) {
      unreported += 1;
      return;
    }
    reported.add(text);
    logger().warn({ error: text }, `tracing: ${text} (logged once; requests are not affected)`);
  };

  const protocol = (env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? env.OTEL_EXPORTER_OTLP_PROTOCOL)?.trim() || 'http/protobuf';
  if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
    logger().warn({ protocol }, `tracing is off: OTEL_EXPORTER_OTLP_PROTOCOL "${protocol}" is not supported (http/protobuf or http/json)`);
    return undefined;
  }
  const exporter = protocol === 'http/json' ? new JsonTraceExporter() : new ProtobufTraceExporter();
  const version = packageVersion();
  const sdk = new NodeSDK({
    serviceName: env.OTEL_SERVICE_NAME?.trim() || 'interchange',
    resource: resources.resourceFromAttributes(version ? { 'service.version': version } : {}),
    // the batch processor from the environment (OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_MAX_QUEUE_SIZE, ...)
    traceExporter: exporter,
    // traces only: the SDK would otherwise start OTLP metric and log exporters of its own (metrics are
    // Prometheus' on /metrics, logs are the JSON lines on stdout)
    metricReaders: [],
    logRecordProcessors: [],
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => QUIET_PATHS.has((req.url ?? '/').split('?')[0]),
        // an outgoing request outside any trace (a webhook from a timer) is no trace of its own
        requireParentforOutgoingSpans: true,
      }),
      new ExpressInstrumentation(),
      // No per-field spans: compiled executions have none, so neither has graphql-js; parse, validate
      // and execute spans (graphql-js path) and the pipeline's operation span are kept. Never values.
      new GraphQLInstrumentation({ ignoreResolveSpans: true, allowValues: false }),
      // Only queries inside a trace: the listener's LISTEN, readiness probes and migrations at start
      // would each be a trace of one span.
      new PgInstrumentation({ requireParentSpan: true }),
    ],
  });
  core.setGlobalErrorHandler((err) => report('span export failed', err));
  // the SDK's own warnings, once each, unless OTEL_LOG_LEVEL asked for its console logger
  if (!env.OTEL_LOG_LEVEL) {
    const warn = (message: string) => report(message);
    const none = () => undefined;
    diag.setLogger({ error: warn, warn, info: none, debug: none, verbose: none }, DiagLogLevel.WARN);
  }
  sdk.start();

  const tracer = trace.getTracer('interchange', version);
  let stopped: Promise<void> | undefined;
  return {
    hook: {
      around<R>(info: OperationInfo, ctx: AppContext, run: () => Promise<R>): Promise<R> {
        const type = info.operation;
        // the semantic conventions' name (`query Me`), low-cardinality: the operation name, never the document
        const name = type ? (info.operationName ? `${type} ${info.operationName}` : type) : 'GraphQL operation';
        const attributes: Attributes = { 'interchange.transport': transportOf(ctx) };
        if (type) attributes['graphql.operation.type'] = type;
        if (info.operationName) attributes['graphql.operation.name'] = info.operationName;
        if (ctx.transport === 'rest' && ctx.observed?.route) attributes['http.route'] = ctx.observed.route;
        // ws operations have no HTTP span around them: theirs is the server span
        const kind = ctx.transport === 'ws' ? SpanKind.SERVER : SpanKind.INTERNAL;
        return tracer.startActiveSpan(name, { kind, attributes }, async (span) => {
          const ids = span.spanContext();
          // the ws operation's line is written when it completes, after the span: it carries the ids itself
          if (ctx.observed) ctx.observed.trace = { trace_id: ids.traceId, span_id: ids.spanId };
          try {
            const result = await run();
            const stream = result !== null && typeof result === 'object' && Symbol.asyncIterator in result;
            // A subscription's span ends once it has started, and its events are no spans at all: each
            // event's execution (graphql-js, pg) would otherwise be a trace of its own, one per event
            if (stream) quietEvents(result as unknown as AsyncIterator<unknown>);
            const errors = stream ? undefined : (result as unknown as ExecutionResult).errors;
            if (errors?.length) {
              const codes = [...new Set(errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN')))];
              span.setAttributes({ 'interchange.outcome': 'error', 'interchange.error_codes': codes });
              span.setStatus({ code: SpanStatusCode.ERROR, message: codes.join(',') });
            } else {
              span.setAttribute('interchange.outcome', 'ok');
            }
            return result;
          } catch (err) {
            span.recordException(err as Error);
            span.setAttribute('interchange.outcome', 'error');
            span.setStatus({ code: SpanStatusCode.ERROR, message: errorMessage(err) });
            throw err;
          } finally {
            // known at the end: a login names its user only once it ran
            const userId = ctx.viewer?.id ?? ctx.observed?.userId;
            if (userId) span.setAttribute('user.id', userId);
            span.end();
          }
        });
      },
      quietly<R>(run: () => R): R {
        return context.with(core.suppressTracing(context.active()), run);
      },
    },
    logFields(): Record<string, string> {
      const span = trace.getSpan(context.active());
      if (!span) return {};
      const ids = span.spanContext();
      return { trace_id: ids.traceId, span_id: ids.spanId };
    },
    useLogger(next) {
      log = next.child({ component: 'tracing' });
    },
    shutdown(timeoutMs) {
      stopped ??= new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          logger().warn({ timeoutMs }, `tracing: spans not exported within ${timeoutMs} ms at shutdown were dropped`);
          resolve();
        }, timeoutMs);
        timer.unref();
        sdk
          .shutdown()
          .catch((err) => report('shutdown failed', err))
          .finally(() => {
            clearTimeout(timer);
            if (unreported > 0) logger().warn({ unreported }, `tracing: ${unreported} further SDK problems were not logged`);
            resolve();
          });
      });
      return stopped;
    },
  };
}
