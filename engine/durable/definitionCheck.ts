import { StepFunctionsError } from './apiErrors';

const TYPES = new Set(['Pass', 'Task', 'Choice', 'Wait', 'Succeed', 'Fail', 'Parallel', 'Map']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function invalid(path: string, message: string): never {
  throw new StepFunctionsError('InvalidDefinition', `Invalid State Machine Definition: '${path}: ${message}'`);
}

/** The structural checks the engine needs to run a machine: states exist, types are known, transitions resolve. */
function checkMachine(m: unknown, at: string): void {
  if (!isObject(m)) invalid(at || '(root)', 'must be an object');
  const states = m.States;
  if (!isObject(states) || Object.keys(states).length === 0) invalid(`${at}States`, 'must be a non-empty object');
  if (typeof m.StartAt !== 'string') invalid(`${at}StartAt`, 'is required');
  if (!(m.StartAt in states)) invalid(`${at}StartAt`, `names no state ('${m.StartAt}')`);
  for (const [name, s] of Object.entries(states)) {
    const p = `${at}States.${name}`;
    if (!isObject(s)) invalid(p, 'must be an object');
    if (typeof s.Type !== 'string' || !TYPES.has(s.Type)) invalid(`${p}.Type`, `must be one of ${[...TYPES].join(', ')}`);
    if (s.Next !== undefined && (typeof s.Next !== 'string' || !(s.Next in states))) invalid(`${p}.Next`, `names no state ('${String(s.Next)}')`);
    const terminal = s.Type === 'Choice' || s.Type === 'Succeed' || s.Type === 'Fail';
    if (!terminal && s.Next === undefined && s.End !== true) invalid(p, 'needs Next or End: true');
    if (s.Type === 'Task' && typeof s.Resource !== 'string') invalid(`${p}.Resource`, 'is required');
    if (s.Type === 'Choice') {
      if (!Array.isArray(s.Choices) || s.Choices.length === 0) invalid(`${p}.Choices`, 'must be a non-empty array');
      s.Choices.forEach((c: unknown, i: number) => {
        if (!isObject(c) || typeof c.Next !== 'string' || !(c.Next in states)) invalid(`${p}.Choices[${i}].Next`, 'names no state');
      });
      if (s.Default !== undefined && (typeof s.Default !== 'string' || !(s.Default in states))) invalid(`${p}.Default`, 'names no state');
    }
    if (Array.isArray(s.Catch))
      s.Catch.forEach((c: unknown, i: number) => {
        if (!isObject(c) || typeof c.Next !== 'string' || !(c.Next in states)) invalid(`${p}.Catch[${i}].Next`, 'names no state');
      });
    if (s.Type === 'Parallel') {
      if (!Array.isArray(s.Branches) || s.Branches.length === 0) invalid(`${p}.Branches`, 'must be a non-empty array');
      s.Branches.forEach((b: unknown, i: number) => checkMachine(b, `${p}.Branches[${i}].`));
    }
    if (s.Type === 'Map') {
      const proc = s.ItemProcessor ?? s.Iterator;
      if (proc === undefined) invalid(`${p}.ItemProcessor`, 'is required');
      checkMachine(proc, `${p}.${s.ItemProcessor === undefined ? 'Iterator' : 'ItemProcessor'}.`);
    }
  }
}

/** Refuses a definition the engine cannot run, naming the state and field (InvalidDefinition). */
export function validateDefinitionText(text: string): object {
  let def: unknown;
  try {
    def = JSON.parse(text);
  } catch (err) {
    invalid('(root)', `not valid JSON (${err instanceof Error ? err.message : 'parse error'})`);
  }
  checkMachine(def, '');
  return def as object;
}
