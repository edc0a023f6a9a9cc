import { ReminderError } from '../../../schemas/errors';
import type { FhirTiming } from './fhirTiming';

const invalid = (message: string): never => {
  throw new ReminderError('Reminder.InvalidTiming', message);
};

const MEAL_CODES = new Set(['C', 'CM', 'CD', 'CV']);

/** FHIR Timing invariants tim-1 … tim-10, plus the value checks the policy relies on. */
export function checkTimingInvariants(timing: FhirTiming): void {
  const r = timing.repeat;
  if (!r) return;
  if (r.duration !== undefined && r.durationUnit === undefined) invalid('tim-1: duration requires durationUnit');
  if (r.period !== undefined && r.periodUnit === undefined) invalid('tim-2: period requires periodUnit');
  if (r.duration !== undefined && r.duration < 0) invalid('tim-4: duration SHALL be a non-negative value');
  if (r.period !== undefined && r.period < 0) invalid('tim-5: period SHALL be a non-negative value');
  if (r.periodMax !== undefined && r.period === undefined) invalid('tim-6: periodMax requires period');
  if (r.durationMax !== undefined && r.duration === undefined) invalid('tim-7: durationMax requires duration');
  if (r.countMax !== undefined && r.count === undefined) invalid('tim-8: countMax requires count');
  if (r.offset !== undefined && (r.when === undefined || r.when.length === 0 || r.when.some((w) => MEAL_CODES.has(w)))) {
    invalid('tim-9: offset requires when, and not C, CM, CD or CV');
  }
  if (r.timeOfDay !== undefined && r.timeOfDay.length > 0 && r.when !== undefined && r.when.length > 0) invalid('tim-10: timeOfDay and when cannot both be present');
  // Value checks (FHIR datatypes) that the expansion depends on.
  for (const [k, v] of [
    ['frequency', r.frequency],
    ['frequencyMax', r.frequencyMax],
    ['count', r.count],
    ['countMax', r.countMax],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) invalid(`repeat.${k} must be a positive integer`);
  }
  if (r.offset !== undefined && (!Number.isInteger(r.offset) || r.offset < 0)) invalid('repeat.offset must be a non-negative integer (minutes)');
  if (r.period !== undefined && r.period === 0) invalid('repeat.period must be greater than zero');
  if (r.periodMax !== undefined && r.period !== undefined && r.periodMax < r.period) invalid('repeat.periodMax must not be less than period');
}
