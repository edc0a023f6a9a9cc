import type { CompiledWorkflow } from '../schemas/artifacts';
import { StageConfig } from '../schemas/deployConfig';
import { applyPlan } from './apply';
import { desiredResources } from './desired';
import { fakeAws } from './fakeAws.testkit';
import { taskChainWorkflow } from './taskChainWorkflow.testkit';
import { planChanges, planDestroy } from './plan';
import { resourceOps } from './resources';
import { PITR_MAX_ATTEMPTS } from './resources/table';
import type { DeployContext } from './resources/types';

const KMS = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TABLE = 'clinflow-demo-human-task-callbacks';
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:123456789012:table/${TABLE}`;
const RESUME = 'clinflow-demo-human-task-resume';
const RULE_ARN = `arn:aws:events:us-east-1:123456789012:rule/clinflow-demo/${RESUME}`;
const DLQ_ARN = 'arn:aws:sqs:us-east-1:123456789012:clinflow-demo-dlq';
const TTL_REQUEST = { TableName: TABLE, TimeToLiveSpecification: { Enabled: true, AttributeName: 'expiresAt' } };
const PITR_REQUEST = { TableName: TABLE, PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true } };
const ASYNC_REQUEST = { FunctionName: RESUME, MaximumRetryAttempts: 2, DestinationConfig: { OnFailure: { Destination: DLQ_ARN } } };
const NEW_CALLS = ['UpdateTimeToLive', 'UpdateContinuousBackups', 'PutFunctionEventInvokeConfig'];

const workflow = taskChainWorkflow;

const review = workflow('review', ['fhir.read', 'tasks.await']);
const plain = workflow('plain', ['fhir.read']);
const config = StageConfig.parse({ stage: 'demo', region: 'us-east-1', kmsKeyArn: KMS, environment: { CLINFLOW_FHIR_BASE_URL: 'https://fhir.example.test/r4' } });

function setup() {
  const aws = fakeAws();
  const slept: number[] = [];
  const ctx: DeployContext = {
    aws: aws.clients,
    target: { stage: 'demo', region: 'us-east-1', account: aws.account },
    bundle: async (entry) => new TextEncoder().encode(`bundle of ${entry}`),
    sleep: async (ms) => void slept.push(ms),
  };
  return { aws, ctx, slept };
}

async function deploy(ctx: DeployContext, workflows: CompiledWorkflow[]) {
  const plan = await planChanges(desiredResources(workflows, config, ctx.target.account), ctx);
  await applyPlan(plan, ctx);
  return plan;
}

describe('deploy: the tasks.await callback table and resume path', () => {
  it('adds no resume function or resume rule when no workflow calls tasks.await (the stage table stays: the FHIR endpoint dedupes with it)', () => {
    const kinds = desiredResources([plain], config, '123456789012').map((r) => `${r.kind} ${r.name}`);
    expect(kinds.filter((k) => k.includes('human-task'))).toEqual(['table clinflow-demo-human-task-callbacks']);
  });

  it('creates the table, the resume function with its rule permission, and the rule; a second apply writes nothing; destroy deletes the table', async () => {
    const { aws, ctx } = setup();
    await deploy(ctx, [review]);
    const writes = aws.writes();
    const order = writes.map((w) => w.command);
    expect(writes.filter((w) => w.command === 'CreateTable').map((w) => w.input)).toEqual([
      {
        TableName: TABLE,
        AttributeDefinitions: [{ AttributeName: 'task', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'task', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: KMS },
        Tags: [
          { Key: 'clinflow:app', Value: 'clinflow' },
          { Key: 'clinflow:stage', Value: 'demo' },
        ],
      },
    ]);
    expect(order.indexOf('CreateTable')).toBeLessThan(order.indexOf('CreateFunction'));

    const fns = writes.filter((w) => w.command === 'CreateFunction').map((w) => w.input);
    const env = (name: string) => (fns.find((f) => f.FunctionName === name)!.Environment as { Variables: Record<string, string> }).Variables;
    expect(env('clinflow-demo-tasks-await').CLINFLOW_CALLBACK_TABLE).toBe(TABLE);
    expect(env(RESUME).CLINFLOW_CALLBACK_TABLE).toBe(TABLE);
    expect(env('clinflow-demo-fhir-read').CLINFLOW_CALLBACK_TABLE).toBeUndefined();
    expect(writes.filter((w) => w.command === 'AddPermission' && w.input.FunctionName === RESUME).map((w) => w.input)).toEqual([
      { FunctionName: RESUME, StatementId: 'clinflow-bus-rule', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: RULE_ARN },
    ]);
    expect(writes.filter((w) => w.command === 'PutRule' && w.input.Name === RESUME).map((w) => w.input)).toEqual([
      {
        Name: RESUME,
        EventBusName: 'clinflow-demo',
        EventPattern: JSON.stringify({ source: ['clinflow.fhir'], 'detail-type': ['FHIR Resource Changed'], detail: { resourceType: ['Task'] } }),
        State: 'ENABLED',
        Description: 'clinflow demo: a FHIR Task change resumes the execution waiting on it',
        Tags: [
          { Key: 'clinflow:app', Value: 'clinflow' },
          { Key: 'clinflow:stage', Value: 'demo' },
        ],
      },
    ]);
    // A Lambda target is allowed by the function's resource policy: no role.
    expect(writes.filter((w) => w.command === 'PutTargets' && w.input.Rule === RESUME).map((w) => w.input.Targets)).toEqual([
      [
        {
          Id: 'workflow',
          Arn: `arn:aws:lambda:us-east-1:123456789012:function:${RESUME}`,
          RetryPolicy: { MaximumRetryAttempts: 24, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:clinflow-demo-dlq' },
        },
      ],
    ]);
    // Exactly the four item actions on the one table, for the two functions that use it; the FHIR
    // endpoint only writes and deletes its dedupe claims there.
    const dynamoGrants = writes
      .filter((w) => w.command === 'PutRolePolicy')
      .flatMap((w) => (JSON.parse(String(w.input.PolicyDocument)) as { Statement: { Action: string[]; Resource: string[] }[] }).Statement.filter((s) => s.Action.some((a) => a.startsWith('dynamodb:'))).map((s) => [w.input.RoleName, s]));
    expect(dynamoGrants).toEqual([
      ['clinflow-demo-fhir-endpoint-role', { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: [TABLE_ARN] }],
      ...['clinflow-demo-human-task-resume-role', 'clinflow-demo-tasks-await-role'].map((role) => [
        role,
        { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: [TABLE_ARN] },
      ]),
    ]);
    expect(env('clinflow-demo-fhir-endpoint').CLINFLOW_CALLBACK_TABLE).toBe(TABLE);

    aws.resetCalls();
    const again = await deploy(ctx, [review]);
    expect(again.changes).toEqual([]);
    expect(aws.writes()).toEqual([]);

    aws.resetCalls();
    await applyPlan(await planDestroy(ctx), ctx);
    expect(aws.writes().filter((w) => w.command === 'DeleteTable').map((w) => w.input)).toEqual([{ TableName: TABLE }]);
    expect(aws.state.tables.size).toBe(0);
    expect(aws.state.functions.size).toBe(0);
  });

  it('re-adds a missing rule permission and changes the table encryption with UpdateTable', async () => {
    const { aws, ctx } = setup();
    await deploy(ctx, [review]);
    delete aws.state.functions.get(RESUME)!.statements;
    delete aws.state.tables.get(TABLE)!.sse;
    aws.resetCalls();
    await deploy(ctx, [review]);
    expect(aws.writes().map((w) => [w.command, w.input])).toEqual([
      ['UpdateTable', { TableName: TABLE, SSESpecification: { Enabled: true, SSEType: 'KMS', KMSMasterKeyId: KMS } }],
      ['AddPermission', { FunctionName: RESUME, StatementId: 'clinflow-bus-rule', Action: 'lambda:InvokeFunction', Principal: 'events.amazonaws.com', SourceArn: RULE_ARN }],
    ]);
  });

  it('enables TTL and PITR on a new table once it is ACTIVE, and gives the resume function 2 async retries then the stage DLQ', async () => {
    const { aws, ctx } = setup();
    await deploy(ctx, [review]);
    const calls = aws.calls().map((c) => c.command);
    // The waiter reads the table back (ACTIVE) before TTL; PITR waits for continuous backups to be ENABLED.
    expect(calls.slice(calls.indexOf('CreateTable'), calls.indexOf('UpdateContinuousBackups') + 1)).toEqual([
      'CreateTable',
      'DescribeTable',
      'UpdateTimeToLive',
      'DescribeContinuousBackups',
      'UpdateContinuousBackups',
    ]);
    expect(aws.writes().filter((w) => w.input.TableName === TABLE).map((w) => [w.command, w.input])).toEqual([
      ['CreateTable', expect.objectContaining({ TableName: TABLE })],
      ['UpdateTimeToLive', TTL_REQUEST],
      ['UpdateContinuousBackups', PITR_REQUEST],
    ]);
    expect(aws.writes().filter((w) => w.input.FunctionName === RESUME).map((w) => [w.command, w.input])).toEqual([
      ['CreateFunction', expect.objectContaining({ FunctionName: RESUME })],
      ['AddPermission', expect.objectContaining({ FunctionName: RESUME, StatementId: 'clinflow-bus-rule' })],
      ['PutFunctionEventInvokeConfig', ASYNC_REQUEST],
    ]);
    // Only the resume function is invoked asynchronously: nothing else gets an invoke config.
    expect(aws.writes().filter((w) => w.command === 'PutFunctionEventInvokeConfig')).toHaveLength(1);
    expect(aws.state.tables.get(TABLE)).toMatchObject({ ttl: 'expiresAt', pitr: true });

    aws.resetCalls();
    const again = await deploy(ctx, [review]);
    expect(again.changes).toEqual([]);
    expect(aws.writes()).toEqual([]);
    const reads = aws.calls().map((c) => [c.command, c.input]);
    expect(reads).toContainEqual(['DescribeTimeToLive', { TableName: TABLE }]);
    expect(reads).toContainEqual(['DescribeContinuousBackups', { TableName: TABLE }]);
    expect(reads).toContainEqual(['GetFunctionEventInvokeConfig', { FunctionName: RESUME }]);
  });

  it('lets the resume role send to the stage DLQ and nothing else, and no role anywhere names "*"', () => {
    const roles = desiredResources([review, plain], config, '123456789012').filter((r) => r.kind === 'role');
    const sqs = roles.flatMap((r) => r.policy.Statement.filter((st) => st.Action.some((a) => a.startsWith('sqs:'))).map((st) => [r.name, st]));
    expect(sqs).toEqual([
      ['clinflow-demo-events', { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [DLQ_ARN] }],
      ['clinflow-demo-human-task-resume-role', { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [DLQ_ARN] }],
      ['clinflow-demo-scheduler', { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [DLQ_ARN] }],
    ]);
    for (const r of roles) for (const st of r.policy.Statement) for (const res of st.Resource) expect(res).not.toMatch(/^\*$|^arn:aws:sqs:.*\*/);
  });

  it('converges after the invoke-config put fails, and repairs a lost DLQ grant before putting the config again', async () => {
    const { aws, ctx } = setup();
    aws.failOnce('PutFunctionEventInvokeConfig', Object.assign(new Error('throttled'), { name: 'TooManyRequestsException' }));
    await expect(deploy(ctx, [review])).rejects.toThrow(/create function clinflow-demo-human-task-resume failed[\s\S]*run apply again/);
    expect(aws.state.functions.get(RESUME)?.invokeConfig).toBeUndefined();

    aws.resetCalls();
    const plan = await deploy(ctx, [review]);
    expect(plan.changes.filter((c) => c.kind === 'function' && c.name === RESUME).map((c) => [c.action, c.action === 'update' ? c.changes : []])).toEqual([['update', ['AsyncInvoke']]]);
    expect(aws.writes().filter((w) => w.input.FunctionName === RESUME).map((w) => [w.command, w.input])).toEqual([['PutFunctionEventInvokeConfig', ASYNC_REQUEST]]);

    // The fake checks the destination against the role, like Lambda: without the grant the put is refused.
    const { aws: aws2, ctx: ctx2 } = setup();
    await deploy(ctx2, [review]);
    const role = aws2.state.roles.get('clinflow-demo-human-task-resume-role')!;
    const doc = JSON.parse(role.policy!) as { Statement: { Action: string[] }[] };
    role.policy = JSON.stringify({ ...doc, Statement: doc.Statement.filter((st) => !st.Action.includes('sqs:SendMessage')) });
    delete aws2.state.functions.get(RESUME)!.invokeConfig;
    const resume = desiredResources([review], config, aws2.account).find((r) => r.kind === 'function' && r.name === RESUME)!;
    await expect(resourceOps.function.update(resume as Extract<typeof resume, { kind: 'function' }>, ctx2, ['AsyncInvoke'])).rejects.toMatchObject({ name: 'InvalidParameterValueException' });
    aws2.resetCalls();
    // The re-run repairs the role first (roles precede functions), so the put is accepted.
    await deploy(ctx2, [review]);
    expect(aws2.writes().map((w) => w.command)).toEqual(['PutRolePolicy', 'PutFunctionEventInvokeConfig']);
  });

  it('stops when enabling TTL fails after the table was created, and the re-run enables TTL and PITR without recreating it', async () => {
    const { aws, ctx } = setup();
    aws.failOnce('UpdateTimeToLive', Object.assign(new Error('Table is being created'), { name: 'ResourceInUseException' }));
    await expect(deploy(ctx, [review])).rejects.toThrow(/create table clinflow-demo-human-task-callbacks failed[\s\S]*run apply again/);
    expect(aws.state.tables.get(TABLE)).toMatchObject({ pitr: false });
    expect(aws.state.tables.get(TABLE)!.ttl).toBeUndefined();
    expect(aws.writes().some((w) => w.command === 'CreateFunction')).toBe(false); // nothing after the failure

    aws.resetCalls();
    const plan = await deploy(ctx, [review]);
    expect(plan.changes.find((c) => c.name === TABLE)).toMatchObject({ action: 'update', changes: ['TTL', 'PITR'] });
    expect(aws.writes().filter((w) => w.input.TableName === TABLE).map((w) => [w.command, w.input])).toEqual([
      ['UpdateTimeToLive', TTL_REQUEST],
      ['UpdateContinuousBackups', PITR_REQUEST],
    ]);
    aws.resetCalls();
    await deploy(ctx, [review]);
    expect(aws.writes()).toEqual([]);
  });

  it('repairs drift with exactly the one call that fixes it: PITR switched off, retries changed, a table from before TTL', async () => {
    const { aws, ctx } = setup();
    await deploy(ctx, [review]);
    aws.state.tables.get(TABLE)!.pitr = false;
    aws.state.functions.get(RESUME)!.invokeConfig = { MaximumRetryAttempts: 0, DestinationConfig: { OnFailure: { Destination: DLQ_ARN } } };
    aws.resetCalls();
    await deploy(ctx, [review]);
    expect(aws.writes().map((w) => [w.command, w.input])).toEqual([
      ['UpdateContinuousBackups', PITR_REQUEST],
      ['PutFunctionEventInvokeConfig', ASYNC_REQUEST],
    ]);

    // A table deployed before TTL existed: only the TTL switch, no UpdateTable.
    delete aws.state.tables.get(TABLE)!.ttl;
    aws.resetCalls();
    await deploy(ctx, [review]);
    expect(aws.writes().map((w) => [w.command, w.input])).toEqual([['UpdateTimeToLive', TTL_REQUEST]]);
  });

  it('destroy deletes only the tagged table and functions, with no TTL, PITR or invoke-config calls', async () => {
    const { aws, ctx } = setup();
    await deploy(ctx, [review]);
    aws.state.tables.set('clinflow-demo-someone-elses', { billing: 'PAY_PER_REQUEST', pitr: true, ttl: 'expiresAt', tags: {} });
    aws.state.functions.set('clinflow-demo-someone-elses', { cfg: {}, tags: { 'clinflow:app': 'other' }, url: false, invokeConfig: { MaximumRetryAttempts: 1 } });
    aws.resetCalls();
    await applyPlan(await planDestroy(ctx), ctx);
    const writes = aws.writes();
    expect(writes.filter((w) => NEW_CALLS.includes(w.command))).toEqual([]);
    expect(writes.every((w) => /^(Delete|Remove)/.test(w.command))).toBe(true);
    expect(writes.filter((w) => w.command === 'DeleteTable').map((w) => w.input)).toEqual([{ TableName: TABLE }]);
    expect([...aws.state.tables.keys()]).toEqual(['clinflow-demo-someone-elses']);
    expect([...aws.state.functions.keys()]).toEqual(['clinflow-demo-someone-elses']);
  });

  it('waits for a new table\'s continuous backups before enabling PITR, instead of failing the first apply', async () => {
    const { aws, ctx, slept } = setup();
    aws.lagContinuousBackups(3);
    await deploy(ctx, [review]);
    const pitrCalls = aws.calls().filter((c) => c.command.endsWith('ContinuousBackups'));
    expect(pitrCalls.map((c) => c.command)).toEqual(['DescribeContinuousBackups', 'DescribeContinuousBackups', 'DescribeContinuousBackups', 'DescribeContinuousBackups', 'UpdateContinuousBackups']);
    expect(slept).toEqual([2000, 4000, 6000]);
    expect(aws.state.tables.get(TABLE)!.pitr).toBe(true);
  });

  it('gives up after PITR_MAX_ATTEMPTS polls saying so, and the re-run enables PITR', async () => {
    const { aws, ctx, slept } = setup();
    aws.lagContinuousBackups(PITR_MAX_ATTEMPTS + 1);
    await expect(deploy(ctx, [review])).rejects.toThrow(/create table clinflow-demo-human-task-callbacks failed: ContinuousBackupsNotReady: continuous backups of clinflow-demo-human-task-callbacks are still DISABLED[\s\S]*run apply again/);
    expect(slept).toHaveLength(PITR_MAX_ATTEMPTS - 1);
    expect(aws.state.tables.get(TABLE)).toMatchObject({ ttl: 'expiresAt', pitr: false });
    aws.resetCalls();
    const plan = await deploy(ctx, [review]);
    expect(plan.changes.find((c) => c.name === TABLE)).toMatchObject({ action: 'update', changes: ['PITR'] });
    expect(aws.writes().filter((w) => w.input.TableName === TABLE).map((w) => [w.command, w.input])).toEqual([['UpdateContinuousBackups', PITR_REQUEST]]);
  });
});
