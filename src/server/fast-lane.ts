/**
 * The fast lane of POST /graphql: the everyday request — a JSON body with a query or mutation whose
 * document this process has already parsed and validated — is executed by graphql-jit and answered
 * here, with the bytes, status and headers Apollo Server would send; everything else (GET, multipart
 * uploads, persisted-query extensions, introspection, subscriptions, any request error, an unusual
 * Accept header, a shutting-down server) goes on to Apollo unchanged.
 *
 * Why: Apollo's request pipeline (its HeaderMap, plugin hooks, document hashing and graphql-js
 * execution) cost more CPU than a session check and the resolvers together on small operations; the
 * lane answers `me` with a third of the CPU (bench/results/latest.md). What the lane keeps identical,
 * tests/fast-lane.test.ts checks by sending the same requests with the lane on and off
 * (`GRAPHQL_JIT=0` turns it off):
 * - the same validation (graphql-js rules plus the graph's limits) before a document is admitted, and
 *   the same parser token limit; a document that fails either is never cached and Apollo answers it;
 * - the same context factory, so the same viewer, cookies and loaders, and the same wait for the
 *   session caches after a change to users or sessions (AppContext.settle);
 * - Apollo's error normalisation (default code INTERNAL_SERVER_ERROR, `extensions.http` → status and
 *   headers) followed by the graph's one `formatError`;
 * - the same content negotiation, `cache-control: no-store` (the graph has no cache hints), field
 *   order (`errors`, `data`), trailing newline and Express's `res.send` (Content-Length, ETag).
 * CSRF prevention holds: only bodies Express parsed as application/json reach the lane, and that
 * content type always needs a CORS preflight.
 */
import type { Request, Response, NextFunction, RequestHandler } from 'express';
import { DocumentNode, ExecutionResult, GraphQLError, GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode, visit, BREAK } from 'graphql';
import { compileOperation, CompiledOperation } from './compile';
import type { App, AppContext } from '../context/context';
import { createHttpContext } from '../context/context';
import { parseAndValidate } from './limits';

type FormatError = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** A document the lane answers, or one it leaves to Apollo (not an executable query or mutation for it). */
type Plan = { run?: CompiledOperation };

const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';
/** Apollo's third single-result media type (subscription callbacks): left to Apollo. */
const CALLBACK_TYPE = 'application/json; callbackSpec=1.0; charset=utf-8';
const OFFERED = [JSON_TYPE, GRAPHQL_RESPONSE_TYPE, CALLBACK_TYPE];

/** Documents longer than this are left to Apollo. */
const MAX_DOCUMENT_LENGTH = 10_000;
/**
 * Documents (per operation name) planned, least recently used forgotten first; as many again are
 * remembered as seen once. A document is compiled on its second request, so one-off documents cost
 * no compilation and cannot push planned ones out.
 */
const MAX_PLANS = 500;
/**
 * Compilations per second at most: a client sending each of many new documents twice gets Apollo's
 * answers, not a compilation each (graphql-jit costs about a millisecond per small document).
 */
const MAX_COMPILES_PER_SECOND = 20;
const MAX_ACCEPT_VARIANTS = 100;

function usesIntrospection(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Field(node) {
      if (node.name.value === '__schema' || node.name.value === '__type') {
        found = true;
        return BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function operationOf(document: DocumentNode, name: string | undefined): OperationDefinitionNode | undefined {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  if (name === undefined) return ops.length === 1 ? ops[0] : undefined;
  return ops.find((o) => o.name?.value === name);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Apollo Server's error normalisation (errorNormalize.ts), then the graph's formatError: a missing
 * code becomes INTERNAL_SERVER_ERROR, `extensions.http` sets the status and headers and is removed.
 */
function formatErrors(errors: readonly GraphQLError[], formatError: FormatError): { errors: GraphQLFormattedError[]; status?: number; headers: Map<string, string> } {
  let status: number | undefined;
  const headers = new Map<string, string>();
  const enrich = (error: GraphQLError): GraphQLFormattedError => {
    // graphql-jit's errors carry no `extensions` when the thrown value had none
    const own = (error.extensions ?? {}) as Record<string, unknown>;
    const extensions: Record<string, unknown> = { ...own, code: own.code ?? 'INTERNAL_SERVER_ERROR' };
    const http = extensions.http as { status?: unknown; headers?: unknown } | undefined;
    if (isRecord(http) && (!('status' in http) || typeof http.status === 'number') && (!('headers' in http) || http.headers instanceof Map)) {
      if (typeof http.status === 'number') status = http.status;
      if (http.headers instanceof Map) for (const [k, v] of http.headers) headers.set(String(k).toLowerCase(), String(v));
      delete extensions.http;
    }
    return { ...error.toJSON(), extensions };
  };
  const formatted = errors.map((error) => {
    const graphqlError = error instanceof GraphQLError ? error : new GraphQLError(String((error as Error)?.message ?? error), { originalError: error as Error });
    try {
      return formatError(enrich(graphqlError), graphqlError);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { errors: formatted, status, headers };
}

export interface FastLane {
  handler: RequestHandler;
  /** requests answered by the lane and documents remembered, since start (tests, diagnostics) */
  stats(): { answered: number; documents: number };
}

export function createFastLane(
  app: App,
  schema: GraphQLSchema,
  options: { formatError: FormatError; isStopping: () => boolean },
): FastLane {
  const plans = new Map<string, Plan>();
  const seenOnce = new Map<string, true>();
  const acceptTypes = new Map<string, string | false>();
  let answered = 0;
  let budget = { second: 0, left: MAX_COMPILES_PER_SECOND };

  /** The plan of a document, or undefined while Apollo answers it (first sighting, no budget). Never throws. */
  function planFor(query: string, operationName: string | undefined): Plan | undefined {
    const key = operationName === undefined ? query : `${operationName}\u0000${query}`;
    const known = plans.get(key);
    if (known) {
      // least recently used goes first: move a hit to the end
      plans.delete(key);
      plans.set(key, known);
      return known;
    }
    if (!seenOnce.has(key)) {
      if (seenOnce.size >= MAX_PLANS) seenOnce.delete(seenOnce.keys().next().value as string);
      seenOnce.set(key, true);
      return undefined;
    }
    const second = Math.floor(Date.now() / 1000);
    if (budget.second !== second) budget = { second, left: MAX_COMPILES_PER_SECOND };
    if (budget.left <= 0) return undefined;
    budget.left -= 1;
    seenOnce.delete(key);

    let plan: Plan = {};
    const checked = parseAndValidate(schema, query, app.config);
    const operation = checked.document && operationOf(checked.document, operationName);
    if (checked.document && operation && operation.operation !== 'subscription' && !usesIntrospection(checked.document)) {
      // graphql-jit may not compile it: then Apollo executes it with graphql-js.
      const run = compileOperation(schema, checked.document, operationName);
      if (run) plan = { run };
    }
    // Only documents that passed validation are planned; invalid ones stay Apollo's.
    if (checked.document) {
      if (plans.size >= MAX_PLANS) plans.delete(plans.keys().next().value as string);
      plans.set(key, plan);
    }
    return plan;
  }

  /** Apollo's choice of response type for an Accept header (negotiated as Apollo does), or false. */
  function responseType(req: Request): string | false {
    const accept = req.headers.accept;
    if (accept === undefined || accept === '') return JSON_TYPE;
    let type = acceptTypes.get(accept);
    if (type === undefined) {
      const chosen = req.accepts(OFFERED);
      type = chosen === JSON_TYPE || chosen === GRAPHQL_RESPONSE_TYPE ? chosen : false;
      if (acceptTypes.size < MAX_ACCEPT_VARIANTS) acceptTypes.set(accept, type);
    }
    return type;
  }

  async function handler(req: Request, res: Response, next: NextFunction): Promise<void> {
    if (req.method !== 'POST' || options.isStopping()) return next();
    const body: unknown = req.body;
    if (!isRecord(body) || typeof body.query !== 'string' || body.query.length > MAX_DOCUMENT_LENGTH) return next();
    if (body.extensions !== undefined && body.extensions !== null) return next();
    const { variables, operationName } = body;
    if (variables !== undefined && variables !== null && !isRecord(variables)) return next();
    if (operationName !== undefined && operationName !== null && typeof operationName !== 'string') return next();
    const contentType = responseType(req);
    if (!contentType) return next();
    const plan = planFor(body.query, operationName ?? undefined);
    if (!plan?.run) return next();

    let context: AppContext;
    try {
      context = await createHttpContext(app, req, res, 'http');
    } catch {
      // Nothing has run (the database unreachable, say): Apollo answers, in its words.
      return next();
    }
    let result: ExecutionResult;
    let failed = false;
    try {
      result = await plan.run(undefined, context, variables as Record<string, unknown> | null | undefined);
    } catch (err) {
      // An executor returns resolver errors in its result; this is a failure of the executor itself.
      result = { errors: [new GraphQLError('Internal server error', { originalError: err as Error })] };
      failed = true;
    }
    await context.settle();
    // Variables that do not coerce give errors and no data before any resolver ran: Apollo answers
    // those request errors (400, or 200 for application/json-only clients) in its own words.
    if (!('data' in result) && !failed) return next();

    let status = failed ? 500 : 200;
    let errors: GraphQLFormattedError[] | undefined;
    if (result.errors?.length) {
      const formatted = formatErrors(result.errors, options.formatError);
      errors = formatted.errors;
      if (formatted.status !== undefined) status = formatted.status;
      for (const [k, v] of formatted.headers) res.setHeader(k, v);
    }
    res.setHeader('cache-control', 'no-store');
    res.setHeader('content-type', contentType);
    res.statusCode = status;
    answered += 1;
    res.send(`${JSON.stringify({ errors, data: result.data, extensions: result.extensions })}\n`);
  }

  return {
    handler: (req, res, next) => void handler(req, res, next),
    stats: () => ({ answered, documents: plans.size }),
  };
}
