/**
 * The project's AWS adapters (deploy/aws/ports) against the local server over HTTP: the same port
 * contracts they pass against AWS's documented behaviour and the in-process engine, now through
 * the SDK clients, SigV4 and the api/ facade. The adapters sign with the service key (clinflow's
 * own components may publish the reserved clinflow.* sources).
 */
import { awsBusPort } from '../../deploy/aws/ports/awsBusPort';
import { awsExecutionPort } from '../../deploy/aws/ports/awsExecutionPort';
import { awsSchedulerPort } from '../../deploy/aws/ports/awsSchedulerPort';
import { SERVICE, startApiFixture } from '../../api/apiFixture.testkit';
import { describeBusPortContract } from './busPortContract';
import { describeExecutionPortContract } from './executionPortContract';
import { describeSchedulerPortContract } from './schedulerPortContract';

describeExecutionPortContract('AWS adapter (Step Functions) against the local server over HTTP', async () => {
  const f = await startApiFixture();
  const { stateMachineArn } = f.engine.createStateMachine({
    name: 'clinflow-demo-reminder-delivery',
    definition: JSON.stringify({ StartAt: 'Hold', States: { Hold: { Type: 'Wait', Seconds: 3600, End: true } } }),
  });
  return { port: awsExecutionPort(f.sfn(SERVICE)), stateMachineArn, close: () => f.close() };
});

describeBusPortContract('AWS adapter (EventBridge PutEvents) against the local server over HTTP', async () => {
  const f = await startApiFixture();
  return { port: awsBusPort(f.events(SERVICE), 'default'), close: () => f.close() };
});

describeSchedulerPortContract('AWS adapter (EventBridge Scheduler) against the local server over HTTP', async () => {
  const f = await startApiFixture();
  // The contract schedules into the reminders group, which a stage creates when it is deployed.
  await f.scheduler.createScheduleGroup({ Name: 'clinflow-reminders' });
  return {
    port: awsSchedulerPort(f.schedulerClient(SERVICE)),
    targetArn: 'arn:aws:states:us-east-1:000000000000:stateMachine:clinflow-demo-reminder-delivery',
    roleArn: 'arn:aws:iam::000000000000:role/clinflow-scheduler',
    close: () => f.close(),
  };
});
