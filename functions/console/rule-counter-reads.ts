import type { Stores } from '../app/ports/stores.ts';
import type { Clock } from '../app/ports.ts';
import { type RuleStatsReport, ruleStatsReport } from '../app/rule-stats-report.ts';
import type { ConsoleBackend } from './console-backend.ts';

/** The days the rules page counts over. */
const RULES_PAGE_DAYS = 30;

/**
 * How long the rules page reuses a rule's counters (real time). The page refreshes itself every
 * 2 s; a read costs ~8 DynamoDB calls per rule (docs/data-model.md, "Rule counters": 4 Queries of
 * the day summaries and late counts, 4 BatchGetItem of today's 384 shards; the first read of a
 * settled day sums it once), ~200 RCU of today's shards: a few seconds' delay in the counts
 * is worth not repeating that every 2 s for every open page.
 */
const RULES_PAGE_STATS_MS = 10_000;

/**
 * A rule's daily counters as both console backends read them: `ruleStats` for the API (rules the
 * console knows only), and `rulesPage` for the rules page (the last 30 UTC days, reused 10 s).
 */
export function ruleCounterReads(deps: {
  stores: Pick<Stores, 'ruleStats'>;
  /** The ids of the rules the console shows. */
  ruleIds: () => readonly string[];
  clock: Clock;
}): Pick<ConsoleBackend, 'ruleStats'> & { rulesPage(ruleId: string): Promise<RuleStatsReport> } {
  const recent = new Map<string, { until: number; report: Promise<RuleStatsReport> }>();
  return {
    ruleStats: async (ruleId, days) =>
      deps.ruleIds().includes(ruleId)
        ? ruleStatsReport(deps.stores.ruleStats, ruleId, deps.clock.now(), days)
        : undefined,
    rulesPage: (ruleId) => {
      const cached = recent.get(ruleId);
      if (cached !== undefined && cached.until > Date.now()) return cached.report;
      const report = ruleStatsReport(deps.stores.ruleStats, ruleId, deps.clock.now(), RULES_PAGE_DAYS);
      recent.set(ruleId, { until: Date.now() + RULES_PAGE_STATS_MS, report });
      report.catch(() => recent.delete(ruleId));
      return report;
    },
  };
}
