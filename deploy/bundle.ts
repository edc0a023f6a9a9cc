import { build } from 'esbuild';
import { packageRoot } from '../core/paths/packageRoot';
import { DEFAULT_RUNTIME } from './runtime';
import { zipFiles } from './zip';

/**
 * Bundles one Lambda function with esbuild: the task runtime with that task's name baked in, or the
 * FHIR endpoint, or the human-task resume function. Native modules (better-sqlite3) are not needed on Lambda and stay out.
 */
export async function bundleFunction(entry: string, runtime: string = DEFAULT_RUNTIME): Promise<Uint8Array> {
  const handlerFile = entry === 'fhir-endpoint' ? 'deploy/lambda/fhirEndpointHandler.ts' : entry === 'human-task-resume' ? 'deploy/lambda/resumeHandler.ts' : 'deploy/lambda/taskHandler.ts';
  const result = await build({
    stdin: {
      contents: `export { handler } from ${JSON.stringify(`./${handlerFile}`)};`,
      resolveDir: packageRoot(),
      sourcefile: 'index.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'node',
    // Compiled for the Lambda runtime the function runs on (nodejs22.x → node22).
    target: `node${/^nodejs(\d+)\.x$/.exec(runtime)?.[1] ?? '22'}`,
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
