/**
 * Opt-in OpenTelemetry tracing (README "Tracing"). On only when an OTLP endpoint is configured
 * (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) and OTEL_SDK_DISABLED is not
 * true. This module only decides: the SDK and its instrumentations (src/observe/otel.ts) are required
 * when tracing is on, so a server without an endpoint loads nothing of OpenTelemetry and pays nothing.
 *
 * It must start before express, pg and graphql are first required (the instrumentations patch modules
 * as they load): src/instrument.ts, the first import of src/main.ts. Tests that build the app in-process
 * never call it, and tracing stays off for them.
 */
import type { Logger } from './log';
import type { PipelineHook } from '../server/pipeline';

export interface Tracing {
  /** a span per operation, around the pipeline's execution (every transport, compiled or not) */
  hook: PipelineHook;
  /** trace_id and span_id of the active span, for every log line (the loggers' pino mixin) */
  logFields(): Record<string, string>;
  /** where the SDK's own problems (export failures) are reported once the configured logger exists */
  useLogger(log: Logger): void;
  /** exports the spans not sent yet and stops the SDK, waiting at most `timeoutMs` */
  shutdown(timeoutMs: number): Promise<void>;
}

let current: Tracing | undefined;

function truthy(value: string | undefined): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/** Whether the environment asks for tracing (the OpenTelemetry variables, nothing of our own). */
export function tracingWanted(env: NodeJS.ProcessEnv): boolean {
  if (truthy(env.OTEL_SDK_DISABLED)) return false;
  if (env.OTEL_TRACES_EXPORTER?.trim().toLowerCase() === 'none') return false;
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim() || env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim());
}

/** Starts tracing when the environment asks for it (once per process); undefined when it is off. */
export function startTracing(env: NodeJS.ProcessEnv = process.env): Tracing | undefined {
  if (current || !tracingWanted(env)) return current;
  // required only here: without an endpoint no OpenTelemetry module is ever loaded
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- a lazy load is the point (see above)
  const { startOtel } = require('./otel') as typeof import('./otel');
  current = startOtel(env);
  return current;
}

/** The running tracing, if any. */
export function tracing(): Tracing | undefined {
  return current;
}
