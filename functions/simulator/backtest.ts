/**
 * A streaming backtest: journey events, read one at a time, replayed on a virtual clock through
 * two projects at once (the baseline, e.g. the active rule set, and a candidate), compared rule by
 * rule. Two paths replay them: the lane (backtest-lane*.ts: core planning as plain functions over
 * compact per-customer state, epoch-millisecond time, tens of thousands of events per second)
 * and the exact path (backtest-exact.ts: the production use cases over memory ports). The lane
 * is held to the exact path by a property test; a project with a rule the lane cannot plan
 * exactly is replayed on the exact path, and the report says which rules and why.
 */
import type { DeployedProject } from '../handlers/deployed-project.ts';
import { ExactRun } from './backtest-exact.ts';
import { LaneRun, laneFallback } from './backtest-lane-run.ts';
import { type BacktestInput, type BacktestInputs, type BacktestReport, RunBook } from './backtest-run.ts';
import type { MessageDifference, RuleCounts } from './backtest-tally.ts';

export type { BacktestInput, BacktestInputs, BacktestReport };

/** How often (wall time) `onProgress` hears how far the backtest got. */
const PROGRESS_EVERY_MS = 5_000;

/** How far a backtest got: lines read, their rate, resident memory, and a line saying so. */
interface BacktestProgress {
  read: number;
  perSecond: number;
  rssMiB: number;
  line: string;
}

/** Which path to take: the lane unless a rule or the settings need the exact one. */
function engineFor(
  baseline: DeployedProject,
  candidate: DeployedProject,
  path: 'auto' | 'exact',
): BacktestReport['engine'] {
  const fallback = [...laneFallback('baseline', baseline), ...laneFallback('candidate', candidate)];
  if (JSON.stringify(baseline.settings.consent) !== JSON.stringify(candidate.settings.consent))
    fallback.push({
      side: 'candidate',
      ruleId: '(settings)',
      reason: 'consent settings differ from the baseline: profiles are not shared',
    });
  return { path: path === 'exact' || fallback.length > 0 ? 'exact' : 'lane', fallback };
}

/**
 * Replays `events` (in the order given: an archive read or an export is in time order) through
 * both projects at once and compares them rule by rule. Lines that are not JSON, and events the
 * engine rejects, are reported by line and skipped; the rest continues. `onProgress` hears how
 * far it got about every five seconds. `path: 'exact'` forces the production path.
 */
export async function runBacktest(input: {
  baseline: DeployedProject;
  candidate: DeployedProject;
  events: BacktestInputs;
  onProgress?: (done: number, progress: BacktestProgress) => void;
  path?: 'auto' | 'exact';
}): Promise<BacktestReport> {
  const book = new RunBook();
  const engine = engineFor(input.baseline, input.candidate, input.path ?? 'auto');
  const exact = engine.path === 'exact' ? new ExactRun(book, input.baseline, input.candidate) : undefined;
  const lane = exact === undefined ? new LaneRun(book, input.baseline, input.candidate) : undefined;
  let nextProgress = Date.now() + PROGRESS_EVERY_MS;
  for await (const item of input.events) {
    for (const line of isBatch(item) ? item : [item]) {
      // The lane steps a batch with no await per line.
      if (exact !== undefined) await exact.step(line);
      else lane?.step(line);
      if (input.onProgress !== undefined && (book.read & 1023) === 0 && Date.now() >= nextProgress) {
        input.onProgress(book.read, progressOf(book));
        nextProgress = Date.now() + PROGRESS_EVERY_MS;
      }
    }
  }
  if (exact !== undefined) return exact.finish(engine);
  if (lane === undefined) throw new Error('no backtest path');
  return lane.finish();
}

function isBatch(item: BacktestInput | ReadonlyArray<BacktestInput>): item is ReadonlyArray<BacktestInput> {
  return Array.isArray(item);
}

function progressOf(book: RunBook): BacktestProgress {
  const seconds = Math.max((Date.now() - book.started) / 1000, 0.001);
  const perSecond = Math.round(book.read / seconds);
  const rssMiB = Math.round(process.memoryUsage.rss() / 1024 / 1024);
  return {
    read: book.read,
    perSecond,
    rssMiB,
    line: `backtest: ${book.read.toLocaleString('en')} events read, ${perSecond.toLocaleString('en')} events/s, RSS ${rssMiB} MiB`,
  };
}

function byReason(counts: Record<string, number>): string {
  const entries = Object.entries(counts).sort(([a], [b]) => (a < b ? -1 : 1));
  return entries.length === 0 ? '0' : entries.map(([reason, n]) => `${n} ${reason}`).join(', ');
}

function total(counts: Record<string, number>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

function countsLine(label: string, counts: RuleCounts | undefined): string {
  if (counts === undefined) return `    ${label.padEnd(10)} (no such rule)`;
  const segments = Object.values(counts.sms).reduce((sum, sms) => sum + sms.segments, 0);
  return (
    `    ${label.padEnd(10)} planned ${counts.planned}, sent ${counts.sent} (${segments} SMS segments, ${counts.emails} emails), ` +
    `suppressed ${total(counts.suppressed)} [${byReason(counts.suppressed)}], cancelled ${total(counts.cancelled)} [${byReason(counts.cancelled)}], ` +
    `failed ${total(counts.failed)}, pending ${counts.pending}` +
    (counts.heldOut > 0 ? `, held out ${counts.heldOut}` : '') +
    (total(counts.conversions) > 0 ? `, converted [${byReason(counts.conversions)}]` : '') +
    goalRates(counts)
  );
}

/** `; goal rate: messaged 1/3 (33.3 %), held out 1/1 (100.0 %)` for each kind that converted. */
function goalRates(counts: RuleCounts): string {
  const kinds = new Set(Object.keys(counts.conversions).map((key) => key.split('/')[0] ?? key));
  const rate = (n: number, of: number) =>
    `${n}/${of}${of === 0 ? '' : ` (${((100 * n) / of).toFixed(1)} %)`}`;
  return [...kinds]
    .map((kind) => {
      const messaged = rate(counts.conversions[`${kind}/sent`] ?? 0, counts.sent);
      const heldOut = rate(counts.conversions[`${kind}/held-out`] ?? 0, counts.heldOut);
      return `; ${kind} rate: messaged ${messaged}, held out ${heldOut}`;
    })
    .join('');
}

function engineLine(report: BacktestReport): string {
  const { engine, peak } = report;
  const memory = `peak RSS ${peak.rssMiB} MiB, at most ${peak.pending} messages pending`;
  if (engine.path === 'lane') return `Replayed on the backtest lane (${memory}).`;
  const why = engine.fallback.map((rule) => `${rule.side} ${rule.ruleId}: ${rule.reason}`).join('; ');
  return `Replayed on the exact production path${why === '' ? '' : ` (${why})`} (${memory}).`;
}

function differenceLines(report: BacktestReport): string[] {
  const { compared, differing, sample } = report.differences;
  const lines = [
    `Messages that differ: ${differing} of ${compared} compared${sample.length > 0 ? ` (first ${sample.length}):` : ''}`,
  ];
  const side = (outcome: MessageDifference['baseline']) =>
    outcome === undefined
      ? 'not planned'
      : `${outcome.status}${outcome.reason === null ? '' : ` (${outcome.reason})`} ${outcome.sendAt}${outcome.text === null ? '' : ` "${outcome.text}"`}`;
  for (const difference of sample) {
    lines.push(
      `  ${difference.ruleId} · event ${difference.eventId} · customer ${difference.customerId}`,
      `    baseline:  ${side(difference.baseline)}`,
      `    candidate: ${side(difference.candidate)}`,
    );
  }
  return lines;
}

/**
 * The report as text for a person deciding on a publish: the window, malformed lines by line
 * number, per-rule counts side by side, sample differences, and the cost preview when given.
 */
export function formatBacktestReport(report: BacktestReport, costs?: string): string {
  const { events } = report;
  const seconds = report.elapsedMs / 1000;
  const lines = [
    `Backtest: ${events.replayed} events replayed from ${events.first ?? '—'} to ${events.last ?? '—'} ` +
      `(${events.read} lines, ${events.malformed} malformed${events.outOfOrder > 0 ? `, ${events.outOfOrder} out of time order` : ''}; ` +
      `${seconds.toFixed(1)} s, ${Math.round(events.read / Math.max(seconds, 0.001))} lines/s)`,
  ];
  lines.push(engineLine(report));
  for (const note of report.notes) lines.push(`Note: ${note}`);
  if (report.malformed.length > 0) {
    lines.push('Malformed lines (skipped):');
    for (const bad of report.malformed) lines.push(`  line ${bad.line}: ${bad.reason}`);
    const more = events.malformed - report.malformed.length;
    if (more > 0) lines.push(`  … and ${more} more`);
  }
  lines.push('Per rule (baseline = active, candidate = this folder):');
  for (const rule of report.rules) {
    lines.push(
      `  ${rule.ruleId}`,
      countsLine('baseline', rule.baseline),
      countsLine('candidate', rule.candidate),
    );
  }
  lines.push(...differenceLines(report));
  return `${lines.join('\n')}\n${costs ?? ''}`;
}
