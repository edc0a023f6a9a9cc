import * as z from 'zod';
import type { TaskSpec } from '../../schemas/task';

/**
 * Evaluates a FHIRPath condition on a resource. The compiler emits it in the guard state of a FHIR
 * trigger whose `where` the EventBridge pattern can't decide alone (ASL has no FHIRPath).
 */
export const fhirpathTest = {
  name: 'fhirpath.test',
  description: 'Evaluate a FHIRPath boolean expression (FHIR R4 model) on a resource: matches is true when it yields true.',
  input: z.object({
    resource: z.looseObject({ resourceType: z.string() }),
    expression: z.string().min(1),
  }),
  output: z.object({ matches: z.boolean() }),
  errors: ['FHIRPath.Invalid'],
  idempotent: { safe: true, how: 'a pure evaluation' },
  fhirInteractions: [],
  compilerOnly: true,
} satisfies TaskSpec;

export const fhirpathTaskSpecs = [fhirpathTest] as const;
