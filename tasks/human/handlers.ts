import { WorkflowError } from '../../schemas/errors';
import type { TaskContext } from '../../schemas/ports';
import type { TaskHandler } from '../../schemas/task';
import type { AsyncCallbackStore } from './callbackStore';
import { createHumanTask, type HumanTaskInput } from './createHumanTask';
import { expireHumanTask } from './expireHumanTask';
import type { tasksCreate } from './specs';
import { normalizeUntil } from './taskStatus';

export interface HumanTaskHandlers {
  'tasks.create': TaskHandler<typeof tasksCreate>;
  /** A callback task: its result arrives later through sendTaskSuccess/Failure (resumeOnTaskChange). */
  'tasks.await': (input: HumanTaskInput & { until?: string | undefined }, ctx: TaskContext) => Promise<{ task: string }>;
  /** Added by the compiler after an await step's timeout: cancels its Task, then fails with HumanTask.TimedOut. */
  'tasks.expire': (input: { awaitKey: string; error: string }, ctx: TaskContext) => Promise<never>;
}

/**
 * `tasks.create` makes a FHIR Task; `tasks.await` makes one and parks the execution on its callback
 * token, recorded in the durable callback store (never in FHIR, never in logs).
 */
export function createHumanTaskHandlers(deps: { callbacks: AsyncCallbackStore; server?: string }): HumanTaskHandlers {
  return {
    'tasks.create': async (input, ctx) => {
      const task = await createHumanTask(input, ctx);
      return { task: `Task/${task.id}` };
    },
    'tasks.await': async (input, ctx) => {
      if (ctx.taskToken === undefined) throw new WorkflowError('States.Runtime', 'tasks.await must be invoked with .waitForTaskToken');
      const created = await createHumanTask(input, ctx);
      const task = `Task/${created.id}`;
      const until = normalizeUntil(input.until);
      await deps.callbacks.register({ task, server: deps.server ?? '', taskToken: ctx.taskToken, executionArn: ctx.executionArn, stateName: ctx.stateName, until }, ctx.clock.now());
      ctx.log.info({ task, executionArn: ctx.executionArn, stateName: ctx.stateName, until }, 'waiting for human task');
      return { task };
    },
    'tasks.expire': (input, ctx) => expireHumanTask(input, ctx, (task) => deps.callbacks.claim(task, ctx.clock.now())),
  };
}
