import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../../core/paths/packageRoot';

export interface Asset {
  body: Buffer;
  contentType: string;
  etag: string;
}

const asset = (body: Buffer, contentType: string): Asset => ({ body, contentType, etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"` });

let js: Asset | undefined;
let css: Asset | undefined;

/**
 * The console's browser script, `dist/console/console.js`, which the build (scripts/build.mjs, run
 * by `npm ci`, `npm start` and jest's global setup) bundles from `console/client/console.ts`. Read
 * once and kept in memory; nothing is fetched or compiled at run time.
 */
export function consoleScript(): Asset {
  try {
    js ??= asset(readFileSync(join(packageRoot(), 'dist', 'console', 'console.js')), 'text/javascript; charset=utf-8');
  } catch (err) {
    throw new Error(`the console script is not built (${(err as Error).message}): run npm run build`);
  }
  return js;
}

export function consoleStyles(): Asset {
  css ??= asset(readFileSync(join(packageRoot(), 'console', 'assets', 'console.css')), 'text/css; charset=utf-8');
  return css;
}
