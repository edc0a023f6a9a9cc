import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { matchesPattern } from '../engine/bus/pattern/patternMatcher';
import type { CompiledWorkflow } from '../schemas/artifacts';
import { FHIR_EVENT_DETAIL_TYPE, FHIR_EVENT_SOURCE, type FhirChangeEvent, type FhirInteraction } from '../schemas/fhirChangeEvent';
import type { FhirResource } from '../schemas/fhirPort';
import { RoutingAttributeExtractor } from '../triggers/fhir/routingAttributes';

/** The workflow's FHIR trigger as written (the artifact keeps only the pushed-down part of `where`). */
export interface FhirTriggerSource {
  resource: string;
  on: FhirInteraction[];
  where?: string;
}

/**
 * The change event the FHIR trigger would put on the bus for `resource` (reference, version and the
 * routing attributes the workflow's rule needs; never the resource itself, as on the real path).
 */
export function changeEventFor(resource: FhirResource, interaction: FhirInteraction, workflow: CompiledWorkflow, opts: { server: string; id: string; time: string }): FhirChangeEvent {
  const type = resource.resourceType;
  const id = String(resource.id ?? '');
  const reference = `${type}/${id}`;
  const versionId = (resource.meta as { versionId?: unknown } | undefined)?.versionId;
  const attributes = interaction === 'delete' ? {} : new RoutingAttributeExtractor(workflow.manifest.routingAttributes).extract(resource, type);
  return {
    version: '0',
    id: opts.id,
    source: FHIR_EVENT_SOURCE,
    'detail-type': FHIR_EVENT_DETAIL_TYPE,
    time: opts.time,
    resources: [reference],
    detail: {
      server: opts.server,
      reference,
      resourceType: type,
      id,
      ...(typeof versionId === 'string' ? { versionId } : {}),
      interaction,
      origin: 'polling',
      attributes,
      dedupeKey: `${reference}|${typeof versionId === 'string' ? versionId : opts.id}|${interaction}`,
    },
  };
}

export type MatchResult = { matches: true } | { matches: false; reason: string };

/**
 * Would the workflow's trigger start on this event? Its rule's event pattern first, then (for a FHIR
 * trigger, when the resource is known) the whole `where` in FHIRPath, as the guard state would.
 */
export function triggerMatches(workflow: CompiledWorkflow, event: unknown, source?: { fhir?: FhirTriggerSource; resource?: FhirResource }): MatchResult {
  const trig = workflow.trigger;
  if (trig.kind !== 'eventRule') return { matches: true };
  const fhir = source?.fhir;
  const detail = (event as { detail?: { resourceType?: unknown; interaction?: unknown; reference?: unknown } } | undefined)?.detail;
  if (!matchesPattern(trig.eventPattern, event)) {
    if (fhir && detail && detail.resourceType !== fhir.resource) return { matches: false, reason: `the trigger is for ${fhir.resource}, not ${String(detail.resourceType)}` };
    if (fhir && detail && !fhir.on.includes(detail.interaction as FhirInteraction)) return { matches: false, reason: `the trigger is on [${fhir.on.join(', ')}], not ${String(detail.interaction)}` };
    if (fhir?.where) return { matches: false, reason: `where: ${fhir.where} is false for ${String(detail?.reference ?? 'the resource')}` };
    return { matches: false, reason: `the event does not match the trigger's event pattern ${JSON.stringify(trig.eventPattern)}` };
  }
  if (fhir?.where && source?.resource && detail?.interaction !== 'delete') {
    let result: unknown[];
    try {
      result = fhirpath.evaluate(source.resource, fhir.where, undefined, r4) as unknown[];
    } catch (e) {
      return { matches: false, reason: `where: ${fhir.where} cannot be evaluated: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}` };
    }
    if (!(result.length === 1 && result[0] === true)) return { matches: false, reason: `where: ${fhir.where} is false for ${String(detail?.reference ?? 'the resource')}` };
  }
  return { matches: true };
}
