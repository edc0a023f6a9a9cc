import type { CorrelationPort, TaskContext } from '../schemas/ports';
import { createCorrelationHandlers } from './correlation/correlate';
import { fhirHandlers } from './fhir/handlers';
import { fhirpathTestHandler } from './fhirpath/handler';
import type { AsyncCallbackStore } from './human/callbackStore';
import { createHumanTaskHandlers } from './human/handlers';
import { notifyHandlers } from './notify/handlers';
import type { RemindersConfig } from './reminders/reminderConfig';
import { createReminderHandlers } from './reminders/handlers';
import { timeHandlers } from './time/formatTime';

/** A task handler as the engine calls it: input already checked against the task's zod spec. */
export type RegisteredTaskHandler = (input: unknown, ctx: TaskContext) => Promise<unknown>;

export interface TaskHandlerDeps {
  /** Durable Task → callback-token map for `tasks.await` (tasks/human/callbackStore.ts). */
  callbacks: AsyncCallbackStore;
  /** Recorded with each callback so a Task change from another server cannot resume it. */
  humanTaskServer?: string;
  reminders?: Partial<RemindersConfig>;
  /** Step Functions calls for `correlation.claim` (engine/correlation locally, deploy/aws on AWS). */
  correlation?: CorrelationPort;
}

/**
 * The registry: every catalogued task name → its handler. Handlers reach FHIR, the scheduler, the
 * bus, notifications and the engine only through ctx.ports, so the same map serves the local engine
 * and the Lambda adapter. tasks/handlers.test.ts checks it covers tasks/catalogue.ts exactly.
 */
export function createTaskHandlers(deps: TaskHandlerDeps): ReadonlyMap<string, RegisteredTaskHandler> {
  const human = createHumanTaskHandlers({ callbacks: deps.callbacks, ...(deps.humanTaskServer !== undefined ? { server: deps.humanTaskServer } : {}) });
  const all: Record<string, unknown> = {
    ...fhirHandlers,
    ...notifyHandlers,
    ...human,
    ...createReminderHandlers(deps.reminders ?? {}),
    'fhirpath.test': fhirpathTestHandler,
    ...timeHandlers,
    ...createCorrelationHandlers(deps.correlation),
  };
  return new Map(Object.entries(all) as [string, RegisteredTaskHandler][]);
}
