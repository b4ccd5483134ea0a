/**
 * The OpenAPI 3.1 document of a surface, generated from its route table and the graph (ARCHITECTURE.md
 * "The table is also the source of an OpenAPI document per surface"). Nothing here is written by hand
 * per route:
 *
 * - `servers`: the surface's prefix, relative (`/coparent`), so a generated client works behind any host;
 * - `security`: from the access declared on the operation's root fields and the route's stricter rule
 *   (the engine enforces the same list), `[]` on public routes; `?token=` where the engine takes it;
 * - parameters and bodies: path parameters from the template; query, body and multipart keys by probing
 *   the route's `variables` with a recording request (what the builder reads is what the route takes),
 *   typed where a probe value lands in a GraphQL variable (the variable's input type says the rest);
 * - responses: the success status with a schema from the operation's selection where the route answers
 *   the root field as it is (otherwise any JSON), wrapped as the surface's `success` wraps it; the error
 *   envelope (from the surface's own error function) for each status the route can answer; downloads
 *   as binary, SSE as text/event-stream;
 * - `x-graphql-operation` `{ name, document }` on every operation (and in its description), so a REST
 *   client can move to /graphql one route at a time.
 */
import {
  GraphQLInputType,
  GraphQLOutputType,
  GraphQLSchema,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
  OperationDefinitionNode,
  parse,
  SelectionSetNode,
  FragmentDefinitionNode,
  typeFromAST,
  GraphQLNamedType,
  GraphQLObjectType,
} from 'graphql';
import type { ErrorCode, ErrorDetails } from '../../errors/domain-error';
import { AccessRule, operationAccess } from '../../auth/access';
import type { HttpMethod, OperationRoute, RestRoute, RouteRequest, SurfaceDefinition } from './types';

type Schema = Record<string, unknown>;

export interface OpenApiOptions {
  /** the server URL (default: the surface prefix, relative) */
  serverUrl?: string;
  version?: string;
}

/** The rules a route's requests must satisfy: the operation's declarations, then the route's own stricter rule. */
export function routeAccess(schema: GraphQLSchema, route: RestRoute, operation?: OperationDefinitionNode): AccessRule[] {
  const declared = operation ? operationAccess(schema, operation) : [];
  return [...declared, ...(route.kind !== 'plain' && route.access ? [route.access] : [])];
}

/** How a declared rule reads in OpenAPI's `x-access`. */
export function describeAccess(rules: AccessRule[]): string {
  rules = rules.filter((r) => r.kind !== 'public');
  if (!rules.length) return 'public';
  // a role or policy implies a session: `signedIn & role:ADMIN` reads `role:ADMIN`
  if (rules.some((r) => r.kind !== 'signedIn')) rules = rules.filter((r) => r.kind !== 'signedIn');
  const text = (r: AccessRule) => {
    switch (r.kind) {
      case 'role':
        return `role:${r.role}`;
      case 'policy':
        return `policy:${r.policy}`;
      case 'enrolled':
        return `enrolled:${r.application}${r.admin ? ':ADMIN' : ''}`;
      default:
        return r.kind;
    }
  };
  return [...new Set(rules.map(text))].join(' & ');
}

// --- JSON Schema from GraphQL types ----------------------------------------------------------------

const SCALARS: Record<string, Schema> = {
  String: { type: 'string' },
  ID: { type: 'string' },
  Int: { type: 'integer', format: 'int32' },
  Float: { type: 'number' },
  Boolean: { type: 'boolean' },
  DateTimeISO: { type: 'string', format: 'date-time' },
  JSONObject: { type: 'object' },
  Upload: { type: 'string', format: 'binary' },
};

function nullable(schema: Schema): Schema {
  if (typeof schema.type === 'string') return { ...schema, type: [schema.type, 'null'] };
  return { anyOf: [schema, { type: 'null' }] };
}

function namedSchema(type: GraphQLNamedType): Schema | undefined {
  if (isScalarType(type)) return SCALARS[type.name] ?? { description: `GraphQL scalar ${type.name}` };
  if (isEnumType(type)) return { type: 'string', enum: type.getValues().map((v) => v.name) };
  return undefined;
}

/** A GraphQL type's schema: `base` of the named type, `null` allowed unless the type is non-null. */
function typed<T extends GraphQLInputType | GraphQLOutputType>(type: T, base: (inner: T) => Schema): Schema {
  if (isNonNullType(type)) return isListType(type.ofType) ? listOf(type.ofType as T, base) : base(type.ofType as T);
  return nullable(isListType(type) ? listOf(type, base) : base(type));
}
function listOf<T extends GraphQLInputType | GraphQLOutputType>(type: T, base: (inner: T) => Schema): Schema {
  return { type: 'array', items: typed((type as unknown as { ofType: T }).ofType, base) };
}

/** The JSON Schema of a GraphQL input type (input objects to a few levels: filters nest themselves). */
export function inputSchema(type: GraphQLInputType, depth = 0): Schema {
  return typed(type, (t) => {
    const named = namedSchema(t as GraphQLNamedType);
    if (named) return named;
    if (!isInputObjectType(t) || depth > 3) return { type: 'object' };
    const fields = Object.values(t.getFields());
    const required = fields.filter((f) => isNonNullType(f.type)).map((f) => f.name);
    return {
      type: 'object',
      properties: Object.fromEntries(fields.map((f) => [f.name, inputSchema(f.type, depth + 1)])),
      ...(required.length ? { required } : {}),
    };
  });
}

/** The JSON Schema of a selection on an output type: the fields it selects, under their response keys. */
function selectionSchema(schema: GraphQLSchema, type: GraphQLOutputType, selectionSet: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>): Schema {
  return typed(type, (t) => {
    const named = namedSchema(t as GraphQLNamedType);
    if (named) return named;
    const properties: Record<string, Schema> = {};
    const required: string[] = [];
    const collect = (set: SelectionSetNode, on: GraphQLNamedType, always: boolean) => {
      for (const sel of set.selections) {
        if (sel.kind === 'Field') {
          const key = (sel.alias ?? sel.name).value;
          const field = isObjectType(on) || isInterfaceType(on) ? on.getFields()[sel.name.value] : undefined;
          properties[key] ??= sel.name.value === '__typename' ? { type: 'string' } : field ? selectionSchema(schema, field.type, sel.selectionSet, fragments) : {};
          if (always && !required.includes(key)) required.push(key);
        } else {
          const fragment = sel.kind === 'FragmentSpread' ? fragments[sel.name.value] : sel;
          if (!fragment) continue;
          const cond = fragment.typeCondition ? schema.getType(fragment.typeCondition.name.value) : on;
          collect(fragment.selectionSet, cond ?? on, always && (!cond || cond === on));
        }
      }
    };
    if (selectionSet) collect(selectionSet, t as GraphQLNamedType, !isUnionType(t));
    return { type: 'object', properties, ...(required.length ? { required } : {}) };
  });
}

/** The GraphQL input type a variable path (`input.date`, `days.0.owner`) stands at, if any. */
function inputTypeAt(schema: GraphQLSchema, operation: OperationDefinitionNode, path: string[]): GraphQLInputType | undefined {
  const def = operation.variableDefinitions?.find((v) => v.variable.name.value === path[0]);
  let type = def ? (typeFromAST(schema, def.type as never) as GraphQLInputType | undefined) : undefined;
  for (const step of path.slice(1)) {
    if (!type) return undefined;
    while (isNonNullType(type)) type = type.ofType;
    if (isListType(type)) type = type.ofType;
    else if (isInputObjectType(type)) type = type.getFields()[step]?.type;
    else return undefined;
  }
  return type;
}

// --- probing what a route reads --------------------------------------------------------------------

/** Keys a builder never means as request keys (promise checks, JSON and string conversion). */
const NOT_KEYS = new Set(['then', 'toJSON', 'constructor', 'valueOf', 'toString', 'hasOwnProperty', '__proto__', 'length', 'inspect']);

/** An object that records every key read from it (get, `in`, hasOwnProperty) and answers `value(key)`. */
function recorder(seen: Set<string>, value: (key: string) => unknown): Record<string, unknown> {
  const note = (k: string | symbol) => typeof k === 'string' && !NOT_KEYS.has(k) && seen.add(k) !== undefined;
  return new Proxy({} as Record<string, unknown>, {
    get: (_t, k) => (note(k) ? value(k as string) : undefined),
    has: (_t, k) => note(k) && value(k as string) !== undefined,
    getOwnPropertyDescriptor: (_t, k) => {
      if (!note(k)) return undefined;
      const v = value(k as string);
      return v === undefined ? undefined : { value: v, writable: true, enumerable: true, configurable: true };
    },
  });
}

/** A probe value that names its key, so it can be found again in the variables built from it. */
const marker = (source: string, key: string) => `probe~${source}~${key}`;

/**
 * One value for every key per pass: nothing, a traceable string, then the other JSON types (a builder
 * that stops at the first value of a wrong type still shows the keys it read before it).
 */
const PROFILES: ((source: string, key: string) => unknown)[] = [
  () => undefined,
  marker,
  () => 1,
  () => true,
  () => '2024-01-02',
  () => 'probe@example.com',
  () => 'Probe-Passw0rd!',
];

interface Probed {
  query: Map<string, Schema>;
  body: Map<string, Schema>;
  fields: Map<string, Schema>;
}

/** Where each marker landed in the variables (`input.date` → the body's `date`). */
function findMarkers(value: unknown, path: string[], out: Map<string, string[]>): void {
  if (typeof value === 'string' && value.startsWith('probe~')) out.set(value, path);
  else if (Array.isArray(value)) value.forEach((v, i) => findMarkers(v, [...path, String(i)], out));
  else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) findMarkers(v, [...path, k], out);
}

/** The query, JSON body and multipart field keys a route's `variables` reads, typed where they map to a variable. */
export function probeInputs(schema: GraphQLSchema, route: RestRoute, operation?: OperationDefinitionNode): Probed {
  const seen = { query: new Set<string>(), body: new Set<string>(), fields: new Set<string>() };
  const types = new Map<string, Schema>();
  const builder = route.kind === 'plain' ? undefined : route.variables;
  if (builder) {
    const params = Object.fromEntries([...route.path.matchAll(/:(\w+)/g)].map((m) => [m[1], '1']));
    /** runs the builder with one value per key; the variables, or the refusal's message */
    const run = (value: (source: string, key: string) => unknown): { variables?: unknown; refusal?: string } => {
      const query = recorder(seen.query, (k) => value('query', k));
      const body = recorder(seen.body, (k) => value('body', k));
      const fields = recorder(seen.fields, (k) => value('fields', k));
      const req = { method: route.method.toUpperCase(), headers: {}, baseUrl: '', path: route.path, params, query, body, is: () => false, get: () => undefined };
      const r = { req, params, query, body, fields, files: [], base: '' } as unknown as RouteRequest;
      try {
        return { variables: builder(r) };
      } catch (err) {
        // the message and the fields it names: which key a refusal is about
        const fields = Object.keys((err as { details?: { fields?: object } }).details?.fields ?? {});
        return { refusal: `${err instanceof Error ? err.message : String(err)} ${fields.join(' ')}` };
      }
    };
    for (const profile of PROFILES) run(profile);
    // Markers for every key; a key whose marker is refused (the refusal names it) gets another JSON value
    // instead, one key at a time: the markers that land in the variables type their keys, an override its own.
    const overrides = new Map<string, unknown>();
    const value = (source: string, key: string) => (overrides.has(`${source}~${key}`) ? overrides.get(`${source}~${key}`) : marker(source, key));
    const names = (refusal: string, key: string) => new RegExp(`\\b${key.split('~')[1].replace(/[^\w]/g, '\\$&')}\\b`).test(refusal);
    let outcome = run(value);
    const keys = [...(['query', 'body', 'fields'] as const).flatMap((source) => [...seen[source]].map((k) => `${source}~${k}`))];
    for (let round = 0; outcome.refusal && round < keys.length; round++) {
      const key = keys.find((k) => !overrides.has(k) && names(outcome.refusal!, k));
      if (!key) break;
      let fixed = false;
      for (const alt of ['probe@example.com', 'Probe-Passw0rd!', '2024-01-02', 1, true, [], {}, undefined]) {
        overrides.set(key, alt);
        const next = run(value);
        if (!next.refusal || !names(next.refusal, key)) {
          outcome = next;
          fixed = true;
          break;
        }
      }
      if (!fixed) overrides.set(key, undefined);
    }
    if (!outcome.refusal && operation) {
      const landed = new Map<string, string[]>();
      findMarkers(outcome.variables, [], landed);
      for (const [m, path] of landed) {
        const type = inputTypeAt(schema, operation, path);
        if (type) types.set(m, inputSchema(type));
      }
      for (const [key, alt] of overrides) if (alt !== undefined) types.set(`probe~${key}`, schemaOfSample(alt));
    }
  }
  const typed = (source: string, keys: Set<string>) => new Map([...keys].map((k) => [k, types.get(marker(source, k)) ?? {}]));
  return { query: typed('query', seen.query), body: typed('body', seen.body), fields: typed('fields', seen.fields) };
}

// --- envelopes -------------------------------------------------------------------------------------

/** A JSON Schema describing a sample value (the surfaces' envelopes), with `hole` standing for `inner`. */
function schemaOfSample(value: unknown, hole?: unknown, inner?: Schema): Schema {
  if (hole !== undefined && value === hole) return inner ?? {};
  if (value === null) return { type: 'null' };
  if (Array.isArray(value)) return { type: 'array' };
  switch (typeof value) {
    case 'string':
      return { type: 'string' };
    case 'number':
      return { type: Number.isInteger(value) ? 'integer' : 'number' };
    case 'boolean':
      return { type: 'boolean' };
    case 'object': {
      const entries = Object.entries(value as object);
      // a nested map (field → message): keys vary, values do not
      if (hole === undefined && inner === undefined && entries.length && entries.every(([, v]) => typeof v === 'string') && value !== null) {
        return { type: 'object', additionalProperties: { type: 'string' } };
      }
      return { type: 'object', properties: Object.fromEntries(entries.map(([k, v]) => [k, schemaOfSample(v, hole, inner)])), required: entries.map(([k]) => k) };
    }
    default:
      return {};
  }
}

/** The error envelope of a surface: every property any sample has; required those all of them have. */
function errorEnvelope(samples: unknown[]): Schema {
  const properties: Record<string, Schema> = {};
  const counts = new Map<string, number>();
  for (const s of samples) {
    for (const [k, v] of Object.entries((s ?? {}) as object)) {
      counts.set(k, (counts.get(k) ?? 0) + 1);
      // one sample's nested map stays a map (errors, details)
      properties[k] ??= v && typeof v === 'object' && !Array.isArray(v) ? { type: 'object', additionalProperties: { type: 'string' } } : schemaOfSample(v);
    }
  }
  const required = [...counts].filter(([, n]) => n === samples.length).map(([k]) => k);
  return { type: 'object', properties, required };
}

const ERROR_TEXT: Record<string, string> = {
  400: 'Bad request: malformed or invalid input',
  401: 'Authentication required, or the credentials were refused',
  403: 'Not allowed for this caller',
  404: 'Not found',
  409: 'Conflict with the current state',
  413: 'Too large',
  422: 'Validation failed',
  429: 'Too many requests (see Retry-After)',
};

/** A sample refusal per domain code (the message is a placeholder; the envelope is the surface's). */
const SAMPLES: { code: ErrorCode; message: string; details?: ErrorDetails }[] = [
  { code: 'BAD_USER_INPUT', message: 'Invalid input' },
  { code: 'BAD_USER_INPUT', message: 'Invalid input', details: { fields: { name: 'is required' } } },
  { code: 'UNAUTHENTICATED', message: 'Authentication required' },
  { code: 'FORBIDDEN', message: 'Forbidden' },
  { code: 'NOT_FOUND', message: 'Not found' },
  { code: 'CONFLICT', message: 'Conflict' },
  { code: 'RATE_LIMITED', message: 'Too many requests', details: { retryAfter: 60 } },
];

/** The domain codes a route can answer, from what it declares and takes. */
function errorCodes(route: RestRoute, rules: AccessRule[], operation: OperationDefinitionNode | undefined, takesInput: boolean): Set<ErrorCode> {
  const codes = new Set<ErrorCode>();
  const roots = operation?.selectionSet.selections.flatMap((s) => (s.kind === 'Field' ? [s.name.value] : [])) ?? [];
  const login = roots.includes('login');
  if (route.kind === 'plain') return codes;
  if (takesInput) codes.add('BAD_USER_INPUT');
  if (rules.length || login) codes.add('UNAUTHENTICATED');
  if (rules.some((r) => r.kind !== 'signedIn')) codes.add('FORBIDDEN');
  if (route.path.includes(':') || route.kind === 'download') codes.add('NOT_FOUND');
  if (operation?.operation === 'mutation' && route.method !== 'delete' && !login && roots.some((r) => !/^log(in|out)$/.test(r))) codes.add('CONFLICT');
  if (login || route.kind === 'sse') codes.add('RATE_LIMITED');
  return codes;
}

// --- the document ----------------------------------------------------------------------------------

const METHOD_WORD: Record<HttpMethod, string> = { get: 'Get', post: 'Post', put: 'Put', patch: 'Patch', delete: 'Delete' };

const camel = (words: string[]) => words.map((w, i) => (i ? w[0].toUpperCase() + w.slice(1) : w.toLowerCase())).join('');

/** The resource a path belongs to: its first segment after `/api` (`/api/items/:id` → `items`). */
function tagOf(path: string): string {
  const segments = path.split('/').filter(Boolean);
  const rest = segments[0] === 'api' ? segments.slice(1) : segments;
  return rest.find((s) => !s.startsWith(':')) ?? 'root';
}

/** The text of a GraphQL document without the indentation of the source it was written in. */
function dedent(source: string): string {
  const lines = source.trim().split('\n');
  const indents = lines
    .slice(1)
    .filter((l) => l.trim())
    .map((l) => l.length - l.trimStart().length);
  const cut = indents.length ? Math.min(...indents) : 0;
  return [lines[0], ...lines.slice(1).map((l) => l.slice(Math.min(cut, l.length - l.trimStart().length)))].join('\n');
}

export function openApiDocument(surface: SurfaceDefinition, schema: GraphQLSchema, options: OpenApiOptions = {}): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const operationIds = new Set<string>();
  const tags = new Set<string>();
  const success = surface.success;
  const queryTokenRoutes = (route: RestRoute) => surface.queryToken === true && route.method === 'get' && (route.kind === 'sse' || route.kind === 'download');
  let usesQueryToken = false;

  // the surface's envelope of each status it answers, with a sample for the examples
  const errorSamples = new Map<number, unknown>();
  const errorStatus = new Map<string, number[]>();
  for (const s of SAMPLES) {
    const { status, body } = surface.error(s.code, s.message, s.details);
    if (!errorSamples.has(status)) errorSamples.set(status, body);
    const list = errorStatus.get(s.code) ?? [];
    if (!list.includes(status)) list.push(status);
    errorStatus.set(s.code, list);
  }

  const unique = (wanted: string, method: HttpMethod) => {
    let id = operationIds.has(wanted) ? `${wanted}${METHOD_WORD[method]}` : wanted;
    for (let n = 2; operationIds.has(id); n++) id = `${wanted}${METHOD_WORD[method]}${n}`;
    operationIds.add(id);
    return id;
  };

  for (const route of surface.routes) {
    const document = route.kind === 'plain' ? undefined : parse(route.operation);
    const operation = document?.definitions.find((d): d is OperationDefinitionNode => d.kind === 'OperationDefinition');
    const fragments = Object.fromEntries((document?.definitions.filter((d): d is FragmentDefinitionNode => d.kind === 'FragmentDefinition') ?? []).map((f) => [f.name.value, f]));
    const rules = routeAccess(schema, route, operation).filter((r) => r.kind !== 'public');
    const probed = probeInputs(schema, route, operation);
    const op = route as OperationRoute;
    const fileFields = { ...(op.uploads ?? {}) };
    const fileLists = { ...(op.uploadLists ?? {}) };
    const takesFiles = Object.keys(fileFields).length + Object.keys(fileLists).length > 0;
    const hasBody = route.method !== 'get' && route.method !== 'delete' ? probed.body.size > 0 || probed.fields.size > 0 || takesFiles : false;
    const takesInput = route.path.includes(':') || probed.query.size > 0 || hasBody || route.method !== 'get';
    const queryToken = queryTokenRoutes(route);
    usesQueryToken ||= queryToken;

    const security = rules.length ? [{ bearer: [] }, { cookie: [] }, ...(queryToken ? [{ queryToken: [] }] : [])] : [];

    // responses
    const responses: Record<string, unknown> = {};
    const okStatus = route.kind === 'json' || route.kind === undefined ? ((route as OperationRoute).status ?? 200) : 200;
    if (route.kind === 'sse') {
      responses['200'] = {
        description: 'An event stream (text/event-stream); each event one `data:` line of JSON',
        content: { 'text/event-stream': { schema: { type: 'string' } } },
      };
    } else if (route.kind === 'download') {
      responses['200'] = {
        description: 'The stored file, with its sniffed content type',
        content: { 'application/octet-stream': { schema: { type: 'string', format: 'binary' } } },
      };
      responses['304'] = { description: 'Not modified (If-None-Match matched the ETag)' };
    } else if (okStatus === 204) {
      responses['204'] = { description: 'Done (no body)' };
    } else if (route.kind !== 'plain' && op.raw) {
      const types = op.produces ?? ['application/octet-stream'];
      responses[String(okStatus)] = { description: 'A file', content: Object.fromEntries(types.map((t) => [t, { schema: { type: 'string' } }])) };
    } else {
      let data: Schema = { description: 'The legacy body (its shape: the surface documentation)' };
      if (route.kind !== 'plain' && !op.result && operation) {
        const first = operation.selectionSet.selections[0];
        const rootType = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
        const field = first?.kind === 'Field' ? (rootType as GraphQLObjectType | null | undefined)?.getFields()[first.name.value] : undefined;
        if (field && first.kind === 'Field') data = selectionSchema(schema, field.type, first.selectionSet, fragments);
      }
      const hole = { hole: true };
      const body = success ? schemaOfSample(success(hole, okStatus, route), hole, data) : data;
      responses[String(okStatus)] = { description: route.summary, content: { 'application/json': { schema: body } } };
    }
    const codes = errorCodes(route, rules, operation, takesInput);
    const statuses = new Set<number>();
    for (const code of codes) for (const status of errorStatus.get(code) ?? []) statuses.add(status);
    for (const status of [...statuses].sort()) {
      responses[String(status)] = {
        description: ERROR_TEXT[status] ?? 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' }, example: errorSamples.get(status) } },
      };
    }

    // parameters and body
    const parameters: Schema[] = [];
    for (const [name, s] of probed.query) {
      parameters.push({ name, in: 'query', required: false, schema: s.type === 'string' || !s.type ? { type: 'string' } : s });
    }
    // POST operations take an optional Idempotency-Key (src/server/idempotency.ts)
    if (route.method === 'post' && route.kind !== 'plain') {
      parameters.push({
        name: 'Idempotency-Key',
        in: 'header',
        required: false,
        description: 'A retry with the same key replays the first answer',
        schema: { type: 'string', maxLength: 255 },
      });
    }
    if (route.kind === 'sse') {
      parameters.push({ name: 'Last-Event-ID', in: 'header', required: false, description: 'Resume after this event id', schema: { type: 'string' } });
    }
    let requestBody: Schema | undefined;
    if (hasBody) {
      const properties = (keys: Map<string, Schema>) => Object.fromEntries([...keys].map(([k, s]) => [k, s]));
      const content: Record<string, unknown> = {};
      if (probed.body.size) content['application/json'] = { schema: { type: 'object', properties: properties(probed.body) } };
      if (takesFiles) {
        content['multipart/form-data'] = {
          schema: {
            type: 'object',
            properties: {
              ...Object.fromEntries(Object.keys(fileFields).map((f) => [f, { type: 'string', format: 'binary' }])),
              ...Object.fromEntries(Object.keys(fileLists).map((f) => [f, { type: 'array', items: { type: 'string', format: 'binary' } }])),
              ...Object.fromEntries([...probed.fields.keys()].map((f) => [f, { type: 'string' }])),
            },
          },
        };
      }
      requestBody = { required: !!Object.keys(fileFields).length, content };
    }

    const graphql = operation && route.kind !== 'plain' ? { name: operation.name?.value ?? 'anonymous', document: dedent(route.operation) } : undefined;
    const baseId = graphql ? graphql.name[0].toLowerCase() + graphql.name.slice(1) : camel([route.method, ...route.path.split(/[^A-Za-z0-9]+/).filter(Boolean)]);
    const tag = tagOf(route.path);
    tags.add(tag);
    const routeId = unique(baseId, route.method);

    const entries = [route.path, ...(route.aliases ?? [])];
    entries.forEach((routePath, i) => {
      const path = routePath.replace(/:(\w+)/g, '{$1}');
      const pathParams = [...routePath.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
      const all = [...pathParams, ...parameters];
      const description = [
        i > 0 ? `Alias of ${route.method.toUpperCase()} ${route.path}.` : '',
        `Access: \`${describeAccess(rules)}\`.`,
        graphql ? `Runs the GraphQL ${operation!.operation} \`${graphql.name}\` (the same on \`POST /graphql\`):\n\n\`\`\`graphql\n${graphql.document}\n\`\`\`` : '',
      ]
        .filter(Boolean)
        .join('\n\n');
      (paths[path] ??= {})[route.method] = {
        operationId: i === 0 ? routeId : unique(`${routeId}Alias`, route.method),
        summary: route.summary,
        description,
        tags: [tag],
        ...(all.length ? { parameters: all } : {}),
        ...(requestBody ? { requestBody } : {}),
        security,
        'x-access': describeAccess(rules),
        ...(graphql ? { 'x-graphql-operation': graphql } : {}),
        responses,
      };
    });
  }

  const securitySchemes: Record<string, unknown> = {
    bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The platform token (login answers it)' },
    cookie: { type: 'apiKey', in: 'cookie', name: 'session', description: 'The HttpOnly session cookie login sets' },
  };
  if (usesQueryToken) securitySchemes.queryToken = { type: 'apiKey', in: 'query', name: 'token', description: 'The token as `?token=` (EventSource and `<img>` GETs only)' };

  return {
    openapi: '3.1.0',
    info: {
      title: surface.title,
      version: options.version ?? '1.0.0',
      description:
        `The documented REST API of ${surface.id}, served by Interchange. Every operation runs one GraphQL operation ` +
        '(`x-graphql-operation`, shown in its description) through the same access rules, validation and limits as `POST /graphql`, ' +
        'so a client can move to the graph one route at a time.',
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: options.serverUrl ?? `/${surface.id}`, description: `The ${surface.id} surface on this server` }],
    tags: [...tags].sort().map((name) => ({ name, description: `The ${name} routes` })),
    paths,
    components: {
      securitySchemes,
      schemas: { Error: { ...errorEnvelope([...errorSamples.values()]), description: `The error envelope of ${surface.id}` } },
    },
  };
}
