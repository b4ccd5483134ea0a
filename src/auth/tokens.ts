/**
 * HS256 JWTs with sub, sid, iat, exp, iss, aud. Verification pins the algorithm, issuer and audience,
 * so `alg: none`, another algorithm, a foreign audience or a tampered payload are all refused.
 */
import { createHmac, createSecretKey, KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import type { AppConfig } from '../config';

export interface TokenClaims {
  sub: string;
  sid: string;
  iat: number;
  exp: number;
}

const keys = new Map<string, KeyObject>();

/**
 * The secret as a KeyObject, built once. Given a string, jsonwebtoken first tries `createPublicKey`
 * (and `createPrivateKey` when signing) and only falls back to a secret key after that throws: a
 * thrown native error on every call, measured at about a quarter of the CPU of an authenticated
 * request (bench/results/latest.md). The key material is the same, so tokens are unchanged.
 */
function secretKey(secret: string): KeyObject {
  let key = keys.get(secret);
  if (!key) keys.set(secret, (key = createSecretKey(Buffer.from(secret, 'utf8'))));
  return key;
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

/**
 * An HS256 JWT as jsonwebtoken writes it (same header, same claims), signed directly: jsonwebtoken's
 * option validation cost a login more CPU than the signature (bench/README.md, "Findings").
 * Verification stays with jsonwebtoken (verifyToken).
 */
export function signToken(config: AppConfig, userId: string, sessionId: string, expiresAt: Date): string {
  const iat = Math.floor(Date.now() / 1000);
  const exp = iat + Math.max(1, Math.floor(expiresAt.getTime() / 1000) - iat);
  const payload = Buffer.from(JSON.stringify({ sid: sessionId, iat, exp, aud: config.jwtAudience, iss: config.jwtIssuer, sub: userId })).toString('base64url');
  const signature = createHmac('sha256', secretKey(config.jwtSecret)).update(`${HEADER}.${payload}`).digest('base64url');
  return `${HEADER}.${payload}.${signature}`;
}

/**
 * Tokens that verified, per configuration (secret, issuer, audience), so a client's next request with
 * the same bytes skips the HMAC and the parsing: the same string verifies the same way, and expiry is
 * checked on every use. Only valid tokens are remembered; the oldest goes first.
 */
const verified = new WeakMap<AppConfig, Map<string, TokenClaims>>();
const MAX_VERIFIED = 20_000;

/** Claims of a valid token, or undefined for anything else (never throws). */
export function verifyToken(config: AppConfig, token: string): TokenClaims | undefined {
  let known = verified.get(config);
  if (!known) verified.set(config, (known = new Map()));
  const hit = known.get(token);
  if (hit) {
    // jsonwebtoken's rule: expired once the clock (in whole seconds) reaches `exp`
    if (Math.floor(Date.now() / 1000) < hit.exp) return hit;
    known.delete(token);
    return undefined;
  }
  const claims = verifyTokenFully(config, token);
  if (claims) {
    if (known.size >= MAX_VERIFIED) known.delete(known.keys().next().value as string);
    known.set(token, Object.freeze(claims));
  }
  return claims;
}

function verifyTokenFully(config: AppConfig, token: string): TokenClaims | undefined {
  try {
    const claims = jwt.verify(token, secretKey(config.jwtSecret), {
      algorithms: ['HS256'],
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
    });
    if (typeof claims !== 'object' || claims === null) return undefined;
    const { sub, sid, iat, exp } = claims as Record<string, unknown>;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') return undefined;
    if (!UUID.test(sub) || !UUID.test(sid)) return undefined;
    return { sub, sid, iat: typeof iat === 'number' ? iat : 0, exp };
  } catch {
    return undefined;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
