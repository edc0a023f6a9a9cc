import type { Target } from '@aws-sdk/client-scheduler';
import { DateTime } from 'luxon';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { openDatabase } from '../../core/db/openDatabase';
import { LocalScheduler } from '../../engine/scheduler/localScheduler';
import { FhirError } from '../../schemas/errors';
import type { FhirPort, FhirResource } from '../../schemas/fhirPort';
import type { NotifyPort, TaskContext } from '../../schemas/ports';
import { createReminderHandlers } from './handlers';
import type { ReminderFire } from './scheduleReminders';
import { reminderScheduleName } from './scheduleNames';
import { remindersCancel, remindersPlan, remindersSchedule, remindersSend } from './specs';

const TZ_EXT = 'http://hl7.org/fhir/StructureDefinition/tz-code';

/** A small in-memory FHIR server: versioned reads/updates, conditional create on identifier, search by status. */
class MemoryFhir implements FhirPort {
  readonly store = new Map<string, FhirResource>();
  creates = 0;
  private seq = 0;
  put(r: FhirResource): FhirResource {
    const key = `${r.resourceType}/${r.id}`;
    const prev = this.store.get(key);
    const v = String(Number(prev?.meta?.versionId ?? 0) + 1);
    const saved = { ...r, meta: { ...r.meta, versionId: v } };
    this.store.set(key, saved);
    return saved;
  }
  async read(reference: string) {
    const r = this.store.get(reference);
    if (!r) throw new FhirError('FHIR.NotFound', `${reference} not found`, { status: 404 });
    return r;
  }
  async search(resourceType: string, params: Record<string, string | string[]>) {
    return [...this.store.values()].filter((r) => r.resourceType === resourceType && (params.status === undefined || r.status === params.status));
  }
  async create(resource: FhirResource, options: { ifNoneExist?: string } = {}) {
    if (options.ifNoneExist) {
      const [, value] = /identifier=[^|]*\|(.*)$/.exec(options.ifNoneExist) ?? [];
      const hit = [...this.store.values()].find((r) => r.resourceType === resource.resourceType && (r.identifier as { value?: string }[] | undefined)?.some((i) => i.value === value));
      if (hit) return hit;
    }
    this.creates += 1;
    return this.put({ ...resource, id: `c${++this.seq}` });
  }
  async update(resource: FhirResource, options: { ifMatch?: string } = {}) {
    const cur = this.store.get(`${resource.resourceType}/${resource.id}`);
    if (options.ifMatch !== undefined && cur?.meta?.versionId !== options.ifMatch) throw new FhirError('FHIR.Conflict', 'version mismatch', { status: 412 });
    return this.put(resource);
  }
}

function world(start: string, config: Parameters<typeof createReminderHandlers>[0] = {}) {
  const clock = new SimulatedClock(Date.parse(start));
  const fhir = new MemoryFhir();
  const sent: { recipient: string; body: string; key: string; at: string }[] = [];
  const notify: NotifyPort = {
    send: async (m) => {
      sent.push({ recipient: m.recipient, body: m.body, key: m.idempotencyKey, at: new Date(clock.now()).toISOString() });
      return { deliveryId: `d${sent.length}` };
    },
  };
  const handlers = createReminderHandlers({ defaultTimeZone: undefined, ...config });
  const sendResults: unknown[] = [];
  // The schedule's bus target stands in for the reminder-send workflow: its detail is the send input.
  const scheduler = new LocalScheduler({
    db: openDatabase(':memory:'),
    clock,
    invoke: async (target: Target) => {
      const fire = JSON.parse(target.Input ?? '{}') as ReminderFire;
      sendResults.push(await handlers['reminders.send'](fire, ctx));
    },
  });
  const warnings: object[] = [];
  const ctx: TaskContext = {
    idempotencyKey: 'exec|step|1',
    executionArn: 'exec',
    stateName: 'step',
    clock,
    ports: { scheduler, fhir, notify, bus: { putEvents: async () => ({ FailedEntryCount: 0, Entries: [] }) }, executions: undefined as never },
    log: { debug: () => undefined, info: () => undefined, warn: (o) => void warnings.push(o), error: () => undefined },
  };
  async function runUntil(iso: string) {
    const end = Date.parse(iso);
    for (let next = scheduler.nextDueAt(); next !== undefined && next <= end; next = scheduler.nextDueAt()) {
      clock.set(next);
      await scheduler.fireDue();
    }
    clock.set(end);
  }
  return { clock, fhir, sent, handlers, scheduler, ctx, runUntil, sendResults, warnings };
}

const order = (over: Partial<FhirResource> = {}): FhirResource => ({
  resourceType: 'MedicationRequest',
  id: 'med-1',
  status: 'active',
  intent: 'order',
  authoredOn: '2025-03-08T12:00:00Z',
  subject: { reference: 'Patient/p1' },
  medicationCodeableConcept: { text: 'Amoxicillin 500 mg' },
  dosageInstruction: [{ text: 'take 1 capsule', timing: { code: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-GTSAbbreviation', code: 'BID' }] } } }],
  ...over,
});

const planInput = (mr: FhirResource, extra: object = {}) => remindersPlan.input.parse({ medicationRequest: mr, horizonHours: 48, ...extra });

describe('reminder handlers', () => {
  it("plans in the Patient's zone across spring-forward, schedules idempotently, and sends each reminder once at its local time", async () => {
    const w = world('2025-03-08T12:00:00Z');
    w.fhir.put({ resourceType: 'Patient', id: 'p1', extension: [{ url: TZ_EXT, valueCode: 'America/New_York' }] });
    const mr = w.fhir.put(order());
    const plan = await w.handlers['reminders.plan'](planInput(mr), w.ctx);
    expect(plan).toMatchObject({ order: 'MedicationRequest/med-1', versionId: '1', timeZone: 'America/New_York', policyVersion: '1.1', patient: 'Patient/p1' });
    expect(plan.slots.map((s) => s.at)).toEqual(['2025-03-08T14:00:00Z', '2025-03-09T02:00:00Z', '2025-03-09T13:00:00Z', '2025-03-10T01:00:00Z']);
    expect(plan.slots.map((s) => s.local)).toEqual(['2025-03-08T09:00-05:00', '2025-03-08T21:00-05:00', '2025-03-09T09:00-04:00', '2025-03-09T21:00-04:00']);

    expect(remindersPlan.output.safeParse(plan).error).toBeUndefined();
    const first = await w.handlers['reminders.schedule']({ plan }, w.ctx);
    expect(remindersSchedule.output.safeParse(first).error).toBeUndefined();
    expect(first).toMatchObject({ created: 4, existing: 0 });
    expect(first.scheduleNames.every((n) => /^[0-9a-zA-Z-_.]{1,64}$/.test(n))).toBe(true);
    const again = await w.handlers['reminders.schedule']({ plan: await w.handlers['reminders.plan'](planInput(mr), w.ctx) }, w.ctx);
    expect(again).toMatchObject({ created: 0, existing: 4 });
    const got = await w.scheduler.getSchedule({ Name: first.scheduleNames[0]!, GroupName: 'clinflow-reminders' });
    expect(got).toMatchObject({ ScheduleExpression: 'at(2025-03-08T14:00:00)', ScheduleExpressionTimezone: 'UTC', ActionAfterCompletion: 'DELETE' });
    expect(got.Description).toContain('MedicationRequest/med-1|1|');
    expect(JSON.parse(got.Target?.Input ?? '{}')).toMatchObject({ policyVersion: '1.1', order: 'MedicationRequest/med-1', versionId: '1' });

    await w.runUntil('2025-03-10T12:00:00Z');
    expect(w.sent.map((s) => s.at)).toEqual(['2025-03-08T14:00:00.000Z', '2025-03-09T02:00:00.000Z', '2025-03-09T13:00:00.000Z', '2025-03-10T01:00:00.000Z']);
    expect(w.sent[0]).toMatchObject({ recipient: 'Patient/p1', body: 'Medication reminder: Amoxicillin 500 mg: take 1 capsule' });
    const comms = [...w.fhir.store.values()].filter((r) => r.resourceType === 'Communication');
    expect(comms).toHaveLength(4);
    expect(comms[0]).toMatchObject({ status: 'completed', recipient: [{ reference: 'Patient/p1' }], about: [{ reference: 'MedicationRequest/med-1' }] });
    // Fired schedules deleted themselves.
    expect((await w.scheduler.listSchedules({ GroupName: 'clinflow-reminders' })).Schedules).toEqual([]);
  });

  it('never sends a slot twice, even when the send is re-delivered', async () => {
    const w = world('2025-03-08T14:00:00Z', { defaultTimeZone: 'America/New_York' });
    w.fhir.put(order());
    const input = { order: 'MedicationRequest/med-1', versionId: '1', slot: 'd0-20250308T1400Z', at: '2025-03-08T14:00:00Z' };
    const a = await w.handlers['reminders.send'](input, w.ctx);
    const b = await w.handlers['reminders.send'](input, w.ctx);
    expect(a).toMatchObject({ sent: true });
    expect(remindersSend.output.safeParse(a).error).toBeUndefined();
    expect(remindersSend.output.safeParse(b).error).toBeUndefined();
    expect(b).toEqual({ sent: false, skippedReason: 'already sent', communication: a.communication });
    expect(w.sent).toHaveLength(1);
    expect(w.fhir.creates).toBe(1);
  });

  it('skips, never sends, when the order stopped, was replaced, or is gone', async () => {
    const w = world('2025-03-08T14:00:00Z');
    w.fhir.put(order({ status: 'stopped' }));
    const input = { order: 'MedicationRequest/med-1', versionId: '1', slot: 'd0-20250308T1400Z', at: '2025-03-08T14:00:00Z' };
    expect(await w.handlers['reminders.send'](input, w.ctx)).toEqual({ sent: false, skippedReason: 'the order is stopped, not active' });
    w.fhir.put(order());
    expect(await w.handlers['reminders.send'](input, w.ctx)).toEqual({ sent: false, skippedReason: 'the order was replaced by version 2' });
    expect(await w.handlers['reminders.send']({ ...input, order: 'MedicationRequest/none' }, w.ctx)).toEqual({ sent: false, skippedReason: 'the order no longer exists' });
    expect(w.sent).toEqual([]);
  });

  it('cancels an order: all future schedules, or all but the new version', async () => {
    const w = world('2025-03-08T12:00:00Z', { defaultTimeZone: 'Europe/Berlin' });
    const v1 = w.fhir.put(order());
    await w.handlers['reminders.schedule']({ plan: await w.handlers['reminders.plan'](planInput(v1), w.ctx) }, w.ctx);
    const v2 = w.fhir.put(order({ dosageInstruction: [{ timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd', timeOfDay: ['12:00:00'] } } }] }));
    const s2 = await w.handlers['reminders.schedule']({ plan: await w.handlers['reminders.plan'](planInput(v2), w.ctx) }, w.ctx);
    const other = await w.handlers['reminders.schedule']({ plan: await w.handlers['reminders.plan'](planInput({ ...v1, id: 'other' }), w.ctx) }, w.ctx);
    expect(await w.handlers['reminders.cancel']({ order: 'MedicationRequest/med-1', keepVersionId: '2' }, w.ctx)).toEqual({ deleted: 4 });
    const left = (await w.scheduler.listSchedules({ GroupName: 'clinflow-reminders' })).Schedules!.map((s) => s.Name).sort();
    expect(s2.scheduleNames).toHaveLength(2);
    expect(left).toEqual([...s2.scheduleNames, ...other.scheduleNames].sort());
    const cancelled = await w.handlers['reminders.cancel']({ order: 'MedicationRequest/med-1' }, w.ctx);
    expect(cancelled).toEqual({ deleted: s2.scheduleNames.length });
    expect(remindersCancel.output.safeParse(cancelled).error).toBeUndefined();
    expect((await w.scheduler.listSchedules({ GroupName: 'clinflow-reminders' })).Schedules).toHaveLength(4); // the other order's
  });

  it('stopping an order mid-course: cancelled schedules never fire, and a stale fire is skipped', async () => {
    const w = world('2025-03-08T12:00:00Z', { defaultTimeZone: 'America/New_York' });
    const mr = w.fhir.put(order());
    await w.handlers['reminders.schedule']({ plan: await w.handlers['reminders.plan'](planInput(mr), w.ctx) }, w.ctx);
    await w.runUntil('2025-03-09T03:00:00Z');
    expect(w.sent).toHaveLength(2);
    w.fhir.put(order({ status: 'stopped' }));
    await w.handlers['reminders.cancel']({ order: 'MedicationRequest/med-1' }, w.ctx);
    await w.runUntil('2025-03-12T00:00:00Z');
    expect(w.sent).toHaveLength(2);
  });

  it('takes the zone from the input, then the Patient extension, then the deployment default; else Reminder.NoTimeZone', async () => {
    const w = world('2025-01-06T00:00:00Z');
    const mr = w.fhir.put(order({ subject: { reference: 'Patient/p2' } }));
    w.fhir.put({ resourceType: 'Patient', id: 'p2' });
    await expect(w.handlers['reminders.plan'](planInput(mr), w.ctx)).rejects.toMatchObject({ error: 'Reminder.NoTimeZone' });
    expect((await w.handlers['reminders.plan'](planInput(mr, { timeZone: 'Asia/Tokyo' }), w.ctx)).slots[0]?.at).toBe('2025-01-06T00:00:00Z');
    const d = world('2025-01-06T00:00:00Z', { defaultTimeZone: 'UTC' });
    d.fhir.put({ resourceType: 'Patient', id: 'p2' });
    expect((await d.handlers['reminders.plan'](planInput(mr), d.ctx)).timeZone).toBe('UTC');
    await expect(d.handlers['reminders.plan'](planInput(mr, { timeZone: 'Not/AZone' }), d.ctx)).rejects.toMatchObject({ error: 'Reminder.NoTimeZone' });
  });

  it('plans nothing for an inactive order or an as-needed dosage, and rejects an invalid Timing by name', async () => {
    const w = world('2025-01-06T00:00:00Z', { defaultTimeZone: 'UTC' });
    expect((await w.handlers['reminders.plan'](planInput(order({ status: 'completed' })), w.ctx)).slots).toEqual([]);
    const prn = order({ dosageInstruction: [{ asNeededBoolean: true, timing: { repeat: { frequency: 1, period: 4, periodUnit: 'h' } } }] });
    expect((await w.handlers['reminders.plan'](planInput(prn), w.ctx)).slots).toEqual([]);
    const bad = order({ dosageInstruction: [{ timing: { repeat: { frequency: 1, period: 1 } } }] });
    await expect(w.handlers['reminders.plan'](planInput(bad), w.ctx)).rejects.toMatchObject({ error: 'Reminder.InvalidTiming', message: expect.stringContaining('tim-2') });
  });

  it('keeps slot keys stable across re-plans (QOD parity from authoredOn) so schedule names match', async () => {
    const w = world('2025-01-07T00:00:00Z', { defaultTimeZone: 'UTC' });
    const qod = order({ authoredOn: '2025-01-06T08:00:00Z', dosageInstruction: [{ timing: { code: { coding: [{ code: 'QOD' }] } } }] });
    const a = await w.handlers['reminders.plan'](planInput(qod, { horizonHours: 96 }), w.ctx);
    const b = await w.handlers['reminders.plan'](planInput(qod, { horizonHours: 96, from: '2025-01-08T00:00:00Z' }), w.ctx);
    expect(a.slots.map((s) => s.at)).toEqual(['2025-01-08T09:00:00Z', '2025-01-10T09:00:00Z']);
    expect(b.slots[0]?.slot).toBe(a.slots[0]?.slot);
    expect(reminderScheduleName(a.order, a.versionId, a.slots[0]!.slot)).toHaveLength(46);
  });

  it('replenishes every active order, skipping (and logging by name only) one whose Timing cannot be planned', async () => {
    const w = world('2025-03-08T12:00:00Z', { defaultTimeZone: 'America/New_York' });
    w.fhir.put(order());
    w.fhir.put(order({ id: 'med-2' }));
    w.fhir.put(order({ id: 'med-3', status: 'stopped' }));
    w.fhir.put(order({ id: 'med-4', dosageInstruction: [{ timing: { repeat: { frequency: 9, period: 1, periodUnit: 'd' } } }] }));
    expect(await w.handlers['reminders.replenish']({ horizonHours: 24 }, w.ctx)).toEqual({ orders: 2, created: 4 });
    expect(await w.handlers['reminders.replenish']({ horizonHours: 48 }, w.ctx)).toEqual({ orders: 2, created: 4 });
    expect(w.warnings).toEqual([
      { task: 'reminders.replenish', error: 'Reminder.InvalidTiming' },
      { task: 'reminders.replenish', error: 'Reminder.InvalidTiming' },
    ]);
  });
});

describe('a long course on the simulated clock', () => {
  it('sends a once-daily reminder at 09:00 local every day of a 215-day course across both DST changes, once each', async () => {
    const w = world('2025-03-28T12:00:00Z', { defaultTimeZone: 'Europe/Berlin' });
    w.fhir.put(
      order({
        authoredOn: '2025-03-28T12:00:00Z',
        dosageInstruction: [{ text: 'one tablet', timing: { repeat: { frequency: 1, period: 1, periodUnit: 'd', boundsDuration: { value: 215, code: 'd' } } } }],
      }),
    );
    // A replenish job every other day keeps a 72 h horizon ahead.
    for (let day = 0; day < 220; day += 2) {
      await w.handlers['reminders.replenish']({ horizonHours: 72 }, w.ctx);
      await w.runUntil(new Date(Date.parse('2025-03-28T12:00:00Z') + (day + 2) * 86_400_000).toISOString());
    }
    const locals = w.sent.map((s) => DateTime.fromISO(s.at, { zone: 'Europe/Berlin' }));
    // [03-28 13:00, 10-29 13:00) local: 03-28's 09:00 was before the order, so 03-29 … 10-29.
    expect(w.sent).toHaveLength(215);
    expect(new Set(w.sent.map((s) => s.key)).size).toBe(215);
    expect(locals.every((t) => t.toFormat('HH:mm') === '09:00')).toBe(true);
    expect(locals[0]?.toISODate()).toBe('2025-03-29');
    expect(locals.at(-1)?.toISODate()).toBe('2025-10-29');
    expect(w.sent.map((s) => s.at)).toEqual(expect.arrayContaining(['2025-03-29T08:00:00.000Z', '2025-03-30T07:00:00.000Z', '2025-10-25T07:00:00.000Z', '2025-10-26T08:00:00.000Z']));
    expect((await w.scheduler.listSchedules({ GroupName: 'clinflow-reminders' })).Schedules).toEqual([]);
  });
});

describe('reminderHandlers', () => {
  it('has exactly one handler per reminder task in the catalogue', async () => {
    const { reminderHandlers } = await import('./handlers');
    const { reminderTaskSpecs } = await import('./specs');
    expect(Object.keys(reminderHandlers).sort()).toEqual(reminderTaskSpecs.map((s) => s.name).sort());
  });
});

describe('remindersConfig', () => {
  it('reads the environment deploy/ sets, and overrides win', async () => {
    const { remindersConfig } = await import('./reminderConfig');
    const env = {
      CLINFLOW_REMINDER_GROUP: 'clinflow-prod-reminders',
      CLINFLOW_REMINDER_TARGET: 'arn:aws:states:eu-west-1:123456789012:stateMachine:clinflow-prod-reminder-delivery:live',
      CLINFLOW_SCHEDULER_ROLE: 'arn:aws:iam::123456789012:role/s',
      CLINFLOW_DLQ: 'arn:aws:sqs:eu-west-1:123456789012:dlq',
      CLINFLOW_DEFAULT_TIMEZONE: 'Europe/Dublin',
    };
    const c = remindersConfig({}, env);
    expect(c).toMatchObject({
      scheduleGroup: 'clinflow-prod-reminders',
      defaultTimeZone: 'Europe/Dublin',
      target: { arn: env.CLINFLOW_REMINDER_TARGET, roleArn: env.CLINFLOW_SCHEDULER_ROLE, deadLetterArn: env.CLINFLOW_DLQ, source: 'clinflow.reminders' },
    });
    expect(remindersConfig({ scheduleGroup: 'x' }, env).scheduleGroup).toBe('x');
    expect(remindersConfig({}, {}).target.arn).toBe('arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-reminder-delivery');
  });

  it('puts the dead-letter queue on each reminder schedule when configured', async () => {
    const w = world('2025-03-08T12:00:00Z', {
      defaultTimeZone: 'UTC',
      target: { ...(await import('./reminderConfig')).defaultRemindersConfig.target, deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:reminders-dlq' },
    });
    const mr = w.fhir.put(order());
    const out = await w.handlers['reminders.schedule']({ plan: await w.handlers['reminders.plan'](planInput(mr), w.ctx) }, w.ctx);
    const got = await w.scheduler.getSchedule({ Name: out.scheduleNames[0]!, GroupName: 'clinflow-reminders' });
    expect(got.Target).toMatchObject({
      Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-reminder-delivery',
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:reminders-dlq' },
    });
    expect(got.Target?.EventBridgeParameters).toBeUndefined();
  });
});
