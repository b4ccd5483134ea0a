/**
 * Which proxies are trusted, once for every transport (Express's `trust proxy` semantics): the client
 * is the rightmost address of the forwarding chain that is not a trusted proxy. `TRUST_PROXY` is a hop
 * count (`1`: the immediate peer is the proxy; `true` means 1) or a list of proxy addresses and
 * subnets (`10.0.0.0/8, loopback`). Rotating the leftmost `X-Forwarded-For` entry therefore changes
 * nothing: only what the trusted proxies appended counts.
 */
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

export type TrustProxy = false | number | string[];

export type TrustFn = (address: string, hop: number) => boolean;

export function trustFunction(trust: TrustProxy): TrustFn {
  if (trust === false) return () => false;
  if (typeof trust === 'number') return (_address, hop) => hop < trust;
  return proxyaddr.compile(trust);
}

/** The client address of a request (HTTP or a ws upgrade) under the configured trust. */
export function clientIp(req: IncomingMessage, trust: TrustFn): string {
  try {
    return proxyaddr(req as never, trust);
  } catch {
    return req.socket.remoteAddress ?? 'unknown';
  }
}
