import type { IStackSynthesizer } from 'aws-cdk-lib';
import { App, BootstraplessSynthesizer, CfnOutput, Fn, RemovalPolicy, Stack, Tags, Validations } from 'aws-cdk-lib';
import { CfnKey } from 'aws-cdk-lib/aws-kms';
import { CfnBucket, CfnBucketPolicy } from 'aws-cdk-lib/aws-s3';
import { APP, APP_TAG, STAGE_TAG } from '../names';

export const bootstrapStackName = (stage: string): string => `clinflow-${stage}-bootstrap`;
export const BUCKET_OUTPUT = 'ArtifactBucket';

/**
 * The stage artifact bucket: the Lambda zips and the stage template go there before a change set
 * is created. Versioned (a rollback finds the previous zips), KMS-encrypted (the stage key when one
 * is configured, else a key of its own), TLS-only, never public. It holds code, not PHI.
 */
export function buildBootstrapStack(stage: string, kmsKeyArn: string | undefined, app: App = new App({ analyticsReporting: false, builtinCloudFormationValidation: false })): Stack {
  const stack = new Stack(app, bootstrapStackName(stage), {
    // aws-cdk-lib's own typings trip exactOptionalPropertyTypes here.
    synthesizer: new BootstraplessSynthesizer() as unknown as IStackSynthesizer,
    analyticsReporting: false,
    description: `clinflow stage ${stage}: artifact bucket for Lambda zips and templates`,
  });
  Tags.of(stack).add(APP_TAG, APP);
  Tags.of(stack).add(STAGE_TAG, stage);
  let keyArn = kmsKeyArn;
  if (!keyArn) {
    const key = new CfnKey(stack, 'ArtifactKey', {
      description: `clinflow ${stage}: encrypts the artifact bucket`,
      enableKeyRotation: true,
      keyPolicy: {
        Version: '2012-10-17',
        Statement: [{ Sid: 'AccountAdministersTheKeyThroughIam', Effect: 'Allow', Principal: { AWS: Fn.sub('arn:${AWS::Partition}:iam::${AWS::AccountId}:root') }, Action: 'kms:*', Resource: '*' }],
      },
    });
    key.applyRemovalPolicy(RemovalPolicy.RETAIN);
    keyArn = key.attrArn;
  }
  const bucket = new CfnBucket(stack, 'Artifacts', {
    versioningConfiguration: { status: 'Enabled' },
    bucketEncryption: { serverSideEncryptionConfiguration: [{ serverSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: keyArn }, bucketKeyEnabled: true }] },
    publicAccessBlockConfiguration: { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true },
    ownershipControls: { rules: [{ objectOwnership: 'BucketOwnerEnforced' }] },
    // Old zips are kept long enough to roll back to, then expire.
    lifecycleConfiguration: { rules: [{ id: 'expire-old-artifacts', status: 'Enabled', noncurrentVersionExpiration: { noncurrentDays: 90 } }] },
  });
  bucket.applyRemovalPolicy(RemovalPolicy.RETAIN);
  new CfnBucketPolicy(stack, 'ArtifactsTlsOnly', {
    bucket: bucket.ref,
    policyDocument: {
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'DenyInsecureTransport',
          Effect: 'Deny',
          Principal: { AWS: '*' },
          Action: 's3:*',
          Resource: [bucket.attrArn, Fn.join('', [bucket.attrArn, '/*'])],
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        },
      ],
    },
  });
  new CfnOutput(stack, BUCKET_OUTPUT, { value: bucket.ref });
  Validations.of(bucket).acknowledge(
    { id: 'AwsSolutions-S1', reason: BOOTSTRAP_JUSTIFIED['AwsSolutions-S1']!.reason },
    { id: 'HIPAA.Security-S3BucketLoggingEnabled', reason: BOOTSTRAP_JUSTIFIED['HIPAA.Security-S3BucketLoggingEnabled']!.reason },
    { id: 'HIPAA.Security-S3BucketReplicationEnabled', reason: BOOTSTRAP_JUSTIFIED['HIPAA.Security-S3BucketReplicationEnabled']!.reason },
  );
  return stack;
}

/** The bootstrap findings the template keeps (docs/DEPLOY.md lists them). */
export const BOOTSTRAP_JUSTIFIED: Readonly<Record<string, { applies: string; reason: string }>> = {
  'AwsSolutions-S1': {
    applies: 'the artifact bucket',
    reason:
      'The bucket holds Lambda zips and templates, no PHI; every write is by the deploying principal and recorded by CloudTrail. Point it at the hospital log bucket if policy requires server access logs.',
  },
  'HIPAA.Security-S3BucketLoggingEnabled': {
    applies: 'the artifact bucket',
    reason: 'As AwsSolutions-S1: build artifacts only, writes recorded by CloudTrail.',
  },
  'HIPAA.Security-S3BucketReplicationEnabled': {
    applies: 'the artifact bucket',
    reason: 'Artifacts are rebuilt from the repository by `clinflow deploy synth`; replicating them adds nothing recoverable.',
  },
};
