/**
 * A rule's daily counters over the last N UTC days, with totals: what `GET /api/rules/:id/stats`,
 * the console's rules page and `nudge stats` show. Read from the counters (ports/rule-stats.ts),
 * never by listing messages.
 */
import type { DateTime } from 'luxon';
import type { RuleDayStats, RuleStats } from './ports/rule-stats.ts';

/** Most days one report covers. */
export const MAX_STATS_DAYS = 366;

/** A rule's counters per UTC day, oldest first, and their sums. */
export interface RuleStatsReport {
  ruleId: string;
  /** First and last UTC day covered (`yyyy-MM-dd`), the last being today. */
  from: string;
  to: string;
  days: RuleDayStats[];
  /** Every counter summed over the days. */
  totals: Record<string, number>;
}

/** The counters of `ruleId` for the `days` UTC days ending today (by `now`). */
export async function ruleStatsReport(
  stats: RuleStats,
  ruleId: string,
  now: DateTime,
  days: number,
): Promise<RuleStatsReport> {
  const span = Math.min(Math.max(1, Math.floor(days)), MAX_STATS_DAYS);
  const today = now.toUTC();
  const to = today.toFormat('yyyy-MM-dd');
  const from = today.minus({ days: span - 1 }).toFormat('yyyy-MM-dd');
  const daily = await stats.readDays(ruleId, from, to);
  return { ruleId, from, to, days: daily, totals: sumCounts(daily) };
}

/** Every counter summed over `days`. */
function sumCounts(days: ReadonlyArray<RuleDayStats>): Record<string, number> {
  const totals: Record<string, number> = {};
  for (const day of days) {
    for (const [counter, count] of Object.entries(day.counts))
      totals[counter] = (totals[counter] ?? 0) + count;
  }
  return totals;
}
