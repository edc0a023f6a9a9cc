import { openDatabase } from '../../core/db/openDatabase';
import { SubscriptionProgressStore } from './subscriptionProgress';

const SUB = 'https://ehr.example.org/fhir/Subscription/s1';

describe('SubscriptionProgressStore', () => {
  it('records the first sight without a gap, then flags skipped event numbers', () => {
    const p = new SubscriptionProgressStore(openDatabase(':memory:'));
    expect(p.observe('ehr', { subscription: SUB, eventsSinceStart: 0, eventNumbers: [] })).toBe(false); // handshake
    expect(p.observe('ehr', { subscription: SUB, eventNumbers: [1] })).toBe(false);
    expect(p.observe('ehr', { subscription: SUB, eventNumbers: [2, 3] })).toBe(false);
    expect(p.observe('ehr', { subscription: SUB, eventNumbers: [5] })).toBe(true); // 4 never arrived
    expect(p.observe('ehr', { subscription: SUB, eventNumbers: [6, 8] })).toBe(true); // 7 missing inside
    expect(p.observe('ehr', { subscription: SUB, eventNumbers: [4] })).toBe(false); // late arrival: not a new gap
  });
  it('flags a heartbeat that is ahead of the last event seen, once', () => {
    const p = new SubscriptionProgressStore(openDatabase(':memory:'));
    p.observe('ehr', { subscription: SUB, eventNumbers: [10] });
    expect(p.observe('ehr', { subscription: SUB, eventsSinceStart: 10, eventNumbers: [] })).toBe(false);
    expect(p.observe('ehr', { subscription: SUB, eventsSinceStart: 12, eventNumbers: [] })).toBe(true);
    expect(p.observe('ehr', { subscription: SUB, eventsSinceStart: 12, eventNumbers: [] })).toBe(false);
  });
  it('keeps subscriptions and sources apart', () => {
    const p = new SubscriptionProgressStore(openDatabase(':memory:'));
    p.observe('ehr', { subscription: SUB, eventNumbers: [10] });
    expect(p.observe('other', { subscription: SUB, eventNumbers: [20] })).toBe(false);
    expect(p.observe('ehr', { subscription: `${SUB}-b`, eventNumbers: [30] })).toBe(false);
  });
});
