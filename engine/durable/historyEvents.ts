import type { HistoryEventDraft } from '../interpreter/contract';

/** `TaskStateEntered` → `stateEnteredEventDetails`, `LambdaFunctionScheduled` → `lambdaFunctionScheduledEventDetails`. */
export function detailsKey(type: string): string {
  if (type.endsWith('StateEntered')) return 'stateEnteredEventDetails';
  if (type.endsWith('StateExited')) return 'stateExitedEventDetails';
  return `${type.charAt(0).toLowerCase()}${type.slice(1)}EventDetails`;
}

export interface HistoryEvent {
  timestamp: Date;
  type: string;
  id: number;
  previousEventId: number;
  [details: string]: unknown;
}

/** The detail fields that carry execution data (left out when `includeExecutionData` is false). */
export const HISTORY_DATA_FIELDS: ReadonlySet<string> = new Set(['input', 'output', 'inputDetails', 'outputDetails', 'parameters']);

/** The GetExecutionHistory shape of one journal row. */
export function toHistoryEvent(id: number, type: string, ts: number, details: unknown, includeData: boolean): HistoryEvent {
  const event: HistoryEvent = { timestamp: new Date(ts), type, id, previousEventId: id - 1 };
  if (details !== undefined && details !== null) {
    const d = details as HistoryEventDraft['details'] & object;
    event[detailsKey(type)] = includeData ? d : Object.fromEntries(Object.entries(d).filter(([k]) => !HISTORY_DATA_FIELDS.has(k)));
  }
  return event;
}
