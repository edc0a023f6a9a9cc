import { idempotencyCode } from '../../core/fhir/idempotency';
import type { FhirResource } from '../../schemas/fhirPort';
import type { TaskContext } from '../../schemas/ports';

/** Identifier system of the Task a human-task step creates (value: hash of the idempotency key). */
export const HUMAN_TASK_SYSTEM = 'urn:clinflow:human-task';
/** Identifier system naming the await step visit (value: hash of the compiler's awaitKey), so a timeout finds its Task. */
export const HUMAN_TASK_AWAIT_SYSTEM = 'urn:clinflow:await';

export interface HumanTaskInput {
  description: string;
  owner?: string | undefined;
  focus?: string | undefined;
  for?: string | undefined;
  requester?: string | undefined;
  basedOn?: string | string[] | undefined;
  priority: 'routine' | 'urgent' | 'asap' | 'stat';
  dueInMinutes?: number | undefined;
  period?: { start?: string | undefined; end?: string | undefined } | undefined;
  code?: string | { system?: string | undefined; code: string; display?: string | undefined } | undefined;
  input?: Record<string, string | number | boolean> | undefined;
  awaitKey?: string | undefined;
}

/** The identifier a timed-out await searches for (tasks.expire). */
export function awaitIdentifier(awaitKey: string): { system: string; value: string } {
  return { system: HUMAN_TASK_AWAIT_SYSTEM, value: idempotencyCode(awaitKey) };
}

const valueOf = (v: string | number | boolean): Record<string, unknown> =>
  typeof v === 'boolean' ? { valueBoolean: v } : typeof v === 'number' ? (Number.isInteger(v) ? { valueInteger: v } : { valueDecimal: v }) : { valueString: v };

/** Task.restriction.period from `period` and `dueInMinutes` (an explicit period.end wins). */
function periodOf(input: HumanTaskInput, now: number): { start?: string; end?: string } | undefined {
  const p: { start?: string; end?: string } = {};
  if (input.period?.start !== undefined) p.start = input.period.start;
  if (input.period?.end !== undefined) p.end = input.period.end;
  else if (input.dueInMinutes !== undefined) p.end = new Date(now + input.dueInMinutes * 60_000).toISOString();
  return Object.keys(p).length ? p : undefined;
}

/** The Task resource a human-task step asks for (status requested, intent order). */
export function buildHumanTask(input: HumanTaskInput, ctx: Pick<TaskContext, 'idempotencyKey'>, now: number): FhirResource {
  const ref = (reference: string) => ({ reference });
  const period = periodOf(input, now);
  const code = input.code === undefined ? undefined : typeof input.code === 'string' ? { text: input.code } : { coding: [input.code], ...(input.code.display ? { text: input.code.display } : {}) };
  const basedOn = input.basedOn === undefined ? undefined : (Array.isArray(input.basedOn) ? input.basedOn : [input.basedOn]).map(ref);
  return {
    resourceType: 'Task',
    identifier: [{ system: HUMAN_TASK_SYSTEM, value: idempotencyCode(ctx.idempotencyKey) }, ...(input.awaitKey !== undefined ? [awaitIdentifier(input.awaitKey)] : [])],
    ...(basedOn ? { basedOn } : {}),
    status: 'requested',
    intent: 'order',
    priority: input.priority,
    ...(code ? { code } : {}),
    description: input.description,
    ...(input.focus !== undefined ? { focus: ref(input.focus) } : {}),
    ...(input.for !== undefined ? { for: ref(input.for) } : {}),
    authoredOn: new Date(now).toISOString(),
    ...(input.requester !== undefined ? { requester: ref(input.requester) } : {}),
    ...(input.owner !== undefined ? { owner: ref(input.owner) } : {}),
    ...(period ? { restriction: { period } } : {}),
    ...(input.input ? { input: Object.entries(input.input).map(([name, v]) => ({ type: { text: name }, ...valueOf(v) })) } : {}),
  };
}

/**
 * Creates the FHIR Task for a person or team, once per idempotency key (conditional create on an
 * identifier derived from the key). The callback token is never part of it.
 */
export async function createHumanTask(input: HumanTaskInput, ctx: TaskContext): Promise<FhirResource & { id: string }> {
  const task = buildHumanTask(input, ctx, ctx.clock.now());
  const value = idempotencyCode(ctx.idempotencyKey);
  const created = await ctx.ports.fhir.create(task, { idempotencyKey: ctx.idempotencyKey, ifNoneExist: `identifier=${encodeURIComponent(`${HUMAN_TASK_SYSTEM}|${value}`)}` });
  return created as FhirResource & { id: string };
}
