import type { PutEventsResultEntry } from '@aws-sdk/client-eventbridge';

/**
 * Who is putting events. `trigger-layer` is clinflow's own code (the FHIR endpoint, the poller, the
 * scheduler) calling the bus in-process; anything arriving over an API (`POST /events`, a later
 * PutEvents-compatible API) is a `client`, whatever credentials it holds.
 */
export type EventCaller = 'trigger-layer' | 'client';

/**
 * `clinflow.*` sources are clinflow's own: `clinflow.fhir` change events start clinical workflows
 * and resume human tasks, so a client that could send one could forge a clinical event. This is
 * the check AWS applies to `aws.*` sources.
 */
export function isReservedSource(source: string): boolean {
  const s = source.trim().toLowerCase();
  return s === 'clinflow' || s.startsWith('clinflow.');
}

/** The per-entry error PutEvents answers for a reserved source (AWS: NotAuthorizedForSourceException), or undefined when allowed. */
export function reservedSourceRefusal(source: string, caller: EventCaller): PutEventsResultEntry | undefined {
  if (caller === 'trigger-layer' || !isReservedSource(source)) return undefined;
  return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source. Sources beginning with clinflow. are reserved for clinflow itself.' };
}
