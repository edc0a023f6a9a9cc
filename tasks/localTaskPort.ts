import type * as z from 'zod';
import type { Clock } from '../schemas/clock';
import { ApiError, WorkflowError } from '../schemas/errors';
import type { ExecutionPort, Logger, TaskContext, TaskPorts } from '../schemas/ports';
import { taskNameFromResource, type TaskSpec } from '../schemas/task';
import { taskCatalogue } from './catalogue';
import type { TaskInvocation, TaskOutcome, TaskPort } from '../schemas/taskPort';

export type LocalTaskHandler = (payload: unknown, ctx: TaskContext) => Promise<unknown>;

const LAMBDA_INVOKE = /^arn:aws[\w-]*:states:::lambda:invoke(?:\.waitForTaskToken)?$/;
const CALLBACK_SUFFIX = /\.waitForTaskToken$/;

const silentLog: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** A port that was not configured fails the task with a clear error rather than crashing. */
function missingPort<T extends object>(name: string): T {
  return new Proxy({} as T, {
    // `then` stays undefined so the proxy is not mistaken for a promise.
    get: (_t, prop) => (prop === 'then' ? undefined : () => Promise.reject(new WorkflowError('States.Runtime', `the ${name} port is not configured (called ${String(prop)})`))),
  });
}

/** `arn:aws:lambda:r:a:function:NAME[:qualifier]` or a bare name → NAME. */
export function functionNameOf(resource: string): string {
  if (!resource.startsWith('arn:')) return resource.split(':')[0] ?? resource;
  const parts = resource.split(':');
  return parts[5] === 'function' ? (parts[6] ?? '') : (parts[6] ?? resource);
}

function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/**
 * The task boundary's one conversion: a WorkflowError keeps its name and cause; an ApiError (an API
 * the task called, such as the Scheduler refusing a schedule) becomes a task failure of the same
 * name; anything else is reported as Lambda reports an uncaught error.
 */
function outcomeOfError(err: unknown): TaskOutcome {
  if (err instanceof WorkflowError || err instanceof ApiError) return err.causeText === undefined ? { ok: false, error: err.error } : { ok: false, error: err.error, cause: err.causeText };
  if (err instanceof Error) {
    const errorType = err.name || 'Error';
    return { ok: false, error: errorType, cause: JSON.stringify({ errorType, errorMessage: err.message, trace: [] }) };
  }
  return { ok: false, error: 'Error', cause: JSON.stringify({ errorType: 'Error', errorMessage: String(err), trace: [] }) };
}

/**
 * The local task port: maps a Task state's `Resource` to an in-process handler. Lambda ARNs and
 * `arn:aws:states:::lambda:invoke` (with `FunctionName`) resolve by function name; clinflow task
 * functions (`clinflow-fhir-read` → `fhir.read`) resolve to catalogued handlers whose input and
 * output are checked against the task's zod spec. Other resources match exactly.
 */
export class LocalTaskPort implements TaskPort {
  private readonly functions = new Map<string, LocalTaskHandler>();
  private readonly tasks = new Map<string, { spec: TaskSpec | undefined; handler: LocalTaskHandler }>();
  private readonly resources = new Map<string, LocalTaskHandler>();
  private ports: TaskPorts;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly executionsGiven: boolean;

  constructor(options: { clock: Clock; ports?: Partial<TaskPorts>; log?: Logger }) {
    this.clock = options.clock;
    this.log = options.log ?? silentLog;
    const p = options.ports ?? {};
    this.executionsGiven = p.executions !== undefined;
    this.ports = {
      scheduler: p.scheduler ?? missingPort('scheduler'),
      bus: p.bus ?? missingPort('bus'),
      executions: p.executions ?? missingPort('executions'),
      fhir: p.fhir ?? missingPort('fhir'),
      notify: p.notify ?? missingPort('notify'),
    };
  }

  /** Lets the engine hand itself to tasks as the executions port once it exists. */
  bindExecutions(executions: ExecutionPort): void {
    if (!this.executionsGiven) this.ports = { ...this.ports, executions };
  }

  /** A Lambda-style function by name or ARN. */
  registerFunction(nameOrArn: string, handler: LocalTaskHandler): this {
    this.functions.set(functionNameOf(nameOrArn), handler);
    return this;
  }

  /** A clinflow task by catalogue name (`fhir.read`); its zod spec guards input and output. */
  registerTask(taskName: string, handler: LocalTaskHandler): this {
    this.tasks.set(taskName, { spec: taskCatalogue.get(taskName), handler });
    return this;
  }

  /** Any other Resource (e.g. `arn:aws:states:::sqs:sendMessage`), matched exactly (without `.waitForTaskToken`). */
  registerResource(resource: string, handler: LocalTaskHandler): this {
    this.resources.set(resource.replace(CALLBACK_SUFFIX, ''), handler);
    return this;
  }

  async invoke(inv: TaskInvocation): Promise<TaskOutcome> {
    const base = inv.resource.replace(CALLBACK_SUFFIX, '');
    const serviceInvoke = LAMBDA_INVOKE.test(inv.resource);
    let fn: string;
    let payload = inv.payload;
    if (serviceInvoke) {
      const params = (inv.parameters ?? inv.payload ?? {}) as { FunctionName?: unknown; Payload?: unknown };
      if (typeof params.FunctionName !== 'string') return { ok: false, error: 'States.TaskFailed', cause: 'lambda:invoke needs a FunctionName parameter' };
      fn = functionNameOf(params.FunctionName);
      // Older interpreters passed the whole Parameters object as the payload.
      if (inv.parameters === undefined) payload = params.Payload;
    } else {
      const exact = this.resources.get(base);
      if (exact) return this.call(exact, undefined, payload, inv);
      fn = functionNameOf(base);
    }
    return this.callFunction(fn, payload, inv);
  }

  private callFunction(fn: string, payload: unknown, inv: TaskInvocation): Promise<TaskOutcome> {
    const raw = this.functions.get(fn);
    if (raw) return this.call(raw, undefined, payload, inv);
    const taskName = taskNameFromResource(fn);
    const task = taskName === undefined ? undefined : this.tasks.get(taskName);
    if (task) return this.call(task.handler, task.spec, payload, inv);
    return Promise.resolve({ ok: false, error: 'Lambda.ResourceNotFoundException', cause: `Function not found: ${fn} (no local handler registered for ${inv.resource})` });
  }

  private async call(handler: LocalTaskHandler, spec: TaskSpec | undefined, payload: unknown, inv: TaskInvocation): Promise<TaskOutcome> {
    let input = payload;
    if (spec) {
      const parsed = spec.input.safeParse(payload);
      if (!parsed.success) return { ok: false, error: 'States.TaskFailed', cause: `Invalid input for task ${spec.name}: ${describeIssues(parsed.error)}` };
      input = parsed.data;
    }
    const ctx: TaskContext = {
      idempotencyKey: inv.idempotencyKey,
      executionArn: inv.executionArn,
      stateName: inv.stateName,
      clock: this.clock,
      ports: this.ports,
      log: this.log,
      ...(inv.taskToken === undefined ? {} : { taskToken: inv.taskToken }),
    };
    let output: unknown;
    try {
      output = await handler(input, ctx);
    } catch (err) {
      return outcomeOfError(err);
    }
    if (spec && !spec.callback) {
      const parsed = spec.output.safeParse(output);
      if (!parsed.success) return { ok: false, error: 'States.TaskFailed', cause: `Invalid output from task ${spec.name}: ${describeIssues(parsed.error)}` };
      output = parsed.data;
    }
    return { ok: true, output: output === undefined ? null : output };
  }
}
