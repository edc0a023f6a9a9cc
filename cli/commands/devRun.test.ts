import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'clinflow.js');

describe('clinflow dev', () => {
  it('starts everything, serves health, and shuts down cleanly on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clinflow-dev-'));
    const child = spawn(process.execPath, [BIN, 'dev', '--port', '0', '--data-dir', dataDir, '--patients', '1'], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no "ready" within 60 s:\n${out}`)), 60_000);
        child.stdout.on('data', () => {
          if (/^ready$/m.test(out)) {
            clearTimeout(timer);
            resolve();
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
      });
      // Every shipped workflow loads (counted, so adding one does not break this test).
      expect(out).toContain(`${readdirSync(join(ROOT, 'workflows')).filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml')).length} workflows loaded`);
      const health = /GET {2}(http:\/\/127\.0\.0\.1:\d+)\/health/.exec(out)?.[1];
      expect(health).toBeDefined();
      const res = await fetch(`${health}/health`);
      expect(res.status).toBe(200);
      const bad = await fetch(`${health}/fhir/notify/sandbox`, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, body: '{"resourceType":' });
      expect(bad.status).toBeGreaterThanOrEqual(400);
      expect(bad.status).toBeLessThan(500);
      expect(((await bad.json()) as { resourceType: string }).resourceType).toBe('OperationOutcome');
      const exit = new Promise<number | null>((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      expect(out).toMatch(/SIGTERM: shutting down/);
    } finally {
      child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 90_000);
});

describe('clinflow run', () => {
  it('runs one workflow against a sample event and prints its history', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clinflow-run-'));
    writeFileSync(
      join(dir, 'wait-then-succeed.yaml'),
      ['workflow: wait-then-succeed', 'version: 1', 'steps:', '  - id: pause', '    wait: P2D', '  - id: done', '    succeed:', '      output:', '        got: "{% $event.value %}"', ''].join('\n'),
    );
    writeFileSync(join(dir, 'event.json'), JSON.stringify({ value: 42 }));
    const r = spawnSync(process.execPath, [BIN, 'run', join(dir, 'wait-then-succeed.yaml'), '--event', join(dir, 'event.json')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/WaitStateEntered/);
    expect(r.stdout).toMatch(/\+48\.0h\s+WaitStateExited/);
    expect(r.stdout).toMatch(/^SUCCEEDED$/m);
    expect(r.stdout).toMatch(/output: \{"got":42\}/);
  }, 90_000);

  it('exits 2 when the event file is not JSON', () => {
    const dir = mkdtempSync(join(tmpdir(), 'clinflow-run-'));
    writeFileSync(join(dir, 'event.json'), '{nope');
    const r = spawnSync(process.execPath, [BIN, 'run', join(ROOT, 'workflows', 'cancel-reminders.yaml'), '--event', join(dir, 'event.json')], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    rmSync(dir, { recursive: true, force: true });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--event .*event\.json/);
  }, 90_000);
});
