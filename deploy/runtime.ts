/**
 * The Lambda runtime of the stage's functions: a checked setting. Lambda refuses to create or update
 * functions on a deprecated runtime (block-function-update follows deprecation), so `plan` warns on
 * one and `synth` refuses a runtime it does not know. Dates from Lambda's runtime table,
 * https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
 */
export const DEFAULT_RUNTIME = 'nodejs22.x';
export const SUPPORTED_RUNTIMES: readonly string[] = ['nodejs22.x', 'nodejs24.x'];
/** Deprecated runtime → the date Lambda deprecated it (Node's own end of life). */
export const DEPRECATED_RUNTIMES: Readonly<Record<string, string>> = {
  'nodejs20.x': '2026-04-30',
  'nodejs18.x': '2025-09-01',
  'nodejs16.x': '2024-06-12',
};

/** A warning for a deprecated runtime, undefined for a supported one; throws for an unknown one. */
export function runtimeWarning(runtime: string): string | undefined {
  const deprecated = DEPRECATED_RUNTIMES[runtime];
  if (deprecated) return `runtime ${runtime} was deprecated by Lambda on ${deprecated}: new and updated functions are refused; set lambda.runtime to ${DEFAULT_RUNTIME}`;
  if (!SUPPORTED_RUNTIMES.includes(runtime)) throw new Error(`unknown Lambda runtime ${runtime}: use one of ${SUPPORTED_RUNTIMES.join(', ')}`);
  return undefined;
}
