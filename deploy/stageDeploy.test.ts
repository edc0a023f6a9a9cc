import { CreateChangeSetCommand, DeleteChangeSetCommand, DeleteStackCommand, ExecuteChangeSetCommand } from '@aws-sdk/client-cloudformation';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { StageConfig } from '../schemas/deployConfig';
import { createChangeSet, formatChangeSet } from './changeSet';
import { DeployError } from './errors';
import { fakeCloudFormation } from './fakeCloudFormation.testkit';
import type { StageDeps } from './stageDeploy';
import { deployStage, destroyStage } from './stageDeploy';
import type { Synthesized } from './template/synth';
import { synthesize } from './template/synth';
import { taskChainWorkflow } from './taskChainWorkflow.testkit';

const config = StageConfig.parse({ stage: 'demo', region: 'us-east-1' });
const NOW = new Date('2026-12-02T12:00:00Z');
const bundle = async (entry: string): Promise<Uint8Array> => new TextEncoder().encode(`zip of ${entry}`);

let first: Synthesized;
let changed: Synthesized;
beforeAll(async () => {
  first = await synthesize([taskChainWorkflow('review', ['fhir.read', 'notify.send'])], config, { now: NOW, bundle });
  changed = await synthesize([taskChainWorkflow('review', ['fhir.read', 'notify.send']), taskChainWorkflow('triage', ['fhir.read'])], config, { now: NOW, bundle });
}, 120_000);

function setup() {
  const aws = fakeCloudFormation();
  const lines: string[] = [];
  const sleeps: number[] = [];
  const deps: StageDeps = { cfn: aws.cfn, s3: aws.s3, region: 'us-east-1', sleep: async (ms) => void sleeps.push(ms), progress: (l) => void lines.push(l), now: aws.now };
  return { aws, deps, lines, sleeps };
}
const calls = (mock: ReturnType<typeof fakeCloudFormation>['cfnMock'], command: Parameters<ReturnType<typeof fakeCloudFormation>['cfnMock']['commandCalls']>[0]) =>
  mock.commandCalls(command).map((c) => c.args[0].input);

describe('deploy apply / plan / destroy through CloudFormation change sets', () => {
  it('first apply on an empty account: bootstrap stack, assets uploaded, CREATE change set executed and followed; no events API call (defect 1)', async () => {
    const { aws, deps, lines } = setup();
    const events = mockClient(EventBridgeClient);
    const result = await deployStage(deps, first, { action: 'apply', stage: 'demo' });
    expect(result.changeSet?.type).toBe('CREATE');
    expect(aws.stacks.get('clinflow-demo-bootstrap')?.status).toBe('CREATE_COMPLETE');
    expect(aws.stacks.get('clinflow-demo')?.status).toBe('CREATE_COMPLETE');
    const created = calls(aws.cfnMock, CreateChangeSetCommand);
    expect(created.map((c) => [c.StackName, c.ChangeSetType])).toEqual([
      ['clinflow-demo-bootstrap', 'CREATE'],
      ['clinflow-demo', 'CREATE'],
    ]);
    const stage = created[1]!;
    expect(stage.TemplateBody).toBeUndefined();
    expect(stage.TemplateURL).toMatch(/^https:\/\/clinflow-demo-bootstrap-artifactbucket-bucket\.s3\.us-east-1\.amazonaws\.com\/clinflow\/demo\/template-[0-9a-f]{32}\.json$/);
    expect(stage.Parameters).toEqual([{ ParameterKey: 'AssetBucket', ParameterValue: 'clinflow-demo-bootstrap-artifactbucket-bucket' }]);
    expect(stage.Capabilities).toEqual(['CAPABILITY_NAMED_IAM']);
    // Every zip the template names is in the bucket under that key.
    for (const a of first.assets) expect(aws.objects.get(`clinflow-demo-bootstrap-artifactbucket-bucket/${a.key}`)).toEqual(a.bytes);
    expect(calls(aws.cfnMock, ExecuteChangeSetCommand)).toHaveLength(2);
    expect(lines.join('\n')).toMatch(/CREATE_COMPLETE AWS::Lambda::Function FunctionFhirRead/);
    expect(lines.join('\n')).toMatch(/assets: 3 uploaded, 0 already in s3:\/\//);
    expect(events.calls()).toHaveLength(0);
    events.restore();
  });

  it('a second apply of the same stage changes nothing: empty change sets deleted, no zip uploaded, nothing executed', async () => {
    const { aws, deps } = setup();
    await deployStage(deps, first, { action: 'apply', stage: 'demo' });
    aws.cfnMock.resetHistory();
    aws.s3Mock.resetHistory();
    const again = await deployStage(deps, first, { action: 'apply', stage: 'demo' });
    expect(again.changeSet?.changes).toEqual([]);
    expect(calls(aws.cfnMock, ExecuteChangeSetCommand)).toHaveLength(0);
    expect(calls(aws.cfnMock, DeleteChangeSetCommand)).toHaveLength(2);
    // Only the template object is written (content-addressed; the zips are already there).
    expect(aws.s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input.Key)).toEqual([expect.stringMatching(/template-[0-9a-f]{32}\.json$/)]);
    expect(formatChangeSet(again.changeSet!)).toBe('Stack clinflow-demo: no changes.');
  });

  it('plan prints the UPDATE change set of a changed stage and deletes it; nothing is executed', async () => {
    const { aws, deps } = setup();
    await deployStage(deps, first, { action: 'apply', stage: 'demo' });
    aws.cfnMock.resetHistory();
    const plan = await deployStage(deps, changed, { action: 'plan', stage: 'demo' });
    expect(plan.changeSet?.type).toBe('UPDATE');
    const text = formatChangeSet(plan.changeSet!);
    expect(text).toMatch(/\+ Add\s+AWS::StepFunctions::StateMachine\s+StateMachineTriage/);
    expect(text).toMatch(/~ Modify\s+AWS::IAM::ManagedPolicy\s+RoleFhirEndpointRolePolicy/);
    expect(text).toMatch(/Plan: \d+ to add, \d+ to modify, 0 to remove\./);
    expect(calls(aws.cfnMock, ExecuteChangeSetCommand)).toHaveLength(0);
    expect(calls(aws.cfnMock, DeleteChangeSetCommand)).toHaveLength(1);
    expect(aws.stacks.get('clinflow-demo')?.status).toBe('CREATE_COMPLETE');
  });

  it('plan on a stage never deployed writes nothing and says the first apply creates everything', async () => {
    const { aws, deps } = setup();
    const plan = await deployStage(deps, first, { action: 'plan', stage: 'demo' });
    expect(plan).toEqual({ bootstrapped: false });
    expect(calls(aws.cfnMock, CreateChangeSetCommand)).toHaveLength(0);
    expect(aws.s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('a failed update is rolled back by CloudFormation and apply fails naming the resource and AWS’s reason', async () => {
    const { aws, deps } = setup();
    await deployStage(deps, first, { action: 'apply', stage: 'demo' });
    aws.failing.set('FunctionFhirRead', 'Resource handler returned message: "The role defined for the function cannot be assumed by Lambda."');
    const err = await deployStage(deps, changed, { action: 'apply', stage: 'demo' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DeployError);
    expect((err as Error).message).toMatch(/rolled it back \(UPDATE_ROLLBACK_COMPLETE\):\n {2}FunctionFhirRead \(AWS::Lambda::Function\): Resource handler returned message: "The role defined/);
    expect(aws.stacks.get('clinflow-demo')?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
  });

  it('a first create that failed (ROLLBACK_COMPLETE) is deleted by the next apply and created again', async () => {
    const { aws, deps, lines } = setup();
    aws.failing.set('StageTable', 'Resource handler returned message: "Limit exceeded"');
    await expect(deployStage(deps, first, { action: 'apply', stage: 'demo' })).rejects.toThrow(/ROLLBACK_COMPLETE/);
    expect(aws.stacks.get('clinflow-demo')?.status).toBe('ROLLBACK_COMPLETE');
    // plan says so rather than failing on CreateChangeSet.
    const plan = await deployStage(deps, first, { action: 'plan', stage: 'demo' });
    expect(formatChangeSet(plan.changeSet!)).toMatch(/ROLLBACK_COMPLETE \(its first create failed\)\. apply deletes it/);
    aws.failing.clear();
    await deployStage(deps, first, { action: 'apply', stage: 'demo' });
    expect(calls(aws.cfnMock, DeleteStackCommand).map((c) => c.StackName)).toEqual(['clinflow-demo']);
    expect(aws.stacks.get('clinflow-demo')?.status).toBe('CREATE_COMPLETE');
    expect(lines.join('\n')).toMatch(/deleting it so it can be created again/);
  });

  it('destroy deletes the stack and waits until DescribeStacks no longer finds it; a missing stack is nothing to do', async () => {
    const { aws, deps, sleeps } = setup();
    await deployStage(deps, first, { action: 'apply', stage: 'demo' });
    expect(await destroyStage(deps, 'clinflow-demo')).toBe(true);
    expect(aws.stacks.has('clinflow-demo')).toBe(false);
    expect(aws.stacks.has('clinflow-demo-bootstrap')).toBe(true);
    expect(sleeps.length).toBeGreaterThan(0);
    aws.cfnMock.resetHistory();
    expect(await destroyStage(deps, 'clinflow-demo')).toBe(false);
    expect(calls(aws.cfnMock, DeleteStackCommand)).toHaveLength(0);
  });

  it('reads every page of a change set’s changes', async () => {
    const aws = fakeCloudFormation({ pageSize: 7 });
    const deps: StageDeps = { cfn: aws.cfn, s3: aws.s3, region: 'us-east-1', sleep: async () => undefined, progress: () => undefined, now: aws.now };
    const r = await createChangeSet(deps, { stackName: 'clinflow-demo', templateBody: JSON.stringify(first.template), description: 'x', replaceFailed: false });
    expect(r.changes).toHaveLength(Object.keys(first.template.Resources as object).length);
    expect(new Set(r.changes.map((c) => c.logicalId)).size).toBe(r.changes.length);
  });
});
