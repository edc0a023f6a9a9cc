/**
 * What a target receives, per AWS's rules: the whole event by default, a constant `Input`, the
 * value at `InputPath`, or an `InputTransformer` (InputPathsMap + InputTemplate). In the template a
 * placeholder inside a JSON string gets the value as text; anywhere else it gets the value as JSON.
 * A path missing from the event yields null (as JSON) or empty text (inside a string).
 */
import type { InputTransformer, Target } from '@aws-sdk/client-eventbridge';
import { PathNotFoundError, readPath } from '../asl/jsonpath';
import { ApiError } from '../../schemas/errors';

export interface TransformContext {
  ruleName: string;
  ruleArn: string;
  /** Epoch ms when the bus accepted the event. */
  ingestionTime: number;
}

/** A target's input could not be built; not retryable (the event and target will not change). */
export class InputTransformationError extends ApiError {
  constructor(message: string) {
    super('InputTransformationException', message);
  }
}

export const MAX_INPUT_PATHS = 100;
const KEY = /^[A-Za-z0-9_-]+$/;

function read(event: unknown, path: string): unknown {
  try {
    return readPath(event, path);
  } catch (err) {
    if (err instanceof PathNotFoundError) return undefined;
    throw new InputTransformationError(`Invalid JSONPath ${JSON.stringify(path)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Checks a target's input settings as PutTargets does; returns a problem or undefined. */
export function checkTargetInput(target: Target): string | undefined {
  const set = [target.Input, target.InputPath, target.InputTransformer].filter((x) => x !== undefined).length;
  if (set > 1) return 'Only one of Input, InputPath, or InputTransformer can be specified for a target.';
  if (target.Input !== undefined) {
    try {
      JSON.parse(target.Input);
    } catch {
      return 'Input is not valid JSON text.';
    }
  }
  if (target.InputPath !== undefined && !target.InputPath.startsWith('$')) return `InputPath ${JSON.stringify(target.InputPath)} is not a valid JSONPath.`;
  const t = target.InputTransformer;
  if (t) {
    if (typeof t.InputTemplate !== 'string') return 'InputTransformer.InputTemplate is required.';
    const entries = Object.entries(t.InputPathsMap ?? {});
    if (entries.length > MAX_INPUT_PATHS) return `InputPathsMap has ${entries.length} entries; the maximum is ${MAX_INPUT_PATHS}.`;
    for (const [k, v] of entries) {
      if (k.startsWith('aws.events')) return `InputPathsMap key ${JSON.stringify(k)} uses the reserved prefix aws.events.`;
      if (!KEY.test(k)) return `InputPathsMap key ${JSON.stringify(k)} must match [A-Za-z0-9_-]+.`;
      if (typeof v !== 'string' || !v.startsWith('$')) return `InputPathsMap value for ${k} is not a valid JSONPath.`;
    }
  }
  return undefined;
}

function asText(value: unknown): string {
  if (value === undefined) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** Substitutes `<name>` placeholders, tracking whether each sits inside a JSON string literal. */
export function applyInputTransformer(transformer: InputTransformer, event: Record<string, unknown>, ctx: TransformContext): string {
  const values = new Map<string, unknown>();
  for (const [k, path] of Object.entries(transformer.InputPathsMap ?? {})) values.set(k, read(event, path));
  const reserved: Record<string, unknown> = {
    'aws.events.rule-arn': ctx.ruleArn,
    'aws.events.rule-name': ctx.ruleName,
    'aws.events.event.ingestion-time': new Date(ctx.ingestionTime).toISOString(),
    'aws.events.event': event,
    'aws.events.event.json': event,
  };
  const template = transformer.InputTemplate ?? '';
  let out = '';
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i] as string;
    if (c === '\\' && inString) {
      out += c + (template[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') inString = !inString;
    if (c === '<') {
      const end = template.indexOf('>', i + 1);
      const name = end > i ? template.slice(i + 1, end) : '';
      const known = values.has(name) || name in reserved;
      if (known) {
        const value = values.has(name) ? values.get(name) : reserved[name];
        if (inString) {
          const text = asText(value);
          out += JSON.stringify(text).slice(1, -1);
        } else out += value === undefined ? 'null' : JSON.stringify(value);
        i = end;
        continue;
      }
    }
    out += c;
  }
  return out;
}

/** The JSON text a target receives for one event. */
export function targetInput(target: Target, event: Record<string, unknown>, ctx: TransformContext): string {
  if (target.Input !== undefined) return target.Input;
  if (target.InputPath !== undefined) {
    const v = read(event, target.InputPath);
    return v === undefined ? 'null' : JSON.stringify(v);
  }
  if (target.InputTransformer) return applyInputTransformer(target.InputTransformer, event, ctx);
  return JSON.stringify(event);
}
