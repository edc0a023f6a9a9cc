/**
 * Test kit: an in-memory AWS account behind aws-sdk-client-mock, so deploy tests can run several
 * applies in a row and assert the exact requests each one sends. Only what deploy calls is modelled.
 */
import { CloudWatchLogsClient, CreateLogGroupCommand, DeleteLogGroupCommand, DescribeLogGroupsCommand, ListTagsForResourceCommand as LogsTags, PutRetentionPolicyCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateTableCommand, DeleteTableCommand, DescribeContinuousBackupsCommand, DescribeTableCommand, DescribeTimeToLiveCommand, DynamoDBClient, ListTablesCommand, ListTagsOfResourceCommand, UpdateContinuousBackupsCommand, UpdateTableCommand, UpdateTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, DeleteEventBusCommand, DeleteRuleCommand, DescribeEventBusCommand, DescribeRuleCommand, EventBridgeClient, ListEventBusesCommand, ListRulesCommand, ListTagsForResourceCommand as EventsTags, ListTargetsByRuleCommand, PutRuleCommand, PutTargetsCommand, RemoveTargetsCommand } from '@aws-sdk/client-eventbridge';
import { CreateRoleCommand, DeleteRoleCommand, DeleteRolePolicyCommand, GetRoleCommand, GetRolePolicyCommand, IAMClient, ListRolesCommand, ListRoleTagsCommand, PutRolePolicyCommand, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import { AddPermissionCommand, CreateFunctionCommand, CreateFunctionUrlConfigCommand, DeleteFunctionCommand, GetFunctionCommand, GetFunctionEventInvokeConfigCommand, GetFunctionUrlConfigCommand, GetPolicyCommand, LambdaClient, ListFunctionsCommand, ListTagsCommand, PutFunctionEventInvokeConfigCommand, UpdateFunctionCodeCommand, UpdateFunctionConfigurationCommand } from '@aws-sdk/client-lambda';
import { CreateScheduleCommand, CreateScheduleGroupCommand, DeleteScheduleCommand, DeleteScheduleGroupCommand, GetScheduleCommand, GetScheduleGroupCommand, ListScheduleGroupsCommand, ListSchedulesCommand, ListTagsForResourceCommand as SchedTags, SchedulerClient, UpdateScheduleCommand } from '@aws-sdk/client-scheduler';
import { CreateStateMachineAliasCommand, CreateStateMachineCommand, DeleteStateMachineCommand, DescribeStateMachineAliasCommand, DescribeStateMachineCommand, ListStateMachinesCommand, ListStateMachineVersionsCommand, ListTagsForResourceCommand as SfnTags, PublishStateMachineVersionCommand, SFNClient, UpdateStateMachineAliasCommand, UpdateStateMachineCommand } from '@aws-sdk/client-sfn';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, GetQueueUrlCommand, ListQueuesCommand, ListQueueTagsCommand, SetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import type { AwsClients } from './aws/clients';

const REGION = 'us-east-1';
const ACCOUNT = '123456789012';

function notFound(name: string, message = 'not found'): Error {
  const e = new Error(message);
  e.name = name;
  return e;
}

type Tags = Record<string, string>;

export function fakeAws() {
  const roles = new Map<string, { path: string; assume: string; policy?: string; tags: Tags }>();
  const queues = new Map<string, Tags>();
  const queuePolicies = new Map<string, string | undefined>();
  const logGroups = new Map<string, { retention?: number; kmsKeyId?: string; tags: Tags }>();
  const buses = new Map<string, Tags>();
  const functions = new Map<string, { cfg: Record<string, unknown>; tags: Tags; url: boolean; statements?: Record<string, unknown>[]; invokeConfig?: Record<string, unknown> }>();
  const tables = new Map<string, { billing: string; sse?: { SSEType: string; KMSMasterKeyArn: string }; ttl?: string; pitr: boolean; /** DescribeContinuousBackups calls still to answer DISABLED (a new table's backups lag). */ backupsLag?: number; tags: Tags }>();
  const machines = new Map<string, { def: string; role: string; logging: unknown; tracing: unknown; tags: Tags; versions: { arn: string; def: string }[]; alias?: string }>();
  const rules = new Map<string, { pattern: string; state: string; description?: string; targets: Record<string, unknown>[]; tags: Tags }>();
  const groups = new Map<string, Tags>();
  const schedules = new Map<string, Record<string, unknown>>();
  /** A failure to inject: the Nth call (1-based, counting writes only) of that command fails once. */
  const failures: { command: string; remaining: number; error: Error }[] = [];
  const calls: { command: string; input: Record<string, unknown> }[] = [];
  /** How many DescribeContinuousBackups calls a newly created table answers DISABLED. */
  let backupsLag = 0;

  const ctors = { sfn: SFNClient, events: EventBridgeClient, scheduler: SchedulerClient, lambda: LambdaClient, iam: IAMClient, sqs: SQSClient, logs: CloudWatchLogsClient, sts: STSClient, dynamodb: DynamoDBClient } as const;
  const clients = Object.fromEntries(Object.entries(ctors).map(([k, C]) => [k, new C({ region: REGION, credentials: { accessKeyId: 'AKIATEST', secretAccessKey: 'test' } })])) as unknown as AwsClients;
  const mocks = Object.fromEntries(Object.entries(clients).map(([k, c]) => [k, mockClient(c as never)])) as Record<keyof AwsClients, ReturnType<typeof mockClient>>;

  function on<I extends object>(client: keyof AwsClients, cmd: { name: string }, fn: (input: I) => unknown): void {
    mocks[client].on(cmd as never).callsFake((input: I) => {
      calls.push({ command: cmd.name.replace(/Command$/, ''), input: input as Record<string, unknown> });
      const f = failures.find((x) => x.command === cmd.name.replace(/Command$/, ''));
      if (f && --f.remaining === 0) {
        failures.splice(failures.indexOf(f), 1);
        throw f.error;
      }
      return fn(input);
    });
  }
  const smArn = (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`;
  const smName = (arn: string) => arn.split(':')[6] ?? '';

  // IAM
  on<any>('iam', GetRoleCommand, (i) => {
    const r = roles.get(i.RoleName);
    if (!r) throw notFound('NoSuchEntityException');
    return { Role: { RoleName: i.RoleName, Path: r.path, AssumeRolePolicyDocument: encodeURIComponent(r.assume) } };
  });
  on<any>('iam', GetRolePolicyCommand, (i) => {
    const p = roles.get(i.RoleName)?.policy;
    if (!p) throw notFound('NoSuchEntityException');
    return { PolicyDocument: encodeURIComponent(p) };
  });
  on<any>('iam', CreateRoleCommand, (i) => roles.set(i.RoleName, { path: i.Path, assume: i.AssumeRolePolicyDocument, tags: Object.fromEntries(i.Tags.map((t: any) => [t.Key, t.Value])) }) && {});
  on<any>('iam', PutRolePolicyCommand, (i) => {
    const r = roles.get(i.RoleName);
    if (!r) throw notFound('NoSuchEntityException');
    r.policy = i.PolicyDocument;
    return {};
  });
  on<any>('iam', UpdateAssumeRolePolicyCommand, (i) => ((roles.get(i.RoleName)!.assume = i.PolicyDocument), {}));
  on<any>('iam', ListRolesCommand, (i) => ({ Roles: [...roles].filter(([, r]) => r.path.startsWith(i.PathPrefix)).map(([RoleName]) => ({ RoleName })), IsTruncated: false }));
  on<any>('iam', ListRoleTagsCommand, (i) => ({ Tags: Object.entries(roles.get(i.RoleName)?.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) }));
  on<any>('iam', DeleteRolePolicyCommand, (i) => (delete roles.get(i.RoleName)!.policy, {}));
  on<any>('iam', DeleteRoleCommand, (i) => (roles.delete(i.RoleName), {}));
  // SQS
  on<any>('sqs', GetQueueUrlCommand, (i) => {
    if (!queues.has(i.QueueName)) throw notFound('QueueDoesNotExist');
    return { QueueUrl: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${i.QueueName}` };
  });
  on<any>('sqs', CreateQueueCommand, (i) => (queues.set(i.QueueName, i.tags), queuePolicies.set(i.QueueName, i.Attributes?.Policy), { QueueUrl: `https://sqs/${i.QueueName}` }));
  on<any>('sqs', GetQueueAttributesCommand, (i) => ({ Attributes: { Policy: queuePolicies.get(String(i.QueueUrl).split('/').pop()!) } }));
  on<any>('sqs', SetQueueAttributesCommand, (i) => (queuePolicies.set(String(i.QueueUrl).split('/').pop()!, i.Attributes.Policy), {}));
  on<any>('sqs', ListQueuesCommand, (i) => ({ QueueUrls: [...queues.keys()].filter((q) => q.startsWith(i.QueueNamePrefix)).map((q) => `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${q}`) }));
  on<any>('sqs', ListQueueTagsCommand, (i) => ({ Tags: queues.get(String(i.QueueUrl).split('/').pop()!) }));
  on<any>('sqs', DeleteQueueCommand, (i) => (queues.delete(String(i.QueueUrl).split('/').pop()!), {}));
  // Logs
  on<any>('logs', DescribeLogGroupsCommand, (i) => ({ logGroups: [...logGroups].filter(([n]) => n.startsWith(i.logGroupNamePrefix)).map(([logGroupName, g]) => ({ logGroupName, retentionInDays: g.retention, kmsKeyId: g.kmsKeyId })) }));
  on<any>('logs', CreateLogGroupCommand, (i) => (logGroups.set(i.logGroupName, { tags: i.tags, kmsKeyId: i.kmsKeyId }), {}));
  on<any>('logs', PutRetentionPolicyCommand, (i) => ((logGroups.get(i.logGroupName)!.retention = i.retentionInDays), {}));
  on<any>('logs', LogsTags, (i) => ({ tags: logGroups.get(String(i.resourceArn).split(':log-group:')[1]!)?.tags }));
  on<any>('logs', DeleteLogGroupCommand, (i) => (logGroups.delete(i.logGroupName), {}));
  // EventBridge
  on<any>('events', DescribeEventBusCommand, (i) => {
    if (!buses.has(i.Name)) throw notFound('ResourceNotFoundException');
    return { Name: i.Name };
  });
  on<any>('events', CreateEventBusCommand, (i) => (buses.set(i.Name, Object.fromEntries(i.Tags.map((t: any) => [t.Key, t.Value]))), {}));
  on<any>('events', ListEventBusesCommand, (i) => ({ EventBuses: [...buses.keys()].filter((b) => b.startsWith(i.NamePrefix)).map((Name) => ({ Name, Arn: `arn:aws:events:${REGION}:${ACCOUNT}:event-bus/${Name}` })) }));
  on<any>('events', DeleteEventBusCommand, (i) => (buses.delete(i.Name), {}));
  on<any>('events', DescribeRuleCommand, (i) => {
    const r = rules.get(i.Name);
    if (!r) throw notFound('ResourceNotFoundException');
    return { Name: i.Name, EventPattern: r.pattern, State: r.state, Description: r.description };
  });
  on<any>('events', PutRuleCommand, (i) => {
    const prev = rules.get(i.Name);
    rules.set(i.Name, { pattern: i.EventPattern, state: i.State, description: i.Description, targets: prev?.targets ?? [], tags: prev?.tags ?? Object.fromEntries((i.Tags ?? []).map((t: any) => [t.Key, t.Value])) });
    return {};
  });
  on<any>('events', PutTargetsCommand, (i) => ((rules.get(i.Rule)!.targets = i.Targets), { FailedEntryCount: 0 }));
  on<any>('events', ListTargetsByRuleCommand, (i) => ({ Targets: rules.get(i.Rule)?.targets ?? [] }));
  on<any>('events', ListRulesCommand, (i) => ({ Rules: [...rules.keys()].filter((r) => r.startsWith(i.NamePrefix)).map((Name) => ({ Name, Arn: `arn:aws:events:rule/${Name}` })) }));
  on<any>('events', EventsTags, (i) => {
    const name = String(i.ResourceARN).split('/').pop()!;
    const tags = rules.get(name)?.tags ?? buses.get(name) ?? {};
    return { Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) };
  });
  on<any>('events', RemoveTargetsCommand, (i) => ((rules.get(i.Rule)!.targets = []), { FailedEntryCount: 0 }));
  on<any>('events', DeleteRuleCommand, (i) => (rules.delete(i.Name), {}));
  // Lambda
  on<any>('lambda', GetFunctionCommand, (i) => {
    const f = functions.get(i.FunctionName);
    if (!f) throw notFound('ResourceNotFoundException');
    return { Configuration: f.cfg };
  });
  on<any>('lambda', GetFunctionUrlConfigCommand, (i) => {
    if (!functions.get(i.FunctionName)?.url) throw notFound('ResourceNotFoundException');
    return { FunctionUrl: `https://${i.FunctionName}.lambda-url.${REGION}.on.aws/` };
  });
  const sha = (zip: Uint8Array) => createHash('sha256').update(zip).digest('base64');
  on<any>('lambda', CreateFunctionCommand, (i) => {
    functions.set(i.FunctionName, { cfg: { Runtime: i.Runtime, Handler: i.Handler, Role: i.Role, Environment: { Variables: i.Environment.Variables }, MemorySize: i.MemorySize, Timeout: i.Timeout, CodeSha256: sha(i.Code.ZipFile) }, tags: i.Tags, url: false });
    return {};
  });
  on<any>('lambda', UpdateFunctionCodeCommand, (i) => ((functions.get(i.FunctionName)!.cfg.CodeSha256 = sha(i.ZipFile)), {}));
  on<any>('lambda', UpdateFunctionConfigurationCommand, (i) => {
    const f = functions.get(i.FunctionName)!;
    Object.assign(f.cfg, { Runtime: i.Runtime, Handler: i.Handler, Role: i.Role, Environment: { Variables: i.Environment.Variables }, MemorySize: i.MemorySize, Timeout: i.Timeout });
    return {};
  });
  on<any>('lambda', CreateFunctionUrlConfigCommand, (i) => ((functions.get(i.FunctionName)!.url = true), {}));
  on<any>('lambda', AddPermissionCommand, (i) => {
    const f = functions.get(i.FunctionName);
    if (!f) throw notFound('ResourceNotFoundException');
    if (f.statements?.some((st) => st.Sid === i.StatementId)) throw notFound('ResourceConflictException', 'statement exists');
    (f.statements ??= []).push({ Sid: i.StatementId, Action: i.Action, Principal: i.Principal, ...(i.SourceArn ? { SourceArn: i.SourceArn } : {}) });
    return {};
  });
  on<any>('lambda', GetPolicyCommand, (i) => {
    const st = functions.get(i.FunctionName)?.statements;
    if (!st) throw notFound('ResourceNotFoundException');
    return { Policy: JSON.stringify({ Version: '2012-10-17', Statement: st }) };
  });
  on<any>('lambda', GetFunctionEventInvokeConfigCommand, (i) => {
    const cfg = functions.get(i.FunctionName)?.invokeConfig;
    if (!cfg) throw notFound('ResourceNotFoundException', `The function ${i.FunctionName} doesn't have an EventInvokeConfig`);
    return { FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${i.FunctionName}:$LATEST`, MaximumEventAgeInSeconds: 21600, ...cfg };
  });
  // Like Lambda: the destination is checked against the function's execution role when the config is put.
  on<any>('lambda', PutFunctionEventInvokeConfigCommand, (i) => {
    const f = functions.get(i.FunctionName);
    if (!f) throw notFound('ResourceNotFoundException');
    const dest = i.DestinationConfig?.OnFailure?.Destination as string | undefined;
    if (dest) {
      const policy = roles.get(String(f.cfg.Role).split('/').pop()!)?.policy;
      const statements = (policy ? (JSON.parse(policy) as { Statement: { Action: string[]; Resource: string[] }[] }).Statement : []);
      if (!statements.some((st) => st.Action.includes('sqs:SendMessage') && st.Resource.includes(dest))) {
        throw notFound('InvalidParameterValueException', `The function's execution role does not have permissions to call SendMessage on ${dest}`);
      }
    }
    f.invokeConfig = { MaximumRetryAttempts: i.MaximumRetryAttempts, ...(i.MaximumEventAgeInSeconds ? { MaximumEventAgeInSeconds: i.MaximumEventAgeInSeconds } : {}), DestinationConfig: i.DestinationConfig ?? {} };
    return {};
  });
  on<any>('lambda', ListFunctionsCommand, () => ({ Functions: [...functions.keys()].map((FunctionName) => ({ FunctionName, FunctionArn: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${FunctionName}` })) }));
  on<any>('lambda', ListTagsCommand, (i) => ({ Tags: functions.get(String(i.Resource).split(':').pop()!)?.tags }));
  on<any>('lambda', DeleteFunctionCommand, (i) => (functions.delete(i.FunctionName), {}));
  // Step Functions
  on<any>('sfn', DescribeStateMachineCommand, (i) => {
    const m = machines.get(smName(i.stateMachineArn));
    if (!m) throw notFound('StateMachineDoesNotExist');
    return { definition: m.def, roleArn: m.role, loggingConfiguration: m.logging, tracingConfiguration: m.tracing };
  });
  const publish = (name: string) => {
    const m = machines.get(name)!;
    const last = m.versions.at(-1);
    if (last && last.def === m.def) return last.arn;
    const arn = `${smArn(name)}:${m.versions.length + 1}`;
    m.versions.push({ arn, def: m.def });
    return arn;
  };
  on<any>('sfn', CreateStateMachineCommand, (i) => {
    machines.set(i.name, { def: i.definition, role: i.roleArn, logging: i.loggingConfiguration, tracing: i.tracingConfiguration, tags: Object.fromEntries(i.tags.map((t: any) => [t.key, t.value])), versions: [] });
    return { stateMachineArn: smArn(i.name), stateMachineVersionArn: i.publish ? publish(i.name) : undefined };
  });
  on<any>('sfn', UpdateStateMachineCommand, (i) => {
    const name = smName(i.stateMachineArn);
    Object.assign(machines.get(name)!, { def: i.definition, role: i.roleArn, logging: i.loggingConfiguration, tracing: i.tracingConfiguration });
    return { stateMachineVersionArn: i.publish ? publish(name) : undefined };
  });
  on<any>('sfn', PublishStateMachineVersionCommand, (i) => ({ stateMachineVersionArn: publish(smName(i.stateMachineArn)) }));
  on<any>('sfn', ListStateMachineVersionsCommand, (i) => ({ stateMachineVersions: [...(machines.get(smName(i.stateMachineArn))?.versions ?? [])].reverse().map((v) => ({ stateMachineVersionArn: v.arn })) }));
  on<any>('sfn', DescribeStateMachineAliasCommand, (i) => {
    const alias = machines.get(smName(i.stateMachineAliasArn))?.alias;
    if (!alias) throw notFound('ResourceNotFound');
    return { routingConfiguration: [{ stateMachineVersionArn: alias, weight: 100 }] };
  });
  const setAlias = (i: any) => {
    const v = i.routingConfiguration[0].stateMachineVersionArn as string;
    machines.get(smName(v))!.alias = v;
    return {};
  };
  on<any>('sfn', CreateStateMachineAliasCommand, setAlias);
  on<any>('sfn', UpdateStateMachineAliasCommand, setAlias);
  on<any>('sfn', ListStateMachinesCommand, () => ({ stateMachines: [...machines.keys()].map((name) => ({ name, stateMachineArn: smArn(name) })) }));
  on<any>('sfn', SfnTags, (i) => ({ tags: Object.entries(machines.get(smName(i.resourceArn))?.tags ?? {}).map(([key, value]) => ({ key, value })) }));
  on<any>('sfn', DeleteStateMachineCommand, (i) => (machines.delete(smName(i.stateMachineArn)), {}));
  // Scheduler
  on<any>('scheduler', GetScheduleGroupCommand, (i) => {
    if (!groups.has(i.Name)) throw notFound('ResourceNotFoundException');
    return { Name: i.Name };
  });
  on<any>('scheduler', CreateScheduleGroupCommand, (i) => (groups.set(i.Name, Object.fromEntries(i.Tags.map((t: any) => [t.Key, t.Value]))), {}));
  on<any>('scheduler', ListScheduleGroupsCommand, (i) => ({ ScheduleGroups: [...groups.keys()].filter((g) => g.startsWith(i.NamePrefix)).map((Name) => ({ Name, Arn: `arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule-group/${Name}` })) }));
  on<any>('scheduler', SchedTags, (i) => ({ Tags: Object.entries(groups.get(String(i.ResourceArn).split('/').pop()!) ?? {}).map(([Key, Value]) => ({ Key, Value })) }));
  on<any>('scheduler', DeleteScheduleGroupCommand, (i) => {
    groups.delete(i.Name);
    for (const k of [...schedules.keys()]) if (k.startsWith(`${i.Name}/`)) schedules.delete(k);
    return {};
  });
  on<any>('scheduler', GetScheduleCommand, (i) => {
    const s = schedules.get(`${i.GroupName}/${i.Name}`);
    if (!s) throw notFound('ResourceNotFoundException');
    return s;
  });
  on<any>('scheduler', CreateScheduleCommand, (i) => (schedules.set(`${i.GroupName}/${i.Name}`, { ...i }), { ScheduleArn: 'arn' }));
  on<any>('scheduler', UpdateScheduleCommand, (i) => (schedules.set(`${i.GroupName}/${i.Name}`, { ...i }), { ScheduleArn: 'arn' }));
  on<any>('scheduler', ListSchedulesCommand, (i) => ({ Schedules: [...schedules.keys()].filter((k) => k.startsWith(`${i.GroupName}/`)).map((k) => ({ Name: k.split('/')[1] })) }));
  on<any>('scheduler', DeleteScheduleCommand, (i) => (schedules.delete(`${i.GroupName}/${i.Name}`), {}));

  // DynamoDB
  on<any>('dynamodb', DescribeTableCommand, (i) => {
    const tb = tables.get(i.TableName);
    if (!tb) throw notFound('ResourceNotFoundException');
    return { Table: { TableName: i.TableName, TableStatus: 'ACTIVE', BillingModeSummary: { BillingMode: tb.billing }, ...(tb.sse ? { SSEDescription: { Status: 'ENABLED', ...tb.sse } } : {}) } };
  });
  on<any>('dynamodb', CreateTableCommand, (i) => {
    const sse = i.SSESpecification?.Enabled ? { SSEType: 'KMS', KMSMasterKeyArn: i.SSESpecification.KMSMasterKeyId } : undefined;
    tables.set(i.TableName, { billing: i.BillingMode, ...(sse ? { sse } : {}), pitr: false, ...(backupsLag ? { backupsLag } : {}), tags: Object.fromEntries(i.Tags.map((t: any) => [t.Key, t.Value])) });
    return {};
  });
  on<any>('dynamodb', UpdateTableCommand, (i) => {
    const tb = tables.get(i.TableName)!;
    if (i.BillingMode) tb.billing = i.BillingMode;
    if (i.SSESpecification) {
      if (i.SSESpecification.Enabled) tb.sse = { SSEType: 'KMS', KMSMasterKeyArn: i.SSESpecification.KMSMasterKeyId };
      else delete tb.sse;
    }
    return {};
  });
  const table = (name: string, missing = 'ResourceNotFoundException') => {
    const tb = tables.get(name);
    if (!tb) throw notFound(missing, `Table not found: ${name}`);
    return tb;
  };
  on<any>('dynamodb', DescribeTimeToLiveCommand, (i) => {
    const ttl = table(i.TableName).ttl;
    return { TimeToLiveDescription: ttl ? { TimeToLiveStatus: 'ENABLED', AttributeName: ttl } : { TimeToLiveStatus: 'DISABLED' } };
  });
  // Like DynamoDB: enabling TTL that is already enabled, or on another attribute, is a ValidationException.
  on<any>('dynamodb', UpdateTimeToLiveCommand, (i) => {
    const tb = table(i.TableName);
    if (!i.TimeToLiveSpecification.Enabled) delete tb.ttl;
    else if (tb.ttl) throw notFound('ValidationException', tb.ttl === i.TimeToLiveSpecification.AttributeName ? 'TimeToLive is already enabled' : 'TimeToLive is active on a different AttributeName');
    else tb.ttl = i.TimeToLiveSpecification.AttributeName;
    return { TimeToLiveSpecification: i.TimeToLiveSpecification };
  });
  on<any>('dynamodb', DescribeContinuousBackupsCommand, (i) => {
    const tb = table(i.TableName, 'TableNotFoundException');
    const lagging = (tb.backupsLag ?? 0) > 0;
    if (lagging) tb.backupsLag! -= 1;
    return { ContinuousBackupsDescription: { ContinuousBackupsStatus: lagging ? 'DISABLED' : 'ENABLED', PointInTimeRecoveryDescription: { PointInTimeRecoveryStatus: tb.pitr ? 'ENABLED' : 'DISABLED' } } };
  });
  // Like DynamoDB: PITR is refused while the table's continuous backups are still being enabled.
  on<any>('dynamodb', UpdateContinuousBackupsCommand, (i) => {
    const tb = table(i.TableName, 'TableNotFoundException');
    if ((tb.backupsLag ?? 0) > 0) throw notFound('ContinuousBackupsUnavailableException', `Backups are being enabled for the table: ${i.TableName}. Please retry later`);
    tb.pitr = i.PointInTimeRecoverySpecification.PointInTimeRecoveryEnabled;
    return {};
  });
  on<any>('dynamodb', ListTablesCommand, () => ({ TableNames: [...tables.keys()].sort() }));
  on<any>('dynamodb', ListTagsOfResourceCommand, (i) => ({ Tags: Object.entries(tables.get(String(i.ResourceArn).split(':table/')[1]!)?.tags ?? {}).map(([Key, Value]) => ({ Key, Value })) }));
  on<any>('dynamodb', DeleteTableCommand, (i) => (tables.delete(i.TableName), {}));

  const READ = /^(Get|Describe|List)/;
  return {
    clients,
    account: ACCOUNT,
    state: { roles, queues, queuePolicies, logGroups, buses, functions, machines, rules, groups, schedules, tables },
    /** Write requests since the last `reset()`, in order. */
    writes: () => calls.filter((c) => !READ.test(c.command)),
    calls: () => calls,
    resetCalls: () => void calls.splice(0),
    failOnce: (command: string, error: Error, nth = 1) => void failures.push({ command, remaining: nth, error }),
    /** New tables report continuous backups DISABLED for the next `n` DescribeContinuousBackups calls. */
    lagContinuousBackups: (n: number) => void (backupsLag = n),
    restore: () => Object.values(mocks).forEach((m) => m.restore()),
  };
}
