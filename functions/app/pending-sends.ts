/**
 * Pending sends, for operations staff: list the scheduled messages (by rule, customer and due
 * window), cancel one by hand, and show what a scheduled message would say if it were rendered
 * now. The console's routes and the CLI call these; the stores do the work by key and index.
 */
import { DateTime } from 'luxon';
import type { EngineSettings } from '../core/config/engine-settings.ts';
import type { CustomerProfile } from '../core/customers/customer-profile.ts';
import type { RenderedMessage } from '../core/planning/decide.ts';
import { decideSend, type RenderFn } from '../core/planning/decide.ts';
import type { Rule } from '../core/rules/rule-schema.ts';
import { isoOf } from './iso-time.ts';
import type { MessageRecord } from './message-record.ts';
import type { Stores } from './ports/stores.ts';
import type { Clock, SendScheduler } from './ports.ts';

/** The reason a message cancelled by hand carries (and is counted under). */
const CANCELLED_BY_OPERATOR = 'cancelled-by-operator';

/** How far back a customer filter reads the customer's timeline (newest entries). */
const CUSTOMER_TIMELINE_LIMIT = 200;

/** A pending-sends query as the console and the API take it. */
export interface PendingSendsQuery {
  /** Every rule to list over (the loaded rule set's ids); `rule` narrows it to one. */
  ruleIds: ReadonlyArray<string>;
  rule?: string;
  customer?: string;
  /** Due window, ISO UTC, both included. */
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/**
 * Scheduled messages, soonest first. By rule (and due window): the `due` index, a page at a time.
 * By customer: the customer's timeline (her newest {@link CUSTOMER_TIMELINE_LIMIT} entries, one
 * page, no cursor): a customer has few messages, and a listing by customer needs no other index.
 */
export async function listPendingSends(
  query: PendingSendsQuery,
  deps: Pick<Stores, 'pending' | 'queries'>,
): Promise<{ items: MessageRecord[]; cursor?: string }> {
  const ruleIds = query.rule === undefined ? query.ruleIds : query.ruleIds.filter((id) => id === query.rule);
  if (ruleIds.length === 0) return { items: [] };
  const window = {
    ...(query.from === undefined ? {} : { from: query.from }),
    ...(query.to === undefined ? {} : { to: query.to }),
  };
  if (query.customer === undefined) {
    return deps.pending.listPending({
      ruleIds,
      ...window,
      limit: query.limit,
      ...(query.cursor === undefined ? {} : { cursor: query.cursor }),
    });
  }
  const rules = new Set(ruleIds);
  const { messages } = await deps.queries.customerTimeline(query.customer, CUSTOMER_TIMELINE_LIMIT);
  const items = messages
    .filter(
      (record) =>
        record.status === 'scheduled' &&
        rules.has(record.ruleId) &&
        (window.from === undefined || record.sendAt >= window.from) &&
        (window.to === undefined || record.sendAt <= window.to),
    )
    .sort((a, b) => (`${a.sendAt}#${a.messageId}` < `${b.sendAt}#${b.messageId}` ? -1 : 1))
    .slice(0, query.limit);
  return { items };
}

/** What a cancel by hand did, for the caller's answer and the audit log (no contact data). */
export type CancelResult =
  | {
      kind: 'cancelled';
      summary: {
        action: 'cancel-message';
        messageId: string;
        ruleId: string;
        customerId: string;
        /** When it was due. */
        sendAt: string;
        from: 'scheduled';
        status: 'cancelled';
        reason: typeof CANCELLED_BY_OPERATOR;
        at: string;
        by?: string;
      };
    }
  | { kind: 'not-found'; messageId: string }
  /** Only a scheduled message can be cancelled; this one is past that (or being sent). */
  | { kind: 'not-scheduled'; messageId: string; status: MessageRecord['status'] };

/**
 * Cancels a scheduled message by hand: one conditional transition `scheduled` → `cancelled`
 * (reason {@link CANCELLED_BY_OPERATOR}, counted on the rule's counters in the same write), so
 * a message already claimed by a sender is refused, and the send that fires later finds it
 * cancelled and does nothing. The schedule is removed too when a scheduler is given.
 */
export async function cancelScheduledMessage(
  messageId: string,
  by: string | undefined,
  deps: Pick<Stores, 'messages'> & { clock: Clock; scheduler?: SendScheduler },
): Promise<CancelResult> {
  const at = isoOf(deps.clock.now());
  const cancelled = await deps.messages.transition(messageId, ['scheduled'], {
    at,
    status: 'cancelled',
    reason: CANCELLED_BY_OPERATOR,
    detail: by === undefined ? 'cancelled by hand' : `cancelled by hand by ${by}`,
  });
  if (cancelled === undefined) {
    const current = await deps.messages.getMessage(messageId);
    return current === undefined
      ? { kind: 'not-found', messageId }
      : { kind: 'not-scheduled', messageId, status: current.status };
  }
  await deps.scheduler?.cancel(messageId);
  return {
    kind: 'cancelled',
    summary: {
      action: 'cancel-message',
      messageId,
      ruleId: cancelled.ruleId,
      customerId: cancelled.customerId,
      sendAt: cancelled.sendAt,
      from: 'scheduled',
      status: 'cancelled',
      reason: CANCELLED_BY_OPERATOR,
      at,
      ...(by === undefined ? {} : { by }),
    },
  };
}

/** What a scheduled message would say if it were sent at its time with what is known now. */
export type ProvisionalPreview =
  | { kind: 'rendered'; channel: RenderedMessage['channel']; locale: string; message: RenderedMessage }
  | { kind: 'held-back'; reason: string; detail: string };

/**
 * Renders a scheduled message now, from the current profile and rule, as the send step would at
 * its due time (a window that would defer it is looked at from the next opening). Provisional:
 * the send step renders again when it is due. The frequency cap is not looked at.
 */
export function provisionalPreview(input: {
  record: MessageRecord;
  rule: Rule | undefined;
  profile: CustomerProfile | undefined;
  settings: EngineSettings;
  render: RenderFn;
}): ProvisionalPreview {
  const decide = (now: DateTime) => decideSend({ ...input, now, sentInCapPeriod: 0, render: input.render });
  let decision = decide(DateTime.fromISO(input.record.sendAt, { zone: 'utc' }));
  if (decision.kind === 'defer') decision = decide(decision.until);
  switch (decision.kind) {
    case 'send':
      return {
        kind: 'rendered',
        channel: decision.channel,
        locale: decision.locale,
        message: decision.message,
      };
    case 'suppress':
      return { kind: 'held-back', reason: decision.reason, detail: decision.detail };
    case 'defer':
      return {
        kind: 'held-back',
        reason: decision.reason,
        detail: `deferred again to ${isoOf(decision.until)}`,
      };
  }
}
