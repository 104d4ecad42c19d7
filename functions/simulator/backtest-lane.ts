/**
 * One side of a backtest on the lane: the evaluate and send steps of production as plain
 * functions over compact state (pending messages by id and correlation key, a heap of due
 * sends, cap ledgers, dedupe claims, goal decisions), on a clock in epoch milliseconds. Settled
 * messages are counted and dropped; state whose window has passed is evicted (`sweep`).
 * tests/property/backtest-lane.property.test.ts holds it to the production path, rule by rule.
 */
import type { EngineSettings } from '../core/config/engine-settings.ts';
import { goalIndexOf } from '../core/effect/goal-watch.ts';
import { isHeldOut } from '../core/effect/holdout.ts';
import { messageIdFor } from '../core/ids.ts';
import type { JourneyEvent } from '../core/journey-event.ts';
import { readPath, renderKeyTemplate } from '../core/paths.ts';
import type { Rule } from '../core/rules/rule-schema.ts';
import { correlationKey, type RuleSet } from '../core/rules/rule-set.ts';
import { type CustomerBook, contactOf, type LaneProfile } from './backtest-lane-book.ts';
import { type LanePlan, planLane } from './backtest-lane-plan.ts';
import { type LaneRender, sendDecision } from './backtest-lane-send.ts';
import { instantOf, plusUtc } from './backtest-lane-time.ts';
import { HeapScheduler } from './backtest-store.ts';
import {
  countSettled,
  type DifferenceSampler,
  emptyCounts,
  type RuleCounts,
  type SettledMessage,
  type Side,
} from './backtest-tally.ts';

/** A message planned and not settled yet. */
interface Pending {
  key: string;
  rule: Rule;
  event: JourneyEvent;
  customerId: string;
  correlation: string | undefined;
  sendAtMs: number;
  reason: string | undefined;
  /** The event's detail as the message record keeps it, taken at the first render. */
  snapshot: Record<string, unknown> | undefined;
}

interface GoalEntry {
  atMs: number;
  group: 'sent' | 'held-out';
  converted: boolean;
  /** Past this event time no goal event can convert it any more. */
  untilMs: number;
}

/** A customer's cap ledger: message ids and send times, oldest first (as the ledger's slots). */
interface Ledger {
  keys: string[];
  atMs: number[];
}

/** Message ids of the event evaluated last, by rule: both sides plan the same rules for one event. */
const lastIds = { eventId: '', byRule: new Map<string, string>() };

/** The production message id, worked out once per rule and event for both sides. */
function messageIdOf(ruleId: string, eventId: string): string {
  if (lastIds.eventId !== eventId) {
    lastIds.eventId = eventId;
    lastIds.byRule.clear();
  }
  let id = lastIds.byRule.get(ruleId);
  if (id === undefined) {
    id = messageIdFor(ruleId, eventId);
    lastIds.byRule.set(ruleId, id);
  }
  return id;
}

function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** A message's outcome at `atMs` as the tally reads it (send time in epoch ms), in the shape `settled` gives. */
function settledAt(
  messageId: string,
  rule: Rule,
  customerId: string,
  event: JourneyEvent,
  status: string,
  reason: string | undefined,
  atMs: number,
): SettledMessage {
  return {
    messageId,
    ruleId: rule.id,
    customerId,
    trigger: { id: event.id },
    status,
    sendAt: atMs,
    reason,
    channel: undefined,
    to: undefined,
    rendered: undefined,
  };
}

/** One side of a lane backtest. */
export class LaneSide {
  readonly counts = new Map<string, RuleCounts>();
  private readonly pending = new Map<string, Pending>();
  /** Pending message ids by correlation key, oldest first: one id (most keys) or several. */
  private readonly byCorrelation = new Map<string, string | string[]>();
  private readonly heap = new HeapScheduler();
  private readonly ledgers = new Map<string, Ledger>();
  private readonly dedupe = new Map<string, { holder: string; expiresMs: number | undefined }>();
  private readonly goals = new Map<string, Map<string, GoalEntry>>();
  clockMs = Number.NEGATIVE_INFINITY;

  constructor(
    readonly side: Side,
    private readonly rules: RuleSet,
    private readonly settings: EngineSettings,
    private readonly book: CustomerBook,
    private readonly render: LaneRender,
    private readonly sampler: DifferenceSampler,
  ) {
    for (const id of rules.rules.keys()) this.counts.set(id, emptyCounts());
  }

  get pendingCount(): number {
    return this.pending.size;
  }

  private countsOf(ruleId: string): RuleCounts {
    let found = this.counts.get(ruleId);
    if (found === undefined) {
      found = emptyCounts();
      this.counts.set(ruleId, found);
    }
    return found;
  }

  /** Counts a settled message and offers it for comparison. */
  private settle(message: SettledMessage): void {
    countSettled(this.countsOf(message.ruleId), message);
    this.sampler.offer(this.side, message);
  }

  /** One shape for every settled message (one hidden class, no spreads): absent fields are undefined. */
  private settled(
    pending: Pending,
    status: string,
    reason: string | undefined,
    sent?: { channel: SettledMessage['channel']; to: string; rendered: SettledMessage['rendered'] },
  ): void {
    this.forget(pending);
    this.settle({
      messageId: pending.key,
      ruleId: pending.rule.id,
      customerId: pending.customerId,
      trigger: { id: pending.event.id },
      status,
      sendAt: pending.sendAtMs,
      reason,
      channel: sent?.channel,
      to: sent?.to,
      rendered: sent?.rendered,
    });
  }

  private forget(pending: Pending): void {
    this.pending.delete(pending.key);
    if (pending.correlation === undefined) return;
    const ids = this.byCorrelation.get(pending.correlation);
    if (ids === pending.key) this.byCorrelation.delete(pending.correlation);
    else if (Array.isArray(ids)) {
      const left = ids.filter((id) => id !== pending.key);
      if (left.length === 0) this.byCorrelation.delete(pending.correlation);
      else this.byCorrelation.set(pending.correlation, left.length === 1 ? (left[0] ?? '') : left);
    }
  }

  /** Adds a pending message id under its correlation key (a Set per key cost ~4 objects an event). */
  private correlate(correlation: string, key: string): void {
    const ids = this.byCorrelation.get(correlation);
    if (ids === undefined) this.byCorrelation.set(correlation, key);
    else if (typeof ids === 'string') {
      if (ids !== key) this.byCorrelation.set(correlation, [ids, key]);
    } else if (!ids.includes(key)) ids.push(key);
  }

  /** Sends every message due at or before `limitMs`, moving the clock to each send time. */
  drainUntil(limitMs: number): void {
    for (;;) {
      const next = this.heap.takeDue(limitMs);
      if (next === undefined) return;
      if (next.atMs > this.clockMs) this.clockMs = next.atMs;
      const pending = this.pending.get(next.messageId);
      if (pending !== undefined) this.send(pending);
    }
  }

  /** The send step for a due message (send-message.ts, send-to-provider.ts). */
  private send(pending: Pending): void {
    const nowMs = this.clockMs;
    const profile = this.book.get(pending.customerId);
    const decision = sendDecision(pending, profile, this.settings, nowMs, this.render, (since) =>
      this.capCount(pending.customerId, since, pending.key),
    );
    if (decision.kind === 'defer') {
      pending.sendAtMs = decision.untilMs;
      pending.reason = 'outside-window';
      this.heap.scheduleMs(pending.key, decision.untilMs);
      return;
    }
    if (decision.kind === 'suppress') {
      this.settled(pending, 'suppressed', decision.reason);
      return;
    }
    const urgent = pending.rule.urgent;
    const max = urgent ? undefined : this.settings.cap.max;
    if (!this.reserve(pending.customerId, pending.key, nowMs, decision.sinceMs, max)) {
      this.settled(pending, 'suppressed', 'frequency-cap');
      return;
    }
    this.settled(pending, 'sent', decision.fallback ? 'fallback' : undefined, {
      channel: decision.channel,
      to: decision.to,
      rendered: decision.message,
    });
  }

  private capCount(customerId: string, sinceMs: number, except: string): number {
    const ledger = this.ledgers.get(customerId);
    if (ledger === undefined) return 0;
    let count = 0;
    for (let i = 0; i < ledger.keys.length; i++)
      if (ledger.keys[i] !== except && (ledger.atMs[i] ?? 0) >= sinceMs) count++;
    return count;
  }

  /** As the cap ledger's `reserveCapSlot`. */
  private reserve(
    customerId: string,
    key: string,
    atMs: number,
    sinceMs: number,
    max: number | undefined,
  ): boolean {
    const ledger = this.ledgers.get(customerId);
    if (ledger?.keys.includes(key)) return true;
    let kept = 0;
    if (ledger !== undefined) for (const sentAt of ledger.atMs) if (sentAt >= sinceMs) kept++;
    const full = max !== undefined && kept >= max;
    // Made at their exact size (one per customer: a pushed-to array keeps room for 16 more), the
    // slots still inside the cap period, oldest first, then this message's unless the cap is full.
    const size = full ? kept : kept + 1;
    const keys = new Array<string>(size);
    const times = new Array<number>(size);
    let at = 0;
    if (ledger !== undefined)
      for (let i = 0; i < ledger.keys.length; i++) {
        const sentAt = ledger.atMs[i] ?? 0;
        if (sentAt < sinceMs) continue;
        keys[at] = ledger.keys[i] ?? '';
        times[at] = sentAt;
        at++;
      }
    if (full) {
      if (ledger !== undefined) {
        ledger.keys = keys;
        ledger.atMs = times;
      }
      return false;
    }
    keys[at] = key;
    times[at] = atMs;
    if (ledger === undefined) this.ledgers.set(customerId, { keys, atMs: times });
    else {
      ledger.keys = keys;
      ledger.atMs = times;
    }
    return true;
  }

  /**
   * Evaluates one accepted event (evaluate-event.ts): closers, goals, then the rules it triggers.
   * `snapshot`: the event's detail as a message record keeps it, when known already.
   */
  evaluate(event: JourneyEvent, profile: LaneProfile | undefined, snapshot?: Record<string, unknown>): void {
    for (const closer of this.rules.closers.match(event)) {
      const value = scalar(readPath(event, closer.eventKey));
      if (value === undefined) continue;
      const reason = closer.kind === 'cancel' ? 'closed-by-event' : 'expectation-met';
      const ids = this.byCorrelation.get(correlationKey(closer.rule.id, value));
      if (ids === undefined) continue;
      // A copy of several: settling one changes the list.
      for (const key of typeof ids === 'string' ? [ids] : [...ids]) {
        const pending = this.pending.get(key);
        if (pending !== undefined) this.settled(pending, 'cancelled', reason);
      }
    }
    this.attributeGoals(event);
    for (const rule of this.rules.triggers.match(event)) this.plan(rule, event, profile, snapshot);
  }

  /** As goal-attribution's `attributeGoals`: each decision converted at most once. */
  private attributeGoals(event: JourneyEvent): void {
    const timeMs = instantOf(event.time);
    if (Number.isNaN(timeMs)) return;
    for (const watch of goalIndexOf(this.rules).match(event)) {
      const value = scalar(readPath(event, watch.spec.key));
      if (value === undefined) continue;
      const fromMs = plusUtc(timeMs, watch.spec.within, -1);
      const found = this.goals.get(`${watch.rule.id}#${watch.kind}#${value}`);
      if (found === undefined) continue;
      for (const entry of found.values()) {
        if (entry.converted || entry.atMs < fromMs || entry.atMs > timeMs) continue;
        entry.converted = true;
        const conversions = this.countsOf(watch.rule.id).conversions;
        const name = `${watch.kind}/${entry.group}`;
        conversions[name] = (conversions[name] ?? 0) + 1;
      }
    }
  }

  private recordGoal(
    rule: Rule,
    event: JourneyEvent,
    key: string,
    atMs: number,
    group: GoalEntry['group'],
  ): void {
    for (const kind of ['goal', 'avoid'] as const) {
      const spec = rule[kind];
      if (spec === undefined) continue;
      const value = scalar(readPath(event, spec.key));
      if (value === undefined) continue;
      const name = `${rule.id}#${kind}#${value}`;
      const partition = this.goals.get(name) ?? new Map<string, GoalEntry>();
      if (!partition.has(key))
        partition.set(key, { atMs, group, converted: false, untilMs: plusUtc(atMs, spec.within) });
      this.goals.set(name, partition);
    }
  }

  /** As evaluate-event's `planForRule`: plan, dedupe, correlation, holdout, schedule. */
  private plan(
    rule: Rule,
    event: JourneyEvent,
    profile: LaneProfile | undefined,
    snapshot: Record<string, unknown> | undefined,
  ): void {
    const nowMs = this.clockMs;
    // The production message id: due sends at the same instant go out in its order (the heap's tie-break).
    const key = messageIdOf(rule.id, event.id);
    let decision: LanePlan = planLane(rule, event, profile, this.settings, nowMs);
    if (rule.dedupe !== undefined && decision.kind === 'schedule')
      decision = this.claim(rule, event, key, decision);
    const correlationPath = rule.cancel?.key ?? rule.expect?.key;
    const value = correlationPath === undefined ? undefined : scalar(readPath(event, correlationPath));
    if (decision.kind === 'schedule' && correlationPath !== undefined && value === undefined)
      decision = { kind: 'suppress', reason: 'missing-field', detail: `${correlationPath} is missing` };
    const customerId = profile?.id ?? this.namedCustomer(event);
    const exists = this.pending.has(key);
    if (decision.kind === 'suppress') {
      if (!exists) this.settle(settledAt(key, rule, customerId, event, 'suppressed', decision.reason, nowMs));
      return;
    }
    if (profile !== undefined && isHeldOut(rule.id, customerId, rule.holdout)) {
      const country = this.settings.defaults.country;
      const channel = rule.channels.find((c) => contactOf(profile, c, country).ok);
      if (!exists) {
        const held = settledAt(key, rule, customerId, event, 'held-out', 'holdout', decision.atMs);
        held.channel = channel;
        this.settle(held);
      }
      this.recordGoal(rule, event, key, decision.atMs, 'held-out');
      return;
    }
    if (!exists) {
      const correlation =
        value === undefined || correlationPath === undefined ? undefined : correlationKey(rule.id, value);
      const reason = decision.late ? 'late' : decision.deferred ? 'outside-window' : undefined;
      const pending: Pending = {
        key,
        rule,
        event,
        customerId,
        correlation,
        sendAtMs: decision.atMs,
        reason,
        snapshot,
      };
      this.pending.set(key, pending);
      if (correlation !== undefined) this.correlate(correlation, key);
      this.heap.scheduleMs(key, decision.atMs);
    }
    this.recordGoal(rule, event, key, decision.atMs, 'sent');
  }

  private claim(rule: Rule, event: JourneyEvent, key: string, decision: LanePlan): LanePlan {
    const spec = rule.dedupe;
    if (spec === undefined) return decision;
    const rendered = renderKeyTemplate(spec.key, event);
    if (!rendered.ok) return { kind: 'suppress', reason: 'missing-field', detail: rendered.detail };
    const name = `${rule.id}#${rendered.key}`;
    const nowMs = this.clockMs;
    const held = this.dedupe.get(name);
    if (held !== undefined && held.holder !== key && (held.expiresMs === undefined || held.expiresMs > nowMs))
      return { kind: 'suppress', reason: 'duplicate', detail: `dedupe key '${rendered.key}' already used` };
    if (held?.holder !== key)
      this.dedupe.set(name, {
        holder: key,
        expiresMs: spec.horizon === undefined ? undefined : plusUtc(nowMs, spec.horizon),
      });
    return decision;
  }

  private namedCustomer(event: JourneyEvent): string {
    const id = readPath(event, 'detail.customer.id') ?? readPath(event, 'detail.customerId');
    return typeof id === 'string' && id !== '' ? id : 'unknown';
  }

  /**
   * Drops state whose window has passed: cap ledgers with nothing inside the cap period, expired
   * dedupe claims, goal decisions no event at or after `oldestEventMs` can convert.
   */
  sweep(oldestEventMs: number): void {
    const sinceMs = plusUtc(this.clockMs, this.settings.cap.per, -1);
    for (const [customerId, ledger] of this.ledgers) {
      if (!ledger.atMs.some((at) => at >= sinceMs)) this.ledgers.delete(customerId);
    }
    for (const [name, held] of this.dedupe)
      if (held.expiresMs !== undefined && held.expiresMs <= this.clockMs) this.dedupe.delete(name);
    for (const [name, partition] of this.goals) {
      for (const [key, entry] of partition) if (entry.untilMs < oldestEventMs) partition.delete(key);
      if (partition.size === 0) this.goals.delete(name);
    }
  }

  /** Messages still pending at the end, as the comparison and counts see them. */
  finish(): Map<string, SettledMessage> {
    const out = new Map<string, SettledMessage>();
    for (const pending of this.pending.values()) {
      const counts = this.countsOf(pending.rule.id);
      counts.planned++;
      counts.pending++;
      out.set(
        pending.key,
        settledAt(
          pending.key,
          pending.rule,
          pending.customerId,
          pending.event,
          'scheduled',
          pending.reason,
          pending.sendAtMs,
        ),
      );
    }
    return out;
  }
}
