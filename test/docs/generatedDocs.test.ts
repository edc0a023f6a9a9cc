import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedDocs, REGENERATE, shippedWorkflowFiles } from '../../cli/docs/generatedDocs';
import { taskCatalogue } from '../../tasks/catalogue';

const ROOT = join(__dirname, '..', '..');

describe('generated docs (docs/tasks.md, docs/workflows/*.svg)', () => {
  const docs = generatedDocs(ROOT);

  it(`match the task catalogue and the workflows (regenerate with: ${REGENERATE})`, () => {
    const stale = [...docs].filter(([path, content]) => !existsSync(join(ROOT, path)) || readFileSync(join(ROOT, path), 'utf8') !== content).map(([path]) => path);
    if (stale.length) throw new Error(`out of date: ${stale.join(', ')}. The task specs or workflows changed; run \`${REGENERATE}\` and commit the result.`);
    expect(stale).toEqual([]);
  });

  it('cover every task of the catalogue and every shipped workflow, and nothing else', () => {
    const md = docs.get('docs/tasks.md') ?? '';
    const headings = [...md.matchAll(/^## (\S+)$/gm)].map((m) => m[1]);
    expect(headings.sort()).toEqual([...taskCatalogue.keys()].sort());
    const svgs = [...docs.keys()].filter((p) => p.startsWith('docs/workflows/'));
    expect(svgs).toHaveLength(shippedWorkflowFiles(ROOT).length);
    // A picture of a workflow that no longer exists is stale too.
    expect(readdirSync(join(ROOT, 'docs/workflows')).map((f) => `docs/workflows/${f}`).sort()).toEqual(svgs.sort());
  });

  it('state for every task whether it is idempotent and which FHIR interactions it makes', () => {
    const missing = [...taskCatalogue.values()].filter((s) => s.idempotent === undefined || s.fhirInteractions === undefined).map((s) => s.name);
    expect(missing).toEqual([]);
    const md = docs.get('docs/tasks.md') ?? '';
    expect(md).not.toContain('not stated');
    // Spot-check one entry against its spec, in the words the docs use.
    expect(md).toContain('| `maxPages` | integer 1–100 | no | `10` |');
    expect(md).toContain('- **Idempotent:** no: a JSON Patch may apply twice');
    expect(md).toContain('- **Errors:** `Reminder.InvalidTiming`, `Reminder.NoTimeZone`, `FHIR.NotFound`');
  });
});
