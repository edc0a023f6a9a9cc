import { readFileSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { workflowJsonSchema } from '../../compiler/jsonSchema';
import { workflowTestJsonSchema } from '../../testing/testJsonSchema';
import type { SetExit } from './registry';

export function registerSchema(program: Command, setExit: SetExit): void {
  program
    .command('schema')
    .description('Print the JSON Schema of workflow files (for editors), or write it with --out')
    .option('-o, --out <file>', 'write it to FILE (npm run schema writes schemas/workflow.schema.json)')
    .option('--check', 'with --out: exit 1 when FILE is not up to date, without writing')
    .option('--tests', 'the schema of workflow test files (*.test.yaml) instead')
    .action((opts: { out?: string; check?: boolean; tests?: boolean }) => {
      const text = opts.tests ? workflowTestJsonSchema() : workflowJsonSchema();
      if (!opts.out) {
        process.stdout.write(text);
        return setExit(opts.check ? 2 : 0);
      }
      if (opts.check) {
        let current = '';
        try {
          current = readFileSync(opts.out, 'utf8');
        } catch {
          current = '';
        }
        const fresh = current === text;
        process.stderr.write(fresh ? `${opts.out} is up to date\n` : `${opts.out} is stale: run ${opts.tests ? `npx clinflow schema --tests --out ${opts.out}` : 'npm run schema'}\n`);
        return setExit(fresh ? 0 : 1);
      }
      writeFileSync(opts.out, text);
      process.stderr.write(`wrote ${opts.out}\n`);
      return setExit(0);
    });
}
