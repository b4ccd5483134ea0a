/**
 * Generated things are committed and checked: the SDL in schema/schema.graphql, the typed documents
 * of codegen, and the migrations (a fresh database migrated to the end matches the entities).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { printGraphSchema } from '../src/server/schema';
import { openOrm } from '../src/db/orm';
import { createTestDatabase } from './support/server';

const root = join(__dirname, '..');

it('schema/schema.graphql is what the code emits (run `npm run schema:emit`)', async () => {
  const committed = readFileSync(join(root, 'schema', 'schema.graphql'), 'utf8');
  expect(committed).toBe(await printGraphSchema());
});

it('src/generated/graphql.ts is what codegen writes (run `npm run codegen`)', () => {
  // graphql-codegen --check exits non-zero when the output would change.
  expect(() =>
    execFileSync(process.execPath, [join(root, 'node_modules', '@graphql-codegen', 'cli', 'cjs', 'bin.js'), '--config', 'codegen.yml', '--check'], { cwd: root, stdio: 'pipe' }),
  ).not.toThrow();
});

it('the migrations build exactly the schema the entities describe', async () => {
  const orm = await openOrm(await createTestDatabase());
  try {
    const diff = await orm.getSchemaGenerator().getUpdateSchemaSQL({ wrap: false, safe: false, dropTables: true });
    expect(diff.trim()).toBe('');
  } finally {
    await orm.close(true);
  }
});
