import type { Stores } from '../app/ports/stores.ts';
import type { Clock } from '../app/ports.ts';
import { type RuleStatsReport, ruleStatsReport } from '../app/rule-stats-report.ts';
import type { ConsoleBackend } from './console-backend.ts';

/** The days the rules page counts over. */
const RULES_PAGE_DAYS = 30;

/**
 * How long the rules page reuses a rule's counters (real time). The page refreshes itself every
 * 2 s, and each read sums every shard of the counters (384 Queries per rule, docs/data-model.md,
 * rule counters): a few seconds' delay in the counts is worth not repeating that every 2 s.
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
