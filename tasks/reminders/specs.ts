import * as z from 'zod';
import { FhirErrorNames, ReminderErrorNames } from '../../schemas/errors';
import type { TaskSpec } from '../../schemas/task';

const IsoInstant = z.iso.datetime({ offset: true });

export const ReminderSlot = z.object({
  /** Stable slot key, part of the idempotent schedule name `MedicationRequest/id|versionId|slot`. */
  slot: z.string(),
  /** The instant in UTC. */
  at: IsoInstant,
  /** The same instant as local wall-clock time with offset, for people. */
  local: z.string(),
  doseText: z.string().optional(),
});

export const ReminderPlan = z.object({
  order: z.string().describe('MedicationRequest/id'),
  versionId: z.string(),
  patient: z.string().optional().describe('Patient/id, the recipient'),
  timeZone: z.string(),
  policyVersion: z.string(),
  horizonStart: IsoInstant,
  horizonEnd: IsoInstant,
  slots: z.array(ReminderSlot),
});
export type ReminderPlan = z.infer<typeof ReminderPlan>;

export const remindersPlan = {
  name: 'reminders.plan',
  description: "Expand a MedicationRequest's dosage Timing into reminder instants in the patient's time zone, under the versioned reminder policy.",
  input: z.object({
    medicationRequest: z.looseObject({ resourceType: z.literal('MedicationRequest') }),
    horizonHours: z
      .number()
      .positive()
      .max(24 * 90)
      .default(72),
    from: IsoInstant.optional().describe('start of the horizon; now when omitted'),
    timeZone: z.string().optional().describe("IANA zone; otherwise the patient's extension, then the deployment default"),
  }),
  output: ReminderPlan,
  errors: ['Reminder.InvalidTiming', 'Reminder.NoTimeZone', ...FhirErrorNames],
  idempotent: { safe: true, how: 'a pure calculation from the order and the policy; it reads the patient for their time zone' },
  fhirInteractions: ['read the Patient (subject) for its time zone extension, when timeZone is not given'],
} satisfies TaskSpec;

export const remindersSchedule = {
  name: 'reminders.schedule',
  description: 'Create one-time at() schedules in UTC for each planned slot, named idempotently.',
  input: z.object({ plan: ReminderPlan }),
  output: z.object({ created: z.number().int(), existing: z.number().int(), scheduleNames: z.array(z.string()) }),
  errors: [],
  idempotent: { safe: true, how: 'schedule names derive from order, version and slot: a schedule that exists already is counted as existing, not made twice' },
  fhirInteractions: [],
} satisfies TaskSpec;

export const remindersCancel = {
  name: 'reminders.cancel',
  description: "Delete an order's future reminder schedules (all versions, or all but keepVersionId).",
  input: z.object({ order: z.string(), keepVersionId: z.string().optional() }),
  output: z.object({ deleted: z.number().int() }),
  errors: [],
  idempotent: { safe: true, how: 'deleting schedules that are already gone deletes nothing' },
  fhirInteractions: [],
} satisfies TaskSpec;

export const remindersSend = {
  name: 'reminders.send',
  description: 'Re-check the order is active, record a Communication and deliver the reminder, once per slot.',
  input: z.object({ order: z.string(), versionId: z.string(), slot: z.string(), at: IsoInstant, channel: z.string().optional() }),
  output: z.object({ sent: z.boolean(), communication: z.string().optional(), skippedReason: z.string().optional() }),
  // A stopped, changed or deleted order is not an error: the output says sent: false and why.
  errors: [...FhirErrorNames, 'Notify.DeliveryFailed'],
  idempotent: { safe: true, how: 'the Communication is a conditional create on an identifier from the slot key; a completed one means already sent, and the channel dedupes a re-send by key' },
  fhirInteractions: ['read the MedicationRequest (is it still active, still this version?)', 'create Communication (If-None-Exist on the slot identifier)', 'update Communication to completed'],
} satisfies TaskSpec;

export const remindersReplenish = {
  name: 'reminders.replenish',
  description: 'Extend the rolling reminder horizon of every active order (the daily job).',
  input: z.object({
    horizonHours: z
      .number()
      .positive()
      .max(24 * 90)
      .default(72),
  }),
  output: z.object({ orders: z.number().int(), created: z.number().int() }),
  errors: [...FhirErrorNames, ...ReminderErrorNames],
  idempotent: { safe: true, how: 'it creates only the schedules that are missing (names derive from order, version and slot)' },
  fhirInteractions: ['search MedicationRequest?status=active', "read each order's Patient for its time zone"],
} satisfies TaskSpec;

export const reminderTaskSpecs = [remindersPlan, remindersSchedule, remindersCancel, remindersSend, remindersReplenish] as const;
