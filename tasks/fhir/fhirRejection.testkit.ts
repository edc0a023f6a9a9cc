/** Test support: the FhirError a promise rejects with (any other outcome fails the test). */
import { FhirError } from '../../schemas/errors';

export async function rejection(p: Promise<unknown>): Promise<FhirError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof FhirError) return e;
    throw e;
  }
  throw new Error('expected a FhirError');
}
