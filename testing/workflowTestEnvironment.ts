// Size: the public test environment of `clinflow/testing`: its methods are the API users script
// workflow tests against, and they share one simulated clock, engine, bus, scheduler and sandbox.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { createRuntime, type Runtime } from '../cli/runtime/createRuntime';
import { compile } from '../compiler/compile';
import { parseYamlSource } from '../compiler/yamlSource';
import { SimulatedClock } from '../core/clock/simulatedClock';
import type { CompiledWorkflow } from '../schemas/artifacts';
import type { Diagnostic } from '../schemas/diagnostic';
import { WorkflowError } from '../schemas/errors';
import type { FhirChangeEvent, FhirInteraction } from '../schemas/fhirChangeEvent';
import type { FhirResource } from '../schemas/fhirPort';
import type { NotifyPort } from '../schemas/ports';
import type { TaskMock, TestChange } from '../schemas/workflowTest';
import { idempotencyCode } from '../core/fhir/idempotency';
import { HUMAN_TASK_SYSTEM } from '../tasks/human/createHumanTask';
import { changeEventFor, triggerMatches, type FhirTriggerSource } from './triggerEvent';
import { summarizeExecution, type ExecutionSummary } from './executionSummary';

const DAY = 86_400_000;
/** A run with no end of its own (a human task nobody answers, a schedule) stops here. */
export const MAX_RUN_MS = 400 * DAY;
export const DEFAULT_TEST_START = '2026-03-09T14:00:00Z';

export interface WorkflowTestEnvironmentOptions {
  /** The workflow under test: a name (`medication-reminders`, found in `workflowsDir`) or a path to its YAML file. */
  workflow: string;
  /** Where workflows are found by name (default `workflows/` under the current directory). */
  workflowsDir?: string;
  /** Other workflows (names) that run alongside, e.g. `reminder-delivery` for the schedules' target. */
  load?: string[];
  /** The simulated clock's start (ms or ISO instant). */
  start?: number | string;
  /** Resources loaded into the sandbox before anything starts; they notify nobody. */
  fixtures?: FhirResource[];
  /** Step id or task name → scripted result; every other task runs for real. */
  mock?: Record<string, TaskMock>;
  /** Use this FHIR server instead of the in-process sandbox (fixtures are then not loaded). */
  fhirUrl?: string;
  /** Names executions the environment starts (default `test-1`, `test-2`, …). */
  executionName?: () => string;
}

export interface SentMessage {
  channel: string;
  recipient: string;
  subject?: string;
  body: string;
  at: string;
}

export interface CreatedSchedule {
  name: string;
  group: string;
  expression: string;
  /** The workflow the schedule starts (from its target state machine). */
  workflow?: string;
  input?: unknown;
  at: string;
}

export interface CreatedTask {
  reference: string;
  step?: string;
  status?: string;
  description?: string;
  owner?: string;
  for?: string;
  focus?: string;
  priority?: string;
}

export type StartResult = { triggered: true; executionArn: string; event: unknown } | { triggered: false; reason: string; event: unknown };

export interface Observed {
  triggered: boolean;
  reason?: string;
  /** The execution that did the work (a correlation dispatcher is skipped), when one started. */
  execution?: ExecutionSummary;
  /** Executions each loaded workflow ran. */
  executions: Record<string, number>;
  tasks: CreatedTask[];
  messages: SentMessage[];
  schedules: CreatedSchedule[];
}

interface TaskCall {
  task: string;
  step: string;
  idempotencyKey: string;
}

/** Resolves a workflow name or path to its file; undefined when there is none. */
export function resolveWorkflowFile(nameOrPath: string, workflowsDir: string): string | undefined {
  const candidates = /\.ya?ml$/.test(nameOrPath) || nameOrPath.includes('/') ? [resolve(nameOrPath)] : [join(workflowsDir, `${nameOrPath}.yaml`), join(workflowsDir, `${nameOrPath}.yml`)];
  return candidates.find((f) => existsSync(f));
}

/**
 * One workflow (and the workflows it needs) in a throw-away runtime: SQLite in memory, the FHIR
 * sandbox in-process over HTTP, real task functions (or scripted ones), and a simulated clock the
 * environment drives, so a 90-day course runs in seconds. `clinflow test` and `clinflow run` use it;
 * TypeScript tests import it as `clinflow/testing`.
 */
export class WorkflowTestEnvironment {
  readonly schedules: CreatedSchedule[] = [];
  private readonly fixtureRefs = new Set<string>();
  /** A FHIR server others use (`fhirUrl`): only this run's Tasks are ours to list. */
  private sharedServer = false;
  private started: StartResult | undefined;
  private startedAtMs = 0;

  private constructor(
    readonly runtime: Runtime,
    readonly clock: SimulatedClock,
    readonly workflow: CompiledWorkflow,
    private readonly fhirTrigger: FhirTriggerSource | undefined,
    private readonly nextName: () => string,
    private readonly tmp: string,
    /** Every task invocation (the wrapper records them): finds the FHIR Task a step created. */
    private readonly calls: TaskCall[],
    readonly messages: SentMessage[],
  ) {}

  /** Compile errors and workflows not found throw a `WorkflowTestSetupError` with the diagnostics. */
  static async create(options: WorkflowTestEnvironmentOptions): Promise<WorkflowTestEnvironment> {
    const workflowsDir = resolve(options.workflowsDir ?? 'workflows');
    const main = resolveWorkflowFile(options.workflow, workflowsDir);
    if (!main)
      throw new WorkflowTestSetupError(
        `no workflow '${options.workflow}' (looked for ${/\.ya?ml$/.test(options.workflow) ? resolve(options.workflow) : join(workflowsDir, `${options.workflow}.yaml`)})`,
      );
    const others = (options.load ?? []).map((name) => {
      const f = resolveWorkflowFile(name, options.workflowsDir ? workflowsDir : dirname(main));
      if (!f) throw new WorkflowTestSetupError(`load: no workflow '${name}' beside ${main}`);
      return f;
    });
    // Only the named workflows load: a fixture or change must not start every shipped workflow.
    const tmp = mkdtempSync(join(tmpdir(), 'clinflow-test-'));
    for (const f of [main, ...others]) copyFileSync(f, join(tmp, basename(f)));
    const start = typeof options.start === 'number' ? options.start : Date.parse(options.start ?? DEFAULT_TEST_START);
    if (Number.isNaN(start)) throw new WorkflowTestSetupError(`start: not an instant: ${String(options.start)}`);
    const clock = new SimulatedClock(start);
    const mock = options.mock ?? {};
    const calls: TaskCall[] = [];
    const messages: SentMessage[] = [];
    const recorder: NotifyPort = {
      async send(m) {
        messages.push({ channel: m.channel ?? 'dev', recipient: m.recipient, ...(m.subject === undefined ? {} : { subject: m.subject }), body: m.body, at: new Date(clock.now()).toISOString() });
        return { deliveryId: `dlv-${idempotencyCode(m.idempotencyKey)}` };
      },
    };
    let runtime: Runtime;
    try {
      runtime = await createRuntime({
        dataDir: ':memory:',
        workflowsDir: tmp,
        clock,
        // Fixtures are synthetic FHIR JSON; the sandbox validates each as it loads it.
        sandbox: options.fhirUrl ? false : { seed: false, resources: (options.fixtures ?? []) as unknown as Resource[] },
        ...(options.fhirUrl ? { fhirServer: { name: 'default', baseUrl: options.fhirUrl } } : {}),
        notifyChannels: { dev: recorder, pager: recorder, sms: recorder, email: recorder },
        wrapTask: (task, handler) => async (payload, ctx) => {
          calls.push({ task, step: ctx.stateName, idempotencyKey: ctx.idempotencyKey });
          const scripted = mock[ctx.stateName] ?? mock[task];
          if (!scripted) return handler(payload, ctx);
          if ('error' in scripted) throw new WorkflowError(scripted.error, scripted.cause);
          return scripted.output;
        },
      });
    } catch (err) {
      rmSync(tmp, { recursive: true, force: true });
      throw err;
    }
    const errors = runtime.diagnostics.filter((d) => d.severity === 'error');
    const name = basename(main).replace(/\.ya?ml$/, '');
    const compiled = runtime.deployments.length ? loadedWorkflow(tmp, basename(main)) : undefined;
    if (errors.length || !compiled) {
      await runtime.close();
      rmSync(tmp, { recursive: true, force: true });
      throw new WorkflowTestSetupError(
        `workflow '${name}' did not compile`,
        errors.map((d) => ({ ...d, file: d.file.startsWith(tmp) ? join(dirname(main), d.file.slice(tmp.length + 1)) : d.file })),
      );
    }
    let seq = 0;
    const env = new WorkflowTestEnvironment(runtime, clock, compiled, fhirTriggerOf(main), options.executionName ?? (() => `test-${++seq}`), tmp, calls, messages);
    for (const r of options.fixtures ?? []) env.fixtureRefs.add(`${r.resourceType}/${String(r.id)}`);
    env.sharedServer = options.fhirUrl !== undefined;
    env.recordSchedules();
    env.startedAtMs = clock.now();
    return env;
  }

  /** The state machine of the workflow under test. */
  get stateMachineArn(): string {
    const d = this.runtime.deployments.find((x) => x.workflow === this.workflow.name);
    if (!d) throw new Error(`workflow ${this.workflow.name} is not loaded`);
    return d.stateMachineArn;
  }

  /** The simulated instant the environment started at. */
  get startMs(): number {
    return this.startedAtMs;
  }

  /** Milliseconds since the environment was created (the test's start). */
  get elapsedMs(): number {
    return this.clock.now() - this.startedAtMs;
  }

  /** The time `at` names: a duration after the start (`20m`, `P2D`) or a UTC instant. */
  timeOf(at: string | number, durationSeconds: (v: unknown) => number | undefined): number {
    if (typeof at === 'string' && /Z$/.test(at) && at.includes('T')) return Date.parse(at);
    const s = durationSeconds(at);
    if (s === undefined) throw new Error(`not a time: ${String(at)}`);
    return this.startedAtMs + s * 1000;
  }

  /** Builds the change event for a resource (a fixture reference or the resource itself) and starts the workflow if its trigger matches. */
  async startFromResource(resource: string | FhirResource, interaction: FhirInteraction = 'update'): Promise<StartResult> {
    let res: FhirResource;
    if (typeof resource === 'string') {
      try {
        res = await this.runtime.ports.fhir.read(resource);
      } catch (err) {
        throw new Error(`trigger.resource: ${resource} is not among the fixtures (${err instanceof Error ? err.message : String(err)})`);
      }
    } else res = resource;
    if (!res.id) throw new Error('trigger.resource needs an id (the event names the resource by Type/id)');
    const event = changeEventFor(res, interaction, this.workflow, {
      server: this.runtime.urls.fhir,
      id: `evt-${this.calls.length}-${this.clock.now()}`,
      time: new Date(this.clock.now()).toISOString(),
    });
    return this.startWithEvent(event, res);
  }

  /** Starts the workflow with `event` as its input when its trigger would match it (a FHIR/event trigger's pattern, and `where` when the resource is known). */
  async startWithEvent(event: unknown, resource?: FhirResource): Promise<StartResult> {
    const isBusEvent = typeof event === 'object' && event !== null && 'detail-type' in event && 'source' in event;
    const match = isBusEvent ? triggerMatches(this.workflow, event, { ...(this.fhirTrigger ? { fhir: this.fhirTrigger } : {}), ...(resource ? { resource } : {}) }) : ({ matches: true } as const);
    if (!match.matches) {
      this.started = { triggered: false, reason: match.reason, event };
      return this.started;
    }
    const { executionArn } = await this.runtime.engine.startExecution({ stateMachineArn: this.stateMachineArn, name: this.nextName(), input: JSON.stringify(event ?? {}) });
    await this.runtime.settle();
    this.started = { triggered: true, executionArn, event };
    return this.started;
  }

  /** Starts a scheduled workflow as its schedule would (its input, or `{}`). */
  async startAsScheduled(): Promise<StartResult> {
    const trig = this.workflow.trigger;
    return this.startWithEvent(trig.kind === 'schedule' ? (trig.input ?? {}) : {});
  }

  /** Moves the simulated clock to `ms`, firing every timer, delivery and schedule due on the way. */
  async advanceTo(ms: number): Promise<void> {
    await this.runtime.advanceTo(Math.max(ms, this.clock.now()));
  }

  /**
   * Runs until the workflow under test has no running execution, or until `untilMs`. Time jumps from
   * one due timer to the next, so days of waiting cost nothing.
   */
  async runUntilDone(untilMs = this.clock.now() + MAX_RUN_MS): Promise<void> {
    for (let i = 0; i < 100_000; i++) {
      if (!this.isRunning()) return;
      const next = this.nextDueAt();
      if (next === undefined || next > untilMs) {
        // Nothing will happen before the limit (e.g. a human task nobody answers): jump there.
        if (untilMs > this.clock.now() && untilMs !== Infinity) await this.advanceTo(untilMs);
        return;
      }
      await this.advanceTo(Math.max(next, this.clock.now() + 1));
    }
  }

  /** True while the workflow under test has an execution running. */
  isRunning(): boolean {
    return this.runtime.engine.listExecutions({ stateMachineArn: this.stateMachineArn, statusFilter: 'RUNNING', maxResults: 1 }).executions.length > 0;
  }

  /** The next instant anything is due: an engine timer, a bus delivery or a schedule. */
  nextDueAt(): number | undefined {
    return [this.runtime.engine.nextTimerAt(), this.runtime.bus.nextDueAt(), this.runtime.scheduler.nextDueAt()].filter((t): t is number => t !== undefined).sort((a, b) => a - b)[0];
  }

  /** A person sets the status of the FHIR Task that `step` created, on the FHIR server (the real resume path follows). */
  async answer(step: string, status: string): Promise<string> {
    const task = await this.taskOfStep(step);
    if (!task) throw new WorkflowTestAnswerError(`no FHIR Task from step '${step}' at +${formatElapsed(this.elapsedMs)}`);
    const current = await this.runtime.ports.fhir.read(task);
    await this.runtime.ports.fhir.update({ ...current, status, lastModified: new Date(this.clock.now()).toISOString() });
    await this.runtime.settle();
    return task;
  }

  /** A change on the FHIR server; loaded workflows see it through the sandbox's notifications. */
  async change(change: TestChange): Promise<void> {
    const fhir = this.runtime.ports.fhir;
    if ('update' in change) {
      const current = await fhir.read(change.update);
      await fhir.update({ ...current, ...change.set, resourceType: current.resourceType, id: current.id } as FhirResource);
    } else if ('create' in change) {
      const r = change.create as FhirResource;
      if (r.id) await fhir.update(r);
      else await fhir.create(r);
    } else {
      if (!fhir.delete) throw new Error('this FHIR port cannot delete');
      await fhir.delete(change.delete);
    }
    await this.runtime.settle();
  }

  /** Everything that happened so far. */
  async observe(): Promise<Observed> {
    const executions: Record<string, number> = {};
    let primary: ExecutionSummary | undefined;
    for (const d of this.runtime.deployments) {
      const list = listAll(this.runtime, d.stateMachineArn);
      executions[d.workflow] = list.length;
      if (d.workflow !== this.workflow.name) continue;
      const summaries = list.sort((a, b) => a.startDate.getTime() - b.startDate.getTime()).map((e) => summarizeExecution(this.runtime.engine, e.executionArn, d.workflow));
      // A correlation dispatcher (or a superseded run) ends at correlation.done; the keyed run does the work.
      primary = summaries.find((s) => !s.internalEnd?.startsWith('correlation.')) ?? summaries[0];
    }
    return {
      // Without a direct start, the workflow was triggered when any execution of it ran.
      triggered: this.started ? this.started.triggered : (executions[this.workflow.name] ?? 0) > 0,
      ...(this.started && !this.started.triggered ? { reason: this.started.reason } : {}),
      ...(primary ? { execution: primary } : {}),
      executions,
      tasks: await this.createdTasks(),
      messages: [...this.messages],
      schedules: [...this.schedules],
    };
  }

  async close(): Promise<void> {
    try {
      await this.runtime.close();
    } finally {
      rmSync(this.tmp, { recursive: true, force: true });
    }
  }

  private async taskOfStep(step: string): Promise<string | undefined> {
    for (const c of [...this.calls].reverse()) {
      if (c.step !== step || (c.task !== 'tasks.await' && c.task !== 'tasks.create')) continue;
      const found = await this.runtime.ports.fhir.search('Task', { identifier: `${HUMAN_TASK_SYSTEM}|${idempotencyCode(c.idempotencyKey)}` });
      if (found[0]?.id) return `Task/${found[0].id}`;
    }
    return undefined;
  }

  private async createdTasks(): Promise<CreatedTask[]> {
    const stepOf = new Map(this.calls.filter((c) => c.task === 'tasks.await' || c.task === 'tasks.create').map((c) => [idempotencyCode(c.idempotencyKey), c.step]));
    // The in-process sandbox holds only this run and its fixtures; a shared server is searched by this
    // run's Task identifiers alone (none when no step made a Task: an unreachable server is not asked).
    const all = this.sharedServer
      ? (await Promise.all([...stepOf.keys()].map((code) => this.runtime.ports.fhir.search('Task', { identifier: `${HUMAN_TASK_SYSTEM}|${code}` })))).flat()
      : await this.runtime.ports.fhir.search('Task', { _count: '200' }, { maxPages: 20 });
    const ref = (v: unknown) => (v as { reference?: string } | undefined)?.reference;
    return all
      .filter((t) => !this.fixtureRefs.has(`Task/${String(t.id)}`))
      .sort((a, b) => String(a.authoredOn ?? '').localeCompare(String(b.authoredOn ?? '')))
      .map((t) => {
        const ident = ((t.identifier as { system?: string; value?: string }[] | undefined) ?? []).find((i) => i.system === HUMAN_TASK_SYSTEM);
        const step = ident?.value ? stepOf.get(ident.value) : undefined;
        const out: CreatedTask = { reference: `Task/${String(t.id)}` };
        if (step) out.step = step;
        for (const k of ['status', 'description', 'priority'] as const) if (typeof t[k] === 'string') out[k] = t[k];
        for (const k of ['owner', 'for', 'focus'] as const) if (ref(t[k])) out[k] = ref(t[k]) as string;
        return out;
      });
  }

  private recordSchedules(): void {
    const scheduler = this.runtime.scheduler;
    const create = scheduler.createSchedule.bind(scheduler);
    const clock = this.clock;
    const schedules = this.schedules;
    scheduler.createSchedule = async (input) => {
      const out = await create(input);
      let parsed: unknown = input.Target?.Input;
      try {
        parsed = parsed === undefined ? undefined : JSON.parse(String(parsed));
      } catch {
        /* not JSON: keep the text */
      }
      const workflow = /stateMachine:clinflow-([^:]+)/.exec(input.Target?.Arn ?? '')?.[1];
      schedules.push({
        name: input.Name ?? '',
        group: input.GroupName ?? 'default',
        expression: input.ScheduleExpression ?? '',
        ...(workflow ? { workflow } : {}),
        ...(parsed === undefined ? {} : { input: parsed }),
        at: new Date(clock.now()).toISOString(),
      });
      return out;
    };
  }
}

/** The workflow is missing or does not compile: the test file is wrong, not the workflow's behaviour. */
export class WorkflowTestSetupError extends Error {
  constructor(
    message: string,
    readonly diagnostics: Diagnostic[] = [],
  ) {
    super(message);
    this.name = 'WorkflowTestSetupError';
  }
}

/** An answer found no FHIR Task to answer: a test failure, reported in the test's diff. */
export class WorkflowTestAnswerError extends Error {}

export function formatElapsed(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)}s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)}m`;
  if (ms < DAY) return `${+(ms / 3_600_000).toFixed(1)}h`;
  return `${+(ms / DAY).toFixed(1)}d`;
}

function listAll(runtime: Runtime, stateMachineArn: string): { executionArn: string; startDate: Date }[] {
  const out: { executionArn: string; startDate: Date }[] = [];
  let nextToken: string | undefined;
  do {
    const page = runtime.engine.listExecutions({ stateMachineArn, maxResults: 1000, ...(nextToken ? { nextToken } : {}) });
    out.push(...page.executions);
    nextToken = (page as { nextToken?: string }).nextToken;
  } while (nextToken);
  return out;
}

function loadedWorkflow(dir: string, file: string): CompiledWorkflow | undefined {
  // The runtime compiled it already; compile once more for the artifact (pure and fast).
  return compile(readFileSync(join(dir, file), 'utf8'), file).artifact;
}

function fhirTriggerOf(file: string): FhirTriggerSource | undefined {
  const root = parseYamlSource(readFileSync(file, 'utf8')).value as { trigger?: { fhir?: { resource?: string; on?: FhirInteraction[]; where?: string } } } | undefined;
  const f = root?.trigger?.fhir;
  if (!f?.resource) return undefined;
  return { resource: f.resource, on: f.on ?? ['create', 'update'], ...(f.where ? { where: f.where } : {}) };
}

export type { FhirChangeEvent };
