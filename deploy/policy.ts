/**
 * IAM policy documents for the stage's roles. Every statement names this stage's resources, except
 * the actions AWS defines with no resource type, which only accept `"Resource": "*"`.
 */
export interface PolicyStatement {
  Sid?: string;
  Effect: 'Allow';
  Action: string[];
  Resource: string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

/**
 * The actions clinflow's roles need that have no resource type in the Service Authorization
 * Reference (its "Resource types" column is empty, so "you must specify all resources ("*")"):
 * - CloudWatch Logs, https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoncloudwatchlogs.html
 *   (CreateLogDelivery … ListLogDeliveries are "[permission only]", used by Step Functions'
 *   vended-log delivery: https://docs.aws.amazon.com/step-functions/latest/dg/cw-logs.html)
 * - AWS X-Ray, https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsx-ray.html
 *   (PutTraceSegments, PutTelemetryRecords, GetSamplingRules, GetSamplingTargets)
 * - EventBridge Scheduler, https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazoneventbridgescheduler.html
 *   (ListSchedules)
 * Nothing else may use "*": `policy()` refuses it.
 */
export const NO_RESOURCE_TYPE_ACTIONS: ReadonlySet<string> = new Set([
  'logs:CreateLogDelivery',
  'logs:GetLogDelivery',
  'logs:UpdateLogDelivery',
  'logs:DeleteLogDelivery',
  'logs:ListLogDeliveries',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
  'xray:GetSamplingRules',
  'xray:GetSamplingTargets',
  'scheduler:ListSchedules',
]);

export function policy(statements: PolicyStatement[]): PolicyDocument {
  for (const s of statements) {
    if (s.Resource.length === 0) throw new Error(`refusing to generate a policy with an empty resource for ${s.Action.join(', ')}`);
    if (s.Resource.includes('*')) {
      const scoped = s.Action.filter((a) => !NO_RESOURCE_TYPE_ACTIONS.has(a));
      if (scoped.length || s.Resource.length > 1) {
        throw new Error(`refusing "*" for ${scoped.join(', ') || s.Action.join(', ')}: only actions with no resource type (NO_RESOURCE_TYPE_ACTIONS) may use it, in a statement of their own`);
      }
    }
  }
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * The trust policy of a service role. With `sourceAccount`, the service may assume it only on behalf
 * of this account (`aws:SourceAccount`, the confused-deputy guard documented by Step Functions,
 * EventBridge and EventBridge Scheduler). Lambda's execution-role trust gets none: Lambda documents
 * the key for resource-based policies on the function, not for the role it assumes.
 */
export function assumeRolePolicy(service: string, sourceAccount?: string): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: service },
        Action: 'sts:AssumeRole',
        ...(sourceAccount ? { Condition: { StringEquals: { 'aws:SourceAccount': sourceAccount } } } : {}),
      },
    ],
  };
}
