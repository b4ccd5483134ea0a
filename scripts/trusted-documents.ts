/**
 * Writes schema/trusted-documents.json, the allow-list of GRAPHQL_TRUSTED_ONLY (src/server/trusted-documents.ts):
 * every GraphQL document the project's own clients send, by the SHA-256 of its text —
 * - the REST surfaces' operations (src/rest/<surface>/, the documents codegen compiles), read from the
 *   route tables the engine runs, resume queries of the SSE routes included;
 * - the live dashboard's documents, read from public/dashboard/documents.mjs, the module the page imports.
 * Run by `npm run codegen` after graphql-codegen. `--check` writes nothing and exits 1 when the committed
 * file differs (tests/trusted-documents.test.ts runs it).
 */
import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { surfaces } from '../src/rest/surfaces';
import { projectRoot } from '../src/project-root';
import { manifestOf, MANIFEST_PATH } from '../src/server/trusted-documents';

/** Every document the REST route tables execute. */
function restDocuments(): string[] {
  const texts: string[] = [];
  for (const surface of surfaces) {
    for (const route of surface.routes) {
      if (route.kind === 'plain') continue;
      texts.push(route.operation);
      if (route.kind === 'sse') texts.push(route.resume.operation);
    }
  }
  return texts;
}

/** The dashboard's documents, from the ES module the page itself imports (a native import: it is not TypeScript). */
async function dashboardDocuments(root: string): Promise<string[]> {
  const mod = (await import(pathToFileURL(join(root, 'public', 'dashboard', 'documents.mjs')).href)) as { DOCUMENTS: Record<string, string> };
  return Object.values(mod.DOCUMENTS);
}

async function main(): Promise<void> {
  const root = projectRoot();
  if (!root) throw new Error('the project folder (package.json "interchange") was not found');
  const manifest = manifestOf([...restDocuments(), ...(await dashboardDocuments(root))]);
  const text = JSON.stringify(manifest, null, 2) + '\n';
  const file = join(root, MANIFEST_PATH);
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      /* missing: stale */
    }
    if (committed !== text) {
      console.error(`${MANIFEST_PATH} is stale (${Object.keys(manifest).length} documents expected): run npm run codegen`);
      process.exit(1);
    }
    console.log(`${MANIFEST_PATH} is up to date (${Object.keys(manifest).length} documents)`);
    return;
  }
  writeFileSync(file, text);
  console.log(`wrote ${MANIFEST_PATH} (${Object.keys(manifest).length} documents)`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
