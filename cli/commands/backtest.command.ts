import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { compileDeployedProject } from '../../functions/handlers/compile-project.ts';
import { type BacktestInput, formatBacktestReport, runBacktest } from '../../functions/simulator/backtest.ts';
import { costPreview, formatCostPreview, readPriceTable } from '../../functions/simulator/cost-preview.ts';
import { archivedInputs, streamJsonLines } from '../../functions/simulator/read-events.ts';
import { openStoreTarget, type StoreTargetOptions, storeTargetOptions } from '../store-target.ts';

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
      .option('--against <dir>', 'the project folder to compare with (the baseline: the active rules)')
      .option('--project <dir>', 'the project folder to try (the candidate)', '.')
      .option('--prices <file>', 'the price table for the cost preview (default: pricing/sms-prices.yaml)')
      .option('--json', 'print the report and the cost preview as JSON'),
  ).action(async (options: BacktestOptions) => {
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
  if (options.against === undefined)
    return '--against <dir> is required: the project folder to compare with (reading the active rule set is not wired yet)';
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
  let loaded: ReturnType<typeof loadInputs>;
  try {
    loaded = loadInputs(options);
  } catch (error) {
    process.stderr.write(`nudge backtest: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  const progress = (_done: number, at: { line: string }) => process.stderr.write(`${at.line}\n`);
  const withEvents = async (events: AsyncIterable<BacktestInput>) =>
    runBacktest({ baseline: loaded.baseline, candidate: loaded.candidate, events, onProgress: progress });
  const report =
    options.events !== undefined
      ? await withEvents(streamJsonLines(options.events))
      : await fromArchive(options, Number(options.days), withEvents);
  const costs = costPreview(report, loaded.prices);
  process.stdout.write(
    options.json === true
      ? `${JSON.stringify({ report, costs }, null, 2)}\n`
      : formatBacktestReport(report, formatCostPreview(costs)),
  );
  return 0;
}

function loadInputs(options: BacktestOptions) {
  const pricesPath = options.prices ?? join(resolve(options.project), 'pricing', 'sms-prices.yaml');
  return {
    candidate: compileDeployedProject(resolve(options.project)),
    baseline: compileDeployedProject(resolve(options.against ?? '.')),
    prices: readPriceTable(pricesPath),
  };
}

/** Reads the last `days` days of the archive (Query per hour and shard, never a Scan). */
async function fromArchive<T>(
  options: BacktestOptions,
  days: number,
  run: (events: AsyncIterable<BacktestInput>) => Promise<T>,
): Promise<T> {
  const target = await openStoreTarget(options);
  try {
    const to = DateTime.utc();
    const from = to.minus({ days });
    process.stderr.write(
      `backtest: reading the event archive of ${target.where}, ${from.toISO()} to ${to.toISO()}\n`,
    );
    return await run(archivedInputs(target.stores.events, from.toISO() ?? '', to.toISO() ?? ''));
  } finally {
    await target.close();
  }
}
