import * as z from 'zod';
import { WorkflowTestFile } from '../schemas/workflowTest';

/** The editor JSON Schema (draft-07) for `*.test.yaml` files: `clinflow schema --tests`. */
export function workflowTestJsonSchema(): string {
  const schema = z.toJSONSchema(WorkflowTestFile, { target: 'draft-7', io: 'input', unrepresentable: 'any' });
  const out = { ...schema, $id: 'https://clinflow.dev/schemas/workflowTest.schema.json', title: 'clinflow workflow test file' };
  return `${JSON.stringify(out, null, 2)}\n`;
}
