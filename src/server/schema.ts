/**
 * Builds the executable schema from the resolvers. The schema does not depend on any instance
 * (pubsub, database and config reach resolvers through the context), so one build serves every
 * server in a process.
 */
import 'reflect-metadata';
import { GraphQLObjectType, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { resolvers } from './resolvers';
import { undeclaredRootFields } from '../auth/access';
import { undeclaredListFields } from './cost';

let built: Promise<GraphQLSchema> | undefined;

export function getSchema(): Promise<GraphQLSchema> {
  built ??= buildSchema({
    resolvers,
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

/** The SDL committed as schema/schema.graphql (sorted, so the file diffs cleanly). */
export async function printGraphSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await getSchema())) + '\n';
}
