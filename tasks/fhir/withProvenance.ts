import type { FhirPort, FhirResource } from '../../schemas/fhirPort';
import type { TaskContext } from '../../schemas/ports';

/** Who wrote, and why: the workflow (name and version) behind an execution, and what started it. */
export interface Attribution {
  workflow: string;
  version: string;
  /** The workflow's description: the reason on every Provenance it writes. */
  reason?: string | undefined;
  /** The resource whose change started the execution (`Type/id`), when there is one. */
  trigger?: string | undefined;
}

export const PROVENANCE_WORKFLOW_SYSTEM = 'urn:clinflow:workflow';
export const PROVENANCE_EXECUTION_SYSTEM = 'urn:clinflow:execution';
/** Extension carrying the execution (R4 Provenance has no identifier element). */
export const PROVENANCE_EXECUTION_EXTENSION = 'https://clinflow.dev/fhir/StructureDefinition/provenance-execution';

type Activity = 'CREATE' | 'UPDATE' | 'DELETE';

/** The Provenance of one write: target = the written version, agent = the workflow version as a Device. */
export function provenanceFor(target: string, activity: Activity, who: Attribution, ctx: Pick<TaskContext, 'executionArn' | 'stateName' | 'clock'>): FhirResource {
  return {
    resourceType: 'Provenance',
    target: [{ reference: target }],
    recorded: new Date(ctx.clock.now()).toISOString(),
    activity: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-DataOperation', code: activity }] },
    reason: [{ text: `${who.reason ?? `clinflow workflow ${who.workflow}`} (step ${ctx.stateName})` }],
    agent: [
      {
        type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/provenance-participant-type', code: 'performer' }] },
        who: { type: 'Device', identifier: { system: PROVENANCE_WORKFLOW_SYSTEM, value: `${who.workflow}|${who.version}` }, display: `clinflow workflow ${who.workflow}, version ${who.version}` },
      },
    ],
    ...(who.trigger ? { entity: [{ role: 'source', what: { reference: who.trigger } }] } : {}),
    extension: [{ url: PROVENANCE_EXECUTION_EXTENSION, valueIdentifier: { system: PROVENANCE_EXECUTION_SYSTEM, value: ctx.executionArn } }],
  };
}

const versioned = (r: FhirResource): string => `${r.resourceType}/${r.id ?? ''}${r.meta?.versionId ? `/_history/${r.meta.versionId}` : ''}`;

/**
 * The FHIR port a task writes through, attributing every create, update, patch and delete with a
 * Provenance. The Provenance is a conditional create keyed on the task's idempotency key and the
 * written version, so a retried task finds the one it wrote (and a crash between the two writes is
 * repaired by the retry, which re-finds the resource and then writes its Provenance).
 */
export function withProvenance(fhir: FhirPort, ctx: Pick<TaskContext, 'executionArn' | 'stateName' | 'idempotencyKey' | 'clock'>, who: Attribution): FhirPort {
  const attribute = async (target: string, activity: Activity): Promise<void> => {
    await fhir.create(provenanceFor(target, activity, who, ctx), { idempotencyKey: `${ctx.idempotencyKey}|provenance|${target}` });
  };
  const port: FhirPort = {
    read: (...a) => fhir.read(...a),
    search: (...a) => fhir.search(...a),
    async create(resource, options) {
      const out = await fhir.create(resource, options);
      if (resource.resourceType !== 'Provenance') await attribute(versioned(out), 'CREATE');
      return out;
    },
    async update(resource, options) {
      const out = await fhir.update(resource, options);
      if (resource.resourceType !== 'Provenance') await attribute(versioned(out), 'UPDATE');
      return out;
    },
  };
  if (fhir.vread) port.vread = (...a) => fhir.vread!(...a);
  if (fhir.searchPages) port.searchPages = (...a) => fhir.searchPages!(...a);
  if (fhir.transaction) port.transaction = (...a) => fhir.transaction!(...a);
  if (fhir.patch) {
    port.patch = async (reference, patch, options) => {
      const out = await fhir.patch!(reference, patch, options);
      await attribute(versioned(out), 'UPDATE');
      return out;
    };
  }
  if (fhir.delete) {
    port.delete = async (reference, options) => {
      await fhir.delete!(reference, options);
      await attribute(reference, 'DELETE');
    };
  }
  return port;
}
