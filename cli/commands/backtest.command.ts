import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { compileDeployedProject } from '../../functions/handlers/compile-project.ts';
import { DEPLOYED_PROJECT_FORMAT, type DeployedProject } from '../../functions/handlers/deployed-project.ts';
import {
  type BacktestInputs,
  formatBacktestReport,
  runBacktest,
} from '../../functions/simulator/backtest.ts';
import {
  costPreview,
  formatCostPreview,
  type PriceTable,
  readPriceTable,
} from '../../functions/simulator/cost-preview.ts';
import { archivedInputs, streamJsonLines } from '../../functions/simulator/read-events.ts';
import { reRunWithHeapLimit } from '../backtest-heap.ts';
import { defaultPriceTablePath } from '../publish-gate.ts';
import {
  openStoreTarget,
  type StoreTarget,
  type StoreTargetOptions,
  storeTargetOptions,
} from '../store-target.ts';

/** `nudge backtest`: replay past journey events through the active rules and this folder's, side by side. */
export function registerBacktest(program: Command): void {
  storeTargetOptions(
    program
      .command('backtest')
      .description(
        "Replay past journey events through two rule sets on a virtual clock and compare them per rule, with each one's cost",
      )
      .option('--events <file>', 'journey events, one EventBridge event per line (JSON Lines), in time order')
      .option('--days <n>', "the last N days of the event archive (Nudge's table; see --table / --data-dir)")
      .option(
        '--against <dir>',
        'the project folder to compare with (default: the active rule-set version in the table, see --table / --data-dir)',
      )
      .option('--project <dir>', 'the project folder to try (the candidate)', '.')
      .option('--prices <file>', 'the price table for the cost preview (default: pricing/sms-prices.yaml)')
      .option('--json', 'print the report and the cost preview as JSON'),
  ).action(async (options: BacktestOptions) => {
    // A usage problem is reported here, without starting a second process for it.
    if (usageProblem(options) === undefined) {
      const code = await reRunWithHeapLimit('nudge backtest');
      if (code !== undefined) {
        process.exitCode = code;
        return;
      }
    }
    process.exitCode = await backtestCommand(options);
  });
}

interface BacktestOptions extends StoreTargetOptions {
  events?: string;
  days?: string;
  against?: string;
  project: string;
  prices?: string;
  json?: boolean;
}

/** A usage problem, or undefined when the options make sense. */
function usageProblem(options: BacktestOptions): string | undefined {
  if ((options.events === undefined) === (options.days === undefined))
    return 'give exactly one of --events <file> or --days <n>';
  if (options.days !== undefined && !/^[1-9]\d*$/.test(options.days))
    return `--days must be a whole number of days, not '${options.days}'`;
  if (options.events !== undefined && !existsSync(options.events))
    return `--events: no such file '${options.events}'`;
  return undefined;
}

/** Runs `nudge backtest` and returns its exit code (0 done, 1 a project or price table is invalid, 2 usage). */
async function backtestCommand(options: BacktestOptions): Promise<number> {
  const problem = usageProblem(options);
  if (problem !== undefined) {
    process.stderr.write(`nudge backtest: ${problem}\n`);
    return 2;
  }
  // The store is opened only when needed: the active version (no --against) or the archive (--days).
  const needsStore = options.against === undefined || options.days !== undefined;
  const target = needsStore ? await openStoreTarget(options) : undefined;
  try {
    const loaded = await loadInputs(options, target);
    const progress = (_done: number, at: { line: string }) => process.stderr.write(`${at.line}\n`);
    const report = await runBacktest({
      baseline: loaded.baseline,
      candidate: loaded.candidate,
      events: eventsOf(options, target),
      onProgress: progress,
    });
    const costs = costPreview(report, loaded.prices);
    process.stdout.write(
      options.json === true
        ? `${JSON.stringify({ report, costs }, null, 2)}\n`
        : formatBacktestReport(report, formatCostPreview(costs)),
    );
    return 0;
  } catch (error) {
    process.stderr.write(`nudge backtest: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  } finally {
    await target?.close();
  }
}

/** The candidate (this folder), the baseline (`--against`, else the store's active version) and the prices. */
async function loadInputs(
  options: BacktestOptions,
  target: StoreTarget | undefined,
): Promise<{ candidate: DeployedProject; baseline: DeployedProject; prices: PriceTable }> {
  const prices = readPriceTable(defaultPriceTablePath(options.prices, options.project));
  const candidate = compileDeployedProject(resolve(options.project));
  if (options.against !== undefined)
    return { candidate, baseline: compileDeployedProject(resolve(options.against)), prices };
  const ruleSets = target?.stores.ruleSets;
  const active = await ruleSets?.active();
  const version = active === undefined ? undefined : await ruleSets?.getVersion(active.version);
  if (version === undefined)
    throw new Error(
      `no rule-set version is active in ${target?.where ?? 'the store'}: publish one (nudge rules publish) or compare with a folder (--against <dir>)`,
    );
  process.stderr.write(
    `backtest: baseline = active rule-set version ${version.version} of ${target?.where}\n`,
  );
  const { settings, rules, templates } = version.content;
  return { candidate, baseline: { format: DEPLOYED_PROJECT_FORMAT, settings, rules, templates }, prices };
}

/** The events: the file, streamed, or the last `--days` days of the archive (Query per hour and shard, never a Scan). */
function eventsOf(options: BacktestOptions, target: StoreTarget | undefined): BacktestInputs {
  if (options.events !== undefined || target === undefined) return streamJsonLines(options.events ?? '');
  const to = DateTime.utc();
  const from = to.minus({ days: Number(options.days) });
  process.stderr.write(
    `backtest: reading the event archive of ${target.where}, ${from.toISO()} to ${to.toISO()}\n`,
  );
  return archivedInputs(target.stores.events, from.toISO() ?? '', to.toISO() ?? '');
}
