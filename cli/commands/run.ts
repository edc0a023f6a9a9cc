import type { Command } from 'commander';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { durationSeconds } from '../../compiler/duration';
import { formatDiagnostic } from '../../schemas/diagnostic';
import type { FhirInteraction } from '../../schemas/fhirChangeEvent';
import type { FhirResource } from '../../schemas/fhirPort';
import type { WorkflowTestEnvironment } from '../../testing/workflowTestEnvironment';
import type { SetExit } from './registry';
import { UsageError } from '../usageError';

interface RunOptions {
  event?: string;
  resource?: string;
  interaction?: string;
  fixtures?: string;
  at?: string;
  answer: string[];
  load: string[];
  for?: string;
  fhirUrl?: string;
  json?: boolean;
}

interface Answer {
  step: string;
  status: string;
  /** Seconds after the start; undefined: as soon as the step's Task exists. */
  after?: number;
  done?: boolean;
}

const collect = (v: string, acc: string[]) => [...acc, v];

/** `step=status` or `step=status@20m`. */
export function parseAnswer(text: string): Answer {
  const m = /^([A-Za-z][A-Za-z0-9_]*)=([a-z-]+)(?:@(.+))?$/.exec(text);
  if (!m) throw new UsageError(`--answer ${text}: expected step=status or step=status@DURATION (e.g. acknowledge=accepted@20m)`);
  const after = m[3] === undefined ? undefined : durationSeconds(m[3]);
  if (m[3] !== undefined && after === undefined) throw new UsageError(`--answer ${text}: '${m[3]}' is not a duration (20m, 2h, P1D)`);
  return { step: m[1] as string, status: m[2] as string, ...(after === undefined ? {} : { after }) };
}

/** A fresh name per run: a second run against a real FHIR server must not reuse the first run's Task. */
export function uniqueRunName(now: number): string {
  return `run-${new Date(now).toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${randomBytes(4).toString('hex')}`;
}

function readJson(flag: string, file: string): unknown {
  try {
    return JSON.parse(readFileSync(resolve(file), 'utf8')) as unknown;
  } catch (err) {
    throw new UsageError(`${flag} ${file}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * `clinflow run WORKFLOW (--event FILE | --resource FILE)`: one execution of one workflow (a name in
 * workflows/ or a path), in a throw-away engine with the in-process FHIR sandbox (loaded with
 * `--fixtures`), on a simulated clock from `--at` (a two-day wait takes no time). `--resource` builds
 * the FHIR change event and applies the trigger's `where`; `--answer` plays a person answering a
 * human task. Prints the history; exit 0 only when the execution succeeded, 1 otherwise, 2 usage.
 */
export function registerRun(program: Command, setExit: SetExit): void {
  program
    .command('run <workflow>')
    .description('Run one workflow once (a name in workflows/ or a path) against an event or a changed FHIR resource, on a simulated clock')
    .option('--event <file>', 'JSON file: the execution input (e.g. a FHIR change event)')
    .option('--resource <file>', "JSON file: a FHIR resource that changed; builds the change event and applies the trigger's where")
    .option('--interaction <kind>', 'with --resource: create, update or delete', 'update')
    .option('--fixtures <bundle>', 'JSON Bundle (or resource, or array) loaded into the FHIR sandbox first; the resource itself is not stored unless it is in here')
    .option('--at <time>', 'simulated start instant, e.g. 2026-03-09T14:00:00Z (default: now)')
    .option('--answer <step=status>', 'a person sets the FHIR Task of this step to status (step=status, or step=status@20m); repeatable', collect, [])
    .option('--load <workflow>', 'another workflow that runs alongside (e.g. reminder-delivery); repeatable', collect, [])
    .option('--for <duration>', 'run this long on the simulated clock (default: until the execution ends, at most 400 days)')
    .option('--fhir-url <url>', 'FHIR server to use instead of the in-process sandbox')
    .option('--json', 'print status, failing step, error, path, output and history as JSON')
    .action(async (workflow: string, opts: RunOptions) => {
      try {
        setExit(await runOnce(workflow, opts));
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        process.stderr.write(`clinflow run: ${err.message}\n`);
        setExit(2);
      }
    });
}

async function runOnce(workflow: string, opts: RunOptions): Promise<number> {
  if ((opts.event === undefined) === (opts.resource === undefined)) throw new UsageError('give exactly one of --event FILE or --resource FILE');
  const interaction = opts.interaction as FhirInteraction;
  if (!['create', 'update', 'delete'].includes(interaction)) throw new UsageError(`--interaction ${String(opts.interaction)}: expected create, update or delete`);
  const start = opts.at === undefined ? Date.now() : Date.parse(opts.at);
  if (Number.isNaN(start)) throw new UsageError(`--at ${String(opts.at)}: not an instant (e.g. 2026-03-09T14:00:00Z)`);
  const runFor = opts.for === undefined ? undefined : durationSeconds(opts.for);
  if (opts.for !== undefined && runFor === undefined) throw new UsageError(`--for ${opts.for}: not a duration (2h, P3D)`);
  const answers = opts.answer.map(parseAnswer);
  const input = opts.event !== undefined ? readJson('--event', opts.event) : undefined;
  const resource = opts.resource !== undefined ? (readJson('--resource', opts.resource) as FhirResource) : undefined;
  if (resource && (typeof resource.resourceType !== 'string' || typeof resource.id !== 'string')) throw new UsageError(`--resource ${String(opts.resource)}: a FHIR resource with resourceType and id`);
  if (opts.fixtures && opts.fhirUrl) throw new UsageError('--fixtures loads the in-process sandbox; it cannot be used with --fhir-url');
  const { fixtureResources } = await import('../../testing/loadTestFile');
  let fixtures: FhirResource[] = [];
  if (opts.fixtures) {
    try {
      fixtures = fixtureResources(readJson('--fixtures', opts.fixtures));
    } catch (err) {
      if (err instanceof UsageError) throw err;
      throw new UsageError(`--fixtures ${opts.fixtures}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }

  // Loaded here, not at start-up: the runtime (sandbox, engine) is heavy for other commands.
  const { WorkflowTestEnvironment: Env, WorkflowTestSetupError, MAX_RUN_MS } = await import('../../testing/workflowTestEnvironment');
  let env: WorkflowTestEnvironment;
  try {
    env = await Env.create({ workflow, load: opts.load, start, fixtures, executionName: () => uniqueRunName(start), ...(opts.fhirUrl ? { fhirUrl: opts.fhirUrl } : {}) });
  } catch (err) {
    if (!(err instanceof WorkflowTestSetupError)) throw err;
    for (const d of err.diagnostics) process.stderr.write(`${formatDiagnostic(d)}\n`);
    process.stderr.write(`clinflow run: ${err.message}\n`);
    return err.diagnostics.length ? 1 : 2;
  }
  try {
    const started = resource ? await env.startFromResource(resource, interaction) : await env.startWithEvent(input);
    if (!started.triggered) {
      const text = `${env.workflow.name} would not start: ${started.reason}`;
      if (opts.json) process.stdout.write(`${JSON.stringify({ status: 'NOT_TRIGGERED', reason: started.reason, event: started.event })}\n`);
      else process.stdout.write(`${text}\n`);
      return 1;
    }
    const until = runFor === undefined ? env.clock.now() + MAX_RUN_MS : env.startMs + runFor * 1000;
    await playAnswers(env, answers, until);
    if (runFor === undefined) await env.runUntilDone(until);
    else await env.advanceTo(until);
    for (const a of answers.filter((x) => !x.done)) process.stderr.write(`clinflow run: --answer ${a.step}=${a.status}: step ${a.step} created no FHIR Task to answer\n`);
    return await report(env, started.executionArn, opts.json === true);
  } finally {
    await env.close();
  }
}

/** Answers at their time, or as soon as their step's Task exists; time moves timer by timer until then. */
async function playAnswers(env: WorkflowTestEnvironment, answers: Answer[], until: number): Promise<void> {
  const timed = answers.filter((a) => a.after !== undefined).sort((a, b) => (a.after ?? 0) - (b.after ?? 0));
  const asap = answers.filter((a) => a.after === undefined);
  const tryAsap = async () => {
    for (const a of asap.filter((x) => !x.done)) {
      try {
        await env.answer(a.step, a.status);
        a.done = true;
      } catch {
        /* the step has not created its Task yet */
      }
    }
  };
  await tryAsap();
  for (const a of timed) {
    await env.advanceTo(Math.min(until, env.startMs + (a.after ?? 0) * 1000));
    await tryAsap();
    try {
      await env.answer(a.step, a.status);
      a.done = true;
    } catch {
      /* reported after the run */
    }
  }
  // Unanswered "as soon as" answers: step through time until their Task appears or the run ends.
  for (let i = 0; i < 10_000 && asap.some((a) => !a.done); i++) {
    const before = env.clock.now();
    if (!env.isRunning()) break;
    const next = env.nextDueAt();
    if (next === undefined || next > until) break;
    await env.advanceTo(Math.max(next, before + 1));
    await tryAsap();
  }
}

function fmt(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  if (ms < 3_600_000) return `${(ms / 1000).toFixed(0)}s`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}

async function report(env: WorkflowTestEnvironment, executionArn: string, json: boolean): Promise<number> {
  const { summarizeExecution } = await import('../../testing/executionSummary');
  const engine = env.runtime.engine;
  const summary = summarizeExecution(engine, executionArn, env.workflow.name);
  const history = engine.getExecutionHistory({ executionArn, maxResults: 1000, includeExecutionData: true }).events;
  const observed = await env.observe();
  // A guard that skipped (resource unreadable, or `where` false on the server's version) did not do the work.
  const skipped = summary.internalEnd === 'trigger.skipped';
  const ok = summary.status === 'SUCCEEDED' && !skipped;
  const failure = summary.error ? `at step ${summary.error.step ?? '?'}: ${summary.error.error ?? 'error'}${summary.error.cause ? ` — ${summary.error.cause}` : ''}` : undefined;
  if (json) {
    process.stdout.write(
      `${JSON.stringify({ name: summary.name, status: summary.status, ...(skipped ? { skipped: true } : {}), ...(summary.error ? { failedStep: summary.error.step, error: summary.error.error, cause: summary.error.cause } : {}), path: summary.path, output: summary.output, messages: observed.messages, tasks: observed.tasks, schedules: observed.schedules, history })}\n`,
    );
    return ok ? 0 : 1;
  }
  const t0 = history[0]?.timestamp.getTime() ?? 0;
  for (const e of history) {
    const details = Object.values(e).find((v) => v && typeof v === 'object' && !(v instanceof Date)) as { name?: string; error?: string } | undefined;
    process.stdout.write(`${String(e.id).padStart(4)}  +${fmt(e.timestamp.getTime() - t0).padEnd(10)} ${e.type.padEnd(28)} ${details?.name ?? details?.error ?? ''}\n`);
  }
  process.stdout.write(`\nexecution: ${summary.name}\npath: ${summary.path.join(' → ') || '(no step entered)'}\n`);
  for (const m of observed.messages) process.stdout.write(`message to ${m.recipient} (${m.channel}) at ${m.at}: ${m.subject ? `${m.subject}: ` : ''}${m.body}\n`);
  for (const t of observed.tasks) process.stdout.write(`task ${t.reference}${t.step ? ` from ${t.step}` : ''}: ${t.status ?? ''}${t.description ? ` — ${t.description}` : ''}\n`);
  if (observed.schedules.length) process.stdout.write(`schedules created: ${observed.schedules.length}\n`);
  process.stdout.write(`\n${summary.status}${failure ? ` ${failure}` : ''}\n`);
  if (skipped) process.stdout.write(`skipped by the trigger's guard: the resource could not be read, or its where is false on the server's version\n`);
  if (summary.output !== undefined && !skipped) process.stdout.write(`output: ${JSON.stringify(summary.output)}\n`);
  return ok ? 0 : 1;
}
