import type { FhirDuration } from './timingWindow';

/** The parts of a FHIR R4 Timing the reminder policy reads. */
export interface FhirTiming {
  event?: string[];
  code?: { coding?: { system?: string; code?: string }[]; text?: string };
  repeat?: TimingRepeat;
}

export interface TimingRepeat {
  boundsDuration?: FhirDuration;
  boundsRange?: { low?: FhirDuration; high?: FhirDuration };
  boundsPeriod?: { start?: string; end?: string };
  count?: number;
  countMax?: number;
  duration?: number;
  durationMax?: number;
  durationUnit?: string;
  frequency?: number;
  frequencyMax?: number;
  period?: number;
  periodMax?: number;
  periodUnit?: string;
  dayOfWeek?: string[];
  timeOfDay?: string[];
  when?: string[];
  offset?: number;
}
