import * as z from 'zod';
import { WorkflowSchema } from '../schemas/workflow';
import { taskCatalogue } from '../tasks/catalogue';

type Json = Record<string, unknown>;

const EXPRESSION_OR_TEMPLATE = { type: 'string', pattern: '\\{%', description: 'a JSONata expression "{% … %}" or a template with one' };

/** A task's inputs for the editor: each literal type, or an expression / template computing it. */
function taskWith(input: z.ZodType): Json {
  const s = z.toJSONSchema(input, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Json;
  const props = Object.fromEntries(
    Object.entries((s.properties as Record<string, Json> | undefined) ?? {}).map(([name, p]) => {
      const { description, ...type } = p;
      return [name, { ...(description !== undefined ? { description } : {}), anyOf: [type, EXPRESSION_OR_TEMPLATE] }];
    }),
  );
  const required = ((s.required as string[] | undefined) ?? []).filter((k) => !('default' in ((s.properties as Record<string, Json>)[k] ?? {})));
  return { type: 'object', properties: props, ...(required.length ? { required } : {}) };
}

/**
 * The call step offers the catalogue's task names (with their purpose) and, once a task is chosen,
 * its inputs under `with:` (draft-07 if/then per task). Tasks that wait for a person are left out:
 * the compiler refuses them in `call:` (they are `await:` steps).
 */
function offerTasks(schema: Json): void {
  const steps = ((schema.definitions as Record<string, Json> | undefined)?.Step?.anyOf ?? []) as Json[];
  const call = steps.find((s) => (s.properties as Json | undefined)?.call !== undefined);
  if (!call) throw new Error('the workflow schema has no call step');
  const specs = [...taskCatalogue.values()].filter((s) => !s.callback).sort((a, b) => a.name.localeCompare(b.name));
  const props = call.properties as Record<string, Json>;
  props.call = {
    description: 'the task to call (docs/tasks.md describes each)',
    enum: specs.map((s) => s.name),
    // yaml-language-server and VS Code show these beside the completions.
    enumDescriptions: specs.map((s) => s.description),
  };
  call.allOf = specs.map((s) => ({
    if: { properties: { call: { const: s.name } }, required: ['call'] },
    then: { properties: { with: { anyOf: [taskWith(s.literalInput ?? s.input), EXPRESSION_OR_TEMPLATE] } } },
  }));
}

/** The editor JSON Schema (draft-07, what VS Code's YAML extension reads) for workflow files. */
export function workflowJsonSchema(): string {
  const schema = z.toJSONSchema(WorkflowSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' }) as Json;
  offerTasks(schema);
  const out = { ...schema, $id: 'https://clinflow.dev/schemas/workflow.schema.json', title: 'clinflow workflow (version 1)' };
  return `${JSON.stringify(out, null, 2)}\n`;
}
