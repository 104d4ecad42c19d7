/**
 * The publish gate (docs/rules.md, "Publishing"): what a person sees before a rule-set version
 * goes live — the diff against the active version, a backtest of past journey events through
 * both (functions/simulator/backtest.ts) and the cost of what each would send
 * (functions/simulator/cost-preview.ts). One function for every front door (`nudge rules
 * publish`, the console): it returns the structured report, {@link formatPublishGate} turns it
 * into text, and its `summary` is what is stored with the version and the pointer's move.
 */
import * as z from 'zod';
import type { EventArchive } from '../app/ports/event-archive.ts';
import type { RuleSetContent } from '../app/ports/rule-sets.ts';
import { diffRuleSets, formatRuleSetDiff, type RuleSetDiff } from '../app/rule-set-diff.ts';
import { DEPLOYED_PROJECT_FORMAT, type DeployedProject } from '../handlers/deployed-project.ts';
import { type BacktestInputs, type BacktestReport, formatBacktestReport, runBacktest } from './backtest.ts';
import type { RuleCounts } from './backtest-tally.ts';
import { type CostPreview, costPreview, formatCostPreview, type PriceTable } from './cost-preview.ts';
import { archivedInputs, streamJsonLines } from './read-events.ts';

/** Where the gate's past events come from: a JSON Lines export, or the archive's last `days` days. */
export type GateEvents =
  | { file: string }
  | {
      archive: EventArchive;
      days: number;
      /** The end of the window (default: the wall clock); the local runtime's virtual clock in tests. */
      now?: Date;
    };

/** One side's counts in the summary: totals over reasons, so the summary stays small. */
type SideSummary = {
  planned: number;
  sent: number;
  suppressed: number;
  cancelled: number;
  failed: number;
  pending: number;
};

/**
 * What is stored with the version and the move (a few hundred bytes per rule): the diff's size,
 * the window, the events read, per-rule and total counts on both sides, and the cost totals.
 * A type (not an interface) so it is a `Record<string, unknown>` for the rule-set store; other
 * modules name it `PublishGateReport['summary']`.
 */
type PublishGateSummary = {
  diff: { rulesAdded: number; rulesRemoved: number; rulesChanged: number; templatesChanged: number };
  window: {
    source: 'archive' | 'file';
    from: string | null;
    to: string | null;
    days?: number;
    file?: string;
  };
  events: { read: number; replayed: number; malformed: number; malformedLines: number[] };
  rules: Array<{ ruleId: string; active?: SideSummary; candidate?: SideSummary }>;
  totals: { active: SideSummary; candidate: SideSummary };
  cost: {
    currency: string;
    window: { active: number; candidate: number };
    /** Projected to a 30-day month; null when the window is under an hour. */
    month: { active: number; candidate: number } | null;
    /** Price-table entries used whose source is unverified (`source: unverified`). */
    unverified: string[];
  };
  differing: number;
};

/** The gate's whole report. */
export interface PublishGateReport {
  diff: RuleSetDiff;
  backtest: BacktestReport;
  cost: CostPreview;
  summary: PublishGateSummary;
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

function sideSummary(counts: RuleCounts): SideSummary {
  return {
    planned: counts.planned,
    sent: counts.sent,
    suppressed: total(counts.suppressed),
    cancelled: total(counts.cancelled),
    failed: total(counts.failed),
    pending: counts.pending,
  };
}

function addSide(into: SideSummary, side: SideSummary | undefined): void {
  if (side === undefined) return;
  into.planned += side.planned;
  into.sent += side.sent;
  into.suppressed += side.suppressed;
  into.cancelled += side.cancelled;
  into.failed += side.failed;
  into.pending += side.pending;
}

const emptySide = (): SideSummary => ({
  planned: 0,
  sent: 0,
  suppressed: 0,
  cancelled: 0,
  failed: 0,
  pending: 0,
});

const round = (value: number) => Math.round(value * 1e6) / 1e6;

function summarize(
  diff: RuleSetDiff,
  backtest: BacktestReport,
  cost: CostPreview,
  window: PublishGateSummary['window'],
): PublishGateSummary {
  const totals = { active: emptySide(), candidate: emptySide() };
  const rules = backtest.rules.map((rule) => {
    const active = rule.baseline === undefined ? undefined : sideSummary(rule.baseline);
    const candidate = rule.candidate === undefined ? undefined : sideSummary(rule.candidate);
    addSide(totals.active, active);
    addSide(totals.candidate, candidate);
    return { ruleId: rule.ruleId, ...(active && { active }), ...(candidate && { candidate }) };
  });
  const factor = cost.monthFactor;
  return {
    diff: {
      rulesAdded: diff.rulesAdded.length,
      rulesRemoved: diff.rulesRemoved.length,
      rulesChanged: diff.rulesChanged.length,
      templatesChanged: diff.templates.length,
    },
    window,
    events: {
      read: backtest.events.read,
      replayed: backtest.events.replayed,
      malformed: backtest.events.malformed,
      malformedLines: backtest.malformed.map((bad) => bad.line),
    },
    rules,
    totals,
    cost: {
      currency: cost.currency,
      window: { active: round(cost.total.baseline.total), candidate: round(cost.total.candidate.total) },
      month:
        factor === undefined
          ? null
          : {
              active: round(cost.total.baseline.total * factor),
              candidate: round(cost.total.candidate.total * factor),
            },
      unverified: cost.unverified,
    },
    differing: backtest.differences.differing,
  };
}

function asDeployed(content: RuleSetContent): DeployedProject {
  return {
    format: DEPLOYED_PROJECT_FORMAT,
    settings: content.settings,
    rules: content.rules,
    templates: content.templates,
  };
}

/**
 * Diffs `candidate` against `active`, replays the events through both (malformed lines are
 * counted by line, the rest continues) and prices what each sent.
 */
export async function runPublishGate(input: {
  active: RuleSetContent;
  candidate: RuleSetContent;
  events: GateEvents;
  prices: PriceTable;
  onProgress?: (done: number, progress: { line: string }) => void;
}): Promise<PublishGateReport> {
  const diff = diffRuleSets(input.active, input.candidate);
  const source = input.events;
  let window: PublishGateSummary['window'];
  let events: BacktestInputs;
  if ('file' in source) {
    window = { source: 'file', file: source.file, from: null, to: null };
    events = streamJsonLines(source.file);
  } else {
    const to = source.now ?? new Date();
    const from = new Date(to.getTime() - source.days * 86_400_000);
    window = { source: 'archive', days: source.days, from: from.toISOString(), to: to.toISOString() };
    events = archivedInputs(source.archive, window.from ?? '', window.to ?? '');
  }
  const backtest = await runBacktest({
    baseline: asDeployed(input.active),
    candidate: asDeployed(input.candidate),
    events,
    ...(input.onProgress === undefined ? {} : { onProgress: input.onProgress }),
  });
  if (window.source === 'file') window = { ...window, from: backtest.events.first, to: backtest.events.last };
  const cost = costPreview(backtest, input.prices);
  return { diff, backtest, cost, summary: summarize(diff, backtest, cost, window) };
}

function noEventsLine(window: PublishGateSummary['window']): string {
  return window.source === 'archive'
    ? `Backtest: no events in the last ${window.days} day(s) (the event archive holds none from ${window.from} to ${window.to}); the counts below are all zero.\n`
    : `Backtest: no events in ${window.file} (no usable line); the counts below are all zero.\n`;
}

/**
 * The report as text, in the order a person reads it before confirming: the diff, the backtest
 * (per rule side by side, sample messages that differ) and the cost preview (which names any
 * price used whose source is unverified).
 */
export function formatPublishGate(report: PublishGateReport): string {
  const { summary } = report;
  const parts = [`Changes against the active version:\n${formatRuleSetDiff(report.diff)}`];
  if (summary.events.replayed === 0) parts.push(noEventsLine(summary.window));
  else if (summary.window.source === 'archive')
    parts.push(
      `Backtest window: the event archive's last ${summary.window.days} day(s), ${summary.window.from} to ${summary.window.to}.\n`,
    );
  // The cost preview names any price used whose source is unverified.
  parts.push(formatBacktestReport(report.backtest, formatCostPreview(report.cost)));
  return parts.join('\n');
}

const Side = z.object({ planned: z.number(), sent: z.number() });
const StoredSummary = z.object({
  window: z.object({ source: z.enum(['archive', 'file']), days: z.number().optional() }),
  events: z.object({ replayed: z.number(), malformed: z.number() }),
  totals: z.object({ active: Side, candidate: Side }),
  cost: z.object({
    currency: z.string(),
    window: z.object({ active: z.number(), candidate: z.number() }),
    month: z.object({ active: z.number(), candidate: z.number() }).nullable(),
  }),
});

/**
 * A stored summary in one line, for `nudge rules history`: events replayed, planned and sent
 * (active → candidate), and the cost per month (or for the window when too short to project).
 * A summary of another shape (an older release's) is shown as its JSON.
 */
export function briefGateSummary(stored: Record<string, unknown>): string {
  const parsed = StoredSummary.safeParse(stored);
  if (!parsed.success) return JSON.stringify(stored);
  const { window, events, totals, cost } = parsed.data;
  const where = window.source === 'archive' ? `last ${window.days ?? '?'} d` : 'file';
  const money = (value: number) => `${value.toFixed(2)} ${cost.currency}`;
  const costs =
    cost.month === null
      ? `cost ${money(cost.window.active)} → ${money(cost.window.candidate)} (window)`
      : `cost/month ${money(cost.month.active)} → ${money(cost.month.candidate)}`;
  return (
    `${events.replayed} events (${where}${events.malformed > 0 ? `, ${events.malformed} malformed` : ''}); ` +
    `planned ${totals.active.planned} → ${totals.candidate.planned}, sent ${totals.active.sent} → ${totals.candidate.sent}; ${costs}`
  );
}
