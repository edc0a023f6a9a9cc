import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { packageRoot } from '../../core/paths/packageRoot';
import { generatedDocs, REGENERATE } from './generatedDocs';

/** `npm run docs` writes the generated docs; `npm run docs -- --check` exits 1 when any is stale. */
const root = packageRoot();
const check = process.argv.includes('--check');
const stale: string[] = [];
for (const [path, content] of generatedDocs(root)) {
  const file = join(root, path);
  if (existsSync(file) && readFileSync(file, 'utf8') === content) continue;
  stale.push(path);
  if (check) continue;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
}
if (check && stale.length) {
  process.stderr.write(`out of date: ${stale.join(', ')}; run ${REGENERATE}\n`);
  process.exitCode = 1;
} else process.stdout.write(stale.length ? `wrote ${stale.join(', ')}\n` : 'generated docs are up to date\n');
