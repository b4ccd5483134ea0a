/**
 * Translates anything thrown below the resolvers into a client-safe error. Driver exceptions carry the
 * whole SQL statement (password hashes included, see STACK.md), so their text never leaves the process.
 */
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { DriverException, UniqueConstraintViolationException, ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import { ArgumentValidationError } from 'type-graphql';
import { DomainError, ErrorCode, ERROR_CODES, unavailable } from './domain-error';
import { isTimeLimitError, RETRY_AFTER_SECONDS } from '../db/limits';
import { Logger, silentLogger } from '../observe/log';

/** Maps a thrown value to a DomainError, or undefined when it is already a client-facing GraphQL error. */
export function toDomainError(err: unknown): DomainError | undefined {
  if (err instanceof DomainError) return err;
  // a statement or lock timeout, or no pooled connection in time: 503 with Retry-After, never INTERNAL
  if (isTimeLimitError(err)) return unavailable(RETRY_AFTER_SECONDS);
  if (err instanceof UniqueConstraintViolationException) return new DomainError('CONFLICT', 'Already exists');
  if (err instanceof ForeignKeyConstraintViolationException) return new DomainError('BAD_USER_INPUT', 'Refers to something that does not exist');
  if (err instanceof ArgumentValidationError) {
    const fields: Record<string, string> = {};
    for (const v of err.extensions.validationErrors ?? []) {
      fields[v.property] = Object.values(v.constraints ?? {})[0] ?? 'is invalid';
    }
    const first = Object.entries(fields)[0];
    return new DomainError('BAD_USER_INPUT', first ? `${first[0]}: ${first[1]}` : 'Invalid input', { fields });
  }
  if (err instanceof DriverException) {
    // Input PostgreSQL cannot store is the client's mistake, not ours: a NUL character (the statement
    // carrying it breaks the wire protocol, "invalid message format"; as a bound parameter it is 22021),
    // a value longer than its column (22001). The driver's text (the SQL) still never leaves the process.
    if (err.code === '22021' || err.message.includes('\u0000')) return new DomainError('BAD_USER_INPUT', 'Text must not contain NUL characters');
    if (err.code === '22001') return new DomainError('BAD_USER_INPUT', 'A value is too long');
    return new DomainError('INTERNAL', 'Internal server error');
  }
  return undefined;
}

/**
 * An execution error whose cause sets the HTTP answer (a passed time limit: 503 and Retry-After) as a
 * located error carrying that answer in `extensions.http`, which Apollo Server reads; any other error as it is.
 */
export function withHttpAnswer(e: GraphQLError): GraphQLError {
  const cause = e.originalError;
  if (!cause || cause instanceof GraphQLError || !isTimeLimitError(cause)) return e;
  const domain = toDomainError(cause)!;
  return new GraphQLError(domain.message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: domain, extensions: domain.extensions });
}

const KNOWN = new Set<string>(ERROR_CODES);

/** The code of a GraphQL error as the transports see it (graphql-js and Apollo codes folded into ours). */
export function codeOf(err: GraphQLError | GraphQLFormattedError): ErrorCode {
  const code = err.extensions?.code;
  if (typeof code === 'string') {
    if (KNOWN.has(code)) return code as ErrorCode;
    if (code === 'GRAPHQL_PARSE_FAILED' || code === 'GRAPHQL_VALIDATION_FAILED' || code === 'BAD_REQUEST') return 'BAD_USER_INPUT';
    if (code === 'PERSISTED_QUERY_NOT_FOUND' || code === 'OPERATION_RESOLUTION_FAILURE') return 'BAD_USER_INPUT';
  }
  return 'INTERNAL';
}

/**
 * The one formatError of the graph: domain errors pass with their code, validation/parse errors pass,
 * and anything unexpected becomes INTERNAL with a fixed message (logged server-side).
 */
export function formatGraphQLError(formatted: GraphQLFormattedError, error: unknown, log: Logger = silentLogger): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const domain = toDomainError(original);
  if (domain) {
    if (domain.code === 'INTERNAL') logInternal(original, log);
    const ext: Record<string, unknown> = { code: domain.code };
    if (domain.details) ext.details = domain.details;
    return { message: domain.message, locations: formatted.locations, path: formatted.path, extensions: ext };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
    // graphql-js / Apollo request errors (syntax, validation, bad variables): safe to show as they are.
    return { message: formatted.message, locations: formatted.locations, path: formatted.path, extensions: { code } };
  }
  if (error instanceof GraphQLError && !error.originalError && !error.path) {
    return { message: formatted.message, locations: formatted.locations, extensions: { code: 'BAD_USER_INPUT' } };
  }
  logInternal(original, log);
  return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL' } };
}

/** The cause of an INTERNAL answer, with its stack, for the operator (the client sees a fixed message). */
function logInternal(err: unknown, log: Logger): void {
  log.error({ err }, 'internal error');
}
