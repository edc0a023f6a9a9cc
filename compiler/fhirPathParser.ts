import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

type Parse = (expression: string) => unknown;

let parse: Parse | undefined;

/**
 * FHIRPath's parser, loaded on first use and on its own. The compiler only parses `where`
 * conditions, and fhirpath's entry point also loads its evaluator with the UCUM tables (~90 ms of a
 * `clinflow validate` start). The package's exports map has no entry for its parser, so it is
 * required by path beside the entry point; if a later fhirpath moves it, the full package's
 * `parse` (the same function) is used. compiler/fhirPathParser.test.ts checks both give the same
 * trees.
 */
export function parseFhirPath(expression: string): unknown {
  parse ??= load();
  return parse(expression);
}

function load(): Parse {
  const require = createRequire(import.meta.url);
  try {
    const parser = require(join(dirname(require.resolve('fhirpath')), 'parser', 'index.js')) as { parse?: Parse };
    if (typeof parser.parse === 'function') return parser.parse;
  } catch {
    // moved or renamed in this fhirpath version: fall back to the package's own entry point
  }
  return (require('fhirpath') as { parse: Parse }).parse;
}
