import type { JourneyEvent } from '../../core/journey-event.ts';

/** One accepted journey event as the archive keeps it. */
export interface ArchivedEvent {
  /** The event as evaluate accepted it (the EventBridge envelope). */
  event: JourneyEvent;
  /** The event's own `time`, as a UTC ISO instant: what the archive orders and buckets by. */
  at: string;
  /** When Nudge accepted it (the clock of evaluate). */
  receivedAt: string;
  /** The customer the event names (`detail.customer.id`, else `detail.customerId`), if any. */
  customerId?: string;
}

/**
 * Nudge's own record of the journey events it accepted, kept for a while (the adapter's
 * retention, 30 days by default) so a backtest can replay the real past through two rule sets,
 * and a customer's timeline or a privacy erase can find a customer's events by key. Every accepted
 * event is archived, whether or not a rule matched it.
 */
export interface EventArchive {
  /**
   * Keeps one accepted event. Idempotent: the same event (id and time) archived twice is one
   * record, so a redelivery changes nothing.
   */
  archive(entry: ArchivedEvent): Promise<void>;
  /**
   * The archived events with `from` ≤ at < `to`, oldest first (ties by event id), read page by
   * page so memory stays bounded whatever the window holds. Never a Scan.
   */
  readRange(from: string, to: string): AsyncIterable<ArchivedEvent>;
}
