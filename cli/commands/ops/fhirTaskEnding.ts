import type { FhirPort, FhirResource } from '../../../schemas/fhirPort';
import { FAILURE_OF_STATUS } from '../../../tasks/human/taskStatus';
import { UsageError } from '../../usageError';

/** How an operator ends a human task by hand. */
export type TaskEnding = 'completed' | 'failed' | 'rejected' | 'cancelled';

/**
 * The statuses each ending may come from, per FHIR R4 Task's state machine
 * (https://hl7.org/fhir/R4/task.html#statemachine): work is completed once it was requested and not
 * yet ended or put on hold (an on-hold Task is resumed first); it fails once it was accepted or
 * started; a Task is rejected before it is accepted; anything not yet ended can be cancelled. A draft
 * was never requested, so nothing can complete it, and an ended Task (completed, failed, rejected,
 * cancelled, entered-in-error) stays ended.
 */
const ALLOWED_FROM: Readonly<Record<TaskEnding, readonly string[]>> = {
  completed: ['requested', 'received', 'accepted', 'ready', 'in-progress'],
  failed: ['accepted', 'ready', 'in-progress', 'on-hold'],
  rejected: ['requested', 'received', 'ready'],
  cancelled: ['draft', 'requested', 'received', 'accepted', 'ready', 'in-progress', 'on-hold'],
};

/** Why `from → to` is refused, or undefined when FHIR's Task state machine allows it. */
export function refusedTransition(from: string, to: TaskEnding): string | undefined {
  if (ALLOWED_FROM[to].includes(from)) return undefined;
  const why = from === 'on-hold' ? 'resume it (in-progress) first' : from === 'draft' ? 'it was never requested' : 'it has already ended';
  return `Task status ${from || '(none)'} cannot become ${to} (FHIR R4 Task state machine: ${why}); ${to} is allowed from ${ALLOWED_FROM[to].join(', ')}`;
}

/** The error the waiting step fails with for a failing ending (the same names the resume path uses). */
export const failureError = (ending: Exclude<TaskEnding, 'completed'>): string => FAILURE_OF_STATUS[ending] ?? 'HumanTask.Failed';

interface TaskOutput {
  type: { text: string };
  [value: string]: unknown;
}

/**
 * `{name: value}` → Task.output[] (type.text = name; value[x] by the JSON type), the inverse of what
 * the resume path reads back, so the execution sees the same `output` either way.
 */
export function taskOutputEntries(output: Record<string, unknown>): TaskOutput[] {
  return Object.entries(output).map(([name, v]) => {
    const type = { text: name };
    if (typeof v === 'string') return { type, valueString: v };
    if (typeof v === 'boolean') return { type, valueBoolean: v };
    if (typeof v === 'number') return Number.isInteger(v) ? { type, valueInteger: v } : { type, valueDecimal: v };
    if (v !== null && typeof v === 'object' && typeof (v as { reference?: unknown }).reference === 'string') return { type, valueReference: v };
    throw new UsageError(`--output ${name}: a Task output value is a string, number, boolean or {"reference": "Type/id"}`);
  });
}

/** `{name: value}` as the execution receives it from Task.output (value[x] → value). */
export const outputValues = (entries: readonly TaskOutput[]): Record<string, unknown> =>
  Object.fromEntries(entries.map((e) => [e.type.text, e[Object.keys(e).find((k) => k.startsWith('value')) ?? ''] ?? null]));

/**
 * Moves the FHIR Task to its ending status on its server (read, check the transition, update with
 * If-Match on the version read, so a concurrent change is not overwritten), recording the output
 * (completed) or the reason (the others). Returns the status it came from.
 */
export async function endFhirTask(fhir: FhirPort, reference: string, to: TaskEnding, detail: { output?: TaskOutput[]; reason?: string; now: number }): Promise<{ from: string; task: FhirResource }> {
  const task = await fhir.read(reference);
  const from = typeof task.status === 'string' ? task.status : '';
  // Already there (a repeated command after the resume failed): only the result is sent again.
  if (from === to) return { from, task };
  const refused = refusedTransition(from, to);
  if (refused) throw new UsageError(`${reference}: ${refused}`);
  const at = new Date(detail.now).toISOString();
  const period = (task.executionPeriod as { start?: string; end?: string } | undefined) ?? {};
  const next: FhirResource = {
    ...task,
    status: to,
    lastModified: at,
    executionPeriod: { ...period, ...(period.start ? {} : { start: at }), end: at },
    ...(detail.output && detail.output.length > 0 ? { output: [...((task.output as unknown[] | undefined) ?? []), ...detail.output] } : {}),
    ...(detail.reason ? { statusReason: { text: detail.reason } } : {}),
  };
  const versionId = (task.meta as { versionId?: string } | undefined)?.versionId;
  const saved = await fhir.update(next, versionId ? { ifMatch: versionId } : {});
  return { from, task: saved };
}
