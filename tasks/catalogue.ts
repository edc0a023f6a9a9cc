import type { TaskSpec } from '../schemas/task';
import { correlationTaskSpecs } from './correlation/specs';
import { fhirTaskSpecs } from './fhir/specs';
import { fhirpathTaskSpecs } from './fhirpath/specs';
import { humanTaskSpecs } from './human/specs';
import { notifyTaskSpecs } from './notify/specs';
import { reminderTaskSpecs } from './reminders/specs';
import { timeTaskSpecs } from './time/specs';

/** Every task a workflow may `call`, by name. The compiler checks calls and literal inputs against it. */
export const taskCatalogue: ReadonlyMap<string, TaskSpec> = new Map(
  [...fhirTaskSpecs, ...fhirpathTaskSpecs, ...reminderTaskSpecs, ...notifyTaskSpecs, ...humanTaskSpecs, ...timeTaskSpecs, ...correlationTaskSpecs].map((s) => [s.name, s as TaskSpec]),
);
