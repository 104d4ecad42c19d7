/**
 * What a backtest counts: per rule and per side (baseline, candidate) the messages planned, sent,
 * suppressed and cancelled by reason, failed, still pending, with SMS segments by country and
 * emails for the cost preview; and a bounded sample of messages whose outcome differs.
 */
import { parsePhoneNumberFromString } from 'libphonenumber-js';
import type { MessageRecord } from '../app/message-record.ts';

/** One rule's outcomes on one side of a backtest. */
export interface RuleCounts {
  /** Messages created (one per rule and triggering event, whatever became of them). */
  planned: number;
  /** Handed to the (dry-run) provider. */
  sent: number;
  /** Held back at planning or at send time, by reason (`quiet-hours`, `opted-out`, `duplicate`, …). */
  suppressed: Record<string, number>;
  /** Closed by a later event, by reason (`closed-by-event`, `expectation-met`). */
  cancelled: Record<string, number>;
  /** Failed at send time (a template error, for instance), by reason. */
  failed: Record<string, number>;
  /** Still scheduled when the window ended (their send time is after the last event). */
  pending: number;
  /** SMS sent: messages and segments, by the recipient's country (ISO 3166, `??` when unknown). */
  sms: Record<string, { messages: number; segments: number }>;
  /** Emails sent. */
  emails: number;
  /** Decisions held out (the rule's holdout group): recorded, never sent. */
  heldOut: number;
  /**
   * Decisions a goal or avoid event converted, by `<kind>/<group>` (`goal/sent`,
   * `goal/held-out`, `avoid/sent`, `avoid/held-out`).
   */
  conversions: Record<string, number>;
}

/**
 * What the tally reads of a settled (or, at the end, pending) message. `sendAt` is the record's ISO
 * instant, or on the lane its epoch milliseconds (formatted only for a difference shown): both
 * sides of one backtest run on one path, so they compare alike.
 */
export type SettledMessage = Pick<MessageRecord, 'messageId' | 'ruleId' | 'customerId'> &
  Partial<Pick<MessageRecord, 'reason' | 'channel' | 'to' | 'rendered'>> & {
    sendAt: string | number;
    status: string;
    trigger: { id: string };
  };

/** One side of the comparison: the outcome of one message. */
interface MessageOutcome {
  status: string;
  reason: string | null;
  channel: string | null;
  sendAt: string;
  text: string | null;
}

/** A message whose outcome differs between the two sides (absent: the side never planned it). */
export interface MessageDifference {
  messageId: string;
  ruleId: string;
  eventId: string;
  customerId: string;
  baseline?: MessageOutcome;
  candidate?: MessageOutcome;
}

export type Side = 'baseline' | 'candidate';

/** Empty counts. */
export function emptyCounts(): RuleCounts {
  return {
    planned: 0,
    sent: 0,
    suppressed: {},
    cancelled: {},
    failed: {},
    pending: 0,
    sms: {},
    emails: 0,
    heldOut: 0,
    conversions: {},
  };
}

/** The phone number's country, cached by its first five characters (enough for +1 area codes). */
const countries = new Map<string, string>();

function countryOf(to: string | undefined): string {
  if (to === undefined) return '??';
  const prefix = to.slice(0, 5);
  const cached = countries.get(prefix);
  if (cached !== undefined) return cached;
  const country = parsePhoneNumberFromString(to)?.country ?? '??';
  countries.set(prefix, country);
  return country;
}

function bump(counts: Record<string, number>, key: string): void {
  counts[key] = (counts[key] ?? 0) + 1;
}

/** Adds one settled message to its rule's counts. */
export function countSettled(counts: RuleCounts, record: SettledMessage): void {
  counts.planned++;
  const reason = record.reason ?? 'unspecified';
  switch (record.status) {
    case 'held-out':
      counts.heldOut++;
      return;
    case 'suppressed':
      bump(counts.suppressed, reason);
      return;
    case 'cancelled':
      bump(counts.cancelled, reason);
      return;
    case 'failed':
    case 'bounced':
    case 'undelivered':
      bump(counts.failed, reason);
      return;
    default:
      break;
  }
  counts.sent++;
  const rendered = record.rendered;
  if (rendered?.channel === 'sms') {
    const country = countryOf(record.to);
    const entry = counts.sms[country] ?? { messages: 0, segments: 0 };
    entry.messages++;
    entry.segments += rendered.segments;
    counts.sms[country] = entry;
  } else if (rendered?.channel === 'email') counts.emails++;
}

/** The comparable outcome of a settled (or, at the end, pending) message. */
function outcomeOf(record: SettledMessage): MessageOutcome {
  return {
    status: record.status,
    reason: record.reason ?? null,
    channel: record.channel ?? null,
    sendAt: typeof record.sendAt === 'number' ? new Date(record.sendAt).toISOString() : record.sendAt,
    text: record.rendered?.text ?? null,
  };
}

/** Whether two outcomes compare equal (as their {@link outcomeOf}, without building them). */
function sameOutcome(a: SettledMessage, b: SettledMessage): boolean {
  return (
    a.status === b.status &&
    (a.reason ?? null) === (b.reason ?? null) &&
    (a.channel ?? null) === (b.channel ?? null) &&
    a.sendAt === b.sendAt &&
    (a.rendered?.text ?? null) === (b.rendered?.text ?? null)
  );
}

/** Most messages waiting for the other side's outcome; beyond it the oldest are no longer compared. */
const MAX_WAITING = 10_000;

/**
 * Pairs each message's outcomes from the two sides and keeps the first `limit` that differ.
 * Memory is bounded: at most {@link MAX_WAITING} outcomes wait for their partner.
 */
export class DifferenceSampler {
  readonly sample: MessageDifference[] = [];
  /** Messages compared, and those that differed (a message only one side planned counts as differing). */
  compared = 0;
  differing = 0;
  private readonly waiting = new Map<string, { side: Side; record: SettledMessage }>();

  constructor(private readonly limit: number) {}

  /** One side's outcome of a message (settled, or pending at the end). */
  offer(side: Side, record: SettledMessage): void {
    const other = this.waiting.get(record.messageId);
    if (other === undefined || other.side === side) {
      this.waiting.set(record.messageId, { side, record });
      if (this.waiting.size > MAX_WAITING) {
        const oldest = this.waiting.keys().next().value;
        if (oldest !== undefined) this.waiting.delete(oldest);
      }
      return;
    }
    this.waiting.delete(record.messageId);
    this.compare(record, side, other.record);
  }

  /**
   * A message both sides settled the same way in one step (a rule the same on both sides): what
   * offering both outcomes would do, without the wait. Such a message never waits for a partner.
   */
  agree(): void {
    this.compared++;
  }

  private compare(record: SettledMessage, side: Side, otherRecord: SettledMessage): void {
    this.compared++;
    if (sameOutcome(record, otherRecord)) return;
    // Past the sample's size a difference is only counted: its outcomes are not built.
    if (this.sample.length >= this.limit) {
      this.differing++;
      return;
    }
    const mine = outcomeOf(record);
    const theirs = outcomeOf(otherRecord);
    this.record(
      record,
      side === 'baseline' ? { baseline: mine, candidate: theirs } : { baseline: theirs, candidate: mine },
    );
  }

  /** A message only one side planned (the other has no such rule, or it did not match). */
  private onlyOn(side: Side, record: SettledMessage): void {
    this.compared++;
    this.record(record, { [side]: outcomeOf(record) });
  }

  /**
   * Compares the messages both sides still hold at the end (pending), paired by id; one held by
   * one side only is a difference.
   */
  pairPending(
    baseline: ReadonlyMap<string, SettledMessage>,
    candidate: ReadonlyMap<string, SettledMessage>,
  ): void {
    for (const [messageId, record] of baseline) {
      const other = candidate.get(messageId);
      if (other === undefined) this.offer('baseline', record);
      else this.compare(record, 'baseline', other);
    }
    for (const [messageId, record] of candidate)
      if (!baseline.has(messageId)) this.offer('candidate', record);
  }

  /** Messages still waiting for a partner at the end: planned by one side only. */
  flush(): void {
    for (const { side, record } of this.waiting.values()) this.onlyOn(side, record);
    this.waiting.clear();
  }

  private record(record: SettledMessage, sides: Pick<MessageDifference, 'baseline' | 'candidate'>): void {
    this.differing++;
    if (this.sample.length >= this.limit) return;
    this.sample.push({
      messageId: record.messageId,
      ruleId: record.ruleId,
      eventId: record.trigger.id,
      customerId: record.customerId,
      ...sides,
    });
  }
}
