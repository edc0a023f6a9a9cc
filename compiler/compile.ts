import { createHash } from 'node:crypto';
import type { CompiledWorkflow } from '../schemas/artifacts';
import type { Diagnostic } from '../schemas/diagnostic';
import { WorkflowSchema } from '../schemas/workflow';
import { checkSteps } from './checkSteps';
import { checkValue } from './checkValues';
import { checkTrigger } from './checkTrigger';
import { emitAsl, tasksUsed } from './emitAsl';
import { emitTrigger, resourceName } from './emitTrigger';
import { MAX_DEFINITION_BYTES } from '../schemas/quotas';
import { unreachableStates } from './reachability';
import { waitlessCycles } from './waitlessCycles';
import { Reporter } from './reporter';
import { checkSchema, isRecord } from './schemaDiagnostics';
import { COMPILER_VERSION } from './version';
import { parseYamlSource } from './yamlSource';

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
  const src = parseYamlSource(source);
  const reporter = new Reporter(fileName, src);
  for (const e of src.doc.errors) {
    reporter.error([], e.message.split('\n')[0] ?? e.message, { code: 'yaml', position: src.lineCounter.linePos(yamlErrorOffset(source, e.message, e.pos[0])) });
  }
  for (const w of src.doc.warnings) reporter.warning([], w.message.split('\n')[0] ?? w.message, { code: 'yaml', position: src.lineCounter.linePos(w.pos[0]) });
  const root = src.value;
  const schemaOk = checkSchema(root, reporter);
  if (!isRecord(root)) return { diagnostics: reporter.sorted() };
  // Semantic checks run on malformed input too, so one run reports every problem.
  const steps = checkSteps(root, reporter);
  const facts = checkTrigger(root, reporter);
  // The key is computed before any step has run: only $event (and $states) exist then.
  if (isRecord(root.correlation)) checkValue(root.correlation.key, ['correlation', 'key'], reporter, { visible: new Set(['event', 'states']), elsewhere: new Map() });
  if (!schemaOk) return { diagnostics: reporter.sorted() };

  // The schema holds, so the ASL can be built even with other errors: reachability is checked on it.
  const wf = WorkflowSchema.parse(root);
  const where = wf.trigger && 'fhir' in wf.trigger && wf.trigger.fhir.where !== undefined && facts.where ? { expression: wf.trigger.fhir.where, analysis: facts.where } : undefined;
  const definition = emitAsl(wf, where ? { where } : {});
  for (const name of unreachableStates(definition)) {
    const step = steps.find((s) => s.id === name);
    if (step) reporter.error([...step.path, 'id'], `step '${name}' can never run: no step goes to it`, { code: 'unreachable' });
  }
  for (const cycle of waitlessCycles(definition)) {
    // Reported at the first of its steps in source order; compiler-added states (`x.item`) are not steps.
    const members = steps.filter((st) => st.id !== undefined && cycle.includes(st.id));
    const first = members[0];
    if (first) {
      const names = members.map((m) => `'${m.id}'`).join(', ');
      reporter.warning([...first.path, 'id'], `steps ${names} loop with no wait, call or await on the loop: unless a condition leaves it, the execution fails at AWS's 25 000 history events`, { code: 'waitless-loop' });
    }
  }
  const definitionBytes = Buffer.byteLength(JSON.stringify(definition), 'utf8');
  if (definitionBytes > MAX_DEFINITION_BYTES) {
    reporter.error([], `the compiled state machine is ${definitionBytes} bytes: over AWS's 1 MB definition quota (${MAX_DEFINITION_BYTES} bytes); split the workflow`, { code: 'definition-size' });
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
