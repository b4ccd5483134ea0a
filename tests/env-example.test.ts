/**
 * .env.example lists every environment variable the server reads: each `process.env.X` in src/ (and
 * mikro-orm.config.ts), each variable src/config.ts validates, and each one loadConfig actually asks for.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config';
import { ROOT } from './support/process';

const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
/** `NAME=` lines, commented out or not */
const listed = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'generated' ? [] : sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });
}

/** Names read in the source: process.env.X, process.env['X'], env.X and intVar(env, 'X', …)-style reads. */
function readInSource(): Map<string, string> {
  const found = new Map<string, string>();
  const patterns = [/process\.env\.([A-Z][A-Z0-9_]*)/g, /process\.env\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\]/g, /\benv\.([A-Z][A-Z0-9_]*)/g, /\(\s*env\s*,\s*'([A-Z][A-Z0-9_]*)'/g];
  for (const file of [...sources(join(ROOT, 'src')), join(ROOT, 'mikro-orm.config.ts')]) {
    const text = readFileSync(file, 'utf8');
    for (const re of patterns) for (const m of text.matchAll(re)) if (!found.has(m[1])) found.set(m[1], file.slice(ROOT.length + 1));
  }
  return found;
}

it('lists every variable the source reads', () => {
  const read = readInSource();
  expect(read.size).toBeGreaterThanOrEqual(45); // the scan finds the config's variables, not nothing
  const missing = [...read].filter(([name]) => !listed.has(name)).map(([name, file]) => `${name} (${file})`);
  expect(missing).toEqual([]);
});

it('lists every variable loadConfig asks for', () => {
  const asked = new Set<string>();
  const env = new Proxy({ DATA_DIR: mkdtempSync(join(tmpdir(), 'ix-env-')) } as Record<string, string | undefined>, {
    get(target, name) {
      if (typeof name === 'string') asked.add(name);
      return target[name as string];
    },
  });
  loadConfig(env);
  expect(asked.size).toBeGreaterThanOrEqual(40);
  expect([...asked].filter((name) => !listed.has(name))).toEqual([]);
});

it('has every assignment commented out (nothing is required in development) and every knob of the operator toolkit', () => {
  const live = example.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
  expect(live).toEqual([]);
  for (const name of [
    'GRAPHQL_IDE',
    'GRAPHQL_TRUSTED_ONLY',
    'APQ_STORE',
    'APQ_TTL_SECONDS',
    'APQ_MAX_DOCUMENTS',
    'OTEL_EXPORTER_OTLP_ENDPOINT',
    'OTEL_EXPORTER_OTLP_PROTOCOL',
    'OTEL_SERVICE_NAME',
  ]) {
    expect([name, listed.has(name)]).toEqual([name, true]);
  }
});
