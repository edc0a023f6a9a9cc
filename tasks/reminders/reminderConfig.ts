import type { ReminderPolicy } from './timing/reminderPolicy';
import { reminderPolicyV1_1 } from './timing/reminderPolicy';

/** Deployment settings of the reminder tasks. Every field has a default; a deployment overrides what it needs. */
export interface RemindersConfig {
  /** Scheduler group holding every reminder schedule of this deployment. */
  scheduleGroup: string;
  /** Patient extension whose valueCode/valueString is the patient's IANA zone. */
  timeZoneExtensionUrl: string;
  /** Used when neither the task input nor the Patient names a zone. */
  defaultTimeZone: string | undefined;
  policy: ReminderPolicy;
  /**
   * Where a due reminder goes: the reminder-delivery state machine (its execution input is the slot),
   * or an event bus (Source/DetailType below) whose rule starts a workflow.
   */
  target: {
    arn: string;
    roleArn: string;
    /** SQS queue for fires that fail for good (Target.DeadLetterConfig). */
    deadLetterArn?: string | undefined;
    source: string;
    detailType: string;
    maximumRetryAttempts: number;
    maximumEventAgeInSeconds: number;
  };
  /** System of the Communication identifier derived from the slot key (conditional create). */
  communicationIdentifierSystem: string;
  /** A reminder more than this late is recorded as skipped, not sent (e.g. after a long outage). */
  maxLatenessMinutes: number;
  /** Customer-managed KMS key encrypting each schedule's target input (CLINFLOW_KMS_KEY). */
  kmsKeyArn?: string | undefined;
}

export const defaultRemindersConfig: RemindersConfig = {
  scheduleGroup: 'clinflow-reminders',
  timeZoneExtensionUrl: 'http://hl7.org/fhir/StructureDefinition/tz-code',
  defaultTimeZone: undefined,
  policy: reminderPolicyV1_1,
  target: {
    arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-reminder-delivery',
    roleArn: 'arn:aws:iam::000000000000:role/clinflow-scheduler',
    source: 'clinflow.reminders',
    detailType: 'Medication Reminder Due',
    maximumRetryAttempts: 10,
    maximumEventAgeInSeconds: 3600,
  },
  communicationIdentifierSystem: 'urn:clinflow:reminder-slot',
  maxLatenessMinutes: 720,
};

/**
 * Defaults, then the environment deploy/ gives the task functions (CLINFLOW_REMINDER_GROUP,
 * CLINFLOW_REMINDER_TARGET, CLINFLOW_SCHEDULER_ROLE, CLINFLOW_DLQ) and CLINFLOW_DEFAULT_TIMEZONE, then overrides.
 */
export function remindersConfig(overrides: Partial<RemindersConfig> = {}, env: NodeJS.ProcessEnv = process.env): RemindersConfig {
  const target = {
    ...defaultRemindersConfig.target,
    ...(env.CLINFLOW_REMINDER_TARGET ? { arn: env.CLINFLOW_REMINDER_TARGET } : {}),
    ...(env.CLINFLOW_SCHEDULER_ROLE ? { roleArn: env.CLINFLOW_SCHEDULER_ROLE } : {}),
    ...(env.CLINFLOW_DLQ ? { deadLetterArn: env.CLINFLOW_DLQ } : {}),
  };
  return {
    ...defaultRemindersConfig,
    ...(env.CLINFLOW_DEFAULT_TIMEZONE ? { defaultTimeZone: env.CLINFLOW_DEFAULT_TIMEZONE } : {}),
    ...(env.CLINFLOW_REMINDER_GROUP ? { scheduleGroup: env.CLINFLOW_REMINDER_GROUP } : {}),
    ...(env.CLINFLOW_KMS_KEY ? { kmsKeyArn: env.CLINFLOW_KMS_KEY } : {}),
    ...overrides,
    target: { ...target, ...overrides.target },
  };
}
