/**
 * End to end over HTTP: the FHIR sandbox notifies clinflow's endpoint in Medplum's wire format, the
 * bus routes the change to workflows, tasks talk to the sandbox over HTTP and to the scheduler.
 * On a simulated clock: three days take seconds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { createLogger } from '../../core/log/createLogger';
import { demoProblems } from '../../cli/commands/demo';
import { DEMO_START, runDemoScenario, type DemoSummary } from '../../cli/demo/runDemoScenario';
import { createRuntime, type Runtime } from '../../cli/runtime/createRuntime';
import type { FhirResource } from '../../schemas/fhirPort';
import { PROVENANCE_EXECUTION_EXTENSION, PROVENANCE_WORKFLOW_SYSTEM } from '../../tasks/fhir/withProvenance';

const ROOT = join(__dirname, '..', '..');
const MARKER = { family: 'PHIMARK-E2E-FAMILY-4242', given: ['PHIMARK-E2E-GIVEN-4243'] };

describe('the demo scenario, end to end', () => {
  let summary: DemoSummary;
  let runtime: Runtime;
  const logLines: string[] = [];
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'clinflow-e2e-'));
    const clock = new SimulatedClock(DEMO_START);
    runtime = await createRuntime({
      dataDir: dir,
      workflowsDir: join(ROOT, 'workflows'),
      clock,
      sandbox: { seed: false },
      log: createLogger({ level: 'debug', destination: { write: (s: string) => void logLines.push(s) } }),
    });
    summary = await runDemoScenario(runtime, clock, { patientName: MARKER });
  }, 120_000);

  afterAll(async () => {
    await runtime?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every promise the demo makes', () => {
    expect(demoProblems(summary)).toEqual([]);
  });

  it("sends an order's reminders at the policy's local times, across the start of daylight saving", () => {
    const [bid, tid] = summary.orders;
    const times = (ref: string) => summary.reminders.filter((r) => r.order === ref).map((r) => r.localTime);
    // BID: 09:00 and 21:00 local; created Friday 10:00 EST, so Friday 21:00 comes first. Sunday is EDT.
    expect(times(bid!.reference)).toEqual([
      'Fri 2026-03-06 21:00 EST',
      'Sat 2026-03-07 09:00 EST',
      'Sat 2026-03-07 21:00 EST',
      'Sun 2026-03-08 09:00 EDT',
      'Sun 2026-03-08 21:00 EDT',
      'Mon 2026-03-09 09:00 EDT',
    ]);
    // TID: 08:00, 14:00, 20:00 local, until the order is stopped on Saturday at 16:00 EST.
    expect(times(tid!.reference)).toEqual(['Fri 2026-03-06 14:00 EST', 'Fri 2026-03-06 20:00 EST', 'Sat 2026-03-07 08:00 EST', 'Sat 2026-03-07 14:00 EST']);
  });

  it('plans the 72-hour horizon and cancels the future schedules of a stopped order and of a deleted one', () => {
    expect(summary.orders.map((o) => o.planned)).toEqual([6, 9, 6]);
    expect(summary.stopped).toMatchObject({ schedulesBefore: 9, schedulesAfter: 0, sentAfterStop: 0 });
    expect(summary.deleted).toMatchObject({ schedulesBefore: 6, schedulesAfter: 0, sentAfterDelete: 0 });
    // Order C was reminded before it was deleted, and never after.
    expect(summary.reminders.filter((r) => r.order === summary.deleted.order).map((r) => r.localTime)).toEqual(['Fri 2026-03-06 21:00 EST', 'Sat 2026-03-07 09:00 EST']);
    expect(summary.executions['cancel-reminders-on-delete']).toEqual({ SUCCEEDED: 1 });
  });

  it('does not escalate the critical potassium whose care-team task was accepted in time', () => {
    expect(summary.abnormalLab.accepted).toMatchObject({ task: expect.stringMatching(/^Task\//), status: 'accepted', escalations: 0 });
  });

  it('escalates the critical potassium nobody acknowledged once, and cancels its task with a reason', () => {
    expect(summary.abnormalLab.unacknowledged).toMatchObject({
      task: expect.stringMatching(/^Task\//),
      status: 'cancelled',
      statusReason: 'not acknowledged in time (States.Timeout); the workflow stopped waiting',
      escalations: 1,
    });
  });

  it('the nightly job finds the accepted task left past its due date and reminds its owner', () => {
    // Sat 02:00 London: no task yet; Sun and Mon 02:00: the accepted task (due Sat 17:00 New York) is overdue.
    expect(summary.nightly.overdueFound).toEqual([0, 1, 1]);
    expect(summary.nightly.reminded).toEqual([
      { recipient: 'CareTeam/renal-care-team', task: summary.abnormalLab.accepted.task },
      { recipient: 'CareTeam/renal-care-team', task: summary.abnormalLab.accepted.task },
    ]);
  });

  it('runs the nightly job on its schedule and every workflow execution succeeds', () => {
    expect(summary.nightly.runs).toBeGreaterThanOrEqual(2);
    for (const counts of Object.values(summary.executions)) expect(Object.keys(counts).filter((s) => s !== 'SUCCEEDED')).toEqual([]);
    expect(summary.executions['reminder-delivery']?.SUCCEEDED).toBe(summary.reminders.length);
  });

  it('every resource version the workflows wrote has a Provenance: workflow version as agent, trigger as entity, execution identifier', async () => {
    const fhir = runtime.ports.fhir;
    const provenances = await fhir.search('Provenance', { _count: '500' }, { maxPages: 20 });
    const byTarget = new Map<string, FhirResource>();
    for (const p of provenances) for (const t of (p.target as { reference: string }[] | undefined) ?? []) byTarget.set(t.reference, p);
    // Tasks and Communications are written only by workflows here, except the care team's acceptance (the EHR's write).
    const written = [...(await fhir.search('Task', { _count: '200' }, { maxPages: 10 })), ...(await fhir.search('Communication', { _count: '200' }, { maxPages: 10 }))];
    expect(written.length).toBeGreaterThanOrEqual(16);
    let versions = 0;
    for (const r of written) {
      for (let v = 1; v <= Number(r.meta?.versionId ?? 0); v++) {
        const version = await fhir.vread!(`${r.resourceType}/${r.id}`, String(v));
        const prov = byTarget.get(`${r.resourceType}/${r.id}/_history/${v}`);
        if (version.status === 'accepted') {
          expect(prov).toBeUndefined();
          continue;
        }
        versions++;
        expect(prov).toBeDefined();
        const who = (prov!.agent as { who: { identifier: { system: string; value: string } } }[])[0]!.who.identifier;
        expect(who.system).toBe(PROVENANCE_WORKFLOW_SYSTEM);
        expect(who.value).toMatch(/^(abnormal-lab|reminder-delivery|nightly-overdue-tasks|appointment-reminders)\|1$/);
        const execution = (prov!.extension as { url: string; valueIdentifier: { value: string } }[]).find((e) => e.url === PROVENANCE_EXECUTION_EXTENSION)!.valueIdentifier.value;
        expect(execution).toContain(`:clinflow-${who.value.split('|')[0]}:`);
        expect((prov!.activity as { coding: { code: string }[] }).coding[0]!.code).toBe(v === 1 ? 'CREATE' : 'UPDATE');
      }
    }
    expect(versions).toBeGreaterThan(30);
    // The abnormal-lab Task names the potassium that started it.
    const task = byTarget.get(`${summary.abnormalLab.unacknowledged.task}/_history/1`)!;
    expect(task.entity).toEqual([{ role: 'source', what: { reference: summary.abnormalLab.unacknowledged.observation } }]);
  });

  it('writes no PHI marker, callback token or HMAC secret to the logs', () => {
    expect(logLines.length).toBeGreaterThan(0);
    const all = logLines.join('\n');
    expect(all).not.toContain('PHIMARK');
    const tokens = runtime.engine.listExecutions({ stateMachineArn: runtime.deployments.find((d) => d.workflow === 'abnormal-lab')!.stateMachineArn }).executions;
    expect(tokens.length).toBe(2);
    for (const e of tokens) {
      const history = runtime.engine.getExecutionHistory({ executionArn: (e as { executionArn: string }).executionArn, includeExecutionData: true, maxResults: 1000 }).events;
      // The token sits in the scheduled task's parameters, a JSON string inside the event (quotes escaped).
      const taskTokens = [...JSON.stringify(history).matchAll(/taskToken\\*":\\*"([^"\\]+)/g)].map((m) => m[1]!);
      expect(taskTokens.length).toBeGreaterThan(0);
      for (const t of taskTokens) expect(all).not.toContain(t);
    }
  });
});
