/**
 * MikroORM options, shared by the server (src/db/orm.ts) and the CLI (`npm run migration:create`).
 * Migrations are listed statically (migrations/index.ts) so ts-node, jest and compiled code load them alike.
 * The default export is the CLI's: it works on `npm start`'s database (src/db/cli-database.ts).
 */
import 'reflect-metadata';
import { defineConfig, Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { entities } from './src/db/entities';
import { migrationsList } from './migrations';
import { noteStatement } from './src/auth/auth-writes';
import { cliDatabaseUrlOrExit } from './src/db/cli-database';

export function ormOptions(clientUrl: string, overrides: Partial<Options> = {}): Options {
  return defineConfig({
    clientUrl,
    entities,
    extensions: [Migrator],
    migrations: {
      path: 'migrations',
      pathTs: 'migrations',
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      emit: 'ts',
      snapshot: false,
      migrationsList,
      silent: true,
    },
    // tables owned by plain SQL, no entity maps them: the login attempt counter (src/auth/auth-store.ts,
    // identity migration), the Idempotency-Key records (src/db/idempotency.ts) and the APQ cache (src/server/apq.ts)
    schemaGenerator: { skipTables: ['rate_limits', 'idempotency_keys', 'apq_documents'] },
    forceUtcTimezone: true,
    allowGlobalContext: false,
    debug: false,
    pool: { min: 0, max: 10 },
    // changes to users and sessions make the request wait for the session caches (src/auth/auth-writes.ts)
    onQuery: noteStatement,
    ...overrides,
  });
}

export default async function cliOptions(): Promise<Options> {
  return ormOptions(await cliDatabaseUrlOrExit(), {
    migrations: { path: 'migrations', pathTs: 'migrations', glob: 'Migration*.{js,ts}', emit: 'ts', snapshot: false },
  });
}
