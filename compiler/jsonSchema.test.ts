import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
// A draft-07 validator, as editors use (installed with asl-validator, already a dependency).
import Ajv from 'ajv';
import { taskCatalogue } from '../tasks/catalogue';
import { workflowJsonSchema } from './jsonSchema';

const ROOT = join(__dirname, '..');
const schema = JSON.parse(workflowJsonSchema()) as { definitions: { Step: { anyOf: { properties: Record<string, { enum?: string[]; enumDescriptions?: string[] }> }[] } } };
const validate = new Ajv({ strict: false, allErrors: true, validateFormats: false }).compile(schema);

const wf = (step: Record<string, unknown>) => ({ workflow: 'w', version: 1, steps: [{ id: 'a', ...step }] });

describe('editor schema: task names and their inputs', () => {
  it('offers every task a call: step may name, with its purpose', () => {
    const call = schema.definitions.Step.anyOf.find((s) => s.properties.call)!.properties.call!;
    const callable = [...taskCatalogue.values()].filter((s) => !s.callback);
    expect(call.enum).toEqual(callable.map((s) => s.name).sort());
    expect(call.enum).not.toContain('tasks.await');
    expect(call.enumDescriptions?.[call.enum!.indexOf('fhir.read')]).toBe(taskCatalogue.get('fhir.read')?.description);
  });

  it('accepts every shipped workflow', () => {
    for (const f of readdirSync(join(ROOT, 'workflows')).filter((n) => /^[^.]+\.yaml$/.test(n))) {
      const ok = validate(parse(readFileSync(join(ROOT, 'workflows', f), 'utf8')));
      expect({ f, ok, errors: ok ? null : validate.errors }).toEqual({ f, ok: true, errors: null });
    }
  });

  it("checks with: against the chosen task's inputs, allowing expressions and templates", () => {
    expect(validate(wf({ call: 'fhir.search', with: { resourceType: 'Task', maxPages: 5 } }))).toBe(true);
    expect(validate(wf({ call: 'fhir.search', with: { resourceType: 'Task', maxPages: '{% $n %}' } }))).toBe(true);
    expect(validate(wf({ call: 'fhir.search', with: '{% $event.detail %}' }))).toBe(true);
    expect(validate(wf({ call: 'notify.send', with: { recipient: 'Patient/1', body: 'Hello {% $p.name %}' } }))).toBe(true);
    // A wrong literal type, a missing required input, an unknown task.
    expect(validate(wf({ call: 'fhir.search', with: { resourceType: 'Task', maxPages: 'many' } }))).toBe(false);
    expect(validate.errors?.some((e) => e.instancePath === '/steps/0/with/maxPages')).toBe(true);
    expect(validate(wf({ call: 'fhir.read', with: { server: 'main' } }))).toBe(false);
    expect(validate(wf({ call: 'fhir.raed', with: { reference: 'Patient/1' } }))).toBe(false);
    expect(validate(wf({ call: 'tasks.await', with: { description: 'x' } }))).toBe(false);
  });
});
