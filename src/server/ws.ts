/**
 * graphql-ws on /graphql, through the one request pipeline (src/server/pipeline.ts): the same parse
 * limits, validation rules, execution and error formatting as HTTP, auth from the
 * connection_init payload (`{ token }`) or the `session` cookie, Origin checked before the upgrade,
 * and sockets of a revoked session closed as soon as the revocation is published (src/auth/session-watch.ts).
 * A subscription whose event stream was interrupted (the listener dropped, src/pubsub/pubsub.ts) ends
 * with a graphql-ws `error` message; the socket stays open for the client to subscribe again.
 *
 * A database time limit passed while the viewer is read (docs/platform.md "Time limits": the pool wait,
 * a lock or statement timeout) is not the client's fault: at connection_init the socket closes with
 * 1013 "Try Again Later" (graphql-ws clients retry it; never 4403, which reads as an auth failure, nor
 * 4500); at subscribe the operation gets an `UNAVAILABLE` error and the socket stays open.
 *
 * Logs (src/observe/log.ts): a socket's lines carry its connection id as `requestId` (the upgrade's
 * `X-Request-Id` when plausible, else a new one): connected, refused (origin, token, cap), revoked,
 * closed (code, reason, how long it was open); one line per operation when it ends (its name, type,
 * outcome, duration and error codes; a subscription ends when it completes or its socket closes).
 */
import type { IncomingMessage, Server } from 'node:http';
import { WebSocketServer, WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { GraphQLError } from 'graphql';
import { toDomainError } from '../errors/translate';
import type { ExecutionArgs, ExecutionResult } from 'graphql';
import type { App } from '../context/context';
import { createWsContext, resolveViewer, tokenFromRequest } from '../context/context';
import type { Pipeline } from './pipeline';
import type { DocumentGate } from './trusted-documents';
import { clientIp, trustFunction } from './client-ip';
import { originAllowed } from './origin';
import { OpenCounter } from './caps';
import { elapsedMs, refusedOperation, RequestRecord, requestIdFrom } from '../observe/requests';
import type { Logger } from '../observe/log';
import { GRAPHQL_PATH } from './paths';
import { Keepalive } from './keepalive';

export const WS_CLOSE_REVOKED = 4401;
/** closed at connection_init: the user (or the anonymous address) holds as many sockets as allowed */
export const WS_CLOSE_TOO_MANY = 4429;
/** closed at connection_init: the database did not answer within its time limits (RFC 6455's 1013 Try Again Later) */
export const WS_CLOSE_TRY_AGAIN = 1013;
/** bytes a socket may hold unsent before a shared subscription's frames to it are dropped */
export const WS_MAX_BUFFERED = 1024 * 1024;

/** `}`, the frame's last byte */
const CLOSE_BRACE = 0x7d;
/** ws's options for a frame given as bytes: a text frame (graphql-transport-ws speaks text), as a string would be */
const TEXT_FRAME = { binary: false } as const;
/** the last group payload encoded to bytes (one event's, shared by every socket of its group) */
let lastEncoded: string | undefined;
let lastBytes = Buffer.alloc(0);
function sharedBytes(encoded: string): Buffer {
  if (encoded !== lastEncoded) {
    lastBytes = Buffer.from(encoded);
    lastEncoded = encoded;
  }
  return lastBytes;
}

/** The UNAVAILABLE error a passed database time limit becomes (src/errors/translate.ts), or undefined for anything else. */
function unavailableError(err: unknown): GraphQLError | undefined {
  const domain = toDomainError(err);
  if (domain?.code !== 'UNAVAILABLE') return undefined;
  return new GraphQLError(domain.message, { originalError: domain, extensions: domain.extensions });
}

type SocketExtra = {
  request: IncomingMessage;
  token?: string;
  [key: string]: unknown;
};

/** A socket as the log sees it. */
interface Connection {
  id: string;
  log: Logger;
  opened: bigint;
  userId?: string;
  /** operations by graphql-ws id, from subscribe to their end */
  ops: Map<string, Operation>;
}

interface Operation {
  record: RequestRecord;
  /** reached execution (false: refused by onSubscribe: limits, validation, cap) */
  executed: boolean;
  outcome: 'ok' | 'error';
  /** frames of a shared subscription are being dropped (the client does not read, WS_MAX_BUFFERED) */
  dropping?: boolean;
}

export function attachWs(app: App, httpServer: Server, pipeline: Pipeline, gate: DocumentGate) {
  const wss = new WebSocketServer({
    server: httpServer,
    path: GRAPHQL_PATH,
    maxPayload: 1024 * 1024,
    verifyClient: ({ origin, req }, cb) => {
      if (originAllowed(origin, req.headers.host, app.config)) cb(true);
      else {
        app.log.warn({ transport: 'ws', requestId: requestIdFrom(req.headers['x-request-id']), origin, ip: clientIp(req, trust) }, 'ws refused: origin not allowed');
        cb(false, 403, 'Origin not allowed');
      }
    },
  });

  /** The socket's log state, made on first use (its id is the upgrade's X-Request-Id when plausible). */
  const connections = new WeakMap<object, Connection>();
  const connectionOf = (extra: SocketExtra): Connection => {
    let c = connections.get(extra.request);
    if (!c) {
      const id = requestIdFrom(extra.request.headers['x-request-id']);
      c = { id, log: app.log.child({ requestId: id, transport: 'ws' }), opened: process.hrtime.bigint(), ops: new Map() };
      connections.set(extra.request, c);
    }
    return c;
  };
  /** Operations running now, over every socket (metrics: active subscriptions). */
  const running = new Set<Operation>();
  /** One line per operation, when it ends. */
  const ended = (c: Connection, id: string) => {
    const op = c.ops.get(id);
    if (!op) return;
    c.ops.delete(id);
    running.delete(op);
    const { record } = op;
    c.log.info(
      {
        operationId: id,
        operationName: record.operationName ?? '(anonymous)',
        operationType: record.operationType,
        outcome: op.outcome,
        durationMs: elapsedMs(record.start),
        ...(record.userId ? { userId: record.userId } : {}),
        ...(record.errors?.length ? { errors: record.errors } : {}),
        ...record.trace,
      },
      'ws operation completed',
    );
  };
  const codes = (errors: readonly { extensions?: { code?: unknown } }[]) => [...new Set(errors.map((e) => String(e.extensions?.code ?? 'UNKNOWN')))];
  /** A `next` result with errors marks its operation's log line. */
  const nextErrors = (op: Operation, formatted: ExecutionResult) => {
    op.outcome = 'error';
    op.record.errors = codes(formatted.errors as never);
  };

  // A revoked session's sockets close (the one session watch, shared with SSE); it follows reconnections.
  const watchSession = (viewer: { id: string; sessionId: string }, socket: WebSocket, c: Connection) => {
    const unwatch = app.sessionWatch.watch(viewer, () => {
      c.log.info({ userId: viewer.id }, 'ws session revoked: closing the socket');
      socket.close(WS_CLOSE_REVOKED, 'Session revoked');
    });
    socket.once('close', unwatch);
  };

  const trust = trustFunction(app.config.trustProxy);
  const { caps } = app.config;
  const perUser = new OpenCounter(caps.wsPerUser);
  const perAnonymousIp = new OpenCounter(caps.wsAnonymousPerIp);
  /** Takes a connection slot for the socket (given back when it closes); false when at the cap. */
  const admit = (counter: OpenCounter, key: string, socket: WebSocket, c: Connection): boolean => {
    const release = counter.take(key);
    if (!release) {
      app.metrics?.countRateLimited('ws_connections');
      c.log.warn({ userId: c.userId, max: counter.max }, 'ws refused: too many connections');
      socket.close(WS_CLOSE_TOO_MANY, `Too many connections (at most ${counter.max})`);
      return false;
    }
    socket.once('close', release);
    return true;
  };
  const meta = (req: IncomingMessage) => ({
    ip: clientIp(req, trust),
    userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : undefined,
    secure: false,
  });

  const cleanup = useServer<Record<string, unknown> | undefined, SocketExtra>(
    {
      schema: pipeline.schema,
      execute: (args) => pipeline.executeArgs(args),
      subscribe: (args) => pipeline.subscribeArgs(args),
      onConnect: async (ctx) => {
        const params = ctx.connectionParams ?? {};
        const token = typeof params.token === 'string' && params.token ? params.token : tokenFromRequest(ctx.extra.request);
        ctx.extra.token = token;
        const socket = ctx.extra.socket as unknown as WebSocket;
        const c = connectionOf(ctx.extra);
        const ip = meta(ctx.extra.request).ip;
        // anonymous: public subscriptions only
        if (!token) {
          if (!admit(perAnonymousIp, ip, socket, c)) return false;
          c.log.info({ ip }, 'ws connected');
          return true;
        }
        let viewer;
        try {
          viewer = await resolveViewer(app, () => app.orm.em.fork() as never, token);
        } catch (err) {
          if (!unavailableError(err)) throw err; // graphql-ws closes with 4500
          c.log.warn({ ip }, 'ws refused: the database did not answer in time (1013)');
          socket.close(WS_CLOSE_TRY_AGAIN, 'Try again later: the service is busy');
          return false;
        }
        if (!viewer) {
          c.log.info({ ip }, 'ws refused: invalid, expired or revoked token (4403)');
          return false; // closes with 4403 Forbidden
        }
        c.userId = viewer.id;
        if (!admit(perUser, viewer.id, socket, c)) return false;
        watchSession(viewer, socket, c);
        c.log.info({ ip, userId: viewer.id }, 'ws connected');
        return true;
      },
      onClose: (ctx, code, reason) => {
        const c = connectionOf(ctx.extra);
        for (const id of [...c.ops.keys()]) ended(c, id);
        c.log.info({ code, reason: reason || undefined, durationMs: elapsedMs(c.opened), ...(c.userId ? { userId: c.userId } : {}), acknowledged: ctx.acknowledged }, 'ws closed');
      },
      onSubscribe: async (ctx, _id, payload) => {
        // the operations this socket runs at once (subscriptions, and queries or mutations in flight),
        // this one included: graphql-ws reserves its id before asking
        const c = connectionOf(ctx.extra);
        const record: RequestRecord = { requestId: c.id, transport: 'ws', operationName: payload.operationName ?? undefined, userId: c.userId, start: process.hrtime.bigint() };
        const op: Operation = { record, executed: false, outcome: 'ok' };
        c.ops.set(_id, op);
        if (Object.keys(ctx.subscriptions).length > caps.subscriptionsPerSocket) {
          app.metrics?.countRateLimited('ws_subscriptions');
          return [new GraphQLError(`Too many subscriptions on this connection (at most ${caps.subscriptionsPerSocket})`, { extensions: { code: 'RATE_LIMITED' } })];
        }
        // the document the message names (text, or a trusted or persisted document's hash), refused outside
        // the manifest in trusted-only mode (src/server/trusted-documents.ts)
        const named = await gate.resolve(payload as typeof payload & { documentId?: unknown });
        if (named.error) {
          record.operationName = payload.operationName ?? undefined;
          return [Object.assign(named.error, pipeline.formatError(named.error.toJSON(), named.error))];
        }
        const checked = pipeline.prepare(named.query, payload.operationName);
        if (checked.errors) {
          const refused = refusedOperation(named.query, payload.operationName, app.config.limits.maxTokens);
          record.operationName = refused.name;
          record.operationType = refused.type;
          return checked.errors.map((e) => Object.assign(e, pipeline.formatError(e.toJSON(), e)));
        }
        record.operationName = checked.prepared.operationName ?? checked.prepared.operation.name?.value;
        record.operationType = checked.prepared.operation.operation;
        // a text sent with its hash: registered as over HTTP, once it parsed and validated
        if (named.register) void gate.register(named.register, named.query);
        let contextValue;
        try {
          contextValue = await createWsContext(app, ctx.extra.token, { ...meta(ctx.extra.request), log: c.log, observed: record });
        } catch (err) {
          const unavailable = unavailableError(err);
          if (!unavailable) throw err;
          return [Object.assign(unavailable, pipeline.formatError(unavailable.toJSON(), unavailable))];
        }
        // A shared subscription's results (fanout.ts) come straight from the pipeline rather than through
        // graphql-ws's iterator loop and onNext: the same `next` frame graphql-ws would send (its payload
        // encoded once per group and event), written without waiting for the socket's callback. Frames of
        // one socket keep their order (ws queues writes); graphql-ws still sends `error` and `complete`.
        const socket = ctx.extra.socket as unknown as WebSocket;
        const head = Buffer.from(`{"id":${JSON.stringify(_id)},"type":"next","payload":`);
        pipeline.deliverDirectly(contextValue, (formatted, encoded) => {
          if (formatted.errors?.length) nextErrors(op, formatted);
          if (socket.readyState !== WebSocket.OPEN) return;
          // a client that does not read: frames are dropped past the bound rather than held without limit
          // (graphql-ws waited for each write, and the event stream's buffer dropped the oldest)
          if (socket.bufferedAmount > WS_MAX_BUFFERED) {
            if (!op.dropping) c.log.warn({ operationId: _id, bufferedBytes: socket.bufferedAmount }, 'ws client not reading: dropping live frames');
            op.dropping = true;
            return;
          }
          op.dropping = false;
          // the frame's bytes from the group's payload bytes (encoded once per event, sharedBytes), not a
          // string per socket that ws would flatten, measure and encode again
          const payload = encoded === undefined ? Buffer.from(JSON.stringify(formatted)) : sharedBytes(encoded);
          const frame = Buffer.allocUnsafe(head.length + payload.length + 1);
          head.copy(frame, 0);
          payload.copy(frame, head.length);
          frame[frame.length - 1] = CLOSE_BRACE;
          socket.send(frame, TEXT_FRAME);
        });
        const args: ExecutionArgs = {
          schema: pipeline.schema,
          document: checked.prepared.document,
          variableValues: payload.variables ?? undefined,
          operationName: payload.operationName ?? undefined,
          contextValue,
        };
        return args;
      },
      onOperation: (ctx, id) => {
        const op = connectionOf(ctx.extra).ops.get(id);
        if (op) {
          op.executed = true;
          running.add(op);
        }
      },
      onError: (ctx, id, _payload, errors) => {
        const c = connectionOf(ctx.extra);
        const op = c.ops.get(id);
        if (op) {
          op.outcome = 'error';
          op.record.errors = codes(errors as never);
          // refused before execution: graphql-ws sends the error and no complete follows
          if (!op.executed) {
            app.metrics?.countOperation({ transport: 'ws', type: op.record.operationType ?? '(unknown)', operation: op.record.operationName, outcome: 'rejected' });
            ended(c, id);
          }
        }
        return errors.map((e) => Object.assign(e, pipeline.formatError(e.toJSON(), e))) as never;
      },
      onNext: (ctx, id, _payload, _args, result) => {
        const formatted = pipeline.formatResult(result as ExecutionResult);
        if (formatted.errors?.length) {
          const op = connectionOf(ctx.extra).ops.get(id);
          if (op) nextErrors(op, formatted);
        }
        return formatted as never;
      },
      onComplete: (ctx, id) => ended(connectionOf(ctx.extra), id),
    },
    wss,
    // graphql-ws' own keepalive is off: ours pings the sockets in batches (keepalive.ts)
    0,
  );
  // WS_KEEPALIVE_SECONDS (25 s, as the SSE routes' keepalive comment; graphql-ws' default was 12 s)
  const keepalive = app.config.wsKeepAliveSeconds > 0 ? new Keepalive(app.config.wsKeepAliveSeconds * 1000) : undefined;
  if (keepalive) wss.on('connection', (socket: WebSocket) => keepalive.add(socket));

  return {
    wss,
    /** open sockets, and subscriptions running on them (metrics) */
    stats(): { connections: number; subscriptions: number } {
      let subscriptions = 0;
      for (const op of running) if (op.record.operationType === 'subscription') subscriptions += 1;
      return { connections: wss.clients.size, subscriptions };
    },
    /** Closes every socket with 1001 (going away) and stops the server. */
    async close(): Promise<void> {
      keepalive?.close();
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await Promise.resolve(cleanup.dispose()).catch(() => undefined);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
