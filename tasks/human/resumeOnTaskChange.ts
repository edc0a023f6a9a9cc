import type { FhirChangeDetail, FhirChangeEvent } from '../../schemas/fhirChangeEvent';
import type { FhirPort, FhirResource } from '../../schemas/fhirPort';
import type { ExecutionPort, Logger } from '../../schemas/ports';
import type { AsyncCallbackStore } from './callbackStore';
import { taskStatusEffect } from './taskStatus';

export type ResumeResult = 'succeeded' | 'failed' | 'heartbeat' | 'ignored' | 'no-callback' | 'stale-token' | 'wrong-server';

/** The engine's answers for a token that can never be used again (finished, timed out, unknown). */
const DEAD_TOKEN = new Set(['TaskTimedOut', 'TaskDoesNotExist', 'InvalidToken']);
/** A read that proves the Task is gone: only then is a delete believed. */
const GONE = new Set(['FHIR.NotFound', 'FHIR.Gone']);

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

const errorName = (err: unknown): unknown => (err as { error?: unknown; name?: unknown }).error ?? (err as { name?: unknown }).name;

/** The Task as its server has it now; `deleted` only when the server answers 404/410. */
async function currentTask(fhir: FhirPort, reference: string): Promise<FhirResource | 'deleted'> {
  try {
    return await fhir.read(reference);
  } catch (err) {
    const name = errorName(err);
    if (typeof name === 'string' && GONE.has(name)) return 'deleted';
    throw err;
  }
}

export interface ResumeDeps {
  fhir: FhirPort;
  executions: ExecutionPort;
  callbacks: AsyncCallbackStore;
  log: Logger;
  now: () => number;
  /** The configured FHIR server (as recorded with each callback): stands in for an event that names none. */
  server?: string | undefined;
}

/**
 * Resumes the execution parked on a FHIR Task by the Task's FHIR R4 status (taskStatus.ts): the
 * step's `until` status or later (default completed) → sendTaskSuccess `{task, status, output}`;
 * accepted / in-progress before that → sendTaskHeartbeat; rejected / cancelled / failed /
 * entered-in-error → sendTaskFailure `HumanTask.*`. The event is only a hint: the Task is always read
 * from its server, so a forged update or delete cannot resume or cancel anything (a delete counts as
 * cancelled only when the server answers 404/410), and an event from another server than the one
 * the Task was created on is refused (an event that names no server is taken as the configured one).
 * Each token is claimed once, and given back only if the engine could not be reached.
 */
export async function resumeOnTaskChange(event: FhirChangeEvent | FhirChangeDetail, deps: ResumeDeps): Promise<ResumeResult> {
  const detail = 'detail' in event ? event.detail : event;
  if (detail.resourceType !== 'Task') return 'ignored';
  const reference = detail.reference;
  const pending = await deps.callbacks.get(reference);
  if (!pending) return 'no-callback';
  const eventServer = detail.server || deps.server || '';
  if (pending.server && eventServer !== pending.server) {
    deps.log.warn({ task: reference, interaction: detail.interaction }, "human task change from another server than the task's: refused");
    return 'wrong-server';
  }

  const task = await currentTask(deps.fhir, reference);
  const status = task === 'deleted' ? 'cancelled' : typeof task.status === 'string' ? task.status : '';
  const effect = taskStatusEffect(status, pending.until ?? 'completed');
  if (effect.kind === 'wait') return 'ignored';
  if (effect.kind === 'heartbeat') {
    try {
      await deps.executions.sendTaskHeartbeat({ taskToken: pending.taskToken });
    } catch (err) {
      const name = errorName(err);
      if (typeof name === 'string' && DEAD_TOKEN.has(name)) {
        await deps.callbacks.claim(reference, deps.now());
        return 'stale-token';
      }
      throw err;
    }
    deps.log.info({ task: reference, executionArn: pending.executionArn, status }, 'human task acknowledged: heartbeat');
    return 'heartbeat';
  }

  const entry = await deps.callbacks.claim(reference, deps.now());
  if (!entry) return 'no-callback';
  const output = task === 'deleted' ? undefined : outputOf(task);
  try {
    if (effect.kind === 'resume') {
      await deps.executions.sendTaskSuccess({ taskToken: entry.taskToken, output: JSON.stringify({ task: reference, status, ...(output ? { output } : {}) }) });
    } else {
      await deps.executions.sendTaskFailure({ taskToken: entry.taskToken, error: effect.error, cause: JSON.stringify({ task: reference, status: task === 'deleted' ? 'deleted' : status }) });
    }
  } catch (err) {
    const name = errorName(err);
    if (typeof name === 'string' && DEAD_TOKEN.has(name)) {
      deps.log.warn({ task: reference, executionArn: entry.executionArn, error: name }, 'human task changed after its execution stopped waiting');
      return 'stale-token';
    }
    await deps.callbacks.release(reference);
    throw err;
  }
  deps.log.info({ task: reference, executionArn: entry.executionArn, status }, 'human task resumed its execution');
  return effect.kind === 'resume' ? 'succeeded' : 'failed';
}
