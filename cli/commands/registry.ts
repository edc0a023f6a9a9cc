import type { Command } from 'commander';

/** Each command module adds itself here; `setExit` raises the process exit code (max wins). */
export type SetExit = (code: number) => void;

type Register = (program: Command, setExit: SetExit) => void;

/**
 * Every command, in the order `--help` lists them: the names a module defines, each with a one-line
 * summary for that list, and how to load the module. A command's module, and what it imports (the
 * compiler, zod, yaml, fhirpath, the AWS SDK), is loaded only when that command runs or its own
 * help is asked for: `clinflow --help` loads none of them. In the compiled build each `import()`
 * here is a chunk of its own (test/architecture/startup.test.ts checks the static import graph).
 */
export const COMMANDS: readonly { summaries: Readonly<Record<string, string>>; load: () => Promise<Register> }[] = [
  { summaries: { conformance: 'Run a conformance case file and report pass rates by category' }, load: async () => (await import('./conformance')).registerConformance },
  { summaries: { validate: 'Check workflow files and report every problem as file:line:col' }, load: async () => (await import('./validate')).registerValidate },
  { summaries: { compile: 'Compile workflows to ASL, trigger and manifest JSON' }, load: async () => (await import('./compile')).registerCompile },
  { summaries: { graph: 'Draw a workflow as Mermaid, Graphviz DOT or SVG' }, load: async () => (await import('./graph')).registerGraph },
  { summaries: { schema: 'Print or write the JSON Schema of workflow files (for editors)' }, load: async () => (await import('./schema')).registerSchema },
  { summaries: { deploy: 'Put the compiled workflows on AWS as a CloudFormation stack' }, load: async () => (await import('./deploy')).registerDeploy },
  { summaries: { dev: 'Run everything in one process with the FHIR sandbox (npm start)' }, load: async () => (await import('./dev')).registerDev },
  { summaries: { demo: 'Run a scripted clinical scenario on a simulated clock and summarise it' }, load: async () => (await import('./demo')).registerDemo },
  { summaries: { run: 'Run one workflow once against an event or a changed FHIR resource' }, load: async () => (await import('./run')).registerRun },
  { summaries: { test: 'Run workflow tests (workflows/<name>.test.yaml) on a simulated clock' }, load: async () => (await import('./test')).registerTest },
  { summaries: { serve: 'Run the engine, triggers and the AWS-compatible APIs without the sandbox' }, load: async () => (await import('./serve')).registerServe },
  {
    summaries: {
      executions: 'List, inspect, stop and redrive workflow executions',
      tasks: 'List, complete or fail the human tasks executions wait on',
      reminders: 'Pending medication reminders, in the patient’s local time',
      dlq: 'Dead letters: list them, and redrive them once the cause is fixed',
      audit: 'Read and verify the audit trail of the local API',
    },
    load: async () => (await import('./ops/registerOps')).registerOps,
  },
  { summaries: { console: 'Serve the web console against a deployed stage or another server' }, load: async () => (await import('./console')).registerConsole },
];

/**
 * Registers what `argv` needs: the module of the command it names (also for `help <command>`), or,
 * when it names none (`--help`, no command, a mistyped one), a stub per command with its summary,
 * which is all the list of commands and commander's "did you mean" need.
 */
export async function registerCommands(program: Command, setExit: SetExit, argv: readonly string[]): Promise<void> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const named = words[0] === 'help' ? words[1] : words[0];
  const entry = COMMANDS.find((c) => named !== undefined && Object.hasOwn(c.summaries, named));
  if (entry) {
    (await entry.load())(program, setExit);
    return;
  }
  for (const c of COMMANDS) for (const [name, summary] of Object.entries(c.summaries)) program.command(name).summary(summary);
}
