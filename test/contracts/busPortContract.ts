/**
 * The BusPort contract: the local bus (engine/bus/localEventBus) and the AWS adapter
 * (deploy/aws/ports/awsBusPort) must both pass it. Where they could differ, the contract follows
 * EventBridge's documented PutEvents behaviour.
 */
import type { PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import type { BusPort } from '../../schemas/ports';
import { errorName } from './contractKit';

export interface BusPortFixture {
  port: BusPort;
  close?: () => Promise<void> | void;
}

/** EventBridge's limit on one PutEvents request (entries sized as AWS documents). */
export const PUT_EVENTS_LIMIT_BYTES = 256 * 1024;

export function describeBusPortContract(label: string, make: () => Promise<BusPortFixture>): void {
  describe(`BusPort contract: ${label}`, () => {
    let f: BusPortFixture;
    beforeEach(async () => {
      f = await make();
    });
    afterEach(async () => {
      await f.close?.();
    });
    const entry = (n: number, over: Partial<PutEventsRequestEntry> = {}): PutEventsRequestEntry => ({
      Source: 'clinflow.fhir',
      DetailType: 'FHIR Resource Changed',
      Detail: JSON.stringify({ reference: `MedicationRequest/m-${n}`, interaction: 'update' }),
      Resources: [`MedicationRequest/m-${n}`],
      ...over,
    });

    it('accepts valid entries: one result per entry, each with an EventId, FailedEntryCount 0', async () => {
      const out = await f.port.putEvents([entry(1), entry(2), entry(3)]);
      expect(out.FailedEntryCount).toBe(0);
      expect(out.Entries).toHaveLength(3);
      for (const r of out.Entries) {
        expect(typeof r.EventId).toBe('string');
        expect(r.EventId).not.toBe('');
        expect(r.ErrorCode).toBeUndefined();
      }
      expect(new Set(out.Entries.map((r) => r.EventId)).size).toBe(3);
    });

    it('an entry with a malformed Detail fails on its own (ErrorCode in its result slot); the others are accepted', async () => {
      const out = await f.port.putEvents([entry(1), entry(2, { Detail: '{not json' }), entry(3)]);
      expect(out.FailedEntryCount).toBe(1);
      expect(out.Entries).toHaveLength(3);
      expect(out.Entries[0]?.EventId).toEqual(expect.any(String));
      expect(out.Entries[1]).toMatchObject({ ErrorCode: 'MalformedDetail' });
      expect(out.Entries[1]?.EventId).toBeUndefined();
      expect(out.Entries[2]?.EventId).toEqual(expect.any(String));
    });

    it('a Detail that is JSON but not an object is malformed too', async () => {
      const out = await f.port.putEvents([entry(1, { Detail: '[1,2]' })]);
      expect(out).toMatchObject({ FailedEntryCount: 1, Entries: [{ ErrorCode: 'MalformedDetail' }] });
    });

    it('an entry over 256 KB is refused: EventBridge fails the whole request with ValidationException', async () => {
      // EventBridge checks the request's total entry size before any entry: there is no per-entry
      // "too large" ErrorCode. The brief expected a per-entry refusal; AWS's behaviour wins.
      const big = entry(9, { Detail: JSON.stringify({ pad: 'x'.repeat(PUT_EVENTS_LIMIT_BYTES) }) });
      expect(await errorName(f.port.putEvents([big]))).toBe('ValidationException');
      expect(await errorName(f.port.putEvents([entry(1), big]))).toBe('ValidationException');
    });

    it('an entry just under the limit is accepted', async () => {
      const e = entry(7);
      const overhead = Buffer.byteLength(`${e.Source}${e.DetailType}${e.Resources?.[0]}{"pad":""}`);
      const out = await f.port.putEvents([entry(7, { Detail: JSON.stringify({ pad: 'x'.repeat(PUT_EVENTS_LIMIT_BYTES - overhead - 1) }) })]);
      expect(out).toMatchObject({ FailedEntryCount: 0, Entries: [{ EventId: expect.any(String) }] });
    });
  });
}
