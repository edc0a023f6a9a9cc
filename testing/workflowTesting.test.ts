/**
 * The `clinflow/testing` export, used the way a project's own TypeScript tests would: through the
 * package's exports map (jest resolves the self-reference), not a relative path.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { WorkflowTestEnvironment, runTestFile, loadTestFile, partialMatch, lineDiff, exitCodeOf, formatTestResult } from 'clinflow/testing';
import type { FhirResource } from '../schemas/fhirPort';
import { workflowTestJsonSchema } from './testJsonSchema';
import { startSandbox } from '../sandbox/startSandbox';

const ROOT = join(__dirname, '..');
const WORKFLOWS = join(ROOT, 'workflows');
const DAY = 86_400_000;
const medicationFixtures = (JSON.parse(readFileSync(join(WORKFLOWS, 'fixtures', 'medication-reminders.bundle.json'), 'utf8')) as { entry: { resource: FhirResource }[] }).entry.map((e) => e.resource);

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'clinflow-testing-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('clinflow/testing: the package export', () => {
  it('resolves through package.json exports to the compiled build for plain Node (ESM import and require)', () => {
    const script = [
      "const t = await import('clinflow/testing'); const m = await import('clinflow'); const k = await import('clinflow/tasks');",
      "const { createRequire } = await import('node:module'); const req = createRequire(import.meta.url)('clinflow/testing');",
      "process.stdout.write([typeof t.WorkflowTestEnvironment, typeof t.runTestFile, typeof m.main, typeof k.createTaskHandlers, typeof k.taskCatalogue.get, typeof req.runTestFile].join(' '));",
    ].join('\n');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('function function function function function function');
  }, 90_000);
});

describe('WorkflowTestEnvironment', () => {
  it('runs a 90-day medication course on the simulated clock in seconds: one reminder a day at 09:00 London time', async () => {
    const env = await WorkflowTestEnvironment.create({
      workflow: 'medication-reminders',
      workflowsDir: WORKFLOWS,
      load: ['reminder-delivery', 'replenish-reminders'],
      start: '2026-03-09T14:00:00Z',
      fixtures: medicationFixtures,
    });
    try {
      const t0 = Date.now();
      const started = await env.startFromResource('MedicationRequest/med-1', 'create');
      expect(started.triggered).toBe(true);
      await env.advanceTo(env.startMs + 90 * DAY);
      const wallMs = Date.now() - t0;
      expect(env.elapsedMs).toBe(90 * DAY);
      // 7.8 million simulated seconds in well under two real minutes even on a loaded machine.
      expect(wallMs).toBeLessThan(120_000);
      const observed = await env.observe();
      expect(observed.execution).toMatchObject({ status: 'SUCCEEDED', path: ['order', 'replaceOld', 'plan', 'schedule'] });
      // 10 March to 6 June (the order's bounds end at 00:00 on 7 June): 89 reminders, never two a day.
      expect(observed.messages).toHaveLength(89);
      const days = observed.messages.map((m) => m.at.slice(0, 10));
      expect(new Set(days).size).toBe(89);
      // 09:00 London: GMT (09:00Z) before the clocks change on 29 March, BST (08:00Z) after.
      expect(observed.messages[0]).toMatchObject({ recipient: 'Patient/pat-1', at: '2026-03-10T09:00:00.000Z', body: 'Medication reminder: Lisinopril 10 mg tablet: 1 tablet once daily' });
      expect(observed.messages.find((m) => m.at.startsWith('2026-03-29'))?.at).toBe('2026-03-29T08:00:00.000Z');
      expect(observed.messages.at(-1)?.at).toBe('2026-06-06T08:00:00.000Z');
      expect(observed.executions).toMatchObject({ 'reminder-delivery': 89, 'replenish-reminders': 91 });
    } finally {
      await env.close();
    }
  }, 180_000);

  it('plays a person accepting a human task: the execution resumes through the FHIR Task and nobody is paged', async () => {
    const fixtures = (JSON.parse(readFileSync(join(WORKFLOWS, 'fixtures', 'abnormal-lab.bundle.json'), 'utf8')) as { entry: { resource: FhirResource }[] }).entry.map((e) => e.resource);
    const env = await WorkflowTestEnvironment.create({ workflow: join(WORKFLOWS, 'abnormal-lab.yaml'), fixtures, start: '2026-03-09T14:00:00Z' });
    try {
      await env.startFromResource('Observation/k-critical', 'create');
      await env.advanceTo(env.startMs + 20 * 60_000);
      const task = await env.answer('acknowledge', 'accepted');
      await env.runUntilDone(env.startMs + 3 * 3_600_000);
      const observed = await env.observe();
      expect(observed.execution).toMatchObject({ status: 'SUCCEEDED', path: ['observation', 'acknowledge'] });
      expect(observed.tasks).toEqual([expect.objectContaining({ reference: task, step: 'acknowledge', status: 'accepted', owner: 'CareTeam/renal-care-team' })]);
      expect(observed.messages).toEqual([]);
    } finally {
      await env.close();
    }
  }, 120_000);

  it("against a shared FHIR server (fhirUrl) lists only the Tasks this run made, not everyone else's", async () => {
    const sandbox = await startSandbox({ seed: false });
    try {
      const fixtures = (JSON.parse(readFileSync(join(WORKFLOWS, 'fixtures', 'abnormal-lab.bundle.json'), 'utf8')) as { entry: { resource: FhirResource }[] }).entry.map((e) => e.resource);
      for (const r of [...fixtures, { resourceType: 'Task', id: 'someone-elses', status: 'requested', intent: 'order', description: 'Synthetic: not this run' }]) {
        const res = await fetch(`${sandbox.baseUrl}/${r.resourceType}/${String(r.id)}`, { method: 'PUT', headers: { 'content-type': 'application/fhir+json' }, body: JSON.stringify(r) });
        expect(res.ok).toBe(true);
      }
      const env = await WorkflowTestEnvironment.create({ workflow: join(WORKFLOWS, 'abnormal-lab.yaml'), fhirUrl: sandbox.baseUrl, start: '2026-03-09T14:00:00Z' });
      try {
        await env.startFromResource('Observation/k-critical', 'create');
        await env.runUntilDone(env.startMs + 3 * 3_600_000);
        const observed = await env.observe();
        expect(observed.tasks).toEqual([expect.objectContaining({ step: 'acknowledge', owner: 'CareTeam/renal-care-team' })]);
      } finally {
        await env.close();
      }
    } finally {
      await sandbox.close();
    }
  }, 120_000);

  it('says why a resource would not start the workflow', async () => {
    const env = await WorkflowTestEnvironment.create({ workflow: 'medication-reminders', workflowsDir: WORKFLOWS, fixtures: medicationFixtures });
    try {
      const r = await env.startFromResource({ resourceType: 'MedicationRequest', id: 'med-9', status: 'draft', intent: 'order' });
      expect(r).toMatchObject({ triggered: false, reason: "where: status = 'active' and intent = 'order' is false for MedicationRequest/med-9" });
      expect((await env.observe()).executions['medication-reminders']).toBe(0);
    } finally {
      await env.close();
    }
  }, 60_000);
});

describe('runTestFile', () => {
  it("passes a shipped workflow's test file", async () => {
    const r = await runTestFile(join(WORKFLOWS, 'cancel-reminders.test.yaml'));
    expect(r.diagnostics).toEqual([]);
    expect(r.tests.map((t) => [t.name, t.passed])).toEqual([
      ["a stopped order's reminders are cancelled", true],
      ["an active order does not match the trigger's where", true],
    ]);
    expect(exitCodeOf([r])).toBe(0);
  }, 60_000);

  it('a changed expectation fails with a readable diff of expected against actual', async () => {
    copyFileSync(join(WORKFLOWS, 'cancel-reminders.yaml'), join(dir, 'cancel-reminders.yaml'));
    const text = readFileSync(join(WORKFLOWS, 'cancel-reminders.test.yaml'), 'utf8').replace('outputs: { cancel: { deleted: 0 } }', 'outputs: { cancel: { deleted: 2 } }');
    writeFileSync(join(dir, 'cancel-reminders.test.yaml'), text);
    const r = await runTestFile(join(dir, 'cancel-reminders.test.yaml'));
    const failed = r.tests.find((t) => !t.passed);
    expect(failed?.failures.map((f) => f.field)).toEqual(['outputs.cancel']);
    expect(failed?.failures[0]?.diff).toEqual(['- deleted: 2', '+ deleted: 0']);
    expect(formatTestResult(failed!)).toMatch(
      /✗ a stopped order's reminders are cancelled[\s\S]*outputs\.cancel: the output of cancel differs\n\s+- expected {2}\+ actual\n\s+- deleted: 2\n\s+\+ deleted: 0/,
    );
    expect(exitCodeOf([r])).toBe(1);
  }, 60_000);

  it('an invalid test file is refused with file:line:col and a suggestion, and nothing runs (exit 2)', () => {
    writeFileSync(
      join(dir, 'x.test.yaml'),
      ['workflow: cancel-reminders', 'tests:', '  - name: one', '    trigger: { resource: MedicationRequest/m1 }', '    expect:', '      stauts: SUCCEEDED', ''].join('\n'),
    );
    const loaded = loadTestFile(join(dir, 'x.test.yaml'), 'x.test.yaml');
    expect(loaded.spec).toBeUndefined();
    expect(loaded.diagnostics).toEqual([expect.objectContaining({ file: 'x.test.yaml', line: 6, col: 7, message: "unknown key 'stauts'", suggestion: 'status' })]);
  });
});

describe('the editor schema of test files', () => {
  it('schemas/workflowTest.schema.json is current (regenerate: npx clinflow schema --tests --out schemas/workflowTest.schema.json)', () => {
    expect(readFileSync(join(ROOT, 'schemas', 'workflowTest.schema.json'), 'utf8')).toBe(workflowTestJsonSchema());
  });
});

describe('expectations', () => {
  it('match partially, with /regular expressions/', () => {
    expect(partialMatch({ status: 'accepted' }, { status: 'accepted', owner: 'CareTeam/x' })).toBe(true);
    expect(partialMatch({ status: 'accepted' }, { status: 'rejected' })).toBe(false);
    expect(partialMatch('/Timed(Out)?\\b/', 'HumanTask.TimedOut')).toBe(true);
    expect(partialMatch(['a', 'b'], ['a', 'b', 'c'])).toBe(false);
    expect(partialMatch({ n: 1 }, { n: '1' })).toBe(false);
  });

  it('diff line by line: shared lines kept, expected as -, actual as +', () => {
    expect(lineDiff(['order', 'plan', 'schedule'], ['order', 'plan', 'cannotPlan'])).toEqual(['  - order', '  - plan', '- - schedule', '+ - cannotPlan']);
  });
});
