import type { CompiledWorkflow } from '../schemas/artifacts';
import { StageConfig } from '../schemas/deployConfig';
import { taskFunctionArn } from '../schemas/task';
import { applyPlan } from './apply';
import { desiredResources } from './desired';
import { fakeAws } from './fakeAws.testkit';
import { planChanges, planDestroy } from './plan';
import type { DeployContext } from './resources/types';

const KMS = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const TABLE = 'clinflow-demo-human-task-callbacks';
const TABLE_ARN = `arn:aws:dynamodb:us-east-1:123456789012:table/${TABLE}`;
const RESUME = 'clinflow-demo-human-task-resume';
const RULE_ARN = `arn:aws:events:us-east-1:123456789012:rule/clinflow-demo/${RESUME}`;

function workflow(name: string, tasks: string[]): CompiledWorkflow {
  return {
    name,
    stateMachineName: `clinflow-${name}`,
    definition: {
      QueryLanguage: 'JSONata',
      StartAt: tasks[0]!,
      States: Object.fromEntries(tasks.map((t, i) => [t, { Type: 'Task', Resource: taskFunctionArn(t), ...(i + 1 < tasks.length ? { Next: tasks[i + 1] } : { End: true }) }])),
    },
    trigger: { kind: 'eventRule', name: `clinflow-${name}`, eventPattern: { source: ['clinflow.fhir'], detail: { resourceType: ['ServiceRequest'] } } },
    manifest: { workflow: name, version: 1, sourceHash: `hash-${name}`.padEnd(64, '0'), compilerVersion: '0.1.0', tasks: [...tasks].sort(), routingAttributes: {} },
  };
}

const review = workflow('review', ['fhir.read', 'tasks.await']);
const plain = workflow('plain', ['fhir.read']);
const config = StageConfig.parse({ stage: 'demo', region: 'us-east-1', kmsKeyArn: KMS, environment: { CLINFLOW_FHIR_BASE_URL: 'https://fhir.example.test/r4' } });

function setup() {
  const aws = fakeAws();
  const ctx: DeployContext = {
    aws: aws.clients,
    target: { stage: 'demo', region: 'us-east-1', account: aws.account },
    bundle: async (entry) => new TextEncoder().encode(`bundle of ${entry}`),
  };
  return { aws, ctx };
}

async function deploy(ctx: DeployContext, workflows: CompiledWorkflow[]) {
  const plan = await planChanges(desiredResources(workflows, config, ctx.target.account), ctx);
  await applyPlan(plan, ctx);
  return plan;
}

describe('deploy: the tasks.await callback table and resume path', () => {
  it('adds no table, resume function or resume rule when no workflow calls tasks.await', () => {
    const kinds = desiredResources([plain], config, '123456789012').map((r) => `${r.kind} ${r.name}`);
    expect(kinds.filter((k) => k.includes('human-task'))).toEqual([]);
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
    // Exactly the four item actions on the one table, for the two functions that use it.
    const dynamoGrants = writes
      .filter((w) => w.command === 'PutRolePolicy')
      .flatMap((w) => (JSON.parse(String(w.input.PolicyDocument)) as { Statement: { Action: string[]; Resource: string[] }[] }).Statement.filter((s) => s.Action.some((a) => a.startsWith('dynamodb:'))).map((s) => [w.input.RoleName, s]));
    expect(dynamoGrants).toEqual(
      ['clinflow-demo-human-task-resume-role', 'clinflow-demo-tasks-await-role'].map((role) => [
        role,
        { Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: [TABLE_ARN] },
      ]),
    );

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
});
