import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { loadProject } from '../../functions/adapters/files/load-project.ts';
import { MAX_STATS_DAYS, ruleStatsReport } from '../../functions/app/rule-stats-report.ts';
import { formatRuleDays, formatRulesTotals } from '../format-rule-stats.ts';
import { openStoreTarget, type StoreTargetOptions, storeTargetOptions } from '../store-target.ts';

interface StatsOptions extends StoreTargetOptions {
  rule?: string;
  days: string;
  rules: string;
  json?: boolean;
}

/** `nudge stats [--rule id] [--days 30]`: the per-rule daily counters, from the journey table. */
export function registerStats(program: Command): void {
  storeTargetOptions(
    program
      .command('stats')
      .description(
        "Per-rule counts per UTC day (planned, sent, delivered, failed, held back, …) from the rules' counters",
      )
      .option('--rule <id>', 'one rule, day by day (default: every rule in the rules folder, totals)')
      .option('--days <n>', `UTC days ending today, 1–${MAX_STATS_DAYS}`, '30')
      .option('--rules <dir>', 'rules folder (to list every rule)', 'rules')
      .option('--json', 'print the reports as JSON'),
  ).action(async (options: StatsOptions) => {
    const days = Number(options.days);
    if (!/^\d+$/.test(options.days) || days < 1 || days > MAX_STATS_DAYS) {
      process.stderr.write(`--days must be an integer from 1 to ${MAX_STATS_DAYS}, got ${options.days}\n`);
      process.exitCode = 2;
      return;
    }
    const ruleIds =
      options.rule === undefined
        ? loadProject({ rules: options.rules, templates: 'templates' }).rules.map((loaded) => loaded.rule.id)
        : [options.rule];
    const target = await openStoreTarget(options);
    try {
      const now = DateTime.utc();
      const reports = [];
      for (const ruleId of ruleIds)
        reports.push(await ruleStatsReport(target.stores.ruleStats, ruleId, now, days));
      if (options.json === true) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
      else if (options.rule !== undefined && reports[0] !== undefined)
        process.stdout.write(formatRuleDays(reports[0]));
      else process.stdout.write(formatRulesTotals(reports));
      process.stderr.write(`from ${target.where}\n`);
    } finally {
      await target.close();
    }
  });
}
