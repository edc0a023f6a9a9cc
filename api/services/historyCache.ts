import type { Engine } from '../../engine/durable/engine';
import { StepFunctionsError } from '../../engine/durable/apiErrors';
import { toHistoryEvent, type HistoryEvent } from '../../engine/durable/historyEvents';
import type { HistoryRow } from '../../engine/durable/journalStore';
import { AwsError } from '../protocol/awsError';

/** Histories longer than this are decoded once and paged from memory. */
const BIG = 1000;
const KEEP = 4;

interface Entry {
  nextEvent: number;
  rows: HistoryRow[];
}

function cursorOf(token: unknown, fallback: number): number {
  if (token === undefined || token === null) return fallback;
  try {
    const c = (JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { c?: unknown }).c;
    if (typeof c === 'number' && Number.isInteger(c)) return c;
  } catch {
    // fall through
  }
  throw new StepFunctionsError('InvalidToken', 'Invalid pagination token');
}

/**
 * GetExecutionHistory for long histories. The journal stores a step's events as one chunk, so a
 * step that ran a 6 000-item Map is one 24 000-event chunk that every page would decode again;
 * here a long history is decoded once (kept for the last few executions asked about, keyed by
 * the execution's next event id so new events replace it) and pages are slices. Paging tokens
 * are the engine's, so a client may mix both paths.
 */
export class HistoryCache {
  private readonly entries = new Map<number, Entry>();

  constructor(private readonly engine: Engine) {}

  /** The page, or undefined when the history is short (the engine pages it directly). */
  page(execId: number, nextEvent: number, revisionId: number, input: Record<string, unknown>): { events: HistoryEvent[]; nextToken?: string } | undefined {
    if (nextEvent - 1 <= BIG) return undefined;
    const max = input.maxResults;
    if (max !== undefined && max !== null && (typeof max !== 'number' || !Number.isInteger(max) || max < 0 || max > 1000)) throw new AwsError('ValidationException', 'maxResults must be an integer between 0 and 1000');
    const limit = typeof max === 'number' && max > 0 ? max : 100;
    let entry = this.entries.get(execId);
    if (!entry || entry.nextEvent !== nextEvent) {
      entry = { nextEvent, rows: this.engine.store.historyPage(execId, false, 0, Number.MAX_SAFE_INTEGER, nextEvent, revisionId) };
      this.entries.set(execId, entry);
      if (this.entries.size > KEEP) this.entries.delete(this.entries.keys().next().value as number);
    } else {
      this.entries.delete(execId);
      this.entries.set(execId, entry);
    }
    const rows = entry.rows;
    const reverse = input.reverseOrder === true;
    const cursor = cursorOf(input.nextToken, reverse ? Number.MAX_SAFE_INTEGER : 0);
    // Event ids are 1..n in order: row i has id i + 1.
    const slice = reverse ? rows.slice(Math.max(0, Math.min(rows.length, cursor - 1) - limit), Math.min(rows.length, cursor - 1)).reverse() : rows.slice(Math.max(0, cursor), cursor + limit);
    const include = input.includeExecutionData !== false;
    const events = slice.map((h) => toHistoryEvent(h.id, h.type, h.ts, h.details, include));
    const last = slice[slice.length - 1];
    const more = last !== undefined && (reverse ? last.id > 1 : last.id < rows.length);
    return more ? { events, nextToken: Buffer.from(JSON.stringify({ c: last.id })).toString('base64url') } : { events };
  }
}
