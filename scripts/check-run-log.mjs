#!/usr/bin/env node
/**
 * Searches the log of a whole test run (TEST_RUN_LOG, written by the test servers: tests/support/server.ts)
 * for secrets: the passwords the tests sign in with, anything shaped like a token (JWT) or a password hash
 * (argon2). Every line must also be one JSON object. Prints one line per finding (the secret masked) and
 * exits 1 when there is any, or when the log is too small for the search to mean anything.
 *
 *   node scripts/check-run-log.mjs FILE
 */
import { readFileSync } from 'node:fs';

// the passwords of the test helpers (tests/support/server.ts, conduct.helpers.ts, cakeplanner.helpers.ts)
// and of the bootstrap-admin tests
const PASSWORDS = ['correct horse battery', 'Str0ng!pass', 'bootstrap secret', 'bootstrap-pass'];
const SHAPES = [
  ['a token (JWT)', /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/],
  ['a password hash (argon2)', /\$argon2(?:id|i|d)\$v=\d+\$/],
];
const MIN_LINES = 1000;

const file = process.argv[2];
if (!file) {
  console.error('usage: node scripts/check-run-log.mjs FILE');
  process.exit(2);
}
let text = '';
try {
  text = readFileSync(file, 'utf8');
} catch (err) {
  console.error(`run log: cannot read ${file}: ${err.message}`);
  process.exit(1);
}
const lines = text.split('\n').filter(Boolean);
const findings = [];
const mask = (s) => `${s.slice(0, 3)}…(${s.length} characters)`;
lines.forEach((line, i) => {
  try {
    JSON.parse(line);
  } catch {
    findings.push(`line ${i + 1}: not one JSON object: ${line.slice(0, 80)}`);
  }
  for (const p of PASSWORDS) if (line.includes(p)) findings.push(`line ${i + 1}: a test password ${mask(p)}`);
  for (const [what, re] of SHAPES) {
    const m = re.exec(line);
    if (m) findings.push(`line ${i + 1}: ${what} ${mask(m[0])}`);
  }
});
if (lines.length < MIN_LINES) findings.push(`only ${lines.length} lines (fewer than ${MIN_LINES}): the search would prove nothing`);
for (const f of findings.slice(0, 20)) console.log(`run log: ${f}`);
if (findings.length > 20) console.log(`run log: … and ${findings.length - 20} more`);
console.log(
  `run log: ${lines.length} lines searched for ${PASSWORDS.length} test passwords, tokens and password hashes: ${findings.length ? `${findings.length} findings` : 'none found'}`,
);
process.exit(findings.length ? 1 : 0);
