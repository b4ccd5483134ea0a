/** src/config.ts: every variable validated once, with a clear message naming it. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../src/config';

const dataDir = () => mkdtempSync(join(tmpdir(), 'ix-cfg-'));

it('has working defaults with no environment at all (secret generated once into DATA_DIR)', () => {
  const dir = dataDir();
  const c = loadConfig({ DATA_DIR: dir });
  expect(c).toEqual(expect.objectContaining({ port: 4000, nodeEnv: 'development', pubsub: 'postgres', loginMaxPerMinute: 5, adminUsername: 'admin', dataDir: dir }));
  expect(c.databaseUrl).toBeUndefined();
  expect(c.jwtSecret.length).toBeGreaterThanOrEqual(32);
  expect(readFileSync(join(dir, 'jwt-secret'), 'utf8').trim()).toBe(c.jwtSecret);
  expect(loadConfig({ DATA_DIR: dir }).jwtSecret).toBe(c.jwtSecret);
});

it.each([
  [{ PORT: 'abc' }, /PORT must be a whole number from 0 to 65535, got "abc"/],
  [{ PORT: '70000' }, /PORT must be a whole number from 0 to 65535, got 70000/],
  [{ NODE_ENV: 'staging' }, /NODE_ENV must be one of development, production, test/],
  [{ NODE_ENV: 'production' }, /JWT_SECRET is required when NODE_ENV=production/],
  [{ JWT_SECRET: 'short' }, /JWT_SECRET must be at least 32 characters/],
  [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must use postgres or postgresql/],
  [{ DATABASE_URL: 'not a url' }, /DATABASE_URL must be a URL/],
  [{ PUBSUB: 'kafka' }, /PUBSUB must be one of memory, postgres/],
  [{ COMPAT_ROOT: 'myspace' }, /COMPAT_ROOT must be one of cakeplanner, conduct, compass, coparent/],
  [{ LOGIN_MAX_PER_MINUTE: '0' }, /LOGIN_MAX_PER_MINUTE must be a whole number from 1/],
  [{ ADMIN_PASSWORD: 'short' }, /ADMIN_PASSWORD must be at least 8 characters/],
  [{ ADMIN_EMAIL: 'nope' }, /ADMIN_EMAIL must be an email address/],
  [{ TRUST_PROXY: 'maybe' }, /TRUST_PROXY must be true, false, a hop count or a comma-separated list of proxy addresses or subnets/],
  [{ TRUST_PROXY: '10.0.0.0/33' }, /TRUST_PROXY must be true, false, a hop count/],
  [{ TRUST_PROXY: '11' }, /TRUST_PROXY as a hop count must be at most 10/],
  [{ SMTP_URL: 'http://mail' }, /SMTP_URL must use smtp or smtps/],
  [{ ALLOWED_ORIGINS: 'https://ok.example, bad origin' }, /ALLOWED_ORIGINS must be a comma-separated list/],
  [{ LOG_LEVEL: 'verbose' }, /LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"/],
  [{ METRICS_ENABLED: 'sometimes' }, /METRICS_ENABLED must be true or false, got "sometimes"/],
  [{ METRICS_TOKEN: 'short' }, /METRICS_TOKEN must be at least 16 characters/],
  [{ METRICS_TOKEN: 'a token with spaces in it' }, /METRICS_TOKEN must be at least 16 characters of letters, digits/],
])('refuses %j with a clear message', (env, message) => {
  expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(ConfigError);
  expect(() => loadConfig({ DATA_DIR: dataDir(), ...env })).toThrow(message);
});

it('reads the production settings', () => {
  const c = loadConfig({
    NODE_ENV: 'production',
    JWT_SECRET: 's'.repeat(40),
    DATABASE_URL: 'postgres://u@h/db',
    PUBSUB: 'memory',
    COMPAT_ROOT: 'coparent',
    ALLOWED_ORIGINS: 'https://app.example',
  });
  expect(c).toEqual(expect.objectContaining({ isProduction: true, jwtSecret: 's'.repeat(40), pubsub: 'memory', compatRoot: 'coparent', allowedOrigins: ['https://app.example'] }));
});

it.each([
  ['', false],
  ['false', false],
  ['true', 1],
  ['2', 2],
  ['10.0.0.0/8, loopback', ['10.0.0.0/8', 'loopback']],
])('reads TRUST_PROXY=%j as %j (Express trust proxy semantics: hops or proxy addresses)', (raw, expected) => {
  expect(loadConfig({ DATA_DIR: dataDir(), TRUST_PROXY: raw }).trustProxy).toEqual(expected);
});

it('logs at info by default, nothing under NODE_ENV=test unless LOG_LEVEL says so; metrics are off unless enabled', () => {
  expect(loadConfig({ DATA_DIR: dataDir() }).logLevel).toBe('info');
  expect(loadConfig({ DATA_DIR: dataDir(), NODE_ENV: 'test' }).logLevel).toBe('silent');
  expect(loadConfig({ DATA_DIR: dataDir(), NODE_ENV: 'test', LOG_LEVEL: 'debug' }).logLevel).toBe('debug');
  expect(loadConfig({ DATA_DIR: dataDir() }).metrics).toEqual({ enabled: false, token: undefined });
  const token = 'm3tr1cs-t0ken-0123456789';
  expect(loadConfig({ DATA_DIR: dataDir(), METRICS_ENABLED: 'true', METRICS_TOKEN: token }).metrics).toEqual({ enabled: true, token });
});

it('reads the trusted-documents and APQ knobs: trusted-only off by default, the APQ store following PUBSUB', () => {
  const dir = dataDir();
  const c = loadConfig({ DATA_DIR: dir });
  expect(c.graphqlTrustedOnly).toBe(false);
  expect(c.apq).toEqual({ store: 'postgres', ttlSeconds: 86_400, maxDocuments: 10_000 });
  expect(loadConfig({ DATA_DIR: dir, PUBSUB: 'redis' }).apq.store).toBe('redis');
  expect(loadConfig({ DATA_DIR: dir, PUBSUB: 'redis', APQ_STORE: 'memory', APQ_TTL_SECONDS: '0', GRAPHQL_TRUSTED_ONLY: 'true' })).toEqual(
    expect.objectContaining({ graphqlTrustedOnly: true, apq: { store: 'memory', ttlSeconds: 0, maxDocuments: 10_000 } }),
  );
  expect(() => loadConfig({ DATA_DIR: dir, GRAPHQL_TRUSTED_ONLY: 'maybe' })).toThrow(/GRAPHQL_TRUSTED_ONLY must be true or false/);
  expect(() => loadConfig({ DATA_DIR: dir, APQ_STORE: 'disk' })).toThrow(/APQ_STORE must be one of memory, postgres, redis/);
  expect(() => loadConfig({ DATA_DIR: dir, APQ_MAX_DOCUMENTS: '0' })).toThrow(ConfigError);
});
