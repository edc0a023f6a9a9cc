/**
 * One naming scheme for modules (#13): camelCase file names, a class's file named after it
 * (`journalStore.ts` holds JournalStore), never PascalCase beside camelCase. And for test kits: a kit beside product code is `<name>.testkit.ts`, not a
 * file in a `testing/` folder, a `*Fixture.ts` or a `*Kit.ts`. The top-level `testing/` is the
 * public `clinflow/testing` package; `test/` holds test code only.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const files = execFileSync('git', ['ls-files', '*.ts'], { cwd: ROOT, encoding: 'utf8' }).split('\n').filter(Boolean);

describe('test kits', () => {
  it('are named <name>.testkit.ts outside test/ and the public testing/ package', () => {
    expect(files.length).toBeGreaterThan(300);
    const offScheme = files.filter((f) => !f.startsWith('test/') && !f.startsWith('testing/') && (/(^|\/)testing\//.test(f) || /(Fixture|Kit|Child)\.ts$/.test(f)));
    expect(offScheme).toEqual([]);
    expect(files.filter((f) => f.endsWith('.testkit.ts')).length).toBeGreaterThanOrEqual(10);
  });
});

describe('module file names', () => {
  it('are camelCase: none starts with a capital', () => {
    expect(files.filter((f) => /^[A-Z]/.test(f.split('/').pop()!))).toEqual([]);
  });
});
