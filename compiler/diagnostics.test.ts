import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compile } from './compile';
import { formatDiagnostic, type Diagnostic } from '../schemas/diagnostic';
import { levenshtein, suggest } from './suggest';

const FIXTURES = join(__dirname, 'fixtures');

function fixture(name: string): Diagnostic[] {
  const file = `compiler/fixtures/${name}`;
  return compile(readFileSync(join(FIXTURES, name), 'utf8'), file).diagnostics;
}

/** Compiles an inline workflow whose steps follow a standard header. */
function check(body: string, header = 'workflow: t\nversion: 1\n'): Diagnostic[] {
  const r = compile(header + body, 't.yaml');
  if (r.diagnostics.some((d) => d.severity === 'error')) expect(r.artifact).toBeUndefined();
  return r.diagnostics;
}
const lines = (ds: Diagnostic[]) => ds.map(formatDiagnostic);
const find = (ds: Diagnostic[], re: RegExp) => ds.find((d) => re.test(d.message));

describe('fixtures: every problem of a file in one run, at file:line:col, with suggestions', () => {
  it('reports all problems of bad-many.yaml at once', () => {
    expect(lines(fixture('bad-many.yaml'))).toEqual([
      "compiler/fixtures/bad-many.yaml:3:1: error: unknown key 'descripton' [descripton] (did you mean description?)",
      "compiler/fixtures/bad-many.yaml:7:21: error: FHIRPath syntax error: extraneous input '=' [trigger.fhir.where]",
      "compiler/fixtures/bad-many.yaml:10:11: error: unknown task 'fhir.red' [steps[0].call] (did you mean fhir.read?)",
      "compiler/fixtures/bad-many.yaml:14:5: error: unknown key 'calll' [steps[1].calll] (did you mean call?)",
      'compiler/fixtures/bad-many.yaml:15:36: warning: unknown variable $ordr: not a step id, a set: variable, a forEach item or $event [steps[1].with.medicationRequest] (did you mean $order?)',
      'compiler/fixtures/bad-many.yaml:19:23: error: JSONata syntax error: Unexpected end of expression [steps[2].with.plan]',
      "compiler/fixtures/bad-many.yaml:21:12: warning: reminders.schedule never raises 'FHIR.Unavailable' (it raises only States.* errors) [steps[2].retry.on[0]]",
      "compiler/fixtures/bad-many.yaml:22:11: error: no step 'nowhere' to go to [steps[2].next]",
      "compiler/fixtures/bad-many.yaml:23:9: error: duplicate step id 'schedule' (first used at line 16) [steps[3].id]",
      "compiler/fixtures/bad-many.yaml:26:7: error: notify.send has no input 'recipent' (inputs: recipient, subject, body, channel, about) [steps[3].with.recipent] (did you mean recipient?)",
      "compiler/fixtures/bad-many.yaml:26:7: error: step 'schedule' needs input 'recipient' (notify.send) [steps[3].with]",
      'compiler/fixtures/bad-many.yaml:27:13: error: notify.send input: Too small: expected string to have >=1 characters [steps[3].with.body]',
    ]);
  });

  it('reports a YAML syntax error at the opening quote, and the unknown task above it in the same run', () => {
    const ds = fixture('bad-syntax.yaml');
    expect(ds.find((d) => d.code === 'yaml')).toMatchObject({ file: 'compiler/fixtures/bad-syntax.yaml', line: 11, col: 18, severity: 'error' });
    expect(ds.find((d) => d.code === 'unknown-task')).toMatchObject({ line: 5, col: 11, path: 'steps[0].call', suggestion: 'fhir.read' });
  });

  it('suggests the right key for misspelled keys (transpositions too)', () => {
    expect(lines(fixture('misspelled-key.yaml'))).toEqual([
      "compiler/fixtures/misspelled-key.yaml:10:5: error: unknown key 'wiht' [steps[0].wiht] (did you mean with?)",
      "compiler/fixtures/misspelled-key.yaml:14:7: error: unknown key 'atempts' [steps[0].retry.atempts] (did you mean attempts?)",
    ]);
  });

  it('names an unknown task with the closest catalogued one', () => {
    expect(lines(fixture('unknown-task.yaml'))).toEqual(["compiler/fixtures/unknown-task.yaml:5:11: error: unknown task 'reminders.plna' [steps[0].call] (did you mean reminders.plan?)"]);
  });
});

describe('schema', () => {
  it('needs workflow, version and steps, and says which is missing', () => {
    const ds = compile('workflow: t\nsteps: []\n', 't.yaml').diagnostics;
    expect(find(ds, /missing required key 'version'/)).toMatchObject({ line: 1, col: 1 });
    expect(find(ds, /at least 1|>=1/)).toMatchObject({ path: 'steps' });
  });
  it('rejects a step with no action and suggests the action key', () => {
    expect(find(check('steps:\n  - id: a\n    cal: fhir.read\n'), /unknown key 'cal'/)).toMatchObject({ suggestion: 'call', line: 5, col: 5 });
    expect(find(check('steps:\n  - id: a\n    description: nothing to do\n'), /a step needs one action/)).toBeDefined();
  });
  it('rejects a bad duration, a bad step id and a file that is not a mapping', () => {
    expect(find(check('steps:\n  - id: a\n    wait: 2 hours\n'), /duration/)).toMatchObject({ path: 'steps[0].wait' });
    expect(find(check('steps:\n  - id: read-order\n    wait: 5s\n'), /identifier/)).toMatchObject({ path: 'steps[0].id' });
    expect(compile('- just a list\n', 'l.yaml').diagnostics[0]).toMatchObject({ severity: 'error', message: expect.stringContaining('mapping') as string });
  });
  it('requires a timeout on await', () => {
    expect(find(check('steps:\n  - id: a\n    await: { description: review }\n'), /missing required key 'timeout'/)).toMatchObject({ path: 'steps[0]' });
  });
});

describe('semantic checks', () => {
  it('checks literal task inputs against the zod input schema but not expressions', () => {
    const ds = check('steps:\n  - id: a\n    call: fhir.read\n    with: { reference: not-a-reference }\n  - id: b\n    call: fhir.read\n    with: { reference: "{% $event.ref %}" }\n');
    expect(ds).toHaveLength(1);
    expect(ds[0]).toMatchObject({ path: 'steps[0].with.reference', message: expect.stringContaining('relative reference') as string });
    expect(check('steps:\n  - id: a\n    call: reminders.plan\n    with: "{% $event %}"\n')).toEqual([]);
  });
  it('finds unreachable steps, jumps across scopes and reserved ids', () => {
    const ds = check('steps:\n  - id: a\n    set: { x: 1 }\n    end: true\n  - id: b\n    set: { y: 2 }\n');
    expect(find(ds, /step 'b' can never run/)).toMatchObject({ path: 'steps[1].id', line: 7 });
    const cross = check('steps:\n  - id: loop\n    forEach: [1, 2]\n    do:\n      - { id: inner, set: { x: 1 }, next: after }\n  - id: after\n    succeed: true\n');
    expect(find(cross, /can only go to steps of the same scope/)).toMatchObject({ path: 'steps[0].do[0].next' });
    expect(find(check('steps:\n  - id: event\n    set: { x: 1 }\n'), /reserved/)).toBeDefined();
  });
  it('suggests the closest step id for a jump to a missing step', () => {
    expect(find(check('steps:\n  - id: escalate\n    set: { x: 1 }\n  - id: b\n    if: $x = 1\n    then: escalte\n'), /no step 'escalte'/)).toMatchObject({ suggestion: 'escalate' });
  });
  it('checks cron, rate, at and time zones', () => {
    const cron = check('trigger:\n  schedule: { cron: "0 2 * * *", timezone: Europe/Lodnon }\nsteps:\n  - { id: a, set: { x: 1 } }\n');
    expect(
      cron
        .filter((d) => d.code === 'schedule')
        .map((d) => d.path)
        .sort(),
    ).toEqual(['trigger.schedule.cron', 'trigger.schedule.timezone']);
    expect(find(check('trigger:\n  schedule: { rate: "5 weeks" }\nsteps:\n  - { id: a, set: { x: 1 } }\n'), /rate/)).toMatchObject({ path: 'trigger.schedule.rate' });
    expect(find(check('trigger:\n  schedule: { at: "2026-02-30T09:00:00" }\nsteps:\n  - { id: a, set: { x: 1 } }\n'), /at\(/)).toMatchObject({ path: 'trigger.schedule.at' });
    expect(find(check('trigger:\n  schedule: { cron: "0 2 * * ? *", rate: "1 day" }\nsteps:\n  - { id: a, set: { x: 1 } }\n'), /exactly one of cron, rate or at/)).toBeDefined();
    expect(check('trigger:\n  schedule: { cron: "0 2 * * ? *", timezone: America/New_York, start: "2026-01-01", end: "2027-01-01" }\nsteps:\n  - { id: a, set: { x: 1 } }\n')).toEqual([]);
  });
  it('rejects invalid event patterns', () => {
    expect(find(check('trigger:\n  event: { source: lab }\nsteps:\n  - { id: a, set: { x: 1 } }\n'), /invalid event pattern/)).toMatchObject({ path: 'trigger.event' });
  });
  it('refuses a guard-needing where on deletes', () => {
    const ds = check('trigger:\n  fhir: { resource: Observation, on: [delete], where: "value.ofType(Quantity).value > 5" }\nsteps:\n  - { id: a, set: { x: 1 } }\n');
    expect(find(ds, /delete no longer has/)).toMatchObject({ path: 'trigger.fhir.where' });
  });
  it('warns about retry/catch on errors the step cannot raise, and enforces States.ALL rules', () => {
    const ds = check(
      'steps:\n  - id: a\n    call: notify.send\n    with: { recipient: Patient/1, body: hi }\n    retry:\n      - on: [Notify.DeliveryFaild, States.ALL]\n    catch:\n      - on: [States.ALL]\n        next: b\n      - on: [States.Tiemout]\n        next: b\n  - id: b\n    succeed: true\n',
    );
    expect(find(ds, /never raises 'Notify.DeliveryFaild'/)).toMatchObject({ severity: 'warning', suggestion: 'Notify.DeliveryFailed' });
    expect(find(ds, /States.ALL must be the only/)).toMatchObject({ severity: 'error', path: 'steps[0].retry[0].on[1]' });
    expect(find(ds, /States.ALL must be in the last catch/)).toMatchObject({ severity: 'error' });
    expect(find(ds, /unknown runtime error 'States.Tiemout'/)).toMatchObject({ suggestion: 'States.Timeout' });
  });
  it('checks heartbeat against timeout, and JSONata in conditions', () => {
    expect(find(check('steps:\n  - id: a\n    await: { description: x }\n    timeout: 1h\n    heartbeat: 2h\n'), /heartbeat must be shorter/)).toBeDefined();
    expect(find(check('steps:\n  - id: a\n    if: $event.x = \n    then: [ { id: b, succeed: true } ]\n'), /JSONata syntax error/)).toMatchObject({ path: 'steps[0].if' });
  });
  it('accepts a clean workflow with no diagnostics at all', () => {
    expect(check('steps:\n  - id: a\n    call: notify.send\n    with: { recipient: "{% $event.who %}", body: "Hello {% $event.name %}" }\n')).toEqual([]);
  });
});

describe('suggestions', () => {
  it('counts a transposition as one edit and keeps far words unsuggested', () => {
    expect(levenshtein('wiht', 'with')).toBe(1);
    expect(levenshtein('kitten', 'sitting')).toBe(3);
    expect(suggest('fhir.red', ['fhir.read', 'fhir.create'])).toBe('fhir.read');
    expect(suggest('banana', ['fhir.read', 'call'])).toBeUndefined();
  });
});

describe('one run, every problem', () => {
  it('reports an unreachable step together with an unknown task', () => {
    const ds = check('steps:\n  - id: a\n    call: fhir.raed\n    end: true\n  - id: b\n    set: { y: 2 }\n');
    expect(ds.map((d) => d.code).sort()).toEqual(['unknown-task', 'unreachable']);
  });
  it('warns that deletes never match attribute filters', () => {
    const ds = check('trigger:\n  fhir: { resource: MedicationRequest, on: [update, delete], where: "status = \'stopped\'" }\nsteps:\n  - { id: a, set: { x: 1 } }\n');
    expect(ds).toEqual([expect.objectContaining({ severity: 'warning', path: 'trigger.fhir.where', message: expect.stringContaining('deletes never match') as string })]);
  });
});

describe('variable scope', () => {
  it('warns when a step outside a forEach reads a variable set only inside it', () => {
    const ds = check(
      'steps:\n  - id: loop\n    forEach: [1, 2]\n    as: n\n    do:\n      - { id: inner, set: { doubled: "{% $n * 2 %}" } }\n  - id: after\n    set: { x: "{% $inner %}", y: "{% $n %}", z: "{% $loop %}" }\n',
    );
    expect(ds.map((d) => [d.code, d.path, d.message])).toEqual([
      ['variable-scope', 'steps[1].set.x', "$inner is set only inside forEach 'loop'; outside it, use that step's output (a list)"],
      ['variable-scope', 'steps[1].set.y', "$n is set only inside forEach 'loop'; outside it, use that step's output (a list)"],
    ]);
  });
});

describe('triggers', () => {
  it('says a workflow has one trigger when two kinds are given', () => {
    expect(find(check('trigger:\n  fhir: { resource: Encounter }\n  event: { source: [x] }\nsteps:\n  - { id: a, set: { x: 1 } }\n'), /one trigger: fhir or event/)).toMatchObject({ path: 'trigger' });
  });
});
