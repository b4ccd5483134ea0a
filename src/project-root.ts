/**
 * The project's folder (where its package.json named `interchange` is), found by walking up from this
 * file — src/ under ts-node and ts-jest, dist/src/ when compiled (issue 9: a path fixed relative to the
 * source broke the compiled server) — else from the working directory.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | null | undefined;

export function projectRoot(): string | null {
  if (root !== undefined) return root;
  for (const start of [__dirname, process.cwd()]) {
    for (let dir = start; ; dir = dirname(dir)) {
      try {
        if ((JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string }).name === 'interchange') return (root = dir);
      } catch {
        /* none here, or not JSON: keep walking */
      }
      if (dirname(dir) === dir) break;
    }
  }
  return (root = null);
}

export interface PackageInfo {
  name: string;
  version: string;
  description?: string;
  license?: string;
  homepage?: string;
  author?: string | { name?: string };
}

let pkg: PackageInfo | undefined;

/** The project's package.json, or placeholders when it cannot be found (sysinfo, the front door). */
export function packageInfo(): PackageInfo {
  if (pkg) return pkg;
  const root = projectRoot();
  try {
    if (root) return (pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageInfo);
  } catch {
    /* unreadable: the placeholders below */
  }
  return (pkg = { name: 'interchange', version: '0.0.0' });
}
