/**
 * PutEvents entry rules as AWS applies them: at most 10 entries, a request of at most 256 KB
 * (entry sizes counted as AWS documents), and per-entry checks whose failures come back as that
 * entry's ErrorCode/ErrorMessage rather than failing the request.
 */
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { EventBridgeError } from './busErrors';

export const MAX_PUT_EVENTS_ENTRIES = 10;
export const MAX_PUT_EVENTS_BYTES = 256 * 1024;

/** AWS's "Calculating PutEvents event entry size": Time counts 14 bytes, the rest their UTF-8 length. */
export function putEventsEntrySize(entry: PutEventsRequestEntry): number {
  let size = entry.Time ? 14 : 0;
  if (entry.Source) size += Buffer.byteLength(entry.Source, 'utf8');
  if (entry.DetailType) size += Buffer.byteLength(entry.DetailType, 'utf8');
  if (entry.Detail) size += Buffer.byteLength(entry.Detail, 'utf8');
  for (const r of entry.Resources ?? []) size += Buffer.byteLength(r, 'utf8');
  return size;
}

/** Request-level checks: these fail the whole call with ValidationException. */
export function checkPutEventsRequest(entries: readonly PutEventsRequestEntry[]): void {
  if (!Array.isArray(entries) || entries.length === 0) {
    throw new EventBridgeError('ValidationException', "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length greater than or equal to 1");
  }
  if (entries.length > MAX_PUT_EVENTS_ENTRIES) {
    throw new EventBridgeError(
      'ValidationException',
      `1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length less than or equal to ${MAX_PUT_EVENTS_ENTRIES}`,
    );
  }
  const total = entries.reduce((n, e) => n + putEventsEntrySize(e), 0);
  if (total > MAX_PUT_EVENTS_BYTES) throw new EventBridgeError('ValidationException', 'Total size of the entries in the request is over the limit.');
}

export interface EntryProblem {
  ErrorCode: string;
  ErrorMessage: string;
}

/** Per-entry checks; returns the parsed Detail object or the problem. */
export function checkPutEventsEntry(entry: PutEventsRequestEntry): { detail: Record<string, unknown> } | EntryProblem {
  if (!entry.Source) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Source is not valid. Reason: Source is a required argument.' };
  if (!entry.DetailType) return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.' };
  if (entry.Detail === undefined || entry.Detail === '') return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Detail is not valid. Reason: Detail is a required argument.' };
  if (entry.Source.startsWith('aws.')) return { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
  let detail: unknown;
  try {
    detail = JSON.parse(entry.Detail);
  } catch {
    return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  }
  if (detail === null || typeof detail !== 'object' || Array.isArray(detail)) return { ErrorCode: 'MalformedDetail', ErrorMessage: 'Detail is malformed.' };
  if (entry.Resources && !entry.Resources.every((r) => typeof r === 'string')) {
    return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Resources is not valid. Reason: every resource must be a string.' };
  }
  if (entry.Time !== undefined && !(entry.Time instanceof Date && !Number.isNaN(entry.Time.getTime()))) {
    return { ErrorCode: 'InvalidArgument', ErrorMessage: 'Parameter Time is not valid.' };
  }
  return { detail: detail as Record<string, unknown> };
}

/** EventBridge's event time format: ISO 8601 in UTC, whole seconds. */
export function eventTime(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
