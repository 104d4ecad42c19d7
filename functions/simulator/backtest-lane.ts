/**
 * The two sides of a backtest on the lane: the evaluate and send steps of production as plain
 * functions over compact state (pending messages by id and correlation key, a heap of due sends,
 * cap ledgers, dedupe claims, goal decisions), on a clock in epoch milliseconds. Settled messages
 * are counted and dropped; state whose window has passed is evicted (`sweep`).
 *
 * A rule that is the same on both sides (same rule, same template files, same settings: a "twin")
 * is planned once for both: its messages sit in one store both sides share, are rendered and
 * decided once, and only the cap, the one state rules share per customer, is checked on each
 * side's own ledger. tests/property/backtest-lane.property.test.ts holds both sides to the
 * production path, rule by rule, with and without twins.
 */
import type { MessageRecord } from '../app/message-record.ts';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import { goalIndexOf } from '../core/effect/goal-watch.ts';
import { isHeldOut } from '../core/effect/holdout.ts';
import { messageIdFor } from '../core/ids.ts';
import type { JourneyEvent } from '../core/journey-event.ts';
import { readPath, renderKeyTemplate } from '../core/paths.ts';
import { trimDetail } from '../core/planning/trigger-snapshot.ts';
import type { Rule } from '../core/rules/rule-schema.ts';
import type { RuleSet } from '../core/rules/rule-set.ts';
import { type CustomerBook, contactOf, type LaneProfile, type Ledger } from './backtest-lane-book.ts';
import { type LanePlan, planLane } from './backtest-lane-plan.ts';
import { type LaneRender, type LaneSendDecision, sendDecision } from './backtest-lane-send.ts';
import { instantOf, plusUtc } from './backtest-lane-time.ts';
import {
  countSettled,
  type DifferenceSampler,
  emptyCounts,
  type RuleCounts,
  type SettledMessage,
  type Side,
} from './backtest-tally.ts';
import { DueHeap } from './due-heap.ts';

/** A message planned and not settled yet. */
export interface Pending {
  key: string;
  rule: Rule;
  /**
   * The trigger as the message record keeps it, its detail cut to the keys the rule's templates
   * read: a message pending for hours holds that, not the whole parsed event.
   */
  trigger: MessageRecord['trigger'];
  customerId: string;
  /** The value of its rule's cancel or expect key, when it has one. */
  correlation: string | undefined;
  sendAtMs: number;
  reason: string | undefined;
}

interface GoalEntry {
  atMs: number;
  group: 'sent' | 'held-out';
  converted: boolean;
  /** Past this event time no goal event can convert it any more. */
  untilMs: number;
}

/** What a due message came to on one side: its status and reason, and what was sent. */
interface Outcome {
  status: string;
  reason: string | undefined;
  sent: { channel: SettledMessage['channel']; to: string; rendered: SettledMessage['rendered'] } | undefined;
}

/**
 * Values worked out for the event evaluated last, by key: both sides ask for the same ones while
 * they evaluate one event. Arrays overwritten in place when the next event comes (a map cleared
 * per event made a new table each time); `find`, then `add` on a miss (no closure per call).
 */
class EventMemo<K, V> {
  private event: unknown = undefined;
  private count = 0;
  private readonly keys: K[] = [];
  private readonly values: V[] = [];

  constructor(private readonly same: (a: K, b: K) => boolean) {}

  find(event: unknown, key: K): V | undefined {
    if (this.event !== event) {
      this.event = event;
      this.count = 0;
    }
    for (let i = 0; i < this.count; i++) {
      const known = this.keys[i];
      if (known !== undefined && this.same(known, key)) return this.values[i];
    }
    return undefined;
  }

  /** Remembers `value` under `key` for the event `find` was last asked about. */
  add(key: K, value: V): V {
    this.keys[this.count] = key;
    this.values[this.count] = value;
    this.count++;
    return value;
  }
}

/** A trigger's cut that keeps the whole detail. */
const WHOLE = Symbol('whole detail');

/** Message ids by rule. */
const ids = new EventMemo<string, string>((a, b) => a === b);

/**
 * Triggers by the detail keys they keep (`WHOLE` for the whole detail): both sides' messages of
 * one event and cut share one trigger, so a render one side made is the other's too
 * (backtest-lane-send.ts).
 */
const triggers = new EventMemo<ReadonlyArray<string> | typeof WHOLE, MessageRecord['trigger']>(sameCut);

/** Whether two cuts keep the same keys (each side's renderer lists them in its own array). */
function sameCut(a: ReadonlyArray<string> | typeof WHOLE, b: ReadonlyArray<string> | typeof WHOLE): boolean {
  if (a === b) return true;
  if (a === WHOLE || b === WHOLE || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The trigger a message of `event` keeps: its envelope fields and its detail as the message
 * record snapshots it (`snapshot` when known, else `trimDetail`), cut to `keys` when given.
 */
function triggerOf(
  event: JourneyEvent,
  snapshot: Record<string, unknown> | undefined,
  keys: ReadonlyArray<string> | undefined,
): MessageRecord['trigger'] {
  const cut = keys ?? WHOLE;
  const known = triggers.find(event, cut);
  if (known !== undefined) return known;
  const whole = snapshot ?? trimDetail(event.detail).detail;
  let detail = whole;
  if (keys !== undefined) {
    detail = {};
    for (const key of keys) if (Object.hasOwn(whole, key)) detail[key] = whole[key];
  }
  const trigger = {
    id: event.id,
    source: event.source,
    detailType: event['detail-type'],
    time: event.time,
    detail,
  };
  return triggers.add(cut, trigger);
}

/** The production message id, worked out once per rule and event for both sides. */
function messageIdOf(ruleId: string, event: JourneyEvent): string {
  return ids.find(event, ruleId) ?? ids.add(ruleId, messageIdFor(ruleId, event.id));
}

function scalar(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** A message's outcome at `atMs` as the tally reads it (send time in epoch ms), in the shape `settled` gives. */
function settledAt(
  messageId: string,
  rule: Rule,
  customerId: string,
  eventId: string,
  status: string,
  reason: string | undefined,
  atMs: number,
): SettledMessage {
  return {
    messageId,
    ruleId: rule.id,
    customerId,
    trigger: { id: eventId },
    status,
    sendAt: atMs,
    reason,
    channel: undefined,
    to: undefined,
    rendered: undefined,
  };
}

/** One shape for every settled message (one hidden class, no spreads): absent fields are undefined. */
function settledOf(pending: Pending, outcome: Outcome): SettledMessage {
  const sent = outcome.sent;
  return {
    messageId: pending.key,
    ruleId: pending.rule.id,
    customerId: pending.customerId,
    trigger: { id: pending.trigger.id },
    status: outcome.status,
    sendAt: pending.sendAtMs,
    reason: outcome.reason,
    channel: sent?.channel,
    to: sent?.to,
    rendered: sent?.rendered,
  };
}

function sameOutcome(a: Outcome, b: Outcome): boolean {
  return (
    a.status === b.status &&
    a.reason === b.reason &&
    a.sent?.channel === b.sent?.channel &&
    a.sent?.to === b.sent?.to &&
    a.sent?.rendered === b.sent?.rendered
  );
}

/**
 * Pending messages of one side, or of both sides' twin rules: by id, by correlation key (for
 * cancel and expect), by due time, and the dedupe claims of the rules they belong to.
 */
export class PendingStore {
  readonly byId = new Map<string, Pending>();
  /**
   * Pending message ids by rule and correlation value, oldest first: one id (most values) or
   * several. Maps per rule, not one keyed by `rule#value`: that string was made per message.
   */
  private readonly byCorrelation = new Map<string, Map<string, string | string[]>>();
  /** Due sends: the pending messages themselves, by send time (an entry left by a settled or moved one is stale). */
  private readonly heap = new DueHeap<Pending>();
  readonly dedupe = new Map<string, { holder: string; expiresMs: number | undefined }>();

  /**
   * @param report a settled message of this store, to its side's counts (twins: both sides').
   */
  constructor(readonly report: (message: SettledMessage) => void) {}

  add(pending: Pending): void {
    this.byId.set(pending.key, pending);
    if (pending.correlation !== undefined) this.correlate(pending.rule.id, pending.correlation, pending.key);
    this.heap.push(pending);
  }

  /** Moves a pending message to a later send time. */
  reschedule(pending: Pending, atMs: number): void {
    pending.sendAtMs = atMs;
    this.heap.push(pending);
  }

  /**
   * The earliest pending message due at or before `limitMs`, left in place (stale entries above
   * it dropped), or undefined: `takeDue` takes it next. An entry is stale when its message settled
   * (or another message took its id since) or moved to another time.
   */
  peekDue(limitMs: number): Pending | undefined {
    for (;;) {
      const top = this.heap.peekDue(limitMs);
      if (top === undefined || (this.byId.get(top.key) === top && top.sendAtMs === this.heap.topMs))
        return top;
      this.heap.takeDue(limitMs);
    }
  }

  takeDue(limitMs: number): void {
    this.heap.takeDue(limitMs);
  }

  /** The ids of `ruleId` pending under `value`, a copy (settling one changes the list), or undefined. */
  correlated(ruleId: string, value: string): string[] | undefined {
    const ids = this.byCorrelation.get(ruleId)?.get(value);
    return ids === undefined ? undefined : typeof ids === 'string' ? [ids] : [...ids];
  }

  /** Forgets a pending message and reports its outcome. */
  settle(pending: Pending, message: SettledMessage): void {
    this.remove(pending);
    this.report(message);
  }

  /** Forgets a pending message (its outcome is reported otherwise). */
  remove(pending: Pending): void {
    this.byId.delete(pending.key);
    const value = pending.correlation;
    const byValue = value === undefined ? undefined : this.byCorrelation.get(pending.rule.id);
    if (value === undefined || byValue === undefined) return;
    const ids = byValue.get(value);
    if (ids === pending.key) byValue.delete(value);
    else if (Array.isArray(ids)) {
      const left = ids.filter((id) => id !== pending.key);
      if (left.length === 0) byValue.delete(value);
      else byValue.set(value, left.length === 1 ? (left[0] ?? '') : left);
    }
  }

  /** Adds a pending message id under its rule and correlation value (a Set per value cost ~4 objects an event). */
  private correlate(ruleId: string, value: string, key: string): void {
    let byValue = this.byCorrelation.get(ruleId);
    if (byValue === undefined) {
      byValue = new Map();
      this.byCorrelation.set(ruleId, byValue);
    }
    const ids = byValue.get(value);
    if (ids === undefined) byValue.set(value, key);
    else if (typeof ids === 'string') {
      if (ids !== key) byValue.set(value, [ids, key]);
    } else if (!ids.includes(key)) ids.push(key);
  }

  /** Drops dedupe claims expired at `nowMs`. */
  sweep(nowMs: number): void {
    for (const [name, held] of this.dedupe)
      if (held.expiresMs !== undefined && held.expiresMs <= nowMs) this.dedupe.delete(name);
  }
}

/** One side of a lane backtest. */
export class LaneSide {
  readonly counts = new Map<string, RuleCounts>();
  /** This side's own pending messages: those of rules that are not twins. */
  readonly own: PendingStore;
  private readonly goals = new Map<string, Map<string, GoalEntry>>();
  clockMs = Number.NEGATIVE_INFINITY;

  /**
   * @param twins the store of twin rules' messages, shared by both sides
   * @param twinRules the ids of the rules that are twins
   * @param plansTwins whether this side plans (and closes) the twins' messages for both
   */
  constructor(
    readonly side: Side,
    private readonly rules: RuleSet,
    readonly settings: EngineSettings,
    private readonly book: CustomerBook,
    readonly render: LaneRender,
    private readonly sampler: DifferenceSampler,
    private readonly twins: PendingStore,
    private readonly twinRules: ReadonlySet<string>,
    private readonly plansTwins: boolean,
  ) {
    for (const id of rules.rules.keys()) this.counts.set(id, emptyCounts());
    this.own = new PendingStore((message) => this.settle(message));
  }

  get pendingCount(): number {
    return this.own.byId.size;
  }

  private countsOf(ruleId: string): RuleCounts {
    let found = this.counts.get(ruleId);
    if (found === undefined) {
      found = emptyCounts();
      this.counts.set(ruleId, found);
    }
    return found;
  }

  /** Counts a settled message of this side. */
  count(message: SettledMessage): void {
    countSettled(this.countsOf(message.ruleId), message);
  }

  /** Counts a settled message of this side's own and offers it for comparison. */
  settle(message: SettledMessage): void {
    this.count(message);
    this.sampler.offer(this.side, message);
  }

  /** The send step for a due message of this side's own (send-message.ts, send-to-provider.ts). */
  send(pending: Pending): void {
    const decision = this.decide(pending);
    if (decision.kind === 'defer') {
      pending.reason = 'outside-window';
      this.own.reschedule(pending, decision.untilMs);
      return;
    }
    this.own.settle(pending, settledOf(pending, this.conclude(pending, decision)));
  }

  /**
   * The send step for a due twin message, on both sides: one decision (window, channel, render),
   * unless the two sides' cap ledgers answer the cap check differently; each side reserves its slot.
   */
  sendTwin(pending: Pending, other: LaneSide): void {
    // The cap check as this side made it (if it came to one): its period's start and count.
    let sinceMs: number | undefined;
    let count = 0;
    const mine = this.decide(pending, (since, mineCount) => {
      sinceMs = since;
      count = mineCount;
    });
    if (mine.kind === 'defer') {
      pending.reason = 'outside-window';
      this.twins.reschedule(pending, mine.untilMs);
      return;
    }
    const { customerId, key } = pending;
    const max = this.settings.cap.max;
    const theirs =
      sinceMs !== undefined && count >= max !== other.capCount(customerId, sinceMs, key) >= max
        ? other.decide(pending)
        : mine;
    // Twins share rule, settings and clock: the window that let this side's decision through lets the other's.
    if (theirs.kind === 'defer') throw new Error(`twin message ${key} deferred on one side only`);
    const a = this.conclude(pending, mine);
    const b = other.conclude(pending, theirs);
    if (sameOutcome(a, b)) {
      this.twins.settle(pending, settledOf(pending, a));
      return;
    }
    // The cap told the sides apart: each side counts its own outcome, and they are compared.
    this.twins.remove(pending);
    this.settle(settledOf(pending, a));
    other.settle(settledOf(pending, b));
  }

  /** Decides a due message on this side's clock, profile book and cap ledger. */
  private decide(pending: Pending, onCap?: (sinceMs: number, count: number) => void): LaneSendDecision {
    const profile = this.book.get(pending.customerId);
    return sendDecision(pending, profile, this.settings, this.clockMs, this.render, (since) => {
      const count = this.capCount(pending.customerId, since, pending.key);
      onCap?.(since, count);
      return count;
    });
  }

  /** What a decision (not a deferral) comes to on this side: the cap slot reserved, or refused. */
  private conclude(pending: Pending, decision: Exclude<LaneSendDecision, { kind: 'defer' }>): Outcome {
    if (decision.kind === 'suppress')
      return { status: 'suppressed', reason: decision.reason, sent: undefined };
    const max = pending.rule.urgent ? undefined : this.settings.cap.max;
    if (!this.reserve(pending.customerId, pending.key, this.clockMs, decision.sinceMs, max))
      return { status: 'suppressed', reason: 'frequency-cap', sent: undefined };
    return {
      status: 'sent',
      reason: decision.fallback ? 'fallback' : undefined,
      sent: { channel: decision.channel, to: decision.to, rendered: decision.message },
    };
  }

  /** This side's cap ledger of a customer. */
  private ledgerOf(profile: LaneProfile): Ledger | undefined {
    return this.side === 'baseline' ? profile.baselineLedger : profile.candidateLedger;
  }

  private keepLedger(profile: LaneProfile, ledger: Ledger): void {
    if (this.side === 'baseline') profile.baselineLedger = ledger;
    else profile.candidateLedger = ledger;
  }

  capCount(customerId: string, sinceMs: number, except: string): number {
    const profile = this.book.get(customerId);
    const ledger = profile === undefined ? undefined : this.ledgerOf(profile);
    if (ledger === undefined) return 0;
    let count = 0;
    for (let i = 0; i < ledger.size; i++)
      if (ledger.keys[i] !== except && (ledger.atMs[i] ?? 0) >= sinceMs) count++;
    return count;
  }

  /** As the cap ledger's `reserveCapSlot`: slots before `sinceMs` dropped, then this one's unless the cap is full. */
  private reserve(
    customerId: string,
    key: string,
    atMs: number,
    sinceMs: number,
    max: number | undefined,
  ): boolean {
    // A send has a profile (sendDecision suppresses one without): its ledger is kept there.
    const profile = this.book.get(customerId);
    if (profile === undefined)
      throw new Error(`a send reserved a cap slot for ${customerId}, who has no profile`);
    let ledger = this.ledgerOf(profile);
    if (ledger === undefined) {
      if (max !== undefined && max <= 0) return false;
      const room = Math.max(1, this.settings.cap.max);
      ledger = { keys: new Array<string>(room).fill(''), atMs: new Array<number>(room).fill(0), size: 0 };
      this.keepLedger(profile, ledger);
    }
    const { keys, atMs: times } = ledger;
    for (let i = 0; i < ledger.size; i++) if (keys[i] === key) return true;
    let kept = 0;
    for (let i = 0; i < ledger.size; i++) {
      const sentAt = times[i] ?? 0;
      if (sentAt < sinceMs) continue;
      keys[kept] = keys[i] ?? '';
      times[kept] = sentAt;
      kept++;
    }
    // Dropped slots keep no message id alive.
    for (let i = kept; i < ledger.size; i++) keys[i] = '';
    ledger.size = kept;
    if (max !== undefined && kept >= max) return false;
    keys[kept] = key;
    times[kept] = atMs;
    ledger.size = kept + 1;
    return true;
  }

  /**
   * The first half of evaluating an accepted event (evaluate-event.ts): the messages it closes
   * (cancel, expect) and the goals it converts. Every side closes before any side plans.
   */
  close(event: JourneyEvent): void {
    // Indexed loops over matches: `for…of` here allocated an iterator result per step (the shared
    // empty match and the lists of matches are arrays of two kinds).
    const closers = this.rules.closers.match(event);
    for (let i = 0; i < closers.length; i++) {
      const closer = closers[i];
      if (closer === undefined) continue;
      const twin = this.twinRules.has(closer.rule.id);
      // A twin's messages are closed once, by the side that plans them.
      if (twin && !this.plansTwins) continue;
      const value = scalar(readPath(event, closer.eventKey));
      if (value === undefined) continue;
      const store = twin ? this.twins : this.own;
      const ids = store.correlated(closer.rule.id, value);
      if (ids === undefined) continue;
      const reason = closer.kind === 'cancel' ? 'closed-by-event' : 'expectation-met';
      for (const key of ids) {
        const pending = store.byId.get(key);
        if (pending !== undefined)
          store.settle(pending, settledOf(pending, { status: 'cancelled', reason, sent: undefined }));
      }
    }
    this.attributeGoals(event);
  }

  /**
   * The second half: the rules the event triggers. `snapshot`: the event's detail as a message
   * record keeps it, when known already. A twin rule is planned by one side, for both.
   */
  plan(
    event: JourneyEvent,
    profile: LaneProfile | undefined,
    snapshot: Record<string, unknown> | undefined,
    other: LaneSide,
  ): void {
    const triggered = this.rules.triggers.match(event);
    for (let i = 0; i < triggered.length; i++) {
      const rule = triggered[i];
      if (rule === undefined) continue;
      if (!this.twinRules.has(rule.id)) this.planRule(rule, event, profile, snapshot, this.own, undefined);
      else if (this.plansTwins) this.planRule(rule, event, profile, snapshot, this.twins, other);
    }
  }

  /** As goal-attribution's `attributeGoals`: each decision converted at most once. */
  private attributeGoals(event: JourneyEvent): void {
    const timeMs = instantOf(event.time);
    if (Number.isNaN(timeMs)) return;
    const watches = goalIndexOf(this.rules).match(event);
    for (let i = 0; i < watches.length; i++) {
      const watch = watches[i];
      if (watch === undefined) continue;
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

  /**
   * As evaluate-event's `planForRule`: plan, dedupe, correlation, holdout, schedule. `twin`: the
   * other side, when the rule is a twin planned (into `store`, the shared one) for both.
   */
  private planRule(
    rule: Rule,
    event: JourneyEvent,
    profile: LaneProfile | undefined,
    snapshot: Record<string, unknown> | undefined,
    store: PendingStore,
    twin: LaneSide | undefined,
  ): void {
    const nowMs = this.clockMs;
    // The production message id: due sends at the same instant go out in its order (the heap's tie-break).
    const key = messageIdOf(rule.id, event);
    let decision: LanePlan = planLane(rule, event, profile, this.settings, nowMs, key);
    if (rule.dedupe !== undefined && decision.kind === 'schedule')
      decision = this.claim(rule, event, key, decision, store);
    const correlationPath = rule.cancel?.key ?? rule.expect?.key;
    const value = correlationPath === undefined ? undefined : scalar(readPath(event, correlationPath));
    if (decision.kind === 'schedule' && correlationPath !== undefined && value === undefined)
      decision = { kind: 'suppress', reason: 'missing-field', detail: `${correlationPath} is missing` };
    const customerId = profile?.id ?? this.namedCustomer(event);
    const exists = store.byId.has(key);
    if (decision.kind === 'suppress') {
      if (!exists)
        store.report(settledAt(key, rule, customerId, event.id, 'suppressed', decision.reason, nowMs));
      return;
    }
    if (profile !== undefined && isHeldOut(rule.id, customerId, rule.holdout)) {
      const country = this.settings.defaults.country;
      const channel = rule.channels.find((c) => contactOf(profile, c, country).ok);
      if (!exists) {
        const held = settledAt(key, rule, customerId, event.id, 'held-out', 'holdout', decision.atMs);
        held.channel = channel;
        store.report(held);
      }
      this.recordGoal(rule, event, key, decision.atMs, 'held-out');
      twin?.recordGoal(rule, event, key, decision.atMs, 'held-out');
      return;
    }
    if (!exists) {
      const correlation = correlationPath === undefined ? undefined : value;
      const reason = decision.late ? 'late' : decision.deferred ? 'outside-window' : undefined;
      const trigger = triggerOf(event, snapshot, this.render.detailKeys(rule));
      store.add({ key, rule, trigger, customerId, correlation, sendAtMs: decision.atMs, reason });
    }
    this.recordGoal(rule, event, key, decision.atMs, 'sent');
    twin?.recordGoal(rule, event, key, decision.atMs, 'sent');
  }

  private claim(
    rule: Rule,
    event: JourneyEvent,
    key: string,
    decision: LanePlan,
    store: PendingStore,
  ): LanePlan {
    const spec = rule.dedupe;
    if (spec === undefined) return decision;
    const rendered = renderKeyTemplate(spec.key, event);
    if (!rendered.ok) return { kind: 'suppress', reason: 'missing-field', detail: rendered.detail };
    const name = `${rule.id}#${rendered.key}`;
    const nowMs = this.clockMs;
    const held = store.dedupe.get(name);
    if (held !== undefined && held.holder !== key && (held.expiresMs === undefined || held.expiresMs > nowMs))
      return { kind: 'suppress', reason: 'duplicate', detail: `dedupe key '${rendered.key}' already used` };
    if (held?.holder !== key)
      store.dedupe.set(name, {
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
   * Drops state whose window has passed: cap ledgers with nothing inside the cap period (emptied), expired
   * dedupe claims, goal decisions no event at or after `oldestEventMs` can convert.
   */
  sweep(oldestEventMs: number): void {
    const sinceMs = plusUtc(this.clockMs, this.settings.cap.per, -1);
    for (const profile of this.book.values()) {
      const ledger = this.ledgerOf(profile);
      if (ledger === undefined) continue;
      let live = false;
      for (let i = 0; i < ledger.size && !live; i++) live = (ledger.atMs[i] ?? 0) >= sinceMs;
      // Emptied in place: the message ids go, the arrays stay for the customer's next send (a
      // ledger made anew per customer and day was promoted, and collected a day later).
      if (!live) {
        ledger.keys.fill('', 0, ledger.size);
        ledger.size = 0;
      }
    }
    this.own.sweep(this.clockMs);
    if (this.plansTwins) this.twins.sweep(this.clockMs);
    for (const [name, partition] of this.goals) {
      for (const [key, entry] of partition) if (entry.untilMs < oldestEventMs) partition.delete(key);
      if (partition.size === 0) this.goals.delete(name);
    }
  }

  /** Messages still pending at the end, on this side's own and the twins', as the comparison and counts see them. */
  finish(): Map<string, SettledMessage> {
    const out = new Map<string, SettledMessage>();
    for (const store of [this.own, this.twins])
      for (const pending of store.byId.values()) {
        const counts = this.countsOf(pending.rule.id);
        counts.planned++;
        counts.pending++;
        out.set(
          pending.key,
          settledAt(
            pending.key,
            pending.rule,
            pending.customerId,
            pending.trigger.id,
            'scheduled',
            pending.reason,
            pending.sendAtMs,
          ),
        );
      }
    return out;
  }
}
