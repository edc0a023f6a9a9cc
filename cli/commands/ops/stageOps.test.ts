/**
 * The ops commands against a deployed stage, with AWS mocked (aws-sdk-client-mock) and every fake
 * answer written from AWS's documentation, not from what our code expects:
 * - SQS ReceiveMessage returns at most MaxNumberOfMessages (≤ 10) messages with the requested
 *   MessageAttributes, and an empty answer (no `Messages`) when there are none
 *   (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_ReceiveMessage.html);
 *   GetQueueUrl answers `QueueUrl` (…/API_GetQueueUrl.html).
 * - An EventBridge rule target's dead letter: the event as the body, message attributes RULE_ARN,
 *   TARGET_ARN, ERROR_CODE, ERROR_MESSAGE (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html).
 * - A Scheduler dead letter: the target input as the body, attributes ERROR_CODE, ERROR_MESSAGE,
 *   EXECUTION_ID, SCHEDULE_ARN, TARGET_ARN (https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html).
 * - A Lambda asynchronous-invocation failure sent to an SQS destination: an invocation record with
 *   requestContext (requestId, functionArn, condition, approximateInvokeCount), requestPayload,
 *   responseContext, responsePayload (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
 * - StartExecution with a name already used fails ExecutionAlreadyExists
 *   (https://docs.aws.amazon.com/step-functions/latest/apireference/API_StartExecution.html).
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeExecutionCommand, ExecutionAlreadyExists, ListExecutionsCommand, ListStateMachinesCommand, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, SQSClient, type Message } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { keyNamePrefix } from '../../../tasks/correlation/correlationNames';
import { jsonOut, runCli } from './runCli.testkit';

const ACCOUNT = '123456789012';
const QUEUE = `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT}/clinflow-prod-dlq`;
const MACHINE = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:clinflow-prod-medication-reminders`;
const DELIVERY = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:clinflow-prod-reminder-delivery`;
const RESUME = `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:clinflow-prod-human-task-resume`;
const s = (v: string) => ({ DataType: 'String', StringValue: v });
const EVENT = JSON.stringify({ version: '0', id: 'e1', 'detail-type': 'FHIR Resource Changed', source: 'clinflow.fhir', detail: { reference: 'MedicationRequest/m1' } });
const SLOT = JSON.stringify({ order: 'MedicationRequest/m1', slot: 'd0-0800', at: '2030-01-02T08:00:00Z' });
const TASK_EVENT = { 'detail-type': 'FHIR Resource Changed', detail: { resourceType: 'Task', reference: 'Task/t1' } };

const messages: Message[] = [
  {
    MessageId: 'm-bus',
    ReceiptHandle: 'rh-bus',
    Body: EVENT,
    MessageAttributes: {
      RULE_ARN: s(`arn:aws:events:eu-west-1:${ACCOUNT}:rule/clinflow-prod/medication-reminders`),
      TARGET_ARN: s(MACHINE),
      ERROR_CODE: s('ThrottlingException'),
      ERROR_MESSAGE: s('Rate exceeded'),
    },
  },
  {
    MessageId: 'm-sched',
    ReceiptHandle: 'rh-sched',
    Body: SLOT,
    MessageAttributes: {
      ERROR_CODE: s('AWS.Scheduler.InternalServerError'),
      ERROR_MESSAGE: s('x'),
      EXECUTION_ID: s('0f1e2d3c-exec'),
      SCHEDULE_ARN: s(`arn:aws:scheduler:eu-west-1:${ACCOUNT}:schedule/clinflow-prod/rem-abc`),
      TARGET_ARN: s(DELIVERY),
    },
  },
  {
    MessageId: 'm-lambda',
    ReceiptHandle: 'rh-lambda',
    Body: JSON.stringify({
      version: '1.0',
      timestamp: '2030-01-01T10:00:00.000Z',
      requestContext: { requestId: 'r1', functionArn: `${RESUME}:$LATEST`, condition: 'RetriesExhausted', approximateInvokeCount: 3 },
      requestPayload: TASK_EVENT,
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      responsePayload: { errorMessage: 'FHIR.Unavailable' },
    }),
  },
  { MessageId: 'm-odd', ReceiptHandle: 'rh-odd', Body: 'hello' },
];

describe('ops commands against a stage (AWS mocked)', () => {
  const sqs = mockClient(SQSClient);
  const sfn = mockClient(SFNClient);
  const lambda = mockClient(LambdaClient);
  function cli(...args: string[]): ReturnType<typeof runCli> {
    return runCli([...args, '--stage', 'prod', '--region', 'eu-west-1']);
  }

  beforeEach(() => {
    sqs.reset();
    sfn.reset();
    lambda.reset();
    sqs.on(GetQueueUrlCommand, { QueueName: 'clinflow-prod-dlq' }).resolves({ QueueUrl: QUEUE });
    sqs.on(ReceiveMessageCommand).resolvesOnce({ Messages: messages }).resolves({});
    sqs.on(DeleteMessageCommand).resolves({});
    sqs.on(ChangeMessageVisibilityCommand).resolves({});
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  });

  it('dlq list --stage samples the queue, names each kind, and leaves every message visible', async () => {
    const r = await cli('dlq', 'list', '--json');
    expect(r.code).toBe(0);
    expect(jsonOut<{ id: string; source: string; target: string; error: string }[]>(r.out).map((x) => [x.id, x.source, x.target, x.error])).toEqual([
      ['m-bus', 'bus', MACHINE, 'ThrottlingException'],
      ['m-sched', 'scheduler', DELIVERY, 'AWS.Scheduler.InternalServerError'],
      ['m-lambda', 'lambda', `${RESUME}:$LATEST`, 'RetriesExhausted'],
      ['m-odd', 'unknown', '', ''],
    ]);
    expect(r.out).not.toContain('MedicationRequest/m1');
    expect(sqs.commandCalls(ReceiveMessageCommand)[0]?.args[0].input).toMatchObject({ QueueUrl: QUEUE, MaxNumberOfMessages: 10, MessageAttributeNames: ['All'] });
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => [c.args[0].input.ReceiptHandle, c.args[0].input.VisibilityTimeout])).toEqual([
      ['rh-bus', 0],
      ['rh-sched', 0],
      ['rh-lambda', 0],
      ['rh-odd', 0],
    ]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
  });

  it('dlq redrive --all --dry-run starts and deletes nothing', async () => {
    const r = await cli('dlq', 'redrive', '--all', '--dry-run', '--json');
    expect(jsonOut<{ id: string; outcome: string }[]>(r.out).map((x) => [x.id, x.outcome])).toEqual([
      ['m-bus', 'would redrive'],
      ['m-sched', 'would redrive'],
      ['m-lambda', 'would redrive'],
      ['m-odd', 'not redrivable'],
    ]);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
    expect(lambda.commandCalls(InvokeCommand)).toHaveLength(0);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand)).toHaveLength(4);
  });

  it('dlq redrive --all starts each target (a Scheduler one under its EXECUTION_ID), re-invokes the function, deletes what was redriven', async () => {
    sfn.on(StartExecutionCommand, { stateMachineArn: MACHINE }).resolves({ executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:x`, startDate: new Date() });
    // The occurrence had started after all: its name is taken.
    sfn.on(StartExecutionCommand, { stateMachineArn: DELIVERY }).rejects(new ExecutionAlreadyExists({ message: 'Execution Already Exists', $metadata: {} }));
    const r = await cli('dlq', 'redrive', '--all', '--json');
    expect(r.code).toBe(0);
    expect(jsonOut<{ id: string; outcome: string }[]>(r.out).map((x) => [x.id, x.outcome])).toEqual([
      ['m-bus', 'redriven'],
      ['m-sched', 'already started'],
      ['m-lambda', 'redriven'],
      ['m-odd', 'not redrivable'],
    ]);
    expect(sfn.commandCalls(StartExecutionCommand).map((c) => c.args[0].input)).toEqual([
      { stateMachineArn: MACHINE, input: EVENT },
      { stateMachineArn: DELIVERY, input: SLOT, name: '0f1e2d3c-exec' },
    ]);
    const invoke = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    expect(invoke).toMatchObject({ FunctionName: `${RESUME}:$LATEST`, InvocationType: 'Event' });
    expect(JSON.parse(Buffer.from(invoke?.Payload as Uint8Array).toString('utf8'))).toEqual(TASK_EVENT);
    expect(sqs.commandCalls(DeleteMessageCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual(['rh-bus', 'rh-sched', 'rh-lambda']);
    expect(sqs.commandCalls(ChangeMessageVisibilityCommand).map((c) => c.args[0].input.ReceiptHandle)).toEqual(['rh-odd']);
  });

  it('dlq redrive <MessageId> redrives that one; a failed start keeps the message (visible again) and exits 1', async () => {
    sfn.on(StartExecutionCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    const r = await cli('dlq', 'redrive', 'm-bus', '--json');
    expect(r.code).toBe(1);
    expect(jsonOut<{ id: string; outcome: string; error?: string }[]>(r.out)).toEqual([{ id: 'm-bus', source: 'bus', target: MACHINE, outcome: 'failed', error: 'ThrottlingException' }]);
    expect(sqs.commandCalls(DeleteMessageCommand)).toHaveLength(0);
    expect(
      sqs
        .commandCalls(ChangeMessageVisibilityCommand)
        .map((c) => c.args[0].input.ReceiptHandle)
        .sort(),
    ).toEqual(['rh-bus', 'rh-lambda', 'rh-odd', 'rh-sched']);
  });

  it('executions list --key on a stage: keyed runs by their ck- name, others by their input (read only for those)', async () => {
    const keyed = `${keyNamePrefix('MedicationRequest/m1')}0123456789abcdef`;
    const exec = (name: string) => ({
      executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:${name}`,
      stateMachineArn: MACHINE,
      name,
      status: 'SUCCEEDED' as const,
      startDate: new Date('2030-01-01T10:00:00Z'),
    });
    sfn.on(ListStateMachinesCommand).resolves({ stateMachines: [{ stateMachineArn: MACHINE, name: 'clinflow-prod-medication-reminders', type: 'STANDARD', creationDate: new Date() }] });
    sfn.on(ListExecutionsCommand).resolves({ executions: [exec(keyed), exec('by-input'), exec('unrelated')] });
    sfn.on(DescribeExecutionCommand, { executionArn: exec('by-input').executionArn }).resolves({ ...exec('by-input'), input: EVENT });
    sfn.on(DescribeExecutionCommand, { executionArn: exec('unrelated').executionArn }).resolves({ ...exec('unrelated'), input: '{"detail":{"reference":"MedicationRequest/m2"}}' });
    const r = await cli('executions', 'list', '--key', 'MedicationRequest/m1', '--json');
    expect(r.code).toBe(0);
    expect(
      jsonOut<{ name: string }[]>(r.out)
        .map((e) => e.name)
        .sort(),
    ).toEqual([keyed, 'by-input'].sort());
    expect(sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input.executionArn?.split(':')[7])).toEqual(['by-input', 'unrelated']);
  });
});
