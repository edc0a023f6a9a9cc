import type { CorrelationPort, TaskContext } from '../schemas/ports';
import { createCorrelationHandlers } from './correlation/correlate';
import { fhirHandlers } from './fhir/handlers';
import { withProvenance, type Attribution } from './fhir/withProvenance';
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
  /** Who a task's FHIR writes are attributed to; with it, every write carries a Provenance (fhir/withProvenance.ts). */
  attribution?: (ctx: TaskContext) => Promise<Attribution | undefined> | Attribution | undefined;
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
  const entries = Object.entries(all) as [string, RegisteredTaskHandler][];
  const attribution = deps.attribution;
  if (!attribution) return new Map(entries);
  return new Map(
    entries.map(([name, handler]) => [
      name,
      async (input: unknown, ctx: TaskContext) => {
        const who = await attribution(ctx);
        return handler(input, who ? { ...ctx, ports: { ...ctx.ports, fhir: withProvenance(ctx.ports.fhir, ctx, who) } } : ctx);
      },
    ]),
  );
}
