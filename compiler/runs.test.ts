import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from './compile';
import { runInMemory, type InvokeOutcome, type InvokeTaskCommand } from '../engine/interpreter/runInMemory';
import { taskFunctionArn, taskNameFromResource } from '../schemas/task';
import { fhirpathTestHandler } from '../tasks/fhirpath/handler';
import type { TaskContext } from '../schemas/ports';

/** Runs a shipped workflow's compiled ASL on the local interpreter, with scripted task results. */
async function run(name: string, input: unknown, tasks: Record<string, (payload: Record<string, unknown>) => InvokeOutcome | Promise<InvokeOutcome>>) {
  const r = compile(readFileSync(join(__dirname, '..', 'workflows', name), 'utf8'), name);
  if (!r.artifact) throw new Error('did not compile');
  const calls: { task: string; payload: Record<string, unknown> }[] = [];
  const invoke = async (cmd: InvokeTaskCommand): Promise<InvokeOutcome> => {
    // For lambda:invoke(.waitForTaskToken) the function is named in the Arguments; the payload is what it receives.
    const params = (cmd as { parameters?: { FunctionName?: unknown } }).parameters;
    const fnName = typeof params?.FunctionName === 'string' ? params.FunctionName : cmd.resource.endsWith('.waitForTaskToken') ? taskFunctionArn('tasks.await') : cmd.resource;
    const task = taskNameFromResource(fnName) ?? cmd.resource;
    const body = cmd.payload as Record<string, unknown>;
    calls.push({ task, payload: body });
    const script = tasks[task];
    if (!script) return { error: 'Test.Unscripted', cause: task };
    return script(body);
  };
  const result = await runInMemory(r.artifact.definition, input, { invoke });
  return { result, calls };
}

const fhirEvent = (reference: string, attributes: Record<string, unknown> = {}) => ({
  version: '0',
  id: 'e1',
  source: 'clinflow.fhir',
  'detail-type': 'FHIR Resource Changed',
  time: '2026-03-09T14:05:11Z',
  resources: [reference],
  detail: {
    server: 'https://ehr.example/fhir',
    reference,
    resourceType: reference.split('/')[0],
    id: reference.split('/')[1],
    versionId: '2',
    interaction: 'update',
    origin: 'polling',
    attributes,
    dedupeKey: 'k',
  },
});

const fhirpathTest = async (payload: Record<string, unknown>): Promise<InvokeOutcome> => ({
  output: await fhirpathTestHandler(payload as never, {} as TaskContext),
});

describe('compiled workflows run on the local interpreter', () => {
  it('medication-reminders reads the order, replaces old reminders, plans and schedules', async () => {
    const order = { resourceType: 'MedicationRequest', id: 'm1', meta: { versionId: '2' }, status: 'active' };
    const plan = { order: 'MedicationRequest/m1', slots: [] };
    const { result, calls } = await run('medication-reminders.yaml', fhirEvent('MedicationRequest/m1'), {
      'fhir.read': () => ({ output: order }),
      'reminders.cancel': () => ({ output: { deleted: 0 } }),
      'reminders.plan': () => ({ output: plan }),
      'reminders.schedule': () => ({ output: { created: 3, existing: 0, scheduleNames: [] } }),
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls).toEqual([
      { task: 'fhir.read', payload: { reference: 'MedicationRequest/m1' } },
      { task: 'reminders.cancel', payload: { order: 'MedicationRequest/m1', keepVersionId: '2' } },
      { task: 'reminders.plan', payload: { medicationRequest: order, horizonHours: 72 } },
      { task: 'reminders.schedule', payload: { plan } },
    ]);
  });

  it('abnormal-lab skips a normal potassium in its guard state', async () => {
    const obs = { resourceType: 'Observation', id: 'o1', code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] }, valueQuantity: { value: 4.1 } };
    const { result, calls } = await run('abnormal-lab.yaml', fhirEvent('Observation/o1'), { 'fhir.read': () => ({ output: obs }), 'fhirpath.test': fhirpathTest });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls.map((c) => c.task)).toEqual(['fhir.read', 'fhirpath.test']);
  });

  it('abnormal-lab creates a care-team task; on timeout cancels it (tasks.expire) and escalates with HumanTask.TimedOut', async () => {
    const obs = {
      resourceType: 'Observation',
      id: 'o1',
      subject: { reference: 'Patient/p1' },
      code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
      valueQuantity: { value: 6.8, unit: 'mmol/L' },
    };
    const { result, calls } = await run('abnormal-lab.yaml', fhirEvent('Observation/o1'), {
      'fhir.read': () => ({ output: obs }),
      'fhirpath.test': fhirpathTest,
      'tasks.await': () => ({ output: { task: 'Task/t1', status: 'completed' }, afterSeconds: 7200 }),
      'tasks.expire': () => ({ error: 'HumanTask.TimedOut', cause: JSON.stringify({ task: 'Task/t1', status: 'cancelled', error: 'States.Timeout', marked: true }) }),
      'notify.send': () => ({ output: { deliveryId: 'd1' } }),
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls.map((c) => c.task)).toEqual(['fhir.read', 'fhirpath.test', 'fhir.read', 'tasks.await', 'tasks.expire', 'notify.send']);
    expect(calls[3]!.payload).toMatchObject({ description: 'Critical potassium 6.8 mmol/L: review and act', for: 'Patient/p1', focus: 'Observation/o1', priority: 'stat', until: 'accepted' });
    expect(typeof calls[3]!.payload.taskToken).toBe('string');
    // The expire step names the same await visit, so it can find the Task the await created.
    expect(calls[4]!.payload).toEqual({ awaitKey: calls[3]!.payload.awaitKey, error: 'States.Timeout' });
    expect(calls[4]!.payload.awaitKey).toMatch(/\|acknowledge#/);
    expect(calls[5]!.payload.body).toMatch(/Patient\/p1 not acknowledged \(HumanTask\.TimedOut\)/);
  });

  it('abnormal-lab does not escalate when the care team accepts the task in time', async () => {
    const obs = {
      resourceType: 'Observation',
      id: 'o1',
      subject: { reference: 'Patient/p1' },
      code: { coding: [{ system: 'http://loinc.org', code: '2823-3' }] },
      valueQuantity: { value: 6.8, unit: 'mmol/L' },
    };
    const { result, calls } = await run('abnormal-lab.yaml', fhirEvent('Observation/o1'), {
      'fhir.read': () => ({ output: obs }),
      'fhirpath.test': fhirpathTest,
      'tasks.await': () => ({ output: { task: 'Task/t1', status: 'accepted' }, afterSeconds: 600 }),
    });
    expect(result.status).toBe('SUCCEEDED');
    expect(calls.map((c) => c.task)).toEqual(['fhir.read', 'fhirpath.test', 'fhir.read', 'tasks.await']);
  });

  it('nightly-overdue-tasks reminds the owner of each open task past restriction.period.end, or the coordinators', async () => {
    const due = (end: string) => ({ restriction: { period: { end } } });
    const { result, calls } = await run(
      'nightly-overdue-tasks.yaml',
      {},
      {
        'fhir.search': () => ({
          output: {
            resources: [
              { resourceType: 'Task', id: 't1', status: 'accepted', description: 'call back', owner: { reference: 'Practitioner/p1' }, ...due('2020-01-01T00:00:00Z') },
              { resourceType: 'Task', id: 't2', status: 'requested', ...due('2020-01-02T00:00:00.000Z') },
              { resourceType: 'Task', id: 't3', status: 'requested', owner: { reference: 'Practitioner/p3' }, ...due('2999-01-01T00:00:00Z') },
              { resourceType: 'Task', id: 't4', status: 'requested', owner: { reference: 'Practitioner/p4' } },
            ],
          },
        }),
        'notify.send': () => ({ output: { deliveryId: 'd' } }),
      },
    );
    expect(result).toMatchObject({ status: 'SUCCEEDED', output: { overdue: 2 } });
    expect(calls[0]!.payload).toMatchObject({ resourceType: 'Task', params: { status: 'requested,received,accepted,ready,in-progress,on-hold' } });
    expect(
      calls
        .slice(1)
        .map((c) => c.payload.recipient)
        .sort(),
    ).toEqual(['CareTeam/care-coordination', 'Practitioner/p1']);
  });

  it('nightly-overdue-tasks with one overdue task still iterates a list, and with none reminds nobody', async () => {
    const one = await run(
      'nightly-overdue-tasks.yaml',
      {},
      {
        'fhir.search': () => ({ output: { resources: [{ resourceType: 'Task', id: 't1', owner: { reference: 'Practitioner/p1' }, restriction: { period: { end: '2020-01-01T00:00:00Z' } } }] } }),
        'notify.send': () => ({ output: { deliveryId: 'd' } }),
      },
    );
    expect(one.result).toMatchObject({ status: 'SUCCEEDED', output: { overdue: 1 } });
    expect(one.calls.slice(1).map((c) => c.payload.recipient)).toEqual(['Practitioner/p1']);
    const none = await run('nightly-overdue-tasks.yaml', {}, { 'fhir.search': () => ({ output: { resources: [] } }) });
    expect(none.result).toMatchObject({ status: 'SUCCEEDED', output: { overdue: 0 } });
  });
});
