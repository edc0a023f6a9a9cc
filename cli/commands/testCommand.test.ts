import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'clinflow.js');
const clinflow = (args: string[], cwd = ROOT) => spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clinflow-test-cmd-'));
  copyFileSync(join(ROOT, 'workflows', 'cancel-reminders.yaml'), join(dir, 'cancel-reminders.yaml'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('clinflow test', () => {
  it('by workflow name: prints ✓ per test and "N passed, 0 failed", exit 0', () => {
    const r = clinflow(['test', 'cancel-reminders']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^workflows\/cancel-reminders\.test\.yaml$/m);
    expect(r.stdout).toMatch(/^ {2}✓ a stopped order's reminders are cancelled \(/m);
    expect(r.stdout).toMatch(/^2 passed, 0 failed \(1 file/m);
    expect(r.status).toBe(0);
  }, 150_000);

  it('a changed expectation: ✗, the expectation, a readable diff, "1 passed, 1 failed", exit 1', () => {
    const text = readFileSync(join(ROOT, 'workflows', 'cancel-reminders.test.yaml'), 'utf8').replace('path: [cancel]', 'path: [cancel, notify]');
    writeFileSync(join(dir, 'cancel-reminders.test.yaml'), text);
    const r = clinflow(['test', join(dir, 'cancel-reminders.yaml')]);
    expect(r.stdout).toMatch(/✗ a stopped order's reminders are cancelled/);
    expect(r.stdout).toContain(['      path: the path taken differs', '        - expected  + actual', '          - cancel', '        - - notify'].join('\n'));
    expect(r.stdout).toMatch(/^1 passed, 1 failed/m);
    expect(r.status).toBe(1);
  }, 150_000);

  it('--json: totals, per-test failures with their diff', () => {
    const text = readFileSync(join(ROOT, 'workflows', 'cancel-reminders.test.yaml'), 'utf8').replace('status: SUCCEEDED', 'status: FAILED');
    writeFileSync(join(dir, 'cancel-reminders.test.yaml'), text);
    const r = clinflow(['test', dir, '--json']);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout) as { passed: number; failed: number; files: { tests: { name: string; passed: boolean; failures: { field: string; diff: string[] }[] }[] }[] };
    expect(report).toMatchObject({ passed: 1, failed: 1 });
    expect(report.files[0]!.tests[0]!.failures).toEqual([expect.objectContaining({ field: 'status', diff: ['- FAILED', '+ SUCCEEDED'] })]);
  }, 150_000);

  it('an invalid test file: file:line:col diagnostics, exit 2', () => {
    writeFileSync(
      join(dir, 'cancel-reminders.test.yaml'),
      ['tests:', '  - name: x', '    trigger: { resource: MedicationRequest/m1 }', '    runFor: soon', '    expect: { status: SUCCEEDED }', ''].join('\n'),
    );
    const r = clinflow(['test', join(dir, 'cancel-reminders.test.yaml')]);
    expect(r.stderr).toMatch(/cancel-reminders\.test\.yaml:4:13: error: a duration such as PT2H.* \[tests\[0\]\.runFor\]/);
    expect(r.stdout).toMatch(/1 test file invalid/);
    expect(r.status).toBe(2);
  }, 150_000);

  it('a name with no test file is a usage error, exit 2', () => {
    const r = clinflow(['test', 'no-such-workflow']);
    expect(r.stderr).toMatch(/no test file for 'no-such-workflow'/);
    expect(r.status).toBe(2);
  }, 150_000);
});
