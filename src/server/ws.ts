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
import { clientIp, trustFunction } from './client-ip';
import { originAllowed } from './origin';
import { OpenCounter } from './caps';

export const WS_CLOSE_REVOKED = 4401;
/** closed at connection_init: the user (or the anonymous address) holds as many sockets as allowed */
export const WS_CLOSE_TOO_MANY = 4429;
/** closed at connection_init: the database did not answer within its time limits (RFC 6455's 1013 Try Again Later) */
export const WS_CLOSE_TRY_AGAIN = 1013;

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

export function attachWs(app: App, httpServer: Server, pipeline: Pipeline) {
  const wss = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: 1024 * 1024,
    verifyClient: ({ origin, req }, cb) => {
      if (originAllowed(origin, req.headers.host, app.config)) cb(true);
      else cb(false, 403, 'Origin not allowed');
    },
  });

  // A revoked session's sockets close (the one session watch, shared with SSE); it follows reconnections.
  const watchSession = (viewer: { id: string; sessionId: string }, socket: WebSocket) => {
    const unwatch = app.sessionWatch.watch(viewer, () => socket.close(WS_CLOSE_REVOKED, 'Session revoked'));
    socket.once('close', unwatch);
  };

  const trust = trustFunction(app.config.trustProxy);
  const { caps } = app.config;
  const perUser = new OpenCounter(caps.wsPerUser);
  const perAnonymousIp = new OpenCounter(caps.wsAnonymousPerIp);
  /** Takes a connection slot for the socket (given back when it closes); false when at the cap. */
  const admit = (counter: OpenCounter, key: string, socket: WebSocket): boolean => {
    const release = counter.take(key);
    if (!release) {
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
        // anonymous: public subscriptions only
        if (!token) return admit(perAnonymousIp, meta(ctx.extra.request).ip, socket);
        let viewer;
        try {
          viewer = await resolveViewer(app, () => app.orm.em.fork() as never, token);
        } catch (err) {
          if (!unavailableError(err)) throw err; // graphql-ws closes with 4500
          socket.close(WS_CLOSE_TRY_AGAIN, 'Try again later: the service is busy');
          return false;
        }
        if (!viewer) return false; // closes with 4403 Forbidden
        if (!admit(perUser, viewer.id, socket)) return false;
        watchSession(viewer, socket);
        return true;
      },
      onSubscribe: async (ctx, _id, payload) => {
        // the operations this socket runs at once (subscriptions, and queries or mutations in flight),
        // this one included: graphql-ws reserves its id before asking
        if (Object.keys(ctx.subscriptions).length > caps.subscriptionsPerSocket) {
          return [new GraphQLError(`Too many subscriptions on this connection (at most ${caps.subscriptionsPerSocket})`, { extensions: { code: 'RATE_LIMITED' } })];
        }
        const checked = pipeline.prepare(payload.query, payload.operationName);
        if (checked.errors) return checked.errors.map((e) => Object.assign(e, pipeline.formatError(e.toJSON(), e)));
        let contextValue;
        try {
          contextValue = await createWsContext(app, ctx.extra.token, meta(ctx.extra.request));
        } catch (err) {
          const unavailable = unavailableError(err);
          if (!unavailable) throw err;
          return [Object.assign(unavailable, pipeline.formatError(unavailable.toJSON(), unavailable))];
        }
        const args: ExecutionArgs = {
          schema: pipeline.schema,
          document: checked.prepared.document,
          variableValues: payload.variables ?? undefined,
          operationName: payload.operationName ?? undefined,
          contextValue,
        };
        return args;
      },
      onError: (_ctx, _id, _payload, errors) => errors.map((e) => Object.assign(e, pipeline.formatError(e.toJSON(), e))) as never,
      onNext: (_ctx, _id, _payload, _args, result) => pipeline.formatResult(result as ExecutionResult) as never,
    },
    wss,
  );

  return {
    wss,
    /** Closes every socket with 1001 (going away) and stops the server. */
    async close(): Promise<void> {
      for (const client of wss.clients) client.close(1001, 'Server shutting down');
      await Promise.resolve(cleanup.dispose()).catch(() => undefined);
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
