import type { MessageRecord, RejectedEvent } from '../app/message-record.ts';
import type { CancelResult, ProvisionalPreview } from '../app/pending-sends.ts';
import type { ActivityEntry } from '../app/ports/console-queries.ts';
import type { RuleDayStats } from '../app/ports/rule-stats.ts';
import type { Suppression } from '../app/ports/suppressions.ts';
import type { InboundReply } from '../app/ports.ts';
import type { EraseRequest, EraseResult } from '../app/privacy/erase-customer.ts';
import type { CustomerExport } from '../app/privacy/export-customer.ts';
import type { RuleEffect } from '../app/rule-effect.ts';
import type { RuleStatsReport } from '../app/rule-stats-report.ts';
import type { CustomerProfile } from '../core/customers/customer-profile.ts';
import type { RuleSetConsole } from './rule-set-console.ts';

/** One rule as the console shows it. */
export interface ConsoleRule {
  id: string;
  description: string;
  enabled: boolean;
  urgent: boolean;
  file: string;
  /** One line: trigger → channels, timing, cancel (the same text as `nudge rules validate`). */
  summary: string;
  channels: string[];
  template: string;
  /**
   * Outcomes over the last 30 UTC days, from the rule's daily counters (planned, sent, delivered,
   * failed, suppressed, cancelled, replied, optedOut, and `suppressed:<reason>`, …).
   */
  counts: Record<string, number>;
  /** Suppression reasons and how often, over the same days. */
  suppressedBy: Record<string, number>;
  /** The same counters per UTC day, oldest first (the rules page's chart). */
  days?: RuleDayStats[];
  /** Scheduled messages of this rule, soonest first: what will fire, when, for whom. */
  nextPlanned: Array<{ messageId: string; customerId: string; sendAt: string }>;
}

/** A message a provider sandbox captured: what the customer's phone or inbox received. */
export interface CapturedMessage {
  providerId: string;
  channel: 'sms' | 'email';
  to: string;
  at: string;
  /** SMS text, or email subject. */
  summary: string;
  status: string;
}

/** A sample event the "Try it" page offers. */
export interface SampleEvent {
  name: string;
  event: Record<string, unknown>;
}

/**
 * Everything the console reads and does, implemented by the local runtime over the same store
 * and use cases as production. The console never touches the store or the engine directly.
 */
export interface ConsoleBackend {
  /** Virtual time (the local clock may run faster than real time) and the speed-up. */
  clock(): { now: string; speed: number };
  /** Validation state of rules/ and templates/: empty when valid; else each located message. */
  ruleIssues(): string[];
  rules(): Promise<ConsoleRule[]>;
  /** The active rule-set version and who moved it there (absent when the backend has no versions). */
  activeRuleSet?(): Promise<{ version: number; by: string; at: string; message: string } | undefined>;
  /** A rule's daily counters over the last `days` UTC days; undefined for a rule not loaded. */
  ruleStats(ruleId: string, days: number): Promise<RuleStatsReport | undefined>;
  listMessages(options: {
    limit: number;
    cursor?: string;
  }): Promise<{ items: MessageRecord[]; cursor?: string }>;
  getMessage(messageId: string): Promise<MessageRecord | undefined>;
  /**
   * Scheduled messages, soonest first, by rule, customer and due window (ISO UTC, both included),
   * from the stores' `due` index or the customer's timeline (functions/app/pending-sends.ts).
   */
  pendingSends(query: {
    rule?: string;
    customer?: string;
    from?: string;
    to?: string;
    limit: number;
    cursor?: string;
  }): Promise<{ items: MessageRecord[]; cursor?: string }>;
  /** Cancels a scheduled message by hand (`cancelled-by-operator`); counted, and summarised for the audit. */
  cancelMessage(messageId: string): Promise<CancelResult>;
  /**
   * What a scheduled message would say if rendered now from the current profile and rule;
   * undefined when the message is not scheduled (or unknown).
   */
  provisionalPreview(messageId: string): Promise<ProvisionalPreview | undefined>;
  /** Customers seen by this runtime, most recent first. */
  customers(): Promise<Array<{ id: string; lastSeen: string }>>;
  customer(
    customerId: string,
  ): Promise<
    { profile: CustomerProfile | undefined; messages: MessageRecord[]; replies: InboundReply[] } | undefined
  >;
  /**
   * One page of a customer's timeline, newest first: every event that named her (matched by a rule
   * or not, with the decisions it made), her messages and replies, and her stored profile.
   * Undefined for a customer with neither profile nor activity. A cursor the store did not issue
   * throws (RangeError, or an AdapterError with code `InvalidCursor`).
   */
  customerActivity(
    customerId: string,
    page: { limit: number; cursor?: string },
  ): Promise<{ profile: CustomerProfile | undefined; items: ActivityEntry[]; cursor?: string } | undefined>;
  /**
   * The suppression entries (in force and lifted) of a customer's addresses: her profile's phone
   * and email, and the addresses her messages went to. Undefined for an unknown customer.
   */
  customerSuppressions(customerId: string): Promise<Suppression[] | undefined>;
  /**
   * The suppression entry of one address (normalised as sends are: E.164 with the default
   * country, email lower-cased), whoever it belongs to; undefined when there is none or the
   * address is not one.
   */
  addressSuppression(channel: 'sms' | 'email', address: string): Promise<Suppression | undefined>;
  rejected(limit: number): Promise<RejectedEvent[]>;
  /** What the sandboxes received, newest first. */
  captured(limit: number): Promise<CapturedMessage[]>;
  /**
   * Why {@link captured} is always empty, when it is: the deployed console sends through the real
   * providers, with no sandbox to capture from. Undefined locally.
   */
  capturedNote?(): string;
  samples(): SampleEvent[];
  /** Puts an event on the local bus (the PutEvents path), returning its event id or the rejection. */
  sendTestEvent(event: unknown): Promise<{ ok: true; eventId: string } | { ok: false; error: string }>;
  /**
   * Replies to the latest SMS as the customer, through the Twilio sandbox's signed inbound webhook.
   * Refused when no SMS was sent to the number, except STOP, START and HELP, which act on the
   * number itself (`note` says so).
   */
  replyAsCustomer(input: {
    from: string;
    body: string;
  }): Promise<{ ok: true; note?: string } | { ok: false; error: string }>;
  /** Where things are, for the header. */
  endpoints(): { console: string; events: string; twilio: string; sendgrid: string };
  /** A rule's goal rates and lift over days `from`..`to` (UTC, inclusive); undefined for an unknown rule. */
  ruleEffect(ruleId: string, range: { from: string; to: string }): Promise<RuleEffect | undefined>;
  /** Everything held about a customer (GDPR art. 15); undefined when nothing is. Role `privacy`. */
  exportCustomer(customerId: string): Promise<CustomerExport | undefined>;
  /**
   * Erases a customer (GDPR art. 17), keeping only her addresses' suppressions (unlinked). Refused
   * while one of her messages is being sent. Role `privacy`; the caller records `audit`.
   */
  eraseCustomer(customerId: string, request: EraseRequest): Promise<EraseResult>;
  /**
   * Rule-set versions for the rule editor, the publish gate and the version history (absent: the
   * console offers no editing).
   */
  ruleSetConsole?: RuleSetConsole;
}
