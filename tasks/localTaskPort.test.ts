import { ApiError, FhirError, WorkflowError } from '../schemas/errors';
import { SchedulerException } from '../engine/scheduler/schedulerErrors';
import { StateFailure, toStateFailure } from '../engine/interpreter/failures';
import { SimulatedClock } from '../core/clock/simulatedClock';
import { functionNameOf, LocalTaskPort } from './localTaskPort';

const inv = (resource: string, payload: unknown, extra: Record<string, unknown> = {}) => ({
  resource,
  payload,
  idempotencyKey: 'arn:exec|S|0',
  executionArn: 'arn:exec',
  stateName: 'S',
  ...extra,
});

describe('LocalTaskPort', () => {
  const clock = new SimulatedClock();

  it('maps clinflow task ARNs to catalogued handlers and validates input with the zod spec', async () => {
    const port = new LocalTaskPort({ clock });
    const keys: string[] = [];
    port.registerTask('fhir.read', (input, ctx) => {
      keys.push(ctx.idempotencyKey);
      return Promise.resolve({ resourceType: 'Patient', id: (input as { reference: string }).reference.split('/')[1] });
    });
    const arn = 'arn:aws:lambda:us-east-1:000000000000:function:clinflow-fhir-read';
    expect(await port.invoke(inv(arn, { reference: 'Patient/p1' }))).toEqual({ ok: true, output: { resourceType: 'Patient', id: 'p1' } });
    expect(keys).toEqual(['arn:exec|S|0']);
    const bad = await port.invoke(inv(arn, { reference: 42 }));
    expect(bad).toMatchObject({ ok: false, error: 'States.TaskFailed' });
    expect(!bad.ok && bad.cause).toMatch(/Invalid input for task fhir\.read: reference/);
    expect(keys).toHaveLength(1);
  });

  it('rejects output that breaks the task contract', async () => {
    const port = new LocalTaskPort({ clock }).registerTask('fhir.read', () => Promise.resolve({ notAResource: true }));
    const r = await port.invoke(inv('clinflow-fhir-read', { reference: 'Patient/p1' }));
    expect(r).toMatchObject({ ok: false, error: 'States.TaskFailed' });
    expect(!r.ok && r.cause).toMatch(/Invalid output from task fhir\.read/);
  });

  it('turns WorkflowErrors into their ASL error name and cause, other throws into Lambda-style errors', async () => {
    const port = new LocalTaskPort({ clock })
      .registerFunction('gone', () => Promise.reject(new FhirError('FHIR.NotFound', 'Patient/x not found', { status: 404 })))
      .registerFunction('boom', () => Promise.reject(new TypeError('bad thing')));
    expect(await port.invoke(inv('arn:aws:lambda:us-east-1:1:function:gone', {}))).toEqual({ ok: false, error: 'FHIR.NotFound', cause: 'Patient/x not found' });
    const boom = await port.invoke(inv('arn:aws:lambda:us-east-1:1:function:boom', {}));
    expect(boom).toMatchObject({ ok: false, error: 'TypeError' });
    expect(!boom.ok && JSON.parse(boom.cause ?? '{}')).toMatchObject({ errorType: 'TypeError', errorMessage: 'bad thing' });
    expect(await port.invoke(inv('arn:aws:lambda:us-east-1:1:function:missing', {}))).toMatchObject({ ok: false, error: 'Lambda.ResourceNotFoundException' });
  });

  it('converts an API error a task met (the Scheduler refusing a schedule) into a task failure of the same name, once, at the task boundary', async () => {
    const refused = new SchedulerException('ConflictException', 'a schedule named r-1 already exists');
    expect(refused).toBeInstanceOf(ApiError);
    expect(refused).not.toBeInstanceOf(WorkflowError);
    const port = new LocalTaskPort({ clock }).registerFunction('plan', () => Promise.reject(refused));
    expect(await port.invoke(inv('arn:aws:lambda:us-east-1:1:function:plan', {}))).toEqual({ ok: false, error: 'ConflictException', cause: 'a schedule named r-1 already exists' });
  });

  it('the interpreter converts by class: a StateFailure is a WorkflowError, and a thing merely shaped like one is a bug (States.Runtime)', () => {
    expect(new StateFailure('States.Timeout', 'late')).toBeInstanceOf(WorkflowError);
    expect(toStateFailure(new FhirError('FHIR.Gone', 'deleted'))).toMatchObject({ error: 'FHIR.Gone', causeText: 'deleted' });
    expect(toStateFailure({ error: 'Forged.Name', cause: 'duck' })).toMatchObject({ error: 'States.Runtime' });
  });

  it('resolves lambda:invoke by FunctionName and passes the callback token', async () => {
    const port = new LocalTaskPort({ clock });
    let token: string | undefined;
    port.registerFunction('arn:aws:lambda:us-east-1:000000000000:function:echo', (p, ctx) => {
      token = ctx.taskToken;
      return Promise.resolve(p);
    });
    const r = await port.invoke(inv('arn:aws:states:::lambda:invoke.waitForTaskToken', { x: 1 }, { parameters: { FunctionName: 'echo:$LATEST', Payload: { x: 1 } }, taskToken: 'tok' }));
    expect(r).toEqual({ ok: true, output: { x: 1 } });
    expect(token).toBe('tok');
    expect(functionNameOf('arn:aws:lambda:us-east-1:1:function:fn:prod')).toBe('fn');
  });

  it('fails a task that reaches an unconfigured port with a named error', async () => {
    const port = new LocalTaskPort({ clock }).registerFunction('uses-bus', (_p, ctx) => ctx.ports.bus.putEvents([]));
    expect(await port.invoke(inv('uses-bus', {}))).toMatchObject({ ok: false, error: 'States.Runtime', cause: expect.stringContaining('bus port') as unknown });
  });
});
