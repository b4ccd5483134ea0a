/** `npm run schema:emit`: writes schema/schema.graphql from the code. */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { printGraphSchema } from './schema';

export const SCHEMA_FILE = join(__dirname, '..', '..', 'schema', 'schema.graphql');

if (require.main === module) {
  printGraphSchema().then((sdl) => {
    mkdirSync(join(SCHEMA_FILE, '..'), { recursive: true });
    writeFileSync(SCHEMA_FILE, sdl);
    console.log(`wrote ${SCHEMA_FILE}`);
  });
}
