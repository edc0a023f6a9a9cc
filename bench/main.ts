/**
 * `npm run bench -- <name…>` runs bench/<name>.bench.ts (each exports `run(): Promise<void>`);
 * with no name, every benchmark. Benchmarks print ratios against a peer measured in the same run.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

async function main(): Promise<void> {
  const all = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.replace(/\.bench\.ts$/, ''))
    .sort();
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = wanted.length ? wanted : all;
  for (const name of names) {
    if (!all.includes(name)) throw new Error(`no benchmark "${name}"; have: ${all.join(', ')}`);
    const mod = (await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)) as { run: (args: string[]) => Promise<void> };
    process.stdout.write(`\n=== ${name} ===\n`);
    await mod.run(process.argv.slice(2));
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exitCode = 1;
});
