import * as z from 'zod';
import { Duration } from './workflow';

/**
 * Workflow tests: `workflows/<name>.test.yaml` beside the workflow (`clinflow test`, `clinflow/testing`).
 * Each test starts the workflow once on a simulated clock against the in-process FHIR sandbox, plays
 * a timeline (a person's answers to human tasks, later FHIR changes) and compares what happened with
 * `expect`. The generated `schemas/workflowTest.schema.json` gives editors completion.
 */

/** When something happens: a duration after the test's start (`20m`, `P2D`) or a UTC instant. */
export const TestTime = z
  .union([Duration, z.string().regex(/^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?Z$/, 'a duration after the start (20m, P2D) or a UTC instant (2026-03-09T14:00:00Z)')])
  .describe('A duration after the test starts (20m, 2h, P2D) or a UTC instant ending in Z.');

const Resource = z.looseObject({ resourceType: z.string().min(1), id: z.string().min(1).optional() }).describe('A FHIR R4 resource (synthetic data only).');
const Reference = z
  .string()
  .regex(/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/, 'a FHIR reference such as MedicationRequest/med-1')
  .describe('Type/id of a fixture.');

export const TestFixtures = z
  .union([z.string().min(1).describe('path (relative to the test file) of a JSON Bundle, resource or array of resources'), z.array(Resource)])
  .describe('FHIR resources loaded into the sandbox before the test starts (they trigger nothing). Each needs an id.');

export const TestTrigger = z
  .union([
    z.strictObject({ event: z.unknown().describe('the execution input, e.g. a FHIR change event or a reminder slot') }),
    z.strictObject({
      resource: z.union([Reference, Resource]).describe('the changed resource: a fixture reference, or the resource itself (not stored on the server)'),
      interaction: z.enum(['create', 'update', 'delete']).optional().describe('default update'),
    }),
    z.strictObject({ schedule: z.literal(true).describe('start as the schedule would, with its input') }),
  ])
  .describe("What starts the workflow: a literal event, a FHIR resource change (the trigger's where applies), or the schedule.");

export const TaskMock = z
  .union([
    z.strictObject({ output: z.unknown().describe('the task result the step receives') }),
    z.strictObject({ error: z.string().min(1).describe('error name, e.g. FHIR.NotFound'), cause: z.string().optional() }),
  ])
  .describe('A scripted task result: { output } or { error, cause }.');

export const TestAnswer = z
  .strictObject({
    at: TestTime,
    step: z.string().min(1).describe('the await or tasks.create step whose FHIR Task the person answers'),
    status: z.enum(['accepted', 'rejected', 'in-progress', 'completed', 'cancelled', 'failed', 'entered-in-error', 'on-hold', 'ready', 'received']).describe('the FHIR Task status the person sets'),
  })
  .describe('A person answers a human task: sets its FHIR Task status on the server at the given time.');

export const TestChange = z
  .union([
    z.strictObject({ at: TestTime, update: Reference, set: z.record(z.string(), z.unknown()).describe('top-level elements to replace') }),
    z.strictObject({ at: TestTime, create: Resource }),
    z.strictObject({ at: TestTime, delete: Reference }),
  ])
  .describe('A later change on the FHIR server; every loaded workflow sees it through the real notification path.');

const Partial = z.record(z.string(), z.unknown()).describe('expected fields (a partial match: fields not named are not compared; a string "/re/" is a regular expression)');
const CountOrList = z.union([z.number().int().min(0).describe('how many'), z.array(Partial).describe('exactly these, in order, each a partial match')]);

export const TestExpect = z
  .strictObject({
    triggered: z.boolean().optional().describe('false: the trigger (event pattern and where) does not match, nothing runs'),
    status: z.enum(['SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED', 'RUNNING']).optional().describe("the execution's final status"),
    path: z.array(z.string()).optional().describe('step ids entered, in order (exactly)'),
    reached: z.array(z.string()).optional().describe('steps that must be entered'),
    notReached: z.array(z.string()).optional().describe('steps that must not be entered'),
    outputs: z.record(z.string(), z.unknown()).optional().describe('step id → its (last) output, a partial match'),
    output: z.unknown().optional().describe('the execution output, a partial match'),
    error: z.strictObject({ step: z.string().optional(), error: z.string().optional(), cause: z.string().optional() }).optional().describe('why the execution failed'),
    tasks: CountOrList.optional().describe('FHIR Tasks created: { step, status, description, owner, for, focus, priority }'),
    messages: CountOrList.optional().describe('messages sent: { recipient, channel, subject, body, at }'),
    schedules: CountOrList.optional().describe('schedules created: { name, group, expression, workflow, input }'),
    executions: z.record(z.string(), z.number().int().min(0)).optional().describe('workflow name → executions it ran during the test'),
  })
  .describe('What must have happened; only what is named is checked.');

export const WorkflowTestCase = z.strictObject({
  name: z.string().min(1),
  description: z.string().optional(),
  start: z.string().datetime().optional().describe("the simulated clock at the start (default: the file's start)"),
  fixtures: TestFixtures.optional().describe('more fixtures for this test'),
  load: z.array(z.string().min(1)).optional().describe("the workflows that run alongside in this test (instead of the file's load)"),
  trigger: TestTrigger.optional().describe("omit when the timeline's changes start the workflow through its real trigger"),
  mock: z.record(z.string(), TaskMock).optional().describe('step id or task name (fhir.read) → scripted result; other tasks run for real'),
  answers: z.array(TestAnswer).optional(),
  changes: z.array(TestChange).optional(),
  runFor: Duration.optional().describe('how long to run on the simulated clock (default: until the execution ends, at most 400 days)'),
  expect: TestExpect,
});
export type WorkflowTestCase = z.infer<typeof WorkflowTestCase>;

export const WorkflowTestFile = z.strictObject({
  workflow: z.string().min(1).optional().describe('the workflow under test (default: the file name before .test.yaml)'),
  load: z.array(z.string().min(1)).optional().describe('other workflows (names, beside this file) that run alongside, e.g. reminder-delivery'),
  start: z.string().datetime().optional().describe('the simulated clock at the start of every test (default 2026-03-09T14:00:00Z)'),
  fixtures: TestFixtures.optional(),
  tests: z.array(WorkflowTestCase).min(1),
});
export type WorkflowTestFile = z.infer<typeof WorkflowTestFile>;
export type TestTrigger = z.infer<typeof TestTrigger>;
export type TestExpect = z.infer<typeof TestExpect>;
export type TestChange = z.infer<typeof TestChange>;
export type TestAnswer = z.infer<typeof TestAnswer>;
export type TaskMock = z.infer<typeof TaskMock>;

/** `foo.test.yaml`: a workflow test file, never compiled as a workflow. */
export function isWorkflowTestFile(path: string): boolean {
  return /\.test\.ya?ml$/.test(path);
}
