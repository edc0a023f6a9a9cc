import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { WorkflowError } from '../../schemas/errors';
import type { TaskHandler } from '../../schemas/task';
import type { fhirpathTest } from './specs';

/**
 * `fhirpath.test`: true only when the expression yields exactly `[true]` (FHIRPath's rule for
 * conditions: empty and false both mean "no"). Uses the R4 model so choice types (`value.ofType(Quantity)`) work.
 */
export const fhirpathTestHandler: TaskHandler<typeof fhirpathTest> = async (input) => {
  let result: unknown[];
  try {
    result = fhirpath.evaluate(input.resource, input.expression, undefined, r4) as unknown[];
  } catch (e) {
    throw new WorkflowError('FHIRPath.Invalid', `cannot evaluate the expression: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  }
  return { matches: result.length === 1 && result[0] === true };
};
