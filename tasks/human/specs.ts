import { z } from 'zod';
import { FhirErrorNames } from '../../schemas/errors';
import type { TaskSpec } from '../../schemas/task';

const HumanTaskInput = z.object({
  description: z.string().min(1),
  owner: z.string().optional().describe('Practitioner/…, PractitionerRole/…, CareTeam/… or Organization/…'),
  focus: z.string().optional().describe('the resource the task is about'),
  for: z.string().optional().describe('the patient'),
  priority: z.enum(['routine', 'urgent', 'asap', 'stat']).default('routine'),
  dueInMinutes: z.number().int().positive().optional(),
  code: z.string().optional(),
});

export const tasksCreate = {
  name: 'tasks.create',
  description: 'Create a FHIR Task for a person or team, without waiting for it.',
  input: HumanTaskInput,
  output: z.object({ task: z.string() }),
  errors: FhirErrorNames,
} satisfies TaskSpec;

export const tasksAwait = {
  name: 'tasks.await',
  description: 'Create a FHIR Task and park the execution until it is completed, rejected or cancelled (await: steps).',
  input: HumanTaskInput,
  output: z.object({ task: z.string(), status: z.enum(['completed']), output: z.unknown().optional() }),
  errors: ['HumanTask.Rejected', 'HumanTask.Cancelled', 'HumanTask.Failed', 'States.Timeout', 'States.HeartbeatTimeout', ...FhirErrorNames],
  callback: true,
} satisfies TaskSpec;

export const humanTaskSpecs = [tasksCreate, tasksAwait] as const;
