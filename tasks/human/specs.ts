import * as z from 'zod';
import { FhirErrorNames } from '../../schemas/errors';
import type { TaskSpec } from '../../schemas/task';
import { ACK_STATUS_PATTERN } from './taskStatus';

const Coding = z.strictObject({ system: z.string().optional(), code: z.string().min(1), display: z.string().optional() });
const Instant = z.string().describe('an ISO 8601 instant');

const HumanTaskInput = z.object({
  description: z.string().min(1),
  owner: z.string().optional().describe('Practitioner/…, PractitionerRole/…, CareTeam/… or Organization/…'),
  focus: z.string().optional().describe('the resource the task is about'),
  for: z.string().optional().describe('the patient'),
  requester: z.string().optional().describe('who asks for the task (Task.requester); default none'),
  basedOn: z
    .union([z.string(), z.array(z.string()).min(1)])
    .optional()
    .describe('the request(s) this task fulfils (Task.basedOn)'),
  priority: z.enum(['routine', 'urgent', 'asap', 'stat']).default('routine'),
  dueInMinutes: z.number().int().positive().optional().describe('sets restriction.period.end (unless period.end is given)'),
  period: z.strictObject({ start: Instant.optional(), end: Instant.optional() }).optional().describe('Task.restriction.period'),
  code: z.union([z.string(), Coding]).optional().describe('Task.code: text, or a coding {system, code, display}'),
  input: z
    .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
    .optional()
    .describe('Task.input: name → value'),
});

export const tasksCreate = {
  name: 'tasks.create',
  description: 'Create a FHIR Task for a person or team, without waiting for it.',
  input: HumanTaskInput,
  output: z.object({ task: z.string() }),
  errors: FhirErrorNames,
  idempotent: { safe: true, how: "the Task is a conditional create on an identifier from the call's idempotency key: a retry finds the Task the first attempt made" },
  fhirInteractions: ['create Task (If-None-Exist on its identifier)'],
} satisfies TaskSpec;

/** The errors an await step can end with when the person does not act (see resumeOnTaskChange.ts, expireHumanTask.ts). */
export const HUMAN_TASK_ERRORS = ['HumanTask.Rejected', 'HumanTask.Cancelled', 'HumanTask.Failed', 'HumanTask.EnteredInError', 'HumanTask.TimedOut'] as const;

export const tasksAwait = {
  name: 'tasks.await',
  description:
    'Create a FHIR Task and park the execution until it is acknowledged (until: accepted | in-progress) or completed; rejected, cancelled, failed or entered-in-error fail the step (await: steps).',
  input: HumanTaskInput.extend({
    until: z
      .union([z.enum(['accepted', 'in-progress', 'completed']), z.string().regex(ACK_STATUS_PATTERN, 'statuses such as accepted | completed')])
      .optional()
      .describe('the Task status that resumes the step: accepted, in-progress or completed (default); a later status resumes too'),
    awaitKey: z.string().optional().describe('set by the compiler: names this await so a timeout can find and cancel its Task'),
  }),
  output: z.object({ task: z.string(), status: z.enum(['accepted', 'in-progress', 'completed']), output: z.unknown().optional() }),
  errors: [...HUMAN_TASK_ERRORS, 'States.Timeout', 'States.HeartbeatTimeout', ...FhirErrorNames],
  callback: true,
  idempotent: { safe: true, how: 'as tasks.create; the callback token is stored once per Task' },
  fhirInteractions: ['create Task (If-None-Exist on its identifier)', 'read the Task when the FHIR server reports it changed, to resume the step'],
  compilerOnly: true,
} satisfies TaskSpec;

export const tasksExpire = {
  name: 'tasks.expire',
  description: 'Used by await steps on timeout: marks the waiting FHIR Task cancelled (with a statusReason) and fails with HumanTask.TimedOut carrying the Task reference.',
  input: z.object({ awaitKey: z.string().min(1), error: z.string().default('States.Timeout') }),
  output: z.object({}),
  errors: ['HumanTask.TimedOut'],
  idempotent: { safe: true, how: 'only a Task still open is cancelled, so a second call changes nothing; it always ends by failing with HumanTask.TimedOut' },
  fhirInteractions: ["search Task?identifier=… (the await step's Task)", 'update Task to cancelled with a statusReason (If-Match on its version)'],
  compilerOnly: true,
} satisfies TaskSpec;

export const humanTaskSpecs = [tasksCreate, tasksAwait, tasksExpire] as const;
