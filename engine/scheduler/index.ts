export { LocalScheduler, DEFAULT_GROUP, retryDelayMs, type FireDueResult, type LocalSchedulerOptions } from './localScheduler';
export { validateScheduleExpression, nextFireTimes, parseScheduleExpression } from './scheduleExpression';
export { createTargetInvoker, renderTargetInput, type TargetInvoker, type FireContext } from './targetInvoker';
export { SchedulerException } from './schedulerErrors';
export { SchedulerTimerDriver } from './schedulerTimerDriver';

import type { Clock } from '../../schemas/clock';
import type { BusPort, ExecutionPort } from '../../schemas/ports';
import type { Db } from '../../core/db/openDatabase';
import { LocalScheduler as Scheduler } from './localScheduler';
import { createTargetInvoker as invoker, type TargetInvoker as Invoker } from './targetInvoker';

/** The local scheduler wired to the engine's ports: state machine targets start executions, bus targets put events. */
export function createLocalScheduler(options: { db: Db; clock: Clock; executions?: ExecutionPort; bus?: BusPort; other?: Invoker; random?: (fireKey: string) => number }): Scheduler {
  const { db, clock, random, ...ports } = options;
  return new Scheduler({ db, clock, invoke: invoker(ports), ...(random ? { random } : {}) });
}
