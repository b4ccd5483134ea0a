/**
 * The one request pipeline (ARCHITECTURE.md "One request pipeline"). HTTP (/graphql through Apollo
 * Server), graphql-ws, the REST engine and its SSE routes all run an operation the same way:
 *
 *   context (createHttpContext / createWsContext) → limits (parse with the token limit, validate with
 *   the graph's rules; one document cache) → execution (graphql-jit for documents seen before,
 *   graphql-js otherwise; subscriptions through graphql-js) → error formatting and masking (one
 *   `formatError`, identical in every transport and mode) → after-commit settle → response.
 *
 * /graphql keeps Apollo Server's whole request lifecycle (plugins see every request): the pipeline
 * is Apollo's executor through the gateway interface, so Apollo parses, validates (with the same
 * rules) and caches documents, and this module executes them. The hook list is where request ids,
 * logs, metrics and tracing attach: every transport calls `hooks` around each operation.
 */
import {
  DocumentNode,
  ExecutionArgs,
  ExecutionResult,
  GraphQLError,
  GraphQLFormattedError,
  GraphQLSchema,
  OperationDefinitionNode,
  OperationTypeNode,
  execute as executeJs,
  locatedError,
  printSchema,
  subscribe as subscribeJs,
  createSourceEventStream,
  visit,
  BREAK,
  FieldNode,
} from 'graphql';
import type { GatewayInterface } from '@apollo/server-gateway-interface';
import type { AppConfig } from '../config';
import type { AppContext } from '../context/context';
import { isPushable } from '../pubsub/pubsub';
import { formatGraphQLError, withHttpAnswer } from '../errors/translate';
import { accessOfRootField, enforce } from '../auth/access';
import { compileOperation, CompiledOperation } from './compile';
import { maskSuggestions, parseAndValidate } from './limits';
import { canonicalJson, FanOut, SharePlanner } from './fanout';
import { DirectFrames, resultIterator, subscribeDirect } from './direct-delivery';

export type { DirectFrames } from './direct-delivery';
import { Logger, silentLogger } from '../observe/log';

/** What the pipeline tells its hooks about one operation (request ids, logs, metrics attach here). */
export interface OperationInfo {
  transport: AppContext['transport'];
  operationName?: string;
  operation?: OperationTypeNode;
}

export interface PipelineHook {
  /** before execution; the returned function (if any) runs with the result */
  willExecute?(info: OperationInfo, ctx: AppContext): ((result: ExecutionResult) => void) | void;
  /**
   * Around the whole operation (the other hooks, execution compiled or not, settle): calls `run` once
   * and returns what it returns. What the hook makes current while `run` runs (tracing's active span)
   * is current for everything the operation does. A subscription's `run` ends once it has started.
   */
  around?<R>(info: OperationInfo, ctx: AppContext, run: () => Promise<R>): Promise<R>;
  /**
   * Runs the work of one subscription event handed over directly (below: the filters, the re-check, the
   * group's execution) as the hook wants events run: tracing makes no span of them, as for pulled events.
   */
  quietly?<R>(run: () => R): R;
}

/** A parsed, validated document of one operation, ready to execute. */
export interface Prepared {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  operationName?: string;
}

/**
 * A document's compilation state. `eager` documents (route tables) compile on their first execution
 * rather than their second; they are not compiled at start, because a compiled operation (its generated
 * source, bytecode and closures) stays in memory for good, and most of a table's routes are never
 * requested by a given process: compiling all of them at start held about 10 MB of an idle server's heap.
 */
type Plan = { seen: number; eager?: boolean; run?: CompiledOperation | null };

/** Documents that read the schema itself run through graphql-js (graphql-jit is for data). */
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

export function operationOf(document: DocumentNode, name: string | null | undefined): OperationDefinitionNode | undefined {
  const ops = document.definitions.filter((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
  if (!name) return ops.length === 1 ? ops[0] : undefined;
  return ops.find((o) => o.name?.value === name);
}

/**
 * graphql-jit's errors have no `extensions` object when the thrown value had none (graphql-js always
 * gives one), and Apollo's error normalisation reads it: rebuild them as graphql-js errors, locations kept.
 */
function normalizeJitError(e: GraphQLError): GraphQLError {
  if (e.extensions) return e;
  const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError ?? undefined });
  if (e.locations) (error as { locations?: unknown }).locations = e.locations;
  return error;
}

/** The prepared form of graphql-ws's ExecutionArgs (validated in onSubscribe through `prepare`). */
function preparedOf(args: ExecutionArgs): Prepared {
  return { document: args.document, operation: operationOf(args.document, args.operationName)!, operationName: args.operationName ?? undefined };
}

/** Documents (by source) kept parsed and validated for ws and REST; least recently used go first. */
const MAX_DOCUMENTS = 500;

export class Pipeline {
  readonly hooks: PipelineHook[] = [];
  /** compiled documents, per document object and operation name (Apollo's document store keeps the objects) */
  private readonly plans = new WeakMap<DocumentNode, Map<string, Plan>>();
  private readonly documents = new Map<string, DocumentNode>();
  private compiledRuns = 0;
  private runs = 0;
  /** subscription events executed once per group of subscribers (fanout.ts) */
  readonly fanout = new FanOut();
  private readonly sharePlanner: SharePlanner;
  private readonly documentIds = new WeakMap<DocumentNode, number>();
  /** transports that take shared results directly, per operation context (ws.ts) */
  private readonly directFrames = new WeakMap<AppContext, DirectFrames>();
  private nextDocumentId = 1;

  constructor(
    readonly schema: GraphQLSchema,
    private readonly config: AppConfig,
    /** where INTERNAL errors are logged, with their cause (the client sees a fixed message) */
    private readonly log: Logger = silentLogger,
  ) {
    this.sharePlanner = new SharePlanner(schema);
  }

  /**
   * Parses and validates a document with the graph's limits (cached per source; `cache` false only
   * checks it: the REST engine at start). Errors carry the codes Apollo gives them (GRAPHQL_PARSE_FAILED,
   * GRAPHQL_VALIDATION_FAILED), so ws and REST report exactly what HTTP reports.
   */
  prepare(source: string, operationName?: string | null, cache = true): { prepared: Prepared; errors?: undefined } | { prepared?: undefined; errors: readonly GraphQLError[] } {
    let document = this.documents.get(source);
    if (document) {
      this.documents.delete(source);
      this.documents.set(source, document);
    } else {
      const checked = parseAndValidate(this.schema, source, this.config);
      if (checked.errors) {
        return {
          errors: checked.errors.map((e) => {
            const code = e.extensions?.code ?? (e.message.startsWith('Syntax Error') ? 'GRAPHQL_PARSE_FAILED' : 'GRAPHQL_VALIDATION_FAILED');
            return new GraphQLError(e.message, {
              nodes: e.nodes,
              source: e.source,
              positions: e.positions,
              path: e.path,
              originalError: e.originalError,
              extensions: { ...e.extensions, code },
            });
          }),
        };
      }
      document = checked.document;
      if (!cache) return this.operationIn(document, operationName);
      if (this.documents.size >= MAX_DOCUMENTS) this.documents.delete(this.documents.keys().next().value as string);
      this.documents.set(source, document);
    }
    return this.operationIn(document, operationName);
  }

  private operationIn(
    document: DocumentNode,
    operationName?: string | null,
  ): { prepared: Prepared; errors?: undefined } | { prepared?: undefined; errors: readonly GraphQLError[] } {
    const operation = operationOf(document, operationName);
    if (!operation) {
      const message = operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
      return { errors: [new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })] };
    }
    return { prepared: { document, operation, operationName: operationName ?? undefined } };
  }

  /**
   * The compiled form of a query or mutation: compiled on its second execution (one-off documents cost
   * no compilation), on its first for a document marked by `precompile`; null when graphql-jit cannot
   * compile it. `mark` only marks the document (no execution is counted, nothing is compiled).
   */
  private compiled(document: DocumentNode, operation: OperationDefinitionNode, operationName: string | undefined, mark = false): CompiledOperation | undefined {
    if (operation.operation === 'subscription') return undefined;
    let byName = this.plans.get(document);
    if (!byName) this.plans.set(document, (byName = new Map()));
    const key = operationName ?? '';
    let plan = byName.get(key);
    if (!plan) byName.set(key, (plan = { seen: 0 }));
    if (mark) {
      plan.eager = true;
      return undefined;
    }
    plan.seen += 1;
    if (plan.run === undefined && (plan.eager || plan.seen >= 2)) {
      plan.run = this.config.graphqlJit && !usesIntrospection(document) ? (compileOperation(this.schema, document, operationName) ?? null) : null;
    }
    return plan.run ?? undefined;
  }

  /** Marks a route table's document (the REST engine) to run compiled from its first execution. */
  precompile(prepared: Prepared): void {
    this.compiled(prepared.document, prepared.operation, prepared.operationName, true);
  }

  /** Executes a query or mutation (never throws: a failure of the executor itself is an INTERNAL error). */
  execute(prepared: Prepared, ctx: AppContext, variables: Record<string, unknown> | null | undefined): Promise<ExecutionResult> {
    return this.around(prepared, ctx, () => this.executeNow(prepared, ctx, variables));
  }

  private async executeNow(prepared: Prepared, ctx: AppContext, variables: Record<string, unknown> | null | undefined): Promise<ExecutionResult> {
    const done = this.willExecute(prepared, ctx);
    let result: ExecutionResult;
    try {
      const run = this.compiled(prepared.document, prepared.operation, prepared.operationName);
      this.runs += 1;
      if (run) {
        this.compiledRuns += 1;
        result = (await run(undefined, ctx, variables ?? undefined)) as ExecutionResult;
        // Variables that do not coerce: nothing ran. graphql-js words the request error as Apollo
        // always has, so every mode answers it alike.
        if (!('data' in result) && result.errors?.length) {
          result = await executeJs({ schema: this.schema, document: prepared.document, operationName: prepared.operationName, contextValue: ctx, variableValues: variables });
        } else if (result.errors?.length) {
          result = { ...result, errors: result.errors.map(normalizeJitError) };
        }
      } else {
        result = await executeJs({ schema: this.schema, document: prepared.document, operationName: prepared.operationName, contextValue: ctx, variableValues: variables });
      }
    } catch (err) {
      result = { errors: [new GraphQLError('Internal server error', { originalError: err as Error })] };
    }
    if (result.errors?.length) result = { ...result, errors: result.errors.map(withHttpAnswer) };
    await ctx.settle();
    done(result);
    return result;
  }

  /**
   * Asks for a shared subscription's results to be handed to `frames` directly (see DirectFrames)
   * rather than yielded by the iterator `subscribe` returns, which then only ends: done when the stream
   * ends, or rejected with its error, after every result before was handed over. Documents that are not
   * shared, and streams that cannot push, keep the iterator.
   */
  deliverDirectly(ctx: AppContext, frames: DirectFrames): void {
    this.directFrames.set(ctx, frames);
  }

  /** Starts a subscription (graphql-js): an async iterator of results, or a result with the errors. */
  subscribe(prepared: Prepared, ctx: AppContext, variables: Record<string, unknown> | null | undefined): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
    return this.around(prepared, ctx, () => this.subscribeNow(prepared, ctx, variables));
  }

  private async subscribeNow(
    prepared: Prepared,
    ctx: AppContext,
    variables: Record<string, unknown> | null | undefined,
  ): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
    const done = this.willExecute(prepared, ctx);
    const refused = await this.refusedSubscription(prepared, ctx);
    if (refused) {
      done(refused);
      return refused;
    }
    const result = this.sharePlanner.shareable(prepared.document, prepared.operation)
      ? await this.subscribeShared(prepared, ctx, variables)
      : ((await subscribeJs({ schema: this.schema, document: prepared.document, operationName: prepared.operationName, contextValue: ctx, variableValues: variables })) as
          AsyncGenerator<ExecutionResult> | ExecutionResult);
    if (!(Symbol.asyncIterator in result)) done(result);
    else done({});
    return result;
  }

  /**
   * A subscription whose events are executed once per group (fanout.ts): the subscriber's own event
   * stream and filter, the root field's access re-checked for the subscriber at every event, then the
   * group's one execution of the event.
   */
  private async subscribeShared(
    prepared: Prepared,
    ctx: AppContext,
    variables: Record<string, unknown> | null | undefined,
  ): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
    const args = { schema: this.schema, document: prepared.document, operationName: prepared.operationName, contextValue: ctx, variableValues: variables };
    const source = await createSourceEventStream(args);
    if (!(Symbol.asyncIterator in source)) return source as ExecutionResult;
    const node = prepared.operation.selectionSet.selections[0] as FieldNode;
    const rule = accessOfRootField(this.schema, 'subscription', node.name.value);
    let docId = this.documentIds.get(prepared.document);
    if (docId === undefined) this.documentIds.set(prepared.document, (docId = this.nextDocumentId++));
    const group = this.fanout.join(`${docId}:${prepared.operationName ?? ''}:${canonicalJson(variables ?? {})}`);
    const events = source as AsyncGenerator<unknown>;
    // made once per subscription, not per event: most subscribers of a group never call it
    const execute = async (payload: unknown): Promise<ExecutionResult> => {
      const r = (await executeJs({ ...args, rootValue: payload })) as ExecutionResult;
      return r.errors?.length ? { ...r, errors: r.errors.map(withHttpAnswer) } : r;
    };
    const frames = this.directFrames.get(ctx);
    if (frames && isPushable(events))
      return subscribeDirect({
        events,
        frames,
        ctx,
        rule,
        node,
        group,
        execute,
        format: (r) => this.formatResult(r),
        delivered: () => (this.fanout.direct += 1),
        hooks: this.hooks,
      });
    const close = async (): Promise<IteratorResult<ExecutionResult>> => {
      group.leave();
      await events.return?.(undefined);
      return { value: undefined, done: true };
    };
    const nextResult = async (): Promise<IteratorResult<ExecutionResult>> => {
      let event: IteratorResult<unknown>;
      try {
        event = await events.next();
      } catch (err) {
        group.leave();
        throw err;
      }
      if (event.done) return close();
      const payload = event.value;
      try {
        await ctx.refreshViewer(typeof payload === 'object' && payload !== null ? payload : undefined);
        // synchronous for every rule but a policy (access.ts): no promise per subscriber and event
        const checking = rule ? enforce(rule, ctx) : undefined;
        if (checking) await checking;
      } catch (err) {
        return { value: { data: null, errors: [withHttpAnswer(locatedError(err, [node], [(node.alias ?? node.name).value]))] }, done: false };
      }
      const value = await group.result(payload, execute);
      return { value, done: false };
    };
    // an iterator rather than an async generator: `return()` must reach the event stream at once, even
    // while a `next()` waits for an event (a generator would only see it at its next yield)
    return resultIterator(nextResult, close);
  }

  private async refusedSubscription(prepared: Prepared, ctx: AppContext): Promise<ExecutionResult | undefined> {
    for (const sel of prepared.operation.selectionSet.selections) {
      if (sel.kind !== 'Field') continue;
      const rule = accessOfRootField(this.schema, 'subscription', sel.name.value);
      if (!rule) continue;
      try {
        await enforce(rule, ctx);
      } catch (err) {
        return { errors: [locatedError(err, [sel], [(sel.alias ?? sel.name).value])] };
      }
    }
    return undefined;
  }

  /** graphql-ws's executor: the ExecutionArgs its onSubscribe returned, run through the pipeline. */
  executeArgs(args: ExecutionArgs): Promise<ExecutionResult> {
    return this.execute(preparedOf(args), args.contextValue as AppContext, args.variableValues);
  }

  subscribeArgs(args: ExecutionArgs): Promise<AsyncGenerator<ExecutionResult> | ExecutionResult> {
    return this.subscribe(preparedOf(args), args.contextValue as AppContext, args.variableValues);
  }

  /** The graph's one error formatting, for every transport and mode (suggestions masked in production). */
  formatError = (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const f = formatGraphQLError(formatted, error, this.log);
    return { ...f, message: maskSuggestions(f.message, this.config.isProduction) };
  };

  /** Hides "Did you mean …" suggestions in production, as `formatError` does. */
  maskSuggestions(message: string): string {
    return maskSuggestions(message, this.config.isProduction);
  }

  /** Formats a result's errors as `formatError` does (ws frames, REST envelopes). */
  formatResult<T extends ExecutionResult>(result: T): T {
    if (!result.errors?.length) return result;
    return { ...result, errors: result.errors.map((e) => this.formatError(e.toJSON(), e)) } as T;
  }

  private infoOf(prepared: Prepared, ctx: AppContext): OperationInfo {
    // Apollo hands its executor a document whose operation it could not pick (several, no name): graphql-js
    // answers that request error, and the hooks see an operation without a type
    const op = prepared.operation as OperationDefinitionNode | undefined;
    return { transport: ctx.transport, operationName: prepared.operationName ?? op?.name?.value, operation: op?.operation };
  }

  /** `run` inside every `around` hook, the first hook outermost (none: `run` itself, nothing else). */
  private around<R>(prepared: Prepared, ctx: AppContext, run: () => Promise<R>): Promise<R> {
    let next = run;
    for (let i = this.hooks.length - 1; i >= 0; i--) {
      const hook = this.hooks[i];
      if (!hook.around) continue;
      const inner = next;
      const info = this.infoOf(prepared, ctx);
      next = () => hook.around!(info, ctx, inner);
    }
    return next();
  }

  private willExecute(prepared: Prepared, ctx: AppContext): (result: ExecutionResult) => void {
    if (!this.hooks.length) return () => undefined;
    const info = this.infoOf(prepared, ctx);
    const after = this.hooks.map((h) => h.willExecute?.(info, ctx)).filter((f): f is (r: ExecutionResult) => void => typeof f === 'function');
    return (result) => {
      for (const f of after) f(result);
    };
  }

  /** Operations executed since start, and how many of them ran compiled (tests, diagnostics). */
  stats(): { executed: number; compiled: number } {
    return { executed: this.runs, compiled: this.compiledRuns };
  }

  /**
   * Apollo Server's executor, through the gateway interface: Apollo runs its whole request lifecycle
   * (parsing, validation, its document cache, every plugin hook) and hands the validated document to
   * the pipeline to execute.
   */
  apolloGateway(): GatewayInterface {
    const schema = this.schema;
    const callbacks = new Set<(s: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void>();
    return {
      onSchemaLoadOrUpdate: (cb) => {
        callbacks.add(cb);
        return () => callbacks.delete(cb);
      },
      load: async () => {
        const sdl = printSchema(schema);
        for (const cb of callbacks) cb({ apiSchema: schema, coreSupergraphSdl: sdl });
        return {
          executor: (rc) =>
            this.execute({ document: rc.document, operation: rc.operation, operationName: rc.operationName ?? undefined }, rc.context as AppContext, rc.request.variables),
        };
      },
      stop: async () => undefined,
    };
  }
}
