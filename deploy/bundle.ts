import { build } from 'esbuild';
import { join } from 'node:path';
import { zipFiles } from './zip';

const ROOT = join(__dirname, '..');

/**
 * Bundles one Lambda function with esbuild: the task runtime with that task's name baked in, or the
 * FHIR endpoint, or the human-task resume function. Native modules (better-sqlite3) are not needed on Lambda and stay out.
 */
export async function bundleFunction(entry: string): Promise<Uint8Array> {
  const runtime = entry === 'fhir-endpoint' ? 'deploy/lambda/fhirEndpointHandler.ts' : entry === 'human-task-resume' ? 'deploy/lambda/resumeHandler.ts' : 'deploy/lambda/taskHandler.ts';
  const result = await build({
    stdin: {
      contents: `export { handler } from ${JSON.stringify(`./${runtime}`)};`,
      resolveDir: ROOT,
      sourcefile: 'index.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    minify: true,
    legalComments: 'none',
    write: false,
    define: { 'process.env.CLINFLOW_BUNDLED_TASK': JSON.stringify(entry) },
    external: ['better-sqlite3', '@aws-sdk/*', 'pino-pretty'],
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]?.contents;
  if (!code) throw new Error(`esbuild produced no output for ${entry}`);
  return zipFiles({ 'index.js': code });
}

/** Bundles each entry once per process, since plan and apply both need the code hash. */
export function cachedBundler(bundle: (entry: string) => Promise<Uint8Array> = bundleFunction): (entry: string) => Promise<Uint8Array> {
  const cache = new Map<string, Promise<Uint8Array>>();
  return (entry) => {
    let p = cache.get(entry);
    if (!p) cache.set(entry, (p = bundle(entry)));
    return p;
  };
}
