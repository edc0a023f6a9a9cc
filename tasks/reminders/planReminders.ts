import { DateTime } from 'luxon';
import type * as z from 'zod';
import { FhirError, ReminderError } from '../../schemas/errors';
import type { FhirResource } from '../../schemas/fhirPort';
import type { TaskContext } from '../../schemas/ports';
import type { RemindersConfig } from './reminderConfig';
import type { ReminderPlan, remindersPlan } from './specs';
import { expandTiming } from './timing/expandTiming';
import type { FhirTiming } from './timing/fhirTiming';
import { isValidTimeZone } from '../../core/time/zonedTime';

type PlanInput = z.infer<(typeof remindersPlan)['input']>;

interface Dosage {
  text?: string;
  timing?: FhirTiming;
  asNeededBoolean?: boolean;
  asNeededCodeableConcept?: unknown;
  doseAndRate?: { doseQuantity?: { value?: number; unit?: string; code?: string } }[];
}

interface MedicationRequestLike extends FhirResource {
  status?: string;
  authoredOn?: string;
  subject?: { reference?: string };
  dosageInstruction?: Dosage[];
  medicationCodeableConcept?: { text?: string; coding?: { display?: string }[] };
}

const isoSeconds = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** The text a patient sees for one dosage instruction. */
export function doseText(mr: MedicationRequestLike, index: number): string | undefined {
  const dosage = mr.dosageInstruction?.[index];
  const medication = mr.medicationCodeableConcept?.text ?? mr.medicationCodeableConcept?.coding?.[0]?.display;
  const dose = dosage?.doseAndRate?.[0]?.doseQuantity;
  const amount = dose?.value !== undefined ? `${dose.value}${(dose.unit ?? dose.code) ? ` ${dose.unit ?? dose.code}` : ''}` : undefined;
  const parts = [medication, dosage?.text ?? amount].filter((p): p is string => !!p);
  return parts.length ? parts.join(': ') : undefined;
}

/** Where the patient's zone comes from: the task input, the Patient extension, the deployment default. */
async function patientTimeZone(mr: MedicationRequestLike, input: PlanInput, ctx: TaskContext, config: RemindersConfig): Promise<string> {
  const check = (tz: string, from: string) => {
    if (!isValidTimeZone(tz)) throw new ReminderError('Reminder.NoTimeZone', `${from} names '${tz}', which is not an IANA time zone`);
    return tz;
  };
  if (input.timeZone) return check(input.timeZone, 'the task input');
  const ref = mr.subject?.reference;
  if (ref?.startsWith('Patient/')) {
    // A missing Patient falls back to the default; a transient FHIR failure propagates (retryable).
    const patient = await ctx.ports.fhir.read(ref).catch((err: unknown) => {
      if (err instanceof FhirError && (err.error === 'FHIR.NotFound' || err.error === 'FHIR.Gone')) return undefined;
      throw err;
    });
    const ext = (patient?.extension as { url?: string; valueCode?: string; valueString?: string }[] | undefined)?.find((e) => e.url === config.timeZoneExtensionUrl);
    const tz = ext?.valueCode ?? ext?.valueString;
    if (tz) return check(tz, `the Patient extension ${config.timeZoneExtensionUrl}`);
  }
  if (config.defaultTimeZone) return check(config.defaultTimeZone, 'the deployment default');
  throw new ReminderError('Reminder.NoTimeZone', `no time zone: not in the input, the Patient extension ${config.timeZoneExtensionUrl}, or the deployment default`);
}

/**
 * reminders.plan: the order's reminder instants in [from, from + horizonHours]. The series starts
 * at the order's authoredOn (else `from`); QOD parity, weekday, day of month and count are counted
 * from effectiveStart = max(that, boundsPeriod.start) (policy 1.1, C1), so re-planning keeps them
 * and a slot's key (`d<dosage>-<UTC instant>`) is the same on every plan.
 */
export async function planReminders(input: PlanInput, ctx: TaskContext, config: RemindersConfig): Promise<ReminderPlan> {
  const mr = input.medicationRequest as MedicationRequestLike;
  const from = input.from ? Date.parse(input.from) : ctx.clock.now();
  const horizonEnd = from + input.horizonHours * 3_600_000;
  const timeZone = await patientTimeZone(mr, input, ctx, config);
  const slots: ReminderPlan['slots'] = [];
  // A stopped, completed or cancelled order plans nothing.
  if (mr.status === undefined || mr.status === 'active') {
    const anchor = mr.authoredOn && !Number.isNaN(Date.parse(mr.authoredOn)) ? Math.min(Date.parse(mr.authoredOn), from) : from;
    (mr.dosageInstruction ?? []).forEach((dosage, i) => {
      if (!dosage.timing || dosage.asNeededBoolean === true || dosage.asNeededCodeableConcept !== undefined) return;
      const text = doseText(mr, i);
      for (const at of expandTiming(dosage.timing, { start: anchor, timezone: timeZone, horizonEnd, policy: config.policy, limit: Number.MAX_SAFE_INTEGER })) {
        const ms = Date.parse(at);
        if (ms < from) continue;
        slots.push({
          slot: `d${i}-${at.replace(/[-:]/g, '').replace(/00Z$/, 'Z')}`,
          at,
          local: DateTime.fromMillis(ms, { zone: timeZone }).toISO({ suppressMilliseconds: true, suppressSeconds: true }) ?? at,
          ...(text === undefined ? {} : { doseText: text }),
        });
      }
    });
  }
  slots.sort((a, b) => a.at.localeCompare(b.at) || a.slot.localeCompare(b.slot));
  return {
    order: `MedicationRequest/${mr.id ?? ''}`,
    versionId: mr.meta?.versionId ?? '1',
    ...(mr.subject?.reference ? { patient: mr.subject.reference } : {}),
    timeZone,
    policyVersion: config.policy.version,
    horizonStart: isoSeconds(from),
    horizonEnd: isoSeconds(horizonEnd),
    slots,
  };
}
