/**
 * Builds the executable schema from the resolvers. The schema does not depend on any instance
 * (pubsub, database and config reach resolvers through the context), so one build serves every
 * server in a process.
 */
import 'reflect-metadata';
import { GraphQLObjectType, GraphQLScalarType, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { resolvers } from './resolvers';
import { undeclaredRootFields } from '../auth/access';
import { undeclaredListFields } from './cost';
import { dateToIso } from './date-text';
import { rootResolversCalledDirectly } from './root-resolvers';

let built: Promise<GraphQLSchema> | undefined;

/**
 * type-graphql's `Date` scalar (graphql-scalars' DateTimeISO: same name, description, parsing), with a
 * valid `Date` serialized straight to its ISO text (date-text.ts: the same text as toISOString, five times
 * cheaper): graphql-scalars checks and converts it through two functions first, for every date of every
 * row of a list. Anything else is serialized by graphql-scalars (ISO strings, timestamps, its errors).
 */
const DateTimeISO = new GraphQLScalarType({
  ...GraphQLDateTimeISO.toConfig(),
  serialize(value: unknown) {
    if (value instanceof Date && !Number.isNaN(value.getTime())) return dateToIso(value);
    return GraphQLDateTimeISO.serialize(value);
  },
});

export function getSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers,
    scalarsMap: [{ type: Date, scalar: DateTimeISO }],
    validate: false,
    emitSchemaFile: false,
    // Subscriptions use the `subscribe` option with the instance's pubsub from the context, so the
    // schema stays instance-free; the topics form would bind one pubsub to the schema and is refused.
    pubSub: {
      publish: () => {
        throw new Error('publish through ctx.app.pubsub');
      },
      subscribe: () => {
        throw new Error('declare subscriptions with { subscribe } and ctx.app.pubsub, not { topics }');
      },
    },
  }).then((schema) => {
    // Access is declared once, beside every operation (src/auth/access.ts): a schema with an
    // operation that declares nothing does not start.
    const undeclared = undeclaredRootFields(schema);
    if (undeclared.length) throw new Error(`operations without an access declaration (@Allow): ${undeclared.join(', ')}`);
    // Every list declares its maximum page size (src/server/cost.ts): the cost rule counts it.
    const unsized = undeclaredListFields(schema);
    if (unsized.length) throw new Error(`list fields without a size declaration (@ListSize): ${unsized.join(', ')}`);
    plainFieldsReadDirectly(schema);
    fieldResolversCalledDirectly(schema);
    rootResolversCalledDirectly(schema, resolverInstance);
    return schema;
  });
  return built;
}

/**
 * type-graphql gives every plain `@Field` of an object type a resolver of its own that reads the
 * property (`root[name]`) through its middleware runner: a call, an object and a megamorphic keyed load
 * per field and row. A field with nothing to run (no field resolver, no middleware, no roles, the
 * property of its own name) reads the same property with GraphQL's default, which graphql-jit inlines
 * as a property access. Fields that compute something keep their resolvers.
 */
function plainFieldsReadDirectly(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  const computed = new Map<unknown, Set<string>>();
  for (const r of storage.fieldResolvers) {
    const cls = r.getObjectType?.();
    if (!computed.has(cls)) computed.set(cls, new Set());
    computed.get(cls)!.add(r.methodName);
  }
  for (const o of storage.objectTypes) {
    const type = schema.getType(o.name);
    if (!(type instanceof GraphQLObjectType)) continue;
    const fields = type.getFields();
    const chain: unknown[] = [];
    for (let t = o.target as unknown; typeof t === 'function' && t !== Function.prototype; t = Object.getPrototypeOf(t)) chain.push(t);
    const resolved = (name: string) => chain.some((t) => computed.get(t)?.has(name));
    for (const f of storage.fields) {
      const field = fields[f.schemaName];
      if (!field || !chain.includes(f.target)) continue;
      if (f.name === f.schemaName && !f.middlewares?.length && !f.roles?.length && f.simple !== false && !resolved(f.name)) field.resolve = undefined;
    }
  }
}

type Resolve = (root: unknown, args: unknown, ctx: unknown, info: unknown) => unknown;

/** One instance per resolver class for the resolvers called directly (type-graphql's default container keeps one too). */
const instances = new Map<unknown, Record<string, unknown>>();
function resolverInstance(target: new () => Record<string, unknown>): Record<string, unknown> {
  let instance = instances.get(target);
  if (!instance) instances.set(target, (instance = new target()));
  return instance;
}

/**
 * type-graphql runs every field resolver through its handler: the resolver class's instance from the
 * container, a middleware runner, and its parameters sorted and mapped anew on every call — per field
 * and row of a list (the conduct report list: five such fields per report). A field resolver with no
 * middleware or roles whose parameters are only `@Root()`, `@Ctx()` and `@Info()` is called directly
 * instead, with the same values in the same order: the root as given (type-graphql converts a typed
 * root that is not an instance of its class into one: such a call still goes through its handler), the
 * context, the info. Resolvers taking arguments keep type-graphql's handler (their conversion).
 */
function fieldResolversCalledDirectly(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  for (const r of storage.fieldResolvers) {
    if (r.kind !== 'external' || r.middlewares?.length || r.roles?.length) continue;
    const params = [...(r.params ?? [])].sort((a, b) => a.index - b.index);
    if (params.length > 3 || !params.every((p, i) => p.index === i && (p.kind === 'root' || p.kind === 'context' || p.kind === 'info'))) continue;
    const objectClass = r.getObjectType?.();
    const typeName = storage.objectTypes.find((o) => o.target === objectClass)?.name;
    const type = typeName ? schema.getType(typeName) : undefined;
    if (!(type instanceof GraphQLObjectType)) continue;
    const field = type.getFields()[r.schemaName];
    if (!field?.resolve) continue;
    const handler = field.resolve as Resolve;
    const instance = resolverInstance(r.target as new () => Record<string, unknown>);
    const method = instance[r.methodName] as ((...values: unknown[]) => unknown) | undefined;
    if (typeof method !== 'function') continue;
    const self = instance;
    const getters = params.map((p): ((root: unknown, ctx: unknown, info: unknown) => unknown) | undefined => {
      const name = p.kind === 'info' ? undefined : (p as { propertyName?: string }).propertyName;
      if (p.kind === 'info') return (_root, _ctx, info) => info;
      if (p.kind === 'context') return name ? (_root, ctx) => (ctx as Record<string, unknown>)[name] : (_root, ctx) => ctx;
      const rootType = (p as { getType?: () => unknown }).getType?.();
      if (rootType !== undefined && typeof rootType !== 'function') return undefined;
      return (root) => {
        const value = name ? (root as Record<string, unknown>)[name] : root;
        // a typed root that is not an instance of its class: type-graphql's conversion (its handler) decides
        if (rootType !== undefined && value != null && !(value instanceof (rootType as new () => unknown))) return CONVERT;
        return value;
      };
    });
    if (getters.some((g) => !g)) continue;
    const [a, b, c] = getters as ((root: unknown, ctx: unknown, info: unknown) => unknown)[];
    field.resolve = (root, args, ctx, info) => {
      if (getters.length === 0) return method.call(self);
      const x = a(root, ctx, info);
      if (x === CONVERT) return handler(root, args, ctx, info);
      if (getters.length === 1) return method.call(self, x);
      const y = b(root, ctx, info);
      if (y === CONVERT) return handler(root, args, ctx, info);
      if (getters.length === 2) return method.call(self, x, y);
      const z = c(root, ctx, info);
      if (z === CONVERT) return handler(root, args, ctx, info);
      return method.call(self, x, y, z);
    };
  }
}

/** What a root getter above answers when type-graphql must convert the root: its handler is called instead. */
const CONVERT = Symbol('convert the root through type-graphql');

/** The SDL committed as schema/schema.graphql (sorted, so the file diffs cleanly). */
export async function printGraphSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await getSchema())) + '\n';
}
