import { createHash } from 'node:crypto';
import type { CompiledWorkflow } from '../schemas/artifacts';
import type { Diagnostic } from '../schemas/diagnostic';
import { checkSteps } from './checkSteps';
import { checkValue, knownNames } from './checkValues';
import { checkTrigger } from './checkTrigger';
import { emitAsl, tasksUsed } from './emitAsl';
import { emitTrigger, resourceName } from './emitTrigger';
import { MAX_DEFINITION_BYTES } from '../schemas/quotas';
import { unreachableStates } from './reachability';
import { waitlessCycles } from './waitlessCycles';
import { Reporter } from './reporter';
import { checkSchema, isRecord } from './schemaDiagnostics';
import { COMPILER_VERSION } from './version';
import { withParseCache } from './expressions';
import { parseYamlSource, type PathSegment } from './yamlSource';
import { SOURCE_LIMITS } from './limits';
import { collectSteps, type StepInfo } from './walkSteps';

/**
 * The yaml parser reports an unclosed quote where the file ends; the mistake is the opening quote,
 * which is the last quote of that kind before the end (everything after it is inside the string).
 */
function yamlErrorOffset(source: string, message: string, offset: number): number {
  const m = /^Missing closing (["'])quote/.exec(message);
  if (!m?.[1]) return offset;
  const open = source.lastIndexOf(m[1], offset - 1);
  return open >= 0 ? open : offset;
}

/**
 * What to point at when the definition is too large: the description (the state machine's Comment)
 * or the step whose state (with the states nested in it) is largest. Measured only when over.
 */
function largestPart(definition: Record<string, unknown>, stepNamed: (name: string) => StepInfo | undefined): { path: PathSegment[]; what: string; bytes: number; advice: string } {
  const size = (v: unknown) => Buffer.byteLength(JSON.stringify(v) ?? '', 'utf8');
  let best: { path: PathSegment[]; what: string; bytes: number; advice: string } = { path: [], what: 'the workflow', bytes: 0, advice: 'split the workflow' };
  if (typeof definition.Comment === 'string') best = { path: ['description'], what: 'the description', bytes: size(definition.Comment), advice: 'shorten it' };
  for (const [name, state] of Object.entries((definition.States ?? {}) as Record<string, unknown>)) {
    const step = stepNamed(name);
    const bytes = size(state);
    if (step && bytes > best.bytes) best = { path: step.path, what: `step '${name}'`, bytes, advice: 'shorten it, or split the workflow' };
  }
  return best;
}

export interface CompileResult {
  /** Every problem found, sorted by position; errors and warnings. */
  diagnostics: Diagnostic[];
  /** Present when there is no error. */
  artifact?: CompiledWorkflow;
}

/**
 * YAML text → diagnostics and, when clean, the compiled workflow. Pure: no I/O, no clock; the same
 * input always gives the same output (objects are built in a fixed key order).
 */
export function compile(source: string, fileName: string): CompileResult {
  return withParseCache(() => compileSource(source, fileName));
}

/** A file over the size limit, refused before parsing, at the line and column where it crosses the limit. */
function tooLarge(source: string, fileName: string): CompileResult | undefined {
  const bytes = Buffer.byteLength(source, 'utf8');
  if (bytes <= SOURCE_LIMITS.bytes) return undefined;
  const at = Buffer.from(source, 'utf8').subarray(0, SOURCE_LIMITS.bytes).toString('utf8').length;
  const lineStart = source.lastIndexOf('\n', at - 1) + 1;
  let line = 1;
  for (let i = source.indexOf('\n'); i >= 0 && i < lineStart; i = source.indexOf('\n', i + 1)) line++;
  const message = `the file is ${bytes} bytes, over the limit of ${SOURCE_LIMITS.bytes} bytes (4 MiB) for a workflow file (it crosses it here); a workflow that size could never fit AWS's 1 MB definition quota: split it`;
  return { diagnostics: [{ file: fileName, line, col: at - lineStart + 1, severity: 'error', path: '', message, code: 'file-size' }] };
}

function compileSource(source: string, fileName: string): CompileResult {
  const refused = tooLarge(source, fileName);
  if (refused) return refused;
  const src = parseYamlSource(source);
  const reporter = new Reporter(fileName, src);
  if (src.refused) reporter.error([], src.refused.message, { code: src.refused.code, position: src.lineCounter.linePos(src.refused.offset) });
  for (const e of src.doc.errors) {
    reporter.error([], e.message.split('\n')[0] ?? e.message, { code: 'yaml', position: src.lineCounter.linePos(yamlErrorOffset(source, e.message, e.pos[0])) });
  }
  for (const w of src.doc.warnings) reporter.warning([], w.message.split('\n')[0] ?? w.message, { code: 'yaml', position: src.lineCounter.linePos(w.pos[0]) });
  const root = src.value;
  if (src.refused) return { diagnostics: reporter.sorted() };
  // Counted before any check: the checks' work grows with the steps.
  const collected = collectSteps(root);
  const over = collected[SOURCE_LIMITS.steps];
  if (over) {
    reporter.error(
      over.path,
      `step ${SOURCE_LIMITS.steps + 1}: a workflow has at most ${SOURCE_LIMITS.steps} steps, nested ones included (AWS's 1 MB definition quota holds no more); split the workflow`,
      { code: 'step-count' },
    );
    return { diagnostics: reporter.sorted() };
  }
  const wf = checkSchema(root, reporter);
  if (!isRecord(root)) return { diagnostics: reporter.sorted() };
  // Semantic checks run on malformed input too, so one run reports every problem.
  const steps = checkSteps(root, reporter, collected);
  const facts = checkTrigger(root, reporter);
  // The key is computed before any step has run: only $event (and $states) exist then.
  if (isRecord(root.correlation)) checkValue(root.correlation.key, ['correlation', 'key'], reporter, knownNames(['event', 'states']));
  if (!wf) return { diagnostics: reporter.sorted() };

  // The schema holds, so the ASL can be built even with other errors: reachability is checked on it.
  const where = wf.trigger && 'fhir' in wf.trigger && wf.trigger.fhir.where !== undefined && facts.where ? { expression: wf.trigger.fhir.where, analysis: facts.where } : undefined;
  const definition = emitAsl(wf, where ? { where } : {});
  // Step ids → their first step and its place in source order (states named by step ids).
  const order = new Map<string, number>();
  steps.forEach((s, i) => s.id !== undefined && !order.has(s.id) && order.set(s.id, i));
  const stepNamed = (name: string) => {
    const i = order.get(name);
    return i === undefined ? undefined : steps[i];
  };
  for (const name of unreachableStates(definition)) {
    const step = stepNamed(name);
    if (step) reporter.error([...step.path, 'id'], `step '${name}' can never run: no step goes to it`, { code: 'unreachable' });
  }
  for (const cycle of waitlessCycles(definition)) {
    // Reported at the first of its steps in source order; compiler-added states (`x.item`) are not steps.
    const members = cycle
      .filter((name) => order.has(name))
      .sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0))
      .flatMap((name) => stepNamed(name) ?? []);
    const first = members[0];
    if (first) {
      const names = members.map((m) => `'${m.id}'`).join(', ');
      reporter.warning([...first.path, 'id'], `steps ${names} loop with no wait, call or await on the loop: unless a condition leaves it, the execution fails at AWS's 25 000 history events`, {
        code: 'waitless-loop',
      });
    }
  }
  const definitionBytes = Buffer.byteLength(JSON.stringify(definition), 'utf8');
  if (definitionBytes > MAX_DEFINITION_BYTES) {
    const largest = largestPart(definition, stepNamed);
    reporter.error(
      largest.path,
      `the compiled state machine is ${definitionBytes} bytes, over AWS's 1 MB definition quota (${MAX_DEFINITION_BYTES} bytes); its largest part is ${largest.what} (${largest.bytes} bytes): ${largest.advice}`,
      {
        code: 'definition-size',
      },
    );
  }
  if (reporter.hasErrors) return { diagnostics: reporter.sorted() };

  const routingAttributes: Record<string, string[]> = {};
  if (wf.trigger && 'fhir' in wf.trigger && where) {
    const attrs = Object.keys(where.analysis.filters).sort();
    if (attrs.length) routingAttributes[wf.trigger.fhir.resource] = attrs;
  }
  const artifact: CompiledWorkflow = {
    name: wf.workflow,
    ...(wf.description !== undefined ? { description: wf.description } : {}),
    stateMachineName: resourceName(wf),
    definition,
    trigger: emitTrigger(wf, where?.analysis),
    manifest: {
      workflow: wf.workflow,
      version: wf.version,
      sourceHash: createHash('sha256').update(source).digest('hex'),
      compilerVersion: COMPILER_VERSION,
      tasks: tasksUsed(wf, where !== undefined && !where.analysis.exact),
      routingAttributes,
    },
  };
  return { diagnostics: reporter.sorted(), artifact };
}
