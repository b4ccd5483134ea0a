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
 * Made by these classes (http.createServer's `IncomingMessage` and `ServerResponse` options), the
 * objects already have the app's request and response prototypes, so Express's `setPrototypeOf`
 * changes nothing and the hidden classes are shared again.
 *
 * Classes that extend Node's, not plain functions that call them: V8 sizes a new object's in-object
 * fields from its constructor (a derived class adds its base's estimate). Made by a wrapper function
 * with no fields of its own, a response held most of its ~35 properties out of object, and V8 turned
 * it into a dictionary (slow properties: every access a lookup, as bad as the misses above; seen in
 * `perf` of the SSE fan-out). Each class's prototype takes the app's place (`app.request`,
 * `app.response`) with the app's as its own prototype, so Express's methods and `req.app` are found
 * as before.
 */
import http from 'node:http';
import type { Express } from 'express';

export interface ExpressMessages {
  IncomingMessage: typeof http.IncomingMessage;
  ServerResponse: typeof http.ServerResponse;
}

export function expressMessages(app: Express): ExpressMessages {
  class ExpressRequest extends http.IncomingMessage {}
  class ExpressResponse extends http.ServerResponse {}
  Object.setPrototypeOf(ExpressRequest.prototype, app.request);
  Object.setPrototypeOf(ExpressResponse.prototype, app.response);
  app.request = ExpressRequest.prototype as Express['request'];
  app.response = ExpressResponse.prototype as Express['response'];
  return { IncomingMessage: ExpressRequest, ServerResponse: ExpressResponse as unknown as typeof http.ServerResponse };
}
