#!/usr/bin/env node
// Compiles clinflow to dist/ (npm ci runs this as `prepare`; so do `npm start` and jest's global
// setup, so a stale build is never what runs). esbuild bundles each public entry point as ESM with
// code splitting: every `import()` in cli/commands/registry.ts becomes a chunk of its own, so
// `clinflow --help` loads one small file. npm packages stay external (they are dependencies). It
// does not type-check: `npm run check` does.
import { build } from 'esbuild';
import { chmodSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
// The packages `validate` and the engine load on every start are bundled (measured on `validate`'s
// start-up, bench/compiler.bench.ts): zod's ESM build is ~230 small files (~25 ms to resolve);
// yaml, fhirpath and antlr4 are CommonJS, which Node reads, lexes for named exports and wraps file
// by file (~40 ms). They are pure JavaScript, read no files of their own and keep no state across
// copies that matters here. Every other package stays external (a dependency, resolved by Node):
// native modules (better-sqlite3), worker-thread loaders (pino), the AWS SDK, esbuild.
const BUNDLED = new Set(['zod', 'yaml', 'jsonata', 'fhirpath', 'antlr4', 'luxon']);

/** `packages: 'external'`, except the packages named. */
function externalPackagesExcept(bundled) {
  return {
    name: 'external-packages',
    setup(b) {
      b.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.kind === 'entry-point') return undefined;
        const parts = args.path.split('/');
        const name = args.path.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
        return bundled.has(name) ? undefined : { path: args.path, external: true };
      });
    },
  };
}

const entries = { clinflow: 'cli/bin.ts', index: 'cli/main.ts', testing: 'testing/index.ts', tasks: 'tasks/index.ts' };
const started = performance.now();
// Only what the build writes is replaced: dist/ may hold other output (deploy synth --out dist/…).
for (const owned of ['chunks', 'console', ...Object.keys(entries).flatMap((e) => [`${e}.js`, `${e}.js.map`])]) rmSync(join(dist, owned), { recursive: true, force: true });

await Promise.all([
  build({
    absWorkingDir: root,
    entryPoints: entries,
    outdir: dist,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20.19',
    plugins: [externalPackagesExcept(BUNDLED)],
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    // Less source for V8 to parse on every start (~15 ms of `validate`); names stay, so stack
    // traces and error names read as in the sources.
    minifyWhitespace: true,
    minifySyntax: true,
    // Bundled CommonJS calls require() (yaml: require('process')); esbuild's ESM output has none.
    banner: { js: "import { createRequire as __clinflowCreateRequire } from 'node:module'; const require = __clinflowCreateRequire(import.meta.url);" },
  }),
  // The console's browser script, served by `clinflow dev`/`console` as /console.js.
  build({
    absWorkingDir: root,
    entryPoints: ['console/client/console.ts'],
    outfile: join(dist, 'console', 'console.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['es2020'],
    legalComments: 'none',
    logLevel: 'warning',
  }),
]);
// The bin must be executable however it is reached (npm links chmod it only at install time).
chmodSync(join(dist, 'clinflow.js'), 0o755);
if (!process.argv.includes('--quiet')) process.stdout.write(`clinflow: built dist/ in ${Math.round(performance.now() - started)} ms\n`);
