/**
 * The CLI's side of the publish gate (functions/simulator/publish-gate.ts): which events
 * (`--events <file>`, else the archive's last `--days`, default 7) and which price table
 * (`--prices`, else `pricing/sms-prices.yaml` in the working folder, else the one shipped with
 * Nudge). The gate itself is the same function the console calls.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { RuleSetContent } from '../functions/app/ports/rule-sets.ts';
import { readPriceTable } from '../functions/simulator/cost-preview.ts';
import {
  formatPublishGate,
  type PublishGateReport,
  runPublishGate,
} from '../functions/simulator/publish-gate.ts';
import type { StoreTarget } from './store-target.ts';

/** Days of archived events a publish replays when neither `--events` nor `--days` is given. */
const DEFAULT_DAYS = 7;
const SHIPPED_PRICES = join(import.meta.dirname, '..', 'pricing', 'sms-prices.yaml');

/** The price table a command uses: the one given, else the project folder's, else Nudge's own. */
export function defaultPriceTablePath(given?: string, projectDir = '.'): string {
  if (given !== undefined) return resolve(given);
  const local = resolve(projectDir, 'pricing', 'sms-prices.yaml');
  return existsSync(local) ? local : SHIPPED_PRICES;
}

/**
 * Runs the gate for a publish against `target`.
 *
 * @throws Error with a clear message when `eventsFile` does not exist or the price table is invalid.
 */
export async function publishGateReport(input: {
  active: RuleSetContent;
  candidate: RuleSetContent;
  eventsFile?: string;
  days?: number;
  prices?: string;
  /** End of the archive window (default: the wall clock). */
  now?: Date;
  target: StoreTarget;
  onProgress?: (done: number, progress: { line: string }) => void;
}): Promise<{ report: PublishGateReport; text: string }> {
  if (input.eventsFile !== undefined && !existsSync(input.eventsFile))
    throw new Error(`--events: no such file '${input.eventsFile}'`);
  const prices = readPriceTable(defaultPriceTablePath(input.prices));
  const report = await runPublishGate({
    active: input.active,
    candidate: input.candidate,
    events:
      input.eventsFile !== undefined
        ? { file: input.eventsFile }
        : {
            archive: input.target.stores.events,
            days: input.days ?? DEFAULT_DAYS,
            ...(input.now === undefined ? {} : { now: input.now }),
          },
    prices,
    ...(input.onProgress === undefined ? {} : { onProgress: input.onProgress }),
  });
  return { report, text: formatPublishGate(report) };
}
