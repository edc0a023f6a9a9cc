/**
 * The JSONata function set of AWS Step Functions, which the local engine offers exactly and the
 * compiler checks every `$name(…)` call against.
 *
 * AWS, "Transforming data with JSONata in Step Functions"
 * (https://docs.aws.amazon.com/step-functions/latest/dg/transforming-data.html): Step Functions
 * implements the JSONata 2.0.6 specification; every built-in function is supported except `$eval`
 * (use `$parse`), and Step Functions adds `$partition`, `$range`, `$hash`, `$random` (with an
 * optional seed), `$uuid` and `$parse`. There are no user-defined functions.
 */

/** JSONata 2.0.6's built-in library (the functions the `jsonata` package binds), without `$eval`. */
export const JSONATA_LIBRARY_FUNCTIONS = [
  // aggregation
  'sum',
  'count',
  'max',
  'min',
  'average',
  // string
  'string',
  'substring',
  'substringBefore',
  'substringAfter',
  'lowercase',
  'uppercase',
  'length',
  'trim',
  'pad',
  'match',
  'contains',
  'replace',
  'split',
  'join',
  'formatNumber',
  'formatBase',
  'formatInteger',
  'parseInteger',
  'base64encode',
  'base64decode',
  'encodeUrlComponent',
  'encodeUrl',
  'decodeUrlComponent',
  'decodeUrl',
  // numeric
  'number',
  'abs',
  'floor',
  'ceil',
  'round',
  'power',
  'sqrt',
  'random',
  // boolean
  'boolean',
  'not',
  'exists',
  // array, object and higher-order
  'append',
  'reverse',
  'shuffle',
  'distinct',
  'sort',
  'zip',
  'map',
  'filter',
  'single',
  'reduce',
  'sift',
  'keys',
  'lookup',
  'spread',
  'merge',
  'each',
  'error',
  'assert',
  'type',
  'clone',
  // date/time
  'now',
  'millis',
  'fromMillis',
  'toMillis',
] as const;

/** The functions Step Functions adds to JSONata. */
export const STEP_FUNCTIONS_JSONATA_FUNCTIONS = ['partition', 'range', 'hash', 'random', 'uuid', 'parse'] as const;

/** JSONata functions that exist in the library but not on Step Functions, with what to use instead. */
export const UNAVAILABLE_JSONATA_FUNCTIONS: Readonly<Record<string, string>> = { eval: 'parse' };

/** Every function a clinflow expression may call, on both runtimes. */
export const JSONATA_FUNCTIONS: ReadonlySet<string> = new Set<string>([...JSONATA_LIBRARY_FUNCTIONS, ...STEP_FUNCTIONS_JSONATA_FUNCTIONS]);
