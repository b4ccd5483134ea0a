/** src/config.ts: the time limits, the pre-stop window and the binaries' cache (issue 11), validated once. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';

const env = (extra: Record<string, string> = {}) => ({ DATA_DIR: mkdtempSync(join(tmpdir(), 'ix-cfg-')), ...extra });

it('has documented defaults: 10 s statements, 5 s locks and pool waits, a 5 s pre-stop window in production only', () => {
  const dev = loadConfig(env());
  expect(dev.db).toEqual({ statementTimeoutMs: 10_000, lockTimeoutMs: 5_000, poolWaitMs: 5_000 });
  expect(dev.shutdownDelayMs).toBe(0);
  expect(dev.embeddedPgCacheDir).toBe('/var/cache/interchange');
  expect(loadConfig(env({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) })).shutdownDelayMs).toBe(5_000);
  expect(loadConfig(env({ DB_STATEMENT_TIMEOUT_MS: '0', DB_LOCK_TIMEOUT_MS: '0', SHUTDOWN_DELAY_MS: '250' }))).toMatchObject({
    db: { statementTimeoutMs: 0, lockTimeoutMs: 0 },
    shutdownDelayMs: 250,
  });
});

it.each([
  [{ DB_STATEMENT_TIMEOUT_MS: 'soon' }, /DB_STATEMENT_TIMEOUT_MS must be a whole number from 0/],
  [{ DB_LOCK_TIMEOUT_MS: '-1' }, /DB_LOCK_TIMEOUT_MS must be a whole number from 0/],
  [{ DB_POOL_WAIT_MS: '0' }, /DB_POOL_WAIT_MS must be a whole number from 1/],
  [{ SHUTDOWN_DELAY_MS: '5s' }, /SHUTDOWN_DELAY_MS must be a whole number from 0/],
])('refuses %j with a clear message', (extra, message) => {
  expect(() => loadConfig(env(extra))).toThrow(message);
});
