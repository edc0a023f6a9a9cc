import { DateTime } from 'luxon';
import type { TriggerArtifact } from '../schemas/artifacts';
import { FHIR_EVENT_DETAIL_TYPE, FHIR_EVENT_SOURCE } from '../schemas/fhirChangeEvent';
import type { Workflow } from '../schemas/workflow';
import { scheduleExpressionOf } from './checkTrigger';
import type { WhereAnalysis } from './fhirWhere';

/** EventBridge and Scheduler cap descriptions at 512 characters. */
function description(wf: Workflow): { description?: string } {
  return wf.description === undefined ? {} : { description: wf.description.slice(0, 512) };
}

export function resourceName(wf: Workflow): string {
  return `clinflow-${wf.workflow}`;
}

/** The rule or schedule that starts the workflow: its target is the state machine, the event or schedule input is $event. */
export function emitTrigger(wf: Workflow, where: WhereAnalysis | undefined): TriggerArtifact {
  const t = wf.trigger;
  const name = resourceName(wf);
  if (!t) return { kind: 'none' };
  if ('fhir' in t) {
    const detail: Record<string, unknown> = {
      resourceType: [t.fhir.resource],
      interaction: t.fhir.on ?? ['create', 'update'],
    };
    if (where && Object.keys(where.filters).length) detail.attributes = where.filters;
    return { kind: 'eventRule', name, ...description(wf), eventPattern: { source: [FHIR_EVENT_SOURCE], 'detail-type': [FHIR_EVENT_DETAIL_TYPE], detail } };
  }
  if ('event' in t) return { kind: 'eventRule', name, ...description(wf), eventPattern: t.event };
  const s = t.schedule;
  const artifact: TriggerArtifact = {
    kind: 'schedule',
    name,
    ...description(wf),
    scheduleExpression: scheduleExpressionOf(s) ?? '',
    scheduleExpressionTimezone: s.timezone ?? 'UTC',
    flexibleTimeWindow: s.window === undefined ? { mode: 'OFF' } : { mode: 'FLEXIBLE', maximumWindowInMinutes: s.window },
    state: s.enabled === false ? 'DISABLED' : 'ENABLED',
  };
  // Scheduler takes start and end as instants; the YAML may give them as local times in the zone.
  const instant = (v: string) =>
    DateTime.fromISO(v, { zone: s.timezone ?? 'UTC' })
      .toUTC()
      .toISO({ suppressMilliseconds: true }) ?? v;
  if (s.start !== undefined) artifact.startDate = instant(s.start);
  if (s.end !== undefined) artifact.endDate = instant(s.end);
  if (s.input !== undefined) artifact.input = s.input;
  return artifact;
}
