/**
 * One error model for every transport. Services throw DomainError; GraphQL carries the code in
 * `extensions.code` (and the HTTP status Apollo should use), and each REST surface maps the code to
 * its documented status and envelope in one exhaustive switch (src/rest/engine/envelopes.ts).
 */
import { GraphQLError } from 'graphql';

export const ERROR_CODES = ['UNAUTHENTICATED', 'FORBIDDEN', 'NOT_FOUND', 'BAD_USER_INPUT', 'CONFLICT', 'RATE_LIMITED', 'UNAVAILABLE', 'INTERNAL'] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorDetails {
  /** field → message, for validation errors */
  fields?: Record<string, string>;
  /** seconds until a rate-limited (or UNAVAILABLE) caller may try again */
  retryAfter?: number;
  /** an upload (or a request body) over its size limit: surfaces whose contract says so answer 413 */
  tooLarge?: boolean;
  [key: string]: unknown;
}

export function httpStatusOf(code: ErrorCode): number {
  switch (code) {
    case 'UNAUTHENTICATED':
      return 401;
    case 'FORBIDDEN':
      return 403;
    case 'NOT_FOUND':
      return 404;
    case 'BAD_USER_INPUT':
      return 400;
    case 'CONFLICT':
      return 409;
    case 'RATE_LIMITED':
      return 429;
    case 'UNAVAILABLE':
      return 503;
    case 'INTERNAL':
      return 500;
  }
}

export class DomainError extends GraphQLError {
  readonly code: ErrorCode;
  readonly details?: ErrorDetails;

  constructor(code: ErrorCode, message: string, details?: ErrorDetails) {
    const extensions: Record<string, unknown> = { code, ...(details ? { details } : {}) };
    if (code === 'RATE_LIMITED' || code === 'UNAVAILABLE') {
      // GraphQL answers 200 with errors, except a rate limit (429) and a passed time limit (503), with
      // Retry-After on every transport. Apollo Server reads (and strips) `http` to set the response status and headers.
      const headers = new Map<string, string>();
      if (details?.retryAfter !== undefined) headers.set('retry-after', String(details.retryAfter));
      extensions.http = { status: httpStatusOf(code), headers };
    }
    super(message, { extensions });
    this.name = 'DomainError';
    this.code = code;
    this.details = details;
  }
}

export const unauthenticated = (message = 'Authentication required') => new DomainError('UNAUTHENTICATED', message);
export const forbidden = (message = 'Forbidden') => new DomainError('FORBIDDEN', message);
export const notFound = (message = 'Not found') => new DomainError('NOT_FOUND', message);
export const badInput = (message: string, fields?: Record<string, string>) => new DomainError('BAD_USER_INPUT', message, fields ? { fields } : undefined);
/** A time limit passed (src/db/limits.ts): busy, not wrong; the client may retry after `Retry-After`. */
export const unavailable = (retryAfter: number) => new DomainError('UNAVAILABLE', 'The service is busy, try again shortly', { retryAfter });
export const conflict = (message: string, fields?: Record<string, string>) => new DomainError('CONFLICT', message, fields ? { fields } : undefined);
