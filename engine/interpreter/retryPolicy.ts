/** Retry/Catch matching and back-off arithmetic, per the ASL spec and AWS's documented rules. */

export interface Retrier {
  ErrorEquals: string[];
  IntervalSeconds?: number;
  MaxAttempts?: number;
  BackoffRate?: number;
  MaxDelaySeconds?: number;
  JitterStrategy?: 'FULL' | 'NONE';
}

/**
 * Does an ErrorEquals list match `error`? `States.ALL` matches everything except States.Runtime
 * (never retriable nor catchable); `States.TaskFailed` matches everything except States.Timeout.
 */
export function errorMatches(errorEquals: readonly string[], error: string): boolean {
  if (error === 'States.Runtime') return errorEquals.includes('States.Runtime');
  for (const name of errorEquals) {
    if (name === error || name === 'States.ALL') return true;
    if (name === 'States.TaskFailed' && error !== 'States.Timeout') return true;
  }
  return false;
}

/** Index of the first retrier/catcher whose ErrorEquals matches, or -1. */
export function firstMatch(list: readonly { ErrorEquals: string[] }[] | undefined, error: string): number {
  if (!list) return -1;
  return list.findIndex((r) => errorMatches(r.ErrorEquals, error));
}

/**
 * Delay before retry number `attempt` (0-based count of retries already made by this retrier), in ms,
 * or undefined when the retrier is exhausted.
 */
export function retryDelayMs(r: Retrier, attempt: number, random: () => number): number | undefined {
  const maxAttempts = r.MaxAttempts ?? 3;
  if (attempt >= maxAttempts) return undefined;
  const interval = r.IntervalSeconds ?? 1;
  const rate = r.BackoffRate ?? 2;
  let seconds = interval * Math.pow(rate, attempt);
  if (r.MaxDelaySeconds !== undefined) seconds = Math.min(seconds, r.MaxDelaySeconds);
  if (r.JitterStrategy === 'FULL') seconds = random() * seconds;
  return Math.round(seconds * 1000);
}
