import { LOCAL_ACCOUNT, LOCAL_REGION, taskFunctionName } from '../schemas/task';

/** Every AWS name and ARN deploy uses, in one place, derived from the stage. */
export interface Target {
  stage: string;
  region: string;
  account: string;
}

export const APP_TAG = 'clinflow:app';
export const STAGE_TAG = 'clinflow:stage';
export const APP = 'clinflow';

export const prefix = (t: Target): string => `clinflow-${t.stage}-`;
export const busName = (t: Target): string => `clinflow-${t.stage}`;
export const busArn = (t: Target): string => `arn:aws:events:${t.region}:${t.account}:event-bus/${busName(t)}`;
export const scheduleGroupName = (t: Target): string => `clinflow-${t.stage}`;
export const reminderScheduleGroupName = (t: Target): string => `clinflow-${t.stage}-reminders`;
export const dlqName = (t: Target): string => `clinflow-${t.stage}-dlq`;
export const dlqArn = (t: Target): string => `arn:aws:sqs:${t.region}:${t.account}:${dlqName(t)}`;
export const stateMachineName = (t: Target, workflow: string): string => `clinflow-${t.stage}-${workflow}`;
export const stateMachineArn = (t: Target, workflow: string): string =>
  `arn:aws:states:${t.region}:${t.account}:stateMachine:${stateMachineName(t, workflow)}`;
export const LIVE_ALIAS = 'live';
export const aliasArn = (t: Target, workflow: string): string => `${stateMachineArn(t, workflow)}:${LIVE_ALIAS}`;
export const functionName = (t: Target, task: string): string => `clinflow-${t.stage}-${taskFunctionName(task).slice('clinflow-'.length)}`;
export const functionArn = (t: Target, task: string): string => `arn:aws:lambda:${t.region}:${t.account}:function:${functionName(t, task)}`;
export const FHIR_ENDPOINT = 'fhir-endpoint';
export const endpointFunctionName = (t: Target): string => `clinflow-${t.stage}-${FHIR_ENDPOINT}`;
export const HUMAN_TASK_RESUME = 'human-task-resume';
export const resumeFunctionName = (t: Target): string => `clinflow-${t.stage}-${HUMAN_TASK_RESUME}`;
export const resumeFunctionArn = (t: Target): string => `arn:aws:lambda:${t.region}:${t.account}:function:${resumeFunctionName(t)}`;
export const resumeRuleName = (t: Target): string => `clinflow-${t.stage}-${HUMAN_TASK_RESUME}`;
export const ruleArn = (t: Target, name: string): string => `arn:aws:events:${t.region}:${t.account}:rule/${busName(t)}/${name}`;
export const callbackTableName = (t: Target): string => `clinflow-${t.stage}-human-task-callbacks`;
/** The callback table's TTL attribute (epoch seconds), written by deploy/lambda/dynamoCallbackStore.ts. */
export const CALLBACK_TTL_ATTRIBUTE = 'expiresAt';
export const tableArn = (t: Target, name: string): string => `arn:aws:dynamodb:${t.region}:${t.account}:table/${name}`;
export const roleArn = (t: Target, name: string): string => `arn:aws:iam::${t.account}:role/clinflow/${t.stage}/${name}`;
export const stateMachineRoleName = (t: Target, workflow: string): string => `clinflow-${t.stage}-sfn-${workflow}`.slice(0, 64);
export const functionRoleName = (t: Target, fn: string): string => `${fn}-role`.slice(0, 64);
export const eventsRoleName = (t: Target): string => `clinflow-${t.stage}-events`;
export const schedulerRoleName = (t: Target): string => `clinflow-${t.stage}-scheduler`;
export const ruleName = (t: Target, workflow: string): string => `clinflow-${t.stage}-${workflow}`;
export const scheduleName = (t: Target, workflow: string): string => `clinflow-${t.stage}-${workflow}`;
export const stateMachineLogGroup = (t: Target, workflow: string): string => `/aws/vendedlogs/states/${stateMachineName(t, workflow)}`;
export const logGroupArn = (t: Target, name: string): string => `arn:aws:logs:${t.region}:${t.account}:log-group:${name}`;

/** The compiled ASL names task functions in the local account; this rewrites them for the target stage. */
const LOCAL_FUNCTION_PREFIX = `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:clinflow-`;

export function rewriteFunctionArns(value: unknown, t: Target): unknown {
  if (typeof value === 'string') {
    return value.startsWith(LOCAL_FUNCTION_PREFIX)
      ? `arn:aws:lambda:${t.region}:${t.account}:function:clinflow-${t.stage}-${value.slice(LOCAL_FUNCTION_PREFIX.length)}`
      : value;
  }
  if (Array.isArray(value)) return value.map((v) => rewriteFunctionArns(v, t));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, rewriteFunctionArns(v, t)]));
  }
  return value;
}

export const stageTags = (t: Target): Record<string, string> => ({ [APP_TAG]: APP, [STAGE_TAG]: t.stage });
