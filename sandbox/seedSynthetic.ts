import type { CareTeam, MedicationRequest, Observation, Patient, Practitioner, Resource } from '@medplum/fhirtypes';
import { seededRandom } from '../core/clock/ids';
import type { FhirResource } from '../schemas/fhirPort';

/** The Patient extension carrying an IANA time zone (FHIR core `tz-code`; the reminders' default too). */
export const TIMEZONE_EXTENSION_URL = 'http://hl7.org/fhir/StructureDefinition/tz-code';

export interface SeedOptions {
  /** PRNG seed: the same seed gives the same data. */
  seed?: number;
  patients?: number;
  /** Anchor for authoredOn / effective dates (ms since epoch). */
  at?: number;
}

export interface SeedResult {
  patients: string[];
  practitioners: string[];
  careTeam: string;
  medicationRequests: string[];
  observations: string[];
  resources: Resource[];
}

const SYLLABLES = ['zor', 'bel', 'qui', 'tam', 'vex', 'lor', 'nim', 'pah', 'dru', 'kes'];
const ZONES = ['America/New_York', 'Europe/Berlin', 'Asia/Tokyo', 'Australia/Sydney', 'America/Los_Angeles'];
const TIMING_CODES = [
  { code: 'BID', frequency: 2, text: 'twice daily' },
  { code: 'TID', frequency: 3, text: 'three times daily' },
  { code: 'QD', frequency: 1, text: 'once daily' },
];
const MEDS = [
  { code: '197361', text: 'Amlodipine 5 MG Oral Tablet' },
  { code: '860975', text: 'Metformin 500 MG Oral Tablet' },
  { code: '314076', text: 'Lisinopril 10 MG Oral Tablet' },
];

/**
 * Synthetic, deterministic clinical data: patients (with a time-zone extension), practitioners, a
 * care team, one active medication order per patient with a coded Timing (BID/TID/QD), and a
 * potassium observation per patient (the last one abnormally high). No real person is described:
 * names are built from nonsense syllables, phone numbers use the 555-01xx fiction range.
 */
/** The potassium result the sandbox seeds (LOINC 2823-3, serum or plasma), as the shipped abnormal-lab workflow matches it. */
export const SEED_POTASSIUM_CODING = { system: 'http://loinc.org', code: '2823-3', display: 'Potassium [Moles/volume] in Serum or Plasma' } as const;

/** A final laboratory potassium result (mmol/L, UCUM) for `patient`, taken at `at`: what the seed, the demo and the tests create. */
export function potassiumObservation(patient: string, value: number, at: string): Observation & FhirResource {
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
    code: { coding: [{ ...SEED_POTASSIUM_CODING }] },
    subject: { reference: patient },
    effectiveDateTime: at,
    valueQuantity: { value, unit: 'mmol/L', system: 'http://unitsofmeasure.org', code: 'mmol/L' },
  };
}

export function seedSynthetic(options: SeedOptions = {}): SeedResult {
  const rand = seededRandom(options.seed ?? 42);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
  const word = () => {
    const w = pick(SYLLABLES) + pick(SYLLABLES);
    return w.charAt(0).toUpperCase() + w.slice(1);
  };
  const at = new Date(options.at ?? Date.UTC(2025, 2, 1, 9, 0, 0));
  const day = (offset: number) => new Date(at.getTime() + offset * 86_400_000).toISOString().slice(0, 10);
  const resources: Resource[] = [];
  const result: SeedResult = { patients: [], practitioners: [], careTeam: 'CareTeam/ct-1', medicationRequests: [], observations: [], resources };

  for (let i = 1; i <= 2; i++) {
    const p: Practitioner = { resourceType: 'Practitioner', id: `prac-${i}`, active: true, name: [{ family: word(), given: [word()], prefix: ['Dr'] }] };
    resources.push(p);
    result.practitioners.push(`Practitioner/${p.id}`);
  }
  const count = options.patients ?? 3;
  for (let i = 1; i <= count; i++) {
    const id = `pat-${i}`;
    const patient: Patient = {
      resourceType: 'Patient',
      id,
      active: true,
      extension: [{ url: TIMEZONE_EXTENSION_URL, valueCode: ZONES[(i - 1) % ZONES.length] as string }],
      identifier: [{ system: 'urn:clinflow:sandbox:mrn', value: `SYN${String(100000 + Math.floor(rand() * 900000))}` }],
      name: [{ family: word(), given: [word()] }],
      gender: pick(['female', 'male', 'other'] as const),
      birthDate: `${1940 + Math.floor(rand() * 60)}-${String(1 + Math.floor(rand() * 12)).padStart(2, '0')}-${String(1 + Math.floor(rand() * 28)).padStart(2, '0')}`,
      telecom: [{ system: 'phone', value: `+1-202-555-01${String(i).padStart(2, '0')}`, use: 'mobile' }],
      generalPractitioner: [{ reference: result.practitioners[0] as string }],
    };
    resources.push(patient);
    result.patients.push(`Patient/${id}`);

    const timing = TIMING_CODES[(i - 1) % TIMING_CODES.length]!;
    const med = pick(MEDS);
    const mr: MedicationRequest = {
      resourceType: 'MedicationRequest',
      id: `med-${i}`,
      status: 'active',
      intent: 'order',
      subject: { reference: `Patient/${id}` },
      requester: { reference: result.practitioners[0] as string },
      authoredOn: day(0),
      medicationCodeableConcept: { coding: [{ system: 'http://www.nlm.nih.gov/research/umls/rxnorm', code: med.code }], text: med.text },
      dosageInstruction: [
        {
          text: `1 tablet ${timing.text}`,
          timing: {
            code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code: timing.code }], text: timing.code },
            repeat: { frequency: timing.frequency, period: 1, periodUnit: 'd', boundsPeriod: { start: day(0), end: day(30) } },
          },
          doseAndRate: [{ doseQuantity: { value: 1, unit: 'tablet' } }],
        },
      ],
    };
    resources.push(mr);
    result.medicationRequests.push(`MedicationRequest/${mr.id}`);

    const high = i === count;
    const value = high ? 6.4 : Math.round((3.6 + rand() * 1.3) * 10) / 10;
    const obs: Observation = {
      ...potassiumObservation(`Patient/${id}`, value, `${day(-1)}T08:00:00Z`),
      id: `obs-k-${i}`,
      referenceRange: [{ low: { value: 3.5, unit: 'mmol/L' }, high: { value: 5.1, unit: 'mmol/L' } }],
      interpretation: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation', code: high ? 'H' : 'N' }] }],
    };
    resources.push(obs);
    result.observations.push(`Observation/${obs.id}`);
  }
  const careTeam: CareTeam = {
    resourceType: 'CareTeam',
    id: 'ct-1',
    status: 'active',
    name: 'Synthetic ward team',
    participant: result.practitioners.map((r) => ({ member: { reference: r } })),
  };
  resources.push(careTeam);
  return result;
}
