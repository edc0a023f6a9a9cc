import { chmodSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, IdGenerator } from '../../schemas/clock';
import type { Diagnostic } from '../../schemas/diagnostic';
import type { FhirServerConfigInput } from '../../schemas/fhirServerConfig';
import type { ExecutionPort, NotifyPort, TaskPorts } from '../../schemas/ports';
import type { FhirPort } from '../../schemas/fhirPort';
import type { FhirChangeEvent } from '../../schemas/fhirChangeEvent';
import type { TriggerConfigInput } from '../../schemas/triggerConfig';
import { LocalEventBus } from '../../engine/bus/localEventBus';
import { startDelivery, type DeliveryLoop } from '../../engine/bus/realTimerDelivery';
import { uuidIds } from '../../core/clock/ids';
import { CorrelationStore } from '../../engine/correlation/correlationStore';
import { localCorrelationPort } from '../../engine/correlation/localCorrelationPort';
import type { SimulatedClock } from '../../core/clock/simulatedClock';
import { systemWakeup, type Wakeup } from '../../core/clock/systemClock';
import { openDatabase, type Db } from '../../core/db/openDatabase';
import { Engine } from '../../engine/durable/engine';
import { verifyEncryptionKeys } from '../../engine/durable/encryptionKeys';
import { createPayloadCodec, type EncryptionKeys } from '../../core/db/payloadCodec';
import { createLogger, type ClinflowLogger } from '../../core/log/createLogger';
import { createTargetInvoker } from '../../engine/scheduler/targetInvoker';
import { LocalScheduler } from '../../engine/scheduler/localScheduler';
import { SchedulerTimerDriver } from '../../engine/scheduler/schedulerTimerDriver';
import { LocalTaskPort, type LocalTaskHandler } from '../../tasks/localTaskPort';
import { TIMEZONE_EXTENSION_URL } from '../../sandbox/seedSynthetic';
import { startSandbox, type Sandbox, type SandboxOptions } from '../../sandbox/startSandbox';
import { createFhirPortRouter } from '../../tasks/fhir/createFhirPortRouter';
import { createTaskHandlers } from '../../tasks/handlers';
import { createCallbackStore } from '../../tasks/human/callbackStore';
import { resumeOnTaskChange } from '../../tasks/human/resumeOnTaskChange';
import { createDevChannel } from '../../tasks/notify/devChannel';
import { createNotifyRouter } from '../../tasks/notify/createNotifyRouter';
import type { RemindersConfig } from '../../tasks/reminders/reminderConfig';
import { mergeRoutingAttributes } from '../../triggers/fhir/mergeRoutingAttributes';
import { createHttpServer, type TriggerHttpServer } from '../../triggers/http/createHttpServer';
import { loadWorkflows } from '../loadWorkflows';
import { lateBound } from './lateBound';
import { executionAttribution } from './executionAttribution';
import { loadWorkflowsIntoRuntime, type LoadFailure, type LocalDeployment } from './loadWorkflowsIntoRuntime';

export interface RuntimeOptions {
  /** Folder for the SQLite database, or `:memory:`. */
  dataDir: string;
  workflowsDir: string;
  /** A SimulatedClock (tests, demo: the caller drives time with advanceTo) or a real clock with its wakeup. */
  clock: Clock;
  wakeup?: Wakeup;
  ids?: IdGenerator;
  /** Port of the trigger HTTP server (0: any free port). */
  httpPort?: number;
  host?: string;
  /** Start the FHIR sandbox (default), or use `fhirServer` instead. */
  sandbox?: false | Omit<SandboxOptions, 'notify' | 'now'>;
  fhirServer?: FhirServerConfigInput;
  /** 32-byte key (hex or base64): payloads are encrypted at rest. */
  encryptionKey?: string;
  /** Keys used before a rotation: they still decrypt, never encrypt. */
  encryptionOldKeys?: string[];
  log?: ClinflowLogger;
  reminders?: Partial<RemindersConfig>;
  /** Extra notification channels by name; `dev` (redacted log lines) is always there and the default. */
  notifyChannels?: Record<string, NotifyPort>;
  /** Bearer tokens for `POST /events`. */
  eventTokens?: string[];
  /** Wraps each task function as it is registered (`clinflow test`: record calls, script results). */
  wrapTask?: (taskName: string, handler: LocalTaskHandler) => LocalTaskHandler;
}

export interface Runtime {
  engine: Engine;
  bus: LocalEventBus;
  scheduler: LocalScheduler;
  triggers: TriggerHttpServer;
  sandbox: Sandbox | undefined;
  ports: TaskPorts;
  dev: ReturnType<typeof createDevChannel>;
  /** The task functions the engine calls (TestState calls them too). */
  tasks: LocalTaskPort;
  /** Correlation keys of keyed executions (search by key: `correlations.findByKey`). */
  correlations: CorrelationStore;
  urls: { triggers: string; fhirNotify: string; fhir: string };
  deployments: LocalDeployment[];
  /** The compiler's diagnostics, and an error for each workflow the engine refused to load. */
  diagnostics: Diagnostic[];
  /** True while every workflow file compiled and every definition loaded (/health's `workflows` check). */
  workflowsReady(): boolean;
  /** Recompiles `workflowsDir` and applies the result (a file with errors keeps its previous version). */
  reload(): Promise<{ deployments: LocalDeployment[]; diagnostics: Diagnostic[] }>;
  /** Simulated clock: fires every engine timer, bus delivery and schedule due up to `ms`, in time order. */
  advanceTo(ms: number): Promise<void>;
  /** Runs until nothing is in flight: notifications, deliveries, steps and due schedules. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

const SANDBOX_SOURCE = 'sandbox';
const HUMAN_TASK_RESUME = 'arn:aws:lambda:us-east-1:000000000000:function:clinflow-human-task-resume';

/**
 * The composition root: engine, bus, scheduler, trigger endpoints, FHIR sandbox and task functions in
 * one process over one SQLite database, with the workflows of `workflowsDir` loaded.
 */
export async function createRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { clock } = options;
  const simulated = options.wakeup === undefined;
  const ids = options.ids ?? uuidIds;
  const log = options.log ?? createLogger({ level: 'warn' });
  if (options.dataDir !== ':memory:') {
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    chmodSync(options.dataDir, 0o700); // owner-only, also when it existed before
  }
  const db: Db = openDatabase(options.dataDir === ':memory:' ? ':memory:' : join(options.dataDir, 'clinflow.db'));
  const key = options.encryptionKey;
  const keys: EncryptionKeys | undefined = key ? { key, oldKeys: options.encryptionOldKeys ?? [] } : undefined;
  try {
    // Before anything reads or writes a payload: a wrong or missing key stops here, with a clear error.
    verifyEncryptionKeys(db, keys, clock.now());
  } catch (err) {
    db.close();
    throw err;
  }
  const codec = keys ? createPayloadCodec(keys) : undefined;

  const executions = lateBound<ExecutionPort>('executions');
  const fhir = lateBound<Required<FhirPort>>('fhir');
  const callbacks = createCallbackStore(db, key ? { encryptionKey: Buffer.from(key, /^[0-9a-f]{64}$/i.test(key) ? 'hex' : 'base64') } : {});
  // The configured FHIR server (bound below): the resume path reads Tasks from it and refuses events from others.
  const humanTaskServer: { url?: string } = {};

  const bus = new LocalEventBus({
    db,
    clock,
    ids,
    executions: executions.port,
    ...(codec ? { codec } : {}),
    invokers: {
      lambda: async (target, input) => {
        if (target.Arn !== HUMAN_TASK_RESUME) throw new Error(`no local function for ${target.Arn}`);
        await resumeOnTaskChange(JSON.parse(input) as FhirChangeEvent, { fhir: fhir.port, executions: executions.port, callbacks, log, now: () => clock.now(), server: humanTaskServer.url });
      },
    },
  });
  const scheduler = new LocalScheduler({ db, clock, invoke: createTargetInvoker({ executions: executions.port, bus }), ...(codec ? { codec } : {}) });
  const dev = createDevChannel(log);
  const notify = createNotifyRouter({ dev, pager: dev, sms: dev, email: dev, ...(options.notifyChannels ?? {}) }, 'dev');
  const ports: TaskPorts = { scheduler, bus, executions: executions.port, fhir: fhir.port, notify };
  const taskPort = new LocalTaskPort({ clock, log, ports });
  const engine = new Engine({
    database: db,
    clock,
    ids,
    tasks: taskPort,
    log,
    ...(options.wakeup ? { wakeup: options.wakeup } : {}),
    ...(keys ? { encryptionKey: keys } : {}),
  });
  executions.bind(engine);

  // FHIR: the sandbox (its notifications come back to our endpoint) or a configured server.
  const secret = ids.next();
  let sandbox: Sandbox | undefined;
  const triggerConfig = (fhirBase: string, routingAttributes: Record<string, string[]>): TriggerConfigInput => ({
    // The sandbox's port changes on every start: dedupe on a stable id so it survives a restart.
    sources: { [SANDBOX_SOURCE]: { kind: 'medplum', baseUrl: fhirBase, dedupeId: SANDBOX_SOURCE, auth: { hmacSecret: secret } } },
    routingAttributes,
    ...(options.eventTokens?.length ? { events: { bearerTokens: options.eventTokens } } : {}),
    shutdownGraceMs: 2000,
  });

  // Workflows first: their manifests say which routing attributes the FHIR endpoint must extract.
  const initial = loadWorkflows([options.workflowsDir]);
  let byFile = initial;
  // Workflows the engine refused (e.g. no terminal state): they keep their previous version (or
  // none) and hold /health at not ready until fixed or removed.
  let refused: Diagnostic[] = [];
  const workflowsReady = (): boolean => !byFile.failed && refused.length === 0;
  const load = async (loaded: typeof initial, removed: ReadonlySet<string>): Promise<LocalDeployment[]> => {
    const failures: LoadFailure[] = [];
    const out = await loadWorkflowsIntoRuntime(loaded.workflows, removed, { engine, bus, scheduler }, (f) => failures.push(f));
    refused = failures.map((f) => ({
      file: loaded.files[f.workflow] ?? f.workflow,
      line: 1,
      col: 1,
      severity: 'error' as const,
      path: '',
      message: `workflow '${f.workflow}' was not loaded (the previous version, if any, stays): ${f.message}`,
      code: 'load',
    }));
    for (const f of failures) log.error({ workflow: f.workflow, err: f.message }, 'workflow definition refused; /health is not ready');
    return out;
  };
  const routing = mergeRoutingAttributes(initial.workflows.map((w) => w.manifest));

  const placeholderBase = 'http://127.0.0.1:1/fhir';
  const triggerDeps = {
    db,
    bus,
    clock,
    logger: log,
    readiness: () => ({ workflows: workflowsReady() }),
    ...(codec ? { dedupeDigest: (k: string) => codec.digest(k) } : {}),
  };
  let triggers = createHttpServer(triggerConfig(options.fhirServer?.baseUrl ?? placeholderBase, routing), triggerDeps);
  let address = await triggers.listen(options.httpPort ?? 0, options.host ?? '127.0.0.1');
  const notifyUrl = `http://${address.address}:${address.port}/fhir/notify/${SANDBOX_SOURCE}`;
  if (options.sandbox !== false) {
    sandbox = await startSandbox({ ...(options.sandbox ?? {}), notify: { url: notifyUrl, secret }, now: () => clock.now() });
    // Re-create the endpoint now that the sandbox's base URL (the events' `server`) is known.
    const port = address.port;
    await triggers.close();
    triggers = createHttpServer(triggerConfig(sandbox.baseUrl, routing), triggerDeps);
    address = await triggers.listen(port, options.host ?? '127.0.0.1');
  }
  const fhirBase = sandbox?.baseUrl ?? options.fhirServer?.baseUrl;
  if (!fhirBase) throw new Error('no FHIR server: start the sandbox or configure fhirServer');
  humanTaskServer.url = fhirBase;
  fhir.bind(createFhirPortRouter([options.fhirServer ?? { name: 'default', baseUrl: fhirBase }], { now: () => clock.now() }));

  const deliveryArn = (name: string) => `arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-${name}`;
  const correlations = new CorrelationStore(db);
  const handlers = createTaskHandlers({
    callbacks,
    correlation: localCorrelationPort(engine, correlations, clock),
    humanTaskServer: fhirBase,
    // Every FHIR write a workflow makes carries a Provenance naming the workflow version and execution.
    attribution: executionAttribution(engine, () => byFile.workflows),
    reminders: {
      defaultTimeZone: 'America/New_York',
      // The sandbox's patients carry the FHIR core `timezone` extension.
      timeZoneExtensionUrl: TIMEZONE_EXTENSION_URL,
      ...options.reminders,
      target: {
        arn: deliveryArn('reminder-delivery'),
        roleArn: 'arn:aws:iam::000000000000:role/clinflow-scheduler',
        source: 'clinflow.reminders',
        detailType: 'Medication Reminder Due',
        maximumRetryAttempts: 10,
        maximumEventAgeInSeconds: 3600,
        ...(options.reminders?.target ?? {}),
      },
    },
  });
  for (const [name, handler] of handlers) taskPort.registerTask(name, options.wrapTask ? options.wrapTask(name, handler) : handler);

  // Human tasks: a change to a FHIR Task resumes the execution parked on it.
  bus.putRule({ Name: 'clinflow-human-task-resume', EventPattern: JSON.stringify({ source: ['clinflow.fhir'], detail: { resourceType: ['Task'] } }), State: 'ENABLED' });
  bus.putTargets({ Rule: 'clinflow-human-task-resume', Targets: [{ Id: 'resume', Arn: HUMAN_TASK_RESUME }] });

  let deployments = await load(initial, new Set());
  let loaded = new Set(initial.workflows.map((w) => w.name));
  await engine.recover();

  let delivery: DeliveryLoop | undefined;
  let schedulerDriver: SchedulerTimerDriver | undefined;
  if (!simulated) {
    delivery = startDelivery(bus, clock, { pollMs: 250, onError: (err) => log.error({ err: String(err) }, 'bus delivery failed') });
    schedulerDriver = new SchedulerTimerDriver(scheduler, { now: () => clock.now(), onError: (err) => log.error({ err: String(err) }, 'scheduler failed') });
    schedulerDriver.start();
  }

  const settle = async (): Promise<void> => {
    for (let round = 0; round < 10_000; round++) {
      const notified = sandbox?.notifications.deliveries.length ?? 0;
      await sandbox?.notifications.drain();
      const delivered = await bus.deliverDue();
      await engine.runUntilIdle();
      const fired = simulated ? await scheduler.fireDue() : undefined;
      await engine.runUntilIdle();
      await sandbox?.notifications.drain();
      const quiet =
        (sandbox?.notifications.deliveries.length ?? 0) === notified &&
        delivered.delivered + delivered.retried + delivered.deadLettered === 0 &&
        (fired?.fired ?? 0) + (fired?.delivered ?? 0) === 0 &&
        !fired?.more;
      if (quiet) return;
    }
    throw new Error('runtime did not settle after 10000 rounds');
  };

  const runtime: Runtime = {
    engine,
    bus,
    scheduler,
    get triggers() {
      return triggers;
    },
    sandbox,
    ports,
    dev,
    tasks: taskPort,
    correlations,
    urls: { triggers: `http://${address.address}:${address.port}`, fhirNotify: notifyUrl, fhir: fhirBase },
    get deployments() {
      return deployments;
    },
    get diagnostics() {
      return [...byFile.diagnostics, ...refused];
    },
    workflowsReady,
    async reload() {
      const next = loadWorkflows([options.workflowsDir]);
      byFile = next;
      // While any file has errors, nothing is removed: a broken file keeps its running version.
      const removed = next.failed ? new Set<string>() : new Set([...loaded].filter((n) => !next.workflows.some((w) => w.name === n)));
      const applied = await load(next, removed);
      // A file that failed to compile keeps running its previous version: keep listing it.
      const kept = deployments.filter((d) => !removed.has(d.workflow) && !applied.some((a) => a.workflow === d.workflow)).map((d) => ({ ...d, changed: false }));
      deployments = [...applied, ...kept];
      loaded = new Set([...[...loaded].filter((n) => !removed.has(n)), ...next.workflows.map((w) => w.name)]);
      return { deployments, diagnostics: [...next.diagnostics, ...refused] };
    },
    async advanceTo(ms) {
      const sim = clock as SimulatedClock;
      if (!simulated || typeof sim.set !== 'function') throw new Error('advanceTo needs a SimulatedClock');
      await settle();
      for (;;) {
        const next = [engine.nextTimerAt(), bus.nextDueAt(), scheduler.nextDueAt()].filter((t): t is number => t !== undefined && t <= ms).sort((a, b) => a - b)[0];
        if (next === undefined) break;
        await engine.advanceTo(Math.max(next, clock.now()));
        await settle();
      }
      await engine.advanceTo(Math.max(ms, clock.now()));
      await settle();
    },
    settle,
    async close() {
      // First: a step in flight (a runaway) abandons itself, so nothing below waits on it.
      engine.interrupt();
      await delivery?.stop();
      await schedulerDriver?.stop();
      await triggers.close();
      await sandbox?.close();
      await engine.close();
      db.close();
    },
  };
  return runtime;
}

export { SANDBOX_SOURCE };
export const systemRuntimeClock = { wakeup: systemWakeup };
