import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { LocalEventBus } from '../../engine/bus/localEventBus';
import { AwsError } from '../protocol/awsError';
import { str, type OperationTable } from './operation';

/** Sources only clinflow itself publishes (FHIR changes, reminders, …): outside callers may not forge them. */
export const RESERVED_SOURCE_PREFIX = 'clinflow.';

/**
 * EventBridge (awsJson1_1, `AWSEvents.<Operation>`) over the local bus. PutEvents refuses, entry
 * by entry, events that claim a reserved `clinflow.*` source unless the caller signs with the
 * service key (clinflow's own components), as EventBridge refuses `aws.*` sources to callers
 * (`NotAuthorizedForSourceException`).
 */
export function eventBridgeOperations(bus: LocalEventBus): OperationTable {
  return {
    PutEvents: {
      write: true,
      run: async (i, ctx) => {
        const entries = i.Entries;
        if (!Array.isArray(entries) || entries.length < 1 || entries.length > 10)
          throw new AwsError('ValidationException', "1 validation error detected: Value at 'entries' failed to satisfy constraint: Member must have length between 1 and 10");
        const results: Record<string, unknown>[] = new Array(entries.length);
        const allowed: { index: number; entry: PutEventsRequestEntry }[] = [];
        const trusted = ctx.caller.service;
        entries.forEach((raw, index) => {
          const e = (raw ?? {}) as Record<string, unknown>;
          const entry: PutEventsRequestEntry = {
            ...(str(e.Source) ? { Source: str(e.Source) } : {}),
            ...(str(e.DetailType) ? { DetailType: str(e.DetailType) } : {}),
            ...(str(e.Detail) ? { Detail: str(e.Detail) } : {}),
            ...(str(e.EventBusName) ? { EventBusName: str(e.EventBusName) } : {}),
            ...(Array.isArray(e.Resources) ? { Resources: e.Resources.filter((r): r is string => typeof r === 'string') } : {}),
            ...(typeof e.Time === 'number' ? { Time: new Date(e.Time * 1000) } : {}),
          };
          if (!trusted && (entry.Source ?? '').toLowerCase().startsWith(RESERVED_SOURCE_PREFIX))
            results[index] = { ErrorCode: 'NotAuthorizedForSourceException', ErrorMessage: 'Not authorized for the source.' };
          else allowed.push({ index, entry });
        });
        if (allowed.length) {
          const out = await bus.putEvents(allowed.map((a) => a.entry));
          allowed.forEach((a, n) => {
            results[a.index] = (out.Entries[n] ?? { ErrorCode: 'InternalException' }) as Record<string, unknown>;
          });
        }
        return { FailedEntryCount: results.filter((r) => 'ErrorCode' in r).length, Entries: results };
      },
      audit: () => ({ kind: 'change' }),
    },
    ListRules: { write: false, run: (i) => bus.listRules({ EventBusName: str(i.EventBusName), NamePrefix: str(i.NamePrefix) }) },
    DescribeRule: { write: false, run: (i) => bus.describeRule({ Name: str(i.Name), EventBusName: str(i.EventBusName) }) },
    ListTargetsByRule: { write: false, run: (i) => bus.listTargetsByRule({ Rule: str(i.Rule), EventBusName: str(i.EventBusName) }) },
    ListEventBuses: { write: false, run: () => bus.listEventBuses() },
    TestEventPattern: { write: false, run: (i) => bus.testEventPattern({ EventPattern: str(i.EventPattern), Event: str(i.Event) }) },
  };
}
