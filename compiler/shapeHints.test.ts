import { compile } from './compile';
import { formatDiagnostic, type Diagnostic } from '../schemas/diagnostic';
import { durationHint } from './shapeHints';

const header = 'workflow: t\nversion: 1\n';
const trigger = (fhir: string) => `${header}trigger:\n  fhir: { resource: Observation${fhir} }\nsteps:\n  - { id: a, set: { x: 1 } }\n`;
const step = (body: string) => `${header}steps:\n  - id: a\n${body}`;
const errors = (source: string): Diagnostic[] => compile(source, 't.yaml').diagnostics.filter((d) => d.severity === 'error');
const one = (source: string) => {
  const ds = errors(source);
  expect(ds).toHaveLength(1);
  return ds[0]!;
};

describe('did you mean: common shape mistakes, in plain words with the rewrite', () => {
  it('on: create → on: [create] (a single value where a list goes)', () => {
    expect(formatDiagnostic(one(trigger(', on: create')))).toBe('t.yaml:4:38: error: expected a list, not a single value [trigger.fhir.on] (did you mean on: [create]?)');
    expect(one(step('    call: fhir.read\n    with: { reference: Patient/1 }\n    retry: { on: FHIR.Unavailable }\n'))).toMatchObject({
      path: 'steps[0].retry.on',
      suggestion: 'on: [FHIR.Unavailable]',
    });
  });

  it('a map where a list goes: the missing "- "', () => {
    expect(one(`${header}steps:\n  id: a\n  set: { x: 1 }\n`)).toMatchObject({ path: 'steps', message: expect.stringContaining('not a single step') as string, suggestion: '- id: a' });
    expect(one(step('    forEach: [1]\n    do:\n      id: b\n      set: { x: 1 }\n'))).toMatchObject({ path: 'steps[0].do', suggestion: '- id: b' });
    expect(one(step('    choose:\n      when: "true"\n      then: a\n'))).toMatchObject({
      path: 'steps[0].choose',
      message: expect.stringContaining('start each item with `- ` (`- when: …`)') as string,
    });
    expect(one(step('    if: "true"\n    then:\n      id: b\n      succeed: true\n'))).toMatchObject({
      path: 'steps[0].then',
      message: expect.stringContaining('a step id or a list of steps') as string,
      suggestion: '- id: b',
    });
  });

  it('a list where a map goes: a "- " too many, said once (not again as a task input error)', () => {
    expect(one(step('    call: fhir.read\n    with:\n      - reference: Patient/1\n'))).toMatchObject({
      path: 'steps[0].with',
      message: 'expected a map, not a list: remove the `- ` before each key',
    });
    expect(one(step('    set:\n      - x: 1\n'))).toMatchObject({ path: 'steps[0].set', message: 'expected a map, not a list: remove the `- ` before each key' });
  });

  it('the short form of a map: fail: Oops, catch: b, retry: 3', () => {
    expect(one(step('    fail: Oops\n'))).toMatchObject({ message: 'expected a map, not text', suggestion: 'fail: { error: Oops }' });
    expect(one(step('    call: fhir.read\n    with: { reference: Patient/1 }\n    catch: b\n  - { id: b, succeed: true }\n'))).toMatchObject({ suggestion: 'catch: { next: b }' });
    expect(one(step('    call: fhir.read\n    with: { reference: Patient/1 }\n    retry: 3\n'))).toMatchObject({ suggestion: 'retry: { attempts: 3 }' });
  });

  it('durations without a unit or in words', () => {
    expect(one(step('    await: { description: review }\n    timeout: "30"\n'))).toMatchObject({ message: expect.stringContaining('a duration needs a unit') as string, suggestion: '30s' });
    expect(one(step('    wait: 2 hours\n'))).toMatchObject({ path: 'steps[0].wait', suggestion: '2h' });
    expect(one(`${header}timeout: 1 day\nsteps:\n  - { id: a, set: { x: 1 } }\n`)).toMatchObject({ path: 'timeout', suggestion: '1d' });
    expect([durationHint('10min'), durationHint('1 hour 30 minutes'), durationHint('2 weeks'), durationHint('pt2h'), durationHint('soon')]).toEqual(['10m', '1h30m', '14d', 'PT2H', undefined]);
  });

  it('quoted numbers and literals, and misspelt options', () => {
    expect(one(`workflow: t\nversion: "1"\nsteps:\n  - { id: a, set: { x: 1 } }\n`)).toMatchObject({ message: 'expected 1, not text in quotes', suggestion: 'version: 1' });
    expect(one(step('    call: fhir.read\n    with: { reference: Patient/1 }\n    retry: { attempts: "3" }\n'))).toMatchObject({ suggestion: 'attempts: 3' });
    expect(one(step('    set: { x: 1 }\n    end: false\n'))).toMatchObject({ message: expect.stringContaining('leave end out') as string });
    expect(one(trigger(', on: [created]'))).toMatchObject({ path: 'trigger.fhir.on[0]', suggestion: 'create' });
    expect(one(step('    call: fhir.read\n    with: { reference: Patient/1 }\n    retry: { backoff: exponental }\n'))).toMatchObject({ suggestion: 'exponential' });
    expect(one(`${header}trigger:\n  fhir: { resource: observation }\nsteps:\n  - { id: a, set: { x: 1 } }\n`)).toMatchObject({ suggestion: 'Observation' });
  });

  it('a list of conditions where one goes', () => {
    expect(one(trigger(', where: ["status = \'final\'", "value > 5"]'))).toMatchObject({
      message: expect.stringContaining('join the conditions with `and`') as string,
      suggestion: 'where: "status = \'final\' and value > 5"',
    });
  });
});
