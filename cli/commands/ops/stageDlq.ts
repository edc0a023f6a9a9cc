import { InvokeCommand } from '@aws-sdk/client-lambda';
import { StartExecutionCommand } from '@aws-sdk/client-sfn';
import { ChangeMessageVisibilityCommand, DeleteMessageCommand, GetQueueUrlCommand, ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { dlqName, templateTarget } from '../../../deploy/names';
import type { Connection } from './opsConnection';

/**
 * The stage's one SQS dead-letter queue (`clinflow-<stage>-dlq`) receives three kinds of message,
 * told apart by what AWS documents for each:
 * - EventBridge rule targets: the event as the body; attributes RULE_ARN, TARGET_ARN, ERROR_CODE,
 *   ERROR_MESSAGE (https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-rule-dlq.html);
 * - EventBridge Scheduler: the target input as the body; attributes ERROR_CODE, ERROR_MESSAGE,
 *   EXECUTION_ID, SCHEDULE_ARN, TARGET_ARN
 *   (https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html);
 * - the human-task resume function's asynchronous failures (OnFailure destination): an invocation
 *   record, `requestContext.functionArn` and `requestPayload`
 *   (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html).
 */
export interface StageDeadLetter {
  /** The SQS MessageId: what `dlq redrive` takes. */
  id: string;
  source: 'bus' | 'scheduler' | 'lambda' | 'unknown';
  target: string;
  error: string;
  from: string;
  receiptHandle: string;
  /** What redriving it does: start the state machine with this input (and name), or invoke the function. */
  redrive?: { kind: 'start'; stateMachineArn: string; input: string; name?: string } | { kind: 'invoke'; functionArn: string; payload: string };
}

const attr = (m: Message, name: string): string | undefined => m.MessageAttributes?.[name]?.StringValue;
const isStateMachine = (arn: string): boolean => /^arn:aws[\w-]*:states:[^:]*:\d{12}:stateMachine:/.test(arn);

export function classify(m: Message): StageDeadLetter {
  const base = { id: m.MessageId ?? '', receiptHandle: m.ReceiptHandle ?? '', error: attr(m, 'ERROR_CODE') ?? '' };
  const body = m.Body ?? '';
  const target = attr(m, 'TARGET_ARN') ?? '';
  const schedule = attr(m, 'SCHEDULE_ARN');
  if (schedule !== undefined) {
    const execution = attr(m, 'EXECUTION_ID');
    return {
      ...base,
      source: 'scheduler',
      target,
      from: schedule.split(':').pop() ?? schedule,
      ...(isStateMachine(target) ? { redrive: { kind: 'start', stateMachineArn: target, input: body, ...(execution ? { name: execution } : {}) } } : {}),
    };
  }
  const rule = attr(m, 'RULE_ARN');
  if (rule !== undefined)
    return { ...base, source: 'bus', target, from: rule.split(':').pop() ?? rule, ...(isStateMachine(target) ? { redrive: { kind: 'start', stateMachineArn: target, input: body } } : {}) };
  try {
    const record = JSON.parse(body) as { requestContext?: { functionArn?: string; condition?: string }; requestPayload?: unknown };
    const fn = record.requestContext?.functionArn;
    if (fn && record.requestPayload !== undefined) {
      // A qualified ARN (`…:function:name:$LATEST`) invokes that version, as the failed call did.
      return {
        ...base,
        source: 'lambda',
        target: fn,
        error: record.requestContext?.condition ?? base.error,
        from: fn.split(':')[6] ?? fn,
        redrive: { kind: 'invoke', functionArn: fn, payload: JSON.stringify(record.requestPayload) },
      };
    }
  } catch {
    // not an invocation record
  }
  return { ...base, source: 'unknown', target, from: '' };
}

async function queueUrl(conn: Connection): Promise<string> {
  if (!conn.stage) throw new Error('the stage DLQ needs --stage');
  const out = await conn.sqs.send(new GetQueueUrlCommand({ QueueName: dlqName(templateTarget(conn.stage)) }));
  if (!out.QueueUrl) throw new Error(`no queue URL for ${dlqName(templateTarget(conn.stage))}`);
  return out.QueueUrl;
}

/**
 * Receives up to `limit` messages (SQS hides each for `visibilitySeconds` while it is handled).
 * SQS returns at most 10 per call and may return fewer than are there; an empty answer ends it.
 */
async function receive(conn: Connection, url: string, limit: number, visibilitySeconds: number): Promise<StageDeadLetter[]> {
  const out: StageDeadLetter[] = [];
  while (out.length < limit) {
    const page = await conn.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: Math.min(10, limit - out.length), MessageAttributeNames: ['All'], VisibilityTimeout: visibilitySeconds, WaitTimeSeconds: 0 }),
    );
    const messages = page.Messages ?? [];
    if (messages.length === 0) break;
    out.push(...messages.map(classify));
  }
  return out;
}

/** Makes received messages visible again at once (a listing or a dry run leaves the queue as it was). */
async function release(conn: Connection, url: string, letters: readonly StageDeadLetter[]): Promise<void> {
  for (const l of letters) await conn.sqs.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: l.receiptHandle, VisibilityTimeout: 0 }));
}

export async function listStageDeadLetters(conn: Connection, limit: number): Promise<StageDeadLetter[]> {
  const url = await queueUrl(conn);
  const letters = await receive(conn, url, limit, 30);
  await release(conn, url, letters);
  return letters;
}

export interface StageRedriveResult {
  id: string;
  source: StageDeadLetter['source'];
  target: string;
  outcome: 'redriven' | 'would redrive' | 'already started' | 'not redrivable' | 'failed';
  error?: string;
}

/**
 * Redrives the stage DLQ: each message (one by MessageId, or all) is re-delivered to where it was
 * going — the state machine is started with the body as input (a Scheduler message under its
 * EXECUTION_ID as the name, so a start that did happen is not repeated: ExecutionAlreadyExists
 * counts as started), the function is invoked asynchronously with the original payload — and only
 * then deleted. A message that cannot be redriven or whose redrive fails is made visible again.
 */
export async function redriveStageDeadLetters(conn: Connection, opts: { id?: string; dryRun: boolean; limit: number }): Promise<StageRedriveResult[]> {
  const url = await queueUrl(conn);
  const letters = await receive(conn, url, opts.limit, 120);
  const chosen = opts.id === undefined ? letters : letters.filter((l) => l.id === opts.id);
  const others = letters.filter((l) => !chosen.includes(l));
  await release(conn, url, others);
  const results: StageRedriveResult[] = [];
  for (const l of chosen) {
    const row = { id: l.id, source: l.source, target: l.target };
    if (!l.redrive) {
      results.push({ ...row, outcome: 'not redrivable' });
      await release(conn, url, [l]);
      continue;
    }
    if (opts.dryRun) {
      results.push({ ...row, outcome: 'would redrive' });
      await release(conn, url, [l]);
      continue;
    }
    let outcome: StageRedriveResult['outcome'] = 'redriven';
    try {
      if (l.redrive.kind === 'start') {
        try {
          await conn.sfn.send(new StartExecutionCommand({ stateMachineArn: l.redrive.stateMachineArn, input: l.redrive.input, ...(l.redrive.name ? { name: l.redrive.name } : {}) }));
        } catch (err) {
          if ((err as { name?: string }).name !== 'ExecutionAlreadyExists') throw err;
          outcome = 'already started';
        }
      } else {
        await conn.lambda.send(new InvokeCommand({ FunctionName: l.redrive.functionArn, InvocationType: 'Event', Payload: Buffer.from(l.redrive.payload) }));
      }
      await conn.sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: l.receiptHandle }));
      results.push({ ...row, outcome });
    } catch (err) {
      results.push({ ...row, outcome: 'failed', error: (err as { name?: string }).name ?? 'Error' });
      await release(conn, url, [l]);
    }
  }
  return results;
}
