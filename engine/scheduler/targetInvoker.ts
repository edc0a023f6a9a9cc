import type { Target } from '@aws-sdk/client-scheduler';
import type { BusPort, ExecutionPort } from '../../schemas/ports';

/** What a schedule's delivery knows about the fire it is delivering. */
export interface FireContext {
  scheduleArn: string;
  /** The nominal fire time (before any flexible-window offset), ms since epoch. */
  scheduledTime: number;
  /** 1 for the first attempt. */
  attempt: number;
  /** Stable per fire: the same across retries, so a target can dedupe. */
  executionId: string;
}

export type TargetInvoker = (target: Target, fire: FireContext) => Promise<void>;

/** Replaces Scheduler's context attributes in a target's Input, as AWS does. */
export function renderTargetInput(input: string | undefined, fire: FireContext): string | undefined {
  if (input === undefined) return undefined;
  return input
    .replaceAll('<aws.scheduler.schedule-arn>', fire.scheduleArn)
    .replaceAll('<aws.scheduler.scheduled-time>', new Date(fire.scheduledTime).toISOString().replace(/\.\d{3}Z$/, 'Z'))
    .replaceAll('<aws.scheduler.execution-id>', fire.executionId)
    .replaceAll('<aws.scheduler.attempt-number>', String(fire.attempt));
}

/**
 * Delivers a target: a Step Functions state machine ARN → ExecutionPort.startExecution (named after
 * the fire, so a retried delivery starts one execution), an EventBridge event bus ARN → BusPort.putEvents.
 * `other` handles further target kinds (Lambda, SQS, …) when a deployment wires them.
 */
export function createTargetInvoker(ports: { executions?: ExecutionPort; bus?: BusPort; other?: TargetInvoker }): TargetInvoker {
  return async (target, fire) => {
    const arn = target.Arn ?? '';
    const input = renderTargetInput(target.Input, fire);
    if (/^arn:aws[a-z-]*:states:[^:]*:[^:]*:stateMachine:/.test(arn)) {
      if (!ports.executions) throw new Error('no ExecutionPort for a state machine target');
      try {
        await ports.executions.startExecution({ stateMachineArn: arn, name: fire.executionId, ...(input === undefined ? {} : { input }) });
      } catch (err) {
        // A re-delivered fire whose first attempt started the execution: it is running already.
        if ((err as { name?: string } | null)?.name !== 'ExecutionAlreadyExists') throw err;
      }
      return;
    }
    if (/^arn:aws[a-z-]*:events:[^:]*:[^:]*:event-bus\//.test(arn)) {
      if (!ports.bus) throw new Error('no BusPort for an event bus target');
      const res = await ports.bus.putEvents([
        {
          EventBusName: arn,
          Source: target.EventBridgeParameters?.Source ?? 'aws.scheduler',
          DetailType: target.EventBridgeParameters?.DetailType ?? 'Scheduled Event',
          Detail: input ?? '{}',
          Time: new Date(fire.scheduledTime),
          Resources: [fire.scheduleArn],
        },
      ]);
      if (res.FailedEntryCount > 0) throw new Error(`PutEvents failed: ${res.Entries[0]?.ErrorCode ?? 'unknown'} ${res.Entries[0]?.ErrorMessage ?? ''}`.trim());
      return;
    }
    if (ports.other) return ports.other(target, fire);
    throw new Error(`unsupported target ARN ${arn}`);
  };
}
