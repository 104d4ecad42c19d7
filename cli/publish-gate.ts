/**
 * The publish gate's report: what `nudge rules publish` shows before it asks for confirmation.
 * THE seam for the backtest and the cost preview (issue 12): in this branch it returns the diff
 * against the active version only; the backtest (functions/simulator/backtest.ts) and the cost
 * preview plug in here, reading `eventsFile` / `days` and adding their text and summary.
 */

import { diffRuleSets, formatRuleSetDiff } from '../functions/app/rule-set-diff.ts';
import type { DeployedProject } from '../functions/handlers/deployed-project.ts';
import type { StoreTarget } from './store-target.ts';

/** The gate's text (printed before the prompt) and its summary (stored with the version and the move). */
export async function publishGateReport(input: {
  active: DeployedProject;
  candidate: DeployedProject;
  eventsFile?: string;
  days?: number;
  target: StoreTarget;
}): Promise<{ text: string; summary: Record<string, unknown> }> {
  const diff = diffRuleSets(input.active, input.candidate);
  return {
    text: `Changes against the active version:\n${formatRuleSetDiff(diff)}`,
    summary: {
      rulesAdded: diff.rulesAdded.length,
      rulesRemoved: diff.rulesRemoved.length,
      rulesChanged: diff.rulesChanged.length,
      templatesChanged: diff.templates.length,
    },
  };
}
