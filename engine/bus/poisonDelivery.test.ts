import { sequentialIds } from '../../core/clock/ids';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { openDatabase, type Db } from '../../core/db/openDatabase';
import { LocalEventBus, MAX_INTERRUPTED_ATTEMPTS } from './localEventBus';

/**
 * A poison pill: a target whose attempt never completes because the process dies during it (a
 * runaway execution start, then kill -9). Each restart is modelled by a fresh bus over the same
 * database while the previous one is still stuck in its attempt (its promise never settles), which
 * is what the journal looks like after a kill -9.
 */
describe('bus deliveries that never complete', () => {
  const rule = { Name: 'r', EventPattern: JSON.stringify({ source: ['x'] }), State: 'ENABLED' as const };
  const target = { Id: 't', Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:runaway' };

  function busOn(db: Db, clock: SimulatedClock, startExecution: () => Promise<{ executionArn: string; startDate: Date }>): LocalEventBus {
    const noop = (): Promise<void> => Promise.resolve();
    const bus = new LocalEventBus({ db, clock, ids: sequentialIds(), executions: { startExecution, sendTaskSuccess: noop, sendTaskFailure: noop, sendTaskHeartbeat: noop } });
    bus.putRule(rule);
    bus.putTargets({ Rule: 'r', Targets: [target] });
    return bus;
  }

  it(`goes to the dead-letter table after ${MAX_INTERRUPTED_ATTEMPTS} interrupted attempts, with its reason, instead of hanging every restart`, async () => {
    const db = openDatabase(':memory:');
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    const never = (): Promise<never> => new Promise(() => undefined);
    let attempts = 0;
    const hanging = (): Promise<never> => {
      attempts++;
      return never();
    };
    await busOn(db, clock, hanging).putEvents([{ Source: 'x', DetailType: 'd', Detail: '{}' }]);
    for (let restart = 0; restart < MAX_INTERRUPTED_ATTEMPTS; restart++) {
      const bus = busOn(db, clock, hanging);
      void bus.deliverDue();
      await new Promise((r) => setImmediate(r));
      clock.set(clock.now() + 1000);
    }
    expect(attempts).toBe(MAX_INTERRUPTED_ATTEMPTS);
    const last = busOn(db, clock, hanging);
    const report = await last.deliverDue();
    expect(attempts).toBe(MAX_INTERRUPTED_ATTEMPTS);
    expect(report.deadLettered).toBe(1);
    expect(last.listDeadLetters()).toEqual([expect.objectContaining({ errorCode: 'DeliveryInterrupted', attempts: MAX_INTERRUPTED_ATTEMPTS, targetArn: target.Arn })]);
    expect(last.listDeadLetters()[0]?.errorMessage).toContain('process stopped during 3 attempts');
    expect(last.pendingDeliveries()).toBe(0);
    db.close();
  });

  it('an interrupted attempt is retried (and counted) when the target then succeeds', async () => {
    const db = openDatabase(':memory:');
    const clock = new SimulatedClock(Date.UTC(2026, 0, 1));
    await busOn(db, clock, () => new Promise(() => undefined)).putEvents([{ Source: 'x', DetailType: 'd', Detail: '{}' }]);
    void busOn(db, clock, () => new Promise(() => undefined)).deliverDue();
    await new Promise((r) => setImmediate(r));
    const ok = busOn(db, clock, () => Promise.resolve({ executionArn: 'arn', startDate: new Date(0) }));
    expect(await ok.deliverDue()).toMatchObject({ delivered: 1, deadLettered: 0 });
    expect(ok.pendingDeliveries()).toBe(0);
    const row = db.prepare('SELECT status, attempts, interrupted, started_at FROM bus_deliveries').get();
    expect(row).toEqual({ status: 'delivered', attempts: 2, interrupted: 1, started_at: null });
    db.close();
  });
});
