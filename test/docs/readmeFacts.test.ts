import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MedicationRequest, Observation, Patient } from '@medplum/fhirtypes';
import { compile } from '../../compiler/compile';
import { seedSynthetic } from '../../sandbox/seedSynthetic';
import { FhirChangeDetail, FhirChangeEvent } from '../../schemas/fhirChangeEvent';
import { dedupeKeyFor } from '../../triggers/fhir/resourceChange';

const ROOT = join(__dirname, '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

describe("README's sample FHIR change event", () => {
  const block = /A FHIR trigger's `\$event` is the change event[\s\S]*?```json\n([\s\S]*?)\n```/.exec(README)?.[1];

  it('is an event the bus carries: the schema, no field it does not have, attributes a shipped rule routes on', () => {
    expect(block).toBeDefined();
    const sample = JSON.parse(block!) as Record<string, unknown> & { detail: Record<string, unknown> };
    expect(FhirChangeEvent.safeParse(sample).success).toBe(true);
    expect(Object.keys(sample).sort()).toEqual(Object.keys(FhirChangeEvent.shape).sort());
    expect(Object.keys(sample.detail).sort()).toEqual(Object.keys(FhirChangeDetail.shape).sort());
    const d = FhirChangeDetail.parse(sample.detail);
    expect(sample.resources).toEqual([d.reference]);
    expect(d.reference).toBe(`${d.resourceType}/${d.id}`);
    expect(d.dedupeKey).toBe(dedupeKeyFor(d.server, d.reference, d.versionId, d.interaction, 'unused with a version'));
    // Only what the shipped medication-reminders rule routes on, and it would match it.
    const wf = compile(readFileSync(join(ROOT, 'workflows/medication-reminders.yaml'), 'utf8'), 'medication-reminders.yaml').artifact!;
    expect(Object.keys(d.attributes).sort()).toEqual(wf.manifest.routingAttributes[d.resourceType]);
    expect(d.attributes).toEqual({ intent: 'order', status: 'active' });
  });
});

describe("README's sandbox seed ids", () => {
  it('are what `clinflow dev` seeds by default', () => {
    const help = spawnSync(process.execPath, [join(ROOT, 'dist/clinflow.js'), 'dev', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(help.stdout).toMatch(/--patients <n>\s+synthetic patients to seed the sandbox with \(default: "5"\)/);
    const seed = seedSynthetic({ seed: 7, patients: 5 });
    const said = /Its seeded ids \(`clinflow dev`, `--patients 5`, synthetic\):([\s\S]*?)reacts to\)\./.exec(README)?.[1]?.replace(/\s+/g, ' ');
    expect(said).toBeDefined();
    expect(seed.patients).toEqual(['pat-1', 'pat-2', 'pat-3', 'pat-4', 'pat-5'].map((id) => `Patient/${id}`));
    expect(said).toContain('`Patient/pat-1` … `pat-5`');
    const patients = seed.resources.filter((r): r is Patient => r.resourceType === 'Patient');
    expect(said).toContain(`(time zones ${patients.map((p) => p.extension?.[0]?.valueCode).join(', ')})`);
    expect(seed.practitioners).toEqual(['Practitioner/prac-1', 'Practitioner/prac-2']);
    expect(said).toContain('`Practitioner/prac-1` and `prac-2`, `CareTeam/ct-1`');
    expect(seed.careTeam).toBe('CareTeam/ct-1');
    const orders = seed.resources.filter((r): r is MedicationRequest => r.resourceType === 'MedicationRequest');
    expect(orders.map((o) => [o.id, o.status])).toEqual([1, 2, 3, 4, 5].map((i) => [`med-${i}`, 'active']));
    expect(said).toContain(`(Timing ${orders.map((o) => o.dosageInstruction?.[0]?.timing?.code?.coding?.[0]?.code).join(', ')})`);
    const obs = seed.resources.filter((r): r is Observation => r.resourceType === 'Observation');
    expect(obs.map((o) => o.id)).toEqual([1, 2, 3, 4, 5].map((i) => `obs-k-${i}`));
    expect(obs.every((o) => o.code.coding?.[0]?.code === '2823-3')).toBe(true);
    expect(obs.filter((o) => (o.valueQuantity?.value ?? 0) > 6.0).map((o) => o.id)).toEqual(['obs-k-5']);
    expect(said).toContain('only `obs-k-5` is above 6.0 mmol/L');
  });
});
