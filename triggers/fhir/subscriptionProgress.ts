import type { Db } from '../../core/db/openDatabase';
import type { SubscriptionProgress } from './resourceChange';
import { ensureTriggerSchema } from './triggerSchema';

/**
 * Notices missed topic-based notifications, as the Subscriptions framework recommends: the last
 * event number seen per source and subscription; an event-notification that skips numbers, or a
 * heartbeat whose `eventsSinceSubscriptionStart` is ahead, means events were lost on the way and the
 * caller should query back. The first sight of a subscription only records where it stands.
 */
export class SubscriptionProgressStore {
  constructor(private readonly db: Db) {
    ensureTriggerSchema(db);
  }

  /** Records the progress; true when events were missed since the last one seen. */
  observe(source: string, p: SubscriptionProgress): boolean {
    const last = this.db.prepare('SELECT last_event_number FROM trigger_subscription_progress WHERE source = ? AND subscription = ?').pluck().get(source, p.subscription) as number | undefined;
    const numbers = [...p.eventNumbers].sort((a, b) => a - b);
    const newest = Math.max(p.eventsSinceStart ?? 0, numbers.at(-1) ?? 0);
    let gap = false;
    if (last !== undefined) {
      const first = numbers[0];
      if (first !== undefined && first > last + 1) gap = true;
      for (let i = 1; i < numbers.length; i++) if ((numbers[i] ?? 0) > (numbers[i - 1] ?? 0) + 1) gap = true;
      if (numbers.length === 0 && p.eventsSinceStart !== undefined && p.eventsSinceStart > last) gap = true;
    }
    if (last === undefined || newest > last) {
      this.db
        .prepare(
          'INSERT INTO trigger_subscription_progress (source, subscription, last_event_number) VALUES (?, ?, ?) ON CONFLICT(source, subscription) DO UPDATE SET last_event_number = max(last_event_number, excluded.last_event_number)',
        )
        .run(source, p.subscription, newest);
    }
    return gap;
  }
}
