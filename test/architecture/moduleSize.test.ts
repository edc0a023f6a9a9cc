/**
 * Modules stay small, one job each (#13): a source module over 400 lines states why at its top, in
 * a comment line starting `Size:` within its first 40 lines (a reason of at least 40 characters).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const LIMIT = 400;

const modules = execFileSync('git', ['ls-files', '*.ts'], { cwd: ROOT, encoding: 'utf8' })
  .split('\n')
  .filter((f) => f !== '' && !f.endsWith('.test.ts') && !f.endsWith('.d.ts'))
  .map((file) => ({ file, lines: readFileSync(join(ROOT, file), 'utf8').split('\n') }));

const reasonOf = (lines: readonly string[]): string | undefined =>
  lines
    .slice(0, 40)
    .map((l) => /^\s*(?:\/\/|\*)\s*Size: (.+)$/.exec(l)?.[1])
    .find((r) => r !== undefined);

describe('module size', () => {
  it(`every module over ${LIMIT} lines says why at its top (Size: …)`, () => {
    expect(modules.length).toBeGreaterThan(300);
    const unexplained = modules.filter((m) => m.lines.length > LIMIT && (reasonOf(m.lines)?.length ?? 0) < 40).map((m) => `${m.file} (${m.lines.length})`);
    expect(unexplained).toEqual([]);
  });
});
