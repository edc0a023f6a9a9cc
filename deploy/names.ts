import { LOCAL_ACCOUNT, LOCAL_REGION, taskFunctionName } from '../schemas/task';

/** Every AWS name and ARN deploy uses, in one place, derived from the stage. */
export interface Target {
  stage: string;
  region: string;
  account: string;
  /** `aws`, `aws-us-gov`, `aws-cn`; in the template, `${AWS::Partition}`. */
  partition: string;
}

/**
 * The target as CloudFormation resolves it: pseudo parameters, so one template deploys to any
 * account, region and partition (strings that contain them are emitted as Fn::Sub).
 */
export const templateTarget = (stage: string): Target => ({ stage, region: '${AWS::Region}', account: '${AWS::AccountId}', partition: '${AWS::Partition}' });

/** The partition of a region: GovCloud and China regions are not in `aws`. */
export function partitionOf(region: string): string {
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('cn-')) return 'aws-cn';
  return 'aws';
}

export const APP_TAG = 'clinflow:app';
export const STAGE_TAG = 'clinflow:stage';
export const APP = 'clinflow';

export const prefix = (t: Target): string => `clinflow-${t.stage}-`;
export const busName = (t: Target): string => `clinflow-${t.stage}`;
export const busArn = (t: Target): string => `arn:${t.partition}:events:${t.region}:${t.account}:event-bus/${busName(t)}`;
export const scheduleGroupName = (t: Target): string => `clinflow-${t.stage}`;
export const reminderScheduleGroupName = (t: Target): string => `clinflow-${t.stage}-reminders`;
export const dlqName = (t: Target): string => `clinflow-${t.stage}-dlq`;
export const dlqArn = (t: Target): string => `arn:${t.partition}:sqs:${t.region}:${t.account}:${dlqName(t)}`;
export const stateMachineName = (t: Target, workflow: string): string => `clinflow-${t.stage}-${workflow}`;
export const stateMachineArn = (t: Target, workflow: string): string => `arn:${t.partition}:states:${t.region}:${t.account}:stateMachine:${stateMachineName(t, workflow)}`;
export const LIVE_ALIAS = 'live';
export const aliasArn = (t: Target, workflow: string): string => `${stateMachineArn(t, workflow)}:${LIVE_ALIAS}`;
export const functionName = (t: Target, task: string): string => `clinflow-${t.stage}-${taskFunctionName(task).slice('clinflow-'.length)}`;
export const functionArn = (t: Target, task: string): string => `arn:${t.partition}:lambda:${t.region}:${t.account}:function:${functionName(t, task)}`;
export const FHIR_ENDPOINT = 'fhir-endpoint';
export const endpointFunctionName = (t: Target): string => `clinflow-${t.stage}-${FHIR_ENDPOINT}`;
export const HUMAN_TASK_RESUME = 'human-task-resume';
export const resumeFunctionName = (t: Target): string => `clinflow-${t.stage}-${HUMAN_TASK_RESUME}`;
export const resumeFunctionArn = (t: Target): string => `arn:${t.partition}:lambda:${t.region}:${t.account}:function:${resumeFunctionName(t)}`;
export const resumeRuleName = (t: Target): string => `clinflow-${t.stage}-${HUMAN_TASK_RESUME}`;
export const ruleArn = (t: Target, name: string): string => `arn:${t.partition}:events:${t.region}:${t.account}:rule/${busName(t)}/${name}`;
export const callbackTableName = (t: Target): string => `clinflow-${t.stage}-human-task-callbacks`;
/** The callback table's TTL attribute (epoch seconds), written by deploy/lambda/dynamoCallbackStore.ts. */
export const CALLBACK_TTL_ATTRIBUTE = 'expiresAt';
export const tableArn = (t: Target, name: string): string => `arn:${t.partition}:dynamodb:${t.region}:${t.account}:table/${name}`;
export const roleArn = (t: Target, name: string): string => `arn:${t.partition}:iam::${t.account}:role/clinflow/${t.stage}/${name}`;
export const stateMachineRoleName = (t: Target, workflow: string): string => `clinflow-${t.stage}-sfn-${workflow}`;
export const functionRoleName = (t: Target, fn: string): string => `${fn}-role`;
export const eventsRoleName = (t: Target): string => `clinflow-${t.stage}-events`;
export const schedulerRoleName = (t: Target): string => `clinflow-${t.stage}-scheduler`;
export const ruleName = (t: Target, workflow: string): string => `clinflow-${t.stage}-${workflow}`;
export const scheduleName = (t: Target, workflow: string): string => `clinflow-${t.stage}-${workflow}`;
export const stateMachineLogGroup = (t: Target, workflow: string): string => `/aws/vendedlogs/states/${stateMachineName(t, workflow)}`;
export const logGroupArn = (t: Target, name: string): string => `arn:${t.partition}:logs:${t.region}:${t.account}:log-group:${name}`;

/** The compiled ASL names task functions in the local account; this rewrites them for the target stage. */
const LOCAL_FUNCTION_PREFIX = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:clinflow-`;

const LOCAL_INTEGRATION_PREFIX = 'arn:aws:states:::';

export function rewriteFunctionArns(value: unknown, t: Target): unknown {
  if (typeof value === 'string') {
    // Service integrations (arn:aws:states:::lambda:invoke, …) name the partition too.
    if (value.startsWith(LOCAL_INTEGRATION_PREFIX)) return `arn:${t.partition}:states:::${value.slice(LOCAL_INTEGRATION_PREFIX.length)}`;
    return value.startsWith(LOCAL_FUNCTION_PREFIX) ? `arn:${t.partition}:lambda:${t.region}:${t.account}:function:clinflow-${t.stage}-${value.slice(LOCAL_FUNCTION_PREFIX.length)}` : value;
  }
  if (Array.isArray(value)) return value.map((v) => rewriteFunctionArns(v, t));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteFunctionArns(v, t)]));
  }
  return value;
}

export const stageTags = (t: Target): Record<string, string> => ({ [APP_TAG]: APP, [STAGE_TAG]: t.stage });

/**
 * AWS's name limits (CreateFunction, CreateRole, CreateRule, CreateSchedule: 64; CreateStateMachine,
 * CreateQueue: 80; log groups 512; tables 255). A name over its limit is an error naming the
 * resource, never silently truncated (two truncated names could collide).
 */
export const NAME_LIMITS: Readonly<Record<string, number>> = {
  function: 64,
  role: 64,
  rule: 64,
  schedule: 64,
  scheduleGroup: 64,
  stateMachine: 80,
  queue: 80,
  bus: 256,
  table: 255,
  logGroup: 512,
  key: 256,
};
