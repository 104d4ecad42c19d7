import type { RuleDayStats, RuleStats } from '../../app/ports/rule-stats.ts';
import { daysBetween, statDay } from '../../app/rule-stat-counters.ts';

/**
 * {@link RuleStats} in memory. The memory message and reply stores call {@link add} from the same
 * synchronous step that applies the outcome, so (as the DynamoDB transaction) an outcome and its
 * count happen together or not at all.
 */
export class MemoryRuleStats implements RuleStats {
  /** `ruleId` → day → counter → count. */
  private readonly counts = new Map<string, Map<string, Map<string, number>>>();

  /** Adds one to each of `counters` of `ruleId` on the UTC day of `at`. */
  add(ruleId: string, at: string, counters: ReadonlyArray<string>): void {
    if (counters.length === 0) return;
    const days = this.counts.get(ruleId) ?? new Map<string, Map<string, number>>();
    const day = statDay(at);
    const counts = days.get(day) ?? new Map<string, number>();
    for (const counter of counters) counts.set(counter, (counts.get(counter) ?? 0) + 1);
    days.set(day, counts);
    this.counts.set(ruleId, days);
  }

  async readDays(ruleId: string, fromDay: string, toDay: string): Promise<RuleDayStats[]> {
    const days = this.counts.get(ruleId);
    return daysBetween(fromDay, toDay).map((day) => ({
      day,
      counts: Object.fromEntries(days?.get(day) ?? []),
    }));
  }
}
