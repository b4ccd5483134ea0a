/**
 * A validated document compiled once into a function by graphql-jit: same resolvers, same scalars,
 * same error semantics, without graphql-js walking the document for every field of every row. Used by
 * the REST engine (a route's document, on its first request) and the /graphql fast lane (documents seen twice).
 */
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { compileQuery, CompiledQuery, isCompiledQuery } from 'graphql-jit';

export type CompiledOperation = CompiledQuery['query'];

/** The compiled operation, or undefined when graphql-jit cannot compile it (callers then use graphql-js). */
export function compileOperation(schema: GraphQLSchema, document: DocumentNode, operationName?: string): CompiledOperation | undefined {
  try {
    const compiled = compileQuery(schema, document, operationName, { customJSONSerializer: false });
    return isCompiledQuery(compiled) ? compiled.query.bind(compiled) : undefined;
  } catch {
    return undefined;
  }
}
