import type { Command } from 'commander';

/** Each command module adds itself here; `setExit` raises the process exit code (max wins). */
export type SetExit = (code: number) => void;

type Register = (program: Command, setExit: SetExit) => void;

/**
 * Every command, in the order `--help` lists them: the names a module defines, each with a one-line
 * summary for that list, and how to load the module. A command's module, and what it imports (the
 * compiler, zod, yaml, fhirpath, the AWS SDK), is loaded only when that command runs or its own
 * help is asked for: `clinflow --help` loads none of them. (`require`, not `import()`: this is
 * CommonJS run through tsx, whose hook resolves extensionless `.ts` paths for require only.)
 */
export const COMMANDS: readonly { summaries: Readonly<Record<string, string>>; load: () => Register }[] = [
  { summaries: { conformance: 'Run a conformance case file and report pass rates by category' }, load: () => (require('./conformance') as typeof import('./conformance')).registerConformance },
  { summaries: { validate: 'Check workflow files and report every problem as file:line:col' }, load: () => (require('./validate') as typeof import('./validate')).registerValidate },
  { summaries: { compile: 'Compile workflows to ASL, trigger and manifest JSON' }, load: () => (require('./compile') as typeof import('./compile')).registerCompile },
  { summaries: { graph: 'Draw a workflow as Mermaid, Graphviz DOT or SVG' }, load: () => (require('./graph') as typeof import('./graph')).registerGraph },
  { summaries: { schema: 'Print or write the JSON Schema of workflow files (for editors)' }, load: () => (require('./schema') as typeof import('./schema')).registerSchema },
  { summaries: { deploy: 'Put the compiled workflows on AWS as a CloudFormation stack' }, load: () => (require('./deploy') as typeof import('./deploy')).registerDeploy },
  { summaries: { dev: 'Run everything in one process with the FHIR sandbox (npm start)' }, load: () => (require('./dev') as typeof import('./dev')).registerDev },
  { summaries: { demo: 'Run a scripted clinical scenario on a simulated clock and summarise it' }, load: () => (require('./demo') as typeof import('./demo')).registerDemo },
  { summaries: { run: 'Run one workflow once against an event or a changed FHIR resource' }, load: () => (require('./run') as typeof import('./run')).registerRun },
  { summaries: { test: 'Run workflow tests (workflows/<name>.test.yaml) on a simulated clock' }, load: () => (require('./test') as typeof import('./test')).registerTest },
  { summaries: { serve: 'Run the engine, triggers and the AWS-compatible APIs without the sandbox' }, load: () => (require('./serve') as typeof import('./serve')).registerServe },
  {
    summaries: {
      executions: 'List, inspect, stop and redrive workflow executions',
      tasks: 'List, complete or fail the human tasks executions wait on',
      reminders: 'Pending medication reminders, in the patient’s local time',
      dlq: 'Dead letters: list them, and redrive them once the cause is fixed',
      audit: 'Read and verify the audit trail of the local API',
    },
    load: () => (require('./ops/registerOps') as typeof import('./ops/registerOps')).registerOps,
  },
  { summaries: { console: 'Serve the web console against a deployed stage or another server' }, load: () => (require('./console') as typeof import('./console')).registerConsole },
];

/**
 * Registers what `argv` needs: the module of the command it names (also for `help <command>`), or,
 * when it names none (`--help`, no command, a mistyped one), a stub per command with its summary,
 * which is all the list of commands and commander's "did you mean" need.
 */
export function registerCommands(program: Command, setExit: SetExit, argv: readonly string[]): void {
  const words = argv.filter((a) => !a.startsWith('-'));
  const named = words[0] === 'help' ? words[1] : words[0];
  const entry = COMMANDS.find((c) => named !== undefined && Object.hasOwn(c.summaries, named));
  if (entry) {
    entry.load()(program, setExit);
    return;
  }
  for (const c of COMMANDS) for (const [name, summary] of Object.entries(c.summaries)) program.command(name).summary(summary);
}
