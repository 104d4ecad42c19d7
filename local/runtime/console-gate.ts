/**
 * The local console's publish gate: the simulator's gate (diff, backtest over the runtime's event
 * archive, cost preview) for the rule editor, on the runtime's clock. The console app never
 * imports the simulator; the host plugs it in here.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ActiveProject } from '../../functions/app/active-project.ts';
import type { EventArchive } from '../../functions/app/ports/event-archive.ts';
import type { Clock } from '../../functions/app/ports.ts';
import type { RuleSetConsole } from '../../functions/console/rule-set-console.ts';
import { readPriceTable } from '../../functions/simulator/cost-preview.ts';
import { formatPublishGate, runPublishGate } from '../../functions/simulator/publish-gate.ts';

/** Nudge's own price table, used when the project folder has none. */
const SHIPPED_PRICES = join(import.meta.dirname, '..', '..', 'pricing', 'sms-prices.yaml');

/** The gate over `archive`, priced by the project's `pricing/sms-prices.yaml` (else Nudge's). */
function localConsoleGate(projectDir: string, archive: EventArchive, clock: Clock): RuleSetConsole['gate'] {
  const own = join(projectDir, 'pricing', 'sms-prices.yaml');
  return async ({ active, candidate, days }) => {
    const prices = readPriceTable(existsSync(own) ? own : SHIPPED_PRICES);
    const report = await runPublishGate({
      active,
      candidate,
      events: { archive, days, now: clock.now().toJSDate() },
      prices,
    });
    return {
      text: formatPublishGate(report),
      summary: report.summary,
      backtest: report.backtest,
      cost: report.cost,
    };
  };
}

/**
 * The rule editor's hooks in the local runtime: the gate, and after a console publish or rollback
 * a pointer read at once (as after the runtime's own publishes), so the next event uses it.
 */
export function localRuleSetHooks(
  projectDir: string,
  archive: EventArchive,
  clock: Clock,
  active: ActiveProject<unknown>,
): Pick<RuleSetConsole, 'gate' | 'moved'> {
  return {
    gate: localConsoleGate(projectDir, archive, clock),
    moved: async () => void (await active.refresh()),
  };
}
