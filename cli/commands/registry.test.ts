import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { Command } from 'commander';
import { COMMANDS, registerCommands } from './registry';

const ROOT = join(__dirname, '..', '..');

describe('command registry', () => {
  it('lists each command under the names its module registers, and no other', () => {
    for (const entry of COMMANDS) {
      const program = new Command('clinflow');
      entry.load()(program, () => undefined);
      expect(program.commands.map((c) => c.name()).sort()).toEqual(Object.keys(entry.summaries).sort());
    }
  });

  it('registers only the named command’s module, or a stub per command when none is named', () => {
    const only = new Command('clinflow');
    registerCommands(only, () => undefined, ['validate', '--strict', 'workflows/']);
    expect(only.commands.map((c) => c.name())).toEqual(['validate']);
    const help = new Command('clinflow');
    registerCommands(help, () => undefined, ['help', 'dlq']);
    expect(help.commands.map((c) => c.name()).sort()).toEqual(['audit', 'dlq', 'executions', 'reminders', 'tasks']);
    const stubs = new Command('clinflow');
    registerCommands(stubs, () => undefined, ['--help']);
    expect(stubs.commands.map((c) => c.name())).toEqual(COMMANDS.flatMap((c) => Object.keys(c.summaries)));
    expect(stubs.commands.every((c) => c.summary().length > 10)).toBe(true);
  });

  it('`clinflow --help` loads no command module: not the compiler, zod, yaml, fhirpath or the AWS SDK', () => {
    const script = `require('./cli/main.ts').main(['--help']).then(() => { process.stderr.write('LOADED ' + JSON.stringify(Object.keys(require.cache))); });`;
    const r = spawnSync(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, encoding: 'utf8' });
    expect(r.stdout).toContain('Usage: clinflow');
    const loaded = JSON.parse(r.stderr.slice(r.stderr.indexOf('LOADED ') + 'LOADED '.length)) as string[];
    const heavy = loaded.filter((f) => /node_modules\/(zod|yaml|fhirpath|antlr4|@aws-sdk|better-sqlite3|pino)\/|\/(compiler|engine|tasks|triggers|api|deploy)\//.test(f));
    expect(heavy).toEqual([]);
    expect(loaded.length).toBeLessThan(60);
  });
});
