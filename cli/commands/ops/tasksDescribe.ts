import type { Command } from 'commander';
import { suggest } from '../../../compiler/suggest';
import { taskCatalogue } from '../../../tasks/catalogue';
import { taskReference, taskReferenceText } from '../../../tasks/taskReference';
import type { SetExit } from '../registry';
import { guarded } from '../validate';
import { UsageError } from '../../usageError';

/** `clinflow tasks describe NAME`: one task of the catalogue, as docs/tasks.md shows it. */
export function registerTasksDescribe(tasks: Command, setExit: SetExit): void {
  tasks
    .command('describe <name>')
    .description('a task a workflow can call (fhir.read, notify.send, …): purpose, inputs, output, errors, idempotency, FHIR interactions (docs/tasks.md has them all)')
    .option('--json', 'print the description as JSON')
    .action((name: string, opts: { json?: boolean }) =>
      guarded(setExit, () => {
        const spec = taskCatalogue.get(name);
        if (!spec) {
          const near = suggest(name, taskCatalogue.keys());
          throw new UsageError(`no task named ${name}${near ? ` (did you mean ${near}?)` : ''}; the tasks: ${[...taskCatalogue.keys()].sort().join(', ')}`);
        }
        const ref = taskReference(spec);
        process.stdout.write(opts.json ? `${JSON.stringify(ref, null, 2)}\n` : taskReferenceText(ref));
        return 0;
      }),
    );
}
