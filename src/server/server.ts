/**
 * Assembles one server instance: ORM (migrated), pubsub, storage, mail, limiter → Express with
 * /healthz, /readyz, /graphql (Apollo Server 5 over HTTP, graphql-ws on the same path) and the REST
 * surfaces. `close()` drains: stop accepting, finish in-flight requests, close ws with 1001, close pools.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { Request, RequestHandler, Response } from 'express';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import {
  ApolloServerPluginLandingPageLocalDefault,
  ApolloServerPluginLandingPageProductionDefault,
} from '@apollo/server/plugin/landingPage/default';
import { ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
import { graphqlUploadExpress } from 'graphql-upload-minimal';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { AppConfig } from '../config';
import { App, AppContext, createHttpContext } from '../context/context';
import { openOrm } from '../db/orm';
import { createPubSub } from '../pubsub/adapters';
import { RedisPubSub } from '../pubsub/redis';
import { PostgresFileStorage } from '../storage/storage';
import { Mailer } from '../modules/identity/mail.service';
import { AuthStore } from '../auth/auth-store';
import { PreparedSql } from '../db/prepared-sql';
import { SessionWatch } from '../auth/session-watch';
import { SupervisedListener } from '../pubsub/listener';
import { getSchema } from './schema';
import { ReadinessProbe } from './readiness';
import { Drain } from './drain';
import { RETRY_AFTER_SECONDS } from '../db/limits';
import { limitRules, parseOptions } from './limits';
import { attachWs } from './ws';
import { Pipeline } from './pipeline';
import { dashboardRouter } from './dashboard';
import { trustFunction } from './client-ip';
import { corsHandler } from './cors';
import { jsonBody } from './json-body';
import { idempotencyPlugin } from './idempotency';
import { mountSurface, MountedSurface } from '../rest/engine/engine';
import { databaseReady } from '../rest/engine/health';
import { surfaces } from '../rest/surfaces';
import { bootstrapAdmin } from '../modules/identity/user-admin.service';
import { toDomainError } from '../errors/translate';

export interface RunningServer {
  app: App;
  url: string;
  port: number;
  httpServer: http.Server;
  /** the one request pipeline (every transport executes through it) */
  pipeline: Pipeline;
  close(): Promise<void>;
}

export interface StartOptions {
  /** an ORM to reuse (tests); otherwise one is opened on config.databaseUrl */
  orm?: MikroORM;
  log?: (line: string) => void;
  /** more Apollo Server plugins (usage reporting, tracing…): they see every /graphql request */
  plugins?: ApolloServerPlugin<AppContext>[];
}

export async function createApp(config: AppConfig, orm?: MikroORM): Promise<App> {
  if (!config.databaseUrl) throw new Error('createApp needs config.databaseUrl (main.ts starts the embedded database first)');
  const theOrm = orm ?? (await openOrm(config.databaseUrl, { limits: config.db }));
  // One supervised listening connection for every user of one (pubsub, session cache): users register first.
  const listener =
    config.pubsub === 'postgres' || config.sessionCacheSeconds > 0 ? new SupervisedListener(config.databaseUrl, { applicationName: 'interchange-listener' }) : undefined;
  const pubsub = createPubSub(config.pubsub, config.databaseUrl, listener, config.db, config.redisUrl);
  const sql = new PreparedSql(config.databaseUrl, theOrm, { limits: config.db });
  const auth = new AuthStore({
    sql,
    orm: theOrm,
    maxAttemptsPerMinute: config.loginMaxPerMinute,
    sessionCacheSeconds: config.sessionCacheSeconds,
    listener,
  });
  auth.start();
  const sessionWatch = new SessionWatch(pubsub, auth, listener);
  await listener?.start();
  if (pubsub instanceof RedisPubSub) {
    try {
      await pubsub.start();
    } catch (err) {
      await listener?.close();
      await auth.close();
      await sql.close();
      throw err;
    }
  }
  return {
    config,
    orm: theOrm,
    pubsub,
    sql,
    storage: new PostgresFileStorage(),
    mailer: new Mailer(config),
    auth,
    listener,
    sessionWatch,
    readiness: new ReadinessProbe(config.databaseUrl),
  };
}

/**
 * GraphQL over HTTP: a request error (syntax, validation — limits included —, variable coercion) is a
 * 400 for clients that accept application/graphql-response+json, for `*\/*` and for no Accept header. A
 * client that asks for application/json alone gets 200 with the errors, as the GraphQL-over-HTTP spec
 * recommends for that legacy media type (graphql-http audits 572B, FDE2, 7B9B).
 */
const legacyJsonStatus: ApolloServerPlugin<AppContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ request, response }) {
        if (response.http.status !== 400 || response.body.kind !== 'single') return;
        if ('data' in response.body.singleResult && response.body.singleResult.data !== undefined) return;
        const accept = request.http?.headers.get('accept') ?? '';
        if (/application\/json/.test(accept) && !/application\/graphql-response\+json/.test(accept)) response.http.status = 200;
      },
    };
  },
};

/**
 * graphql-upload reads multipart bodies before Apollo: whatever it fails on (a truncated or malformed
 * stream, a missing part) is the request's fault, a 400 unless it says otherwise.
 */
function multipartRequests(upload: RequestHandler): RequestHandler {
  return (req, res, next) =>
    upload(req, res, (err?: unknown) => {
      if (!err) return next();
      const e = err as { status?: unknown; message?: string };
      next(typeof e.status === 'number' ? err : Object.assign(new Error(e.message ? `Malformed multipart request: ${e.message}` : 'Malformed multipart request'), { status: 400 }));
    });
}

/** Answers a batched (array) body with 400 before Apollo sees it. */
function refuseBatches(req: Request, res: Response, next: () => void): void {
  if (Array.isArray(req.body)) {
    res.status(400).json({ errors: [{ message: 'Batched requests are not supported', extensions: { code: 'BAD_USER_INPUT' } }] });
    return;
  }
  next();
}

/**
 * The answer to a request that arrives once the server stopped accepting work (drain.ts): 503 with
 * Retry-After and Connection: close, in the envelope of the surface the path belongs to (a GraphQL
 * error on /graphql), before anything of the request runs. With CORS headers for a listed origin, so
 * its frontend can read the 503 and Retry-After (a preflight is still answered).
 */
function refusal(config: AppConfig): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const message = 'The server is shutting down, try again';
  const cors = corsHandler(config);
  return (req, res) => {
    res.setHeader('Connection', 'close');
    cors(req, res, () => refuse(req, res));
  };
  function refuse(req: http.IncomingMessage, res: http.ServerResponse): void {
    const path = req.url ?? '/';
    const details = { retryAfter: RETRY_AFTER_SECONDS };
    const surface = surfaces.find((x) => path.startsWith(`/${x.id}/`)) ?? (path.startsWith('/api/') ? surfaces.find((x) => x.id === config.compatRoot) : undefined);
    let body: unknown = { error: message };
    if (path === '/graphql' || path.startsWith('/graphql?')) body = { errors: [{ message, extensions: { code: 'UNAVAILABLE', details } }] };
    else if (surface) body = surface.error('UNAVAILABLE', message, details, req as Request).body;
    const text = JSON.stringify(body);
    res.writeHead(503, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Retry-After': String(RETRY_AFTER_SECONDS), Connection: 'close' });
    res.end(text);
  }
}

export async function startServer(config: AppConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const app = await createApp(config, opts.orm);
  const schema = await getSchema();
  const bootCtx = await createHttpContext(app, { headers: {}, socket: {} } as never, undefined, 'http');
  await bootstrapAdmin(bootCtx);

  const expressApp = express();
  expressApp.disable('x-powered-by');
  expressApp.set('trust proxy', trustFunction(config.trustProxy));
  const drain = new Drain(refusal(config));
  const httpServer = http.createServer(drain.listener(expressApp));
  httpServer.keepAliveTimeout = 5_000;

  // First of all: CORS for ALLOWED_ORIGINS, preflights answered before any check or body (cors.ts)
  expressApp.use(corsHandler(config));

  expressApp.get('/healthz', (_req, res) => {
    res.status(drain.draining ? 503 : 200).json({ status: drain.draining ? 'stopping' : 'ok' });
  });
  // Not ready while the listening connection is down either (this instance's subscribers would hear
  // nothing), nor once shutdown began (a balancer stops sending before the server stops serving).
  // The database check has its own connection and answers within 2 s (readiness.ts).
  expressApp.get('/readyz', async (_req, res) => {
    const db = await databaseReady(app);
    const listening = app.listener?.ready ?? true;
    const pubsubUp = app.pubsub instanceof RedisPubSub ? app.pubsub.ready : true;
    const ready = db.reachable && db.migrated && listening && pubsubUp && !drain.draining;
    res.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      database: db.reachable ? 'ok' : 'unreachable',
      migrations: db.migrated ? 'applied' : 'pending',
      ...(app.listener ? { listener: listening ? 'up' : 'down' } : {}),
      ...(listening ? {} : { listenerDownSince: app.listener!.since.toISOString() }),
      ...(app.pubsub instanceof RedisPubSub ? { pubsub: pubsubUp ? 'up' : 'down', ...(pubsubUp ? {} : { pubsubDownSince: app.pubsub.since.toISOString() }) } : {}),
      ...(drain.draining ? { draining: true } : {}),
    });
  });

  const pipeline = new Pipeline(schema, config);
  const ws = attachWs(app, httpServer, pipeline);
  const wsDrain: ApolloServerPlugin<AppContext> = {
    async serverWillStart() {
      return { drainServer: () => ws.close() };
    },
  };
  // Stopping Apollo first drains HTTP (drain.ts: refuse new requests, finish those in flight) and ws.
  const httpDrain: ApolloServerPlugin<AppContext> = {
    async serverWillStart() {
      return { drainServer: () => drain.close(httpServer) };
    },
  };
  const apollo = new ApolloServer<AppContext>({
    // Apollo runs its request lifecycle and hands each validated document to the pipeline to execute.
    gateway: pipeline.apolloGateway(),
    validationRules: limitRules(config),
    parseOptions: parseOptions(config),
    allowBatchedHttpRequests: false,
    csrfPrevention: true,
    introspection: !config.isProduction,
    includeStacktraceInErrorResponses: false,
    nodeEnv: config.nodeEnv,
    // main.ts owns SIGTERM/SIGINT and drains everything in order; Apollo's own handler would race it.
    stopOnTerminationSignals: false,
    formatError: pipeline.formatError,
    plugins: [
      httpDrain,
      wsDrain,
      legacyJsonStatus,
      // Idempotency-Key on mutations: after legacyJsonStatus, so the status it stores is the one sent
      idempotencyPlugin(),
      ApolloServerPluginUsageReportingDisabled(),
      config.isProduction ? ApolloServerPluginLandingPageProductionDefault({ footer: false }) : ApolloServerPluginLandingPageLocalDefault({ embed: true, footer: false }),
      ...(opts.plugins ?? []),
    ],
  });
  await apollo.start();

  expressApp.use(
    '/graphql',
    jsonBody(),
    (err: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => {
      if (!err) return next();
      res.status(400).json({ errors: [{ message: 'Invalid JSON body', extensions: { code: 'BAD_REQUEST' } }] });
    },
    refuseBatches,
    multipartRequests(graphqlUploadExpress({ maxFileSize: config.uploadMaxBytes, maxFiles: config.uploadMaxFiles })),
    expressMiddleware(apollo, {
      // a session check that ran into a time limit is a 503 (toDomainError), not "Context creation failed"
      context: async ({ req, res }) => createHttpContext(app, req, res, 'http').catch((err: unknown) => Promise.reject(toDomainError(err) ?? err)),
    }),
    // A malformed or oversized multipart request (graphql-upload) or anything else thrown before Apollo
    // answers: a GraphQL error in JSON, never Express's HTML page with a stack.
    (err: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => {
      if (res.headersSent) return next(err);
      const status = (err as { status?: unknown; statusCode?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
      const clientError = typeof status === 'number' && status >= 400 && status < 500;
      if (!clientError) console.error('[graphql] request failed before execution:', (err as Error)?.message ?? err);
      res.status(clientError ? status : 500).json({
        errors: [{ message: clientError ? (err as Error).message || 'Bad request' : 'Internal server error', extensions: { code: clientError ? 'BAD_REQUEST' : 'INTERNAL' } }],
      });
    },
  );

  expressApp.use('/dashboard', dashboardRouter());

  const mounted: MountedSurface[] = [];
  for (const surface of surfaces) {
    const m = mountSurface(app, pipeline, surface);
    mounted.push(m);
    expressApp.use(`/${surface.id}`, m.router);
  }
  // The root mount after every prefixed one: a surface router answers 404 for whatever it does not know,
  // so mounted at / before them it would hide the surfaces after it in the list.
  const rootSurface = surfaces.findIndex((x) => x.id === config.compatRoot);
  if (rootSurface >= 0) expressApp.use('/', mounted[rootSurface].router);
  expressApp.use((_req, res) => {
    res.status(404).json({ error: 'Not found' });
  });
  // Anything thrown outside a surface's or /graphql's own handling: JSON, never an HTML stack page.
  expressApp.use((err: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) return void res.status(status).json({ error: 'Bad request' });
    console.error('[http] request failed:', (err as Error)?.message ?? err);
    res.status(500).json({ error: 'Internal server error' });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      // the pre-stop window: not ready, still serving (drain.ts)
      drain.drain();
      if (config.shutdownDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
      for (const m of mounted) m.closeStreams();
      // httpDrain refuses new requests before they run, closes idle sockets and waits for those in flight; wsDrain closes sockets with 1001.
      await apollo.stop();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      app.sessionWatch.close();
      await app.pubsub.close();
      await app.auth.close();
      await app.sql.close();
      await app.listener?.close();
      app.readiness.close();
      app.mailer.close();
      if (!opts.orm) await app.orm.close(true);
    })());

  return { app, url: `http://${shownHost}:${port}`, port, httpServer, pipeline, close };
}
