import type { CompiledWorkflow } from '../schemas/artifacts';
import type { StageConfig } from '../schemas/deployConfig';
import { FHIR_EVENT_DETAIL_TYPE, FHIR_EVENT_SOURCE } from '../schemas/fhirChangeEvent';
import { toAwsDefinition } from './awsDefinition';
import * as n from './names';
import type { PolicyDocument, PolicyStatement } from './policy';
import { policy } from './policy';

/** One resource clinflow wants to exist in the stage. `key` is unique: `<kind>:<name>`. */
export type DesiredResource =
  | { kind: 'role'; name: string; service: string; policy: PolicyDocument; description: string }
  | { kind: 'queue'; name: string; kmsKeyArn?: string; /** The queue's resource policy (JSON). */ policy: string }
  | { kind: 'logGroup'; name: string; retentionDays: number; kmsKeyArn?: string }
  | { kind: 'bus'; name: string }
  /** The stage table (DynamoDB): `tasks.await` callback tokens and the FHIR endpoint's dedupe claims. */
  | { kind: 'table'; name: string; kmsKeyArn?: string }
  | {
      kind: 'function';
      name: string;
      /** Task name, or `fhir-endpoint` for the notification endpoint. */
      entry: string;
      roleName: string;
      environment: Record<string, string>;
      memoryMb: number;
      timeoutSeconds: number;
      functionUrl: boolean;
      /** ARN of the bus rule allowed to invoke the function (a resource-policy statement for events.amazonaws.com). */
      invokedByRule?: string;
      /** For functions invoked asynchronously: Lambda's own retries, then the failed event goes to `onFailure` (an SQS ARN). */
      asyncInvoke?: { maximumRetryAttempts: number; onFailure: string };
    }
  | { kind: 'stateMachine'; name: string; workflow: string; definition: string; roleName: string; logGroup: string; sourceHash: string; kmsKeyArn?: string }
  /** `roleName` is the role EventBridge assumes to start a workflow; a Lambda target has none (resource policy instead). */
  | { kind: 'rule'; name: string; bus: string; eventPattern: string; description: string; targetArn: string; roleName?: string; inputPath?: string }
  | { kind: 'scheduleGroup'; name: string }
  | {
      kind: 'schedule';
      name: string;
      group: string;
      expression: string;
      timezone: string;
      startDate?: string;
      endDate?: string;
      flexibleWindowMinutes?: number;
      enabled: boolean;
      description: string;
      targetArn: string;
      roleName: string;
      input: string;
      kmsKeyArn?: string;
    };

export type ResourceKind = DesiredResource['kind'];

/** Lambda's retries of a failed asynchronous resume before it goes to the stage DLQ (the maximum Lambda allows). */
export const RESUME_ASYNC_RETRIES = 2;

/** Creation order; deletion runs in reverse. */
export const KIND_ORDER: readonly ResourceKind[] = ['role', 'queue', 'logGroup', 'bus', 'table', 'function', 'stateMachine', 'scheduleGroup', 'rule', 'schedule'];

export const resourceKey = (r: { kind: string; name: string }): string => `${r.kind}:${r.name}`;

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

/**
 * The whole stage, derived from the compiled workflows and the stage configuration. Pure: the same
 * inputs give the same resources in the same order, so plans are stable and diffs meaningful.
 */
export function desiredResources(workflows: readonly CompiledWorkflow[], config: StageConfig, account: string): DesiredResource[] {
  const t: n.Target = { stage: config.stage, region: config.region, account };
  const sorted = [...workflows].sort((a, b) => a.name.localeCompare(b.name));
  const out: DesiredResource[] = [];
  const kms = config.kmsKeyArn;
  const dlq = n.dlqArn(t);

  // EventBridge rules dead-letter through the queue's own policy (Scheduler uses its role instead).
  const dlqPolicy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'clinflow-rules-dead-letter',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: dlq,
        Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:events:${t.region}:${t.account}:rule/${n.busName(t)}/*` } },
      },
    ],
  });
  out.push({ kind: 'queue', name: n.dlqName(t), policy: dlqPolicy, ...optional('kmsKeyArn', kms) });
  out.push({ kind: 'bus', name: n.busName(t) });
  out.push({ kind: 'scheduleGroup', name: n.scheduleGroupName(t) });
  out.push({ kind: 'scheduleGroup', name: n.reminderScheduleGroupName(t) });

  const eventTargets = sorted.filter((w) => w.trigger.kind === 'eventRule').map((w) => n.aliasArn(t, w.name));
  const scheduleTargets = sorted
    .filter((w) => w.trigger.kind === 'schedule' || w.name === config.reminderDeliveryWorkflow)
    .map((w) => n.aliasArn(t, w.name));

  const startExecution = (targets: string[]): PolicyStatement[] =>
    targets.length ? [{ Effect: 'Allow', Action: ['states:StartExecution'], Resource: targets }] : [];
  const sendToDlq: PolicyStatement = { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [dlq] };
  const useKms: PolicyStatement[] = kms ? [{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [kms] }] : [];

  out.push({
    kind: 'role',
    name: n.eventsRoleName(t),
    service: 'events.amazonaws.com',
    description: `clinflow ${t.stage}: EventBridge rules start their own workflows`,
    policy: policy([...startExecution(eventTargets), sendToDlq]),
  });
  out.push({
    kind: 'role',
    name: n.schedulerRoleName(t),
    service: 'scheduler.amazonaws.com',
    description: `clinflow ${t.stage}: schedules start their own workflows`,
    policy: policy([...startExecution(scheduleTargets), sendToDlq, ...useKms]),
  });

  // Task functions: one per task any workflow calls, plus the FHIR notification endpoint.
  const tasks = [...new Set(sorted.flatMap((w) => w.manifest.tasks))].sort();
  // The stage's DynamoDB table: tasks.await parks executions on tokens kept there (a bus rule on Task
  // changes resumes them), and the FHIR endpoint dedupes re-delivered notifications with claim items
  // there, so every stage has one.
  const awaitsHumans = tasks.includes('tasks.await');
  const table = n.callbackTableName(t);
  out.push({ kind: 'table', name: table, ...optional('kmsKeyArn', kms) });
  const resumeRule = n.ruleArn(t, n.resumeRuleName(t));
  const secretArns = Object.values(config.secrets).sort();
  const baseEnv = {
    ...config.environment,
    ...Object.fromEntries(Object.entries(config.secrets).map(([k, arn]) => [`${k}_SECRET_ARN`, arn])),
    CLINFLOW_STAGE: t.stage,
    CLINFLOW_BUS: n.busName(t),
    CLINFLOW_REMINDER_GROUP: n.reminderScheduleGroupName(t),
    CLINFLOW_REMINDER_TARGET: n.aliasArn(t, config.reminderDeliveryWorkflow),
    CLINFLOW_SCHEDULER_ROLE: n.roleArn(t, n.schedulerRoleName(t)),
    CLINFLOW_DLQ: dlq,
    ...optional('CLINFLOW_KMS_KEY', kms),
  };
  const routing: Record<string, Set<string>> = {};
  for (const w of sorted) for (const [type, attrs] of Object.entries(w.manifest.routingAttributes)) for (const attr of attrs) (routing[type] ??= new Set()).add(attr);
  const routingAttributes = Object.fromEntries(Object.keys(routing).sort().map((type) => [type, [...(routing[type] ?? [])].sort()]));
  const fnEntries = [
    ...tasks.map((task) => ({ entry: task, name: n.functionName(t, task) })),
    { entry: n.FHIR_ENDPOINT, name: n.endpointFunctionName(t) },
    ...(awaitsHumans ? [{ entry: n.HUMAN_TASK_RESUME, name: n.resumeFunctionName(t) }] : []),
  ];
  for (const { entry, name } of fnEntries) {
    const statements: PolicyStatement[] = [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: [n.logGroupArn(t, `/aws/lambda/${name}`), `${n.logGroupArn(t, `/aws/lambda/${name}`)}:*`],
      },
    ];
    if (secretArns.length) statements.push({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: secretArns });
    if (entry.startsWith('reminders.')) {
      statements.push({
        Effect: 'Allow',
        Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule', 'scheduler:ListSchedules'],
        Resource: [`arn:aws:scheduler:${t.region}:${t.account}:schedule/${n.reminderScheduleGroupName(t)}/*`],
      });
      statements.push({ Effect: 'Allow', Action: ['iam:PassRole'], Resource: [n.roleArn(t, n.schedulerRoleName(t))] });
      statements.push(...useKms);
    }
    if (entry === n.FHIR_ENDPOINT || entry === 'reminders.send') {
      statements.push({ Effect: 'Allow', Action: ['events:PutEvents'], Resource: [n.busArn(t)] });
    }
    // A resume that still fails after Lambda's async retries lands in the stage DLQ, sent with the function's role.
    if (entry === n.HUMAN_TASK_RESUME) statements.push(sendToDlq);
    const usesCallbacks = entry === 'tasks.await' || entry === n.HUMAN_TASK_RESUME;
    if (usesCallbacks) {
      statements.push({ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], Resource: [n.tableArn(t, table)] });
      statements.push(...useKms);
    }
    // The endpoint dedupes re-delivered notifications with claim items in the same table: write and delete only.
    const dedupes = entry === n.FHIR_ENDPOINT;
    if (dedupes) {
      statements.push({ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: [n.tableArn(t, table)] });
      statements.push(...useKms);
    }
    if (entry === 'tasks.await' || entry === n.FHIR_ENDPOINT || entry === n.HUMAN_TASK_RESUME) {
      statements.push({
        Effect: 'Allow',
        Action: ['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat'],
        Resource: sorted.map((w) => n.stateMachineArn(t, w.name)),
      });
    }
    // correlation.claim restarts its own workflow under the key's name and stops older runs for the key.
    if (entry === 'correlation.claim') {
      const keyed = sorted.filter((w) => w.manifest.tasks.includes('correlation.claim'));
      statements.push(
        { Effect: 'Allow', Action: ['states:ListExecutions'], Resource: keyed.map((w) => n.stateMachineArn(t, w.name)) },
        { Effect: 'Allow', Action: ['states:StartExecution'], Resource: keyed.flatMap((w) => [n.stateMachineArn(t, w.name), n.aliasArn(t, w.name)]) },
        { Effect: 'Allow', Action: ['states:StopExecution'], Resource: keyed.map((w) => `arn:aws:states:${t.region}:${t.account}:execution:${n.stateMachineName(t, w.name)}:*`) },
      );
    }
    const roleName = n.functionRoleName(t, name);
    out.push({ kind: 'role', name: roleName, service: 'lambda.amazonaws.com', description: `clinflow ${t.stage}: ${entry}`, policy: policy(statements) });
    out.push({
      kind: 'function',
      name,
      entry,
      roleName,
      // The endpoint extracts only the attributes the deployed rules route on (manifest routingAttributes).
      environment: {
        ...baseEnv,
        CLINFLOW_TASK: entry,
        ...(entry === n.FHIR_ENDPOINT ? { CLINFLOW_ROUTING_ATTRIBUTES: JSON.stringify(routingAttributes) } : {}),
        ...(usesCallbacks || dedupes ? { CLINFLOW_CALLBACK_TABLE: table } : {}),
      },
      memoryMb: config.lambda.memoryMb,
      timeoutSeconds: config.lambda.timeoutSeconds,
      functionUrl: entry === n.FHIR_ENDPOINT,
      ...optional('invokedByRule', entry === n.HUMAN_TASK_RESUME ? resumeRule : undefined),
      ...optional('asyncInvoke', entry === n.HUMAN_TASK_RESUME ? { maximumRetryAttempts: RESUME_ASYNC_RETRIES, onFailure: dlq } : undefined),
    });
  }
  if (awaitsHumans) {
    out.push({
      kind: 'rule',
      name: n.resumeRuleName(t),
      bus: n.busName(t),
      eventPattern: JSON.stringify({ source: [FHIR_EVENT_SOURCE], 'detail-type': [FHIR_EVENT_DETAIL_TYPE], detail: { resourceType: ['Task'] } }),
      description: `clinflow ${t.stage}: a FHIR Task change resumes the execution waiting on it`,
      targetArn: n.resumeFunctionArn(t),
    });
  }

  for (const w of sorted) {
    const smName = n.stateMachineName(t, w.name);
    const roleName = n.stateMachineRoleName(t, w.name);
    const logGroup = n.stateMachineLogGroup(t, w.name);
    const invoke = w.manifest.tasks.map((task) => n.functionArn(t, task));
    out.push({
      kind: 'role',
      name: roleName,
      service: 'states.amazonaws.com',
      description: `clinflow ${t.stage}: state machine ${w.name} invokes only its own tasks`,
      policy: policy([
        ...(invoke.length ? [{ Effect: 'Allow' as const, Action: ['lambda:InvokeFunction'], Resource: [...invoke, ...invoke.map((a) => `${a}:*`)] }] : []),
        // Vended-log delivery and X-Ray accept no resource-level scoping beyond the account and region.
        {
          Effect: 'Allow',
          Action: ['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries', 'logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'],
          Resource: [`arn:aws:logs:${t.region}:${t.account}:*`],
        },
        { Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'], Resource: [`arn:aws:xray:${t.region}:${t.account}:*`] },
        ...useKms,
      ]),
    });
    out.push({ kind: 'logGroup', name: logGroup, retentionDays: config.logRetentionDays, ...optional('kmsKeyArn', kms) });
    out.push({
      kind: 'stateMachine',
      name: smName,
      workflow: w.name,
      definition: JSON.stringify(toAwsDefinition(w.definition, t)),
      roleName,
      logGroup,
      sourceHash: w.manifest.sourceHash,
      ...optional('kmsKeyArn', kms),
    });
    const trig = w.trigger;
    if (trig.kind === 'eventRule') {
      out.push({
        kind: 'rule',
        name: n.ruleName(t, w.name),
        bus: n.busName(t),
        eventPattern: JSON.stringify(trig.eventPattern),
        description: (trig.description ?? w.description ?? w.name).slice(0, 512),
        targetArn: n.aliasArn(t, w.name),
        roleName: n.eventsRoleName(t),
        ...optional('inputPath', trig.inputPath),
      });
    } else if (trig.kind === 'schedule') {
      out.push({
        kind: 'schedule',
        name: n.scheduleName(t, w.name),
        group: n.scheduleGroupName(t),
        expression: trig.scheduleExpression,
        timezone: trig.scheduleExpressionTimezone,
        ...optional('startDate', trig.startDate),
        ...optional('endDate', trig.endDate),
        ...optional('flexibleWindowMinutes', trig.flexibleTimeWindow.mode === 'FLEXIBLE' ? trig.flexibleTimeWindow.maximumWindowInMinutes : undefined),
        enabled: trig.state !== 'DISABLED',
        description: (trig.description ?? w.description ?? w.name).slice(0, 512),
        targetArn: n.aliasArn(t, w.name),
        roleName: n.schedulerRoleName(t),
        input: JSON.stringify(trig.input ?? {}),
        ...optional('kmsKeyArn', kms),
      });
    }
  }
  return out.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.name.localeCompare(b.name));
}
