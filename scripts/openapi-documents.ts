/**
 * Writes each surface's OpenAPI document (the one GET /<surface>/openapi.json serves) to a folder, for
 * `npm run lint:openapi` (redocly lint) and anyone who wants the files: no server, no database.
 *
 *   ts-node --transpile-only scripts/openapi-documents.ts [folder]   (default: a new temp folder)
 *
 * Prints the paths written, one a line.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { getSchema } from '../src/server/schema';
import { surfaces } from '../src/rest/surfaces';
import { openApiDocument } from '../src/rest/engine/openapi';

async function main(): Promise<void> {
  const dir = process.argv[2] ? resolve(process.argv[2]) : mkdtempSync(join(tmpdir(), 'interchange-openapi-'));
  mkdirSync(dir, { recursive: true });
  const schema = await getSchema();
  for (const surface of surfaces) {
    const file = join(dir, `${surface.id}.openapi.json`);
    writeFileSync(file, JSON.stringify(openApiDocument(surface, schema), null, 2) + '\n');
    console.log(file);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
