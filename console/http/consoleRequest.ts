import type { IncomingMessage } from 'node:http';
import { EXECUTION_STATUSES, type ExecutionFilter, type ExecutionStatus } from '../consoleBackend';
import { ApiError } from '../../schemas/errors';

/** Executions per list page unless the request asks for another `limit` (1-200). */
export const PAGE_SIZE = 50;
export const ARN = /^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:[A-Za-z0-9_-]{1,80}:[A-Za-z0-9_.\-:]{1,256}$/;
export const ERROR_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/** A refusal with its HTTP status and a stable code, rendered as a page or as JSON. */
export class HttpError extends ApiError {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(code, message, message);
  }
}

/** The datetime-local value of the filter form (taken as UTC) or an ISO instant → epoch ms. */
function parseTime(v: string | null, name: string): number | undefined {
  if (!v) return undefined;
  const t = Date.parse(/Z|[+-]\d\d:\d\d$/.test(v) ? v : `${v}Z`);
  if (Number.isNaN(t)) throw new HttpError(400, 'ValidationError', `${name}: not a date and time (use YYYY-MM-DDTHH:MM)`);
  return t;
}

export function filterOf(q: URLSearchParams, workflows: readonly string[]): ExecutionFilter {
  const status = q.get('status') || undefined;
  if (status !== undefined && !(EXECUTION_STATUSES as readonly string[]).includes(status)) throw new HttpError(400, 'ValidationError', `status must be one of ${EXECUTION_STATUSES.join(', ')}`);
  const workflow = q.get('workflow') || undefined;
  if (workflow !== undefined && !workflows.includes(workflow)) throw new HttpError(400, 'ValidationError', `there is no workflow named ${workflow}`);
  const key = (q.get('key') ?? '').trim() || undefined;
  if (key !== undefined && key.length > 200) throw new HttpError(400, 'ValidationError', 'the search key is longer than 200 characters');
  const sinceMs = parseTime(q.get('since'), 'started from');
  const untilMs = parseTime(q.get('until'), 'started before');
  const limit = Number(q.get('limit') ?? PAGE_SIZE);
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new HttpError(400, 'ValidationError', 'limit must be an integer from 1 to 200');
  const cursor = q.get('cursor') || undefined;
  return {
    limit,
    ...(workflow ? { workflow } : {}),
    ...(status ? { status: status as ExecutionStatus } : {}),
    ...(key ? { key } : {}),
    ...(sinceMs !== undefined ? { sinceMs } : {}),
    ...(untilMs !== undefined ? { untilMs } : {}),
    ...(cursor ? { cursor } : {}),
  };
}

export const wantsJson = (req: IncomingMessage, path: string): boolean => path.startsWith('/console/api/') || /application\/json/.test(String(req.headers.accept ?? ''));

/** Where a form may send the browser back to: a console path, never another site. */
export const RETURN_PATH = /^\/console\/[A-Za-z0-9/_\-.?=&%:+]*$/;
