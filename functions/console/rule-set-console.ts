import type { EventArchive } from '../app/ports/event-archive.ts';
import type { RuleSetContent, RuleSetStore } from '../app/ports/rule-sets.ts';

/** One rule's counts on one side of the gate's backtest (what the console shows of them). */
export interface GateCounts {
  planned: number;
  sent: number;
  suppressed: Record<string, number>;
  cancelled: Record<string, number>;
}

/**
 * The publish gate's report as the console shows it: the backtest per rule side by side, the cost
 * totals, the whole report as text (the CLI's words) and the summary stored with the version.
 * The simulator's report (functions/simulator/publish-gate.ts) has this shape; the host adapts it,
 * as the console never imports the simulator.
 */
export interface GateReportView {
  text: string;
  summary: Record<string, unknown>;
  backtest?: {
    events: { read: number; replayed: number; malformed: number; first: string | null; last: string | null };
    rules: Array<{ ruleId: string; baseline?: GateCounts; candidate?: GateCounts }>;
    differences: { compared: number; differing: number };
  };
  cost?: {
    currency: string;
    monthFactor: number | undefined;
    total: { baseline: { total: number }; candidate: { total: number } };
  };
}

/**
 * What the console's rule editor, publish gate and version history work on: the rule-set store,
 * the event archive (preview samples) and, plugged in by the host, the gate's backtest and cost.
 */
export interface RuleSetConsole {
  store: RuleSetStore;
  /** Accepted journey events: the editor's preview samples come from here. */
  archive?: EventArchive;
  /** The backtest and cost preview of `candidate` against `active` over the archive's last `days` days. */
  gate?: (input: {
    active: RuleSetContent;
    candidate: RuleSetContent;
    days: number;
  }) => Promise<GateReportView>;
  /** Told after the console moved the pointer (the local runtime then reads it at once). */
  moved?: () => Promise<void>;
  /**
   * The gate's window in days: the editor's default and the most a request may ask for (default
   * 7 and 30). AWS asks for less: the gate runs inside one HTTP API request (docs/deploy.md).
   */
  gateDays?: { default: number; max: number };
}
