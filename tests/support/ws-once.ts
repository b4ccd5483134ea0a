/**
 * One GraphQL request over graphql-ws, answered as a body: the first result, or the errors the server
 * refused it with (a refusal arrives as the subscription's error, not as a result). For the tests of the
 * document gate (trusted documents, persisted queries), which send raw payloads (`documentId`, hashes).
 */
import type { Client as WsClient } from 'graphql-ws';

export type Body = { data?: Record<string, any> | null; errors?: { message: string; extensions?: { code?: string } }[] };

export function wsOnce(client: WsClient, payload: Record<string, unknown>): Promise<Body> {
  return new Promise((resolve) => {
    let first: Body | undefined;
    client.subscribe(payload as { query: string }, {
      next: (r) => {
        first ??= r as Body;
      },
      error: (e) => resolve(Array.isArray(e) ? { errors: e } : { errors: [{ message: String((e as Error)?.message ?? e) }] }),
      complete: () => resolve(first ?? {}),
    });
  });
}

/** The error codes of a body, in order. */
export const codes = (b: Body) => (b.errors ?? []).map((e) => e.extensions?.code);
