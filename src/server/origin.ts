/**
 * Which browser origins may act on this server with its cookie: the server's own origin (the request's
 * Host, or PUBLIC_URL's origin) and those listed in ALLOWED_ORIGINS (`*`: any). Read by the ws upgrade
 * (Origin check), by the REST surfaces' cross-site check of cookie-authenticated writes, and — the
 * listed ones — by CORS (cors.ts): one list, so a frontend CORS lets in is never refused as a forgery.
 */
import type { IncomingMessage } from 'node:http';
import type { AppConfig } from '../config';

/** An origin listed in ALLOWED_ORIGINS, or any under `*`. */
export function listedOrigin(origin: string, config: Pick<AppConfig, 'allowedOrigins'>): boolean {
  return config.allowedOrigins.includes(origin) || config.allowedOrigins.includes('*');
}

export function originAllowed(origin: string | undefined, host: string | undefined, config: Pick<AppConfig, 'allowedOrigins' | 'publicUrl'>): boolean {
  if (!origin) return true; // not a browser
  if (listedOrigin(origin, config)) return true;
  try {
    const o = new URL(origin);
    if (config.publicUrl && new URL(config.publicUrl).origin === o.origin) return true;
    return o.host === host;
  } catch {
    return false;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * A write that a browser sent from a foreign site on the strength of our session cookie: an unsafe
 * method, authenticated by the cookie (no Authorization header), whose `Origin` is not allowed or
 * whose `Sec-Fetch-Site` says cross-site. Clients that send no Origin (not browsers) and Bearer
 * requests are never cross-site requests in this sense.
 */
export function isCrossSiteCookieWrite(req: IncomingMessage, config: Pick<AppConfig, 'allowedOrigins' | 'publicUrl'>): boolean {
  if (!UNSAFE.has(req.method ?? '')) return false;
  if (req.headers.authorization) return false;
  if (!/(?:^|;\s*)session=/.test(req.headers.cookie ?? '')) return false;
  const origin = req.headers.origin;
  if (origin !== undefined && !originAllowed(origin, req.headers.host, config)) return true;
  return origin === undefined && req.headers['sec-fetch-site'] === 'cross-site';
}
