import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const asset = (body: Buffer, contentType: string): Asset => ({ body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });

let js: Promise<Asset> | undefined;
let css: Asset | undefined;

/**
 * The console's browser script, bundled from `console/client/console.ts` by esbuild (already a
 * dependency) the first time it is asked for, and kept in memory: `npm ci` is the whole set-up,
 * nothing is fetched at run time, and a stale build cannot be served.
 */
export function consoleScript(): Promise<Asset> {
  js ??= (async () => {
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [join(__dirname, '..', 'client', 'console.ts')],
      bundle: true,
      minify: true,
      format: 'iife',
      target: ['es2020'],
      write: false,
      legalComments: 'none',
      logLevel: 'silent',
    });
    const file = out.outputFiles[0];
    if (!file) throw new Error('esbuild produced no console.js');
    return asset(Buffer.from(file.contents), 'text/javascript; charset=utf-8');
  })().catch((err: unknown) => {
    js = undefined;
    throw err;
  });
  return js;
}

export function consoleStyles(): Asset {
  css ??= asset(readFileSync(join(__dirname, 'console.css')), 'text/css; charset=utf-8');
  return css;
}
