import type { ThresholdEntry } from '../../core/planning/threshold.ts';

/** Threshold rules' sliding-window counters (`counter` is `ruleId#keyValue`). */
export interface ThresholdCounters {
  /**
   * Counts an event towards a threshold rule's sliding window. Once per event: a redelivery
   * (same id and time) is 'exists' and changes nothing. The entry may be forgotten after
   * `keepUntil` (DynamoDB: TTL a day later).
   */
  recordThresholdEvent(
    counter: string,
    entry: ThresholdEntry,
    keepUntil: string,
  ): Promise<'created' | 'exists'>;
  /**
   * How many events of the counter have `after` < at ≤ `until` (exact: a consistent read). With
   * `atMost`, counting stops there: the answer is min(count, atMost), and the store reads at most
   * `atMost` entries, so a decision that only asks "at least N?" costs O(N), whatever the window
   * holds.
   */
  countThresholdEvents(counter: string, after: string, until: string, atMost?: number): Promise<number>;
  /**
   * Up to `limit` events of the counter with `after` < at ≤ `until`, oldest first or newest
   * first (ties in time by event id), for an alert's first/last times and samples.
   */
  listThresholdEvents(
    counter: string,
    after: string,
    until: string,
    options: { limit: number; order: 'oldest-first' | 'newest-first' },
  ): Promise<ThresholdEntry[]>;
}
