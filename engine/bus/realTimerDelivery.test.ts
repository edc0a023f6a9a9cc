import type { StartExecutionCommandInput } from '@aws-sdk/client-sfn';
import { sequentialIds } from '../../core/clock/ids';
import { systemClock } from '../../core/clock/systemClock';
import { openDatabase } from '../../core/db/openDatabase';
import { LocalEventBus } from './localEventBus';
import { startDelivery } from './realTimerDelivery';

const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:x';

describe('startDelivery (real timers)', () => {
  it('delivers on kick and retries on the real clock until stopped', async () => {
    const calls: StartExecutionCommandInput[] = [];
    let failFirst = true;
    const bus = new LocalEventBus({
      db: openDatabase(':memory:'),
      clock: systemClock,
      ids: sequentialIds(),
      retryBaseDelayMs: 20,
      executions: {
        startExecution: async (input) => {
          calls.push(input);
          if (failFirst) {
            failFirst = false;
            throw Object.assign(new Error('busy'), { name: 'ServiceUnavailable' });
          }
          return { executionArn: 'arn', startDate: new Date(0) };
        },
        sendTaskSuccess: async () => {},
        sendTaskFailure: async () => {},
        sendTaskHeartbeat: async () => {},
      },
    });
    bus.putRule({ Name: 'r', EventPattern: '{"source":["s"]}' });
    bus.putTargets({ Rule: 'r', Targets: [{ Id: 't', Arn: SM }] });
    const loop = startDelivery(bus, systemClock, { pollMs: 50 });
    await bus.putEvents([{ Source: 's', DetailType: 'd', Detail: '{}' }]);
    loop.kick();
    const deadline = Date.now() + 5000;
    while (bus.pendingDeliveries() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    await loop.stop();
    expect(bus.pendingDeliveries()).toBe(0);
    expect(calls).toHaveLength(2);
  });
});
