import type { CompiledWorkflow } from '../schemas/artifacts';
import { StageConfig } from '../schemas/deployConfig';
import { taskFunctionArn } from '../schemas/task';
import { applyPlan } from './apply';
import { desiredResources } from './desired';
import { fakeAws } from './fakeAws.testkit';
import { formatPlan, planChanges, planDestroy, planFromScratch } from './plan';
import type { DeployContext } from './resources/types';

function workflow(name: string, trigger: CompiledWorkflow['trigger'], tasks: string[], comment = name): CompiledWorkflow {
  return {
    name,
    stateMachineName: `clinflow-${name}`,
    definition: {
      Comment: comment,
      QueryLanguage: 'JSONata',
      StartAt: tasks[0] ?? 'done',
      States: Object.fromEntries(
        tasks.length
          ? tasks.map((t, i) => [t, { Type: 'Task', Resource: taskFunctionArn(t), ...(i + 1 < tasks.length ? { Next: tasks[i + 1] } : { End: true }) }])
          : [['done', { Type: 'Succeed' }]],
      ),
    },
    trigger,
    manifest: { workflow: name, version: 1, sourceHash: `hash-${comment}`.padEnd(64, '0'), compilerVersion: '0.1.0', tasks: [...tasks].sort(), routingAttributes: {} },
  };
}

const reminders = workflow(
  'medication-reminders',
  { kind: 'eventRule', name: 'clinflow-medication-reminders', eventPattern: { source: ['clinflow.fhir'], detail: { resourceType: ['MedicationRequest'] } } },
  ['fhir.read', 'reminders.plan'],
);
const nightly = workflow(
  'nightly',
  { kind: 'schedule', name: 'clinflow-nightly', scheduleExpression: 'cron(0 2 * * ? *)', scheduleExpressionTimezone: 'America/New_York', flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 15 }, state: 'ENABLED' },
  ['fhir.search'],
);
const config = StageConfig.parse({ stage: 'demo', region: 'us-east-1', secrets: { FHIR_CLIENT_KEY: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:fhir-key' } });

function setup() {
  const aws = fakeAws();
  const bundles: string[] = [];
  const ctx: DeployContext = {
    aws: aws.clients,
    target: { stage: 'demo', region: 'us-east-1', account: aws.account },
    bundle: async (entry) => {
      bundles.push(entry);
      return new TextEncoder().encode(`bundle of ${entry}`);
    },
  };
  return { aws, ctx, bundles };
}

async function deploy(ctx: DeployContext, workflows: CompiledWorkflow[]) {
  const plan = await planChanges(desiredResources(workflows, config, ctx.target.account), ctx);
  await applyPlan(plan, ctx);
  return plan;
}

describe('deploy', () => {
  it('creates everything on a first apply, in dependency order, with the exact requests', async () => {
    const { aws, ctx } = setup();
    const plan = await deploy(ctx, [reminders, nightly]);
    expect(plan.changes.every((c) => c.action === 'create')).toBe(true);
    const writes = aws.writes();
    const order = writes.map((w) => w.command);
    // Roles before the things that assume them; state machines before the rules and schedules that start them.
    expect(order.indexOf('CreateRole')).toBe(0);
    expect(order.lastIndexOf('PutRolePolicy')).toBeLessThan(order.indexOf('CreateFunction'));
    expect(order.lastIndexOf('CreateFunction')).toBeLessThan(order.indexOf('CreateStateMachine'));
    expect(order.lastIndexOf('CreateStateMachineAlias')).toBeLessThan(order.indexOf('PutRule'));
    expect(order.filter((c) => c === 'CreateFunction')).toHaveLength(4); // fhir.read, fhir.search, reminders.plan, fhir-endpoint

    const createSm = writes.find((w) => w.command === 'CreateStateMachine' && w.input.name === 'clinflow-demo-medication-reminders')!.input;
    expect(createSm).toEqual({
      name: 'clinflow-demo-medication-reminders',
      type: 'STANDARD',
      definition: JSON.stringify({
        Comment: 'medication-reminders',
        QueryLanguage: 'JSONata',
        StartAt: 'fhir.read',
        States: {
          'fhir.read': { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:clinflow-demo-fhir-read', Next: 'reminders.plan' },
          'reminders.plan': { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:123456789012:function:clinflow-demo-reminders-plan', End: true },
        },
      }),
      roleArn: 'arn:aws:iam::123456789012:role/clinflow/demo/clinflow-demo-sfn-medication-reminders',
      loggingConfiguration: {
        level: 'ERROR',
        includeExecutionData: false,
        destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: 'arn:aws:logs:us-east-1:123456789012:log-group:/aws/vendedlogs/states/clinflow-demo-medication-reminders:*' } }],
      },
      tracingConfiguration: { enabled: true },
      publish: true,
      versionDescription: `source ${'hash-medication-reminders'.slice(0, 16)}`,
      tags: [
        { key: 'clinflow:app', value: 'clinflow' },
        { key: 'clinflow:stage', value: 'demo' },
      ],
    });
    expect(writes.find((w) => w.command === 'CreateStateMachineAlias' && String(w.input.routingConfiguration && (w.input.routingConfiguration as { stateMachineVersionArn: string }[])[0]?.stateMachineVersionArn).includes('medication'))!.input).toEqual({
      name: 'live',
      description: 'the version rules and schedules start',
      routingConfiguration: [{ stateMachineVersionArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:clinflow-demo-medication-reminders:1', weight: 100 }],
    });
    expect(writes.find((w) => w.command === 'PutTargets')!.input).toEqual({
      Rule: 'clinflow-demo-medication-reminders',
      EventBusName: 'clinflow-demo',
      Targets: [
        {
          Id: 'workflow',
          Arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:clinflow-demo-medication-reminders:live',
          RoleArn: 'arn:aws:iam::123456789012:role/clinflow/demo/clinflow-demo-events',
          RetryPolicy: { MaximumRetryAttempts: 24, MaximumEventAgeInSeconds: 86400 },
          DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:clinflow-demo-dlq' },
        },
      ],
    });
    expect(writes.find((w) => w.command === 'CreateSchedule')!.input).toEqual({
      Name: 'clinflow-demo-nightly',
      GroupName: 'clinflow-demo',
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'America/New_York',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      State: 'ENABLED',
      Description: 'nightly',
      Target: {
        Arn: 'arn:aws:states:us-east-1:123456789012:stateMachine:clinflow-demo-nightly:live',
        RoleArn: 'arn:aws:iam::123456789012:role/clinflow/demo/clinflow-demo-scheduler',
        Input: '{}',
        RetryPolicy: { MaximumRetryAttempts: 5, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:123456789012:clinflow-demo-dlq' },
      },
    });
    const createFn = writes.find((w) => w.command === 'CreateFunction' && w.input.FunctionName === 'clinflow-demo-fhir-read')!.input;
    expect(createFn).toMatchObject({ Runtime: 'nodejs20.x', Handler: 'index.handler', Role: 'arn:aws:iam::123456789012:role/clinflow/demo/clinflow-demo-fhir-read-role' });
    // Secrets by reference only.
    expect((createFn.Environment as { Variables: Record<string, string> }).Variables.FHIR_CLIENT_KEY_SECRET_ARN).toBe('arn:aws:secretsmanager:us-east-1:123456789012:secret:fhir-key');
    expect(writes.filter((w) => w.command === 'CreateFunctionUrlConfig').map((w) => w.input)).toEqual([{ FunctionName: 'clinflow-demo-fhir-endpoint', AuthType: 'NONE' }]);
  });

  it('changes nothing on a second apply: no write calls', async () => {
    const { aws, ctx } = setup();
    await deploy(ctx, [reminders, nightly]);
    aws.resetCalls();
    const plan = await deploy(ctx, [reminders, nightly]);
    expect(plan.changes).toEqual([]);
    expect(aws.writes()).toEqual([]);
    expect(aws.calls().length).toBeGreaterThan(10);
  });

  it('updates a changed workflow: new definition, new version, alias moved', async () => {
    const { aws, ctx } = setup();
    await deploy(ctx, [reminders, nightly]);
    aws.resetCalls();
    const changed = workflow('medication-reminders', reminders.trigger, ['fhir.read', 'reminders.plan'], 'medication-reminders v2');
    const plan = await deploy(ctx, [changed, nightly]);
    expect(plan.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update stateMachine clinflow-demo-medication-reminders']);
    expect(aws.writes().map((w) => [w.command, w.input.stateMachineArn ?? w.input.stateMachineAliasArn, w.input.publish])).toEqual([
      ['UpdateStateMachine', 'arn:aws:states:us-east-1:123456789012:stateMachine:clinflow-demo-medication-reminders', true],
      ['UpdateStateMachineAlias', 'arn:aws:states:us-east-1:123456789012:stateMachine:clinflow-demo-medication-reminders:live', undefined],
    ]);
    expect(aws.writes()[1]!.input.routingConfiguration).toEqual([{ stateMachineVersionArn: 'arn:aws:states:us-east-1:123456789012:stateMachine:clinflow-demo-medication-reminders:2', weight: 100 }]);
  });

  it("deletes a removed workflow's resources and the functions no workflow uses any more", async () => {
    const { aws, ctx } = setup();
    await deploy(ctx, [reminders, nightly]);
    aws.resetCalls();
    const plan = await deploy(ctx, [reminders]);
    expect(plan.changes.filter((c) => c.action === 'delete').map((c) => `${c.kind} ${c.name}`)).toEqual([
      'schedule clinflow-demo-nightly',
      'stateMachine clinflow-demo-nightly',
      'function clinflow-demo-fhir-search',
      'logGroup /aws/vendedlogs/states/clinflow-demo-nightly',
      'role clinflow-demo-fhir-search-role',
      'role clinflow-demo-sfn-nightly',
    ]);
    expect(aws.state.machines.has('clinflow-demo-nightly')).toBe(false);
    expect(aws.state.schedules.size).toBe(0);
    expect(aws.state.machines.has('clinflow-demo-medication-reminders')).toBe(true);
    // The scheduler role no longer may start the removed workflow.
    const schedulerRole = plan.changes.find((c) => c.action === 'update' && c.name === 'clinflow-demo-scheduler');
    expect(schedulerRole).toMatchObject({ changes: ['PolicyDocument'] });
    expect(aws.state.roles.get('clinflow-demo-scheduler')?.policy).not.toContain('nightly');
  });

  it('destroys everything tagged with the app and stage, and nothing else', async () => {
    const { aws, ctx } = setup();
    await deploy(ctx, [reminders, nightly]);
    // Someone else's resources: another stage's function, and an untagged role under our path.
    aws.state.functions.set('clinflow-prod-fhir-read', { cfg: {}, tags: { 'clinflow:app': 'clinflow', 'clinflow:stage': 'prod' }, url: false });
    aws.state.functions.set('clinflow-demo-handmade', { cfg: {}, tags: {}, url: false });
    aws.state.roles.set('not-ours', { path: '/clinflow/demo/', assume: '{}', tags: {} });
    const plan = await planDestroy(ctx);
    await applyPlan(plan, ctx);
    expect(plan.changes.every((c) => c.action === 'delete')).toBe(true);
    expect([...aws.state.functions.keys()].sort()).toEqual(['clinflow-demo-handmade', 'clinflow-prod-fhir-read']);
    expect([...aws.state.roles.keys()]).toEqual(['not-ours']);
    expect(aws.state.machines.size + aws.state.rules.size + aws.state.schedules.size + aws.state.groups.size + aws.state.buses.size + aws.state.queues.size + aws.state.logGroups.size).toBe(0);
  });

  it('stops at a failure half-way, says what was and was not applied, and converges on the re-run', async () => {
    const { aws, ctx } = setup();
    const throttled = Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
    aws.failOnce('CreateStateMachineAlias', throttled, 2);
    const desired = desiredResources([reminders, nightly], config, aws.account);
    const plan = await planChanges(desired, ctx);
    await expect(applyPlan(plan, ctx)).rejects.toThrow(/create stateMachine clinflow-demo-nightly failed: an AWS quota or rate limit was hit \(ThrottlingException\)[\s\S]*changes were applied; \d+ were not[\s\S]*run apply again/);
    expect(aws.state.machines.get('clinflow-demo-nightly')?.alias).toBeUndefined();
    aws.resetCalls();
    const rerun = await planChanges(desired, ctx);
    expect(rerun.changes.find((c) => c.name === 'clinflow-demo-nightly' && c.kind === 'stateMachine')).toMatchObject({ action: 'update', changes: ['alias:missing'] });
    await applyPlan(rerun, ctx);
    expect(aws.writes().map((w) => w.command)).toContain('PublishStateMachineVersion');
    expect(aws.writes().filter((w) => w.command === 'CreateStateMachine')).toEqual([]);
    expect(aws.state.machines.get('clinflow-demo-nightly')?.alias).toBe('arn:aws:states:us-east-1:123456789012:stateMachine:clinflow-demo-nightly:1');
    aws.resetCalls();
    expect((await planChanges(desired, ctx)).changes).toEqual([]);
  });

  it("lets the stage's rules, and nothing else, dead-letter to its queue, and repairs a lost queue policy", async () => {
    const { aws, ctx } = setup();
    await deploy(ctx, [reminders, nightly]);
    const policy = JSON.parse(aws.state.queuePolicies.get('clinflow-demo-dlq')!);
    expect(policy).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'clinflow-rules-dead-letter',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: 'arn:aws:sqs:us-east-1:123456789012:clinflow-demo-dlq',
          Condition: { ArnLike: { 'aws:SourceArn': 'arn:aws:events:us-east-1:123456789012:rule/clinflow-demo/*' } },
        },
      ],
    });
    aws.state.queuePolicies.set('clinflow-demo-dlq', undefined);
    aws.resetCalls();
    const plan = await deploy(ctx, [reminders, nightly]);
    expect(plan.changes.map((c) => `${c.action} ${c.kind} ${c.name}`)).toEqual(['update queue clinflow-demo-dlq']);
    expect(aws.writes().map((w) => w.command)).toEqual(['SetQueueAttributes']);
    expect(JSON.parse(aws.state.queuePolicies.get('clinflow-demo-dlq')!)).toEqual(policy);
  });

  it('generates IAM policies that name only this stage’s resources, never "*"', () => {
    const desired = desiredResources([reminders, nightly], { ...config, kmsKeyArn: 'arn:aws:kms:us-east-1:123456789012:key/abc' }, '123456789012');
    const roles = desired.filter((d) => d.kind === 'role');
    expect(roles.length).toBeGreaterThanOrEqual(8);
    for (const r of roles) {
      for (const s of r.policy.Statement) {
        for (const resource of s.Resource) {
          expect(resource).not.toBe('*');
          expect(resource).toMatch(/^arn:aws:[a-z0-9-]+:(us-east-1)?:123456789012:/);
          if (/:(function|stateMachine|event-bus|role|log-group):/.test(resource) || resource.includes(':role/')) expect(resource).toMatch(/clinflow-demo|clinflow\/demo/);
        }
      }
    }
    const sfnRole = roles.find((r) => r.name === 'clinflow-demo-sfn-medication-reminders')!;
    expect(sfnRole.policy.Statement[0]).toEqual({
      Effect: 'Allow',
      Action: ['lambda:InvokeFunction'],
      Resource: [
        'arn:aws:lambda:us-east-1:123456789012:function:clinflow-demo-fhir-read',
        'arn:aws:lambda:us-east-1:123456789012:function:clinflow-demo-reminders-plan',
        'arn:aws:lambda:us-east-1:123456789012:function:clinflow-demo-fhir-read:*',
        'arn:aws:lambda:us-east-1:123456789012:function:clinflow-demo-reminders-plan:*',
      ],
    });
    const events = roles.find((r) => r.name === 'clinflow-demo-events')!;
    expect(events.policy.Statement[0]!.Resource).toEqual(['arn:aws:states:us-east-1:123456789012:stateMachine:clinflow-demo-medication-reminders:live']);
  });

  it('plans from scratch without AWS for --dry-run', () => {
    const text = formatPlan(planFromScratch(desiredResources([reminders, nightly], config, '000000000000')));
    expect(text).toMatch(/\+ create stateMachine\s+clinflow-demo-medication-reminders/);
    expect(text).toMatch(/\+ create schedule\s+clinflow-demo-nightly/);
    expect(text).toMatch(/Plan: \d+ to create, 0 to update, 0 to delete, 0 unchanged\./);
  });
});
