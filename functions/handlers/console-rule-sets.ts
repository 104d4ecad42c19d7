/**
 * The console function's rule editor in AWS: the table's rule-set store and event archive, the
 * simulator's publish gate (diff, backtest over the archive's last days, cost preview) on the
 * wall clock, priced by the table bundled with the function, and a pointer read right after the
 * console moved it. The local runtime plugs in the same gate (local/runtime/console-gate.ts).
 */
import { join } from 'node:path';
import type { Stores } from '../app/ports/stores.ts';
import type { RuleSetConsole } from '../console/rule-set-console.ts';
import { readPriceTable } from '../simulator/cost-preview.ts';
import { formatPublishGate, runPublishGate } from '../simulator/publish-gate.ts';

/** The price table's file name next to the bundle (copied there at synthesis, infra/constructs/console.ts). */
export const CONSOLE_PRICE_TABLE_FILE = 'sms-prices.yaml';

/**
 * The gate's window in AWS: it runs inside one HTTP API request, which API Gateway ends after
 * 30 s, so the editor offers 1 day and accepts at most 3 (docs/deploy.md); longer windows go
 * through `nudge rules publish --days N` from a workstation.
 */
const AWS_GATE_DAYS = { default: 1, max: 3 } as const;

/**
 * The rule editor's parts for the console function. The price table is read once here (at cold
 * start); `moved` reads the pointer again so the console shows the version it just published.
 */
export function awsRuleSetConsole(options: {
  stores: Pick<Stores, 'ruleSets' | 'events'>;
  /** The folder holding the bundled price table (LAMBDA_TASK_ROOT). */
  dir: string;
  moved: () => Promise<void>;
}): RuleSetConsole {
  const prices = readPriceTable(join(options.dir, CONSOLE_PRICE_TABLE_FILE));
  const archive = options.stores.events;
  return {
    store: options.stores.ruleSets,
    archive,
    gateDays: AWS_GATE_DAYS,
    gate: async ({ active, candidate, days }) => {
      const report = await runPublishGate({ active, candidate, events: { archive, days }, prices });
      return {
        text: formatPublishGate(report),
        summary: report.summary,
        backtest: report.backtest,
        cost: report.cost,
      };
    },
    moved: options.moved,
  };
}
