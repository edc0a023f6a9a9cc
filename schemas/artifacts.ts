import * as z from 'zod';

/**
 * What the compiler emits for one workflow, and what the local engine and deploy/ consume.
 * ASL definitions use the local account/region (schemas/task.ts); deploy/ rewrites ARNs per stage.
 */
export const EventRuleArtifact = z.object({
  kind: z.literal('eventRule'),
  /** Rule name, `clinflow-<workflow>`. */
  name: z.string(),
  description: z.string().optional(),
  eventPattern: z.record(z.string(), z.unknown()),
  /** EventBridge target input shaping; the whole event is the execution input when absent. */
  inputPath: z.string().optional(),
});

export const ScheduleArtifact = z.object({
  kind: z.literal('schedule'),
  /** Schedule name, `clinflow-<workflow>`. */
  name: z.string(),
  description: z.string().optional(),
  /** `cron(…)`, `rate(…)` or `at(…)`, exactly as EventBridge Scheduler takes it. */
  scheduleExpression: z.string(),
  scheduleExpressionTimezone: z.string(),
  startDate: z.string().optional(),
  endDate: z.string().optional(),
  flexibleTimeWindow: z.object({ mode: z.enum(['OFF', 'FLEXIBLE']), maximumWindowInMinutes: z.number().int().min(1).max(1440).optional() }),
  state: z.enum(['ENABLED', 'DISABLED']).default('ENABLED'),
  /** Execution input sent on each fire. */
  input: z.unknown().optional(),
});

export const TriggerArtifact = z.discriminatedUnion('kind', [EventRuleArtifact, ScheduleArtifact, z.object({ kind: z.literal('none') })]);
export type TriggerArtifact = z.infer<typeof TriggerArtifact>;

export const WorkflowManifest = z.object({
  workflow: z.string(),
  version: z.number().int(),
  /** sha256 of the YAML source, hex. */
  sourceHash: z.string(),
  compilerVersion: z.string(),
  /** Task names the definition calls, sorted. */
  tasks: z.array(z.string()),
  /** FHIR change-event attributes the trigger routes on, by resource type (design decision 5). */
  routingAttributes: z.record(z.string(), z.array(z.string())),
});
export type WorkflowManifest = z.infer<typeof WorkflowManifest>;

export const CompiledWorkflow = z.object({
  name: z.string(),
  description: z.string().optional(),
  /** State machine name, `clinflow-<workflow>`. */
  stateMachineName: z.string(),
  /** The ASL definition (JSON object). */
  definition: z.record(z.string(), z.unknown()),
  trigger: TriggerArtifact,
  manifest: WorkflowManifest,
});
export type CompiledWorkflow = z.infer<typeof CompiledWorkflow>;
