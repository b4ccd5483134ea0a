/**
 * Trusted documents: schema/trusted-documents.json lists every GraphQL document the project's own clients
 * send (the REST surfaces' operations and the live dashboard's, public/dashboard/documents.mjs), by the
 * SHA-256 of its text; `npm run codegen` writes it (scripts/trusted-documents.ts) and a test fails when it
 * is stale. With GRAPHQL_TRUSTED_ONLY=true (the production setting) /graphql runs only those documents:
 *
 * - over HTTP, inside Apollo Server's request lifecycle (`trustedDocumentsPlugin`, so every other plugin
 *   still sees the request): a document sent as text must hash to a manifest entry, else the request is
 *   answered 400 `TRUSTED_DOCUMENT_REQUIRED` (it is refused once parsed and validated, where Apollo lets a
 *   plugin answer with an error, and before anything executes or is registered as a persisted query). A
 *   hash alone (`extensions.persistedQuery.sha256Hash`, or the `documentId` body field or query parameter,
 *   `<hex>` or `sha256:<hex>`) runs the manifest's document; an unknown one is PERSISTED_QUERY_NOT_FOUND,
 *   never looked up among automatic persisted queries (a shared APQ store may hold documents that other
 *   deployments registered). Introspection is refused like any other document not in the manifest.
 * - over graphql-ws, in `onSubscribe` (`DocumentGate`), with the same errors; graphql-ws requires a
 *   `query` string, so a hash alone comes with `query: ""`.
 *
 * Off (the default), nothing is refused, and a manifest hash alone still runs its document (clients may
 * ship hashes instead of text); other hashes are automatic persisted queries (src/server/apq.ts).
 * The REST surfaces execute their own documents in-process (not through /graphql) and are unaffected.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { GraphQLError } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Request, Response } from 'express';
import { projectRoot } from '../project-root';
import { ApqCache, sha256Hex } from './apq';

export const MANIFEST_PATH = join('schema', 'trusted-documents.json');
export const TRUSTED_DOCUMENT_REQUIRED = 'TRUSTED_DOCUMENT_REQUIRED';
export const PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND';

/** The manifest of some documents: `{ sha256 hex of the text: text }`, in hash order (stable diffs). */
export function manifestOf(documents: Iterable<string>): Record<string, string> {
  const byHash = new Map<string, string>();
  for (const text of documents) byHash.set(sha256Hex(text), text);
  return Object.fromEntries([...byHash.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export class TrustedDocuments {
  private readonly byHash: ReadonlyMap<string, string>;

  constructor(manifest: Record<string, string>) {
    for (const [hash, text] of Object.entries(manifest)) {
      if (typeof text !== 'string' || sha256Hex(text) !== hash)
        throw new Error(`${MANIFEST_PATH}: the entry ${hash.slice(0, 16)}… is not the SHA-256 of its document (run npm run codegen)`);
    }
    this.byHash = new Map(Object.entries(manifest));
  }

  /** The committed manifest; a missing one is empty (then trusted-only mode refuses to start). */
  static load(root: string | null = projectRoot()): TrustedDocuments {
    const file = root ? join(root, MANIFEST_PATH) : undefined;
    if (!file || !existsSync(file)) return new TrustedDocuments({});
    return new TrustedDocuments(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>);
  }

  get size(): number {
    return this.byHash.size;
  }

  /** The manifest's document of `hash`. */
  get(hash: string): string | undefined {
    return this.byHash.get(hash);
  }

  /** Whether a document's text is in the manifest (byte for byte: the hash is of the text as sent). */
  allows(text: string): boolean {
    return this.byHash.has(sha256Hex(text));
  }
}

export function trustedDocumentRequired(): GraphQLError {
  return new GraphQLError('This server runs trusted documents only: send a document of its manifest (its text or its sha256 hash)', {
    extensions: { code: TRUSTED_DOCUMENT_REQUIRED, http: { status: 400 } },
  });
}

/** The hash a request names its document by: `documentId` (`sha256:` prefix optional) or the APQ extension. */
function hashOf(documentId: unknown, extensions: unknown): string | undefined {
  if (typeof documentId === 'string' && documentId) return documentId.replace(/^sha256:/, '');
  const pq = (extensions as { persistedQuery?: { sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
  return typeof pq?.sha256Hash === 'string' ? pq.sha256Hash : undefined;
}

/**
 * `documentId` (GraphQL over HTTP's persisted documents) becomes the APQ extension Apollo Server reads,
 * in a JSON body or a GET query string, before Apollo sees the request; `trustedDocumentsPlugin` then
 * resolves manifest hashes and Apollo looks up the others as automatic persisted queries.
 */
export function documentIdRequests(req: Request, _res: Response, next: () => void): void {
  const body = req.body as Record<string, unknown> | undefined;
  if (req.method === 'POST' && body && typeof body === 'object' && !Array.isArray(body) && 'documentId' in body) {
    const hash = hashOf(body.documentId, undefined);
    delete body.documentId;
    if (hash !== undefined && (body.query === undefined || body.query === '')) {
      const extensions = body.extensions && typeof body.extensions === 'object' ? (body.extensions as Record<string, unknown>) : {};
      body.extensions = { ...extensions, persistedQuery: { version: 1, sha256Hash: hash } };
    }
  } else if (req.method === 'GET' && req.url.includes('documentId=')) {
    const url = new URL(req.url, 'http://local');
    const hash = hashOf(url.searchParams.get('documentId'), undefined);
    url.searchParams.delete('documentId');
    if (hash !== undefined && !url.searchParams.get('query')) {
      let extensions: Record<string, unknown> = {};
      try {
        extensions = JSON.parse(url.searchParams.get('extensions') ?? '{}') as Record<string, unknown>;
      } catch {
        /* Apollo answers the malformed parameter itself */
      }
      url.searchParams.set('extensions', JSON.stringify({ ...extensions, persistedQuery: { version: 1, sha256Hash: hash } }));
    }
    req.url = url.pathname + url.search;
  }
  next();
}

/**
 * Apollo Server's side of trusted documents: a manifest hash sent alone becomes its text (the APQ
 * extension dropped: the manifest is not an APQ registration); in trusted-only mode a text outside the
 * manifest is answered TRUSTED_DOCUMENT_REQUIRED from `didResolveOperation`, the hook whose error Apollo
 * sends through its whole lifecycle (didEncounterErrors, willSendResponse) and before it registers an APQ
 * document or executes anything.
 */
export function trustedDocumentsPlugin<C extends object>(trusted: TrustedDocuments, trustedOnly: boolean): ApolloServerPlugin<C> {
  return {
    async requestDidStart({ request }) {
      if (request.query === undefined || request.query === '') {
        const hash = hashOf(undefined, request.extensions);
        const text = hash === undefined ? undefined : trusted.get(hash);
        if (text !== undefined) {
          request.query = text;
          const { persistedQuery: _, ...rest } = request.extensions ?? {};
          request.extensions = rest;
        } else if (hash !== undefined) request.query = undefined; // Apollo looks the hash up (APQ)
        return undefined;
      }
      if (!trustedOnly || trusted.allows(request.query)) return undefined;
      return {
        async didResolveOperation() {
          throw trustedDocumentRequired();
        },
      };
    },
  };
}

/** What a graphql-ws subscribe message runs: a document's text (and the APQ hash to register it under), or an error. */
export type GateResult = { query: string; register?: string; error?: undefined } | { error: GraphQLError; query?: undefined };

/**
 * graphql-ws's side: the document a subscribe message names (text, manifest hash, or, when not
 * trusted-only, an automatic persisted query of the shared store, which a message with text and hash
 * registers as over HTTP), with HTTP's errors.
 */
export class DocumentGate {
  constructor(
    readonly trusted: TrustedDocuments,
    readonly trustedOnly: boolean,
    private readonly apq: ApqCache | undefined,
  ) {}

  async resolve(payload: { query?: unknown; documentId?: unknown; extensions?: unknown }): Promise<GateResult> {
    const text = typeof payload.query === 'string' && payload.query !== '' ? payload.query : undefined;
    const hash = hashOf(payload.documentId, payload.extensions);
    if (text !== undefined) {
      if (this.trustedOnly && !this.trusted.allows(text)) return { error: trustedDocumentRequired() };
      if (hash === undefined) return { query: text };
      if (sha256Hex(text) !== hash) return { error: new GraphQLError('provided sha does not match query', { extensions: { code: 'BAD_REQUEST' } }) };
      return { query: text, register: this.trustedOnly || this.trusted.get(hash) ? undefined : hash };
    }
    if (hash === undefined)
      return {
        error: new GraphQLError('GraphQL operations must contain a non-empty `query`, a `documentId` or a `persistedQuery` extension.', { extensions: { code: 'BAD_REQUEST' } }),
      };
    const found = this.trusted.get(hash) ?? (this.trustedOnly ? undefined : await this.apq?.lookup(hash));
    return found !== undefined ? { query: found } : { error: new GraphQLError('PersistedQueryNotFound', { extensions: { code: PERSISTED_QUERY_NOT_FOUND } }) };
  }

  /** Keeps a validated text under its hash in the APQ store (never throws). */
  register(hash: string, text: string): Promise<void> {
    return this.apq?.register(hash, text) ?? Promise.resolve();
  }
}
