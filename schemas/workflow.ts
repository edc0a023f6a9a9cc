import * as z from 'zod';

/**
 * The clinflow workflow language, version 1. Authors write it in YAML; the compiler (compiler/)
 * checks it and turns it into ASL. The generated `schemas/workflow.schema.json` gives editors
 * autocompletion (`npm run schema` regenerates it). docs/DESIGN.md maps every construct to ASL.
 */

export const WORKFLOW_LANGUAGE_VERSION = 1;

/** `{% … %}`: a JSONata expression, evaluated at run time (ASL's JSONata query language). */
export const Expression = z
  .string()
  .regex(/^\s*\{%[\s\S]*%\}\s*$/, 'a JSONata expression written as "{% … %}"')
  .describe('A JSONata expression, "{% … %}". $event is the trigger event, $<stepId> a step\'s output.');

/** A condition: a JSONata expression with or without the `{% … %}` wrapper (conditions are always expressions). */
export const Condition = z.string().min(1).describe('A JSONata boolean expression, with or without "{% … %}", e.g. $order.status = \'active\'');

/** Step ids name ASL states and JSONata variables (`$order`), so they are identifiers. */
export const StepId = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'an identifier: a letter, then letters, digits or _ (it becomes the variable $<id>)')
  .describe("Step id: the ASL state name and the variable ($id) holding the step's output.");

export const VariableName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'an identifier: a letter, then letters, digits or _');

/** `PT2H`, `P3D` (ISO 8601), `90s`, `15m`, `2h`, `1h30m`, `3d`, or a number of seconds. */
export const Duration = z
  .union([
    z.string().regex(/^(P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?|(?=\d)(\d+d)?(\d+h)?(\d+m)?(\d+s)?)$/, 'a duration such as PT2H, P3D, 90s, 15m, 2h, 1h30m or 3d'),
    z.number().int().positive(),
  ])
  .describe('A duration: ISO 8601 (PT2H, P3D), short (90s, 15m, 2h, 1h30m, 3d) or seconds.');

const ErrorName = z.string().min(1).describe('An ASL error name: States.*, FHIR.*, Reminder.*, Notify.*, HumanTask.*');

export const Retry = z
  .strictObject({
    on: z.array(ErrorName).min(1).optional().describe('error names to retry; States.ALL (every error) when omitted'),
    attempts: z.number().int().min(0).max(99).optional().describe('retries after the first failure (ASL MaxAttempts), default 3'),
    interval: Duration.optional().describe('delay before the first retry, default 1s'),
    backoff: z
      .union([z.enum(['exponential', 'fixed']), z.number().min(1).max(100)])
      .optional()
      .describe('exponential (×2), fixed (×1) or a factor; default exponential'),
    maxDelay: Duration.optional().describe('cap on the delay between retries'),
    jitter: z.boolean().optional().describe('randomise delays (ASL JitterStrategy FULL)'),
  })
  .describe('Retry the step on the listed errors.');
export type Retry = z.infer<typeof Retry>;

export const Catch = z
  .strictObject({
    on: z.array(ErrorName).min(1).optional().describe('error names to catch; States.ALL when omitted'),
    next: StepId.describe('step to go to; it sees the error as $error ({ Error, Cause })'),
  })
  .describe('On the listed errors, go to another step.');
export type Catch = z.infer<typeof Catch>;

const common = {
  id: StepId,
  description: z.string().optional().describe("shown as the state's Comment"),
};
const flow = {
  next: StepId.optional().describe('the step to run after this one (default: the following step)'),
  end: z.literal(true).optional().describe('end the workflow (or the forEach/parallel branch) after this step'),
};
const guarded = {
  retry: z.union([Retry, z.array(Retry).min(1)]).optional(),
  catch: z.union([Catch, z.array(Catch).min(1)]).optional(),
};

const Inputs = z.record(z.string(), z.unknown()).describe("task inputs; literal values are checked against the task's input schema");

export const CallStep = z.strictObject({
  ...common,
  call: z
    .string()
    .regex(/^[a-z][A-Za-z0-9]*\.[a-z][A-Za-z0-9]*$/, 'a task name such as fhir.read')
    .describe('the task to call (see tasks/catalogue.ts)'),
  with: z.union([Inputs, Expression]).optional(),
  timeout: Duration.optional().describe('fail with States.Timeout after this long'),
  heartbeat: Duration.optional().describe('fail with States.HeartbeatTimeout without a heartbeat for this long'),
  ...guarded,
  ...flow,
});

export const AwaitStep = z.strictObject({
  ...common,
  await: z
    .object({
      until: z
        .string()
        .regex(/^\s*(accepted|in-progress|completed)(\s*\|\s*(accepted|in-progress|completed))*\s*$/, 'accepted, in-progress or completed, e.g. accepted | completed')
        .optional()
        .describe('the FHIR Task status that resumes the step (default completed); a later status resumes too, so `accepted` is met by in-progress or completed'),
    })
    .catchall(z.unknown())
    .describe(
      'a human task: inputs of tasks.await (description, owner, focus, for, requester, basedOn, priority, dueInMinutes, period, code, input, until); rejected, cancelled, failed and entered-in-error fail the step with HumanTask.*, a timeout cancels the Task and fails with HumanTask.TimedOut',
    ),
  timeout: Duration.describe('how long to wait for the person (required)'),
  heartbeat: Duration.optional(),
  ...guarded,
  ...flow,
});

export const WaitStep = z.strictObject({
  ...common,
  wait: z.union([
    Duration,
    Expression,
    z
      .strictObject({
        for: z.union([Duration, Expression]).optional().describe('a duration, or an expression giving seconds'),
        until: z.string().optional().describe('an ISO 8601 timestamp (UTC, with Z) or an expression giving one'),
      })
      .refine((w) => (w.for === undefined) !== (w.until === undefined), 'give exactly one of for or until'),
  ]),
  ...flow,
});

export const SetStep = z.strictObject({
  ...common,
  set: z.record(VariableName, z.unknown()).describe('variables to assign: name → value or expression'),
  ...flow,
});

export const SucceedStep = z.strictObject({
  ...common,
  succeed: z.union([z.literal(true), z.strictObject({ output: z.unknown().optional() })]).describe('end the workflow successfully'),
});

export const FailStep = z.strictObject({
  ...common,
  fail: z.strictObject({ error: z.string().min(1), cause: z.string().optional() }).describe('end the workflow with an error'),
});

/** A workflow step: exactly one action key (call, await, if, choose, wait, forEach, parallel, set, succeed, fail). */
export type Step =
  | z.infer<typeof CallStep>
  | z.infer<typeof AwaitStep>
  | z.infer<typeof WaitStep>
  | z.infer<typeof SetStep>
  | z.infer<typeof SucceedStep>
  | z.infer<typeof FailStep>
  | IfStep
  | ChooseStep
  | ForEachStep
  | ParallelStep;

/** Where a branch goes: a list of steps run in place, or the id of a step to jump to. */
export type Branch = string | Step[];

export interface IfStep {
  id: string;
  description?: string | undefined;
  if: string;
  then: Branch;
  else?: Branch | undefined;
  next?: string | undefined;
  end?: true | undefined;
}
export interface ChooseStep {
  id: string;
  description?: string | undefined;
  choose: { when: string; then: Branch }[];
  otherwise?: Branch | undefined;
  next?: string | undefined;
  end?: true | undefined;
}
export interface ForEachStep {
  id: string;
  description?: string | undefined;
  forEach: string | unknown[];
  as?: string | undefined;
  concurrency?: number | undefined;
  do: Step[];
  retry?: Retry | Retry[] | undefined;
  catch?: Catch | Catch[] | undefined;
  next?: string | undefined;
  end?: true | undefined;
}
export interface ParallelStep {
  id: string;
  description?: string | undefined;
  parallel: { name?: string | undefined; steps: Step[] }[];
  retry?: Retry | Retry[] | undefined;
  catch?: Catch | Catch[] | undefined;
  next?: string | undefined;
  end?: true | undefined;
}

export const IfStepSchema: z.ZodType<IfStep> = z.strictObject({
  ...common,
  if: Condition,
  get then() {
    return BranchSchema;
  },
  get else() {
    return BranchSchema.optional();
  },
  ...flow,
});

export const ChooseStepSchema: z.ZodType<ChooseStep> = z.strictObject({
  ...common,
  get choose() {
    return z.array(z.strictObject({ when: Condition, then: BranchSchema })).min(1);
  },
  get otherwise() {
    return BranchSchema.optional();
  },
  ...flow,
});

export const ForEachStepSchema: z.ZodType<ForEachStep> = z.strictObject({
  ...common,
  forEach: z.union([z.string().min(1), z.array(z.unknown())]).describe('the list to loop over: an expression (with or without {% %}) or a literal list'),
  as: VariableName.optional().describe('variable holding the current item, default item ($item); $index holds its position'),
  concurrency: z.number().int().min(0).max(1000).optional().describe('items processed at once; 0 = no limit (default 0)'),
  get do() {
    return StepListSchema;
  },
  ...guarded,
  ...flow,
});

export const ParallelStepSchema: z.ZodType<ParallelStep> = z.strictObject({
  ...common,
  get parallel() {
    return z.array(z.strictObject({ name: z.string().optional(), steps: StepListSchema })).min(1);
  },
  ...guarded,
  ...flow,
});

/** The step kinds, in the order of StepSchema's union (the compiler's diagnostics rely on this order). */
export const STEP_KINDS = ['call', 'await', 'if', 'choose', 'wait', 'forEach', 'parallel', 'set', 'succeed', 'fail'] as const;
export type StepKind = (typeof STEP_KINDS)[number];

export const StepSchema: z.ZodType<Step> = z
  .union([CallStep, AwaitStep, IfStepSchema, ChooseStepSchema, WaitStep, ForEachStepSchema, ParallelStepSchema, SetStep, SucceedStep, FailStep])
  .meta({ id: 'Step', description: 'A step: id plus exactly one action (call, await, if, choose, wait, forEach, parallel, set, succeed, fail).' });

export const StepListSchema: z.ZodType<Step[]> = z.array(StepSchema).min(1).meta({ id: 'Steps', description: 'Steps run in order; a step may jump elsewhere with next:.' });
export const BranchSchema: z.ZodType<Branch> = z.union([StepId, StepListSchema]);

/** The keys each step kind accepts, for "did you mean" suggestions. */
export const STEP_KEYS: Readonly<Record<StepKind, readonly string[]>> = {
  call: ['id', 'description', 'call', 'with', 'timeout', 'heartbeat', 'retry', 'catch', 'next', 'end'],
  await: ['id', 'description', 'await', 'timeout', 'heartbeat', 'retry', 'catch', 'next', 'end'],
  if: ['id', 'description', 'if', 'then', 'else', 'next', 'end'],
  choose: ['id', 'description', 'choose', 'otherwise', 'next', 'end'],
  wait: ['id', 'description', 'wait', 'next', 'end'],
  forEach: ['id', 'description', 'forEach', 'as', 'concurrency', 'do', 'retry', 'catch', 'next', 'end'],
  parallel: ['id', 'description', 'parallel', 'retry', 'catch', 'next', 'end'],
  set: ['id', 'description', 'set', 'next', 'end'],
  succeed: ['id', 'description', 'succeed'],
  fail: ['id', 'description', 'fail'],
};

export const FhirTrigger = z.strictObject({
  fhir: z.strictObject({
    resource: z
      .string()
      .regex(/^[A-Z][A-Za-z]+$/, 'a FHIR resource type such as MedicationRequest')
      .describe('the FHIR resource type'),
    on: z
      .array(z.enum(['create', 'update', 'delete']))
      .min(1)
      .optional()
      .describe('interactions, default [create, update]'),
    where: z.string().min(1).optional().describe("a FHIRPath condition on the resource, e.g. status = 'active' and intent = 'order'"),
  }),
});

export const ScheduleTrigger = z.strictObject({
  schedule: z
    .strictObject({
      cron: z.string().optional().describe('EventBridge Scheduler cron: 6 fields "min hour day-of-month month day-of-week year", e.g. "0 2 * * ? *"'),
      rate: z.string().optional().describe('e.g. "1 day", "15 minutes"'),
      at: z.string().optional().describe('one time, local to timezone: "2026-01-01T09:00:00"'),
      timezone: z.string().optional().describe('IANA time zone, default UTC'),
      start: z.string().optional().describe('first possible run, ISO 8601'),
      end: z.string().optional().describe('last possible run, ISO 8601'),
      window: z.number().int().min(1).max(1440).optional().describe('flexible time window in minutes (off when omitted)'),
      input: z.unknown().optional().describe('the execution input ($event) on each run'),
      enabled: z.boolean().optional().describe('default true'),
    })
    .refine((s) => [s.cron, s.rate, s.at].filter((x) => x !== undefined).length === 1, 'give exactly one of cron, rate or at'),
});

export const EventTrigger = z.strictObject({
  event: z.record(z.string(), z.unknown()).describe('an EventBridge event pattern; the matching event is $event'),
});

/** The trigger kinds, in the order of TriggerSchema's union. */
export const TRIGGER_KINDS = ['fhir', 'schedule', 'event'] as const;
export const TriggerSchema = z.union([FhirTrigger, ScheduleTrigger, EventTrigger]).describe('what starts the workflow; omit it for workflows started by others (e.g. reminder schedules)');

/**
 * The business key a workflow runs for (`Appointment/123`), and what a new event for the same key
 * does to a run that is still going. Compiled to a `correlation.claim` state before the first step.
 */
export const CorrelationSchema = z
  .strictObject({
    key: z.string().min(1).describe('the key: a template or expression on $event, e.g. "Appointment/{% $event.detail.id %}"'),
    onNewEvent: z.enum(['replace', 'ignore', 'parallel']).optional().describe('replace (default): stop the running one and run the new; ignore: keep the running one; parallel: run both'),
  })
  .describe('correlate executions by a business key (an order, an appointment, an encounter)');
export type Correlation = z.infer<typeof CorrelationSchema>;

export const WorkflowSchema = z.strictObject({
  workflow: z
    .string()
    .regex(/^[a-z][a-z0-9-]{0,62}$/, 'lower-case kebab-case, e.g. medication-reminders')
    .describe('the workflow name'),
  version: z.literal(WORKFLOW_LANGUAGE_VERSION).describe('language version, 1'),
  description: z.string().optional().describe("what it does for whom; the state machine's Comment"),
  trigger: TriggerSchema.optional(),
  timeout: Duration.optional().describe('the whole execution fails with States.Timeout after this long'),
  correlation: CorrelationSchema.optional(),
  steps: StepListSchema,
});
export type Workflow = z.infer<typeof WorkflowSchema>;
export type Trigger = z.infer<typeof TriggerSchema>;

export const WORKFLOW_KEYS = ['workflow', 'version', 'description', 'trigger', 'timeout', 'correlation', 'steps'] as const;
