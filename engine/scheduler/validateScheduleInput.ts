import type { CreateScheduleCommandInput, FlexibleTimeWindow, Target } from '@aws-sdk/client-scheduler';
import { validateScheduleExpression } from './scheduleExpression';
import { validationException } from './schedulerErrors';

/** A schedule's definition as stored: the API input with defaults applied and dates as ISO strings. */
export interface StoredSpec {
  Name: string;
  GroupName: string;
  ScheduleExpression: string;
  ScheduleExpressionTimezone: string;
  StartDate?: string;
  EndDate?: string;
  Description?: string;
  KmsKeyArn?: string;
  State: 'ENABLED' | 'DISABLED';
  Target: Target;
  FlexibleTimeWindow: FlexibleTimeWindow;
  ActionAfterCompletion: 'NONE' | 'DELETE';
}

const NAME = /^[0-9a-zA-Z-_.]{1,64}$/;

function toMs(d: Date | string | number | undefined, field: string): number | undefined {
  if (d === undefined) return undefined;
  const ms = d instanceof Date ? d.getTime() : typeof d === 'number' ? d : Date.parse(d);
  if (Number.isNaN(ms)) throw validationException(`${field} is not a valid date`);
  return ms;
}

/** Checks a CreateSchedule/UpdateSchedule input as AWS does; throws ValidationException naming the problem. */
export function validateScheduleInput(input: CreateScheduleCommandInput): StoredSpec {
  const name = input.Name ?? '';
  if (!NAME.test(name)) throw validationException(`Name '${name}' must match [0-9a-zA-Z-_.]+ and be 1-64 characters`);
  const group = input.GroupName ?? 'default';
  if (!NAME.test(group)) throw validationException(`GroupName '${group}' must match [0-9a-zA-Z-_.]+ and be 1-64 characters`);
  const expr = input.ScheduleExpression ?? '';
  const tz = input.ScheduleExpressionTimezone ?? 'UTC';
  const issues = validateScheduleExpression(expr, tz);
  if (issues.length > 0) throw validationException(issues.map((i) => i.message).join('; '));
  if (input.Description !== undefined && input.Description.length > 512) throw validationException('Description must be at most 512 characters');

  const fw = input.FlexibleTimeWindow;
  if (!fw?.Mode) throw validationException('FlexibleTimeWindow is required (Mode OFF or FLEXIBLE)');
  if (fw.Mode === 'FLEXIBLE') {
    const m = fw.MaximumWindowInMinutes;
    if (m === undefined || !Number.isInteger(m) || m < 1 || m > 1440) throw validationException('FlexibleTimeWindow.MaximumWindowInMinutes must be 1-1440 when Mode is FLEXIBLE');
  } else if (fw.Mode !== 'OFF') throw validationException(`FlexibleTimeWindow.Mode must be OFF or FLEXIBLE, not '${String(fw.Mode)}'`);
  else if (fw.MaximumWindowInMinutes !== undefined) throw validationException('FlexibleTimeWindow.MaximumWindowInMinutes is only allowed when Mode is FLEXIBLE');

  const t = input.Target;
  if (!t?.Arn) throw validationException('Target.Arn is required');
  if (!t.RoleArn) throw validationException('Target.RoleArn is required');
  if (t.Input !== undefined && t.Input.length > 8192) throw validationException('Target.Input must be at most 8192 characters');
  const rp = t.RetryPolicy;
  if (rp?.MaximumRetryAttempts !== undefined && (rp.MaximumRetryAttempts < 0 || rp.MaximumRetryAttempts > 185)) {
    throw validationException('RetryPolicy.MaximumRetryAttempts must be 0-185');
  }
  if (rp?.MaximumEventAgeInSeconds !== undefined && (rp.MaximumEventAgeInSeconds < 60 || rp.MaximumEventAgeInSeconds > 86400)) {
    throw validationException('RetryPolicy.MaximumEventAgeInSeconds must be 60-86400');
  }
  if (t.DeadLetterConfig?.Arn !== undefined && !/^arn:aws[a-z-]*:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]+(\.fifo)?$/.test(t.DeadLetterConfig.Arn)) {
    throw validationException('DeadLetterConfig.Arn must be an SQS queue ARN');
  }

  const state = input.State ?? 'ENABLED';
  if (state !== 'ENABLED' && state !== 'DISABLED') throw validationException(`State must be ENABLED or DISABLED, not '${String(state)}'`);
  const action = input.ActionAfterCompletion ?? 'NONE';
  if (action !== 'NONE' && action !== 'DELETE') throw validationException(`ActionAfterCompletion must be NONE or DELETE, not '${String(action)}'`);
  const start = toMs(input.StartDate, 'StartDate');
  const end = toMs(input.EndDate, 'EndDate');
  if (start !== undefined && end !== undefined && end <= start) throw validationException('The EndDate must be after the StartDate.');

  return {
    Name: name,
    GroupName: group,
    ScheduleExpression: expr,
    ScheduleExpressionTimezone: tz,
    ...(start === undefined ? {} : { StartDate: new Date(start).toISOString() }),
    ...(end === undefined ? {} : { EndDate: new Date(end).toISOString() }),
    ...(input.Description === undefined ? {} : { Description: input.Description }),
    ...(input.KmsKeyArn === undefined ? {} : { KmsKeyArn: input.KmsKeyArn }),
    State: state,
    Target: t,
    FlexibleTimeWindow: fw,
    ActionAfterCompletion: action,
  };
}
