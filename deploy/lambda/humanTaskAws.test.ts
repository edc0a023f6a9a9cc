import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SendTaskFailureCommand, SendTaskHeartbeatCommand, SendTaskSuccessCommand, SFNClient } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { startSandbox, type Sandbox } from '../../sandbox/startSandbox';
import { handler as resumeHandler, resetResumeHandlerForTests } from './resumeHandler';
import { handler as taskHandler, resetTaskHandlerForTests } from './taskHandler';
import { DEFAULT_CALLBACK_TTL_SECONDS } from './dynamoCallbackStore';
import { emulateCallbackTable } from './dynamoTable.testkit';

const dynamo = mockClient(DynamoDBClient);
const sfn = mockClient(SFNClient);
const secretsManager = mockClient(SecretsManagerClient);
const TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:fhir-token-AbCdEf';
const TABLE = 'clinflow-demo-human-task-callbacks';
const CALLBACK_TOKEN = 'synthetic-callback-token-0001';
const EXECUTION = 'arn:aws:states:us-east-1:123456789012:execution:clinflow-demo-review:run-1';
const savedEnv = { ...process.env };

/** DynamoDB's conditional-write semantics for the one item shape the store writes, atomically per call. */
const emulateTable = () => emulateCallbackTable(dynamo);

let sandbox: Sandbox;
beforeAll(async () => {
  sandbox = await startSandbox({ seed: false, auth: { bearerTokens: ['sandbox-token-1'] } });
});
afterAll(async () => {
  process.env = savedEnv;
  await sandbox.close();
  dynamo.restore();
  sfn.restore();
  secretsManager.restore();
});
beforeEach(() => {
  dynamo.reset();
  sfn.reset();
  secretsManager.reset();
  secretsManager.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).resolves({ SecretString: 'sandbox-token-1' });
  sfn.on(SendTaskSuccessCommand).resolves({});
  sfn.on(SendTaskFailureCommand).resolves({});
  // SendTaskHeartbeat returns an empty body on success
  // (https://docs.aws.amazon.com/step-functions/latest/apireference/API_SendTaskHeartbeat.html).
  sfn.on(SendTaskHeartbeatCommand).resolves({});
});

function stageEnv(task: string, extra: Record<string, string> = {}): void {
  process.env = {
    ...savedEnv,
    CLINFLOW_TASK: task,
    CLINFLOW_STAGE: 'demo',
    CLINFLOW_BUS: 'clinflow-demo',
    CLINFLOW_FHIR_BASE_URL: sandbox.baseUrl,
    FHIR_TOKEN_SECRET_ARN: TOKEN_ARN,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIATEST',
    AWS_SECRET_ACCESS_KEY: 'test',
    ...extra,
  };
  resetTaskHandlerForTests();
  resetResumeHandlerForTests();
}

const fhirHeaders = { 'content-type': 'application/fhir+json', authorization: 'Bearer sandbox-token-1' };

async function parkOnTask(runId: string, extra: Record<string, unknown> = {}): Promise<{ task: string; before: number; after: number }> {
  stageEnv('tasks.await', { CLINFLOW_CALLBACK_TABLE: TABLE });
  const before = Date.now();
  const out = (await taskHandler(
    {
      description: 'Review the synthetic order',
      priority: 'routine',
      ...extra,
      taskToken: CALLBACK_TOKEN,
      _clinflow: { idempotencyKey: `${EXECUTION}|Review|${runId}`, executionArn: EXECUTION, stateName: 'Review' },
    },
    { awsRequestId: `req-${runId}` },
  )) as { task: string };
  return { task: out.task, before, after: Date.now() };
}

async function setStatus(task: string, status: string): Promise<void> {
  const current = (await (await fetch(`${sandbox.baseUrl}/${task}`, { headers: fhirHeaders })).json()) as Record<string, unknown>;
  const put = await fetch(`${sandbox.baseUrl}/${task}`, { method: 'PUT', headers: fhirHeaders, body: JSON.stringify({ ...current, status }) });
  expect(put.status).toBeLessThan(300);
}

async function readTask(task: string): Promise<Record<string, unknown>> {
  return (await (await fetch(`${sandbox.baseUrl}/${task}`, { headers: fhirHeaders })).json()) as Record<string, unknown>;
}

function changeEvent(task: string, interaction = 'update', server: string | undefined = sandbox.baseUrl.replace(/\/+$/, '')) {
  const id = task.split('/')[1]!;
  return {
    version: '0',
    id: `evt-${id}`,
    source: 'clinflow.fhir',
    'detail-type': 'FHIR Resource Changed',
    account: '123456789012',
    region: 'us-east-1',
    time: '2026-01-01T00:00:00Z',
    resources: [],
    detail: { server: server ?? '', reference: task, resourceType: 'Task', id, interaction, origin: 'r4-rest-hook', attributes: {}, dedupeKey: `${task}|2` },
  };
}

describe('tasks.await on AWS (DynamoDB callback table)', () => {
  it('creates the FHIR Task in the sandbox and stores the token with one PutItem, never in FHIR', async () => {
    emulateTable();
    const { task, before, after } = await parkOnTask('1');
    expect(task).toMatch(/^Task\/.+/);
    const puts = dynamo.commandCalls(PutItemCommand).map((c) => c.args[0].input);
    expect(puts).toHaveLength(1);
    const createdAt = Number(puts[0]!.Item!.createdAt!.N);
    expect(createdAt).toBeGreaterThanOrEqual(before);
    expect(createdAt).toBeLessThanOrEqual(after);
    expect(puts[0]).toEqual({
      TableName: TABLE,
      Item: {
        task: { S: task },
        server: { S: sandbox.baseUrl.replace(/\/+$/, '') },
        taskToken: { S: CALLBACK_TOKEN },
        executionArn: { S: EXECUTION },
        stateName: { S: 'Review' },
        untilStatus: { S: 'completed' },
        createdAt: { N: String(createdAt) },
        expiresAt: { N: String(Math.floor(createdAt / 1000) + DEFAULT_CALLBACK_TTL_SECONDS) },
      },
      ConditionExpression: 'attribute_not_exists(usedAt) OR expiresAt <= :nowSeconds',
      ExpressionAttributeValues: { ':nowSeconds': { N: String(Math.floor(createdAt / 1000)) } },
    });
    const res = await fetch(`${sandbox.baseUrl}/${task}`, { headers: fhirHeaders });
    const body = await res.text();
    expect(JSON.parse(body)).toMatchObject({ resourceType: 'Task', status: 'requested', description: 'Review the synthetic order' });
    expect(body).not.toContain(CALLBACK_TOKEN);
  });

  it('without CLINFLOW_CALLBACK_TABLE it still fails with HumanTask.Failed before any write', async () => {
    emulateTable();
    stageEnv('tasks.await');
    await expect(taskHandler({ description: 'x', priority: 'routine', taskToken: CALLBACK_TOKEN }, { awsRequestId: 'r' })).rejects.toMatchObject({ name: 'HumanTask.Failed' });
    expect(dynamo.calls()).toHaveLength(0);
  });

  it('the resume function sends SendTaskSuccess exactly once for a completed Task, even when invoked twice at once', async () => {
    emulateTable();
    const { task } = await parkOnTask('2');
    const current = (await (await fetch(`${sandbox.baseUrl}/${task}`, { headers: fhirHeaders })).json()) as Record<string, unknown>;
    const put = await fetch(`${sandbox.baseUrl}/${task}`, {
      method: 'PUT',
      headers: fhirHeaders,
      body: JSON.stringify({ ...current, status: 'completed', output: [{ type: { text: 'decision' }, valueString: 'approve' }] }),
    });
    expect(put.status).toBeLessThan(300);

    stageEnv('human-task-resume', { CLINFLOW_CALLBACK_TABLE: TABLE });
    const results = await Promise.all([resumeHandler(changeEvent(task)), resumeHandler(changeEvent(task))]);
    expect([...results].sort()).toEqual(['no-callback', 'succeeded']);
    expect(await resumeHandler(changeEvent(task))).toBe('no-callback');
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: CALLBACK_TOKEN, output: JSON.stringify({ task, status: 'completed', output: { decision: 'approve' } }) },
    ]);
    expect(sfn.commandCalls(SendTaskFailureCommand)).toHaveLength(0);
  });

  it('gives the token back when Step Functions cannot be reached, so the next delivery resumes', async () => {
    emulateTable();
    const { task } = await parkOnTask('3');
    const current = (await (await fetch(`${sandbox.baseUrl}/${task}`, { headers: fhirHeaders })).json()) as Record<string, unknown>;
    await fetch(`${sandbox.baseUrl}/${task}`, { method: 'PUT', headers: fhirHeaders, body: JSON.stringify({ ...current, status: 'rejected' }) });
    stageEnv('human-task-resume', { CLINFLOW_CALLBACK_TABLE: TABLE });
    sfn
      .on(SendTaskFailureCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }))
      .resolves({});
    await expect(resumeHandler(changeEvent(task))).rejects.toThrow('throttled');
    expect(await resumeHandler(changeEvent(task))).toBe('failed');
    expect(sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: CALLBACK_TOKEN, error: 'HumanTask.Rejected', cause: JSON.stringify({ task, status: 'rejected' }) },
      { taskToken: CALLBACK_TOKEN, error: 'HumanTask.Rejected', cause: JSON.stringify({ task, status: 'rejected' }) },
    ]);
  });

  it('accepted in time: with until accepted the resume function sends SendTaskSuccess (no escalation); without, a SendTaskHeartbeat', async () => {
    emulateTable();
    const { task } = await parkOnTask('4', { until: 'accepted' });
    await setStatus(task, 'accepted');
    stageEnv('human-task-resume', { CLINFLOW_CALLBACK_TABLE: TABLE });
    expect(await resumeHandler(changeEvent(task))).toBe('succeeded');
    expect(sfn.commandCalls(SendTaskSuccessCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: CALLBACK_TOKEN, output: JSON.stringify({ task, status: 'accepted' }) }]);

    const second = (await parkOnTask('5')).task;
    await setStatus(second, 'in-progress');
    stageEnv('human-task-resume', { CLINFLOW_CALLBACK_TABLE: TABLE });
    expect(await resumeHandler(changeEvent(second))).toBe('heartbeat');
    expect(sfn.commandCalls(SendTaskHeartbeatCommand).map((c) => c.args[0].input)).toEqual([{ taskToken: CALLBACK_TOKEN }]);
    expect(sfn.commandCalls(SendTaskSuccessCommand)).toHaveLength(1);
  });

  it('a forged delete (with or without a server) of a Task that is still open sends nothing; a real delete (404/410) fails the step', async () => {
    emulateTable();
    const { task } = await parkOnTask('6', { until: 'accepted' });
    stageEnv('human-task-resume', { CLINFLOW_CALLBACK_TABLE: TABLE });
    expect(await resumeHandler(changeEvent(task, 'delete'))).toBe('ignored');
    expect(await resumeHandler(changeEvent(task, 'delete', ''))).toBe('ignored');
    expect(await resumeHandler(changeEvent(task, 'delete', 'http://evil.example/fhir'))).toBe('wrong-server');
    expect(sfn.calls()).toHaveLength(0);
    expect(await readTask(task)).toMatchObject({ status: 'requested' });
    const del = await fetch(`${sandbox.baseUrl}/${task}`, { method: 'DELETE', headers: fhirHeaders });
    expect(del.status).toBeLessThan(300);
    expect(await resumeHandler(changeEvent(task, 'delete', ''))).toBe('failed');
    expect(sfn.commandCalls(SendTaskFailureCommand).map((c) => c.args[0].input)).toEqual([
      { taskToken: CALLBACK_TOKEN, error: 'HumanTask.Cancelled', cause: JSON.stringify({ task, status: 'deleted' }) },
    ]);
  });

  it('timeout: the tasks.expire function cancels the Task with a statusReason and fails with HumanTask.TimedOut carrying the reference', async () => {
    emulateTable();
    const awaitKey = `${EXECUTION}|Review#2026-01-01T00:00:00.000Z`;
    const { task } = await parkOnTask('7', { awaitKey });
    stageEnv('tasks.expire');
    const err = await taskHandler(
      { awaitKey, error: 'States.Timeout', _clinflow: { idempotencyKey: `${EXECUTION}|Review.expire#x`, executionArn: EXECUTION, stateName: 'Review.expire' } },
      { awsRequestId: 'req-expire' },
    ).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'HumanTask.TimedOut' });
    // Lambda reports errorMessage = the message: Step Functions' Cause, parsed by the workflow's catch.
    expect(JSON.parse((err as Error).message)).toEqual({ task, status: 'cancelled', error: 'States.Timeout', marked: true });
    expect(await readTask(task)).toMatchObject({ status: 'cancelled', statusReason: { text: expect.stringContaining('States.Timeout') } });
  });
});
