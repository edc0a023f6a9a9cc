import { z } from 'zod';
import { WorkflowSchema } from '../schemas/workflow';

/** The editor JSON Schema (draft-07, what VS Code's YAML extension reads) for workflow files. */
export function workflowJsonSchema(): string {
  const schema = z.toJSONSchema(WorkflowSchema, { target: 'draft-7', io: 'input', unrepresentable: 'any' });
  const out = { ...schema, $id: 'https://clinflow.dev/schemas/workflow.schema.json', title: 'clinflow workflow (version 1)' };
  return `${JSON.stringify(out, null, 2)}\n`;
}
