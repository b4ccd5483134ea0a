/**
 * Safe retries (issue 11): a REST create (any POST route of a surface) or a GraphQL mutation sent with
 * an `Idempotency-Key` header runs once; a retry with the same key gets the first answer again (same
 * status and bytes, plus `Idempotent-Replayed: true`) and writes nothing. Without the header nothing
 * changes. The store, its crash safety and its 24 hours are src/db/idempotency.ts.
 *
 * - Scope: a key belongs to its caller (the signed-in user, else the client address) and its endpoint
 *   (the surface, method and path of a REST route; `POST /graphql`). The same key elsewhere is another key.
 * - Fingerprint: what the request asks (REST: query, JSON body, multipart fields and the SHA-256 of each
 *   file; GraphQL: the query's hash, operation name and variables, files by name and type). The same key
 *   with another fingerprint is refused: 409 `Idempotency-Key reused with a different request`.
 * - A second request while the first still runs is refused at once with 409 and `Retry-After: 1` (it does
 *   not wait): the client retries and then gets the replay.
 * - What is kept: the first answer that executed, errors included (a 404, a 409, a validation error of
 *   the service). The key is released (a retry runs again) when nothing was written and the answer is a
 *   5xx, a 429 or a GraphQL INTERNAL/RATE_LIMITED error, and always when the request set or cleared a
 *   cookie (login, logout: a session is not a create, and its cookie is not replayed).
 * - Errors answered before the key is looked at (401/403, malformed bodies, a route's own validation) are
 *   not recorded. GraphQL queries and graphql-ws operations ignore the header.
 */
import { createHash } from 'node:crypto';
import type { Request, Response } from 'express';
import { ApolloServerPlugin, GraphQLResponse, HeaderMap } from '@apollo/server';
import type { AppContext } from '../context/context';
import type { ErrorCode, ErrorDetails } from '../errors/domain-error';
import { attachClaim, claimKey, IdempotencyClaim, StoredAnswer } from '../db/idempotency';
import { errorMessage, Logger } from '../observe/log';

export const REPLAYED_HEADER = 'Idempotent-Replayed';

/** Response headers a replay repeats (besides status and body); cookies never. */
const KEPT_HEADERS = ['content-type', 'content-disposition', 'location'];

export interface Refusal {
  code: ErrorCode;
  message: string;
  details?: ErrorDetails;
}

type Begun = { kind: 'none' } | { kind: 'claimed'; claim: IdempotencyClaim } | { kind: 'replay'; answer: StoredAnswer } | { kind: 'refused'; refusal: Refusal };

/** The header's value: absent, or 1–255 printable ASCII characters. */
function keyOf(value: string | string[] | null | undefined): string | undefined | Refusal {
  if (value === undefined || value === null) return undefined;
  const key = Array.isArray(value) ? value.join(', ') : value;
  if (!/^[\x20-\x7e]{1,255}$/.test(key) || !key.trim()) {
    return { code: 'BAD_USER_INPUT', message: 'Idempotency-Key must be 1 to 255 printable ASCII characters' };
  }
  return key;
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` are one request. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      // a GraphQL multipart Upload: compared by name and type (its bytes are a stream the resolver reads)
      const file = (value as { file?: { filename?: string; mimetype?: string } }).file;
      return file ? { upload: file.filename ?? null, type: file.mimetype ?? null } : String(value);
    }
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

export function fingerprintOf(request: unknown): string {
  return createHash('sha256')
    .update(JSON.stringify(canonical(request)) ?? '')
    .digest('hex');
}

async function begin(ctx: AppContext, header: string | string[] | null | undefined, endpoint: string, fingerprint: () => string): Promise<Begun> {
  const key = keyOf(header);
  if (key === undefined) return { kind: 'none' };
  if (typeof key !== 'string') return { kind: 'refused', refusal: key };
  const caller = ctx.viewer ? `user:${ctx.viewer.id}` : `ip:${ctx.ip}`;
  const outcome = await claimKey(ctx.app.orm, ctx.app.config.jwtSecret, `${caller} ${endpoint}`, key, fingerprint(), ctx.app.log);
  switch (outcome.kind) {
    case 'claimed':
      attachClaim(ctx, outcome.claim);
      return outcome;
    case 'replay':
      return outcome;
    case 'mismatch':
      return { kind: 'refused', refusal: { code: 'CONFLICT', message: 'Idempotency-Key reused with a different request' } };
    case 'running':
      return { kind: 'refused', refusal: { code: 'CONFLICT', message: 'A request with this Idempotency-Key is still in progress; retry later', details: { retryAfter: 1 } } };
    case 'lost':
      return {
        kind: 'refused',
        refusal: { code: 'CONFLICT', message: 'The request with this Idempotency-Key made its change but its answer was lost; read the result instead of retrying' },
      };
  }
}

/** Stores the answer, or releases the key when nothing was written and the answer is a failure worth retrying. */
async function settle(claim: IdempotencyClaim, answer: StoredAnswer, failedToRun: boolean, log: Logger): Promise<void> {
  try {
    const retryable = failedToRun || answer.status >= 500 || answer.status === 429;
    if (claim.sessionTouched || (retryable && !claim.committed)) await claim.release();
    else await claim.store(answer);
  } catch (err) {
    // the key stays `running`: retries are refused, then (after STALE_SECONDS, if nothing committed) run again
    log.error({ component: 'idempotency', error: errorMessage(err) }, 'storing an answer failed');
  }
}

/**
 * The REST engine's step for a POST, after the access check, the body and the route's own validation,
 * before execution. `proceed`: execute (with a key claimed, the answer is recorded as it leaves);
 * `replayed`: the first answer was sent; a Refusal: answer it in the surface's envelope.
 */
export async function restIdempotency(req: Request, res: Response, ctx: AppContext, endpoint: string, request: unknown): Promise<'proceed' | 'replayed' | Refusal> {
  const begun = await begin(ctx, req.headers['idempotency-key'], endpoint, () => fingerprintOf(request));
  if (begun.kind === 'none') return 'proceed';
  if (begun.kind === 'refused') return begun.refusal;
  if (begun.kind === 'replay') {
    for (const [k, v] of Object.entries(begun.answer.headers)) res.setHeader(k, v);
    res.setHeader(REPLAYED_HEADER, 'true');
    res.status(begun.answer.status).end(begun.answer.body);
    return 'replayed';
  }
  // Records the answer when the engine ends the response, before its bytes go out.
  const claim = begun.claim;
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    res.end = end as Response['end'];
    const [chunk, encoding] = args;
    const body =
      typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk)
          : Buffer.alloc(0);
    const headers: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const v = res.getHeader(name);
      if (v !== undefined) headers[name] = String(v);
    }
    void settle(claim, { status: res.statusCode, headers, body }, false, ctx.log).finally(() => end(...args));
    return res;
  }) as Response['end'];
  return 'proceed';
}

function graphqlAnswer(status: number, body: GraphQLResponse['body'], headers: [string, string][] = []): GraphQLResponse {
  return { http: { status, headers: new HeaderMap(headers) }, body };
}

/**
 * /graphql: a mutation with an Idempotency-Key. An Apollo plugin, so the whole request lifecycle (and
 * every other plugin) still sees the request: `responseForOperation` claims the key and answers a replay
 * or a refusal instead of executing; `willSendResponse` stores (or releases) the executed answer.
 */
export function idempotencyPlugin(): ApolloServerPlugin<AppContext> {
  return {
    async requestDidStart({ request, contextValue }) {
      const header = request.http?.headers.get('idempotency-key');
      if (header === undefined) return;
      let claim: IdempotencyClaim | undefined;
      return {
        async responseForOperation(rc) {
          if (rc.operation.operation !== 'mutation') return null;
          const begun = await begin(rc.contextValue, header, 'POST /graphql', () =>
            fingerprintOf({ query: rc.queryHash, operationName: rc.operationName ?? null, variables: rc.request.variables ?? null }),
          );
          switch (begun.kind) {
            case 'none':
              return null;
            case 'claimed':
              claim = begun.claim;
              return null;
            case 'replay':
              return graphqlAnswer(begun.answer.status, { kind: 'single', singleResult: JSON.parse(begun.answer.body.toString('utf8')) }, [
                [REPLAYED_HEADER.toLowerCase(), 'true'],
              ]);
            case 'refused': {
              const { code, message, details } = begun.refusal;
              const retryAfter: [string, string][] = details?.retryAfter !== undefined ? [['retry-after', String(details.retryAfter)]] : [];
              return graphqlAnswer(code === 'CONFLICT' ? 409 : 400, { kind: 'single', singleResult: { errors: [{ message, extensions: { code } }] } }, retryAfter);
            }
          }
        },
        async willSendResponse({ response }) {
          if (!claim) return;
          const held = claim;
          claim = undefined;
          if (response.body.kind !== 'single') return held.release();
          const result = response.body.singleResult;
          const failedToRun = result.errors?.some((e) => e.extensions?.code === 'INTERNAL' || e.extensions?.code === 'RATE_LIMITED') ?? false;
          await settle(held, { status: response.http.status ?? 200, headers: {}, body: Buffer.from(JSON.stringify(result)) }, failedToRun, contextValue.log);
        },
      };
    },
  };
}
