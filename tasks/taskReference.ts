import * as z from 'zod';
import type { TaskSpec } from '../schemas/task';

/**
 * A task's contract in words, read from its spec (tasks/<group>/specs.ts): what docs/tasks.md,
 * `clinflow tasks describe` and the editor schema show. Pure.
 */
export interface TaskInputDoc {
  name: string;
  type: string;
  required: boolean;
  /** The default, as JSON, when the spec gives one. */
  default?: string;
  description?: string;
}

export interface TaskReference {
  name: string;
  purpose: string;
  inputs: TaskInputDoc[];
  /** Output fields (for an object output) or one line with the output's type. */
  output: TaskInputDoc[] | string;
  errors: readonly string[];
  idempotent?: { safe: boolean; how: string };
  fhirInteractions?: readonly string[];
  compilerOnly: boolean;
  /** Parks the execution until a person acts (await: steps). */
  callback: boolean;
}

type Json = Record<string, unknown>;

/** The input (or output) JSON Schema of a zod type, as the editor and the docs see it. */
export function taskJsonSchema(t: z.ZodType, io: 'input' | 'output'): Json {
  return z.toJSONSchema(t, { target: 'draft-7', io, unrepresentable: 'any' });
}

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A JSON Schema as a short type a person reads: `string`, `integer 1–100`, `"routine" | "stat"`, `string[]`. */
export function typeText(s: unknown): string {
  if (!isObj(s) || Object.keys(s).filter((k) => k !== 'description' && k !== 'default').length === 0) return 'any';
  const alts = (s.anyOf ?? s.oneOf) as unknown[] | undefined;
  if (alts) return alts.map(typeText).join(' | ');
  if ('const' in s) return JSON.stringify(s.const);
  if (Array.isArray(s.enum)) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (Array.isArray(s.type)) return s.type.map((t) => typeText({ ...s, type: t })).join(' | ');
  switch (s.type) {
    case 'string':
      return s.format === 'date-time' ? 'string (ISO 8601 date-time)' : 'string';
    case 'integer':
    case 'number': {
      // zod writes the safe-integer range for a bare int(); it says nothing to a person.
      const big = (n: unknown) => typeof n === 'number' && Math.abs(n) >= Number.MAX_SAFE_INTEGER;
      const min = big(s.minimum) ? undefined : (s.minimum as number | undefined);
      const max = big(s.maximum) ? undefined : (s.maximum as number | undefined);
      if (min !== undefined && max !== undefined) return `${s.type} ${min}–${max}`;
      const bounds = [min !== undefined ? `≥ ${min}` : '', s.exclusiveMinimum !== undefined ? `> ${String(s.exclusiveMinimum)}` : '', max !== undefined ? `≤ ${max}` : ''].filter(Boolean);
      return bounds.length ? `${s.type} ${bounds.join(', ')}` : String(s.type);
    }
    case 'boolean':
    case 'null':
      return s.type;
    case 'array': {
      const item = typeText(s.items);
      return item.includes(' | ') ? `(${item})[]` : `${item}[]`;
    }
    case 'object': {
      const props = isObj(s.properties) ? s.properties : undefined;
      const req = new Set((s.required as string[] | undefined) ?? []);
      if (props && Object.keys(props).length) {
        const fields = Object.entries(props).map(([k, v]) => (isObj(v) && 'const' in v ? `${k}: ${JSON.stringify(v.const)}` : `${k}${req.has(k) ? '' : '?'}`));
        const open = s.additionalProperties === undefined || (isObj(s.additionalProperties) && Object.keys(s.additionalProperties).length === 0);
        return `object {${fields.join(', ')}${open ? ', …' : ''}}`;
      }
      if (isObj(s.additionalProperties) && Object.keys(s.additionalProperties).length) return `map of name → ${typeText(s.additionalProperties)}`;
      return 'object';
    }
    default:
      return 'any';
  }
}

function fields(schema: Json): TaskInputDoc[] | undefined {
  if (schema.type !== 'object' || !isObj(schema.properties)) return undefined;
  const req = new Set((schema.required as string[] | undefined) ?? []);
  return Object.entries(schema.properties).map(([name, p]) => {
    const prop = isObj(p) ? p : {};
    return {
      name,
      type: typeText(prop),
      // A field with a default is optional to the author, whatever zod's output type says.
      required: req.has(name) && !('default' in prop),
      ...('default' in prop ? { default: JSON.stringify(prop.default) } : {}),
      ...(typeof prop.description === 'string' ? { description: prop.description } : {}),
    };
  });
}

export function taskReference(spec: TaskSpec): TaskReference {
  const input = taskJsonSchema(spec.input, 'input');
  const output = taskJsonSchema(spec.output, 'output');
  return {
    name: spec.name,
    purpose: spec.description,
    inputs: fields(input) ?? [],
    output: fields(output) ?? typeText(output),
    errors: [...new Set(spec.errors)],
    ...(spec.idempotent ? { idempotent: spec.idempotent } : {}),
    ...(spec.fhirInteractions ? { fhirInteractions: spec.fhirInteractions } : {}),
    compilerOnly: spec.compilerOnly === true,
    callback: spec.callback === true,
  };
}

/** One task for the terminal (`clinflow tasks describe NAME`). */
export function taskReferenceText(r: TaskReference): string {
  const table = (rows: TaskInputDoc[]) => {
    const w = Math.max(...rows.map((x) => x.name.length));
    return rows
      .map(
        (x) =>
          `  ${x.name.padEnd(w)}  ${x.type}${x.required ? ' (required)' : ''}${x.default !== undefined ? ` (default ${x.default})` : ''}${x.description ? `\n  ${' '.repeat(w)}  ${x.description}` : ''}`,
      )
      .join('\n');
  };
  const lines = [`${r.name}: ${r.purpose}`];
  if (r.compilerOnly) lines.push(r.callback ? 'Used through an await: step, not call:.' : 'Added by the compiler; workflows do not call it.');
  lines.push('', 'Inputs:', r.inputs.length ? table(r.inputs) : '  none');
  lines.push('', 'Output:', typeof r.output === 'string' ? `  ${r.output}` : table(r.output));
  lines.push('', `Errors: ${r.errors.length ? r.errors.join(', ') : 'none of its own'}`);
  lines.push(`Idempotent: ${r.idempotent ? `${r.idempotent.safe ? 'yes' : 'no'}: ${r.idempotent.how}` : 'not stated'}`);
  lines.push(`FHIR interactions: ${r.fhirInteractions ? (r.fhirInteractions.length ? `\n${r.fhirInteractions.map((f) => `  - ${f}`).join('\n')}` : 'none') : 'not stated'}`);
  return `${lines.join('\n')}\n`;
}

/** A Markdown table cell: `|` would end the cell and a newline the row. */
function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function mdTable(rows: TaskInputDoc[], withRequired: boolean): string[] {
  const head = withRequired ? ['| input | type | required | default | description |', '| --- | --- | --- | --- | --- |'] : ['| field | type | description |', '| --- | --- | --- |'];
  return [
    ...head,
    ...rows.map((x) =>
      withRequired
        ? `| \`${x.name}\` | ${cell(x.type)} | ${x.required ? 'yes' : 'no'} | ${x.default !== undefined ? `\`${cell(x.default)}\`` : ''} | ${cell(x.description ?? '')} |`
        : `| \`${x.name}\` | ${cell(x.type)} | ${cell(x.description ?? '')} |`,
    ),
  ];
}

/** docs/tasks.md: every task of the catalogue, generated (`npm run docs`); a test keeps it in sync. */
export function taskReferenceMarkdown(catalogue: ReadonlyMap<string, TaskSpec>): string {
  const refs = [...catalogue.values()].map(taskReference).sort((a, b) => a.name.localeCompare(b.name));
  const out = [
    '# Task reference',
    '',
    '<!-- Generated from tasks/catalogue.ts and tasks/*/specs.ts by `npm run docs`. Do not edit: a test fails when this file and the catalogue differ. -->',
    '',
    "Every task a workflow step can `call:`, with its inputs (`with:`), its output (the step's `$<id>`), the errors",
    'it raises (names a `retry:` or `catch:` can list), whether a repeated call is safe, and the FHIR interactions it',
    'makes. The same list is in the terminal (`clinflow tasks describe NAME`) and in the editor schema. Any task can',
    "also fail with `States.TaskFailed` (an unexpected error), `States.Timeout` (the step's `timeout:`) and",
    '`States.HeartbeatTimeout`.',
    '',
    '| task | purpose |',
    '| --- | --- |',
    ...refs.map((r) => `| [\`${r.name}\`](#${r.name.replace(/\./g, '')}) | ${cell(r.purpose)}${r.compilerOnly ? (r.callback ? ' *(through `await:`)*' : ' *(added by the compiler)*') : ''} |`),
  ];
  for (const r of refs) {
    out.push('', `## ${r.name}`, '', r.purpose, '');
    if (r.compilerOnly) out.push(r.callback ? 'Used through an `await:` step, not `call:`.' : 'Added by the compiler; workflows do not call it.', '');
    out.push(`- **Idempotent:** ${r.idempotent ? `${r.idempotent.safe ? 'yes' : 'no'}: ${r.idempotent.how}` : 'not stated'}`);
    out.push(`- **FHIR interactions:** ${r.fhirInteractions ? (r.fhirInteractions.length ? r.fhirInteractions.join('; ') : 'none') : 'not stated'}`);
    out.push(`- **Errors:** ${r.errors.length ? r.errors.map((e) => `\`${e}\``).join(', ') : 'none of its own'}`);
    out.push('', '**Inputs**', '', ...(r.inputs.length ? mdTable(r.inputs, true) : ['none']));
    out.push('', '**Output**', '', ...(typeof r.output === 'string' ? [cell(r.output)] : mdTable(r.output, false)));
  }
  return `${out.join('\n')}\n`;
}
