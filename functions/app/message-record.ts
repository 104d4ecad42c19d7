import type { RenderedMessage } from '../core/planning/decide.ts';
import type { Channel } from '../core/rules/rule-schema.ts';

/**
 * The life of a message. `scheduled` waits for its time; `sending` is claimed by one sender;
 * the rest are outcomes. Terminal: delivered, undelivered, failed, bounced, suppressed, cancelled
 * (`sent` is terminal too when the channel reports nothing more), held-out (a holdout group's
 * decision, never sent).
 */
export const MESSAGE_STATUSES = [
  'scheduled',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'bounced',
  'suppressed',
  'cancelled',
  // A holdout decision: everything computed as if sent, never sent (docs/rules.md, holdouts).
  'held-out',
] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** One step in a message's history, with the reason when there is one. */
export interface StatusChange {
  at: string;
  status: MessageStatus;
  reason?: string;
  detail?: string;
}

/** What the send step needs of the triggering event to render later. */
export interface TriggerSnapshot {
  id: string;
  source: string;
  detailType: string;
  time: string;
  /** The event's detail, cut to a bounded size (see `trimmed` and docs/data-model.md). */
  detail: Record<string, unknown>;
  /**
   * Paths of values left out of `detail` to keep the record within its size budget, largest
   * first (`detail.notes`); absent when the detail was kept whole. A template that quotes one of
   * them fails with its name, and the message is held back with the reason.
   */
  trimmed?: string[];
}

/** What a threshold alert is about, fixed when the threshold was crossed (the template's `alert`). */
export interface ThresholdSnapshot {
  /** The rule's `threshold.key` path; absent when every matching event counts together. */
  key?: string;
  /** The key value the events shared (`*` without a key). */
  value: string;
  /** Events counted in the window at the crossing (this one included). */
  count: number;
  /** The rule's `threshold.count`. */
  threshold: number;
  /** The window, e.g. `PT1H`. */
  within: string;
  /** Oldest and newest counted event times in the window, ISO UTC. */
  firstAt: string;
  lastAt: string;
  /** A few counted events, newest first: ids and customer ids only, never contact data. */
  samples: Array<{ eventId: string; customerId?: string }>;
}

/** A message Nudge decided about: planned, held back, sent, or closed. */
export interface MessageRecord {
  messageId: string;
  ruleId: string;
  customerId: string;
  trigger: TriggerSnapshot;
  createdAt: string;
  /** When it is (or was) due, ISO UTC. */
  sendAt: string;
  status: MessageStatus;
  reason?: string;
  detail?: string;
  /** `ruleId#value` for rules with cancel/expect, so a closing event finds it without a scan. */
  correlationKey?: string;
  dedupeKey: string;
  attempts: number;
  /** While `sending`: the claim lapses at this instant so a crashed sender never loses the message. */
  leaseUntil?: string;
  channel?: Channel;
  to?: string;
  locale?: string;
  rendered?: RenderedMessage;
  providerId?: string;
  sentAt?: string;
  /** Set on a threshold alert (whose `customerId` is `ops:<ruleId>`, the operations recipient). */
  threshold?: ThresholdSnapshot;
  /** The rule-set version the message was planned under (absent on records from before versions). */
  ruleSetVersion?: number;
  /**
   * The customer's addresses when the message was planned, as suppressions are keyed (E.164
   * phone, lower-cased email): the send step reads their suppressions together with the profile
   * and the cap ledger, and an address changed since is read after. Absent on threshold alerts
   * (their recipient is the rule's) and on records from before issue 14 (read after the profile).
   */
  plannedAddresses?: Array<{ channel: Channel; address: string }>;
  history: StatusChange[];
}

/** An event Nudge could not accept, kept with its reason so nothing is lost silently. */
export interface RejectedEvent {
  receivedAt: string;
  reason: string;
  /** The event id when it could be read. */
  eventId?: string;
  /** The raw input, cut to a bounded size. */
  raw: string;
}
