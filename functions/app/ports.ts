import type { DateTime } from 'luxon';
import type { OutcomeEvent } from '../core/outcomes/outcome-events.ts';
import type { RenderedMessage } from '../core/planning/decide.ts';
import type { Channel } from '../core/rules/rule-schema.ts';

// Store ports live in ./ports/, one file per role (see ./ports/stores.ts for the bundle).
// InboundReply is re-exported for the console pages that name it.
export type { InboundReply } from './ports/replies.ts';

/** Delivers a message id to the send step at a time: now, or later. */
export interface SendScheduler {
  /** Idempotent per message id: scheduling twice keeps one schedule, at the latest time given. */
  schedule(messageId: string, at: DateTime): Promise<void>;
  /** Removes a pending schedule; a no-op when there is none. */
  cancel(messageId: string): Promise<void>;
}

/** A message as a channel sends it. */
export interface OutboundMessage {
  messageId: string;
  channel: Channel;
  to: string;
  message: RenderedMessage;
  /** The customer it goes to (email: signed into the one-click unsubscribe link). */
  customerId?: string;
  /** The locale it was rendered in (email: the unsubscribe page's language). */
  locale?: string;
}

/** What a provider said. Vendor codes are mapped to these inside each adapter. */
export type SendReceipt =
  | { ok: true; providerId: string }
  | {
      ok: false;
      /** Worth another try later (rate limit, 5xx, timeout). */
      retryable: boolean;
      code: string;
      detail: string;
      /** The provider says the recipient opted out (e.g. Twilio 21610). */
      optedOut?: boolean;
      retryAfterMs?: number;
    };

/** One channel (SMS or email), owned by the domain, implemented per vendor. */
export interface ChannelSender {
  send(message: OutboundMessage): Promise<SendReceipt>;
}

/** The time, injected so tests and the simulator control it. */
export interface Clock {
  now(): DateTime;
}

/** Hands a due message to the send step (the send queue): now, or after a short delay. */
export interface SendQueue {
  /**
   * `delayMs` holds the message back that long (SQS `DelaySeconds`, at most 15 minutes), so a
   * message due in a few seconds does not reach the send step early, find itself not due and be
   * dropped.
   */
  enqueue(messageId: string, options?: { delayMs?: number }): Promise<void>;
}

/** Puts outcome events back on the journey bus. */
export interface OutcomePublisher {
  publish(events: ReadonlyArray<OutcomeEvent>): Promise<void>;
}
