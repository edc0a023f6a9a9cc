import { describeSchedulerPortContract } from '../../test/contracts/schedulerPortContract';
import { SimulatedClock } from '../../core/clock/simulatedClock';
import { openDatabase } from '../../core/db/openDatabase';
import { LocalScheduler } from './localScheduler';

describeSchedulerPortContract('LocalScheduler', async () => {
  const db = openDatabase(':memory:');
  const port = new LocalScheduler({ db, clock: new SimulatedClock(Date.UTC(2025, 0, 1)), invoke: async () => undefined });
  // On AWS the deployment creates the group; locally the fixture does.
  await port.createScheduleGroup({ Name: 'clinflow-reminders' });
  return { port, targetArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:reminder-send', roleArn: 'arn:aws:iam::000000000000:role/clinflow-scheduler', close: () => void db.close() };
});
