import type { ReminderPolicy } from './timing/reminderPolicy';
import { reminderPolicyV1 } from './timing/reminderPolicy';

/** Deployment settings of the reminder tasks. Every field has a default; a deployment overrides what it needs. */
export interface RemindersConfig {
  /** Scheduler group holding every reminder schedule of this deployment. */
  scheduleGroup: string;
  /** Patient extension whose valueCode/valueString is the patient's IANA zone. */
  timeZoneExtensionUrl: string;
  /** Used when neither the task input nor the Patient names a zone. */
  defaultTimeZone: string | undefined;
  policy: ReminderPolicy;
  /** Where a due reminder goes: an event bus (the reminder-send workflow's rule) or a state machine. */
  target: {
    arn: string;
    roleArn: string;
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
  policy: reminderPolicyV1,
  target: {
    arn: 'arn:aws:events:us-east-1:000000000000:event-bus/default',
    roleArn: 'arn:aws:iam::000000000000:role/clinflow-scheduler',
    source: 'clinflow.reminders',
    detailType: 'Medication Reminder Due',
    maximumRetryAttempts: 10,
    maximumEventAgeInSeconds: 3600,
  },
  communicationIdentifierSystem: 'urn:clinflow:reminder-slot',
  maxLatenessMinutes: 720,
};

/** Defaults, then `CLINFLOW_DEFAULT_TIMEZONE` and `CLINFLOW_REMINDER_GROUP` from the environment, then overrides. */
export function remindersConfig(overrides: Partial<RemindersConfig> = {}, env: NodeJS.ProcessEnv = process.env): RemindersConfig {
  return {
    ...defaultRemindersConfig,
    ...(env.CLINFLOW_DEFAULT_TIMEZONE ? { defaultTimeZone: env.CLINFLOW_DEFAULT_TIMEZONE } : {}),
    ...(env.CLINFLOW_REMINDER_GROUP ? { scheduleGroup: env.CLINFLOW_REMINDER_GROUP } : {}),
    ...(env.CLINFLOW_KMS_KEY ? { kmsKeyArn: env.CLINFLOW_KMS_KEY } : {}),
    ...overrides,
  };
}
