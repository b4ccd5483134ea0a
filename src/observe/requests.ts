/**
 * One log line and one latency observation per HTTP request, attached where every HTTP request enters
 * (around the drain and Express, src/server/server.ts), so refusals of a draining server, preflights,
 * health checks and 404s are seen as well as /graphql and the REST surfaces. graphql-ws operations get
 * their line from src/server/ws.ts, from the same record type.
 *
 * The request id is the client's `X-Request-Id` when it is a plausible id (1–128 characters of
 * `[A-Za-z0-9._:@/+=-]`: nothing that could forge a log line), else a new UUID; it is echoed in the
 * response's `X-Request-Id` and carried by every line logged for the request (`ctx.log`).
 *
 * The parts that know more fill the request's record as the request runs: the context factory the
 * user id, the REST engine its route template (and `sse` for event streams), Apollo (the plugin below)
 * and the pipeline (`operationHook`) the GraphQL operation's name, type and error codes. The line is
 * written when the response ends: request id, transport, method, path, route, operation, status,
 * duration, user id. Never headers, query strings or bodies.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApolloServerPlugin } from '@apollo/server';
import { DocumentNode, ExecutionResult, GraphQLFormattedError, OperationDefinitionNode, parse } from 'graphql';
import { Logger, writeRequestLine } from './log';
import type { Metrics } from './metrics';
import type { OperationInfo, PipelineHook } from '../server/pipeline';
import type { AppContext } from '../context/context';

export type LogTransport = 'http' | 'graphql' | 'rest' | 'sse' | 'ws';

/** What is known of one request (or one graphql-ws operation) when its line is written. */
export interface RequestRecord {
  requestId: string;
  transport: LogTransport;
  /** the route template (`/conduct/api/events/:eventId`), never the raw path */
  route?: string;
  operationName?: string;
  operationType?: string;
  /** the codes of the GraphQL errors the request answered with */
  errors?: string[];
  userId?: string;
  /** the client's address as the request's context read it (Express's `req.ip` is worked out anew on every read) */
  ip?: string;
  /** the ids of the operation's span when tracing is on (src/observe/otel.ts), for lines written after it ended */
  trace?: { trace_id: string; span_id: string };
  /** process.hrtime.bigint() at arrival */
  start: bigint;
}

const RECORD = Symbol('interchange.request');
type Recorded = { [RECORD]?: RequestRecord };

const REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/** The client's request id when it is a plausible one, else a new one. */
export function requestIdFrom(header: unknown): string {
  const value = Array.isArray(header) ? header[0] : header;
  return typeof value === 'string' && REQUEST_ID.test(value) ? value : randomUUID();
}

/** The record of a request that came through `observeHttp` (undefined for a request built by hand). */
export function recordOf(req: object): RequestRecord | undefined {
  return (req as Recorded)[RECORD];
}

export function elapsedMs(start: bigint): number {
  return Math.round(Number(process.hrtime.bigint() - start) / 1e4) / 100;
}

/** The path without its query string (`?token=` stands for a credential on some routes). */
function pathOf(req: IncomingMessage): string {
  const url = (req as { originalUrl?: string }).originalUrl ?? req.url ?? '/';
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** The route label of a request no route claimed. */
function routeLabel(req: IncomingMessage, record: RequestRecord): string {
  if (record.route) return record.route;
  return req.method === 'OPTIONS' ? '(preflight)' : '(unmatched)';
}

const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

/** The fields of a request's line (also what tests read). */
function lineOf(req: IncomingMessage, res: ServerResponse, record: RequestRecord): Record<string, unknown> {
  return {
    transport: record.transport,
    method: req.method,
    path: pathOf(req),
    route: routeLabel(req, record),
    ...(record.operationName !== undefined || record.operationType ? { operationName: record.operationName ?? '(anonymous)', operationType: record.operationType } : {}),
    status: res.statusCode,
    durationMs: elapsedMs(record.start),
    ...(record.userId ? { userId: record.userId } : {}),
    ...(record.errors?.length ? { errors: record.errors } : {}),
    ...(res.writableFinished ? {} : { aborted: true }),
    ip: record.ip ?? (req as { ip?: string }).ip ?? req.socket?.remoteAddress,
  };
}

/**
 * Wraps the server's request handler: a record and a request id for each request, `X-Request-Id` on
 * the answer, and when the response ends (or fails) one line and one latency observation (event
 * streams are counted by their gauge instead: they last). The line is written here (log.ts
 * `writeRequestLine`), without a logger per request: the request's own logger (`ctx.log`, with its
 * request id) is made only when something logs through it (src/context/context.ts).
 */
export function observeHttp(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  log: Logger,
  metrics: Metrics | undefined,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const record: RequestRecord = { requestId: requestIdFrom(req.headers['x-request-id']), transport: 'http', start: process.hrtime.bigint() };
    (req as Recorded)[RECORD] = record;
    res.setHeader('X-Request-Id', record.requestId);
    let seen = false;
    const done = (err?: unknown) => {
      if (seen) return;
      seen = true;
      res.removeListener('error', done);
      const failed = err !== undefined || res.statusCode >= 500;
      const level = res.statusCode >= 500 ? 'error' : res.statusCode < 400 && QUIET_ROUTES.has(pathOf(req)) ? 'debug' : 'info';
      writeRequestLine(log, level, record.requestId, lineOf(req, res, record), failed ? 'request failed' : 'request completed');
      if (metrics && record.transport !== 'sse') {
        metrics.observeHttp(
          { transport: record.transport, method: req.method ?? 'GET', route: routeLabel(req, record), status: res.statusCode },
          Number(process.hrtime.bigint() - record.start) / 1e9,
        );
      }
    };
    // 'close' follows 'finish' on every response (and comes alone when the client went away first)
    res.on('close', done);
    // an error of the response ends its line too (and is not thrown as an unhandled 'error' event)
    res.on('error', done);
    handler(req, res);
  };
}

/** A logger carrying a request's id (made when asked: for the rare line logged outside a context), or `fallback`. */
export function requestLogger(req: object, fallback: Logger): Logger {
  const record = recordOf(req);
  return record ? fallback.child({ requestId: record.requestId }) : fallback;
}

function codesOf(errors: readonly (GraphQLFormattedError | { extensions?: { code?: unknown } })[] | undefined): string[] | undefined {
  if (!errors?.length) return undefined;
  return [...new Set(errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN')))];
}

/** The transport a context's operation counts under. */
function transportOf(ctx: AppContext): LogTransport {
  if (ctx.transport === 'http') return 'graphql';
  if (ctx.transport === 'rest') return ctx.observed?.transport === 'sse' ? 'sse' : 'rest';
  return 'ws';
}

/**
 * Every operation the pipeline executes, on every transport: named in its request's record (a REST
 * route's line names the operation it ran) and counted by name and outcome.
 */
export function operationHook(metrics: Metrics | undefined): PipelineHook {
  return {
    willExecute(info: OperationInfo, ctx: AppContext) {
      const record = ctx.observed;
      if (record && record.operationName === undefined) {
        record.operationName = info.operationName ?? '(anonymous)';
        record.operationType = info.operation;
      }
      return (result: ExecutionResult) => {
        const failed = (result.errors?.length ?? 0) > 0;
        if (record && failed) record.errors = codesOf(result.errors as never);
        metrics?.countOperation({ transport: transportOf(ctx), type: info.operation ?? 'query', operation: info.operationName, outcome: failed ? 'error' : 'ok' });
      };
    },
  };
}

/** The operation a document names (by `operationName`, else its only one). */
function operationIn(document: DocumentNode | undefined, operationName: string | null | undefined): OperationDefinitionNode | undefined {
  const ops = (document?.definitions ?? []).filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  return operationName ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
}

/**
 * The name and type of the operation of a document that was refused (validation, limits), for its log
 * line and its `rejected` count: parsed again with the same token limit, only on that path; nothing
 * when it does not even parse.
 */
export function refusedOperation(source: string | undefined, operationName: string | null | undefined, maxTokens: number): { name?: string; type?: string } {
  if (typeof source !== 'string') return { name: operationName ?? undefined };
  let document: DocumentNode | undefined;
  try {
    document = parse(source, { noLocation: true, maxTokens });
  } catch {
    return { name: operationName ?? undefined };
  }
  const op = operationIn(document, operationName);
  return { name: op?.name?.value ?? operationName ?? undefined, type: op?.operation };
}

/**
 * /graphql requests through Apollo's lifecycle: the operation's name and type into the request's
 * record (also for documents refused before execution), the answer's error codes, and a `rejected`
 * count for requests that never reached execution (syntax, validation, limits, unknown operation).
 */
export function graphqlRequestPlugin(metrics: Metrics | undefined): ApolloServerPlugin<AppContext> {
  return {
    async requestDidStart({ contextValue, request }) {
      const record = contextValue.observed;
      if (record && request.operationName) record.operationName = request.operationName;
      let executed = false;
      let type: string | undefined;
      return {
        async didResolveOperation({ operationName, operation }) {
          type = operation?.operation;
          if (record) {
            record.operationName = operationName ?? '(anonymous)';
            record.operationType = type;
          }
        },
        async executionDidStart() {
          executed = true;
        },
        async willSendResponse({ response, document }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          if (record && errors?.length) record.errors = codesOf(errors);
          if (executed) return;
          // refused before execution: name it from the parsed document when there is one
          const op = type ? undefined : operationIn(document, request.operationName);
          const name = op?.name?.value ?? request.operationName ?? undefined;
          type ??= op?.operation;
          if (record && op) {
            record.operationName = name ?? '(anonymous)';
            record.operationType = type;
          }
          metrics?.countOperation({ transport: 'graphql', type: type ?? '(unknown)', operation: name, outcome: 'rejected' });
        },
      };
    },
  };
}
