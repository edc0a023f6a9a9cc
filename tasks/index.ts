/**
 * `clinflow/tasks`: the task functions workflows call, for code that runs them outside the CLI (a
 * custom host, a Lambda of your own): the catalogue of task names with their input specs, the
 * handler map they run through (ports injected), and the pure FHIR Timing expansion the
 * reminders use.
 */
export { taskCatalogue } from './catalogue';
export { createTaskHandlers, type RegisteredTaskHandler, type TaskHandlerDeps } from './handlers';
export { expandTiming, type ExpandTimingOptions } from './reminders/timing/expandTiming';
export type { FhirTiming, TimingRepeat } from './reminders/timing/fhirTiming';
export { reminderPolicyV1_1, type ReminderPolicy } from './reminders/timing/reminderPolicy';
export type { TaskContext } from '../schemas/ports';
