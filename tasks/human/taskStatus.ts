/**
 * FHIR R4 Task status semantics for clinflow's human tasks (https://hl7.org/fhir/R4/task.html#statemachine).
 * draft, requested, received, ready, on-hold: still waiting. accepted, in-progress: the person has
 * acknowledged it (a heartbeat, or the resume condition when the step's `until` says so).
 * completed: done, resumes with Task.output. rejected, cancelled, failed, entered-in-error: the step
 * fails with a named, catchable error.
 */
export type AckStatus = 'accepted' | 'in-progress' | 'completed';

/** Progress order of the acknowledging statuses: `until: accepted` is met by accepted, in-progress or completed. */
const RANK: Record<AckStatus, number> = { accepted: 1, 'in-progress': 2, completed: 3 };

export const ACK_STATUS_PATTERN = /^\s*(accepted|in-progress|completed)(\s*\|\s*(accepted|in-progress|completed))*\s*$/;

/** The error each ending status fails the await step with. */
export const FAILURE_OF_STATUS: Readonly<Record<string, string>> = {
  rejected: 'HumanTask.Rejected',
  cancelled: 'HumanTask.Cancelled',
  failed: 'HumanTask.Failed',
  'entered-in-error': 'HumanTask.EnteredInError',
};

/** Statuses in which someone might still work the Task (a timed-out await cancels these). */
export const OPEN_STATUSES = ['draft', 'requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold'] as const;

/** `until` as written (one status, or `accepted | completed`) → the least status that resumes; default completed. */
export function normalizeUntil(until: string | undefined): AckStatus {
  if (until === undefined) return 'completed';
  const named = until
    .split('|')
    .map((s) => s.trim())
    .filter((s): s is AckStatus => s in RANK);
  if (named.length === 0) return 'completed';
  return named.reduce((a, b) => (RANK[b] < RANK[a] ? b : a));
}

/** What a Task status means for an await waiting until `until`: resume, fail, heartbeat, or nothing yet. */
export function taskStatusEffect(status: string, until: AckStatus): { kind: 'resume' } | { kind: 'fail'; error: string } | { kind: 'heartbeat' } | { kind: 'wait' } {
  const failure = FAILURE_OF_STATUS[status];
  if (failure !== undefined) return { kind: 'fail', error: failure };
  if (!(status in RANK)) return { kind: 'wait' };
  return RANK[status as AckStatus] >= RANK[until] ? { kind: 'resume' } : { kind: 'heartbeat' };
}
