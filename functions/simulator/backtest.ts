/**
 * A streaming backtest: journey events, read one at a time, replayed on a virtual clock through
 * two projects at once (the baseline, e.g. the active rule set, and a candidate) with the
 * production use cases (evaluate, send) over memory ports. Scheduled sends wait on a heap and go
 * out as the clock passes them, so cancel, expect, caps, windows and thresholds behave as in
 * production. Settled messages are counted and forgotten: memory holds what is pending plus the
 * per-customer state (profiles, cap ledgers, dedupe claims, threshold entries).
 */
import { DateTime } from 'luxon';
import { createMemoryStores } from '../adapters/memory/memory-stores.ts';
import { evaluateEvent } from '../app/evaluate-event.ts';
import type { EventArchive } from '../app/ports/event-archive.ts';
import type { ChannelSender, Clock, SendReceipt } from '../app/ports.ts';
import { sendMessage } from '../app/send-message.ts';
import { buildTemplateCatalog } from '../core/messages/template-catalog.ts';
import { compileRuleSet } from '../core/rules/rule-set.ts';
import type { DeployedProject } from '../handlers/deployed-project.ts';
import { type Composition, composeNudge } from '../wiring/compose-send.ts';
import { HeapScheduler, StreamingMessageStore } from './backtest-store.ts';
import {
  countSettled,
  DifferenceSampler,
  emptyCounts,
  type MessageDifference,
  type RuleCounts,
  type Side,
} from './backtest-tally.ts';

/** One input line: parsed JSON, or why it could not be read. */
export type BacktestInput = { line: number; value: unknown } | { line: number; error: string };

/** A line the backtest could not use, and why. */
interface MalformedLine {
  line: number;
  reason: string;
}

/** What a backtest found. */
export interface BacktestReport {
  events: {
    /** Lines read (events and malformed lines). */
    read: number;
    /** Events replayed (accepted by the engine). */
    replayed: number;
    /** Lines that were not JSON or that the engine rejected (same on both sides). */
    malformed: number;
    /** Events dated before one read earlier: evaluated at the clock, as a late delivery would be. */
    outOfOrder: number;
    first: string | null;
    last: string | null;
  };
  /** The first {@link MALFORMED_SHOWN} malformed lines; `events.malformed` counts them all. */
  malformed: MalformedLine[];
  /** Per rule (every rule of either side), the two sides' counts. */
  rules: Array<{ ruleId: string; baseline?: RuleCounts; candidate?: RuleCounts }>;
  differences: { compared: number; differing: number; sample: MessageDifference[] };
  elapsedMs: number;
}

const MALFORMED_SHOWN = 20;
const DIFFERENCES_SHOWN = 20;
/** How often (wall time) `onProgress` hears how far the backtest got. */
const PROGRESS_EVERY_MS = 2_000;

class VirtualClock implements Clock {
  current: DateTime = DateTime.fromMillis(0, { zone: 'utc' });
  now(): DateTime {
    return this.current;
  }
}

/** A channel that accepts everything: a backtest sends nowhere. */
const dryRun: ChannelSender = {
  send: async (): Promise<SendReceipt> => ({ ok: true, providerId: 'backtest' }),
};

/** A backtest never archives what it replays. */
const noArchive: EventArchive = {
  archive: async () => undefined,
  readRange: async function* () {},
};

interface Lane {
  side: Side;
  clock: VirtualClock;
  scheduler: HeapScheduler;
  messages: StreamingMessageStore;
  nudge: Composition;
  counts: Map<string, RuleCounts>;
}

/** Counts for a rule, created on first use. */
function countsOf(counts: Map<string, RuleCounts>, ruleId: string): RuleCounts {
  let found = counts.get(ruleId);
  if (found === undefined) {
    found = emptyCounts();
    counts.set(ruleId, found);
  }
  return found;
}

function createLane(side: Side, project: DeployedProject, differences: DifferenceSampler): Lane {
  const templates = buildTemplateCatalog(project.templates);
  if (templates.issues.length > 0) {
    const issues = templates.issues.map((issue) => `${issue.file}: ${issue.message}`).join('; ');
    throw new Error(`the ${side} project's templates are invalid: ${issues}`);
  }
  const clock = new VirtualClock();
  const scheduler = new HeapScheduler();
  const counts = new Map<string, RuleCounts>();
  for (const rule of project.rules) counts.set(rule.id, emptyCounts());
  const messages = new StreamingMessageStore((record) => {
    countSettled(countsOf(counts, record.ruleId), record);
    differences.offer(side, record);
  });
  const nudge = composeNudge({
    stores: { ...createMemoryStores(), messages, events: noArchive },
    scheduler,
    clock,
    project: { settings: project.settings, rules: compileRuleSet(project.rules) },
    catalog: templates.catalog,
    channels: { sms: dryRun, email: dryRun },
    outcomes: { publish: async () => undefined },
    tuning: { random: () => 0.5 },
  });
  return { side, clock, scheduler, messages, nudge, counts };
}

/** Sends every message due at or before `limit`, moving the clock to each send time. */
async function drainUntil(lane: Lane, limitMs: number): Promise<void> {
  for (;;) {
    const next = lane.scheduler.takeDue(limitMs);
    if (next === undefined) return;
    if (next.atMs > lane.clock.current.toMillis())
      lane.clock.current = DateTime.fromMillis(next.atMs, { zone: 'utc' });
    await sendMessage(next.messageId, lane.nudge.send);
  }
}

/** The event's `time`, if it has a readable one. */
function eventTime(value: unknown): DateTime | undefined {
  const raw = value !== null && typeof value === 'object' ? Reflect.get(value, 'time') : undefined;
  if (typeof raw !== 'string') return undefined;
  const time = DateTime.fromISO(raw, { zone: 'utc' });
  return time.isValid ? time : undefined;
}

/** Running state of one backtest. */
class Run {
  readonly started = Date.now();
  readonly differences = new DifferenceSampler(DIFFERENCES_SHOWN);
  readonly lanes: Lane[];
  readonly malformed: MalformedLine[] = [];
  read = 0;
  replayed = 0;
  malformedCount = 0;
  outOfOrder = 0;
  latestMs = Number.NEGATIVE_INFINITY;
  first: DateTime | undefined;
  last: DateTime | undefined;

  constructor(baseline: DeployedProject, candidate: DeployedProject) {
    this.lanes = [
      createLane('baseline', baseline, this.differences),
      createLane('candidate', candidate, this.differences),
    ];
  }

  addMalformed(line: number, reason: string): void {
    this.malformedCount++;
    if (this.malformed.length < MALFORMED_SHOWN) this.malformed.push({ line, reason });
  }

  /** One input line through both sides. */
  async step(input: BacktestInput): Promise<void> {
    this.read++;
    if ('error' in input) {
      this.addMalformed(input.line, input.error);
      return;
    }
    const time = eventTime(input.value);
    const timeMs = time?.toMillis() ?? this.latestMs;
    if (timeMs < this.latestMs) this.outOfOrder++;
    let rejected: string | undefined;
    for (const lane of this.lanes) {
      if (Number.isFinite(timeMs)) {
        await drainUntil(lane, timeMs);
        if (time !== undefined && timeMs > lane.clock.current.toMillis()) lane.clock.current = time;
      }
      const result = await evaluateEvent(input.value, lane.nudge.evaluate);
      rejected = result.rejected;
    }
    if (rejected !== undefined) {
      this.addMalformed(input.line, rejected);
      return;
    }
    this.replayed++;
    if (time !== undefined && timeMs > this.latestMs) {
      this.latestMs = timeMs;
      this.last = time;
      this.first ??= time;
    }
  }

  /** Sends what falls due up to the last event; the rest is pending. */
  async finish(): Promise<BacktestReport> {
    for (const lane of this.lanes) {
      if (Number.isFinite(this.latestMs)) await drainUntil(lane, this.latestMs);
      for (const record of lane.messages.unsettled()) {
        const counts = countsOf(lane.counts, record.ruleId);
        counts.planned++;
        counts.pending++;
      }
    }
    const [baseline, candidate] = this.lanes;
    if (baseline !== undefined && candidate !== undefined)
      this.differences.pairPending(baseline.messages.unsettledById(), candidate.messages.unsettledById());
    this.differences.flush();
    return this.report();
  }

  private report(): BacktestReport {
    const [baseline, candidate] = this.lanes;
    const ids = [...new Set([...(baseline?.counts.keys() ?? []), ...(candidate?.counts.keys() ?? [])])];
    return {
      events: {
        read: this.read,
        replayed: this.replayed,
        malformed: this.malformedCount,
        outOfOrder: this.outOfOrder,
        first: this.first?.toISO() ?? null,
        last: this.last?.toISO() ?? null,
      },
      malformed: this.malformed,
      rules: ids.map((ruleId) => ({
        ruleId,
        ...sideCounts('baseline', baseline?.counts.get(ruleId)),
        ...sideCounts('candidate', candidate?.counts.get(ruleId)),
      })),
      differences: {
        compared: this.differences.compared,
        differing: this.differences.differing,
        sample: this.differences.sample,
      },
      elapsedMs: Date.now() - this.started,
    };
  }
}

function sideCounts(side: Side, counts: RuleCounts | undefined): Partial<Record<Side, RuleCounts>> {
  return counts === undefined ? {} : { [side]: counts };
}

/**
 * Replays `events` (in the order given: an archive read or an export is in time order) through
 * both projects at once and compares them rule by rule. Lines that are not JSON, and events the
 * engine rejects, are reported by line and skipped; the rest continues. `onProgress` hears the
 * number of lines done about every two seconds.
 */
export async function runBacktest(input: {
  baseline: DeployedProject;
  candidate: DeployedProject;
  events: AsyncIterable<BacktestInput>;
  onProgress?: (done: number) => void;
}): Promise<BacktestReport> {
  const run = new Run(input.baseline, input.candidate);
  let nextProgress = Date.now() + PROGRESS_EVERY_MS;
  for await (const line of input.events) {
    await run.step(line);
    if (input.onProgress !== undefined && (run.read & 1023) === 0 && Date.now() >= nextProgress) {
      input.onProgress(run.read);
      nextProgress = Date.now() + PROGRESS_EVERY_MS;
    }
  }
  return run.finish();
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
    `failed ${total(counts.failed)}, pending ${counts.pending}`
  );
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
