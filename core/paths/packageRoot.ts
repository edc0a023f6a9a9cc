import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The folder of clinflow's own package.json, found by walking up from this module: the same answer
 * from the TypeScript sources (tests, tsx) and from the compiled bundle, whose chunks sit in
 * `dist/` at a depth that is not the source's. Assets (console styles, the built console script,
 * Lambda entry points, the sandbox's definition cache) are found from here, never from a module's
 * own folder.
 */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = dirname(fileURLToPath(import.meta.url)); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown };
      if (pkg.name === 'clinflow') return (root = dir);
    } catch {
      // no package.json here: keep walking up
    }
  }
  throw new Error('clinflow: cannot find its own package.json above its modules');
}
