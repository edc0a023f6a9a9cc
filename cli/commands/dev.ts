import type { Command } from 'commander';
import { watch } from 'node:fs';
import { resolve } from 'node:path';
import { formatDiagnostic } from '../../schemas/diagnostic';
import { fastClock, systemClock, systemWakeup } from '../../core/clock/systemClock';
import { createLogger } from '../../core/log/createLogger';
import { encryptionKeysFromEnv } from '../../engine/durable/encryptionKeys';
import type { SetExit } from './registry';

interface DevOptions {
  port: string;
  dataDir: string;
  workflows: string;
  sandbox: boolean;
  fhirUrl?: string;
  speed: string;
  patients: string;
}

/**
 * `clinflow dev` (= `npm start`): the engine, bus, scheduler, trigger endpoints and FHIR sandbox in
 * one process, workflows loaded and reloaded on change, data kept in `--data-dir`. Runs until
 * SIGINT/SIGTERM, then shuts down gracefully (a `kill -9` loses nothing: the journal is durable).
 */
export async function runDev(opts: DevOptions, out: (line: string) => void = (l) => void process.stdout.write(`${l}\n`)): Promise<() => Promise<void>> {
  const speed = Number(opts.speed);
  if (!(speed >= 1)) throw new Error('--speed must be a number >= 1');
  const { clock, wakeup } = speed === 1 ? { clock: systemClock, wakeup: systemWakeup() } : fastClock(Date.now(), speed);
  const log = createLogger({ level: process.env.CLINFLOW_LOG_LEVEL === 'debug' ? 'debug' : 'info', bindings: { component: 'clinflow' } });
  const { createRuntime } = await import('../runtime/createRuntime');
  const keys = encryptionKeysFromEnv();
  if (!keys) {
    // The demo may run without a key; real patient data must not.
    out('WARNING: CLINFLOW_ENCRYPTION_KEY is not set: workflow data (orders, reminder times, events) is stored UNENCRYPTED in the data directory.');
    out('WARNING: use synthetic data only, or set CLINFLOW_ENCRYPTION_KEY to 32 random bytes (64 hex characters).');
    log.warn({}, 'CLINFLOW_ENCRYPTION_KEY is not set: data at rest is not encrypted');
  }
  const runtime = await createRuntime({
    dataDir: resolve(opts.dataDir),
    workflowsDir: resolve(opts.workflows),
    clock,
    wakeup,
    httpPort: Number(opts.port),
    log,
    sandbox: opts.sandbox ? { port: 0, seed: { seed: 7, patients: Number(opts.patients) } } : false,
    ...(opts.fhirUrl ? { fhirServer: { name: 'default', baseUrl: opts.fhirUrl } } : {}),
    ...(keys ? { encryptionKey: String(keys.key), encryptionOldKeys: (keys.oldKeys ?? []).map(String) } : {}),
    ...(process.env.CLINFLOW_EVENTS_TOKEN ? { eventTokens: [process.env.CLINFLOW_EVENTS_TOKEN] } : {}),
  });
  // The AWS APIs (Step Functions, EventBridge, Scheduler) share the port, SigV4-signed with the local keys.
  const { attachApi } = await import('../../api/attachApi');
  const { profileHint } = await import('../../api/auth/localCredentials');
  const attached = attachApi(runtime.triggers.server, {
    engine: runtime.engine,
    bus: runtime.bus,
    scheduler: runtime.scheduler,
    tasks: runtime.tasks,
    dataDir: resolve(opts.dataDir),
    log,
    renderMetrics: () => runtime.triggers.router.metrics.render(),
  });
  // The web console at /console, on the same port, over the same services and audit trail.
  const { startLocalConsole } = await import('../console/startLocalConsole');
  const consoleUi = startLocalConsole(runtime.triggers.server, {
    engine: runtime.engine,
    scheduler: runtime.scheduler,
    dataDir: resolve(opts.dataDir),
    workflowsDir: resolve(opts.workflows),
    fhirBase: runtime.urls.fhir,
    now: () => clock.now(),
    ...(keys ? { encryptionKey: String(keys.key) } : {}),
    readiness: () => ({ workflows: runtime.workflowsReady() }),
    renderMetrics: () => runtime.triggers.router.metrics.render() + attached.lifecycle.render(),
    audit: attached.api.audit,
    log,
  });
  for (const d of runtime.diagnostics) out(formatDiagnostic(d));
  out(`clinflow dev: ${runtime.deployments.length} workflows loaded (${runtime.deployments.map((d) => d.workflow).join(', ')})`);
  out(`  FHIR notifications  POST ${runtime.urls.fhirNotify}`);
  out(`  events (PutEvents)  POST ${runtime.urls.triggers}/events${process.env.CLINFLOW_EVENTS_TOKEN ? '' : '  (set CLINFLOW_EVENTS_TOKEN to enable)'}`);
  out(`  health / metrics    GET  ${runtime.urls.triggers}/health  ${runtime.urls.triggers}/metrics`);
  for (const line of profileHint(attached.credentials, runtime.urls.triggers)) out(line);
  out(
    `  web console         ${runtime.urls.triggers}/console${consoleUi.generatedToken ? `  (token for this run: ${consoleUi.generatedToken})` : '  (sign in with your CLINFLOW_CONSOLE_TOKEN(S) token)'}`,
  );
  out(`  FHIR server         ${runtime.urls.fhir}${runtime.sandbox ? '  (sandbox, synthetic data)' : ''}`);
  out(`  data                ${resolve(opts.dataDir)}${speed > 1 ? `   clock: ${speed}× real time` : ''}`);

  let reloading: Promise<void> | undefined;
  const watcher = watch(resolve(opts.workflows), () => {
    reloading ??= new Promise<void>((r) => setTimeout(r, 200))
      .then(() => runtime.reload())
      .then(({ deployments, diagnostics }) => {
        for (const d of diagnostics) out(formatDiagnostic(d));
        out(
          `reloaded: ${
            deployments
              .filter((d) => d.changed)
              .map((d) => d.workflow)
              .join(', ') || 'no changes'
          }`,
        );
      })
      .catch((err: unknown) => out(`reload failed: ${err instanceof Error ? err.message : String(err)}`))
      .finally(() => {
        reloading = undefined;
      });
  });
  out('ready');
  return async () => {
    watcher.close();
    await reloading;
    consoleUi.detach();
    attached.detach();
    await runtime.close();
  };
}

export function registerDev(program: Command, setExit: SetExit): void {
  program
    .command('dev')
    .description('Run everything in one process: engine, bus, scheduler, FHIR endpoint and sandbox (npm start).')
    // CLINFLOW_PORT lets a test run `npm start` exactly as typed on an ephemeral port (0).
    .option('--port <port>', 'port of the HTTP endpoints (default: CLINFLOW_PORT, else 8080)', process.env.CLINFLOW_PORT ?? '8080')
    .option('--data-dir <dir>', 'where the SQLite journal lives', '.clinflow')
    .option('--workflows <dir>', 'workflow folder (watched for changes)', 'workflows')
    .option('--no-sandbox', 'do not start the FHIR sandbox (use --fhir-url)')
    .option('--fhir-url <url>', 'base URL of the FHIR server tasks talk to')
    .option('--speed <n>', 'run the clock n times faster than real time (demos)', '1')
    .option('--patients <n>', 'synthetic patients to seed the sandbox with', '5')
    .action(async (opts: DevOptions) => {
      const stop = await runDev(opts);
      await runUntilSignal(stop, setExit);
    });
}

/** Keeps a started server running until SIGINT or SIGTERM, then stops it (exit 1 if stopping fails). */
export function runUntilSignal(stop: () => Promise<void>, setExit: SetExit): Promise<void> {
  return new Promise<void>((resolveStop) => {
    const shutdown = (signal: string): void => {
      process.stdout.write(`${signal}: shutting down\n`);
      stop().then(
        () => resolveStop(),
        (err: unknown) => {
          process.stderr.write(`shutdown failed: ${String(err)}\n`);
          setExit(1);
          resolveStop();
        },
      );
    };
    process.once('SIGINT', () => shutdown('SIGINT'));
    process.once('SIGTERM', () => shutdown('SIGTERM'));
  });
}
