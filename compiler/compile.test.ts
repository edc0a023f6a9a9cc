import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { compile } from './compile';
import { workflowJsonSchema } from './jsonSchema';
import { taskCatalogue } from '../tasks/catalogue';
import { taskFunctionArn } from '../schemas/task';
import { CompiledWorkflow } from '../schemas/artifacts';

// asl-validator adds QueryLanguage to every state it sees, so it always gets a copy.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const aslValidator = require('asl-validator') as (def: unknown) => { isValid: boolean; errors: unknown[] };

const ROOT = join(__dirname, '..');
const WORKFLOWS = join(ROOT, 'workflows');
const shipped = readdirSync(WORKFLOWS)
  .filter((f) => f.endsWith('.yaml') && !f.endsWith('.test.yaml'))
  .sort();

function compileShipped(name: string) {
  const file = `workflows/${name}`;
  const r = compile(readFileSync(join(ROOT, file), 'utf8'), file);
  if (!r.artifact) throw new Error(r.diagnostics.map((d) => `${d.line}:${d.col} ${d.message}`).join('\n'));
  return r.artifact;
}

type State = Record<string, unknown>;
const states = (def: Record<string, unknown>) => def.States as Record<string, State>;

describe('shipped workflows', () => {
  it('ship the workflows the issue asks for', () => {
    expect(shipped).toEqual(
      expect.arrayContaining([
        'medication-reminders.yaml',
        'cancel-reminders.yaml',
        'abnormal-lab.yaml',
        'discharge-follow-up.yaml',
        'nightly-overdue-tasks.yaml',
        'reminder-delivery.yaml',
        'replenish-reminders.yaml',
        'cancel-reminders-on-delete.yaml',
      ]),
    );
  });

  it.each(shipped)('%s compiles without a diagnostic, to a valid artifact and ASL', (name) => {
    const file = `workflows/${name}`;
    const text = readFileSync(join(ROOT, file), 'utf8');
    const r = compile(text, file);
    expect(r.diagnostics).toEqual([]);
    expect(CompiledWorkflow.parse(r.artifact)).toBeTruthy();
    const v = aslValidator(structuredClone(r.artifact!.definition));
    expect(v.errors).toEqual([]);
    expect(v.isValid).toBe(true);
    expect(r.artifact!.definition.QueryLanguage).toBe('JSONata');
    // Every task the manifest lists exists, and every Lambda Resource is one of them.
    for (const t of r.artifact!.manifest.tasks) expect(taskCatalogue.has(t)).toBe(true);
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=../schemas/workflow.schema.json');
  });

  it.each(shipped)('%s compiles to identical bytes every time', (name) => {
    const text = readFileSync(join(WORKFLOWS, name), 'utf8');
    const a = JSON.stringify(compile(text, name));
    const b = JSON.stringify(compile(text, name));
    expect(a).toBe(b);
  });
});

describe('ASL mapping', () => {
  it('medication-reminders: FHIR trigger pushed down into the event pattern, no guard, step outputs as variables', () => {
    const wf = compileShipped('medication-reminders.yaml');
    expect(wf.trigger).toEqual({
      kind: 'eventRule',
      name: 'clinflow-medication-reminders',
      description: wf.description,
      eventPattern: {
        source: ['clinflow.fhir'],
        'detail-type': ['FHIR Resource Changed'],
        detail: { resourceType: ['MedicationRequest'], interaction: ['create', 'update'], attributes: { status: ['active'], intent: ['order'] } },
      },
    });
    expect(wf.manifest.routingAttributes).toEqual({ MedicationRequest: ['intent', 'status'] });
    expect(wf.definition.StartAt).toBe('order');
    const order = states(wf.definition).order!;
    expect(order).toMatchObject({
      Type: 'Task',
      Resource: taskFunctionArn('fhir.read'),
      Arguments: { reference: '{% $states.context.Execution.Input.detail.reference %}' },
      Assign: { order: '{% $states.result %}' },
    });
    expect(states(wf.definition).schedule).toMatchObject({ Arguments: { plan: '{% $plan %}' }, End: true });
    expect(states(wf.definition).plan!.Catch).toEqual([{ ErrorEquals: ['Reminder.InvalidTiming', 'Reminder.NoTimeZone'], Next: 'cannotPlan', Assign: { error: '{% $states.errorOutput %}' } }]);
    expect(wf.manifest.sourceHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('abnormal-lab: a guard evaluates the FHIRPath the pattern cannot, and await becomes waitForTaskToken', () => {
    const wf = compileShipped('abnormal-lab.yaml');
    const s = states(wf.definition);
    expect(wf.definition.StartAt).toBe('trigger.read');
    expect(s['trigger.where']).toMatchObject({
      Resource: taskFunctionArn('fhirpath.test'),
      Arguments: { expression: "code.coding.where(system = 'http://loinc.org' and (code = '2823-3' or code = '6298-4')).exists() and valueQuantity.value > 6.0" },
    });
    expect(s['trigger.match']).toMatchObject({ Type: 'Choice', Choices: [{ Next: 'observation' }], Default: 'trigger.skipped' });
    expect(wf.manifest.routingAttributes).toEqual({ Observation: ['valueQuantity.value'] });
    expect(wf.manifest.tasks).toEqual(expect.arrayContaining(['fhir.read', 'fhirpath.test', 'tasks.await', 'tasks.expire', 'notify.send']));
    const ack = s.acknowledge!;
    expect(ack.Resource).toBe('arn:aws:states:::lambda:invoke.waitForTaskToken');
    expect(ack.TimeoutSeconds).toBe(3600);
    expect(ack.HeartbeatSeconds).toBeUndefined();
    expect(ack.Arguments).toMatchObject({
      FunctionName: taskFunctionArn('tasks.await'),
      Payload: { owner: 'CareTeam/renal-care-team', priority: 'stat', until: 'accepted', taskToken: '{% $states.context.Task.Token %}' },
    });
    // A timeout first cancels the Task (acknowledge.expire), which fails with HumanTask.TimedOut into the step's own catch.
    const key = (ack.Arguments as { Payload: { awaitKey: string } }).Payload.awaitKey;
    expect(key).toContain('$states.context.State.EnteredTime');
    expect((ack.Catch as State[])[0]).toEqual({
      ErrorEquals: ['States.Timeout', 'States.HeartbeatTimeout'],
      Next: 'acknowledge.expire',
      Output: { awaitKey: key, error: '{% $states.errorOutput.Error %}' },
    });
    expect((ack.Catch as State[])[1]).toMatchObject({ ErrorEquals: expect.arrayContaining(['HumanTask.TimedOut', 'HumanTask.Rejected']), Next: 'escalate' });
    expect(s['acknowledge.expire']).toMatchObject({
      Type: 'Task',
      Resource: taskFunctionArn('tasks.expire'),
      Arguments: { awaitKey: '{% $states.input.awaitKey %}', error: '{% $states.input.error %}' },
      End: true,
    });
    expect((s['acknowledge.expire']!.Catch as State[])[0]).toMatchObject({ ErrorEquals: expect.arrayContaining(['HumanTask.TimedOut']), Next: 'escalate' });
  });

  it('nightly-overdue-tasks: a schedule trigger and forEach as an inline Map binding $task', () => {
    const wf = compileShipped('nightly-overdue-tasks.yaml');
    expect(wf.trigger).toMatchObject({
      kind: 'schedule',
      scheduleExpression: 'cron(0 2 * * ? *)',
      scheduleExpressionTimezone: 'Europe/London',
      startDate: '2026-01-01T00:00:00Z',
      flexibleTimeWindow: { mode: 'FLEXIBLE', maximumWindowInMinutes: 15 },
      state: 'ENABLED',
    });
    expect(wf.definition.TimeoutSeconds).toBe(7200);
    const map = states(wf.definition).remind!;
    expect(map).toMatchObject({ Type: 'Map', Items: '{% $overdue %}', MaxConcurrency: 5 });
    // Overdue means past Task.restriction.period.end, where clinflow writes the due date (R4 has no search parameter for it).
    expect(states(wf.definition).pastDue!.Assign).toEqual({ overdue: expect.stringContaining('restriction.period.end') });
    const proc = map.ItemProcessor as State;
    expect(proc.StartAt).toBe('remind.item');
    expect((proc.States as Record<string, State>)['remind.item']).toMatchObject({ Type: 'Pass', Assign: { task: '{% $states.input.value %}' }, Next: 'owned' });
  });

  it('discharge-follow-up: wait, and if with nested step lists joining after the if', () => {
    const wf = compileShipped('discharge-follow-up.yaml');
    const s = states(wf.definition);
    expect(s.pause).toEqual({ Type: 'Wait', Comment: 'Follow up two days after discharge.', Seconds: 172800, Next: 'encounter' });
    expect(s.reachable).toMatchObject({ Type: 'Choice', Choices: [{ Next: 'message' }], Default: 'callTask' });
    expect(s.message!.End).toBe(true);
    expect(s.callTask!.End).toBe(true);
  });

  it('reminder-delivery has no trigger (started by reminder schedules)', () => {
    expect(compileShipped('reminder-delivery.yaml').trigger).toEqual({ kind: 'none' });
    expect(compileShipped('replenish-reminders.yaml').trigger).toMatchObject({ kind: 'schedule', scheduleExpression: 'rate(1 day)', scheduleExpressionTimezone: 'UTC' });
  });

  it('parallel, choose, set, fail and templates compile to Parallel, Choice, Pass, Fail and & concatenation', () => {
    const text = `
workflow: constructs
version: 1
trigger:
  event: { source: [lab.system], detail-type: [Result] }
steps:
  - id: both
    parallel:
      - steps:
          - { id: a, call: notify.send, with: { recipient: Patient/1, body: "hi {% $event.detail.name %}!" } }
      - name: second
        steps:
          - { id: b, set: { x: 1 } }
  - id: pick
    choose:
      - when: "$count($both) = 2"
        then: done
    otherwise:
      - id: oops
        fail: { error: Workflow.Unexpected, cause: "{% 'got ' & $string($count($both)) %}" }
  - id: done
    succeed: true
`;
    const r = compile(text, 'c.yaml');
    expect(r.diagnostics).toEqual([]);
    const s = states(r.artifact!.definition);
    expect(s.both!.Type).toBe('Parallel');
    const branches = s.both!.Branches as State[];
    expect(branches).toHaveLength(2);
    expect(branches[1]).toMatchObject({ StartAt: 'b', Comment: 'second', States: { b: { Type: 'Pass', Assign: { x: 1 }, End: true } } });
    expect((branches[0]!.States as Record<string, State>).a!.Arguments).toEqual({
      recipient: 'Patient/1',
      body: '{% "hi " & $string(($states.context.Execution.Input.detail.name)) & "!" %}',
    });
    expect(s.pick).toMatchObject({ Type: 'Choice', Choices: [{ Condition: '{% $count($both) = 2 %}', Next: 'done' }], Default: 'oops' });
    expect(s.oops).toMatchObject({ Type: 'Fail', Error: 'Workflow.Unexpected' });
    expect(r.artifact!.trigger).toEqual({ kind: 'eventRule', name: 'clinflow-constructs', eventPattern: { source: ['lab.system'], 'detail-type': ['Result'] } });
    expect(aslValidator(structuredClone(r.artifact!.definition)).isValid).toBe(true);
  });

  it('an if that ends the workflow on one branch goes to a Succeed state (a Choice cannot end)', () => {
    const r = compile(
      'workflow: w\nversion: 1\nsteps:\n  - id: check\n    if: $event.go = true\n    then:\n      - { id: go, call: notify.send, with: { recipient: Patient/1, body: x } }\n',
      'w.yaml',
    );
    expect(r.diagnostics).toEqual([]);
    const s = states(r.artifact!.definition);
    expect(s.check!.Default).toBe('workflow.end');
    expect(s['workflow.end']).toEqual({ Type: 'Succeed' });
    expect(aslValidator(structuredClone(r.artifact!.definition)).isValid).toBe(true);
  });
});

describe('schemas/workflow.schema.json', () => {
  it('is up to date with schemas/workflow.ts (run npm run schema)', () => {
    expect(readFileSync(join(ROOT, 'schemas/workflow.schema.json'), 'utf8')).toBe(workflowJsonSchema());
  });

  it('accepts every shipped workflow and rejects a misspelled key, as editors will (ajv, draft-07)', () => {
    // ajv comes with asl-validator; editors use the same draft-07 semantics.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Ajv = require('ajv') as new (o: object) => { compile(s: unknown): ((d: unknown) => boolean) & { errors?: unknown[] } };
    const validate = new Ajv({ strict: false, allErrors: true }).compile(JSON.parse(workflowJsonSchema()));
    for (const f of shipped) expect([f, validate(parseYaml(readFileSync(join(WORKFLOWS, f), 'utf8')))]).toEqual([f, true]);
    expect(validate({ workflow: 'x', version: 1, steps: [{ id: 'a', call: 'fhir.read', wiht: {} }] })).toBe(false);
  });
});

describe('README', () => {
  it('shows a workflow that compiles cleanly', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const start = readme.indexOf('# yaml-language-server');
    expect(start).toBeGreaterThan(0);
    const example = readme.slice(start, readme.indexOf('```', start));
    expect(compile(example, 'README.md').diagnostics).toEqual([]);
  });
});
