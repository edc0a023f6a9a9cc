import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const BIN = join(ROOT, 'dist', 'clinflow.js');
const FIX = join(ROOT, 'workflows', 'fixtures');
const clinflow = (args: string[]) => spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NO_COLOR: '1' } });

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clinflow-run-cmd-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('clinflow run', () => {
  it('by name, --resource and --fixtures: builds the change event, runs the order through, exit 0', () => {
    const r = clinflow(['run', 'medication-reminders', '--resource', join(FIX, 'medication-order.json'), '--fixtures', join(FIX, 'medication-reminders.bundle.json'), '--at', '2026-03-09T14:00:00Z']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^path: order → replaceOld → plan → schedule$/m);
    expect(r.stdout).toMatch(/^schedules created: 3$/m);
    expect(r.stdout).toMatch(/^SUCCEEDED$/m);
    expect(r.stdout).toMatch(/^execution: run-20260309T140000-[0-9a-f]{8}$/m);
    expect(r.status).toBe(0);
  }, 150_000);

  it('an order the FHIR server does not have: FAILED at the step that read it, in plain words, exit 1', () => {
    const r = clinflow(['run', 'medication-reminders', '--resource', join(FIX, 'medication-order-unknown.json'), '--fixtures', join(FIX, 'medication-reminders.bundle.json')]);
    expect(r.stdout).toMatch(/^FAILED at step order: FHIR\.NotFound — read MedicationRequest failed with HTTP 404$/m);
    expect(r.stdout).not.toMatch(/^SUCCEEDED$/m);
    expect(r.status).toBe(1);
  }, 150_000);

  it("by path, a resource the trigger's where does not match: says so, starts nothing, exit 1", () => {
    const r = clinflow(['run', 'workflows/medication-reminders.yaml', '--resource', join(FIX, 'medication-order-draft.json'), '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'NOT_TRIGGERED', reason: "where: status = 'active' and intent = 'order' is false for MedicationRequest/med-1" });
    expect(r.status).toBe(1);
  }, 150_000);

  it('--answer: the care team accepts at +20m, the execution resumes and does not escalate', () => {
    const r = clinflow([
      'run',
      'abnormal-lab',
      '--resource',
      join(FIX, 'critical-potassium.json'),
      '--fixtures',
      join(FIX, 'abnormal-lab.bundle.json'),
      '--answer',
      'acknowledge=accepted@20m',
      '--json',
    ]);
    const out = JSON.parse(r.stdout) as { status: string; path: string[]; messages: unknown[]; tasks: { status: string }[]; history: { type: string; timestamp: string }[] };
    expect(out).toMatchObject({ status: 'SUCCEEDED', path: ['observation', 'acknowledge'], messages: [], tasks: [{ status: 'accepted' }] });
    const t = out.history.map((e) => Date.parse(e.timestamp));
    expect(t.at(-1)! - t[0]!).toBe(20 * 60_000);
    expect(r.status).toBe(0);
  }, 150_000);

  it('unique execution names: two runs of the same input are named differently', () => {
    const event = {
      version: '0',
      id: 'e1',
      source: 'clinflow.fhir',
      'detail-type': 'FHIR Resource Changed',
      time: '2026-03-09T14:00:00Z',
      resources: ['MedicationRequest/med-1'],
      detail: {
        server: 'http://x/fhir',
        reference: 'MedicationRequest/med-1',
        resourceType: 'MedicationRequest',
        id: 'med-1',
        interaction: 'update',
        origin: 'polling',
        attributes: { status: 'stopped' },
        dedupeKey: 'k',
      },
    };
    writeFileSync(join(dir, 'event.json'), JSON.stringify(event));
    const runs = [0, 1].map(
      () => JSON.parse(clinflow(['run', 'cancel-reminders', '--event', join(dir, 'event.json'), '--at', '2026-03-09T14:00:00Z', '--json']).stdout) as { name: string; status: string },
    );
    expect(runs.map((x) => x.status)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(runs[0]!.name).toMatch(/^run-20260309T140000-[0-9a-f]{8}$/);
    expect(runs[1]!.name).not.toBe(runs[0]!.name);
  }, 240_000);

  it('a guarded workflow whose resource the server does not have: skipped by the guard, exit 1', () => {
    const r = clinflow(['run', 'abnormal-lab', '--resource', join(FIX, 'critical-potassium.json')]);
    expect(r.stdout).toMatch(/skipped by the trigger's guard: the resource could not be read/);
    expect(r.status).toBe(1);
  }, 150_000);

  it('usage: neither --event nor --resource, a bad --answer, or an unknown workflow: exit 2', () => {
    expect(clinflow(['run', 'cancel-reminders']).status).toBe(2);
    const bad = clinflow(['run', 'abnormal-lab', '--resource', join(FIX, 'critical-potassium.json'), '--answer', 'acknowledge']);
    expect(bad.stderr).toMatch(/--answer acknowledge: expected step=status/);
    expect(bad.status).toBe(2);
    const unknown = clinflow(['run', 'no-such-workflow', '--event', join(FIX, 'critical-potassium.json')]);
    expect(unknown.stderr).toMatch(/no workflow 'no-such-workflow'/);
    expect(unknown.status).toBe(2);
    expect(readFileSync(join(FIX, 'critical-potassium.json'), 'utf8')).toContain('k-critical');
  }, 240_000);
});
