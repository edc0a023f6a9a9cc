import type { CfnResource, Stack } from 'aws-cdk-lib';
import { CfnPermission, CfnFunction } from 'aws-cdk-lib/aws-lambda';
import { CfnQueue } from 'aws-cdk-lib/aws-sqs';
import { CfnTable } from 'aws-cdk-lib/aws-dynamodb';
import { Validations } from 'aws-cdk-lib';
import type { PolicyDocument } from '../policy';

/**
 * Every rule-pack finding (cdk-nag HIPAA.Security and AwsSolutions) the template keeps, with the
 * reason. docs/DEPLOY.md lists each one; template.test.ts checks both packs report nothing else and
 * that the doc names every rule here.
 */
export const JUSTIFIED: Readonly<Record<string, { applies: string; reason: string }>> = {
  'HIPAA.Security-LambdaConcurrency': {
    applies: 'every function',
    reason:
      'Reserved concurrency is taken from the account pool: on an account at the default quota a reservation makes CreateFunction fail, and a too-low one throttles clinical work. The platform team sets it per function once the account quota is known (docs/DEPLOY.md).',
  },
  'HIPAA.Security-LambdaDLQ': {
    applies: 'every function',
    reason:
      'Task functions are invoked synchronously by Step Functions (failures return to the workflow, which retries and catches them) and the FHIR endpoint synchronously over its URL (the sender retries). The one asynchronous function, human-task-resume, sends failures to the stage DLQ through its EventInvokeConfig OnFailure destination.',
  },
  'HIPAA.Security-LambdaInsideVPC': {
    applies: 'every function',
    reason:
      'The functions reach the hospital FHIR server over TLS with SMART backend auth and AWS APIs over their public endpoints; a VPC needs the hospital network (subnets, endpoints, egress), which this template cannot know. docs/DEPLOY.md says how to attach one.',
  },
  'HIPAA.Security-LambdaFunctionPublicAccessProhibited': {
    applies: 'the FHIR endpoint URL permissions',
    reason:
      'The FHIR notification endpoint must be reachable by the EHR: its URL is public by design (AuthType NONE) and each request is authenticated by the endpoint itself (per-sender bearer token or HMAC signature) before anything is published.',
  },
  'AwsSolutions-SQS3': {
    applies: 'the stage DLQ',
    reason: 'The queue is itself the dead-letter queue of the stage rules, schedules and the resume function; a DLQ of a DLQ would only move the same messages.',
  },
  'HIPAA.Security-DynamoDBInBackupPlan': {
    applies: 'the stage table',
    reason:
      'The table has point-in-time recovery (35 days) and holds short-lived callback tokens and dedupe claims (TTL); the organisation-wide AWS Backup plan, if the hospital has one, selects it by tag.',
  },
  'AwsSolutions-L1': {
    applies: 'every function',
    reason: 'nodejs22.x is a supported Lambda runtime (deploy/runtime.ts checks it; plan warns on a deprecated one); set lambda.runtime to nodejs24.x to take the newest.',
  },
  'AwsSolutions-IAM5': {
    applies: 'the resources with a wildcard, each acknowledged on its own',
    reason: 'See WILDCARD_REASONS: actions with no resource type, versions of a named function, streams of a named log group, run-time reminder schedules in the stage group.',
  },
};

/** Why a wildcard resource is as narrow as AWS allows. */
export const WILDCARD_REASONS: readonly { pattern: RegExp; reason: string }[] = [
  { pattern: /^\*$/, reason: 'The Service Authorization Reference defines these actions with no resource type, so "*" is the only resource they accept (NO_RESOURCE_TYPE_ACTIONS).' },
  { pattern: /:function:clinflow-[a-z0-9-]+:\*$/, reason: 'Versions and aliases of one named task function (a qualified invoke).' },
  { pattern: /:log-group:\/aws\/lambda\/clinflow-[a-z0-9-]+:\*$/, reason: 'Log streams of the function’s own log group.' },
  { pattern: /:logs:<AWS::Region>:<AWS::AccountId>:\*$/, reason: 'Step Functions log delivery manages the log-group resource policy; CloudWatch Logs scopes these actions to the account and region.' },
  { pattern: /:execution:clinflow-[a-z0-9-]+:\*$/, reason: 'Executions of one named workflow: correlation.claim stops the older runs for a key.' },
  { pattern: /:schedule\/clinflow-[a-z0-9]+-reminders\/\*$/, reason: 'Reminder schedules are created at run time, one per reminder, inside the stage reminder group only.' },
];

/** cdk-nag names a resource with `${X}` written as `<X>`. */
const nagForm = (resource: string): string => resource.replace(/\$\{([^}]+)\}/g, '<$1>');

export function acknowledgeWildcards(policyResource: CfnResource, doc: PolicyDocument): void {
  const wildcards = [
    ...new Set(
      doc.Statement.flatMap((s) => s.Resource)
        .filter((r) => r.includes('*'))
        .map(nagForm),
    ),
  ];
  for (const r of wildcards) {
    const why = WILDCARD_REASONS.find((w) => w.pattern.test(r));
    if (!why) throw new Error(`no reason recorded for the wildcard resource ${r}: add one to WILDCARD_REASONS or narrow it`);
    Validations.of(policyResource).acknowledge({ id: `AwsSolutions-IAM5[Resource::${r}]`, reason: why.reason });
  }
}

const ack = (c: CfnResource, rule: string): void => Validations.of(c).acknowledge({ id: rule, reason: JUSTIFIED[rule]?.reason ?? '' });

/** Acknowledges the justified findings on the resources they apply to, and nowhere else. */
export function applySuppressions(stack: Stack): void {
  for (const c of stack.node.findAll()) {
    if (c instanceof CfnFunction) for (const r of ['HIPAA.Security-LambdaConcurrency', 'HIPAA.Security-LambdaDLQ', 'HIPAA.Security-LambdaInsideVPC', 'AwsSolutions-L1']) ack(c, r);
    if (c instanceof CfnPermission && c.principal === '*') ack(c, 'HIPAA.Security-LambdaFunctionPublicAccessProhibited');
    if (c instanceof CfnQueue) ack(c, 'AwsSolutions-SQS3');
    if (c instanceof CfnTable) ack(c, 'HIPAA.Security-DynamoDBInBackupPlan');
  }
}
