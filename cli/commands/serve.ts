import type { Command } from 'commander';
import { runDev, runUntilSignal } from './dev';
import type { SetExit } from './registry';

interface ServeOptions {
  port: string;
  dataDir: string;
  workflows: string;
  fhirUrl?: string;
}

/**
 * `clinflow serve`: what `dev` runs, without the FHIR sandbox: the engine, bus, scheduler, trigger
 * endpoints and the AWS APIs (SigV4) over a configured FHIR server, bound to 127.0.0.1.
 */
export function registerServe(program: Command, setExit: SetExit): void {
  program
    .command('serve')
    .description('Run the engine, triggers and the AWS-compatible APIs (Step Functions, EventBridge, Scheduler) without the sandbox.')
    .option('--port <port>', 'port of the HTTP endpoints and the AWS APIs', '8080')
    .option('--data-dir <dir>', 'where the SQLite journal (and the generated API keys) live', '.clinflow')
    .option('--workflows <dir>', 'workflow folder (watched for changes)', 'workflows')
    .option('--fhir-url <url>', 'base URL of the FHIR server tasks talk to (or CLINFLOW_FHIR_URL)')
    .action(async (opts: ServeOptions) => {
      const fhirUrl = opts.fhirUrl ?? process.env.CLINFLOW_FHIR_URL;
      if (!fhirUrl) {
        process.stderr.write('clinflow serve: --fhir-url (or CLINFLOW_FHIR_URL) is required; `clinflow dev` starts a sandbox instead\n');
        setExit(2);
        return;
      }
      const stop = await runDev({ port: opts.port, dataDir: opts.dataDir, workflows: opts.workflows, sandbox: false, fhirUrl, speed: '1', patients: '0' });
      await runUntilSignal(stop, setExit);
    });
}
