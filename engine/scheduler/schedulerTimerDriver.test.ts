import { openDatabase } from '../../core/db/openDatabase';
import { LocalScheduler } from './localScheduler';
import { SchedulerTimerDriver } from './schedulerTimerDriver';

const ROLE = 'arn:aws:iam::000000000000:role/r';

describe('SchedulerTimerDriver (real clock)', () => {
  it('fires an at() schedule at most 1 s late with one timer, and re-arms when schedules change', async () => {
    let resolveFired: (t: number) => void = () => undefined;
    const fired = new Promise<number>((r) => (resolveFired = r));
    const scheduler = new LocalScheduler({ db: openDatabase(':memory:'), clock: { now: () => Date.now() }, invoke: async () => resolveFired(Date.now()) });
    const driver = new SchedulerTimerDriver(scheduler);
    driver.start(); // armed while empty: the create below must re-arm it
    const due = Math.ceil((Date.now() + 1500) / 1000) * 1000;
    await scheduler.createSchedule({
      Name: 'soon',
      ScheduleExpression: `at(${new Date(due).toISOString().slice(0, 19)})`,
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: 'arn:aws:states:us-east-1:000000000000:stateMachine:x', RoleArn: ROLE },
    });
    const firedAt = await fired;
    await driver.stop();
    expect(firedAt - due).toBeGreaterThanOrEqual(0);
    expect(firedAt - due).toBeLessThan(1000);
  });
});
