import type { FhirChangeDetail, FhirChangeEvent } from '../../schemas/fhirChangeEvent';
import type { FhirPort, FhirResource } from '../../schemas/fhirPort';
import type { ExecutionPort, Logger } from '../../schemas/ports';
import type { AsyncCallbackStore } from './callbackStore';

export type ResumeResult = 'succeeded' | 'failed' | 'ignored' | 'no-callback' | 'stale-token';

const FAILURES: Record<string, string> = {
  rejected: 'HumanTask.Rejected',
  cancelled: 'HumanTask.Cancelled',
  failed: 'HumanTask.Failed',
};

/** The engine's answers for a token that can never be used again (finished, timed out, unknown). */
const DEAD_TOKEN = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);

interface TaskOutputEntry {
  type?: { text?: string; coding?: { code?: string }[] };
  [k: string]: unknown;
}

/** Task.output[] → { name: value } (name from type.text or its first code; value from value[x]). */
function outputOf(task: FhirResource): Record<string, unknown> | undefined {
  const entries = (task.output as TaskOutputEntry[] | undefined) ?? [];
  if (entries.length === 0) return undefined;
  const out: Record<string, unknown> = {};
  entries.forEach((e, i) => {
    const name = e.type?.text ?? e.type?.coding?.[0]?.code ?? `output${i}`;
    const valueKey = Object.keys(e).find((k) => k.startsWith('value'));
    out[name] = valueKey === undefined ? null : e[valueKey];
  });
  return out;
}

/**
 * Resumes the execution parked on a FHIR Task when the Task reaches a final status: completed →
 * sendTaskSuccess `{task, status: 'completed', output}`; rejected / cancelled / failed →
 * sendTaskFailure `HumanTask.*` (a deleted Task counts as cancelled). Other statuses are ignored.
 * The Task is re-read (the event carries no body); each token is claimed once, and given back only
 * if the engine could not be reached.
 */
export async function resumeOnTaskChange(
  event: FhirChangeEvent | FhirChangeDetail,
  deps: { fhir: FhirPort; executions: ExecutionPort; callbacks: AsyncCallbackStore; log: Logger; now: () => number },
): Promise<ResumeResult> {
  const detail = 'detail' in event ? event.detail : event;
  if (detail.resourceType !== 'Task') return 'ignored';
  const reference = detail.reference;
  if (!(await deps.callbacks.isPending(reference))) return 'no-callback';

  let status: string;
  let output: Record<string, unknown> | undefined;
  if (detail.interaction === 'delete') {
    status = 'cancelled';
  } else {
    const task = await deps.fhir.read(reference);
    status = typeof task.status === 'string' ? task.status : '';
    output = outputOf(task);
  }
  const failure = FAILURES[status];
  if (status !== 'completed' && failure === undefined) return 'ignored';

  const entry = await deps.callbacks.claim(reference, deps.now());
  if (!entry) return 'no-callback';
  if (entry.server && detail.server && entry.server !== detail.server) {
    await deps.callbacks.release(reference);
    return 'ignored';
  }
  try {
    if (status === 'completed') {
      await deps.executions.sendTaskSuccess({ taskToken: entry.taskToken, output: JSON.stringify({ task: reference, status: 'completed', ...(output ? { output } : {}) }) });
    } else {
      await deps.executions.sendTaskFailure({ taskToken: entry.taskToken, error: failure, cause: JSON.stringify({ task: reference, status }) });
    }
  } catch (err) {
    const name = (err as { error?: unknown; name?: unknown }).error ?? (err as { name?: unknown }).name;
    if (typeof name === 'string' && DEAD_TOKEN.has(name)) {
      deps.log.warn({ task: reference, executionArn: entry.executionArn, error: name }, 'human task changed after its execution stopped waiting');
      return 'stale-token';
    }
    await deps.callbacks.release(reference);
    throw err;
  }
  deps.log.info({ task: reference, executionArn: entry.executionArn, status }, 'human task resumed its execution');
  return status === 'completed' ? 'succeeded' : 'failed';
}
