/**
 * The compiler's own limits on a workflow file, checked before the work they bound. Each is far
 * above what a demanding author writes, and each refusal names the limit at file:line:col.
 * (AWS's 1 MB definition quota, checked on the compiled ASL, is in schemas/quotas.ts.)
 */
export const SOURCE_LIMITS = {
  /**
   * Bytes of YAML: 4 MiB. A file whose compiled state machine fits AWS's 1 MB has far less YAML
   * than that (ASL is larger than the YAML it comes from); the rest of the room is for comments.
   */
  bytes: 4 * 1024 * 1024,
  /**
   * Nested YAML collections (maps and lists): 100. The deepest shipped workflow nests 8; steps
   * inside steps add two or three levels each, a FHIR resource in `with:` about ten.
   */
  depth: 100,
  /**
   * Steps, nested ones included: 10 000. AWS's 1 MB quota holds about that many of the smallest
   * steps, so a larger workflow could never be deployed.
   */
  steps: 10_000,
  /**
   * YAML alias expansion (the `yaml` package's `maxAliasCount`: aliases resolved, weighted by the
   * aliases inside what they refer to): 100. An alias bomb ("billion laughs") passes it at once.
   */
  aliases: 100,
} as const;
