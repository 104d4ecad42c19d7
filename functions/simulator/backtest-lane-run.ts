/**
 * A backtest on the lane: each event checked once (the same acceptance as production), the
 * customer's profile merged once for both sides, then each side's lane (backtest-lane.ts) closes,
 * converts and plans; rules the same on both sides ("twins") are planned once for both. Due sends
 * of both sides and of the twins go out in one order: send time, then message id. A project with a rule the lane cannot plan exactly is replayed on the exact
 * path instead (`laneFallback`): the lane never approximates.
 */

import { DateTime } from 'luxon';
import { type JourneyEvent, parseJourneyEvent } from '../core/journey-event.ts';
import { normalizeTemplatePath } from '../core/messages/template-catalog.ts';
import { MAX_SNAPSHOT_BYTES } from '../core/planning/trigger-snapshot.ts';
import { compileRuleSet } from '../core/rules/rule-set.ts';
import type { DeployedProject } from '../handlers/deployed-project.ts';
import { catalogOf } from './backtest-exact.ts';
import { LaneSide, type Pending, PendingStore } from './backtest-lane.ts';
import { isPlainEvent, lastPlainJsonBound } from './backtest-lane-accept.ts';
import { CustomerBook } from './backtest-lane-book.ts';
import { RenderCache } from './backtest-lane-render.ts';
import { laneRenderer } from './backtest-lane-send.ts';
import { fastInstant, isoMs } from './backtest-lane-time.ts';
import type { BacktestInput, BacktestReport, RunBook } from './backtest-run.ts';
import type { Side } from './backtest-tally.ts';

/** Events may arrive this much out of time order before goal decisions past their window are dropped. */
const GOAL_SLACK_MS = 86_400_000;
/** Lines between two sweeps of state whose window has passed. */
const SWEEP_EVERY = 50_000;
const MAX_REASON = 2_000;

/**
 * The rules of a project the lane cannot plan exactly, and why. Threshold alerts count events
 * of every customer in a sliding window and alert an operations recipient: not planned by the lane.
 */
export function laneFallback(side: Side, project: DeployedProject): BacktestReport['engine']['fallback'] {
  return project.rules
    .filter((rule) => rule.threshold !== undefined)
    .map((rule) => ({ side, ruleId: rule.id, reason: 'threshold alerts are replayed on the exact path' }));
}

/** A project's template files of one template (`<name>/…`), as one comparable text. */
function templateFiles(project: DeployedProject, template: string): string {
  const files = Object.entries(project.templates)
    .map(([path, text]): [string, string] => [normalizeTemplatePath(path), text])
    .filter(([path]) => path.startsWith(`${template}/`))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(files);
}

/**
 * The rules that are the same on both sides: the same rule, the same template files, under the
 * same settings. Their messages plan, render and decide the same on both sides but for the cap
 * ledger (shared with the other rules of a side), which each side keeps and checks itself.
 */
function twinRules(baseline: DeployedProject, candidate: DeployedProject): Set<string> {
  const twins = new Set<string>();
  if (JSON.stringify(baseline.settings) !== JSON.stringify(candidate.settings)) return twins;
  const theirs = new Map(candidate.rules.map((rule) => [rule.id, rule]));
  for (const rule of baseline.rules) {
    const other = theirs.get(rule.id);
    if (
      other !== undefined &&
      JSON.stringify(rule) === JSON.stringify(other) &&
      templateFiles(baseline, rule.template) === templateFiles(candidate, other.template)
    )
      twins.add(rule.id);
  }
  return twins;
}

/** An event's `time` in ms as the clock reads it (luxon, UTC for a time without offset). */
function eventTimeMs(value: unknown): number | undefined {
  const raw = value !== null && typeof value === 'object' ? Reflect.get(value, 'time') : undefined;
  if (typeof raw !== 'string') return undefined;
  const fast = fastInstant(raw);
  if (fast !== undefined) return fast;
  const time = DateTime.fromISO(raw, { zone: 'utc' });
  return time.isValid ? time.toMillis() : undefined;
}

/** The first `max` UTF-16 units, never ending inside a surrogate pair (as evaluate-event's `truncate`). */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** A backtest on the lane. */
export class LaneRun {
  private readonly sides: [LaneSide, LaneSide];
  /** The twin rules' pending messages, shared by both sides. */
  private readonly twins: PendingStore;
  private readonly customers: CustomerBook;
  private readonly tolerance: number;
  private lateBeyondSlack = 0;
  private readonly goalRules: boolean;
  private readonly renders = new RenderCache();
  /** Whether the event accepted last is small enough that its detail is its own snapshot. */
  private detailFits = false;

  constructor(
    private readonly book: RunBook,
    baseline: DeployedProject,
    candidate: DeployedProject,
  ) {
    // Acceptance and profiles are the baseline's settings on both sides, as the exact path's
    // shared input: the consent settings of the two projects must agree for one book.
    // (Re-opt-in event types change nothing on the lane: no consent it records is a firm opt-out.)
    this.customers = new CustomerBook();
    this.tolerance = baseline.settings.consent.futureToleranceMinutes;
    const twins = twinRules(baseline, candidate);
    // A twin's outcome is one for both sides: counted on each, compared without a wait.
    this.twins = new PendingStore((message) => {
      for (const side of this.sides) side.count(message);
      book.differences.agree();
    });
    const side = (name: Side, project: DeployedProject) =>
      new LaneSide(
        name,
        compileRuleSet(project.rules),
        project.settings,
        this.customers,
        laneRenderer(catalogOf(name, project), project.settings, project.templates, this.renders),
        book.differences,
        this.twins,
        twins,
        name === 'baseline',
      );
    this.sides = [side('baseline', baseline), side('candidate', candidate)];
    this.goalRules = [...baseline.rules, ...candidate.rules].some((rule) => rule.goal ?? rule.avoid);
  }

  /** Why the event is refused (as evaluate-event), or the event. */
  private accept(value: unknown, nowMs: number): JourneyEvent | string {
    const plain = isPlainEvent(value);
    // A UTF-16 unit is at most 3 UTF-8 bytes: `trimDetail` keeps such a detail whole, as it is.
    this.detailFits = plain && lastPlainJsonBound() * 3 <= MAX_SNAPSHOT_BYTES;
    const parsed = plain ? { ok: true as const, event: value } : parseJourneyEvent(value);
    if (!parsed.ok) return truncate(parsed.reason, MAX_REASON);
    const time = parsed.event.time;
    const ahead = ((eventTimeMs(value) ?? Number.NaN) - nowMs) / 60_000;
    if (!(ahead > this.tolerance)) return parsed.event;
    return truncate(
      `time: ${time} is ${Math.round(ahead)} min after its arrival (${isoMs(nowMs)}), more than the ${this.tolerance} min allowed (consent.futureToleranceMinutes)`,
      MAX_REASON,
    );
  }

  /** One input line through both sides. */
  step(input: BacktestInput): void {
    const book = this.book;
    book.read++;
    if ((book.read & 1023) === 0) book.sample(this.pending());
    if (book.read % SWEEP_EVERY === 0) this.sweep();
    if ('error' in input) {
      book.addMalformed(input.line, input.error);
      return;
    }
    const time = eventTimeMs(input.value);
    const timeMs = time ?? book.latestMs;
    if (timeMs < book.latestMs) book.outOfOrder++;
    if (timeMs < book.latestMs - GOAL_SLACK_MS) this.lateBeyondSlack++;
    if (Number.isFinite(timeMs)) {
      this.drainUntil(timeMs);
      for (const side of this.sides) if (time !== undefined && time > side.clockMs) side.clockMs = time;
    }
    const event = this.accept(input.value, this.sides[0].clockMs);
    if (typeof event === 'string') {
      book.addMalformed(input.line, event);
      return;
    }
    // Renders shared between the sides hold for an unchanged profile: forgotten before it merges.
    this.renders.forgetShared();
    const profile = this.customers.resolve(event);
    // The detail a message record keeps (`trimDetail`), when it is the detail itself.
    const snapshot = this.detailFits ? event.detail : undefined;
    const [baseline, candidate] = this.sides;
    // Every side closes before any plans: a twin planned now (by the baseline, for both) is not
    // the candidate's to close with the same event.
    baseline.close(event);
    candidate.close(event);
    baseline.plan(event, profile, snapshot, candidate);
    candidate.plan(event, profile, snapshot, baseline);
    book.accepted(time);
  }

  /**
   * Sends every message due at or before `limitMs`, of both sides and the twins, in one order
   * (send time, then message id), moving the clock of the side (or sides) sending to each send time.
   */
  private drainUntil(limitMs: number): void {
    const [baseline, candidate] = this.sides;
    const stores = [baseline.own, candidate.own, this.twins];
    for (;;) {
      let from = -1;
      let due: Pending | undefined;
      for (let i = 0; i < stores.length; i++) {
        const next = stores[i]?.peekDue(limitMs);
        if (next === undefined) continue;
        if (
          due === undefined ||
          next.sendAtMs < due.sendAtMs ||
          (next.sendAtMs === due.sendAtMs && next.key < due.key)
        ) {
          from = i;
          due = next;
        }
      }
      const store = stores[from];
      if (store === undefined || due === undefined) return;
      store.takeDue(limitMs);
      const atMs = due.sendAtMs;
      if (from === 2) {
        for (const side of this.sides) if (atMs > side.clockMs) side.clockMs = atMs;
        baseline.sendTwin(due, candidate);
        continue;
      }
      const side = this.sides[from] ?? baseline;
      if (atMs > side.clockMs) side.clockMs = atMs;
      side.send(due);
    }
  }

  /** Messages pending on the two sides (a twin's counts on both). */
  private pending(): number {
    return this.sides[0].pendingCount + this.sides[1].pendingCount + 2 * this.twins.byId.size;
  }

  private sweep(): void {
    for (const side of this.sides) side.sweep(this.book.latestMs - GOAL_SLACK_MS);
  }

  finish(): BacktestReport {
    const book = this.book;
    book.sample(this.pending());
    const [baseline, candidate] = this.sides;
    if (Number.isFinite(book.latestMs)) this.drainUntil(book.latestMs);
    book.differences.pairPending(baseline.finish(), candidate.finish());
    book.differences.flush();
    if (this.goalRules && this.lateBeyondSlack > 0)
      book.notes.push(
        `${this.lateBeyondSlack} events arrived more than a day out of time order: goal conversions they would make of decisions older than their goal window plus a day are not counted`,
      );
    return book.report(
      { baseline: baseline.counts, candidate: candidate.counts },
      { path: 'lane', fallback: [] },
    );
  }
}
