import type { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { BusPort } from '../../../schemas/ports';

/** BusPort on EventBridge PutEvents (at most 10 entries a request, so larger batches are split). */
export function awsBusPort(client: EventBridgeClient, eventBusName: string): BusPort {
  return {
    async putEvents(entries) {
      const results = [];
      let failed = 0;
      for (let i = 0; i < entries.length; i += 10) {
        const out = await client.send(new PutEventsCommand({ Entries: entries.slice(i, i + 10).map((e) => ({ EventBusName: eventBusName, ...e })) }));
        failed += out.FailedEntryCount ?? 0;
        results.push(...(out.Entries ?? []));
      }
      return { FailedEntryCount: failed, Entries: results };
    },
  };
}
