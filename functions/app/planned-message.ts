/**
 * A planned message as it is first written and scheduled: shared by customer messages
 * (evaluate-event.ts) and threshold alerts (evaluate-threshold.ts), so neither imports the other.
 */
import { DateTime } from 'luxon';
import type { JourneyEvent } from '../core/journey-event.ts';
import type { PlanDecision } from '../core/planning/decide.ts';
import { trimDetail } from '../core/planning/trigger-snapshot.ts';
import { utcMillisOf } from '../core/utc-instant.ts';
import { isoOf } from './iso-time.ts';
import type { MessageRecord, StatusChange } from './message-record.ts';
import type { MessageStore } from './ports/messages.ts';
import type { SendScheduler } from './ports.ts';

/** What became of one planned message, for logs, metrics and the simulator. */
export interface PlannedOutcome {
  ruleId: string;
  messageId: string;
  outcome: 'scheduled' | 'suppressed' | 'duplicate' | 'held-out';
  reason?: string;
}

/**
 * Creates the message record of a decision (once: a redelivery finds it) and, when it is to be
 * sent, schedules it. Shared by customer messages and threshold alerts.
 */
export async function saveAndSchedule(
  record: MessageRecord,
  decision: PlanDecision,
  deps: { messages: MessageStore; scheduler: SendScheduler; ruleSetVersion?: number },
): Promise<PlannedOutcome> {
  const { messageId, ruleId } = record;
  // Every decision records the rule-set version it was planned under.
  const created = await deps.messages.createMessage(
    deps.ruleSetVersion === undefined ? record : { ...record, ruleSetVersion: deps.ruleSetVersion },
  );
  if (decision.kind === 'suppress') {
    return {
      ruleId,
      messageId,
      outcome: decision.reason === 'duplicate' ? 'duplicate' : 'suppressed',
      reason: decision.reason,
    };
  }
  // Also on 'exists': a redelivery after a crash between the write and the schedule must still
  // schedule. Schedules are idempotent per message id, so a second call is harmless.
  const existing = created === 'exists' ? await deps.messages.getMessage(messageId) : record;
  if (existing?.status === 'scheduled') {
    await deps.scheduler.schedule(messageId, utcDateTime(existing.sendAt));
  }
  return { ruleId, messageId, outcome: 'scheduled' };
}

/** `DateTime.fromISO(iso, { zone: 'utc' })`; the canonical form Nudge writes is read without luxon's parser. */
function utcDateTime(iso: string): DateTime {
  const millis = utcMillisOf(iso);
  return millis === undefined
    ? DateTime.fromISO(iso, { zone: 'utc' })
    : DateTime.fromMillis(millis, { zone: 'utc' });
}

/**
 * The record of a planned message as it is first written: its trigger, its send time and its
 * first status, scheduled (perhaps deferred or late) or suppressed, with the reason. Shared by
 * customer messages and threshold alerts, which add their own keys.
 */
export function plannedRecord(planned: {
  messageId: string;
  ruleId: string;
  customerId: string;
  event: JourneyEvent;
  decision: PlanDecision;
  now: DateTime;
}): Omit<MessageRecord, 'dedupeKey'> {
  const { event, decision, now } = planned;
  const change = firstStatus(decision, now);
  // Bounded, so the record still fits the store with a rendered message added (hole 5, issue 10).
  const { detail, trimmed } = trimDetail(event.detail);
  return {
    messageId: planned.messageId,
    ruleId: planned.ruleId,
    customerId: planned.customerId,
    trigger: {
      id: event.id,
      source: event.source,
      detailType: event['detail-type'],
      time: event.time,
      detail,
      ...(trimmed.length === 0 ? {} : { trimmed }),
    },
    createdAt: isoOf(now),
    sendAt: decision.kind === 'schedule' ? isoOf(decision.sendAt) : isoOf(now),
    status: change.status,
    ...(change.reason === undefined ? {} : { reason: change.reason }),
    ...(change.detail === undefined ? {} : { detail: change.detail }),
    attempts: 0,
    history: [change],
  };
}

function firstStatus(decision: PlanDecision, now: DateTime): StatusChange {
  return decision.kind === 'schedule'
    ? {
        at: isoOf(now),
        status: 'scheduled',
        ...(decision.deferredFrom === undefined
          ? {}
          : { reason: 'outside-window', detail: `deferred from ${isoOf(decision.deferredFrom)}` }),
        ...(decision.late ? { reason: 'late', detail: 'planned time had passed; sending now' } : {}),
      }
    : { at: isoOf(now), status: 'suppressed', reason: decision.reason, detail: decision.detail };
}
