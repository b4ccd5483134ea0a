/**
 * HS256 JWTs with sub, sid, iat, exp, iss, aud. Verification pins the algorithm, issuer and audience,
 * so `alg: none`, another algorithm, a foreign audience or a tampered payload are all refused.
 */
import { createSecretKey, KeyObject } from 'node:crypto';
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

export function signToken(config: AppConfig, userId: string, sessionId: string, expiresAt: Date): string {
  const now = Math.floor(Date.now() / 1000);
  return jwt.sign({ sid: sessionId }, secretKey(config.jwtSecret), {
    algorithm: 'HS256',
    subject: userId,
    issuer: config.jwtIssuer,
    audience: config.jwtAudience,
    expiresIn: Math.max(1, Math.floor(expiresAt.getTime() / 1000) - now),
  });
}

/** Claims of a valid token, or undefined for anything else (never throws). */
export function verifyToken(config: AppConfig, token: string): TokenClaims | undefined {
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
