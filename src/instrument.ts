/**
 * Opt-in OpenTelemetry tracing, started before anything else is loaded: the http, express, graphql and
 * pg instrumentations patch those modules as they are first required, so this is src/main.ts's first
 * import. Without OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) it loads nothing
 * (src/observe/tracing.ts).
 */
import { startTracing } from './observe/tracing';

startTracing();
