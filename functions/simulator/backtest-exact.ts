/**
 * The exact backtest path: journey events replayed through the production use cases (evaluate,
 * send) over memory ports, on a virtual clock. It is the lane's correctness oracle
 * (tests/property/backtest-lane.property.test.ts) and the path a backtest falls back to when a
 * rule has a feature the lane cannot plan exactly (backtest-lane-run.ts, `laneFallback`).
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
import type { BacktestInput, BacktestReport, RunBook } from './backtest-run.ts';
import { HeapScheduler, StreamingMessageStore } from './backtest-store.ts';
import {
  countSettled,
  type DifferenceSampler,
  emptyCounts,
  type RuleCounts,
  type Side,
} from './backtest-tally.ts';

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

/** A project's template catalog, or a clear error naming the side. */
export function catalogOf(side: Side, project: DeployedProject) {
  const templates = buildTemplateCatalog(project.templates);
  if (templates.issues.length > 0) {
    const issues = templates.issues.map((issue) => `${issue.file}: ${issue.message}`).join('; ');
    throw new Error(`the ${side} project's templates are invalid: ${issues}`);
  }
  return templates.catalog;
}

function createLane(side: Side, project: DeployedProject, differences: DifferenceSampler): Lane {
  const catalog = catalogOf(side, project);
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
    catalog,
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

/** A backtest through the production use cases. */
export class ExactRun {
  private readonly lanes: Lane[];

  constructor(
    private readonly book: RunBook,
    baseline: DeployedProject,
    candidate: DeployedProject,
  ) {
    this.lanes = [
      createLane('baseline', baseline, book.differences),
      createLane('candidate', candidate, book.differences),
    ];
  }

  /** One input line through both sides. */
  async step(input: BacktestInput): Promise<void> {
    const book = this.book;
    book.read++;
    if ('error' in input) {
      book.addMalformed(input.line, input.error);
      return;
    }
    const time = eventTime(input.value);
    const timeMs = time?.toMillis() ?? book.latestMs;
    if (timeMs < book.latestMs) book.outOfOrder++;
    let rejected: string | undefined;
    for (const lane of this.lanes) {
      if (Number.isFinite(timeMs)) {
        await drainUntil(lane, timeMs);
        if (time !== undefined && timeMs > lane.clock.current.toMillis()) lane.clock.current = time;
      }
      const result = await evaluateEvent(input.value, lane.nudge.evaluate);
      rejected = result.rejected;
      for (const conversion of result.converted ?? []) {
        const conversions = countsOf(lane.counts, conversion.ruleId).conversions;
        const name = `${conversion.kind}/${conversion.group}`;
        conversions[name] = (conversions[name] ?? 0) + 1;
      }
    }
    if (rejected !== undefined) {
      book.addMalformed(input.line, rejected);
      return;
    }
    book.accepted(time?.toMillis());
  }

  pending(): number {
    let pending = 0;
    for (const lane of this.lanes) pending += lane.messages.unsettledById().size;
    return pending;
  }

  /** Sends what falls due up to the last event; the rest is pending. */
  async finish(engine: BacktestReport['engine']): Promise<BacktestReport> {
    const book = this.book;
    book.sample(this.pending());
    for (const lane of this.lanes) {
      if (Number.isFinite(book.latestMs)) await drainUntil(lane, book.latestMs);
      for (const record of lane.messages.unsettled()) {
        const counts = countsOf(lane.counts, record.ruleId);
        counts.planned++;
        counts.pending++;
      }
    }
    const [baseline, candidate] = this.lanes;
    if (baseline === undefined || candidate === undefined) throw new Error('a backtest has two sides');
    book.differences.pairPending(baseline.messages.unsettledById(), candidate.messages.unsettledById());
    book.differences.flush();
    return book.report({ baseline: baseline.counts, candidate: candidate.counts }, engine);
  }
}
