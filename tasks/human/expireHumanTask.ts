import { WorkflowError } from '../../schemas/errors';
import type { FhirResource } from '../../schemas/fhirPort';
import type { TaskContext } from '../../schemas/ports';
import { awaitIdentifier } from './createHumanTask';
import { OPEN_STATUSES } from './taskStatus';

/**
 * An await step timed out (States.Timeout / States.HeartbeatTimeout): mark its still-open Task
 * `cancelled` with a statusReason, so nobody works a task the workflow no longer waits for, then fail
 * with HumanTask.TimedOut whose cause names the Task. The escalation must not be lost to a FHIR
 * outage, so a write that fails is logged and reported in the cause (`marked: false`), never thrown.
 */
export async function expireHumanTask(input: { awaitKey: string; error: string }, ctx: TaskContext, retire: (task: string) => unknown = () => undefined): Promise<never> {
  const id = awaitIdentifier(input.awaitKey);
  let tasks: string[] = [];
  let marked = true;
  try {
    const found = (await ctx.ports.fhir.search('Task', { identifier: `${id.system}|${id.value}` })) as (FhirResource & { id: string })[];
    tasks = found.map((t) => `Task/${t.id}`);
    for (const t of found) {
      // The execution no longer waits: drop the token first, so the cancellation below resumes nothing.
      await retire(`Task/${t.id}`);
      if (!(OPEN_STATUSES as readonly string[]).includes(String(t.status))) continue;
      const reason = `not acknowledged in time (${input.error}); the workflow stopped waiting`;
      await ctx.ports.fhir.update(
        { ...t, status: 'cancelled', statusReason: { text: reason }, lastModified: new Date(ctx.clock.now()).toISOString() },
        { idempotencyKey: ctx.idempotencyKey, ...(t.meta?.versionId ? { ifMatch: t.meta.versionId } : {}) },
      );
    }
  } catch (err) {
    marked = false;
    ctx.log.warn({ executionArn: ctx.executionArn, stateName: ctx.stateName, error: (err as { error?: string }).error ?? 'unknown' }, 'could not cancel the timed-out human task');
  }
  const cause = { task: tasks[0] ?? null, status: marked ? 'cancelled' : 'unknown', error: input.error, marked };
  throw new WorkflowError('HumanTask.TimedOut', JSON.stringify(cause));
}
