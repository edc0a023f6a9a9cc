import { Command } from 'commander';
import { registerCommands } from './commands/registry';

/**
 * `clinflow`: exit 0 when clean, 1 when the command found problems, 2 for usage errors.
 */
export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('clinflow')
    .description('Event-driven clinical workflow automation: YAML workflows → ASL, run locally or on AWS.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  let exitCode = 0;
  registerCommands(program, (code) => {
    exitCode = Math.max(exitCode, code);
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) return 2;
    process.stderr.write(`clinflow: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
  return exitCode;
}

// `npx clinflow` runs the bin through a `.bin/clinflow` link, so argv[1] may end in either name.
if (require.main === module || /[/\\]clinflow(\.cjs)?$/.test(process.argv[1] ?? '')) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`clinflow: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
