import type { Parameter } from '@aws-sdk/client-cloudformation';
import { DeleteChangeSetCommand } from '@aws-sdk/client-cloudformation';
import type { S3Client } from '@aws-sdk/client-s3';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { createHash } from 'node:crypto';
import type { CfnDeps, ChangeSetResult } from './changeSet';
import { createChangeSet, deleteStack, describeStack, executeChangeSet, formatChangeSet } from './changeSet';
import { DeployError } from './errors';
import { partitionOf } from './names';
import { BUCKET_OUTPUT, bootstrapStackName, buildBootstrapStack } from './template/bootstrap';
import { ASSET_BUCKET_PARAMETER, templateOf } from './template/buildStack';
import type { Asset, Synthesized } from './template/synth';

export interface StageDeps extends CfnDeps {
  s3: S3Client;
  region: string;
}

const urlSuffix = (region: string): string => (partitionOf(region) === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com');

/** The artifact bucket of a bootstrapped stage, or undefined when its bootstrap stack is not (fully) there. */
export async function artifactBucket(deps: StageDeps, stage: string): Promise<string | undefined> {
  const stack = await describeStack(deps.cfn, bootstrapStackName(stage));
  if (!stack || !/_COMPLETE$/.test(stack.StackStatus ?? '') || /ROLLBACK|DELETE/.test(stack.StackStatus ?? '')) return undefined;
  return stack.Outputs?.find((o) => o.OutputKey === BUCKET_OUTPUT)?.OutputValue;
}

/** Creates or updates the bootstrap stack (the artifact bucket) through a change set, and returns the bucket. */
export async function ensureBootstrap(deps: StageDeps, stage: string, kmsKeyArn: string | undefined): Promise<string> {
  const templateBody = JSON.stringify(templateOf(buildBootstrapStack(stage, kmsKeyArn)));
  const r = await createChangeSet(deps, { stackName: bootstrapStackName(stage), templateBody, description: 'clinflow bootstrap: artifact bucket', replaceFailed: true });
  if (r.changes.length) {
    deps.progress(formatChangeSet(r));
    await executeChangeSet(deps, r);
  }
  const bucket = await artifactBucket(deps, stage);
  if (!bucket) throw new DeployError(`bootstrap stack ${bootstrapStackName(stage)} has no ${BUCKET_OUTPUT} output`);
  return bucket;
}

/** Puts each asset the bucket does not hold yet (keys are content hashes, so an existing key is the same bytes). */
export async function uploadAssets(deps: StageDeps, bucket: string, assets: readonly Asset[]): Promise<number> {
  let uploaded = 0;
  for (const a of assets) {
    try {
      await deps.s3.send(new HeadObjectCommand({ Bucket: bucket, Key: a.key }));
      continue;
    } catch (err) {
      const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
      if (e.name !== 'NotFound' && e.$metadata?.httpStatusCode !== 404) throw err;
    }
    await deps.s3.send(new PutObjectCommand({ Bucket: bucket, Key: a.key, Body: a.bytes, ContentType: 'application/zip' }));
    uploaded += 1;
  }
  return uploaded;
}

/** The template goes to the bucket too: a stage template is over CloudFormation's 51,200-byte TemplateBody limit. */
export async function uploadTemplate(deps: StageDeps, bucket: string, stage: string, template: Record<string, unknown>): Promise<string> {
  const body = JSON.stringify(template);
  const key = `clinflow/${stage}/template-${createHash('sha256').update(body).digest('hex').slice(0, 32)}.json`;
  await deps.s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: 'application/json' }));
  return `https://${bucket}.s3.${deps.region}.${urlSuffix(deps.region)}/${key}`;
}

export type StageAction = 'plan' | 'apply';

export interface StagePlan {
  /** Undefined when the stage is not bootstrapped yet (plan only): everything in the template would be added. */
  changeSet?: ChangeSetResult;
  bootstrapped: boolean;
}

/**
 * plan: a change set against the live stack, printed and deleted (nothing else changes but the
 * template object in the artifact bucket). apply: bootstrap, upload, change set, execute, wait.
 */
export async function deployStage(deps: StageDeps, s: Synthesized, opts: { action: StageAction; stage: string; kmsKeyArn?: string; keepChangeSet?: boolean }): Promise<StagePlan> {
  let bucket = await artifactBucket(deps, opts.stage);
  if (!bucket && opts.action === 'plan') return { bootstrapped: false };
  if (opts.action === 'apply') {
    bucket = await ensureBootstrap(deps, opts.stage, opts.kmsKeyArn);
    const n = await uploadAssets(deps, bucket, s.assets);
    deps.progress(`assets: ${n} uploaded, ${s.assets.length - n} already in s3://${bucket}`);
  }
  const templateUrl = await uploadTemplate(deps, bucket!, opts.stage, s.template);
  const parameters: Parameter[] = [{ ParameterKey: ASSET_BUCKET_PARAMETER, ParameterValue: bucket! }];
  const changeSet = await createChangeSet(deps, {
    stackName: s.stackName,
    templateUrl,
    parameters,
    description: `clinflow ${opts.stage}`,
    replaceFailed: opts.action === 'apply',
  });
  if (opts.action === 'plan') {
    if (changeSet.changes.length && !opts.keepChangeSet) {
      await deps.cfn.send(new DeleteChangeSetCommand({ StackName: changeSet.stackName, ChangeSetName: changeSet.changeSetName }));
    }
    return { changeSet, bootstrapped: true };
  }
  if (changeSet.changes.length) await executeChangeSet(deps, changeSet);
  return { changeSet, bootstrapped: true };
}

/** Deletes the stage stack. Retained resources (table, log groups, key) stay; the bootstrap bucket stays. */
export async function destroyStage(deps: StageDeps, stackName: string): Promise<boolean> {
  if (!(await describeStack(deps.cfn, stackName))) return false;
  await deleteStack(deps, stackName);
  return true;
}
