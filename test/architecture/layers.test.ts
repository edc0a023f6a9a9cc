/**
 * The layers are enforced, not only written down: `layers.json` is what `npm run check` lints
 * (import-x/no-restricted-paths zones in eslint.config.mjs), docs/DESIGN.md's layout table says the
 * same, and an import that goes the wrong way fails ESLint.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const layers = JSON.parse(readFileSync(join(ROOT, 'layers.json'), 'utf8')) as { folders: string[]; mayImport: Record<string, string[]> };
const ENGINE = layers.folders.filter((f) => f.startsWith('engine/'));

/** Each layout-table row's folder → the project folders its "may import" column names (engine/* expanded). */
function designTable(): Map<string, string[] | 'everything'> {
  const out = new Map<string, string[] | 'everything'>();
  for (const line of readFileSync(join(ROOT, 'docs', 'DESIGN.md'), 'utf8').split('\n')) {
    const m = /^\| `([a-z/]+?)\/?` \| .* \| ([^|]*) \|$/.exec(line);
    if (!m) continue;
    const column = m[2]!.replace(/\([^)]*\)/g, '');
    if (/^\s*everything/.test(column)) {
      out.set(m[1]!, 'everything');
      continue;
    }
    const named = column.split(',').map((t) => t.trim().replace(/`/g, '').replace(/\/$/, ''));
    out.set(m[1]!, named.flatMap((t) => (t === 'engine/*' ? ENGINE : layers.folders.includes(t) ? [t] : [])).sort());
  }
  return out;
}

describe('layers', () => {
  it('every folder in layers.json exists, and every restricted one has its row in DESIGN.md saying the same', () => {
    for (const f of layers.folders) expect([f, existsSync(join(ROOT, f))]).toEqual([f, true]);
    const table = designTable();
    for (const [folder, allowed] of Object.entries(layers.mayImport)) {
      const expected = (folder === 'schemas' ? [] : folder === 'core' ? ['schemas'] : ['schemas', 'core', ...allowed]).sort();
      expect([folder, table.get(folder)]).toEqual([folder, expected]);
    }
    for (const folder of layers.folders.filter((f) => !(f in layers.mayImport))) expect([folder, table.get(folder)]).toEqual([folder, 'everything']);
  });

  it('an import that goes the wrong way fails ESLint with the rule and the layer named; the same import where it is allowed passes', () => {
    const probe = join(ROOT, 'engine', 'asl', `layerProbe${process.pid}.ts`);
    const allowed = join(ROOT, 'api', `layerProbe${process.pid}.ts`);
    const source = "import type { Engine } from '../durable/engine';\nexport type Probe = Engine;\n";
    try {
      writeFileSync(probe, source);
      writeFileSync(allowed, source.replace("'../durable/engine'", "'../engine/durable/engine'"));
      const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'eslint', 'bin', 'eslint.js'), probe, allowed], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
      expect(r.status).toBe(1);
      expect(r.stdout).toMatch(
        /layerProbe\d+\.ts\n\s+1:\d+\s+error\s+Unexpected path "\.\.\/durable\/engine" imported in restricted zone\. layers \(docs\/DESIGN\.md\): engine\/asl\/ may import core, schemas\s+import-x\/no-restricted-paths/,
      );
      // One problem: the api/ file, which may import the engine, is clean.
      expect(r.stdout).toMatch(/✖ 1 problem \(1 error/);
    } finally {
      rmSync(probe, { force: true });
      rmSync(allowed, { force: true });
    }
  }, 150_000);
});
