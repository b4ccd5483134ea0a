/**
 * Node's request and response objects made with Express's prototypes from the start.
 *
 * Express gives every request and response its own prototype (`Object.setPrototypeOf(req,
 * app.request)`, the same for `res`) as it enters the app. V8 then puts each of those objects on a hidden
 * class of its own: after a prototype change, every property added later (Express's `params`,
 * `baseUrl`, `locals`; Node's own as the response is written) makes a fresh hidden class instead of
 * following the shared ones. Every property access on a request or response in Node's HTTP code, the
 * router and ours then misses its inline cache, request after request (V8's `--log-ic`: about 150
 * misses per REST request, each a full property lookup in V8's runtime; ~10 % of the CPU of a REST
 * list request in `perf`).
 *
 * Made by these constructors (http.createServer's `IncomingMessage` and `ServerResponse` options),
 * the objects already have `app.request` and `app.response` as their prototypes, so Express's
 * `setPrototypeOf` changes nothing and the hidden classes are shared again. The constructors are
 * Node's own, called on the new object; nothing else differs.
 */
import http from 'node:http';
import type { Socket } from 'node:net';
import type { Express } from 'express';

type Construct<A extends unknown[]> = (this: unknown, ...args: A) => void;

export interface ExpressMessages {
  IncomingMessage: typeof http.IncomingMessage;
  ServerResponse: typeof http.ServerResponse;
}

export function expressMessages(app: Express): ExpressMessages {
  const incoming = http.IncomingMessage as unknown as Construct<[Socket]>;
  const outgoing = http.ServerResponse as unknown as Construct<[http.IncomingMessage, unknown?]>;
  function ExpressRequest(this: unknown, socket: Socket): void {
    incoming.call(this, socket);
  }
  function ExpressResponse(this: unknown, req: http.IncomingMessage, options?: unknown): void {
    outgoing.call(this, req, options);
  }
  ExpressRequest.prototype = app.request;
  ExpressResponse.prototype = app.response;
  return {
    IncomingMessage: ExpressRequest as unknown as typeof http.IncomingMessage,
    ServerResponse: ExpressResponse as unknown as typeof http.ServerResponse,
  };
}
