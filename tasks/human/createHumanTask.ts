import { idempotencyCode } from '../fhir/idempotency';
import type { FhirResource } from '../../schemas/fhirPort';
import type { TaskContext } from '../../schemas/ports';

/** Identifier system of the Task a human-task step creates (value: hash of the idempotency key). */
export const HUMAN_TASK_SYSTEM = 'urn:clinflow:human-task';

export interface HumanTaskInput {
  description: string;
  owner?: string | undefined;
  focus?: string | undefined;
  for?: string | undefined;
  priority: 'routine' | 'urgent' | 'asap' | 'stat';
  dueInMinutes?: number | undefined;
  code?: string | undefined;
}

/**
 * Creates the FHIR Task for a person or team, once per idempotency key (conditional create on an
 * identifier derived from the key). The callback token is never part of it.
 */
export async function createHumanTask(input: HumanTaskInput, ctx: TaskContext): Promise<FhirResource & { id: string }> {
  const now = ctx.clock.now();
  const value = idempotencyCode(ctx.idempotencyKey);
  const ref = (reference: string | undefined) => (reference === undefined ? undefined : { reference });
  const task: FhirResource = {
    resourceType: 'Task',
    identifier: [{ system: HUMAN_TASK_SYSTEM, value }],
    status: 'requested',
    intent: 'order',
    priority: input.priority,
    description: input.description,
    authoredOn: new Date(now).toISOString(),
    ...(input.code !== undefined ? { code: { text: input.code } } : {}),
    ...(input.owner !== undefined ? { owner: ref(input.owner) } : {}),
    ...(input.focus !== undefined ? { focus: ref(input.focus) } : {}),
    ...(input.for !== undefined ? { for: ref(input.for) } : {}),
    ...(input.dueInMinutes !== undefined ? { restriction: { period: { end: new Date(now + input.dueInMinutes * 60_000).toISOString() } } } : {}),
  };
  const created = await ctx.ports.fhir.create(task, { idempotencyKey: ctx.idempotencyKey, ifNoneExist: `identifier=${encodeURIComponent(`${HUMAN_TASK_SYSTEM}|${value}`)}` });
  return created as FhirResource & { id: string };
}
