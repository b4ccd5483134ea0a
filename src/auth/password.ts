import argon2 from 'argon2';

/** OWASP's minimum for argon2id (STACK.md): m=19456 KiB, t=2, p=1. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;
export const PASSWORD_MIN_LENGTH = 8;

export function hashPassword(plain: string): Promise<string> {
  return argon2.hash(plain, ARGON2_OPTIONS);
}

export async function verifyPassword(hash: string | null | undefined, plain: string): Promise<boolean> {
  if (!hash) {
    // Same work whether or not the account exists, so timing does not tell.
    await argon2.verify(DUMMY_HASH, plain).catch(() => false);
    return false;
  }
  try {
    return await argon2.verify(hash, plain);
  } catch {
    return false;
  }
}

// A hash of a random string with the same parameters, computed once at load.
const DUMMY_HASH = '$argon2id$v=19$m=19456,p=1,t=2$oHRcmgMEG0X1uG9lbLOBPw$YbFeUy4CQet0u+Qdh0uSRk5Cj8otIqnVIPxCW3+2pcY';
