import { CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { startSandbox, type Sandbox } from '../../sandbox/startSandbox';
import { reminderScheduleName } from '../../tasks/reminders/scheduleNames';
import { splitEvent } from './taskFunction';
import { handler, resetTaskHandlerForTests } from './taskHandler';

const scheduler = mockClient(SchedulerClient);
const secretsManager = mockClient(SecretsManagerClient);
const TOKEN_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:fhir-token-AbCdEf';
const KMS = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const savedEnv = { ...process.env };

function stageEnv(task: string, extra: Record<string, string> = {}): void {
  process.env = {
    ...savedEnv,
    CLINFLOW_TASK: task,
    CLINFLOW_STAGE: 'demo',
    CLINFLOW_BUS: 'clinflow-demo',
    CLINFLOW_REMINDER_GROUP: 'clinflow-demo-reminders',
    CLINFLOW_REMINDER_TARGET: 'arn:aws:states:us-east-1:123456789012:stateMachine:clinflow-demo-reminder-delivery:live',
    CLINFLOW_SCHEDULER_ROLE: 'arn:aws:iam::123456789012:role/clinflow/demo/clinflow-demo-scheduler',
    CLINFLOW_DLQ: 'arn:aws:sqs:us-east-1:123456789012:clinflow-demo-dlq',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'AKIATEST',
    AWS_SECRET_ACCESS_KEY: 'test',
    ...extra,
  };
  resetTaskHandlerForTests();
}

const lambdaContext = (id = 'req-1') => ({ awsRequestId: id });

/** What the handler threw: Lambda reports errorType = name, errorMessage = message. */
async function thrown(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return { name: (err as Error).name, message: (err as Error).message };
  }
  throw new Error('the handler did not fail');
}

afterEach(() => {
  scheduler.reset();
  secretsManager.reset();
});
afterAll(() => {
  process.env = savedEnv;
  scheduler.restore();
  secretsManager.restore();
});

describe('task Lambda handler', () => {
  const plan = {
    order: 'MedicationRequest/med-1',
    versionId: '3',
    patient: 'Patient/p1',
    timeZone: 'America/New_York',
    policyVersion: '1',
    horizonStart: '2099-03-08T12:00:00Z',
    horizonEnd: '2099-03-10T12:00:00Z',
    slots: [{ slot: '2099-03-09T09:00', at: '2099-03-09T14:00:00Z', local: '2099-03-09T09:00-05:00' }],
  };

  it('reminders.schedule creates an at() schedule in UTC, deleted after completion, encrypted with the stage KMS key', async () => {
    stageEnv('reminders.schedule', { CLINFLOW_KMS_KEY: KMS });
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:us-east-1:123456789012:schedule/clinflow-demo-reminders/x' });
    const out = await handler({ plan, _clinflow: { idempotencyKey: 'exec|Schedule|0' } }, lambdaContext());
    const name = reminderScheduleName('MedicationRequest/med-1', '3', '2099-03-09T09:00');
    expect(out).toEqual({ created: 1, existing: 0, scheduleNames: [name] });
    const calls = scheduler.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toEqual({
      Name: name,
      GroupName: 'clinflow-demo-reminders',
      ScheduleExpression: 'at(2099-03-09T14:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      ActionAfterCompletion: 'DELETE',
      FlexibleTimeWindow: { Mode: 'OFF' },
      KmsKeyArn: KMS,
      Description: expect.stringContaining('MedicationRequest/med-1|3|'),
      Target: {
        Arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:clinflow-demo-reminder-delivery:live',
        RoleArn: 'arn:aws:iam::123456789012:role/clinflow/demo/clinflow-demo-scheduler',
        Input: expect.any(String),
        RetryPolicy: { MaximumRetryAttempts: 10, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:clinflow-demo-dlq' },
      },
    });
    expect(JSON.parse(calls[0]!.Target!.Input!)).toMatchObject({ order: 'MedicationRequest/med-1', versionId: '3', at: '2099-03-09T14:00:00Z' });
  });

  it('without CLINFLOW_KMS_KEY the schedule carries no KmsKeyArn', async () => {
    stageEnv('reminders.schedule');
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:x' });
    await handler({ plan }, lambdaContext());
    expect(scheduler.commandCalls(CreateScheduleCommand)[0]!.args[0].input).not.toHaveProperty('KmsKeyArn');
  });

  it('an existing schedule (ConflictException) counts as existing: a retried invocation is idempotent', async () => {
    stageEnv('reminders.schedule');
    scheduler.on(CreateScheduleCommand).rejects(Object.assign(new Error('exists'), { name: 'ConflictException' }));
    await expect(handler({ plan }, lambdaContext())).resolves.toMatchObject({ created: 0, existing: 1 });
  });

  it('invalid input fails with the named error States.TaskFailed before any AWS call', async () => {
    stageEnv('reminders.schedule');
    const e = await thrown(handler({ plan: { ...plan, slots: 'tomorrow' } }, lambdaContext()));
    expect(e.name).toBe('States.TaskFailed');
    expect(e.message).toMatch(/^Invalid input for task reminders\.schedule: plan\.slots: /);
    expect(scheduler.commandCalls(CreateScheduleCommand)).toHaveLength(0);
  });

  it('tasks.await is refused with HumanTask.Failed until the callback table exists, and nothing is created', async () => {
    stageEnv('tasks.await', { CLINFLOW_FHIR_BASE_URL: 'http://127.0.0.1:1/fhir' });
    const e = await thrown(handler({ task: { description: 'x' }, taskToken: 'secret-token' }, lambdaContext()));
    expect(e).toEqual({ name: 'HumanTask.Failed', message: 'tasks.await needs the callback table on AWS; not deployed yet' });
  });

  it('splitEvent strips the envelope and the callback token from the input', () => {
    expect(splitEvent({ a: 1, taskToken: 'tok', _clinflow: { idempotencyKey: 'k', executionArn: 'arn:e', stateName: 'S', junk: 1 } })).toEqual({
      input: { a: 1 },
      envelope: { idempotencyKey: 'k', executionArn: 'arn:e', stateName: 'S' },
      taskToken: 'tok',
    });
    expect(splitEvent({ a: 1 })).toEqual({ input: { a: 1 }, envelope: {} });
  });

  describe('FHIR tasks against the sandbox over HTTP', () => {
    let sandbox: Sandbox;
    beforeAll(async () => {
      sandbox = await startSandbox({ seed: false, auth: { bearerTokens: ['sandbox-token-1'] } });
    });
    afterAll(async () => sandbox.close());
    const fhirEnv = () => ({ CLINFLOW_FHIR_BASE_URL: sandbox.baseUrl, FHIR_TOKEN_SECRET_ARN: TOKEN_ARN });

    it('fhir.read reads a resource with the bearer token from Secrets Manager, fetched once per container', async () => {
      stageEnv('fhir.read', fhirEnv());
      secretsManager.on(GetSecretValueCommand, { SecretId: TOKEN_ARN }).resolves({ SecretString: 'sandbox-token-1' });
      const res = await fetch(`${sandbox.baseUrl}/Patient/p-lambda`, {
        method: 'PUT',
        headers: { 'content-type': 'application/fhir+json', authorization: 'Bearer sandbox-token-1' },
        body: JSON.stringify({ resourceType: 'Patient', id: 'p-lambda', gender: 'female' }),
      });
      expect(res.status).toBeLessThan(300);
      await expect(handler({ reference: 'Patient/p-lambda' }, lambdaContext('a'))).resolves.toMatchObject({ resourceType: 'Patient', id: 'p-lambda', gender: 'female' });
      await expect(handler({ reference: 'Patient/p-lambda' }, lambdaContext('b'))).resolves.toMatchObject({ id: 'p-lambda' });
      expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
    });

    it('a FHIR 404 surfaces as error name FHIR.NotFound', async () => {
      stageEnv('fhir.read', fhirEnv());
      secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'sandbox-token-1' });
      const e = await thrown(handler({ reference: 'Patient/does-not-exist' }, lambdaContext()));
      expect(e.name).toBe('FHIR.NotFound');
      expect(e.message).not.toContain('sandbox-token-1');
    });

    it('a wrong token from Secrets Manager surfaces as FHIR.Unauthorized', async () => {
      stageEnv('fhir.read', fhirEnv());
      secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'wrong-token' });
      expect((await thrown(handler({ reference: 'Patient/p-lambda' }, lambdaContext()))).name).toBe('FHIR.Unauthorized');
    });

    it('fhir.create with the same _clinflow.idempotencyKey writes once; without it each request id is a new write', async () => {
      stageEnv('fhir.create', fhirEnv());
      secretsManager.on(GetSecretValueCommand).resolves({ SecretString: 'sandbox-token-1' });
      const resource = { resourceType: 'Observation', status: 'final', code: { text: 'synthetic' } };
      const key = { idempotencyKey: 'arn:aws:states:us-east-1:123456789012:execution:wf:run-1|Record|0' };
      const a = (await handler({ resource, _clinflow: key }, lambdaContext('r1'))) as { id: string };
      const b = (await handler({ resource, _clinflow: key }, lambdaContext('r2'))) as { id: string };
      expect(b.id).toBe(a.id);
      const c = (await handler({ resource }, lambdaContext('r3'))) as { id: string };
      expect(c.id).not.toBe(a.id);
    });
  });
});
