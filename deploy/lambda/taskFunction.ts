import type * as z from 'zod';
import type { Clock } from '../../schemas/clock';
import type { CorrelationPort, Logger, TaskContext, TaskPorts } from '../../schemas/ports';
import { taskCatalogue } from '../../tasks/catalogue';
import { createTaskHandlers } from '../../tasks/handlers';
import type { AsyncCallbackStore } from '../../tasks/human/callbackStore';
import { defaultRemindersConfig, type RemindersConfig } from '../../tasks/reminders/reminderConfig';
import { createInMemoryCallbackStore } from './inMemoryCallbackStore';
import { taskError, toLambdaError } from './lambdaError';

/** The part of the Lambda context the task function reads. */
export interface LambdaContextLike {
  awsRequestId: string;
}

/** Fields the compiler may add to a task's payload; stripped before the input is validated. */
export interface ClinflowEnvelope {
  /** Stable across Step Functions retries of one state visit (see the report on deploy/lambda). */
  idempotencyKey?: string;
  executionArn?: string;
  stateName?: string;
}

export interface TaskFunctionDeps {
  /** Catalogue name of the task this function serves. */
  task: string;
  env: NodeJS.ProcessEnv;
  clock: Clock;
  log: Logger;
  /** Built once per container, on first use (it may read secrets). */
  ports: () => Promise<TaskPorts>;
  /** The durable callback store (DynamoDB, when CLINFLOW_CALLBACK_TABLE is set); `tasks.await` needs it. */
  callbacks?: AsyncCallbackStore;
  /** Step Functions calls for `correlation.claim`. */
  correlation?: CorrelationPort;
}

const describeIssues = (error: z.ZodError): string => error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');

function reminderOverrides(env: NodeJS.ProcessEnv): Partial<RemindersConfig> {
  const d = defaultRemindersConfig.target;
  return {
    target: {
      ...d,
      ...(env.CLINFLOW_REMINDER_TARGET ? { arn: env.CLINFLOW_REMINDER_TARGET } : {}),
      ...(env.CLINFLOW_SCHEDULER_ROLE ? { roleArn: env.CLINFLOW_SCHEDULER_ROLE } : {}),
      ...(env.CLINFLOW_DLQ ? { deadLetterArn: env.CLINFLOW_DLQ } : {}),
    },
  };
}

/** Splits a Lambda event into the task input, the clinflow envelope and a callback token. */
export function splitEvent(event: unknown): { input: unknown; envelope: ClinflowEnvelope; taskToken?: string } {
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return { input: event, envelope: {} };
  const { _clinflow: rawEnvelope, taskToken, ...input } = event as Record<string, unknown>;
  const envelope: ClinflowEnvelope = {};
  if (rawEnvelope !== null && typeof rawEnvelope === 'object') {
    for (const k of ['idempotencyKey', 'executionArn', 'stateName'] as const) {
      const v = (rawEnvelope as Record<string, unknown>)[k];
      if (typeof v === 'string' && v !== '') envelope[k] = v;
    }
  }
  return { input, envelope, ...(typeof taskToken === 'string' ? { taskToken } : {}) };
}

/**
 * One task as a Lambda handler: validates the input with the task's zod spec, runs the catalogued
 * handler with the AWS ports, validates the output, and turns WorkflowErrors into errors whose
 * name is the ASL error name. Payloads and tokens are never logged.
 */
export function createTaskFunction(deps: TaskFunctionDeps): (event: unknown, context: LambdaContextLike) => Promise<unknown> {
  const spec = taskCatalogue.get(deps.task);
  const handlers = createTaskHandlers({
    callbacks: deps.callbacks ?? createInMemoryCallbackStore(),
    // Recorded as the endpoint names the server in its events (serverOf: no trailing slash).
    ...(deps.env.CLINFLOW_FHIR_BASE_URL ? { humanTaskServer: deps.env.CLINFLOW_FHIR_BASE_URL.replace(/\/+$/, '') } : {}),
    reminders: reminderOverrides(deps.env),
    ...(deps.correlation ? { correlation: deps.correlation } : {}),
  });
  const handler = handlers.get(deps.task);
  let ports: Promise<TaskPorts> | undefined;

  return async (event, context) => {
    if (!spec || !handler) throw taskError('States.Runtime', `no task named ${deps.task} is catalogued in this build`);
    if (deps.task === 'tasks.await' && !deps.callbacks) {
      // Refused before any side effect: an in-container token store would lose the token.
      throw taskError('HumanTask.Failed', 'tasks.await needs the callback table on AWS; not deployed yet');
    }
    const { input, envelope, taskToken } = splitEvent(event);
    const parsed = spec.input.safeParse(input);
    // Same name and wording as the local task port, so a workflow's Catch behaves alike.
    if (!parsed.success) throw taskError('States.TaskFailed', `Invalid input for task ${spec.name}: ${describeIssues(parsed.error)}`);
    if (!ports) {
      ports = deps.ports();
      ports.catch(() => (ports = undefined));
    }
    const ctx: TaskContext = {
      idempotencyKey: envelope.idempotencyKey ?? context.awsRequestId,
      executionArn: envelope.executionArn ?? '',
      stateName: envelope.stateName ?? '',
      clock: deps.clock,
      ports: await ports,
      log: deps.log,
      ...(taskToken !== undefined ? { taskToken } : {}),
    };
    const started = deps.clock.now();
    try {
      let output = await handler(parsed.data, ctx);
      if (!spec.callback) {
        const checked = spec.output.safeParse(output);
        if (!checked.success) throw taskError('States.TaskFailed', `Invalid output from task ${spec.name}: ${describeIssues(checked.error)}`);
        output = checked.data;
      }
      deps.log.info({ task: spec.name, requestId: context.awsRequestId, ms: deps.clock.now() - started }, 'task succeeded');
      return output === undefined ? null : output;
    } catch (err) {
      const e = toLambdaError(err);
      deps.log.warn({ task: spec.name, requestId: context.awsRequestId, error: e.name, ms: deps.clock.now() - started }, 'task failed');
      throw e;
    }
  };
}
