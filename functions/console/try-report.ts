/**
 * What a test event did, read back from the customer's timeline once the engine evaluated it:
 * the rules that matched, the messages it planned, held back or held out (with reasons as
 * sentences and the rendered text once there is one), and the messages it closed.
 */
import type { MessageRecord } from '../app/message-record.ts';
import type { RenderedMessage } from '../core/planning/decide.ts';
import type { ConsoleBackend } from './console-backend.ts';
import { href } from './html.ts';
import { reasonLabel } from './reason-labels.ts';

/** One message the event decided about. */
export interface TryDecision {
  messageId: string;
  ruleId: string;
  /** The decision it began with: `scheduled` (planned), `suppressed`, `held-out`; or `cancelled` for a closed one. */
  decision: string;
  /** Its status now (it may have been sent since). */
  status: string;
  reason?: string;
  /** The reason as a sentence (UTC times). */
  label?: string;
  sendAt: string;
  channel?: string;
  /** What was sent, once rendered (a planned message is rendered when due). */
  rendered?: RenderedMessage;
}

/** What one test event did, or that the engine has not got to it yet. */
export interface TryReport {
  eventId: string;
  customerId?: string;
  /**
   * `evaluated`: the event is on the customer's timeline; `waiting`: not yet (the bus and the
   * queue take a moment); `no-customer`: the event names no customer, so it is on no timeline.
   */
  state: 'evaluated' | 'waiting' | 'no-customer';
  /** Rule ids that planned something for it, in order. */
  matched: string[];
  decisions: TryDecision[];
  /** Messages this event closed (cancel or expectation met). */
  closed: TryDecision[];
  /** The customer's timeline page. */
  timeline?: string;
}

/** Pages of the customer's timeline read to find the event: a just-sent event is on the first. */
const PAGES = 4;
const PAGE_SIZE = 50;

/** The customer an event names (`detail.customer.id`, else `detail.customerId`), as evaluate reads it. */
export function customerOf(event: unknown): string | undefined {
  const detail = field(event, 'detail');
  const id = field(field(detail, 'customer'), 'id') ?? field(detail, 'customerId');
  return typeof id === 'string' && id !== '' ? id : undefined;
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? Reflect.get(value, name)
    : undefined;
}

/** Reads what `eventId` did from `customerId`'s newest timeline pages (see {@link TryReport}). */
export async function tryReport(
  backend: ConsoleBackend,
  eventId: string,
  customerId: string | undefined,
): Promise<TryReport> {
  const empty = { eventId, matched: [], decisions: [], closed: [] };
  if (customerId === undefined) return { ...empty, state: 'no-customer' };
  const timeline = href('/customers', customerId);
  const seen: MessageRecord[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < PAGES; page++) {
    const found = await backend.customerActivity(customerId, {
      limit: PAGE_SIZE,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const entry of found?.items ?? []) {
      if (entry.kind === 'message') seen.push(entry.message);
      if (entry.kind !== 'event' || entry.event.event.id !== eventId) continue;
      const decisions = entry.decisions.map((record) => decisionOf(record, record.history[0]?.status));
      const closed = seen.filter((record) => closes(record, eventId)).map((r) => decisionOf(r, 'cancelled'));
      const matched = [...new Set(decisions.map((decision) => decision.ruleId))];
      return { eventId, customerId, state: 'evaluated', matched, decisions, closed, timeline };
    }
    cursor = found?.cursor;
    if (cursor === undefined) break;
  }
  return { ...empty, customerId, state: 'waiting', timeline };
}

function closes(record: MessageRecord, eventId: string): boolean {
  return record.history.some(
    (change) => change.status === 'cancelled' && (change.detail ?? '').endsWith(` ${eventId}`),
  );
}

function decisionOf(record: MessageRecord, decision: string | undefined): TryDecision {
  const change = record.history.find((item) => item.status === decision) ?? record.history[0];
  const reason = change?.reason;
  const detail = change?.detail;
  return {
    messageId: record.messageId,
    ruleId: record.ruleId,
    decision: decision ?? record.status,
    status: record.status,
    ...(reason === undefined
      ? {}
      : {
          reason,
          label: reasonLabel(reason, { sendAt: record.sendAt, ...(detail === undefined ? {} : { detail }) }),
        }),
    sendAt: record.sendAt,
    ...(record.channel === undefined ? {} : { channel: record.channel }),
    ...(record.rendered === undefined ? {} : { rendered: record.rendered }),
  };
}
