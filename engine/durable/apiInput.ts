/** Checks of the Step Functions API's inputs, in AWS's wording: every refusal is a StepFunctionsError or a ValidationException. */
import { MAX_DEFINITION_BYTES } from '../interpreter/budgets';
import { StepFunctionsError, validationError } from './apiErrors';

/** AWS's quota on an execution's input and a task's output (256 KiB). */
const MAX_PAYLOAD = 256 * 1024;

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function requireObject(input: unknown, op: string): Record<string, unknown> {
  if (!isObject(input)) throw validationError('', `${op} expects an object`);
  return input;
}

export function requireString(input: Record<string, unknown>, field: string): string {
  const v = input[field];
  if (typeof v !== 'string' || v === '') throw validationError(field, 'is required and must be a non-empty string');
  return v;
}

export function optionalString(input: Record<string, unknown>, field: string, max = Infinity): string | undefined {
  const v = input[field];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw validationError(field, 'must be a string');
  if (v.length > max) throw validationError(field, `must be at most ${max} characters`);
  return v;
}

export function parseJsonText(text: string, error: 'InvalidExecutionInput' | 'InvalidOutput', what: string): unknown {
  if (Buffer.byteLength(text, 'utf8') > MAX_PAYLOAD) throw new StepFunctionsError(error, `${what} exceeds the maximum size of 262144 bytes`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StepFunctionsError(error, `${what} is not valid JSON`);
  }
}

/** AWS's hard quota on a definition (1 MB); AWS refuses a larger one with a validation error. */
export function checkDefinitionSize(definition: string): void {
  const bytes = Buffer.byteLength(definition, 'utf8');
  if (bytes > MAX_DEFINITION_BYTES) throw validationError('definition', `must be at most ${MAX_DEFINITION_BYTES} bytes (the state machine definition quota); it is ${bytes}`);
}

export function encodeToken(cursor: number): string {
  return Buffer.from(JSON.stringify({ c: cursor })).toString('base64url');
}

export function decodeToken(token: unknown): number | undefined {
  if (token === undefined || token === null) return undefined;
  try {
    const c = (JSON.parse(Buffer.from(String(token), 'base64url').toString('utf8')) as { c?: unknown }).c;
    if (typeof c === 'number' && Number.isInteger(c)) return c;
  } catch {
    // fall through
  }
  throw new StepFunctionsError('InvalidToken', 'Invalid pagination token');
}

export function pageSize(v: unknown, dflt: number): number {
  if (v === undefined || v === null || v === 0) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 1000) throw validationError('maxResults', 'must be an integer between 0 and 1000');
  return v;
}
