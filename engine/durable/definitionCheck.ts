import { ValidationError } from '../../schemas/errors';
import { validateDefinition } from '../asl/validateDefinition';

/**
 * Refuses a definition that is not valid ASL with AWS's error name (`InvalidDefinition`) and every
 * issue naming its state and field (`States.A.Next: …`), as CreateStateMachine does.
 */
export function validateDefinitionText(text: string): object {
  let def: unknown;
  try {
    def = JSON.parse(text);
  } catch (err) {
    throw new ValidationError('InvalidDefinition', [{ path: '', message: `the definition is not valid JSON (${err instanceof Error ? err.message : 'parse error'})` }]);
  }
  const issues = validateDefinition(def);
  if (issues.length) throw new ValidationError('InvalidDefinition', issues);
  return def as object;
}
