import { DateTime, Duration } from 'luxon';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import { messageIdFor } from '../core/ids.ts';
import type { JourneyEvent } from '../core/journey-event.ts';
import { type PlanDecision, planMessage } from '../core/planning/decide.ts';
import {
  ALERT_COUNT_LIMIT,
  ALERT_SAMPLES,
  crossesThreshold,
  eventCustomerId,
  operationsProfile,
  operationsRecipientId,
  thresholdAlertKey,
  thresholdCounterKey,
  thresholdKey,
  thresholdQuietUntil,
  thresholdWindow,
} from '../core/planning/threshold.ts';
import type { Rule, ThresholdSpec } from '../core/rules/rule-schema.ts';
import { isoOf } from './iso-time.ts';
import type { MessageRecord, ThresholdSnapshot } from './message-record.ts';
import { type PlannedOutcome, plannedRecord, saveAndSchedule } from './planned-message.ts';
import type { Stores } from './ports/stores.ts';
import type { SendScheduler } from './ports.ts';

/** What counting towards a threshold needs (a part of the evaluate step's dependencies). */
export interface ThresholdDeps extends Pick<Stores, 'messages' | 'dedupe' | 'thresholds'> {
  scheduler: SendScheduler;
  settings: EngineSettings;
  ruleSetVersion?: number;
}

/** What a threshold rule did with one event, for logs, metrics and tests. */
export interface ThresholdCount {
  ruleId: string;
  /** The key value the event counted under (`*` without a key); absent when not counted. */
  value?: string;
  /**
   * `counted`: first delivery; `redelivered`: already counted (a duplicate delivery, counted
   * once); `not-counted`: the event lacks the key.
   */
  outcome: 'counted' | 'redelivered' | 'not-counted';
  /**
   * Events in the window ending at this event's time, this one included, counted up to the
   * threshold (the decision reads no further; an alert's snapshot carries the exact count).
   */
  count?: number;
  /**
   * `alert` when this event reached the threshold and claimed the alert (its id is the message
   * id); `cooling-down` when an alert for the key holds its cooldown at this event's time (the
   * count is then not read, and absent) or was claimed by a concurrent event at the crossing.
   */
  crossing?: 'alert' | 'cooling-down';
  reason?: string;
}

/**
 * Counts an event for a threshold rule and, when the count in the sliding window reaches the
 * threshold, claims the one alert for the key and plans it like any message, to the operations
 * recipient.
 *
 * Why it is exact under duplicate and concurrent deliveries:
 * - the entry is keyed by (event time, event id) and written if absent, so a redelivery counts once;
 * - each evaluator writes its entry before it counts, and the count reads consistently, so of two
 *   racing events the later count sees both: a crossing is never missed;
 * - two evaluators that both see the crossing race for one conditional write, the alert claim (a
 *   dedupe claim whose horizon is the cooldown, by event time): exactly one plans the alert, and a
 *   redelivery of the winning event finds its own claim and completes what a crash interrupted.
 */
export async function countForThreshold(
  rule: Rule,
  threshold: ThresholdSpec,
  event: JourneyEvent,
  now: DateTime,
  deps: ThresholdDeps,
): Promise<{ count: ThresholdCount; alert?: PlannedOutcome }> {
  const key = thresholdKey(threshold, event);
  if (!key.ok) return { count: { ruleId: rule.id, outcome: 'not-counted', reason: key.detail } };
  const counter = thresholdCounterKey(rule.id, key.value);
  const eventTime = DateTime.fromISO(event.time, { zone: 'utc' });
  const at = isoOf(eventTime);
  const window = thresholdWindow(threshold, eventTime);
  const customerId = eventCustomerId(event);
  // Kept as long as a window that holds it can still be judged: `within` after the later of the
  // event's time and its arrival (a late event is judged against its neighbours too).
  const keepUntil = isoOf(DateTime.max(eventTime, now).plus(Duration.fromISO(threshold.within)));
  const written = await deps.thresholds.recordThresholdEvent(
    counter,
    { eventId: event.id, at, ...(customerId === undefined ? {} : { customerId }) },
    keepUntil,
  );
  const outcome = written === 'created' ? 'counted' : 'redelivered';
  const messageId = messageIdFor(rule.id, event.id);
  const alertKey = thresholdAlertKey(rule.id, key.value);
  // Within an alert's cooldown no count can make another alert: one read of the claim instead
  // of the count (a hot key spends most of its time here).
  const quiet = await deps.dedupe.getDedupe(alertKey);
  if (
    quiet !== undefined &&
    quiet.messageId !== messageId &&
    (quiet.heldUntil === undefined || quiet.heldUntil > at)
  ) {
    return {
      count: {
        ruleId: rule.id,
        value: key.value,
        outcome,
        crossing: 'cooling-down',
        reason: `alert ${quiet.messageId} holds the key until ${quiet.heldUntil ?? 'for good'}: not counted further`,
      },
    };
  }
  // Only "at least `count`?" decides, so at most `count` entries are read: the cost of an event
  // is bounded by the rule's threshold, not by the rate × the window (docs/capacity.md).
  const count = await deps.thresholds.countThresholdEvents(counter, isoOf(window.after), at, threshold.count);
  const base: ThresholdCount = { ruleId: rule.id, value: key.value, outcome, count };
  if (!crossesThreshold(threshold, count)) return { count: base };

  const holder = await deps.dedupe.claimDedupe(
    alertKey,
    messageId,
    at,
    isoOf(thresholdQuietUntil(threshold, eventTime)),
  );
  if (holder !== messageId) {
    return {
      count: { ...base, crossing: 'cooling-down', reason: `alert ${holder} was sent within the cooldown` },
    };
  }

  const snapshot = await snapshotOf(threshold, key.value, counter, window.after, at, deps);
  const recipientId = operationsRecipientId(rule.id);
  const decision: PlanDecision = planMessage({
    rule,
    event,
    profile: operationsProfile(rule, recipientId),
    settings: deps.settings,
    now,
  });
  const record: MessageRecord = {
    ...plannedRecord({ messageId, ruleId: rule.id, customerId: recipientId, event, decision, now }),
    dedupeKey: thresholdAlertKey(rule.id, key.value),
    threshold: snapshot,
  };
  const alert = await saveAndSchedule(record, decision, deps);
  return { count: { ...base, crossing: 'alert' }, alert };
}

/**
 * What the alert says: the count (read here, once per alert, where the decision stopped at the
 * threshold: exact up to {@link ALERT_COUNT_LIMIT}), the key, the window's first and last event,
 * a few samples.
 */
async function snapshotOf(
  threshold: ThresholdSpec,
  value: string,
  counter: string,
  after: DateTime,
  until: string,
  deps: ThresholdDeps,
): Promise<ThresholdSnapshot> {
  const from = isoOf(after);
  const [count, oldest, newest] = await Promise.all([
    deps.thresholds.countThresholdEvents(counter, from, until, ALERT_COUNT_LIMIT),
    deps.thresholds.listThresholdEvents(counter, from, until, { limit: 1, order: 'oldest-first' }),
    deps.thresholds.listThresholdEvents(counter, from, until, {
      limit: ALERT_SAMPLES,
      order: 'newest-first',
    }),
  ]);
  return {
    ...(threshold.key === undefined ? {} : { key: threshold.key }),
    value,
    count,
    threshold: threshold.count,
    within: threshold.within,
    firstAt: oldest[0]?.at ?? until,
    lastAt: newest[0]?.at ?? until,
    samples: newest.map((entry) => ({
      eventId: entry.eventId,
      ...(entry.customerId === undefined ? {} : { customerId: entry.customerId }),
    })),
  };
}
