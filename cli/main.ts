import { Command } from 'commander';
import { registerCommands } from './commands/registry';

/**
 * `clinflow`: exit 0 when clean, 1 when the command found problems, 2 for usage errors.
 * dist/clinflow.js calls this for every way the CLI is started; this module has no entry-point
 * guard of its own (a path-dependent guard once made `npx clinflow` do nothing and exit 0).
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('clinflow').description('Event-driven clinical workflow automation: YAML workflows → ASL, run locally or on AWS.').version('0.1.0').showHelpAfterError().exitOverride();
  let exitCode = 0;
  try {
    await registerCommands(
      program,
      (code) => {
        exitCode = Math.max(exitCode, code);
      },
      argv,
    );
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') return 0;
    // `clinflow help [cmd]` asked for help (exitCode 0); a bare `clinflow` named no command: usage.
    if (e.code === 'commander.help') return e.exitCode === 0 ? 0 : 2;
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) return 2;
    process.stderr.write(`clinflow: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return exitCode;
}
