/**
 * Builds the executable schema from the resolvers. The schema does not depend on any instance
 * (pubsub, database and config reach resolvers through the context), so one build serves every
 * server in a process.
 */
import 'reflect-metadata';
import { GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { buildSchema } from 'type-graphql';
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
    return schema;
  });
  return built;
}

/** The SDL committed as schema/schema.graphql (sorted, so the file diffs cleanly). */
export async function printGraphSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await getSchema())) + '\n';
}
