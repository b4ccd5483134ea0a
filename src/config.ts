/**
 * Every environment variable the server reads, validated once at start.
 * A bad value stops the start with a message naming the variable and what it accepts;
 * nothing else in the code reads process.env.
 */
import { trustFunction, TrustProxy } from './server/client-ip';
import { sameSite } from './server/site';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { LOG_LEVELS, LogLevel } from './observe/log';

export const SURFACES = ['cakeplanner', 'conduct', 'compass', 'coparent'] as const;
export type SurfaceId = (typeof SURFACES)[number];

export interface AppConfig {
  nodeEnv: 'development' | 'production' | 'test';
  isProduction: boolean;
  host: string;
  port: number;
  databaseUrl?: string;
  dataDir: string;
  embeddedPgPort: number;
  jwtSecret: string;
  jwtIssuer: string;
  jwtAudience: string;
  sessionTtlSeconds: number;
  /** how long a live session's user may be served from memory (0: never); see src/auth/auth-store.ts */
  sessionCacheSeconds: number;
  adminUsername: string;
  adminEmail?: string;
  adminPassword?: string;
  loginMaxPerMinute: number;
  /** password-reset mails per address, and reset requests per client address, per 15 minutes */
  resetMaxPerAddress: number;
  resetMaxPerIp: number;
  smtpUrl?: string;
  mailFrom: string;
  pubsub: 'memory' | 'postgres' | 'redis';
  /** the Redis adapter's server (PUBSUB=redis) */
  redisUrl: string;
  compatRoot?: SurfaceId;
  /**
   * Browser origins (serialized: `https://app.example`, no path) that may use this server with its
   * cookie besides its own: CORS with credentials (src/server/cors.ts), the cookie-write check and the
   * ws Origin check (src/server/origin.ts). `*`: any (development).
   */
  allowedOrigins: string[];
  /**
   * SameSite of the session cookie: `none` (always with Secure) when an allowed origin is cross-site to
   * PUBLIC_URL and PUBLIC_URL is https, so that origin's requests carry the cookie; else `lax`.
   * COOKIE_SAMESITE overrides the derivation.
   */
  cookieSameSite: 'lax' | 'none';
  /** trusted proxies (src/server/client-ip.ts): none, a hop count, or addresses and subnets */
  trustProxy: TrustProxy;
  /** queries and mutations run compiled by graphql-jit from their second execution (src/server/pipeline.ts) */
  graphqlJit: boolean;
  /**
   * GRAPHQL_TRUSTED_ONLY (the production setting): /graphql, over HTTP and ws, runs only the documents of
   * schema/trusted-documents.json, sent as text or by hash (src/server/trusted-documents.ts)
   */
  graphqlTrustedOnly: boolean;
  /**
   * Automatic persisted queries (src/server/apq.ts): where registered documents are shared between
   * instances (APQ_STORE), how long one is kept after its last use (0: until evicted) and how many are kept
   */
  apq: { store: 'memory' | 'postgres' | 'redis'; ttlSeconds: number; maxDocuments: number };
  /** what one user (or one address, anonymous) may hold open at once (README "Caps") */
  caps: { wsPerUser: number; wsAnonymousPerIp: number; subscriptionsPerSocket: number; sseStreamsPerUser: number };
  /** how often every graphql-ws socket is pinged (a socket that has not answered the previous ping by then is closed); 0: never */
  wsKeepAliveSeconds: number;
  uploadMaxBytes: number;
  uploadMaxFiles: number;
  limits: { maxDepth: number; maxAliases: number; maxCost: number; maxDirectives: number; maxTokens: number };
  cakeAutoActivate: boolean;
  publicUrl?: string;
  /** time limits on every database connection (src/db/limits.ts); 0: none */
  db: { statementTimeoutMs: number; lockTimeoutMs: number; poolWaitMs: number };
  /** after SIGTERM, how long /readyz answers 503 while requests are still served (src/server/drain.ts) */
  shutdownDelayMs: number;
  /** where the embedded PostgreSQL's binaries are copied when its user cannot reach node_modules (src/db/embedded.ts) */
  embeddedPgCacheDir: string;
  /** the structured log's level (src/observe/log.ts); `silent` by default under NODE_ENV=test */
  logLevel: LogLevel;
  /** `GET /metrics` (src/observe/metrics.ts): off unless METRICS_ENABLED=true; with a token, only for `Authorization: Bearer <token>` */
  metrics: { enabled: boolean; token?: string };
  /**
   * What a browser gets at GET /graphql: `sandbox` (Apollo's: the embedded Sandbox, loaded from Apollo's CDN,
   * outside production; the production landing page in production), `graphiql` (GraphiQL served from this
   * server's own npm assets, no CDN: src/server/graphql-ide.ts) or `off` (no page).
   */
  graphqlIde: GraphqlIde;
}

export const GRAPHQL_IDES = ['sandbox', 'graphiql', 'off'] as const;
export type GraphqlIde = (typeof GRAPHQL_IDES)[number];

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, def: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got ${n}`);
  return n;
}

function boolVar(env: Env, name: string, def: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  const v = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

/** TRUST_PROXY: false (default), true (one hop), a hop count, or a comma-separated list of addresses/subnets. */
function trustProxyVar(env: Env): TrustProxy {
  const raw = (env.TRUST_PROXY ?? '').trim();
  const v = raw.toLowerCase();
  if (v === '' || ['0', 'false', 'no', 'off'].includes(v)) return false;
  if (['true', 'yes', 'on'].includes(v)) return 1;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    if (hops > 10) throw new ConfigError(`TRUST_PROXY as a hop count must be at most 10, got "${raw}"`);
    return hops;
  }
  const list = raw
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  try {
    trustFunction(list);
  } catch {
    throw new ConfigError(`TRUST_PROXY must be true, false, a hop count or a comma-separated list of proxy addresses or subnets (e.g. 10.0.0.0/8, loopback), got "${raw}"`);
  }
  return list;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], def: T | undefined): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return def;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}

function urlVar(env: Env, name: string, protocols: string[]): string | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be a URL (${protocols.join(' or ')}), got something that is not a URL`);
  }
  if (!protocols.includes(url.protocol.replace(/:$/, ''))) {
    throw new ConfigError(`${name} must use ${protocols.join(' or ')}, got ${url.protocol}`);
  }
  return raw;
}

/**
 * ALLOWED_ORIGINS: comma-separated origins (`scheme://host[:port]`, a trailing slash tolerated), kept in
 * the form a browser sends in `Origin`; or `*`.
 */
function allowedOriginsVar(env: Env): string[] {
  const entries = (env.ALLOWED_ORIGINS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return entries.map((o) => {
    if (o === '*') return o;
    let url: URL | undefined;
    try {
      url = new URL(o);
    } catch {
      url = undefined;
    }
    if (!url || !['http:', 'https:'].includes(url.protocol) || url.pathname !== '/' || url.search || url.hash || url.username || url.password) {
      throw new ConfigError(`ALLOWED_ORIGINS must be a comma-separated list of origins such as https://app.example.com (or *), got "${o}"`);
    }
    return url.origin;
  });
}

/**
 * The session cookie's SameSite (COOKIE_SAMESITE: auto, lax or none). auto: `none` when PUBLIC_URL is
 * https and some listed origin is cross-site to it (src/server/site.ts), else `lax`. `*` does not count
 * as a cross-site origin: it is for development, where the frontend is usually same-site (localhost).
 * `none` needs an https PUBLIC_URL: browsers drop a SameSite=None cookie that is not Secure.
 */
function cookieSameSiteVar(env: Env, origins: string[], publicUrl: string | undefined): 'lax' | 'none' {
  const https = publicUrl?.startsWith('https:') === true;
  const mode = oneOf(env, 'COOKIE_SAMESITE', ['auto', 'lax', 'none'] as const, 'auto')!;
  if (mode === 'none' && !https) throw new ConfigError('COOKIE_SAMESITE=none needs an https PUBLIC_URL (a SameSite=None cookie must be Secure)');
  if (mode !== 'auto') return mode;
  return https && origins.some((o) => o !== '*' && !sameSite(o, publicUrl!)) ? 'none' : 'lax';
}

/**
 * METRICS_TOKEN: what a scraper sends as `Authorization: Bearer <token>`. At least 16 characters of
 * the characters a bearer token may hold (RFC 6750), so it can be sent as it is.
 */
function metricsTokenVar(env: Env): string | undefined {
  const raw = env.METRICS_TOKEN;
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 16 || !/^[A-Za-z0-9\-._~+/]+=*$/.test(raw)) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 characters of letters, digits and -._~+/ (a bearer token)');
  }
  return raw;
}

/** The secret is required in production; elsewhere one is generated once and kept in DATA_DIR. */
function jwtSecret(env: Env, isProduction: boolean, dataDir: string): string {
  const raw = env.JWT_SECRET;
  if (raw !== undefined && raw !== '') {
    if (raw.length < 32) throw new ConfigError('JWT_SECRET must be at least 32 characters long');
    return raw;
  }
  if (isProduction) throw new ConfigError('JWT_SECRET is required when NODE_ENV=production');
  const file = join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true, mode: 0o755 });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}

export type DatabaseConfig = Pick<AppConfig, 'databaseUrl' | 'dataDir' | 'embeddedPgPort' | 'embeddedPgCacheDir'>;

/**
 * Where the database is: DATABASE_URL, else the embedded PostgreSQL's folder and port. loadConfig reads
 * these through it, and so does the MikroORM CLI (src/db/cli-database.ts), which needs nothing else
 * (no JWT_SECRET in production, say).
 */
export function loadDatabaseConfig(env: Env = process.env): DatabaseConfig {
  return {
    databaseUrl: urlVar(env, 'DATABASE_URL', ['postgres', 'postgresql']),
    dataDir: resolve(env.DATA_DIR || '.data'),
    embeddedPgPort: intVar(env, 'EMBEDDED_PG_PORT', 54329, 1024, 65535),
    embeddedPgCacheDir: resolve(env.EMBEDDED_PG_CACHE_DIR || '/var/cache/interchange'),
  };
}

export function loadConfig(env: Env = process.env): AppConfig {
  const nodeEnv = oneOf(env, 'NODE_ENV', ['development', 'production', 'test'] as const, 'development')!;
  const isProduction = nodeEnv === 'production';
  const { databaseUrl, dataDir, embeddedPgPort, embeddedPgCacheDir } = loadDatabaseConfig(env);
  const adminPassword = env.ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length < 8) {
    throw new ConfigError('ADMIN_PASSWORD must be at least 8 characters long');
  }
  const adminEmail = env.ADMIN_EMAIL || undefined;
  if (adminEmail !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(adminEmail)) {
    throw new ConfigError(`ADMIN_EMAIL must be an email address, got "${adminEmail}"`);
  }
  const origins = allowedOriginsVar(env);
  const publicUrl = urlVar(env, 'PUBLIC_URL', ['http', 'https']);
  return Object.freeze({
    nodeEnv,
    isProduction,
    host: env.HOST || '0.0.0.0',
    port: intVar(env, 'PORT', 4000, 0, 65535),
    databaseUrl,
    dataDir,
    embeddedPgPort,
    jwtSecret: jwtSecret(env, isProduction, dataDir),
    jwtIssuer: env.JWT_ISSUER || 'interchange',
    jwtAudience: env.JWT_AUDIENCE || 'interchange',
    sessionTtlSeconds: intVar(env, 'SESSION_TTL_HOURS', 168, 1, 24 * 366) * 3600,
    sessionCacheSeconds: intVar(env, 'SESSION_CACHE_SECONDS', 30, 0, 3600),
    adminUsername: env.ADMIN_USERNAME || 'admin',
    adminEmail,
    adminPassword,
    loginMaxPerMinute: intVar(env, 'LOGIN_MAX_PER_MINUTE', 5, 1, 100000),
    resetMaxPerAddress: intVar(env, 'RESET_MAX_PER_ADDRESS', 3, 1, 1000),
    resetMaxPerIp: intVar(env, 'RESET_MAX_PER_IP', 10, 1, 100000),
    smtpUrl: urlVar(env, 'SMTP_URL', ['smtp', 'smtps']),
    mailFrom: env.MAIL_FROM || 'Interchange <no-reply@interchange.local>',
    pubsub: oneOf(env, 'PUBSUB', ['memory', 'postgres', 'redis'] as const, 'postgres')!,
    redisUrl: urlVar(env, 'REDIS_URL', ['redis', 'rediss']) ?? 'redis://127.0.0.1:6379',
    compatRoot: oneOf(env, 'COMPAT_ROOT', SURFACES, undefined),
    allowedOrigins: origins,
    cookieSameSite: cookieSameSiteVar(env, origins, publicUrl),
    trustProxy: trustProxyVar(env),
    graphqlJit: boolVar(env, 'GRAPHQL_JIT', true),
    graphqlTrustedOnly: boolVar(env, 'GRAPHQL_TRUSTED_ONLY', false),
    // the deployment's shared backend by default: the one its events already go through
    apq: {
      store: oneOf(env, 'APQ_STORE', ['memory', 'postgres', 'redis'] as const, oneOf(env, 'PUBSUB', ['memory', 'postgres', 'redis'] as const, 'postgres'))!,
      ttlSeconds: intVar(env, 'APQ_TTL_SECONDS', 86_400, 0, 366 * 86_400),
      maxDocuments: intVar(env, 'APQ_MAX_DOCUMENTS', 10_000, 1, 10_000_000),
    },
    caps: {
      wsPerUser: intVar(env, 'WS_MAX_CONNECTIONS_PER_USER', 50, 1, 100000),
      wsAnonymousPerIp: intVar(env, 'WS_MAX_ANONYMOUS_PER_IP', 50, 1, 100000),
      subscriptionsPerSocket: intVar(env, 'WS_MAX_SUBSCRIPTIONS_PER_SOCKET', 100, 1, 100000),
      sseStreamsPerUser: intVar(env, 'SSE_MAX_STREAMS_PER_USER', 20, 1, 100000),
    },
    wsKeepAliveSeconds: intVar(env, 'WS_KEEPALIVE_SECONDS', 25, 0, 3600),
    uploadMaxBytes: intVar(env, 'UPLOAD_MAX_BYTES', 10 * 1024 * 1024, 1, 1024 * 1024 * 1024),
    uploadMaxFiles: intVar(env, 'UPLOAD_MAX_FILES', 5, 1, 100),
    limits: {
      maxDepth: intVar(env, 'GRAPHQL_MAX_DEPTH', 7, 2, 100),
      maxAliases: intVar(env, 'GRAPHQL_MAX_ALIASES', 15, 1, 1000),
      maxCost: intVar(env, 'GRAPHQL_MAX_COST', 100000, 10, 10000000),
      maxDirectives: intVar(env, 'GRAPHQL_MAX_DIRECTIVES', 50, 1, 1000),
      maxTokens: intVar(env, 'GRAPHQL_MAX_TOKENS', 2000, 100, 1000000),
    },
    cakeAutoActivate: boolVar(env, 'CAKE_AUTO_ACTIVATE', false),
    publicUrl,
    db: {
      statementTimeoutMs: intVar(env, 'DB_STATEMENT_TIMEOUT_MS', 10_000, 0, 3_600_000),
      lockTimeoutMs: intVar(env, 'DB_LOCK_TIMEOUT_MS', 5_000, 0, 3_600_000),
      poolWaitMs: intVar(env, 'DB_POOL_WAIT_MS', 5_000, 1, 600_000),
    },
    // a balancer needs a few seconds to notice /readyz before the listener goes; nobody waits for one in development
    shutdownDelayMs: intVar(env, 'SHUTDOWN_DELAY_MS', isProduction ? 5_000 : 0, 0, 600_000),
    embeddedPgCacheDir,
    // tests stay quiet unless one asks for lines (a test that reads them gives a destination of its own)
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, nodeEnv === 'test' ? 'silent' : 'info')!,
    metrics: { enabled: boolVar(env, 'METRICS_ENABLED', false), token: metricsTokenVar(env) },
    graphqlIde: oneOf(env, 'GRAPHQL_IDE', GRAPHQL_IDES, 'sandbox')!,
  });
}
