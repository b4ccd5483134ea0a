/**
 * Assembles one server instance: ORM (migrated), pubsub, storage, mail, limiter → Express with
 * /healthz, /readyz, /graphql (Apollo Server 5 over HTTP, graphql-ws on the same path) and the REST
 * surfaces. `close()` drains: stop accepting, finish in-flight requests, close ws with 1001, close pools.
 * Every HTTP request is logged and timed where it enters (src/observe/requests.ts), before the drain
 * and Express; `GET /metrics` when METRICS_ENABLED (src/observe/metrics.ts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { Request, RequestHandler, Response } from 'express';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginUsageReportingDisabled } from '@apollo/server/plugin/disabled';
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
import { expressMessages } from './express-messages';
import { RETRY_AFTER_SECONDS } from '../db/limits';
import { limitRules, parseOptions } from './limits';
import { attachWs } from './ws';
import { Pipeline } from './pipeline';
import { apolloExpressHandler } from './apollo-express';
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
import { createLogger, Logger } from '../observe/log';
import type { DestinationStream } from 'pino';
import { Metrics } from '../observe/metrics';
import { graphqlRequestPlugin, observeHttp, operationHook, recordOf, requestLogger } from '../observe/requests';
import { tracing } from '../observe/tracing';
import { openSseStreams } from '../rest/engine/engine';
import { PostgresPubSub } from '../pubsub/pubsub';
import { timingSafeEqual } from 'node:crypto';
import { createApqCache } from './apq';
import { DocumentGate, documentIdRequests, TrustedDocuments, trustedDocumentsPlugin } from './trusted-documents';
import { GraphQLError } from 'graphql';
import { DASHBOARD_PATH, FRONT_DOOR_PATH, GRAPHQL_IDE_ASSETS_PATH, GRAPHQL_PATH, HEALTH_PATH, METRICS_PATH, READY_PATH, surfacePrefix } from './paths';
import { definesRoot, frontDoor } from './front-door';
import { graphiqlAssets, graphiqlPageHeaders, landingPagePlugin } from './graphql-ide';

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
  /** the instance's root logger (main.ts passes the one it logs its banner with); otherwise one is made at LOG_LEVEL */
  logger?: Logger;
  /** where a logger made here writes (tests read the lines in-process); otherwise stdout */
  logDestination?: DestinationStream;
  /** more Apollo Server plugins (usage reporting, tracing…): they see every /graphql request */
  plugins?: ApolloServerPlugin<AppContext>[];
}

export async function createApp(config: AppConfig, orm?: MikroORM, log: Logger = createLogger({ level: config.logLevel })): Promise<App> {
  if (!config.databaseUrl) throw new Error('createApp needs config.databaseUrl (main.ts starts the embedded database first)');
  const theOrm = orm ?? (await openOrm(config.databaseUrl, { limits: config.db }));
  // One supervised listening connection for every user of one (pubsub, session cache): users register first.
  const listener =
    config.pubsub === 'postgres' || config.sessionCacheSeconds > 0 ? new SupervisedListener(config.databaseUrl, { applicationName: 'interchange-listener', log }) : undefined;
  const pubsub = createPubSub(config.pubsub, config.databaseUrl, listener, config.db, config.redisUrl, log);
  const sql = new PreparedSql(config.databaseUrl, theOrm, { limits: config.db });
  const auth = new AuthStore({
    sql,
    orm: theOrm,
    maxAttemptsPerMinute: config.loginMaxPerMinute,
    sessionCacheSeconds: config.sessionCacheSeconds,
    listener,
  });
  auth.start();
  const sessionWatch = new SessionWatch(pubsub, auth, listener, log);
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
    log,
    metrics: config.metrics.enabled ? new Metrics() : undefined,
  };
}

/** Closes what createApp opened (the ORM only when it opened it). */
async function closeApp(app: App, givenOrm: MikroORM | undefined): Promise<void> {
  app.sessionWatch.close();
  await app.pubsub.close();
  await app.auth.close();
  await app.sql.close();
  await app.listener?.close();
  app.readiness.close();
  app.mailer.close();
  if (!givenOrm) await app.orm.close(true);
}

/** The connections of the instance's pools, for interchange_db_pool_connections. */
function poolStats(app: App): { pool: string; used: number; free: number; pending: number }[] {
  const out: { pool: string; used: number; free: number; pending: number }[] = [];
  const tarn = (app.orm.em.getConnection().getKnex().client as { pool?: { numUsed(): number; numFree(): number; numPendingAcquires(): number } }).pool;
  if (tarn) out.push({ pool: 'orm', used: tarn.numUsed(), free: tarn.numFree(), pending: tarn.numPendingAcquires() });
  const p = app.sql.pool;
  out.push({ pool: 'prepared', used: p.totalCount - p.idleCount, free: p.idleCount, pending: p.waitingCount });
  if (app.pubsub instanceof PostgresPubSub) out.push({ pool: 'publisher', ...app.pubsub.poolStats() });
  return out;
}

/** Whether a request carries the metrics token (compared in constant time). */
function bearerMatches(header: string | undefined, token: string): boolean {
  if (!header?.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7).trim());
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
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
 * `Cache-Control: no-store` on every /graphql answer, as Apollo's default cache-control plugin sends it
 * when nothing in the graph is cacheable — and nothing is: the graph has no `@cacheControl` hints and no
 * resolver sets one, so every answer's policy is "max-age 0" and the plugin always ended in `no-store`
 * (keeping a header it cannot parse, as it did). That plugin is replaced by this one because it
 * listens to every field: to do so Apollo wraps every resolver of the schema, and for each field of
 * each answer it built the field's resolve info, a policy object and two closures — work whose only
 * outcome was this constant header (bench/README.md, issue 10 findings). Installed last, where Apollo
 * put its own, so the other plugins' `willSendResponse` see the headers they saw before.
 */
const noStore: ApolloServerPlugin<AppContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response }) {
        const existing = response.http.headers.get('cache-control');
        if (existing && existing !== 'no-store' && !/^max-age=\d+, (public|private)$/.test(existing)) return;
        response.http.headers.set('cache-control', 'no-store');
      },
    };
  },
};

/**
 * A subscription sent over HTTP is the request's fault, a 400: subscriptions are served over graphql-ws on
 * the same path. Executed as a query, its resolver would get no event and answer an internal error.
 * (GraphiQL sends one when a click beats its parse of the editor; any client may.)
 */
const subscriptionsOverWs: ApolloServerPlugin<AppContext> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }) {
        if (operation?.operation !== 'subscription') return;
        throw new GraphQLError(`Subscriptions are served over graphql-ws (WebSocket) on ${GRAPHQL_PATH}, not over HTTP`, {
          extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
        });
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
    if (path === GRAPHQL_PATH || path.startsWith(`${GRAPHQL_PATH}?`)) body = { errors: [{ message, extensions: { code: 'UNAVAILABLE', details } }] };
    else if (surface) body = surface.error('UNAVAILABLE', message, details, req as Request).body;
    const text = JSON.stringify(body);
    res.writeHead(503, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(text),
      'Retry-After': String(RETRY_AFTER_SECONDS),
      Connection: 'close',
    });
    res.end(text);
  }
}

export async function startServer(config: AppConfig, opts: StartOptions = {}): Promise<RunningServer> {
  const log = opts.logger ?? createLogger({ level: config.logLevel, destination: opts.logDestination });
  const app = await createApp(config, opts.orm, log);
  const schema = await getSchema();
  const bootCtx = await createHttpContext(app, { headers: {}, socket: {} } as never, undefined, 'http');
  await bootstrapAdmin(bootCtx);

  const expressApp = express();
  expressApp.disable('x-powered-by');
  expressApp.set('trust proxy', trustFunction(config.trustProxy));
  const drain = new Drain(refusal(config));
  // every request gets its id, its log line and its latency here, refusals of a draining server included
  // requests and responses born with Express's prototypes: shared hidden classes (express-messages.ts)
  const httpServer = http.createServer(expressMessages(expressApp), observeHttp(drain.listener(expressApp), log, app.metrics));
  // Idle keep-alive connections stay open longer than the clients' and proxies' own idle timeouts (load
  // balancers commonly 60 s): when the server closed first (it was 5 s), a client reusing the socket at
  // that moment got ECONNRESET. The headers timeout must exceed it (Node's rule). Draining closes idle
  // connections itself, so a long idle timeout does not slow shutdown.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;

  // The route template of the platform's own paths, for the request's log line and latency.
  const route =
    (template: string) =>
    (req: Request, _res: Response, next: () => void): void => {
      const record = recordOf(req);
      if (record) record.route = template;
      next();
    };

  // First of all: CORS for ALLOWED_ORIGINS, preflights answered before any check or body (cors.ts)
  expressApp.use(corsHandler(config));

  // Prometheus metrics on the main port, only when enabled; with METRICS_TOKEN only for that bearer.
  // Off, the path is an ordinary 404.
  if (app.metrics) {
    const metrics = app.metrics;
    expressApp.get(METRICS_PATH, route(METRICS_PATH), async (req, res) => {
      if (config.metrics.token && !bearerMatches(req.headers.authorization, config.metrics.token)) {
        res.status(401).setHeader('WWW-Authenticate', 'Bearer realm="metrics"').json({ error: 'Authentication required' });
        return;
      }
      res.setHeader('Content-Type', metrics.contentType);
      res.setHeader('Cache-Control', 'no-store');
      res.send(await metrics.scrape());
    });
  }

  expressApp.get(HEALTH_PATH, route(HEALTH_PATH), (_req, res) => {
    res.status(drain.draining ? 503 : 200).json({ status: drain.draining ? 'stopping' : 'ok' });
  });
  // Not ready while the listening connection is down either (this instance's subscribers would hear
  // nothing), nor once shutdown began (a balancer stops sending before the server stops serving).
  // The database check has its own connection and answers within 2 s (readiness.ts).
  expressApp.get(READY_PATH, route(READY_PATH), async (_req, res) => {
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

  const pipeline = new Pipeline(schema, config, log);
  // request records and operation metrics, on every transport (src/observe/requests.ts)
  pipeline.hooks.push(operationHook(app.metrics));
  // a span per operation when tracing is on (src/instrument.ts started it; nothing loaded otherwise)
  const traced = tracing();
  if (traced) pipeline.hooks.push(traced.hook);
  // Trusted documents and persisted queries (trusted-documents.ts, apq.ts): in trusted-only mode the
  // manifest is the only source of documents, so no APQ store is opened
  const trusted = TrustedDocuments.load();
  if (config.graphqlTrustedOnly && trusted.size === 0) {
    await closeApp(app, opts.orm);
    throw new Error('GRAPHQL_TRUSTED_ONLY=true needs schema/trusted-documents.json (npm run codegen writes it): it is missing or empty');
  }
  const apq = config.graphqlTrustedOnly ? undefined : createApqCache(config, app.sql, log);
  const ws = attachWs(app, httpServer, pipeline, new DocumentGate(trusted, config.graphqlTrustedOnly, apq));
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
    // automatic persisted queries in the shared store; none in trusted-only mode (a hash outside the manifest is not found)
    persistedQueries: { cache: apq?.apolloCache() ?? { get: async () => undefined, set: async () => undefined, delete: async () => undefined } },
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
      trustedDocumentsPlugin(trusted, config.graphqlTrustedOnly),
      subscriptionsOverWs,
      graphqlRequestPlugin(app.metrics),
      // Idempotency-Key on mutations: after legacyJsonStatus, so the status it stores is the one sent
      idempotencyPlugin(),
      ApolloServerPluginUsageReportingDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      // what a browser gets at GET /graphql (GRAPHQL_IDE): Sandbox, GraphiQL from our own assets, or nothing
      landingPagePlugin(config),
      ...(opts.plugins ?? []),
      noStore,
    ],
  });
  await apollo.start();

  // GraphiQL's static files: before the GraphQL middleware, which would take any path under /graphql for itself
  if (config.graphqlIde === 'graphiql') expressApp.use(GRAPHQL_IDE_ASSETS_PATH, route(`${GRAPHQL_IDE_ASSETS_PATH}/*`), graphiqlAssets());

  expressApp.use(
    GRAPHQL_PATH,
    (req: Request, _res: Response, next: () => void) => {
      const record = recordOf(req);
      if (record) {
        record.transport = 'graphql';
        record.route = GRAPHQL_PATH;
      }
      next();
    },
    graphiqlPageHeaders(config),
    jsonBody(),
    (err: unknown, _req: Request, res: Response, next: (e?: unknown) => void) => {
      if (!err) return next();
      res.status(400).json({ errors: [{ message: 'Invalid JSON body', extensions: { code: 'BAD_REQUEST' } }] });
    },
    refuseBatches,
    documentIdRequests,
    multipartRequests(graphqlUploadExpress({ maxFileSize: config.uploadMaxBytes, maxFiles: config.uploadMaxFiles })),
    apolloExpressHandler(apollo, {
      // a session check that ran into a time limit is a 503 (toDomainError), not "Context creation failed"
      context: async ({ req, res }) => createHttpContext(app, req, res, 'http').catch((err: unknown) => Promise.reject(toDomainError(err) ?? err)),
    }),
    // A malformed or oversized multipart request (graphql-upload) or anything else thrown before Apollo
    // answers: a GraphQL error in JSON, never Express's HTML page with a stack.
    (err: unknown, req: Request, res: Response, next: (e?: unknown) => void) => {
      if (res.headersSent) return next(err);
      const status = (err as { status?: unknown; statusCode?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
      const clientError = typeof status === 'number' && status >= 400 && status < 500;
      if (!clientError) requestLogger(req, log).error({ err }, 'graphql request failed before execution');
      res.status(clientError ? status : 500).json({
        errors: [{ message: clientError ? (err as Error).message || 'Bad request' : 'Internal server error', extensions: { code: clientError ? 'BAD_REQUEST' : 'INTERNAL' } }],
      });
    },
  );

  expressApp.use(DASHBOARD_PATH, route(DASHBOARD_PATH), dashboardRouter());

  const mounted: MountedSurface[] = [];
  for (const surface of surfaces) {
    const m = mountSurface(app, pipeline, surface);
    mounted.push(m);
    expressApp.use(surfacePrefix(surface.id), m.router);
  }
  // The root mount after every prefixed one: a surface router answers 404 for whatever it does not know,
  // so mounted at / before them it would hide the surfaces after it in the list.
  const rootSurface = surfaces.findIndex((x) => x.id === config.compatRoot);
  // The front door, before the root mount (which answers everything) unless that surface documents a
  // `GET /` of its own: a legacy client's routes win (conduct's API status).
  if (rootSurface < 0 || !definesRoot(surfaces[rootSurface])) expressApp.get(FRONT_DOOR_PATH, route(FRONT_DOOR_PATH), frontDoor(config, surfaces));
  if (rootSurface >= 0) expressApp.use('/', mounted[rootSurface].router);
  expressApp.use((_req, res) => {
    res.status(404).json({ error: 'Not found' });
  });
  // Anything thrown outside a surface's or /graphql's own handling: JSON, never an HTML stack page.
  expressApp.use((err: unknown, req: Request, res: Response, next: (e?: unknown) => void) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: unknown })?.status;
    if (typeof status === 'number' && status >= 400 && status < 500) return void res.status(status).json({ error: 'Bad request' });
    requestLogger(req, log).error({ err }, 'request failed');
    res.status(500).json({ error: 'Internal server error' });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(config.port, config.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;

  // what the scrape reads from the parts that own the state (src/observe/metrics.ts)
  if (app.metrics) {
    app.metrics.sources = {
      ws: () => ws.stats(),
      sseStreams: () => openSseStreams(app),
      fanout: () => pipeline.fanout.stats(),
      listeners: () => [
        ...(app.listener ? [{ backend: 'postgres', up: app.listener.ready }] : []),
        ...(app.pubsub instanceof RedisPubSub ? [{ backend: 'redis', up: app.pubsub.ready }] : []),
      ],
      pools: () => poolStats(app),
    };
  }

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      const shutdown = log.child({ component: 'shutdown' });
      const started = Date.now();
      // the pre-stop window: not ready, still serving (drain.ts)
      drain.drain();
      if (config.shutdownDelayMs > 0) {
        shutdown.info({ step: 'pre-stop', delayMs: config.shutdownDelayMs }, `shutdown: /readyz answers 503, still serving for ${config.shutdownDelayMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, config.shutdownDelayMs));
      }
      shutdown.info({ step: 'drain' }, 'shutdown: refusing new requests, ending event streams, finishing requests in flight, closing ws with 1001');
      for (const m of mounted) m.closeStreams();
      // httpDrain refuses new requests before they run, closes idle sockets and waits for those in flight; wsDrain closes sockets with 1001.
      await apollo.stop();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      shutdown.info({ step: 'drained', elapsedMs: Date.now() - started }, 'shutdown: HTTP and ws drained');
      await apq?.close();
      await closeApp(app, opts.orm);
      app.metrics?.registry.clear();
      shutdown.info({ step: 'closed', elapsedMs: Date.now() - started }, 'shutdown: pubsub, listener and database pools closed');
    })());

  return { app, url: `http://${shownHost}:${port}`, port, httpServer, pipeline, close };
}
