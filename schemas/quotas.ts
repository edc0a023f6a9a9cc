/**
 * AWS Step Functions quotas that both the compiler and the engine enforce (the engine's own
 * budgets are in engine/interpreter/budgets.ts). https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html
 */

/** Maximum size of a state machine definition: 1 MB, a hard quota. */
export const MAX_DEFINITION_BYTES = 1_048_576;
