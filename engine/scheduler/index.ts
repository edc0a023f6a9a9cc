export { LocalScheduler, DEFAULT_GROUP, retryDelayMs, type FireDueResult, type LocalSchedulerOptions } from './localScheduler';
export { validateScheduleExpression, nextFireTimes, parseScheduleExpression } from './scheduleExpression';
export { createTargetInvoker, renderTargetInput, type TargetInvoker, type FireContext } from './targetInvoker';
export { SchedulerException } from './schedulerErrors';
export { SchedulerTimerDriver } from './schedulerTimerDriver';
