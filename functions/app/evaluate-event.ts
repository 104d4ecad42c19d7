import { DateTime, Duration } from 'luxon';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import { type CustomerProfile, mergeProfile, utcIso } from '../core/customers/customer-profile.ts';
import { type EventCustomer, EventCustomerSchema } from '../core/customers/event-customer.ts';
import { suppressionAddress } from '../core/customers/suppression-address.ts';
import { isHeldOut } from '../core/effect/holdout.ts';
import { messageIdFor } from '../core/ids.ts';
import { type JourneyEvent, parseJourneyEvent } from '../core/journey-event.ts';
import { readPath, renderKeyTemplate } from '../core/paths.ts';
import { type PlanDecision, planMessage } from '../core/planning/decide.ts';
import type { Rule } from '../core/rules/rule-schema.ts';
import { correlationKey, type RuleSet } from '../core/rules/rule-set.ts';
import { profileAddresses } from './address-suppressions.ts';
import { countForThreshold, type ThresholdCount } from './evaluate-threshold.ts';
import { attributeGoals, type GoalConversion, holdOut, recordGoalDecision } from './goal-attribution.ts';
import { isoOf } from './iso-time.ts';
import type { MessageRecord } from './message-record.ts';
import { type PlannedOutcome, plannedRecord, saveAndSchedule } from './planned-message.ts';
import type { Stores } from './ports/stores.ts';
import type { Clock, SendScheduler } from './ports.ts';
import { updateProfile } from './update-profile.ts';

/** What evaluating one event did, for logs, metrics and the simulator. */
export interface EvaluationResult {
  eventId?: string;
  rejected?: string;
  /** One entry per rule that matched as a trigger. */
  planned: PlannedOutcome[];
  /** Messages this event closed (cancel or expectation met). */
  closed: Array<{ ruleId: string; messageId: string; reason: 'closed-by-event' | 'expectation-met' }>;
  /**
   * One entry per threshold rule that matched: the event was counted (or why not) and the count
   * in its window. A crossing that claimed the alert is also in `planned`, with the alert's id.
   */
  counted: ThresholdCount[];
  /** Decisions this event converted as a rule's goal or avoid (docs/rules.md, goals). */
  converted?: GoalConversion[];
}

/** What evaluating needs; built once per process. */
export interface EvaluateDeps
  extends Pick<
    Stores,
    'messages' | 'profiles' | 'dedupe' | 'thresholds' | 'rejected' | 'suppressions' | 'goals' | 'events'
  > {
  // suppressions: a re-opt-in event lifts those of the customer's addresses.
  scheduler: SendScheduler;
  clock: Clock;
  settings: EngineSettings;
  rules: RuleSet;
  /** The active rule-set version, recorded on every message planned (absent: unversioned, e.g. the simulator). */
  ruleSetVersion?: number;
}

/** Raw input is kept with a rejection up to this size, so a huge payload cannot bloat the table. */
const MAX_RAW = 8_000;
/** An event id longer than EventBridge's (256) is cut to it in the rejection record. */
const MAX_ID = 256;
const MAX_REASON = 2_000;

/**
 * Evaluates one journey event: validates it, updates the customer's profile, closes messages
 * it correlates with (cancel, expectation met), and plans a message for every rule it triggers.
 * Safe to run twice for the same event: message ids derive from (rule, event id) and every
 * write is conditional, so a redelivery changes nothing.
 */
export async function evaluateEvent(input: unknown, deps: EvaluateDeps): Promise<EvaluationResult> {
  const now = deps.clock.now();
  const parsed = parseJourneyEvent(input);
  if (!parsed.ok) {
    const id = readPath(input, 'id');
    return reject(input, typeof id === 'string' ? id : undefined, parsed.reason, now, deps);
  }
  const tooEarly = futureTimeProblem(parsed.event.time, now, deps.settings.consent.futureToleranceMinutes);
  if (tooEarly !== undefined) return reject(input, parsed.event.id, tooEarly, now, deps);
  const event = parsed.event;
  // Every accepted event is archived, matched or not, for backtests (ports/event-archive.ts).
  await deps.events.archive({
    event,
    at: utcIso(event.time),
    receivedAt: isoOf(now),
    ...optionalCustomer(namedCustomer(event)),
  });
  const result: EvaluationResult = { eventId: event.id, planned: [], closed: [], counted: [] };

  for (const closer of deps.rules.closers.match(event)) {
    const value = readPath(event, closer.eventKey);
    if (typeof value !== 'string' && typeof value !== 'number') continue;
    const reason = closer.kind === 'cancel' ? 'closed-by-event' : 'expectation-met';
    for (const pending of await deps.messages.findPending(correlationKey(closer.rule.id, String(value)))) {
      const closed = await deps.messages.transition(pending.messageId, ['scheduled'], {
        at: isoOf(now),
        status: 'cancelled',
        reason,
        detail: `${event['detail-type']} ${event.id}`,
      });
      if (closed === undefined) continue;
      await deps.scheduler.cancel(pending.messageId);
      result.closed.push({ ruleId: closer.rule.id, messageId: pending.messageId, reason });
    }
  }

  const converted = await attributeGoals(event, deps);
  if (converted.length > 0) result.converted = converted;

  // Any event may carry what a customer said upstream (a new address, a consent change), so the
  // profile is updated even when no rule triggers.
  const triggered = deps.rules.triggers.match(event);
  const profile = await resolveProfile(
    event,
    deps,
    triggered.some((rule) => rule.threshold === undefined),
  );
  for (const rule of triggered) {
    if (rule.threshold !== undefined) {
      // Operations, not the event's customer, hear about a threshold: counted, and maybe an alert.
      const counted = await countForThreshold(rule, rule.threshold, event, now, deps);
      result.counted.push(counted.count);
      if (counted.alert !== undefined) result.planned.push(counted.alert);
      continue;
    }
    result.planned.push(await planForRule(rule, event, profile, now, deps));
  }
  return result;
}

/** Records a rejected input (bounded, so a rejection record always fits in the store) and says why. */
async function reject(
  input: unknown,
  id: string | undefined,
  why: string,
  now: DateTime,
  deps: EvaluateDeps,
): Promise<EvaluationResult> {
  const eventId = id === undefined ? undefined : truncate(id, MAX_ID);
  const reason = truncate(why, MAX_REASON);
  await deps.rejected.recordRejected({
    receivedAt: now.toUTC().toISO() ?? '',
    reason,
    ...(eventId === undefined ? {} : { eventId }),
    raw: truncate(safeStringify(input), MAX_RAW),
  });
  return {
    ...(eventId === undefined ? {} : { eventId }),
    rejected: reason,
    planned: [],
    closed: [],
    counted: [],
  };
}

/**
 * Why an event's time is refused, if it is: more than the tolerance after its arrival. Such a
 * time would win every later comparison (consent is "newest statement wins"), so a publisher's
 * wrong clock could hold a consent change against a STOP or START made after it.
 */
function futureTimeProblem(time: string, now: DateTime, toleranceMinutes: number): string | undefined {
  const eventTime = DateTime.fromISO(time, { zone: 'utc' });
  const ahead = eventTime.diff(now, 'minutes').minutes;
  if (!eventTime.isValid || ahead <= toleranceMinutes) return undefined;
  return `time: ${time} is ${Math.round(ahead)} min after its arrival (${isoOf(now)}), more than the ${toleranceMinutes} min allowed (consent.futureToleranceMinutes)`;
}

async function resolveProfile(
  event: JourneyEvent,
  deps: EvaluateDeps,
  needed: boolean,
): Promise<CustomerProfile | undefined> {
  const inline = EventCustomerSchema.safeParse(event.detail.customer);
  if (inline.success) {
    // Only an event of a configured re-opt-in type may lift an opt-out the person or the
    // provider made; its statements are marked as such (docs/rules.md, consent).
    const reoptIn = deps.settings.consent.reoptInEventTypes.includes(event['detail-type']);
    const source = reoptIn ? `reopt-in:${event.id}` : `event:${event.id}`;
    const profile = await updateProfile(deps.profiles, inline.data.id, (stored) => {
      const merged = mergeProfile(stored, inline.data, event.time, source, { reoptIn });
      return stored === undefined || !sameProfile(stored, merged) ? merged : undefined;
    });
    if (reoptIn && profile !== undefined) await liftAddressSuppressions(profile, inline.data, event, deps);
    return profile;
  }
  const customerId = event.detail.customerId;
  if (needed && typeof customerId === 'string' && customerId !== '')
    return deps.profiles.getProfile(customerId);
  return undefined;
}

/**
 * A re-opt-in also lifts the suppressions of the customer's addresses on the channels it grants
 * (a STOP holds for the number too). Each lift is one conditional write: a replay is a
 * 'duplicate', and a suppression newer than the event stays ('stale').
 */
async function liftAddressSuppressions(
  profile: CustomerProfile,
  incoming: EventCustomer,
  event: JourneyEvent,
  deps: EvaluateDeps,
): Promise<void> {
  for (const channel of ['sms', 'email'] as const) {
    if (incoming.consent?.[channel] !== true) continue;
    const raw = channel === 'sms' ? profile.phone : profile.email;
    const address =
      raw === undefined ? undefined : suppressionAddress(channel, raw, deps.settings.defaults.country);
    if (address === undefined) continue;
    await deps.suppressions.lift({
      channel,
      address,
      source: `reopt-in:${event.id}`,
      at: utcIso(event.time),
    });
  }
}

/** Equal but for `updatedAt` (and the store's revision): then the write is skipped (most events repeat what is known). */
function sameProfile(a: CustomerProfile, b: CustomerProfile): boolean {
  return (
    canonical({ ...a, updatedAt: '', revision: undefined }) ===
    canonical({ ...b, updatedAt: '', revision: undefined })
  );
}

/** JSON with sorted keys, so two equal profiles compare equal whatever order a store returns. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

async function planForRule(
  rule: Rule,
  event: JourneyEvent,
  profile: CustomerProfile | undefined,
  now: DateTime,
  deps: EvaluateDeps,
): Promise<EvaluationResult['planned'][number]> {
  const messageId = messageIdFor(rule.id, event.id);
  let decision: PlanDecision = planMessage({
    rule,
    event,
    profile,
    settings: deps.settings,
    now,
    spreadKey: messageId,
  });
  let dedupeKey = event.id;
  if (rule.dedupe !== undefined && decision.kind === 'schedule') {
    const key = renderKeyTemplate(rule.dedupe.key, event);
    if (!key.ok) {
      decision = { kind: 'suppress', reason: 'missing-field', detail: key.detail };
    } else {
      dedupeKey = key.key;
      const expiresAt =
        rule.dedupe.horizon === undefined
          ? undefined
          : isoOf(now.plus(Duration.fromISO(rule.dedupe.horizon)));
      const holder = await deps.dedupe.claimDedupe(
        `${rule.id}#${dedupeKey}`,
        messageId,
        isoOf(now),
        expiresAt,
      );
      if (holder !== messageId) {
        decision = {
          kind: 'suppress',
          reason: 'duplicate',
          detail: `dedupe key '${dedupeKey}' already used by ${holder}`,
        };
      }
    }
  }
  const correlationValue = correlationOf(rule, event);
  const correlationPath = rule.cancel?.key ?? rule.expect?.key;
  if (decision.kind === 'schedule' && correlationPath !== undefined && correlationValue === undefined) {
    // Without the key nothing could ever cancel it or meet its expectation: do not send blind.
    decision = {
      kind: 'suppress',
      reason: 'missing-field',
      detail: `${correlationPath} is missing: cannot correlate`,
    };
  }
  const record: MessageRecord = {
    ...plannedRecord({
      messageId,
      ruleId: rule.id,
      customerId: profile?.id ?? customerIdOf(event),
      event,
      decision,
      now,
    }),
    ...(correlationValue === undefined ? {} : { correlationKey: correlationKey(rule.id, correlationValue) }),
    dedupeKey,
    // Their suppressions are read with the profile at send time (send-message.ts).
    plannedAddresses: profile === undefined ? [] : profileAddresses(profile, deps.settings.defaults.country),
  };
  if (decision.kind !== 'schedule') return saveAndSchedule(record, decision, deps);
  // After the dedupe claim, as a send: both groups are deduplicated alike (docs/rules.md).
  if (isHeldOut(rule.id, record.customerId, rule.holdout))
    return holdOut({ rule, event, record, profile }, decision, deps);
  const outcome = await saveAndSchedule(record, decision, deps);
  const sent = { messageId, sendAt: decision.sendAt, group: 'sent' as const, customerId: record.customerId };
  await recordGoalDecision(rule, event, sent, deps.goals);
  return outcome;
}

function correlationOf(rule: Rule, event: JourneyEvent): string | undefined {
  const key = rule.cancel?.key ?? rule.expect?.key;
  if (key === undefined) return undefined;
  const value = readPath(event, key);
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

function customerIdOf(event: JourneyEvent): string {
  return namedCustomer(event) ?? 'unknown';
}

/** The customer an event names: `detail.customer.id`, else `detail.customerId`. */
function namedCustomer(event: JourneyEvent): string | undefined {
  const id = readPath(event, 'detail.customer.id') ?? readPath(event, 'detail.customerId');
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function optionalCustomer(customerId: string | undefined): { customerId?: string } {
  return customerId === undefined ? {} : { customerId };
}

/** The first `max` UTF-16 units, never ending inside a surrogate pair (the store keeps UTF-8). */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

function safeStringify(value: unknown): string {
  try {
    return typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    return String(value);
  }
}
