/**
 * Apollo Server's HTTP handler on Express 5: what `expressMiddleware` of @as-integrations/express5 does
 * (STACK.md), through the same public entry, `executeHTTPGraphQLRequest`, so every request runs Apollo's
 * whole request lifecycle and every plugin sees it — with one difference in how a complete answer to a
 * POST leaves. The integration hands every answer to Express's `res.send`, which re-parses and re-formats
 * the Content-Type Apollo set, hashes the body for an ETag and asks `req.fresh`: work for a cacheable GET,
 * none of it meaningful for a POST (no conditional request, no cache keeps it), and about 4 % of a `me`
 * request's CPU (bench/README.md, "Eighth pass"). A POST's complete answer is written as it is, with its
 * Content-Length; GET and HEAD keep `res.send` (ETag, 304 for If-None-Match); an incremental answer
 * (`@defer`) streams as the integration streams it.
 */
import type { Request, RequestHandler, Response } from 'express';
import { HeaderMap, type ApolloServer, type BaseContext, type HTTPGraphQLRequest } from '@apollo/server';

/** The query string of a request target, `?` included ('' without one), without a fragment. */
function searchOf(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return '';
  const hash = url.indexOf('#', q);
  return hash < 0 ? url.slice(q) : url.slice(q, hash);
}

export function apolloExpressHandler<T extends BaseContext>(server: ApolloServer<T>, options: { context: (args: { req: Request; res: Response }) => Promise<T> }): RequestHandler {
  server.assertStarted('apolloExpressHandler()');
  const { context } = options;
  return async (req, res) => {
    if (!('body' in req)) {
      // the JSON body parser runs before this handler (server.ts); without it Apollo could not read the request
      res.status(500).send('`req.body` is not set: the JSON body parser must run before the GraphQL handler.');
      return;
    }
    const headers = new HeaderMap();
    for (const key in req.headers) {
      const value = req.headers[key];
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const httpGraphQLRequest: HTTPGraphQLRequest = {
      method: req.method.toUpperCase(),
      headers,
      search: searchOf(req.url),
      body: req.body as unknown,
    };
    const answer = await server.executeHTTPGraphQLRequest({ httpGraphQLRequest, context: () => context({ req, res }) });
    // Apollo names its headers in lower case; Express's `res.send` re-set Content-Type under this name
    for (const [key, value] of answer.headers) res.setHeader(key === 'content-type' ? 'Content-Type' : key, value);
    res.statusCode = answer.status ?? 200;
    if (answer.body.kind === 'complete') {
      const text = answer.body.string;
      if (httpGraphQLRequest.method !== 'POST' || !res.hasHeader('Content-Type')) {
        res.send(text);
        return;
      }
      res.setHeader('Content-Length', String(Buffer.byteLength(text, 'utf8')));
      res.end(text, 'utf8');
      return;
    }
    for await (const chunk of answer.body.asyncIterator) {
      res.write(chunk);
      const flush = (res as { flush?: () => void }).flush;
      if (typeof flush === 'function') flush.call(res);
    }
    res.end();
  };
}
