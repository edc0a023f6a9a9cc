import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { SendTaskFailureCommandInput, SendTaskSuccessCommandInput } from '@aws-sdk/client-sfn';
import { openDatabase, type Db } from '../../engine/db/openDatabase';
import { ClinflowError } from '../../schemas/errors';
import type { FhirChangeDetail } from '../../schemas/fhirChangeEvent';
import type { FhirResource } from '../../schemas/fhirPort';
import type { ExecutionPort } from '../../schemas/ports';
import { captureLog } from '../../sandbox/captureLog';
import { startSandbox, type Sandbox } from '../../sandbox/startSandbox';
import { testTaskContext } from '../../sandbox/testTaskContext';
import { createHttpFhirPort, type HttpFhirPort } from '../fhir/createHttpFhirPort';
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
    if (this.failWith) throw new ClinflowError(this.failWith);
    this.successes.push(input);
  }
  async sendTaskFailure(input: SendTaskFailureCommandInput) {
    if (this.failWith) throw new ClinflowError(this.failWith);
    this.failures.push(input);
  }
  async sendTaskHeartbeat() {}
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
      notified.push({ server: 'sandbox', reference, resourceType: r.resourceType, id: r.id, versionId: r.meta?.versionId, interaction, origin: 'medplum', attributes: { status: (r.status as string) ?? null }, dedupeKey: `sandbox|${reference}|${r.meta?.versionId ?? ''}` });
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
  const handlers = createHumanTaskHandlers({ callbacks });
  const ctx = testTaskContext({ fhir, log: logs.log, taskToken: token, idempotencyKey: `arn:exec:${n}|ack|1`, now: () => NOW });
  return { handlers, ctx };
}

async function setStatus(task: string, status: string, extra: Record<string, unknown> = {}) {
  const current = await fhir.read(task);
  await fhir.update({ ...current, status, ...extra });
}

const detail = (task: string, interaction: FhirChangeDetail['interaction'] = 'update'): FhirChangeDetail => ({
  server: 'sandbox', reference: task, resourceType: 'Task', id: task.split('/')[1]!, interaction, origin: 'medplum', attributes: {}, dedupeKey: `${task}|x`,
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
    await setStatus(task, 'in-progress');
    expect(await resumeOnTaskChange(detail(task), deps)).toBe('ignored');
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
    expect(executions.failures.at(-1)).toMatchObject({ error: 'HumanTask.Cancelled' });

    const b = awaitCall('tok-timedout');
    const second = (await b.handlers['tasks.await']({ description: 'Ack', priority: 'routine' }, b.ctx)).task;
    await setStatus(second, 'completed');
    executions.failWith = 'TaskTimedOut';
    expect(await resumeOnTaskChange(detail(second), deps)).toBe('stale-token');
    expect(callbacks.isPending(second)).toBe(false);
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
    expect(logs.text()).not.toMatch(/PHIMARK|tok-(complete|rejected|cancelled|failed|delete|timedout|e2e)/);
  });
});
