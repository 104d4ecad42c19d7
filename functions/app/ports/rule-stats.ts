/**
 * Per-rule daily counters (issue 13, analytics): how many messages a rule planned, sent, got
 * delivered, failed, held back (by reason), cancelled, and how many replies and opt-outs they
 * drew, per UTC day. The counters are written by the stores in the same atomic write as the
 * outcome they count (functions/app/rule-stat-counters.ts says which write counts what), so a
 * redelivered or replayed transition is counted once; this port is the read side.
 */

/** One rule's counters on one UTC day (`yyyy-MM-dd`). Counters never written are absent. */
export interface RuleDayStats {
  day: string;
  /** Counter name → count (`planned`, `sent`, `suppressed`, `suppressed:outside-window`, …). */
  counts: Record<string, number>;
}

/** Reads the per-rule daily counters. */
export interface RuleStats {
  /**
   * The counters of `ruleId` for every UTC day from `fromDay` to `toDay` (`yyyy-MM-dd`, both
   * included), oldest first, one entry per day (empty `counts` on a day without outcomes).
   */
  readDays(ruleId: string, fromDay: string, toDay: string): Promise<RuleDayStats[]>;
}
