import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack, Validations } from 'aws-cdk-lib';
import { CfnLogGroup } from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, HIPAASecurityChecks } from 'cdk-nag';
import { loadWorkflows } from '../../cli/loadWorkflows';
import type { CompiledWorkflow } from '../../schemas/artifacts';
import { StageConfig } from '../../schemas/deployConfig';
import { desiredResources } from '../desired';
import { NO_RESOURCE_TYPE_ACTIONS, policy } from '../policy';
import { runtimeWarning } from '../runtime';
import { taskChainWorkflow } from '../taskChainWorkflow.testkit';
import { BOOTSTRAP_JUSTIFIED, buildBootstrapStack } from './bootstrap';
import { buildStack, stageApp, templateOf } from './buildStack';
import { JUSTIFIED } from './suppressions';
import { synthesize } from './synth';

type Json = Record<string, any>;
const ROOT = join(__dirname, '..', '..');
const NOW = new Date('2026-12-02T12:00:00Z');
const fakeBundle = async (entry: string): Promise<Uint8Array> => new TextEncoder().encode(`zip of ${entry}`);
const shipped = (): CompiledWorkflow[] => loadWorkflows([join(ROOT, 'workflows')]).workflows;
const demo = StageConfig.parse({ stage: 'demo', region: 'us-east-1' });

/** A string property, whether plain or an Fn::Sub of pseudo parameters. */
const str = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'object' && v && 'Fn::Sub' in v ? String((v as Json)['Fn::Sub']) : JSON.stringify(v));
const ofType = (t: Json, type: string): [string, Json][] => Object.entries(t.Resources as Json).filter(([, r]) => r.Type === type) as [string, Json][];
/** The managed-policy statements of a role (by role logical id). */
function statementsOf(t: Json, roleId: string): Json[] {
  const role = t.Resources[roleId];
  return (role.Properties.ManagedPolicyArns as Json[]).flatMap((ref) => t.Resources[ref.Ref].Properties.PolicyDocument.Statement as Json[]);
}
const actions = (s: Json): string[] => [s.Action].flat();
const resourcesOf = (s: Json): string[] => [s.Resource].flat().map(str);

let template: Json;

beforeAll(async () => {
  // The whole demo stage, synthesized with the CloudFormation schema validation (strict) and both
  // rule packs: any violation that is not acknowledged makes this synth throw.
  const app = stageApp(true);
  Validations.of(app).addPlugins(new HIPAASecurityChecks(app), new AwsSolutionsChecks(app));
  const { resources } = desiredResources(shipped(), demo, { now: NOW });
  const keys = Object.fromEntries(resources.filter((r) => r.kind === 'function').map((r) => [r.name, `clinflow/demo/${r.name}.zip`]));
  template = templateOf(buildStack(resources, { stage: 'demo', assetKeys: keys, purge: false }, app));
}, 300_000);

describe('the stage template: specification and rule packs', () => {
  it('passes the CloudFormation resource schemas and cdk-nag HIPAA.Security + AwsSolutions with every finding acknowledged', () => {
    expect(Object.keys(template.Resources).length).toBeGreaterThan(100);
    expect(template.Parameters.AssetBucket.Type).toBe('String');
    // Plain CloudFormation: no CDK bootstrap parameter or rule, so `aws cloudformation deploy` takes it.
    expect(template.Parameters.BootstrapVersion).toBeUndefined();
    expect(template.Rules).toBeUndefined();
  });

  it('the schema validation is real: an out-of-spec property fails synth', () => {
    const app = stageApp(true);
    const stack = new Stack(app, 'bad');
    new CfnLogGroup(stack, 'Logs', { logGroupName: 'x', retentionInDays: 31 });
    expect(() => app.synth()).toThrow(/RetentionInDays: 31 is not one of \[1, 3, 5, 7, 14, 30/);
  }, 300_000);

  it('the rule packs are real: without the acknowledgments synth fails on the findings they justify', () => {
    const app = stageApp(false);
    Validations.of(app).addPlugins(new HIPAASecurityChecks(app));
    const { resources } = desiredResources([taskChainWorkflow('review', ['fhir.read'])], demo, { now: NOW });
    const keys = Object.fromEntries(resources.filter((r) => r.kind === 'function').map((r) => [r.name, 'k.zip']));
    buildStack(resources, { stage: 'demo', assetKeys: keys, purge: false, acknowledge: false }, app);
    let report = '';
    try {
      app.synth();
    } catch (err) {
      report = String(err);
    }
    for (const rule of [
      'HIPAA.Security-LambdaInsideVPC',
      'HIPAA.Security-LambdaConcurrency',
      'HIPAA.Security-LambdaDLQ',
      'HIPAA.Security-LambdaFunctionPublicAccessProhibited',
      'HIPAA.Security-DynamoDBInBackupPlan',
    ]) {
      expect(report).toContain(rule);
    }
  }, 120_000);

  it('docs/DEPLOY.md lists every acknowledged finding', () => {
    const doc = readFileSync(join(ROOT, 'docs', 'DEPLOY.md'), 'utf8');
    for (const rule of [...Object.keys(JUSTIFIED), ...Object.keys(BOOTSTRAP_JUSTIFIED)]) expect(doc).toContain(rule);
  });
});

describe('the eight blocking defects of issue 17', () => {
  it('1. no ListRules on a bus that does not exist yet: rules name the bus by Ref, so CloudFormation creates it first', () => {
    for (const [, rule] of ofType(template, 'AWS::Events::Rule')) expect(rule.Properties.EventBusName).toEqual({ Ref: 'Bus' });
    expect(template.Resources.Bus.Properties.Name).toBe('clinflow-demo');
  });

  it('2. a supported runtime: nodejs22.x everywhere; a deprecated one warns, an unknown one is refused', () => {
    const fns = ofType(template, 'AWS::Lambda::Function');
    expect(fns.length).toBeGreaterThan(5);
    for (const [, fn] of fns) expect(fn.Properties.Runtime).toBe('nodejs22.x');
    expect(runtimeWarning('nodejs22.x')).toBeUndefined();
    expect(runtimeWarning('nodejs20.x')).toMatch(/deprecated by Lambda on 2026-04-30/);
    expect(() => runtimeWarning('nodejs99.x')).toThrow(/unknown Lambda runtime/);
    const old = StageConfig.parse({ stage: 'demo', region: 'us-east-1', lambda: { runtime: 'nodejs20.x' } });
    expect(desiredResources(shipped(), old, { now: NOW }).warnings.join('\n')).toMatch(/runtime nodejs20.x was deprecated/);
    expect(StageConfig.safeParse({ stage: 'demo', region: 'us-east-1', lambda: { runtime: 'python3.12' } }).success).toBe(false);
  });

  it('3. X-Ray: every traced function role may PutTraceSegments and PutTelemetryRecords on "*", attached before the function exists', () => {
    for (const [, fn] of ofType(template, 'AWS::Lambda::Function')) {
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      const roleId = fn.Properties.Role['Fn::GetAtt'][0] as string;
      const xray = statementsOf(template, roleId).find((s) => actions(s).includes('xray:PutTraceSegments'));
      expect(xray).toBeDefined();
      expect(actions(xray!)).toEqual(expect.arrayContaining(['xray:PutTraceSegments', 'xray:PutTelemetryRecords']));
      expect(xray!.Resource).toEqual(['*']);
      // The policy is the role's managed policy (ManagedPolicyArns), so it exists before the role, and the role before the function.
      expect(template.Resources[roleId].Properties.ManagedPolicyArns).toHaveLength(1);
    }
  });

  it('4. state machine logging: the logs:*LogDelivery* actions on "*"; "*" only ever for actions with no resource type', () => {
    const sms = ofType(template, 'AWS::StepFunctions::StateMachine');
    expect(sms.length).toBe(shipped().length);
    for (const [, sm] of sms) {
      const st = statementsOf(template, sm.Properties.RoleArn['Fn::GetAtt'][0]).find((s) => actions(s).includes('logs:CreateLogDelivery'));
      expect(actions(st!).sort()).toEqual(['logs:CreateLogDelivery', 'logs:DeleteLogDelivery', 'logs:GetLogDelivery', 'logs:ListLogDeliveries', 'logs:UpdateLogDelivery']);
      expect(st!.Resource).toEqual(['*']);
      expect(sm.Properties.LoggingConfiguration.IncludeExecutionData).toBe(false);
    }
    // The allowlist replaces "no *": every statement of every policy with a "*" resource holds only allowlisted actions.
    let starred = 0;
    for (const [, p] of ofType(template, 'AWS::IAM::ManagedPolicy')) {
      for (const s of p.Properties.PolicyDocument.Statement as Json[]) {
        if (!resourcesOf(s).includes('*')) continue;
        starred += 1;
        expect(resourcesOf(s)).toEqual(['*']);
        for (const a of actions(s)) expect(NO_RESOURCE_TYPE_ACTIONS.has(a)).toBe(true);
      }
    }
    expect(starred).toBeGreaterThan(0);
    expect(() => policy([{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] }])).toThrow(/refusing "\*" for s3:GetObject/);
    expect(() => policy([{ Effect: 'Allow', Action: ['xray:PutTraceSegments', 'dynamodb:GetItem'], Resource: ['*'] }])).toThrow(/dynamodb:GetItem/);
  });

  it('5. no past StartDate: the nightly schedule from 2026-01-01 starts when deployed; a future start is kept', () => {
    const nightly = template.Resources.ScheduleNightlyOverdueTasks.Properties;
    expect(nightly.StartDate).toBeUndefined();
    expect(nightly.ScheduleExpression).toBe('cron(0 2 * * ? *)');
    for (const [, s] of ofType(template, 'AWS::Scheduler::Schedule')) if (s.Properties.StartDate) expect(Date.parse(s.Properties.StartDate)).toBeGreaterThan(NOW.getTime());
    const early = desiredResources(shipped(), demo, { now: new Date('2025-06-01T00:00:00Z') }).resources.find((r) => r.kind === 'schedule' && r.name.endsWith('nightly-overdue-tasks'));
    expect(early).toMatchObject({ startDate: '2026-01-01T00:00:00Z' });
    expect(desiredResources(shipped(), demo, { now: NOW }).warnings).toEqual([]);
    const soon = desiredResources(shipped(), demo, { now: new Date('2025-12-31T23:30:00Z') });
    expect(soon.resources.find((r) => r.kind === 'schedule' && r.name.endsWith('nightly-overdue-tasks'))).not.toHaveProperty('startDate');
    expect(soon.warnings.join('\n')).toMatch(/nightly-overdue-tasks: start 2026-01-01T00:00:00Z is less than an hour away/);
  });

  it('6. alias starts are authorised on the plain state machine ARN with states:StateMachineQualifier = live', () => {
    for (const roleId of ['RoleEvents', 'RoleScheduler']) {
      const st = statementsOf(template, roleId).find((s) => actions(s).includes('states:StartExecution'))!;
      expect(st.Condition).toEqual({ StringEquals: { 'states:StateMachineQualifier': 'live' } });
      for (const r of resourcesOf(st)) expect(r).toMatch(/^arn:\$\{AWS::Partition\}:states:\$\{AWS::Region\}:\$\{AWS::AccountId\}:stateMachine:clinflow-demo-[a-z-]+$/);
    }
    expect(resourcesOf(statementsOf(template, 'RoleEvents').find((s) => actions(s).includes('states:StartExecution'))!)).toContain(
      'arn:${AWS::Partition}:states:${AWS::Region}:${AWS::AccountId}:stateMachine:clinflow-demo-medication-reminders',
    );
    // Targets are the live alias itself.
    expect(template.Resources.RuleMedicationReminders.Properties.Targets[0].Arn).toEqual({ Ref: 'StateMachineMedicationRemindersLive' });
    expect(template.Resources.StateMachineMedicationRemindersLive.Properties.Name).toBe('live');
  });

  it('7. the function URL has both permissions: InvokeFunctionUrl (AuthType NONE) and InvokeFunction via the URL', () => {
    const perms = ofType(template, 'AWS::Lambda::Permission')
      .filter(([, p]) => p.Properties.FunctionName.Ref === 'FunctionFhirEndpoint')
      .map(([, p]) => p.Properties);
    expect(perms).toEqual(
      expect.arrayContaining([
        { FunctionName: { Ref: 'FunctionFhirEndpoint' }, Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' },
        { FunctionName: { Ref: 'FunctionFhirEndpoint' }, Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true },
      ]),
    );
    expect(perms).toHaveLength(2);
    expect(ofType(template, 'AWS::Lambda::Url')[0]![1].Properties).toEqual({ AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': ['FunctionFhirEndpoint', 'Arn'] } });
  });

  it('8. reminders.cancel may scheduler:ListSchedules on "*" (no resource type) and manage only the reminder group', () => {
    const st = statementsOf(template, 'RoleRemindersCancelRole');
    expect(st).toContainEqual({ Sid: 'ListSchedulesHasNoResourceType', Effect: 'Allow', Action: ['scheduler:ListSchedules'], Resource: ['*'] });
    const manage = st.find((s) => actions(s).includes('scheduler:DeleteSchedule'))!;
    expect(resourcesOf(manage)).toEqual(['arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/clinflow-demo-reminders/*']);
  });
});

describe('the risky findings of issue 17', () => {
  it('trust policies: aws:SourceAccount on the state machine, EventBridge and Scheduler roles', () => {
    for (const [id, role] of ofType(template, 'AWS::IAM::Role')) {
      const [st] = role.Properties.AssumeRolePolicyDocument.Statement as Json[];
      if (st!.Principal.Service === 'lambda.amazonaws.com') continue;
      expect([id, st!.Condition]).toEqual([id, { StringEquals: { 'aws:SourceAccount': { 'Fn::Sub': '${AWS::AccountId}' } } }]);
    }
    expect(template.Resources.RoleSfnMedicationReminders.Properties.AssumeRolePolicyDocument.Statement[0].Principal.Service).toBe('states.amazonaws.com');
  });

  it('per-task secrets: each function gets only the secrets its task reads', () => {
    const arn = (n: string) => `arn:aws:secretsmanager:us-east-1:123456789012:secret:${n}`;
    const config = StageConfig.parse({
      stage: 'demo',
      region: 'us-east-1',
      secrets: { FHIR_TOKEN: arn('fhir'), NOTIFY_WEBHOOK: arn('hook'), EHR_HMAC: arn('ehr'), UNUSED: arn('unused') },
      environment: { CLINFLOW_NOTIFY_WEBHOOK_URL: 'https://hooks.example.test/x', CLINFLOW_SOURCES: '{"ehr":{"hmacSecret":"$secret:EHR_HMAC"}}' },
    });
    const { resources, warnings } = desiredResources(shipped(), config, { now: NOW });
    const fn = (suffix: string) => resources.find((r) => r.kind === 'function' && r.name.endsWith(suffix)) as Extract<(typeof resources)[number], { kind: 'function' }>;
    const role = (suffix: string) => resources.find((r) => r.kind === 'role' && r.name === `clinflow-demo-${suffix}-role`) as Extract<(typeof resources)[number], { kind: 'role' }>;
    const granted = (suffix: string) =>
      role(suffix)
        .policy.Statement.filter((s) => s.Action.includes('secretsmanager:GetSecretValue'))
        .flatMap((s) => s.Resource);
    expect(granted('fhir-read')).toEqual([arn('fhir')]);
    expect(granted('notify-send')).toEqual([arn('hook')]);
    expect(granted('reminders-send')).toEqual([arn('fhir'), arn('hook')]);
    expect(granted('reminders-cancel')).toEqual([]);
    expect(granted('fhir-endpoint')).toEqual([arn('ehr')]);
    expect(fn('fhir-read').environment).toMatchObject({ FHIR_TOKEN_SECRET_ARN: arn('fhir') });
    expect(fn('fhir-read').environment).not.toHaveProperty('NOTIFY_WEBHOOK_SECRET_ARN');
    expect(fn('fhir-read').environment).not.toHaveProperty('CLINFLOW_NOTIFY_WEBHOOK_URL');
    expect(fn('notify-send').environment).toMatchObject({ NOTIFY_WEBHOOK_SECRET_ARN: arn('hook'), CLINFLOW_NOTIFY_WEBHOOK_URL: 'https://hooks.example.test/x' });
    expect(fn('fhir-endpoint').environment).toMatchObject({ EHR_HMAC_SECRET_ARN: arn('ehr') });
    expect(warnings.join('\n')).toMatch(/secret UNUSED is given to no function/);
  });

  it('managed /aws/lambda/<fn> log groups: retention, the stage key, retained, and the function logs there', () => {
    for (const [id, fn] of ofType(template, 'AWS::Lambda::Function')) {
      const lgId = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      const lg = template.Resources[lgId];
      expect(lg.Properties.LogGroupName).toBe(`/aws/lambda/${fn.Properties.FunctionName}`);
      expect(lg.Properties.RetentionInDays).toBe(30);
      expect(lg.Properties.KmsKeyId).toEqual({ 'Fn::Sub': '${StageKey.Arn}' });
      expect([id, lg.DeletionPolicy, lg.UpdateReplacePolicy]).toEqual([id, 'Retain', 'Retain']);
      expect(fn.DependsOn).toContain(lgId);
    }
  });

  it('version pruning: a new revision replaces the StateMachineVersion and CloudFormation deletes the old one (no Retain)', () => {
    const versions = ofType(template, 'AWS::StepFunctions::StateMachineVersion');
    expect(versions).toHaveLength(shipped().length);
    for (const [id, v] of versions) {
      expect(v.Properties.StateMachineRevisionId).toEqual({ 'Fn::GetAtt': [id.replace(/Version$/, ''), 'StateMachineRevisionId'] });
      expect(v.UpdateReplacePolicy).toBeUndefined();
      expect(v.DeletionPolicy).toBeUndefined();
    }
  });

  it('name length: a name over AWS limits is an error naming it, never truncated', () => {
    const long = taskChainWorkflow('a-workflow-name-that-is-far-too-long-for-an-iam-role', ['fhir.read']);
    expect(() => desiredResources([long], demo, { now: NOW })).toThrow(/names too long for AWS: role clinflow-demo-sfn-a-workflow-name-that-is-far-too-long-for-an-iam-role \(70 > 64\)/);
  });

  it('partition: no ARN in the template names the aws partition literally', () => {
    const text = JSON.stringify(template);
    expect(text).not.toMatch(/arn:aws:/);
    expect(text).toMatch(/arn:\$\{AWS::Partition\}:lambda:\$\{AWS::Region\}/);
    expect(StageConfig.safeParse({ stage: 'gov', region: 'us-gov-west-1', kmsKeyArn: 'arn:aws-us-gov:kms:us-gov-west-1:123456789012:key/x' }).success).toBe(true);
  });

  it('the generated key: rotation on, retained, a policy for CloudWatch Logs, EventBridge, Scheduler and log delivery', () => {
    const key = template.Resources.StageKey;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.DeletionPolicy).toBe('Retain');
    const st = key.Properties.KeyPolicy.Statement as Json[];
    const principal = (s: Json) => str(s.Principal.Service ?? s.Principal.AWS);
    expect(st.map(principal)).toEqual([
      'arn:${AWS::Partition}:iam::${AWS::AccountId}:root',
      'logs.${AWS::Region}.amazonaws.com',
      'events.amazonaws.com',
      'scheduler.amazonaws.com',
      'delivery.logs.amazonaws.com',
    ]);
    expect(st[1]!.Condition).toEqual({ ArnLike: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*' } } });
    // With a configured key, none is generated and everything uses that one.
    const kms = 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
    const own = desiredResources(shipped(), StageConfig.parse({ stage: 'demo', region: 'us-east-1', kmsKeyArn: kms }), { now: NOW }).resources;
    expect(own.some((r) => r.kind === 'key')).toBe(false);
    expect(own.find((r) => r.kind === 'table')).toMatchObject({ kmsKeyArn: kms });
  });

  it('PHI and audit data are retained (table, log groups, key) unless --purge', async () => {
    expect(template.Resources.StageTable).toMatchObject({ DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
    expect(template.Resources.StageTable.Properties).toMatchObject({
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS' },
      DeletionProtectionEnabled: true,
    });
    const purged = (await synthesize([taskChainWorkflow('review', ['fhir.read', 'tasks.await'])], demo, { now: NOW, purge: true, bundle: fakeBundle })).template as Json;
    expect(purged.Resources.StageTable.DeletionPolicy).toBe('Delete');
    expect(purged.Resources.StageTable.Properties.DeletionProtectionEnabled).toBe(false);
    for (const [, lg] of ofType(purged, 'AWS::Logs::LogGroup')) expect(lg.DeletionPolicy).toBe('Delete');
  });

  it('the resume path: async retries then the stage DLQ, and a permission for its one rule', async () => {
    const s = await synthesize([taskChainWorkflow('review', ['fhir.read', 'tasks.await'])], demo, { now: NOW, bundle: fakeBundle });
    const t = s.template as Json;
    expect(t.Resources.FunctionHumanTaskResumeAsyncInvoke.Properties).toEqual({
      FunctionName: { Ref: 'FunctionHumanTaskResume' },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::Sub': 'arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:clinflow-demo-dlq' } } },
    });
    expect(t.Resources.FunctionHumanTaskResumeRulePermission.Properties).toEqual({
      FunctionName: { Ref: 'FunctionHumanTaskResume' },
      Action: 'lambda:InvokeFunction',
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': ['RuleHumanTaskResume', 'Arn'] },
    });
    // Assets are content-addressed: a changed zip is a new S3 key, so CloudFormation sees the code change.
    expect(s.assets.map((a) => a.key)).toContain(t.Resources.FunctionFhirRead.Properties.Code.S3Key);
    expect(t.Resources.FunctionFhirRead.Properties.Code.S3Key).toMatch(/^clinflow\/demo\/fhir\.read-[0-9a-f]{32}\.zip$/);
  });
});

describe('the bootstrap template (artifact bucket)', () => {
  it('is versioned, KMS-encrypted, TLS-only and private, and passes both rule packs', () => {
    const app = stageApp(false);
    Validations.of(app).addPlugins(new HIPAASecurityChecks(app), new AwsSolutionsChecks(app));
    const t = templateOf(buildBootstrapStack('demo', undefined, app)) as Json;
    const bucket = t.Resources.Artifacts.Properties;
    expect(bucket.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(bucket.BucketEncryption.ServerSideEncryptionConfiguration[0].ServerSideEncryptionByDefault).toEqual({ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: { 'Fn::GetAtt': ['ArtifactKey', 'Arn'] } });
    expect(bucket.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(t.Resources.ArtifactsTlsOnly.Properties.PolicyDocument.Statement[0]).toMatchObject({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
    expect(t.Outputs.ArtifactBucket.Value).toEqual({ Ref: 'Artifacts' });
  }, 120_000);
});
