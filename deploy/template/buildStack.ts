import type { IStackSynthesizer } from 'aws-cdk-lib';
import { App, BootstraplessSynthesizer, CfnParameter, Fn, RemovalPolicy, Stack, Tags } from 'aws-cdk-lib';
import type { CfnResource } from 'aws-cdk-lib';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { CfnEventBus, CfnRule } from 'aws-cdk-lib/aws-events';
import { CfnManagedPolicy, CfnRole } from 'aws-cdk-lib/aws-iam';
import { CfnAlias, CfnKey } from 'aws-cdk-lib/aws-kms';
import { CfnEventInvokeConfig, CfnFunction, CfnPermission, CfnUrl } from 'aws-cdk-lib/aws-lambda';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import { CfnSchedule, CfnScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { CfnStateMachine, CfnStateMachineAlias, CfnStateMachineVersion } from 'aws-cdk-lib/aws-stepfunctions';
import { CfnQueue, CfnQueuePolicy } from 'aws-cdk-lib/aws-sqs';
import type { DesiredResource } from '../desired';
import { STAGE_KEY_ID } from '../desired';
import { APP, APP_TAG, CALLBACK_TTL_ATTRIBUTE, LIVE_ALIAS, STAGE_TAG } from '../names';
import { acknowledgeWildcards, applySuppressions } from './suppressions';

export const HANDLER = 'index.handler';
export const ASSET_BUCKET_PARAMETER = 'AssetBucket';
export const stackName = (stage: string): string => `clinflow-${stage}`;

export interface StackOptions {
  stage: string;
  /** Function name → the S3 key of its zip in the asset bucket. */
  assetKeys: Readonly<Record<string, string>>;
  /** Delete the PHI/audit resources (table, log groups, key) with the stack instead of keeping them. */
  purge: boolean;
  /** Acknowledge the justified rule-pack findings (default true; tests turn it off to see the packs fire). */
  acknowledge?: boolean;
}

/**
 * The CDK app a stage is synthesized in. With `validate`, synth checks the template against the
 * CloudFormation resource provider schemas (aws-cdk-lib's CloudFormation Validate plugin, which
 * ships the schemas) and fails on any violation; without, only the L1 constructs' own property
 * type checks run (a dry run stays quick).
 */
export function stageApp(validate: boolean): App {
  return new App({
    analyticsReporting: false,
    builtinCloudFormationValidation: validate,
    // Strict: enum and pattern violations (warnings by default) fail synth too.
    context: validate ? { '@aws-cdk/core:validateAgainstDefaultRules': true, '@aws-cdk/core:strictCfnValidateErrors': true } : {},
  });
}

type Of<K extends DesiredResource['kind']> = Extract<DesiredResource, { kind: K }>;

/** References CloudFormation resolves at deploy time: pseudo parameters and the generated key. */
const RESOLVED = /\$\{(AWS::(?:Partition|Region|AccountId|URLSuffix)|[A-Za-z0-9]+\.Arn)\}/;

/**
 * A string that names pseudo parameters becomes Fn::Sub (any other `${` is escaped as `${!`, which
 * Fn::Sub emits literally); anything else stays a plain string.
 */
export function sub(s: string): string {
  if (!RESOLVED.test(s)) return s;
  return Fn.sub(s.replace(/\$\{(?!AWS::(?:Partition|Region|AccountId|URLSuffix)\}|[A-Za-z0-9]+\.Arn\})/g, '${!'));
}

/** Deep `sub` over a JSON value (policies, environments). */
export function subAll(v: unknown): unknown {
  if (typeof v === 'string') return sub(v);
  if (Array.isArray(v)) return v.map(subAll);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, subAll(x)]));
  return v;
}

/** `clinflow-demo-fhir-read` → `FhirRead`: stable, readable logical ids without the stage. */
export function logicalId(kind: string, name: string, stage: string): string {
  const bare = name
    .replace(/^\/aws\/(lambda|vendedlogs\/states)\//, '$1-')
    .replace(`clinflow-${stage}-`, '')
    .replace(`clinflow-${stage}`, 'stage');
  const camel = bare
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((p) => p[0]!.toUpperCase() + p.slice(1))
    .join('');
  return `${kind[0]!.toUpperCase()}${kind.slice(1)}${camel}`;
}

const retainUnless = (purge: boolean, r: CfnResource): void => {
  // Retain also on replacement: a changed table or log group must never take its data with it.
  r.applyRemovalPolicy(purge ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN);
};

/**
 * The stage as a CloudFormation stack of L1 (`Cfn*`) constructs: each validates its properties'
 * types and required properties against the CloudFormation resource specification at synth time.
 * No CDK bootstrap, no CDK assets: the Lambda zips are in the stage's artifact bucket (a parameter),
 * so the template also deploys with plain `aws cloudformation deploy`.
 */
export function buildStack(resources: readonly DesiredResource[], opts: StackOptions, app: App = stageApp(false)): Stack {
  const stack = new Stack(app, stackName(opts.stage), {
    // aws-cdk-lib's own typings trip exactOptionalPropertyTypes here.
    synthesizer: new BootstraplessSynthesizer() as unknown as IStackSynthesizer,
    analyticsReporting: false,
    description: `clinflow stage ${opts.stage}: workflows (Step Functions), triggers (EventBridge, Scheduler), tasks (Lambda)`,
  });
  Tags.of(stack).add(APP_TAG, APP);
  Tags.of(stack).add(STAGE_TAG, opts.stage);
  const assetBucket = new CfnParameter(stack, ASSET_BUCKET_PARAMETER, {
    type: 'String',
    description: 'The stage artifact bucket holding the Lambda zips (clinflow deploy apply creates and fills it; see docs/DEPLOY.md)',
  });
  const id = (kind: string, name: string): string => logicalId(kind, name, opts.stage);
  const roles = new Map<string, CfnRole>();
  const logGroups = new Map<string, CfnLogGroup>();
  const functions = new Map<string, CfnFunction>();
  const aliases = new Map<string, CfnStateMachineAlias>();
  const groups = new Map<string, CfnScheduleGroup>();
  let queue: CfnQueue | undefined;
  let bus: CfnEventBus | undefined;
  const of = <K extends DesiredResource['kind']>(kind: K): Of<K>[] => resources.filter((r): r is Of<K> => r.kind === kind);

  for (const k of of('key')) {
    const key = new CfnKey(stack, STAGE_KEY_ID, { description: k.description, enableKeyRotation: true, keyPolicy: subAll(k.policy), pendingWindowInDays: 30 });
    retainUnless(opts.purge, key);
    new CfnAlias(stack, 'StageKeyAlias', { aliasName: k.name, targetKeyId: key.ref });
  }
  for (const r of of('role')) {
    // A customer-managed policy, not an inline one (HIPAA.Security-IAMNoInlinePolicy); the role
    // references it, so the permissions exist before anything can use the role (CreateFunction with
    // tracing checks the X-Ray permissions).
    const rid = id('role', r.name);
    const managed = new CfnManagedPolicy(stack, `${rid}Policy`, { path: `/clinflow/${opts.stage}/`, description: r.description, policyDocument: subAll(r.policy) });
    const role = new CfnRole(stack, rid, {
      roleName: r.name,
      path: `/clinflow/${opts.stage}/`,
      description: r.description,
      assumeRolePolicyDocument: subAll(r.trust),
      managedPolicyArns: [managed.ref],
    });
    if (opts.acknowledge !== false) acknowledgeWildcards(managed, r.policy);
    roles.set(r.name, role);
  }
  for (const q of of('queue')) {
    queue = new CfnQueue(stack, id('queue', q.name), { queueName: q.name, kmsMasterKeyId: sub(q.kmsKeyArn), messageRetentionPeriod: 1_209_600 });
    const statements = (q.policy.Statement as unknown[]).map(subAll);
    // AwsSolutions-SQS4: the queue refuses requests that are not over TLS.
    statements.push({
      Sid: 'DenyInsecureTransport',
      Effect: 'Deny',
      Principal: { AWS: '*' },
      Action: 'sqs:*',
      Resource: queue.attrArn,
      Condition: { Bool: { 'aws:SecureTransport': 'false' } },
    });
    new CfnQueuePolicy(stack, `${id('queue', q.name)}Policy`, { queues: [queue.ref], policyDocument: { Version: '2012-10-17', Statement: statements } });
  }
  for (const g of of('logGroup')) {
    const lg = new CfnLogGroup(stack, id('logGroup', g.name), { logGroupName: g.name, retentionInDays: g.retentionDays, kmsKeyId: sub(g.kmsKeyArn) });
    retainUnless(opts.purge, lg);
    logGroups.set(g.name, lg);
  }
  for (const b of of('bus')) bus = new CfnEventBus(stack, 'Bus', { name: b.name });
  for (const t of of('table')) {
    const table = new CfnTable(stack, 'StageTable', {
      tableName: t.name,
      attributeDefinitions: [{ attributeName: 'task', attributeType: 'S' }],
      keySchema: [{ attributeName: 'task', keyType: 'HASH' }],
      billingMode: 'PAY_PER_REQUEST',
      sseSpecification: { sseEnabled: true, sseType: 'KMS', kmsMasterKeyId: sub(t.kmsKeyArn) },
      // Items expire on `expiresAt` (epoch seconds, set by the callback store), so tokens do not live forever.
      timeToLiveSpecification: { attributeName: CALLBACK_TTL_ATTRIBUTE, enabled: true },
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtectionEnabled: !opts.purge,
    });
    retainUnless(opts.purge, table);
  }
  for (const f of of('function')) {
    const role = roles.get(f.roleName);
    const logGroup = logGroups.get(f.logGroup);
    const key = opts.assetKeys[f.name];
    if (!role || !logGroup || !key) throw new Error(`function ${f.name}: missing ${!role ? 'role' : !logGroup ? 'log group' : 'asset'}`);
    const fid = id('function', f.name);
    const fn = new CfnFunction(stack, fid, {
      functionName: f.name,
      runtime: f.runtime,
      handler: HANDLER,
      role: role.attrArn,
      code: { s3Bucket: assetBucket.valueAsString, s3Key: key },
      environment: { variables: subAll(f.environment) as Record<string, string> },
      memorySize: f.memoryMb,
      timeout: f.timeoutSeconds,
      architectures: ['arm64'],
      tracingConfig: { mode: 'Active' },
      loggingConfig: { logGroup: logGroup.ref, logFormat: 'JSON' },
    });
    // The log group exists (with retention and KMS) before Lambda could create one of its own.
    fn.addResourceDependency(logGroup);
    functions.set(f.name, fn);
    if (f.functionUrl) {
      // The FHIR endpoint authenticates each sender itself (bearer or HMAC), so the URL is public.
      // Since October 2025 a URL needs both permissions (https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html).
      new CfnUrl(stack, `${fid}Url`, { targetFunctionArn: fn.attrArn, authType: 'NONE' });
      new CfnPermission(stack, `${fid}UrlInvokeUrl`, { functionName: fn.ref, action: 'lambda:InvokeFunctionUrl', principal: '*', functionUrlAuthType: 'NONE' });
      new CfnPermission(stack, `${fid}UrlInvoke`, { functionName: fn.ref, action: 'lambda:InvokeFunction', principal: '*', invokedViaFunctionUrl: true });
    }
    if (f.asyncInvoke) {
      new CfnEventInvokeConfig(stack, `${fid}AsyncInvoke`, {
        functionName: fn.ref,
        qualifier: '$LATEST',
        maximumRetryAttempts: f.asyncInvoke.maximumRetryAttempts,
        destinationConfig: { onFailure: { destination: sub(f.asyncInvoke.onFailure) } },
      }).addResourceDependency(role);
    }
  }
  for (const s of of('stateMachine')) {
    const role = roles.get(s.roleName);
    const logGroup = logGroups.get(s.logGroup);
    if (!role || !logGroup) throw new Error(`state machine ${s.name}: missing role or log group`);
    const base = id('stateMachine', s.name);
    const sm = new CfnStateMachine(stack, base, {
      stateMachineName: s.name,
      stateMachineType: 'STANDARD',
      definitionString: sub(s.definition),
      roleArn: role.attrArn,
      // Every event, but never execution data (PHI): only state names, types and errors reach the logs.
      loggingConfiguration: { level: 'ALL', includeExecutionData: false, destinations: [{ cloudWatchLogsLogGroup: { logGroupArn: logGroup.attrArn } }] },
      tracingConfiguration: { enabled: true },
      encryptionConfiguration: { type: 'CUSTOMER_MANAGED_KMS_KEY', kmsKeyId: sub(s.kmsKeyArn), kmsDataKeyReusePeriodSeconds: 300 },
    });
    // A new revision replaces the version resource; CloudFormation then deletes the old version
    // (UpdateReplacePolicy Delete), so versions never pile up toward Step Functions' 1000 quota.
    const version = new CfnStateMachineVersion(stack, `${base}Version`, {
      stateMachineArn: sm.ref,
      stateMachineRevisionId: sm.attrStateMachineRevisionId,
      description: `source ${s.sourceHash.slice(0, 16)}`,
    });
    const alias = new CfnStateMachineAlias(stack, `${base}Live`, {
      name: LIVE_ALIAS,
      description: 'what triggers and schedules start',
      routingConfiguration: [{ stateMachineVersionArn: version.ref, weight: 100 }],
    });
    aliases.set(s.workflow, alias);
  }
  for (const g of of('scheduleGroup')) groups.set(g.name, new CfnScheduleGroup(stack, id('scheduleGroup', g.name), { name: g.name }));
  const dlqArn = queue?.attrArn;
  if (!dlqArn || !bus) throw new Error('the stage needs its queue and bus');
  for (const r of of('rule')) {
    const role = r.roleName ? roles.get(r.roleName) : undefined;
    const targetArn = 'workflow' in r.target ? aliases.get(r.target.workflow)?.ref : functions.get(r.target.functionName)?.attrArn;
    if (!targetArn) throw new Error(`rule ${r.name}: its target is not in the stage`);
    const rule = new CfnRule(stack, id('rule', r.name), {
      name: r.name,
      eventBusName: bus.ref,
      description: r.description,
      eventPattern: r.eventPattern,
      state: 'ENABLED',
      targets: [
        {
          id: 'workflow',
          arn: targetArn,
          ...(role ? { roleArn: role.attrArn } : {}),
          retryPolicy: { maximumRetryAttempts: 24, maximumEventAgeInSeconds: 86_400 },
          deadLetterConfig: { arn: dlqArn },
          ...(r.inputPath ? { inputPath: r.inputPath } : {}),
        },
      ],
    });
    if ('functionName' in r.target) {
      const fn = functions.get(r.target.functionName)!;
      new CfnPermission(stack, `${id('function', r.target.functionName)}RulePermission`, {
        functionName: fn.ref,
        action: 'lambda:InvokeFunction',
        principal: 'events.amazonaws.com',
        sourceArn: rule.attrArn,
      });
    }
  }
  for (const s of of('schedule')) {
    const role = roles.get(s.roleName);
    const group = groups.get(s.group);
    const alias = aliases.get(s.workflow);
    if (!role || !group || !alias) throw new Error(`schedule ${s.name}: missing role, group or workflow`);
    new CfnSchedule(stack, id('schedule', s.name), {
      name: s.name,
      groupName: group.ref,
      scheduleExpression: s.expression,
      scheduleExpressionTimezone: s.timezone,
      ...(s.startDate ? { startDate: s.startDate } : {}),
      ...(s.endDate ? { endDate: s.endDate } : {}),
      flexibleTimeWindow: s.flexibleWindowMinutes ? { mode: 'FLEXIBLE', maximumWindowInMinutes: s.flexibleWindowMinutes } : { mode: 'OFF' },
      state: s.enabled ? 'ENABLED' : 'DISABLED',
      description: s.description,
      kmsKeyArn: sub(s.kmsKeyArn),
      target: {
        arn: alias.ref,
        roleArn: role.attrArn,
        input: s.input,
        retryPolicy: { maximumRetryAttempts: 5, maximumEventAgeInSeconds: 3600 },
        deadLetterConfig: { arn: dlqArn },
      },
    });
  }
  if (opts.acknowledge !== false) applySuppressions(stack);
  return stack;
}

/** The template as CloudFormation takes it. */
export function templateOf(stack: Stack): Record<string, unknown> {
  const app = stack.node.root as App;
  return app.synth().getStackByName(stack.stackName).template as Record<string, unknown>;
}
