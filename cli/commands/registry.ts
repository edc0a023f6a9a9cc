import type { Command } from 'commander';

/** Each command module adds itself here; `setExit` raises the process exit code (max wins). */
export type SetExit = (code: number) => void;

type Register = (program: Command, setExit: SetExit) => void;

/**
 * Every command, in the order `--help` lists them: its names, a one-line summary for that list,
 * and how to load the module that defines it. A command's module, and what it imports (the
 * compiler, zod, yaml, fhirpath, the AWS SDK), is loaded only when that command runs or its own
 * help is asked for: `clinflow --help` loads none of them. (`require`, not `import()`: this is
 * CommonJS run through tsx, whose hook resolves extensionless `.ts` paths for require only.)
 */
export const COMMANDS: readonly { names: readonly string[]; summary: string; load: () => Register }[] = [
  { names: ['conformance'], summary: 'Run a conformance case file and report pass rates by category', load: () => (require('./conformance') as typeof import('./conformance')).registerConformance },
  { names: ['validate'], summary: 'Check workflow files and report every problem as file:line:col', load: () => (require('./validate') as typeof import('./validate')).registerValidate },
  { names: ['compile'], summary: 'Compile workflows to ASL, trigger and manifest JSON', load: () => (require('./compile') as typeof import('./compile')).registerCompile },
  { names: ['graph'], summary: 'Draw a workflow as Mermaid, Graphviz DOT or SVG', load: () => (require('./graph') as typeof import('./graph')).registerGraph },
  { names: ['schema'], summary: 'Print or write the JSON Schema of workflow files (for editors)', load: () => (require('./schema') as typeof import('./schema')).registerSchema },
  { names: ['deploy'], summary: 'Put the compiled workflows on AWS as a CloudFormation stack', load: () => (require('./deploy') as typeof import('./deploy')).registerDeploy },
  { names: ['dev'], summary: 'Run everything in one process with the FHIR sandbox (npm start)', load: () => (require('./dev') as typeof import('./dev')).registerDev },
  { names: ['demo'], summary: 'Run a scripted clinical scenario on a simulated clock and summarise it', load: () => (require('./demo') as typeof import('./demo')).registerDemo },
  { names: ['run'], summary: 'Run one workflow once against an event or a changed FHIR resource', load: () => (require('./run') as typeof import('./run')).registerRun },
  { names: ['test'], summary: 'Run workflow tests (workflows/<name>.test.yaml) on a simulated clock', load: () => (require('./test') as typeof import('./test')).registerTest },
  { names: ['serve'], summary: 'Run the engine, triggers and the AWS-compatible APIs without the sandbox', load: () => (require('./serve') as typeof import('./serve')).registerServe },
  {
    names: ['executions', 'tasks', 'reminders', 'dlq', 'audit'],
    summary: '',
    load: () => (require('./ops/registerOps') as typeof import('./ops/registerOps')).registerOps,
  },
  { names: ['console'], summary: 'Serve the web console against a deployed stage or another server', load: () => (require('./console') as typeof import('./console')).registerConsole },
];

/** The ops commands share one module; their summaries are listed here by name. */
const OPS_SUMMARIES: Readonly<Record<string, string>> = {
  executions: 'List, inspect, stop and redrive workflow executions',
  tasks: 'List, complete or fail the human tasks executions wait on',
  reminders: 'Pending medication reminders, in the patient’s local time',
  dlq: 'Dead letters: list them, and redrive them once the cause is fixed',
  audit: 'Read and verify the audit trail of the local API',
};

/**
 * Registers what `argv` needs: the module of the command it names (also for `help <command>`), or,
 * when it names none (`--help`, no command, a mistyped one), a stub per command with its summary,
 * which is all the list of commands and commander's "did you mean" need.
 */
export function registerCommands(program: Command, setExit: SetExit, argv: readonly string[]): void {
  const words = argv.filter((a) => !a.startsWith('-'));
  const named = words[0] === 'help' ? words[1] : words[0];
  const entry = COMMANDS.find((c) => named !== undefined && c.names.includes(named));
  if (entry) {
    entry.load()(program, setExit);
    return;
  }
  for (const c of COMMANDS) for (const name of c.names) program.command(name).summary(c.summary || (OPS_SUMMARIES[name] ?? ''));
}
