// Size: one function states every resource of a stage (keys, roles, queues, log groups, buses,
// tables, functions, state machines, schedules) beside the resources it references, so the names
// and ARNs that must agree are written in one place.
import type { CompiledWorkflow } from '../schemas/artifacts';
import type { StageConfig } from '../schemas/deployConfig';
import { FHIR_EVENT_DETAIL_TYPE, FHIR_EVENT_SOURCE } from '../schemas/fhirChangeEvent';
import { toAwsDefinition } from './awsDefinition';
import { DeployError } from './errors';
import * as n from './names';
import type { PolicyDocument, PolicyStatement } from './policy';
import { assumeRolePolicy, policy } from './policy';
import { runtimeWarning } from './runtime';
import { secretsFor, settingFor } from './taskSecrets';

/** One resource of the stage template. `key` is unique: `<kind>:<name>`. */
export type DesiredResource =
  /** The generated stage key (only when the configuration names none); `policy` is its key policy. */
  | { kind: 'key'; name: string; policy: Record<string, unknown>; description: string }
  | { kind: 'role'; name: string; service: string; trust: Record<string, unknown>; policy: PolicyDocument; description: string }
  | { kind: 'queue'; name: string; kmsKeyArn: string; /** The queue's resource policy. */ policy: Record<string, unknown> }
  | { kind: 'logGroup'; name: string; retentionDays: number; kmsKeyArn: string }
  | { kind: 'bus'; name: string }
  /** The stage table (DynamoDB): `tasks.await` callback tokens and the FHIR endpoint's dedupe claims. */
  | { kind: 'table'; name: string; kmsKeyArn: string }
  | {
      kind: 'function';
      name: string;
      /** Task name, `fhir-endpoint`, or `human-task-resume`. */
      entry: string;
      roleName: string;
      /** Its own `/aws/lambda/<name>` log group (managed: retention, KMS, kept on destroy). */
      logGroup: string;
      runtime: string;
      environment: Record<string, string>;
      memoryMb: number;
      timeoutSeconds: number;
      functionUrl: boolean;
      /** ARN of the bus rule allowed to invoke the function (a resource-policy statement for events.amazonaws.com). */
      invokedByRule?: string;
      /** For functions invoked asynchronously: Lambda's own retries, then the failed event goes to `onFailure` (an SQS ARN). */
      asyncInvoke?: { maximumRetryAttempts: number; onFailure: string };
    }
  | { kind: 'stateMachine'; name: string; workflow: string; definition: string; roleName: string; logGroup: string; sourceHash: string; kmsKeyArn: string }
  /** `roleName` is the role EventBridge assumes to start a workflow; a Lambda target has none (resource policy instead). */
  | { kind: 'rule'; name: string; bus: string; eventPattern: Record<string, unknown>; description: string; target: RuleTarget; roleName?: string; inputPath?: string }
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
      /** The workflow whose `live` alias it starts. */
      workflow: string;
      roleName: string;
      input: string;
      kmsKeyArn: string;
    };

/** A rule starts a workflow's `live` alias, or invokes a function. */
export type RuleTarget = { workflow: string } | { functionName: string };

export type ResourceKind = DesiredResource['kind'];

/** Lambda's retries of a failed asynchronous resume before it goes to the stage DLQ (the maximum Lambda allows). */
export const RESUME_ASYNC_RETRIES = 2;

/** Logical id of the generated stage key; ARNs name it as `${StageKey.Arn}` (Fn::Sub resolves it). */
export const STAGE_KEY_ID = 'StageKey';

/**
 * EventBridge Scheduler refuses a recurring schedule whose StartDate is more than 5 minutes in the
 * past (CreateSchedule and UpdateSchedule alike). A template may be deployed a while after synth,
 * so a start date less than this far ahead of `now` is dropped: the schedule starts at once.
 */
export const START_DATE_MARGIN_MS = 60 * 60 * 1000;

export interface DesiredStage {
  resources: DesiredResource[];
  /** Things the platform team should know (a dropped start date, a deprecated runtime, an unused secret). */
  warnings: string[];
}

/** Creation order; CloudFormation orders by references, this only keeps the template readable. */
export const KIND_ORDER: readonly ResourceKind[] = ['key', 'role', 'queue', 'logGroup', 'bus', 'table', 'function', 'stateMachine', 'scheduleGroup', 'rule', 'schedule'];

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } => (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };

/**
 * The generated key's policy: the account administers it through IAM, and the services that encrypt
 * with it on the stage's behalf may use it, each as AWS documents:
 * - CloudWatch Logs, scoped to this account's log groups by encryption context:
 *   https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/encrypt-log-data-kms.html
 * - EventBridge, sending failed events to the encrypted DLQ:
 *   https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html
 * - EventBridge Scheduler, for schedules encrypted with it and their DLQ:
 *   https://docs.aws.amazon.com/scheduler/latest/UserGuide/encryption-rest.html
 * - Step Functions' vended log delivery of an encrypted state machine:
 *   https://docs.aws.amazon.com/step-functions/latest/dg/encryption-at-rest.html
 * Roles (functions, state machines, schedules) get kms:Decrypt/GenerateDataKey in their own policies.
 */
export function stageKeyPolicy(t: n.Target): Record<string, unknown> {
  const sourceAccount = { StringEquals: { 'aws:SourceAccount': t.account } };
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'AccountAdministersTheKeyThroughIam', Effect: 'Allow', Principal: { AWS: `arn:${t.partition}:iam::${t.account}:root` }, Action: 'kms:*', Resource: '*' },
      {
        Sid: 'CloudWatchLogsEncryptsThisAccountsLogGroups',
        Effect: 'Allow',
        Principal: { Service: `logs.${t.region}.amazonaws.com` },
        Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
        Resource: '*',
        Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': `arn:${t.partition}:logs:${t.region}:${t.account}:log-group:*` } },
      },
      {
        Sid: 'EventBridgeSendsToTheEncryptedDlq',
        Effect: 'Allow',
        Principal: { Service: 'events.amazonaws.com' },
        Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: '*',
        Condition: sourceAccount,
      },
      { Sid: 'SchedulerUsesTheKey', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: '*', Condition: sourceAccount },
      { Sid: 'StepFunctionsLogDelivery', Effect: 'Allow', Principal: { Service: 'delivery.logs.amazonaws.com' }, Action: 'kms:Decrypt', Resource: '*', Condition: sourceAccount },
    ],
  };
}

/**
 * The whole stage, derived from the compiled workflows and the stage configuration. Pure (the clock
 * is passed in): the same inputs give the same resources in the same order.
 */
export function desiredResources(workflows: readonly CompiledWorkflow[], config: StageConfig, opts: { now: Date }): DesiredStage {
  const t = n.templateTarget(config.stage);
  const sorted = [...workflows].sort((a, b) => a.name.localeCompare(b.name));
  const out: DesiredResource[] = [];
  const warnings: string[] = [];
  const runtimeWarn = runtimeWarning(config.lambda.runtime);
  if (runtimeWarn) warnings.push(runtimeWarn);
  const kms = config.kmsKeyArn ?? `\${${STAGE_KEY_ID}.Arn}`;
  if (!config.kmsKeyArn)
    out.push({ kind: 'key', name: `alias/clinflow-${t.stage}`, policy: stageKeyPolicy(t), description: `clinflow ${t.stage}: encrypts the stage's table, queue, logs, schedules and state machines` });
  const dlq = n.dlqArn(t);
  const sourceAccount = t.account;

  // EventBridge rules dead-letter through the queue's own policy (Scheduler uses its role instead).
  out.push({
    kind: 'queue',
    name: n.dlqName(t),
    kmsKeyArn: kms,
    policy: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'clinflow-rules-dead-letter',
          Effect: 'Allow',
          Principal: { Service: 'events.amazonaws.com' },
          Action: 'sqs:SendMessage',
          Resource: dlq,
          Condition: { ArnLike: { 'aws:SourceArn': `arn:${t.partition}:events:${t.region}:${t.account}:rule/${n.busName(t)}/*` } },
        },
      ],
    },
  });
  out.push({ kind: 'bus', name: n.busName(t) });
  out.push({ kind: 'scheduleGroup', name: n.scheduleGroupName(t) });
  out.push({ kind: 'scheduleGroup', name: n.reminderScheduleGroupName(t) });

  const eventTargets = sorted.filter((w) => w.trigger.kind === 'eventRule').map((w) => w.name);
  const scheduleTargets = sorted.filter((w) => w.trigger.kind === 'schedule' || w.name === config.reminderDeliveryWorkflow).map((w) => w.name);

  /**
   * Starting an alias is authorised against the plain state machine ARN, narrowed to the alias by
   * the `states:StateMachineQualifier` key (https://docs.aws.amazon.com/step-functions/latest/dg/auth-version-alias.html).
   */
  const startExecution = (workflowNames: string[]): PolicyStatement[] =>
    workflowNames.length
      ? [
          {
            Sid: 'StartTheLiveAlias',
            Effect: 'Allow',
            Action: ['states:StartExecution'],
            Resource: workflowNames.map((w) => n.stateMachineArn(t, w)),
            Condition: { StringEquals: { 'states:StateMachineQualifier': n.LIVE_ALIAS } },
          },
        ]
      : [];
  const sendToDlq: PolicyStatement = { Effect: 'Allow', Action: ['sqs:SendMessage'], Resource: [dlq] };
  const useKms: PolicyStatement[] = [{ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:GenerateDataKey'], Resource: [kms] }];
  const xray: PolicyStatement = {
    Sid: 'XRayTracing',
    Effect: 'Allow',
    Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords', 'xray:GetSamplingRules', 'xray:GetSamplingTargets'],
    Resource: ['*'],
  };

  out.push({
    kind: 'role',
    name: n.eventsRoleName(t),
    service: 'events.amazonaws.com',
    trust: assumeRolePolicy('events.amazonaws.com', sourceAccount),
    description: `clinflow ${t.stage}: EventBridge rules start their own workflows`,
    policy: policy([...startExecution(eventTargets), sendToDlq, ...useKms]),
  });
  out.push({
    kind: 'role',
    name: n.schedulerRoleName(t),
    service: 'scheduler.amazonaws.com',
    trust: assumeRolePolicy('scheduler.amazonaws.com', sourceAccount),
    description: `clinflow ${t.stage}: schedules start their own workflows`,
    policy: policy([...startExecution(scheduleTargets), sendToDlq, ...useKms]),
  });

  // Task functions: one per task any workflow calls, plus the FHIR notification endpoint.
  const tasks = [...new Set(sorted.flatMap((w) => w.manifest.tasks))].sort();
  // The stage table: tasks.await parks executions on tokens kept there, and the FHIR endpoint dedupes
  // re-delivered notifications with claim items there, so every stage has one.
  const awaitsHumans = tasks.includes('tasks.await');
  const table = n.callbackTableName(t);
  out.push({ kind: 'table', name: table, kmsKeyArn: kms });
  const resumeRule = n.ruleArn(t, n.resumeRuleName(t));
  const baseEnv = {
    CLINFLOW_STAGE: t.stage,
    CLINFLOW_BUS: n.busName(t),
    CLINFLOW_REMINDER_GROUP: n.reminderScheduleGroupName(t),
    CLINFLOW_REMINDER_TARGET: n.aliasArn(t, config.reminderDeliveryWorkflow),
    CLINFLOW_SCHEDULER_ROLE: n.roleArn(t, n.schedulerRoleName(t)),
    CLINFLOW_DLQ: dlq,
    CLINFLOW_KMS_KEY: kms,
  };
  const routing: Record<string, Set<string>> = {};
  for (const w of sorted) for (const [type, attrs] of Object.entries(w.manifest.routingAttributes)) for (const attr of attrs) (routing[type] ??= new Set()).add(attr);
  const routingAttributes = Object.fromEntries(
    Object.keys(routing)
      .sort()
      .map((type) => [type, [...(routing[type] ?? [])].sort()]),
  );
  const fnEntries = [
    ...tasks.map((task) => ({ entry: task, name: n.functionName(t, task) })),
    { entry: n.FHIR_ENDPOINT, name: n.endpointFunctionName(t) },
    ...(awaitsHumans ? [{ entry: n.HUMAN_TASK_RESUME, name: n.resumeFunctionName(t) }] : []),
  ];
  const usedSecrets = new Set<string>();
  for (const { entry, name } of fnEntries) {
    const logGroup = `/aws/lambda/${name}`;
    // The log group is the template's (retention, KMS): the function may write to it, not create it.
    const statements: PolicyStatement[] = [{ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [n.logGroupArn(t, logGroup), `${n.logGroupArn(t, logGroup)}:*`] }, xray];
    const secrets = secretsFor(entry, config.secrets, config.environment);
    for (const s of secrets.names) usedSecrets.add(s);
    if (secrets.arns.length) statements.push({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: secrets.arns });
    if (entry.startsWith('reminders.')) {
      statements.push({
        Effect: 'Allow',
        Action: ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:GetSchedule'],
        Resource: [`arn:${t.partition}:scheduler:${t.region}:${t.account}:schedule/${n.reminderScheduleGroupName(t)}/*`],
      });
      // ListSchedules has no resource type: it is allowed on "*" or not at all (reminders.cancel pages through it).
      if (entry === 'reminders.cancel') statements.push({ Sid: 'ListSchedulesHasNoResourceType', Effect: 'Allow', Action: ['scheduler:ListSchedules'], Resource: ['*'] });
      statements.push({
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [n.roleArn(t, n.schedulerRoleName(t))],
        Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      });
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
    }
    // The endpoint dedupes re-delivered notifications with claim items in the same table: write and delete only.
    const dedupes = entry === n.FHIR_ENDPOINT;
    if (dedupes) statements.push({ Effect: 'Allow', Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'], Resource: [n.tableArn(t, table)] });
    if (usesCallbacks || dedupes || entry === n.HUMAN_TASK_RESUME) statements.push(...useKms);
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
        { Effect: 'Allow', Action: ['states:StopExecution'], Resource: keyed.map((w) => `arn:${t.partition}:states:${t.region}:${t.account}:execution:${n.stateMachineName(t, w.name)}:*`) },
      );
    }
    const roleName = n.functionRoleName(t, name);
    out.push({
      kind: 'role',
      name: roleName,
      service: 'lambda.amazonaws.com',
      trust: assumeRolePolicy('lambda.amazonaws.com'),
      description: `clinflow ${t.stage}: ${entry}`,
      policy: policy(dedupeKms(statements)),
    });
    out.push({ kind: 'logGroup', name: logGroup, retentionDays: config.logRetentionDays, kmsKeyArn: kms });
    const plain = Object.fromEntries(Object.entries(config.environment).filter(([k]) => settingFor(entry, k)));
    out.push({
      kind: 'function',
      name,
      entry,
      roleName,
      logGroup,
      runtime: config.lambda.runtime,
      // The endpoint extracts only the attributes the deployed rules route on (manifest routingAttributes).
      environment: {
        ...plain,
        ...Object.fromEntries(secrets.names.map((k) => [`${k}_SECRET_ARN`, config.secrets[k] ?? ''])),
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
  for (const name of Object.keys(config.secrets).sort()) {
    if (!usedSecrets.has(name)) warnings.push(`secret ${name} is given to no function: no task reads ${name}_SECRET_ARN and CLINFLOW_SOURCES does not reference $secret:${name}`);
  }
  if (awaitsHumans) {
    out.push({
      kind: 'rule',
      name: n.resumeRuleName(t),
      bus: n.busName(t),
      eventPattern: { source: [FHIR_EVENT_SOURCE], 'detail-type': [FHIR_EVENT_DETAIL_TYPE], detail: { resourceType: ['Task'] } },
      description: `clinflow ${t.stage}: a FHIR Task change resumes the execution waiting on it`,
      target: { functionName: n.resumeFunctionName(t) },
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
      trust: assumeRolePolicy('states.amazonaws.com', sourceAccount),
      description: `clinflow ${t.stage}: state machine ${w.name} invokes only its own tasks`,
      policy: policy([
        ...(invoke.length ? [{ Effect: 'Allow' as const, Action: ['lambda:InvokeFunction'], Resource: [...invoke, ...invoke.map((a) => `${a}:*`)] }] : []),
        // Vended-log delivery: these actions have no resource type (Service Authorization Reference), so "*".
        {
          Sid: 'LogDeliveryHasNoResourceType',
          Effect: 'Allow',
          Action: ['logs:CreateLogDelivery', 'logs:GetLogDelivery', 'logs:UpdateLogDelivery', 'logs:DeleteLogDelivery', 'logs:ListLogDeliveries'],
          Resource: ['*'],
        },
        // The log group's resource policy, as CloudWatch Logs' vended-logs page scopes it: to this account and region.
        { Effect: 'Allow', Action: ['logs:PutResourcePolicy', 'logs:DescribeResourcePolicies', 'logs:DescribeLogGroups'], Resource: [`arn:${t.partition}:logs:${t.region}:${t.account}:*`] },
        xray,
        ...useKms,
      ]),
    });
    out.push({ kind: 'logGroup', name: logGroup, retentionDays: config.logRetentionDays, kmsKeyArn: kms });
    out.push({
      kind: 'stateMachine',
      name: smName,
      workflow: w.name,
      definition: JSON.stringify(toAwsDefinition(w.definition, t)),
      roleName,
      logGroup,
      sourceHash: w.manifest.sourceHash,
      kmsKeyArn: kms,
    });
    const trig = w.trigger;
    if (trig.kind === 'eventRule') {
      out.push({
        kind: 'rule',
        name: n.ruleName(t, w.name),
        bus: n.busName(t),
        eventPattern: trig.eventPattern,
        description: (trig.description ?? w.description ?? w.name).slice(0, 512),
        target: { workflow: w.name },
        roleName: n.eventsRoleName(t),
        ...optional('inputPath', trig.inputPath),
      });
    } else if (trig.kind === 'schedule') {
      let startDate = trig.startDate;
      // A start that has passed means the schedule is already running: dropping it changes nothing.
      // A start less than the margin ahead would be refused if the deploy happens after it, so it is
      // dropped too, and that one does change when the first run can happen: say so.
      if (startDate !== undefined && Date.parse(startDate) < opts.now.getTime() + START_DATE_MARGIN_MS) {
        if (Date.parse(startDate) >= opts.now.getTime())
          warnings.push(`schedule of ${w.name}: start ${startDate} is less than an hour away, so it is dropped (Scheduler refuses a past StartDate) and the schedule starts when deployed`);
        startDate = undefined;
      }
      out.push({
        kind: 'schedule',
        name: n.scheduleName(t, w.name),
        group: n.scheduleGroupName(t),
        expression: trig.scheduleExpression,
        timezone: trig.scheduleExpressionTimezone,
        ...optional('startDate', startDate),
        ...optional('endDate', trig.endDate),
        ...optional('flexibleWindowMinutes', trig.flexibleTimeWindow.mode === 'FLEXIBLE' ? trig.flexibleTimeWindow.maximumWindowInMinutes : undefined),
        enabled: trig.state !== 'DISABLED',
        description: (trig.description ?? w.description ?? w.name).slice(0, 512),
        workflow: w.name,
        roleName: n.schedulerRoleName(t),
        input: JSON.stringify(trig.input ?? {}),
        kmsKeyArn: kms,
      });
    }
  }
  checkNames(out);
  return { resources: out.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.name.localeCompare(b.name)), warnings };
}

/** One kms statement per role, however many reasons it has to use the key. */
function dedupeKms(statements: PolicyStatement[]): PolicyStatement[] {
  const seen = new Set<string>();
  return statements.filter((s) => {
    const key = JSON.stringify(s);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Refuses names over AWS's limits, naming each, instead of letting CloudFormation fail half-way. */
export function checkNames(resources: readonly DesiredResource[]): void {
  const tooLong = resources.filter((r) => r.name.length > (n.NAME_LIMITS[r.kind] ?? 64));
  if (tooLong.length) {
    throw new DeployError(`names too long for AWS: ${tooLong.map((r) => `${r.kind} ${r.name} (${r.name.length} > ${n.NAME_LIMITS[r.kind] ?? 64})`).join('; ')}; use a shorter stage or workflow name`);
  }
}
