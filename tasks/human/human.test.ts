import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SendTaskFailureCommandInput, SendTaskSuccessCommandInput } from '@aws-sdk/client-sfn';
import { openDatabase, type Db } from '../../core/db/openDatabase';
import { WorkflowError } from '../../schemas/errors';
import type { FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import type { FhirResource } from '../../schemas/fhirPort';
import type { ExecutionPort } from '../../schemas/ports';
import { captureLog } from '../../sandbox/captureLog';
import { startSandbox, type Sandbox } from '../../sandbox/startSandbox';
import { testTaskContext } from '../../sandbox/testTaskContext';
import { createHttpFhirPort, type HttpFhirPort } from '../../core/fhir/createHttpFhirPort';
import { createCallbackStore, type CallbackStore } from './callbackStore';
import { HUMAN_TASK_SYSTEM } from './createHumanTask';
import { createHumanTaskHandlers } from './handlers';
import { resumeOnTaskChange } from './resumeOnTaskChange';

const NOW = Date.UTC(2025, 2, 9, 14, 0, 0);
const logs = captureLog();
let sandbox: Sandbox;
let fhir: HttpFhirPort;
let dir: string;
let db: Db;
let callbacks: CallbackStore;
let receiver: Server;
const notified: FhirChangeDetail[] = [];

/** Engine stand-in: records what the callback API received (the engine has its own tests). */
class RecordingExecutions implements ExecutionPort {
  successes: SendTaskSuccessCommandInput[] = [];
  failures: SendTaskFailureCommandInput[] = [];
  failWith: string | undefined;
  startExecution(): Promise<{ executionArn: string; startDate: Date }> {
    return Promise.reject(new Error('not used'));
  }
  async sendTaskSuccess(input: SendTaskSuccessCommandInput) {
    if (this.failWith) throw new WorkflowError(this.failWith);
    this.successes.push(input);
  }
  async sendTaskFailure(input: SendTaskFailureCommandInput) {
    if (this.failWith) throw new WorkflowError(this.failWith);
    this.failures.push(input);
  }
  heartbeats: string[] = [];
  async sendTaskHeartbeat(input: { taskToken: string | undefined }) {
    if (this.failWith) throw new WorkflowError(this.failWith);
    this.heartbeats.push(input.taskToken ?? '');
  }
}

beforeAll(async () => {
  // Minimal stand-in for clinflow's FHIR endpoint: Medplum-format notification → change detail.
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const r = JSON.parse(Buffer.concat(chunks).toString('utf8')) as FhirResource & { id: string };
      const interaction = req.headers['x-medplum-interaction'] as FhirChangeDetail['interaction'];
      const reference = `${r.resourceType}/${r.id}`;
      notified.push({
        server: sandbox.baseUrl,
        reference,
        resourceType: r.resourceType,
        id: r.id,
        versionId: r.meta?.versionId,
        interaction,
        origin: 'medplum',
        attributes: { status: (r.status as string) ?? null },
        dedupeKey: `sandbox|${reference}|${r.meta?.versionId ?? ''}`,
      });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  sandbox = await startSandbox({
    seed: { patients: 1 },
    notify: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/fhir/notify/sandbox`, secret: 's', resourceTypes: ['Task'] },
  });
  fhir = createHttpFhirPort({ baseUrl: sandbox.baseUrl });
  dir = mkdtempSync(path.join(tmpdir(), 'clinflow-human-'));
  db = openDatabase(path.join(dir, 'clinflow.db'));
  callbacks = createCallbackStore(db);
});
afterAll(async () => {
  await sandbox.close();
  await new Promise<void>((r) => receiver.close(() => r()));
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
function awaitCall(token: string) {
  n++;
  const handlers = createHumanTaskHandlers({ callbacks, server: sandbox.baseUrl });
  const ctx = testTaskContext({ fhir, log: logs.log, taskToken: token, idempotencyKey: `arn:exec:${n}|ack|1`, now: () => NOW });
  return { handlers, ctx };
}

async function setStatus(task: string, status: string, extra: Record<string, unknown> = {}) {
  const current = await fhir.read(task);
  await fhir.update({ ...current, status, ...extra });
}

const detail = (task: string, interaction: FhirChangeDetail['interaction'] = 'update', server = sandbox.baseUrl): FhirChangeDetail => ({
  server,
  reference: task,
  resourceType: 'Task',
  id: task.split('/')[1]!,
  interaction,
  origin: 'medplum',
  attributes: {},
  dedupeKey: `${task}|x`,
});

describe('human tasks', () => {
  it('tasks.create makes a FHIR Task with owner, focus, for, priority and due date, once per key', async () => {
    const handlers = createHumanTaskHandlers({ callbacks });
    const ctx = testTaskContext({ fhir, log: logs.log, idempotencyKey: 'arn:exec:c|review|1', now: () => NOW });
    const input = { description: 'Review potassium', owner: 'CareTeam/ct-1', focus: 'Observation/obs-k-1', for: 'Patient/pat-1', priority: 'urgent' as const, dueInMinutes: 90, code: 'review-lab' };
    const { task } = await handlers['tasks.create'](input, ctx);
    expect(await handlers['tasks.create'](input, ctx)).toEqual({ task });
    const t = await fhir.read(task);
    expect(t).toMatchObject({
      status: 'requested',
      intent: 'order',
      priority: 'urgent',
      owner: { reference: 'CareTeam/ct-1' },
      focus: { reference: 'Observation/obs-k-1' },
      for: { reference: 'Patient/pat-1' },
      code: { text: 'review-lab' },
      restriction: { period: { end: '2025-03-09T15:30:00.000Z' } },
      identifier: [{ system: HUMAN_TASK_SYSTEM, value: expect.any(String) }],
    });
    expect(await fhir.search('Task', { identifier: `${HUMAN_TASK_SYSTEM}|${(t.identifier as { value: string }[])[0]!.value}` })).toHaveLength(1);
  });

  it('tasks.await stores the token durably and never writes it to FHIR or logs', async () => {
    const token = `PHIMARK-TOKEN-${randomBytes(8).toString('hex')}`;
    const { handlers, ctx } = awaitCall(token);
    const { task } = await handlers['tasks.await']({ description: 'Acknowledge', owner: 'Practitioner/prac-1', priority: 'routine' }, ctx);
    expect(JSON.stringify(await fhir.read(task))).not.toContain(token);
    const history = await fhir.search('Task', { _id: task.split('/')[1]! });
    expect(JSON.stringify(history)).not.toContain(token);
    expect(logs.text()).not.toContain(token);
    expect(logs.text()).toContain(task);
    // Survives a restart: a new connection to the same file sees the pending token.
    const reopened = openDatabase(path.join(dir, 'clinflow.db'));
    expect(createCallbackStore(reopened).isPending(task)).toBe(true);
    reopened.close();
  });

  it('tasks.await without a task token is a runtime error', async () => {
    const handlers = createHumanTaskHandlers({ callbacks });
    const ctx = testTaskContext({ fhir, log: logs.log });
    await expect(handlers['tasks.await']({ description: 'x', priority: 'routine' }, ctx)).rejects.toMatchObject({ error: 'States.Runtime' });
  });

  it('completed → sendTaskSuccess with the Task output; the token is used once', async () => {
    const { handlers, ctx } = awaitCall('tok-complete');
    const { task } = await handlers['tasks.await']({ description: 'Ack', priority: 'routine' }, ctx);
    const executions = new RecordingExecutions();
    const deps = { fhir, executions, callbacks, log: logs.log, now: () => NOW };
    await setStatus(task, 'received');
    expect(await resumeOnTaskChange(detail(task), deps)).toBe('ignored');
    // in-progress before the step's `until` (default completed) is an acknowledgement: a heartbeat, the token stays.
    await setStatus(task, 'in-progress');
    expect(await resumeOnTaskChange(detail(task), deps)).toBe('heartbeat');
    expect(executions.heartbeats).toEqual(['tok-complete']);
    expect(callbacks.isPending(task)).toBe(true);
    await setStatus(task, 'completed', { output: [{ type: { text: 'acknowledged' }, valueBoolean: true }] });
    expect(await resumeOnTaskChange(detail(task), deps)).toBe('succeeded');
    expect(await resumeOnTaskChange(detail(task), deps)).toBe('no-callback');
    expect(executions.successes).toHaveLength(1);
    expect(executions.successes[0]!.taskToken).toBe('tok-complete');
    expect(JSON.parse(executions.successes[0]!.output!)).toEqual({ task, status: 'completed', output: { acknowledged: true } });
  });

  it.each([
    ['rejected', 'HumanTask.Rejected'],
    ['cancelled', 'HumanTask.Cancelled'],
    ['failed', 'HumanTask.Failed'],
    ['entered-in-error', 'HumanTask.EnteredInError'],
  ])('%s → sendTaskFailure %s', async (status, error) => {
    const { handlers, ctx } = awaitCall(`tok-${status}`);
    const { task } = await handlers['tasks.await']({ description: 'Ack', priority: 'routine' }, ctx);
    const executions = new RecordingExecutions();
    await setStatus(task, status);
    expect(await resumeOnTaskChange(detail(task), { fhir, executions, callbacks, log: logs.log, now: () => NOW })).toBe('failed');
    expect(executions.failures).toEqual([{ taskToken: `tok-${status}`, error, cause: JSON.stringify({ task, status }) }]);
  });

  it('a deleted Task cancels; a transient engine failure gives the token back; a dead token is dropped', async () => {
    const executions = new RecordingExecutions();
    const deps = { fhir, executions, callbacks, log: logs.log, now: () => NOW };
    const a = awaitCall('tok-delete');
    const { task } = await a.handlers['tasks.await']({ description: 'Ack', priority: 'routine' }, a.ctx);
    await fhir.delete(task);
    executions.failWith = 'States.Runtime';
    await expect(resumeOnTaskChange(detail(task, 'delete'), deps)).rejects.toMatchObject({ error: 'States.Runtime' });
    executions.failWith = undefined;
    expect(await resumeOnTaskChange(detail(task, 'delete'), deps)).toBe('failed');
    expect(executions.failures.at(-1)).toMatchObject({ error: 'HumanTask.Cancelled', cause: JSON.stringify({ task, status: 'deleted' }) });

    const b = awaitCall('tok-timedout');
    const second = (await b.handlers['tasks.await']({ description: 'Ack', priority: 'routine' }, b.ctx)).task;
    await setStatus(second, 'completed');
    executions.failWith = 'TaskTimedOut';
    expect(await resumeOnTaskChange(detail(second), deps)).toBe('stale-token');
    expect(callbacks.isPending(second)).toBe(false);
  });

  it('until: accepted resumes on acceptance (or any later status) with the Task status; until is stored per Task', async () => {
    const executions = new RecordingExecutions();
    const deps = { fhir, executions, callbacks, log: logs.log, now: () => NOW };
    const a = awaitCall('tok-accept');
    const { task } = await a.handlers['tasks.await']({ description: 'Ack', priority: 'stat', until: 'accepted | completed' }, a.ctx);
    expect(callbacks.get(task)?.until).toBe('accepted');
    await setStatus(task, 'received');
    expect(await resumeOnTaskChange(detail(task), deps)).toBe('ignored');
    await setStatus(task, 'accepted');
    expect(await resumeOnTaskChange(detail(task), deps)).toBe('succeeded');
    expect(JSON.parse(executions.successes.at(-1)!.output!)).toEqual({ task, status: 'accepted' });
    const b = awaitCall('tok-accept-late');
    const second = (await b.handlers['tasks.await']({ description: 'Ack', priority: 'stat', until: 'accepted' }, b.ctx)).task;
    await setStatus(second, 'in-progress');
    expect(await resumeOnTaskChange(detail(second), deps)).toBe('succeeded');
    expect(executions.heartbeats).toEqual([]);
  });

  it('a forged delete of a Task that still exists cancels nothing: the Task is read from its server', async () => {
    const executions = new RecordingExecutions();
    const deps = { fhir, executions, callbacks, log: logs.log, now: () => NOW };
    const a = awaitCall('tok-forged');
    const { task } = await a.handlers['tasks.await']({ description: 'Ack', priority: 'stat', until: 'accepted' }, a.ctx);
    expect(await resumeOnTaskChange(detail(task, 'delete'), deps)).toBe('ignored');
    // …also when the forged event names no server: it is checked against the configured one.
    expect(await resumeOnTaskChange(detail(task, 'delete', ''), { ...deps, server: sandbox.baseUrl })).toBe('ignored');
    expect(executions.failures).toEqual([]);
    expect(callbacks.isPending(task)).toBe(true);
    expect((await fhir.read(task)).status).toBe('requested');
  });

  it('refuses a change event from another server, and one that names no server when the configured server is another', async () => {
    const executions = new RecordingExecutions();
    const deps = { fhir, executions, callbacks, log: logs.log, now: () => NOW };
    const a = awaitCall('tok-server');
    const { task } = await a.handlers['tasks.await']({ description: 'Ack', priority: 'stat' }, a.ctx);
    await setStatus(task, 'rejected');
    expect(await resumeOnTaskChange(detail(task, 'update', 'http://evil.example/fhir'), deps)).toBe('wrong-server');
    expect(await resumeOnTaskChange(detail(task, 'update', ''), { ...deps, server: 'http://evil.example/fhir' })).toBe('wrong-server');
    expect(await resumeOnTaskChange(detail(task, 'update', ''), deps)).toBe('wrong-server');
    expect(executions.failures).toEqual([]);
    expect(await resumeOnTaskChange(detail(task, 'update', ''), { ...deps, server: sandbox.baseUrl })).toBe('failed');
    expect(executions.failures.map((f) => f.error)).toEqual(['HumanTask.Rejected']);
  });

  it("tasks.expire cancels the timed-out await's open Task with a statusReason and fails with HumanTask.TimedOut naming it", async () => {
    const a = awaitCall('tok-expire');
    const awaitKey = `arn:exec:expire|acknowledge#2026-03-06T15:00:00.000Z`;
    const { task } = await a.handlers['tasks.await']({ description: 'Ack', priority: 'stat', awaitKey }, a.ctx);
    const other = awaitCall('tok-expire-other');
    const untouched = (await other.handlers['tasks.await']({ description: 'Ack', priority: 'stat', awaitKey: `${awaitKey}x` }, other.ctx)).task;
    const ctx = testTaskContext({ fhir, log: logs.log, idempotencyKey: 'arn:exec:expire|acknowledge.expire#3|0', now: () => NOW });
    const err = await a.handlers['tasks.expire']({ awaitKey, error: 'States.Timeout' }, ctx).catch((e: unknown) => e);
    expect(err).toMatchObject({ error: 'HumanTask.TimedOut' });
    expect(JSON.parse((err as WorkflowError).causeText!)).toEqual({ task, status: 'cancelled', error: 'States.Timeout', marked: true });
    expect(await fhir.read(task)).toMatchObject({ status: 'cancelled', statusReason: { text: 'not acknowledged in time (States.Timeout); the workflow stopped waiting' } });
    expect((await fhir.read(untouched)).status).toBe('requested');
    // The token is dropped: the cancellation's own change event resumes nothing.
    expect(callbacks.isPending(task)).toBe(false);
    expect(callbacks.isPending(untouched)).toBe(true);
    // A completed Task is not reopened as cancelled by a late timeout.
    await setStatus(untouched, 'completed');
    await expect(other.handlers['tasks.expire']({ awaitKey: `${awaitKey}x`, error: 'States.HeartbeatTimeout' }, ctx)).rejects.toMatchObject({ error: 'HumanTask.TimedOut' });
    expect((await fhir.read(untouched)).status).toBe('completed');
  });

  it('tasks.create sets requester, basedOn, restriction.period, a coded code and input', async () => {
    const handlers = createHumanTaskHandlers({ callbacks });
    const ctx = testTaskContext({ fhir, log: logs.log, idempotencyKey: 'arn:exec:full|review|1', now: () => NOW });
    const { task } = await handlers['tasks.create'](
      {
        description: 'Review order',
        requester: 'Device/clinflow',
        basedOn: 'MedicationRequest/mr-1',
        priority: 'routine',
        period: { start: '2025-03-09T14:00:00Z', end: '2025-03-10T14:00:00Z' },
        code: { system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill', display: 'Fulfill the focal request' },
        input: { dose: 'one tablet', count: 3, urgent: false },
      },
      ctx,
    );
    expect(await fhir.read(task)).toMatchObject({
      requester: { reference: 'Device/clinflow' },
      basedOn: [{ reference: 'MedicationRequest/mr-1' }],
      restriction: { period: { start: '2025-03-09T14:00:00Z', end: '2025-03-10T14:00:00Z' } },
      code: { coding: [{ system: 'http://hl7.org/fhir/CodeSystem/task-code', code: 'fulfill' }], text: 'Fulfill the focal request' },
      input: [
        { type: { text: 'dose' }, valueString: 'one tablet' },
        { type: { text: 'count' }, valueInteger: 3 },
        { type: { text: 'urgent' }, valueBoolean: false },
      ],
    });
  });

  it('end to end over HTTP: the sandbox notifies the Task change and the execution resumes', async () => {
    const { handlers, ctx } = awaitCall('tok-e2e');
    const { task } = await handlers['tasks.await']({ description: 'Ack', priority: 'stat' }, ctx);
    await sandbox.notifications.drain();
    notified.length = 0;
    await setStatus(task, 'completed');
    await sandbox.notifications.drain();
    const executions = new RecordingExecutions();
    const results = [];
    for (const d of notified) results.push(await resumeOnTaskChange(d, { fhir, executions, callbacks, log: logs.log, now: () => NOW }));
    expect(results).toEqual(['succeeded']);
    expect(executions.successes.map((s) => s.taskToken)).toEqual(['tok-e2e']);
  });

  it('encrypts stored tokens when a key is configured', () => {
    const mem = openDatabase(':memory:');
    const store = createCallbackStore(mem, { encryptionKey: randomBytes(32) });
    store.register({ task: 'Task/t1', server: '', taskToken: 'PHIMARK-secret-token', executionArn: 'arn', stateName: 's' }, NOW);
    const raw = JSON.stringify(mem.prepare('SELECT * FROM human_task_callbacks').all());
    expect(raw).not.toContain('PHIMARK-secret-token');
    expect(store.claim('Task/t1', NOW)?.taskToken).toBe('PHIMARK-secret-token');
    mem.close();
  });

  it('no log line holds a task token or PHI marker', () => {
    expect(logs.lines.length).toBeGreaterThan(5);
    expect(logs.text()).not.toMatch(/PHIMARK|tok-(complete|rejected|cancelled|failed|delete|timedout|e2e|accept|forged|server|expire)/);
  });
});
