/**
 * The route-table engine: every entry's GraphQL document is parsed and validated at start (with the
 * graph's limits; a bad document fails the start), parsed again and compiled on the route's first
 * request (kept from then on), then executed in-process per
 * request through the one request pipeline (src/server/pipeline.ts), like /graphql. A request first
 * gets its context (the viewer), then the access declared on the operation's root fields (and a
 * legacy route's stricter `access`, if any) is enforced (401/403 before any body is read or variables
 * are built), then the body is read. Results become the
 * surface's legacy status, headers and body; errors go through the surface's one error mapping.
 * Uploads become `Upload` variables, downloads stream stored bytes, and SSE routes stream a subscription.
 */
import express, { NextFunction, Request, Response, Router } from 'express';
import { hash } from 'node:crypto';
import { ExecutionResult, GraphQLError, OperationDefinitionNode } from 'graphql';
import type { App, AppContext } from '../../context/context';
import { createHttpContext } from '../../context/context';
import { jsonBody } from '../../server/json-body';
import { codeOf } from '../../errors/translate';
import type { ErrorCode, ErrorDetails } from '../../errors/domain-error';
import type { Pipeline, Prepared } from '../../server/pipeline';
import { AccessRule, enforce } from '../../auth/access';
import { openApiDocument, routeAccess } from './openapi';
import { docsRouter } from './docs';
import { readMultipart } from './multipart';
import { IndexedRoute, routeIndex } from './route-index';
import { isEventsInterrupted } from '../../pubsub/pubsub';
import { isCrossSiteCookieWrite } from '../../server/origin';
import { OpenCounter } from '../../server/caps';
import { restIdempotency } from '../../server/idempotency';
import { recordOf } from '../../observe/requests';
import { errorMessage } from '../../observe/log';
import { SURFACE_OPENAPI_PATH } from '../../server/paths';
import { DownloadRoute, OperationRoute, RestInputError, RestRoute, RouteRequest, SseFrame, SseRoute, SurfaceDefinition } from './types';

interface Compiled {
  route: RestRoute;
  /** the route's document, checked at start, parsed for good on the route's first request (`lazyPrepared`) */
  prepared?: () => Prepared;
  /** the response key of the first root field (its alias or name) */
  rootField?: string;
  /** the access declared on the operation's root fields, enforced before the body is read */
  access: AccessRule[];
  /** an SSE route's resume query */
  resume?: { prepared: () => Prepared; rootField?: string };
}

/**
 * A document checked at start, kept as its text until its route's first request, then parsed (through
 * the pipeline's document cache) and kept. Most routes of a table are never requested by a given
 * process, and a parsed document (its AST and token list) holds about 12 KB of heap: the 200-odd route
 * documents held 2.4 MB of an idle server's heap for good (bench/README.md "Idle RSS"). `compile` marks
 * the document to run compiled from its first execution (queries and mutations).
 */
function lazyPrepared(pipeline: Pipeline, source: string, compile: boolean): () => Prepared {
  let prepared: Prepared | undefined;
  return () => {
    if (prepared) return prepared;
    const checked = pipeline.prepare(source);
    // checked at start with the same schema, rules and limits: a failure here is a defect, answered as INTERNAL
    if (checked.errors) throw new Error(`a route document checked at start no longer validates: ${checked.errors.map((e) => e.message).join('; ')}`);
    prepared = checked.prepared;
    if (compile) pipeline.precompile(prepared);
    return prepared;
  };
}

function rootFieldOf(operation: OperationDefinitionNode): string | undefined {
  const first = operation.selectionSet.selections[0];
  return first && first.kind === 'Field' ? (first.alias ?? first.name).value : undefined;
}

/**
 * Parses and validates every document of a table (nothing of it kept but what a request checks before
 * its body is read: the access of its root fields); throws one error naming every bad route.
 */
export function compileRoutes(pipeline: Pipeline, surface: SurfaceDefinition): Compiled[] {
  const problems: string[] = [];
  const prepare = (source: string, where: string, expected?: string): Prepared | undefined => {
    const checked = pipeline.prepare(source, undefined, false);
    if (checked.errors) {
      problems.push(`${where}: ${checked.errors.map((e) => e.message).join('; ')}`);
      return undefined;
    }
    const ops = checked.prepared.document.definitions.filter((d) => d.kind === 'OperationDefinition');
    if (ops.length !== 1) problems.push(`${where}: the document must hold exactly one operation`);
    if (expected && checked.prepared.operation.operation !== expected) problems.push(`${where}: needs a ${expected}`);
    return checked.prepared;
  };
  const compiled = surface.routes.map((route): Compiled => {
    if (route.kind === 'plain') return { route, access: [] };
    const stricter = route.access ? [route.access] : [];
    const where = `${route.method.toUpperCase()} ${route.path}`;
    const prepared = prepare(route.operation, where, route.kind === 'sse' ? 'subscription' : route.kind === 'download' ? 'query' : undefined);
    if (!prepared) return { route, access: stricter };
    let resume: Compiled['resume'];
    if (route.kind === 'sse' && route.resume) {
      const r = prepare(route.resume.operation, `${where} (resume)`, 'query');
      if (r) resume = { prepared: lazyPrepared(pipeline, route.resume.operation, false), rootField: rootFieldOf(r.operation) };
    }
    return {
      route,
      prepared: lazyPrepared(pipeline, route.operation, route.kind !== 'sse'),
      rootField: rootFieldOf(prepared.operation),
      access: routeAccess(pipeline.schema, route, prepared.operation),
      resume,
    };
  });
  if (problems.length) throw new Error(`REST surface "${surface.id}" has invalid routes:\n  ${problems.join('\n  ')}`);
  return compiled;
}

/**
 * What `res.status(status).json(body)` sends with Express's default JSON settings (no replacer, no
 * spaces, no escaping): the everyday answer, byte for byte (same headers, in the same order).
 *
 * An unconditional GET or POST with a 200/201 answer (nearly every request) skips `res.send`: it
 * re-parses and re-formats the Content-Type we set, looks up settings and headers one by one and asks
 * `req.fresh`, which costs more than the rest of a small list's response handling. What it would
 * add is added here the same way: Content-Length, and the ETag of the app's own `etag fn` (Express's
 * weak ETag by default) over the same bytes. Anything else (HEAD, If-None-Match / If-Modified-Since,
 * which may answer 304, another status) takes `res.send` itself.
 */
function sendJson(res: Response, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  const text = JSON.stringify(body);
  const { headers, method } = res.req;
  if (
    (status !== 200 && status !== 201) ||
    (method !== 'GET' && method !== 'POST') ||
    headers['if-none-match'] !== undefined ||
    headers['if-modified-since'] !== undefined ||
    res.hasHeader('ETag') ||
    res.hasHeader('Transfer-Encoding')
  ) {
    res.send(text);
    return;
  }
  // The text as it is, never copied into a Buffer first (Express's ETag function copies it): its byte
  // length is counted, Express's default weak ETag is computed over it as UTF-8, and the socket encodes it once.
  const length = Buffer.byteLength(text, 'utf8');
  res.setHeader('Content-Length', String(length));
  const setting = res.app.get('etag') as unknown;
  if (setting === 'weak' || setting === true) res.setHeader('ETag', weakEtag(text, length));
  else {
    const etagOf = res.app.get('etag fn') as ((body: Buffer, encoding?: BufferEncoding) => string | undefined) | undefined;
    const etag = typeof etagOf === 'function' ? etagOf(Buffer.from(text, 'utf8')) : undefined;
    if (etag) res.setHeader('ETag', etag);
  }
  res.end(text, 'utf8');
}

/** Express's default ETag (`etag` with `weak: true`) of a UTF-8 text of `length` bytes: W/"<length in hex>-<27 characters of its SHA-1 in base64>". */
function weakEtag(text: string, length: number): string {
  if (length === 0) return 'W/"0-2jmj7l5rSw0yVb/vlWAYkK/YBwk"';
  // one-shot `hash` (no Hash object per response); a JS string is hashed as UTF-8, as `update(text, 'utf8')` did
  return `W/"${length.toString(16)}-${hash('sha1', text, 'base64').substring(0, 27)}"`;
}

function sendError(res: Response, surface: SurfaceDefinition, code: ErrorCode, message: string, details?: ErrorDetails): void {
  if (res.headersSent) return;
  const { status, body } = surface.error(code, message, details, res.req);
  if (details?.retryAfter !== undefined) res.setHeader('Retry-After', String(details.retryAfter));
  res.status(status).json(body);
}

/**
 * The first error of a result, translated once (codes, safe messages) for the surface's envelope.
 * An error without a path on a result without `data` failed before execution (variable coercion):
 * that is bad input, whatever the thrown value inside it.
 */
function firstError(pipeline: Pipeline, result: ExecutionResult): { code: ErrorCode; message: string; details?: ErrorDetails } {
  const e = result.errors?.[0] ?? new GraphQLError('Request failed');
  if (result.data === undefined && !e.path) return { code: 'BAD_USER_INPUT', message: pipeline.maskSuggestions(e.message) };
  const f = pipeline.formatError(e.toJSON(), e);
  return { code: codeOf(f), message: f.message, details: f.extensions?.details as ErrorDetails | undefined };
}

/** The multipart field whose required Upload variable a coercion error names, if any. */
function missingUpload(uploads: Record<string, string>, message: string): string | undefined {
  return Object.entries(uploads).find(([, variable]) => message.includes(`"$${variable}"`))?.[0];
}

function routeRequest(app: App, req: Request, fields: Record<string, string> = {}, files: string[] = [], ctx?: AppContext): RouteRequest {
  const base = `${(app.config.publicUrl ?? '').replace(/\/+$/, '')}${req.baseUrl ?? ''}`;
  return {
    req,
    params: (req.params ?? {}) as Record<string, string>,
    query: (req.query ?? {}) as Record<string, unknown>,
    body: req.body ?? {},
    fields,
    files,
    viewer: ctx?.viewer,
    base,
  };
}

function sseFrame(frame: SseFrame): string {
  let out = '';
  if (frame.id !== undefined) out += `id: ${frame.id}\n`;
  if (frame.event) out += `event: ${frame.event}\n`;
  const data = typeof frame.data === 'string' ? frame.data : JSON.stringify(frame.data);
  for (const line of data.split('\n')) out += `data: ${line}\n`;
  return out + '\n';
}

/** The frames of one subscription result, the id that names them (for resume), and their text. */
function sseFrames(route: SseRoute, item: unknown, r: RouteRequest): { id?: string; text: string } {
  const out = route.event(item as never, r);
  const frames = Array.isArray(out) ? out : [out];
  return { id: frames.find((f) => f.id !== undefined)?.id, text: frames.map(sseFrame).join('') };
}

/**
 * A Content-Disposition header naming a file (RFC 6266): `filename="…"` is the name as a quoted string
 * (`"` and `\\` escaped, control characters dropped, anything outside printable ASCII as `_`, so no
 * client's name can break the header or inject another), and `filename*=UTF-8''…` carries the exact
 * name when it is not plain ASCII.
 */
export function contentDisposition(kind: 'attachment' | 'inline', filename: string): string {
  // eslint-disable-next-line no-control-regex
  const name = filename.replace(/[\u0000-\u001f\u007f]/g, '') || 'download';
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '\\$&');
  const header = `${kind}; filename="${ascii}"`;
  if (/^[\x20-\x7e]*$/.test(name)) return header;
  try {
    const encoded = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
    return `${header}; filename*=UTF-8''${encoded}`;
  } catch {
    return header; // a lone surrogate cannot be encoded: the ASCII form alone
  }
}

export interface MountedSurface {
  router: Router;
  /** Ends every open SSE stream (graceful shutdown). */
  closeStreams(): void;
}

/** The open SSE streams of an instance, per user (or address), whatever the surface. */
const sseStreams = new WeakMap<App, OpenCounter>();
function sseStreamsOf(app: App): OpenCounter {
  let counter = sseStreams.get(app);
  if (!counter) sseStreams.set(app, (counter = new OpenCounter(app.config.caps.sseStreamsPerUser)));
  return counter;
}

/** Event streams open now on this instance, every surface (metrics). */
export function openSseStreams(app: App): number {
  return sseStreams.get(app)?.total ?? 0;
}

/** Reads a JSON body for the methods that have one (after the access check); rejects on malformed JSON. */
const json = jsonBody();
function readJsonBody(req: Request, res: Response): Promise<void> {
  if (req.method === 'GET' || req.method === 'HEAD') return Promise.resolve();
  return new Promise((resolve, reject) => json(req, res, (err?: unknown) => (err ? reject(new RestInputError('Invalid JSON body')) : resolve())));
}

/** The multipart fields of a request that sent none (never written to). */
const NO_FIELDS: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** Tables of fewer paths are walked by Express alone (route-index.ts pays off on long ones: conduct's 205). */
const ROUTE_INDEX_MIN_PATHS = 64;

export function mountSurface(app: App, pipeline: Pipeline, surface: SurfaceDefinition): MountedSurface {
  const compiled = compileRoutes(pipeline, surface);
  const router = express.Router();
  const streams = new Set<Response>();
  const success = surface.success ?? ((body: unknown) => body);

  /**
   * `?token=` stands for a Bearer token only where a browser cannot send headers: an EventSource
   * (SSE routes) and an `<img>` (file downloads), both GETs. Never on a write, nor on any other route.
   */
  const takesQueryToken = (route: RestRoute) => surface.queryToken === true && route.method === 'get' && (route.kind === 'sse' || route.kind === 'download');

  // the table's routes, narrowed per request path before Express walks them (route-index.ts); the full
  // router below keeps every route too, for what the index leaves to it (OPTIONS, no match)
  const indexed: IndexedRoute[] = [];
  // a short table is walked as fast as the index's own router is entered (coparent's 23 paths, compass' 38)
  const paths = compiled.reduce((n, c) => n + 1 + (c.route.aliases?.length ?? 0), 0);
  if (paths >= ROUTE_INDEX_MIN_PATHS) router.use((req: Request, res: Response, next: NextFunction) => narrowed(req, res, next));

  for (const c of compiled) {
    const { route } = c;
    const queryToken = takesQueryToken(route);
    // the multipart fields of a route that takes files, and the variable each fills
    const uploads = route.kind === 'plain' ? undefined : (route as OperationRoute);
    const uploadFields = uploads?.uploads || uploads?.uploadLists ? Object.entries({ ...uploads.uploads, ...uploads.uploadLists }) : undefined;
    const handler = async (req: Request, res: Response) => {
      // the request's log line and latency: the route's template, never the raw path (src/observe/requests.ts)
      const record = recordOf(req);
      if (record) {
        record.transport = route.kind === 'sse' ? 'sse' : 'rest';
        record.route = `${req.baseUrl}${req.route?.path ?? route.path}`;
      }
      try {
        // a foreign site's form or fetch riding on our session cookie (origin.ts)
        if (isCrossSiteCookieWrite(req, app.config)) return sendError(res, surface, 'FORBIDDEN', 'Cross-site request refused');
        if (queryToken) {
          const t = req.query.token;
          if (typeof t === 'string' && t && !req.headers.authorization) req.headers.authorization = `Bearer ${t}`;
        }
        if (route.kind === 'plain') {
          await readJsonBody(req, res);
          const out = await route.handle(app, routeRequest(app, req));
          for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
          if (out.body === undefined) res.status(out.status).end();
          else res.status(out.status).json(success(out.body, out.status, route));
          return;
        }
        const ctx = await createHttpContext(app, req, res, 'rest');
        for (const rule of c.access) await enforce(rule, ctx);
        await readJsonBody(req, res);
        let fields: Record<string, string> = NO_FIELDS;
        let files: Record<string, unknown> | undefined;
        let digests: Record<string, string> = {};
        const op = route as OperationRoute;
        if (uploadFields && req.is('multipart/form-data')) {
          const maxBytes = Math.min(op.uploadMaxBytes ?? app.config.uploadMaxBytes, app.config.uploadMaxBytes);
          const maxFiles = Math.min(op.uploadMaxFiles ?? app.config.uploadMaxFiles, app.config.uploadMaxFiles);
          ({ fields, files, digests } = await readMultipart(req, { single: op.uploads ?? {}, lists: op.uploadLists ?? {} }, { maxBytes, maxFiles }));
        }
        const received = files && uploadFields ? uploadFields.filter(([, variable]) => variable in files).map(([field]) => field) : [];
        const r = routeRequest(app, req, fields, received, ctx);
        const own = route.variables ? route.variables(r) : {};
        const variables = files ? { ...own, ...files } : own;
        if (route.kind === 'sse') return await streamSse(c, route, ctx, variables, r, res);
        // Idempotency-Key on a create: a retry replays the first answer (src/server/idempotency.ts)
        if (route.method === 'post') {
          const idem = await restIdempotency(req, res, ctx, `${surface.id} POST ${req.path}`, { query: req.query, body: req.body ?? null, fields, files: digests });
          if (idem === 'replayed') return;
          if (idem !== 'proceed') return sendError(res, surface, idem.code, idem.message, idem.details);
        }
        const result = await pipeline.execute(c.prepared!(), ctx, variables);
        if (result.errors?.length) {
          const e = firstError(pipeline, result);
          const missing = result.data === undefined && op.uploads ? missingUpload(op.uploads, e.message) : undefined;
          if (missing) return sendError(res, surface, 'BAD_USER_INPUT', `The "${missing}" file is required`, { fields: { [missing]: 'is required' } });
          return sendError(res, surface, e.code, e.message, e.details);
        }
        const data = result.data as Record<string, unknown>;
        if (route.kind === 'download') return await sendDownload(route, data, ctx, res);
        const status = op.status ?? 200;
        if (status === 204) {
          res.status(204).end();
          return;
        }
        if (op.raw) {
          const out = op.raw(data, r);
          for (const [k, v] of Object.entries(out.headers ?? {})) res.setHeader(k, v);
          res.status(status).type(out.contentType).send(out.body);
          return;
        }
        const body = op.result ? op.result(data, r) : data[c.rootField!];
        sendJson(res, status, success(body, status, route));
      } catch (err) {
        if (err instanceof RestInputError) return sendError(res, surface, err.code, err.message, err.details);
        const e = pipeline.formatError({ message: 'Internal server error' }, err);
        sendError(res, surface, codeOf(e), e.message, e.extensions?.details as ErrorDetails | undefined);
      }
    };
    for (const path of [route.path, ...(route.aliases ?? [])]) {
      router[route.method](path, handler);
      indexed.push({ method: route.method, path, handler });
    }
  }
  const narrowed = routeIndex(indexed);

  async function sendDownload(route: DownloadRoute, data: Record<string, unknown>, ctx: AppContext, res: Response): Promise<void> {
    const handle = route.file(data);
    if (!handle) return sendError(res, surface, 'NOT_FOUND', 'File not found');
    const file = await app.storage.get(ctx.em, handle.fileId);
    res.setHeader('Content-Type', file.contentType);
    res.setHeader('Content-Length', String(file.size));
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('ETag', `"${file.id}"`);
    res.setHeader('Cache-Control', `private, max-age=${handle.cacheSeconds ?? 3600}`);
    if (handle.filename || handle.attachment) res.setHeader('Content-Disposition', contentDisposition(handle.attachment ? 'attachment' : 'inline', handle.filename ?? file.id));
    if (res.req.headers['if-none-match'] === `"${file.id}"`) {
      res.status(304).end();
      return;
    }
    res.status(200).end(file.content);
  }

  /** The frames after the client's Last-Event-ID from the route's resume query (none when it fails). */
  async function resumeFrames(c: Compiled, route: SseRoute, ctx: AppContext, lastId: string, r: RouteRequest): Promise<{ id?: string; text: string }[]> {
    const variables = route.resume.variables(lastId, r);
    if (!variables) return [];
    const result = await pipeline.execute(c.resume!.prepared(), ctx, variables);
    const items = (result.data as Record<string, unknown> | null | undefined)?.[c.resume!.rootField!];
    if (result.errors?.length || !Array.isArray(items)) return [];
    return items.map((item) => sseFrames(route, item, r));
  }

  /**
   * A result's frames: per stream, or, for a route whose `event` reads only the base URL, once per result
   * object and base (a shared subscription hands every stream of its group the same result object).
   */
  const sharedFrames = new WeakMap<object, Map<string, { id?: string; text: string }>>();
  function framesOf(route: SseRoute, c: Compiled, next: ExecutionResult, r: RouteRequest): { id?: string; text: string } {
    const item = next.data![c.rootField!];
    if (route.eventReads !== 'base') return sseFrames(route, item, r);
    let byBase = sharedFrames.get(next);
    if (!byBase) sharedFrames.set(next, (byBase = new Map()));
    let frames = byBase.get(r.base);
    if (!frames) byBase.set(r.base, (frames = sseFrames(route, item, r)));
    return frames;
  }

  async function streamSse(c: Compiled, route: SseRoute, ctx: AppContext, variables: Record<string, unknown>, r: RouteRequest, res: Response): Promise<void> {
    const { req } = r;
    // SSE_MAX_STREAMS_PER_USER, across the surfaces of this instance (anonymous callers: per address)
    const release = sseStreamsOf(app).take(ctx.viewer ? `user:${ctx.viewer.id}` : `ip:${ctx.ip}`);
    if (!release) {
      app.metrics?.countRateLimited('sse_streams');
      ctx.log.warn({ userId: ctx.viewer?.id, limit: app.config.caps.sseStreamsPerUser }, 'event stream refused: too many open');
      return sendError(res, surface, 'RATE_LIMITED', `Too many open event streams (at most ${app.config.caps.sseStreamsPerUser})`, { retryAfter: 5 });
    }
    res.once('close', release); // however the response ends
    // A shared subscription's results come straight from the fan-out (pipeline.ts `deliverDirectly`), in
    // order, rather than through the iterator below; held until the resume frames are written.
    const early: ExecutionResult[] = [];
    let live = false;
    pipeline.deliverDirectly(ctx, (formatted) => (live ? writeResult(formatted) : early.push(formatted)));
    const result = await pipeline.subscribe(c.prepared!(), ctx, variables);
    if (!(Symbol.asyncIterator in result)) {
      const e = firstError(pipeline, result as ExecutionResult);
      return sendError(res, surface, e.code, e.message, e.details);
    }
    const iterator = result as AsyncGenerator<ExecutionResult>;
    res.status(200);
    res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache, no-transform');
    res.setHeader('Connection', 'keep-alive');
    res.setHeader('X-Accel-Buffering', 'no');
    res.flushHeaders();
    res.write(': connected\n\n');
    const lastId = req.headers['last-event-id'];
    // ids sent by a durable resume: the live stream may deliver them again (they raced the resume query)
    const replayed = new Set<string>();
    function writeResult(next: ExecutionResult): void {
      if (next.errors?.length || !next.data || res.writableEnded) return;
      const { id, text } = framesOf(route, c, next, r);
      if (id !== undefined && replayed.has(id)) return;
      res.write(text);
    }
    // Last-Event-ID resume comes from the route's durable log (any instance answers it alike)
    if (typeof lastId === 'string' && lastId) {
      for (const frame of await resumeFrames(c, route, ctx, lastId, r)) {
        if (frame.id !== undefined) replayed.add(frame.id);
        res.write(frame.text);
      }
    }
    live = true;
    for (const next of early.splice(0)) writeResult(next);
    streams.add(res);
    const keepalive = setInterval(() => res.write(': keepalive\n\n'), route.keepaliveMs ?? 25_000);
    // a revoked session ends the stream (the session watch ws uses too)
    const unwatch = ctx.viewer ? app.sessionWatch.watch(ctx.viewer, () => stop()) : () => undefined;
    const stop = () => {
      clearInterval(keepalive);
      streams.delete(res);
      unwatch();
      void iterator.return?.(undefined);
    };
    req.on('close', stop);
    try {
      // a shared subscription delivered directly: the iterator yields nothing, it only ends
      for await (const next of iterator) writeResult(next);
    } catch (err) {
      // The event stream was interrupted (the listener dropped, src/pubsub/pubsub.ts): end the response;
      // EventSource reconnects with Last-Event-ID and the route's resume fills the gap where it has one.
      if (!isEventsInterrupted(err)) ctx.log.error({ component: 'sse', error: errorMessage(err) }, 'event stream failed');
    } finally {
      stop();
      if (!res.writableEnded) res.end();
    }
  }

  // The document is built on first request and kept as its JSON text: most servers never serve it, and
  // the four (about 1.1 MB of JSON, conduct's 0.7 MB) were built at every start and held as objects.
  const publicUrl = app.config.publicUrl?.replace(/\/+$/, '');
  let openapiJson: string | undefined;
  router.get(SURFACE_OPENAPI_PATH, (req, res) => {
    const record = recordOf(req);
    if (record) record.route = `${req.baseUrl}${SURFACE_OPENAPI_PATH}`;
    openapiJson ??= JSON.stringify(openApiDocument(surface, pipeline.schema, { serverUrl: publicUrl ? `${publicUrl}/${surface.id}` : undefined }));
    res.type('application/json').send(openapiJson);
  });
  // the docs page: after the table, so a legacy route of the same path would win (docs.ts)
  router.use(docsRouter(surface));
  router.use((req: Request, res: Response) => {
    const record = recordOf(req);
    if (record) record.transport = 'rest';
    sendError(res, surface, 'NOT_FOUND', 'Not found');
  });
  // Errors raised by Express itself before a handler runs (e.g. a path parameter that is not valid
  // percent-encoding: URIError from decodeURIComponent) answer in the surface's envelope, never as
  // Express's HTML page with a stack.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const status = (err as { status?: unknown; statusCode?: unknown })?.status ?? (err as { statusCode?: unknown })?.statusCode;
    if (typeof status === 'number' && status >= 400 && status < 500) return sendError(res, surface, 'BAD_USER_INPUT', 'Malformed request');
    sendError(res, surface, 'INTERNAL', 'Internal server error');
  });

  return {
    router,
    closeStreams: () => {
      for (const s of streams) s.end();
      streams.clear();
    },
  };
}
