import type { ReplyExpectation } from '../../core/replies/score-reply.ts';

/**
 * A customer's reply to a message (YES, NO, STOP, …). STOP/START/HELP are correlated to the
 * latest message to their number; anything else to the latest question (a message of a rule with
 * `replies:`) within its window, else to the latest message.
 */
export interface InboundReply {
  replyId: string;
  receivedAt: string;
  from: string;
  body: string;
  /** The recognised keyword meaning, when there is one. */
  intent?: 'stop' | 'start' | 'help' | 'yes' | 'no';
  customerId?: string;
  messageId?: string;
  ruleId?: string;
  /**
   * How `messageId` was found: `question` (a message of a rule that expects a reply, within its
   * window), `latest-message` (no question open: the latest message to the number), `none` (no
   * message to the number at all: the reply is kept, about nothing). Absent on older records.
   */
  attribution?: ReplyAttribution;
  /** What the question expected, for a reply attributed to one. */
  expect?: ReplyExpectation;
  /** The answer read from a reply to a question: 1–5, 1/0 for yes/no, null when unreadable. */
  score?: number | null;
}

/** How a reply was attributed to a message (see {@link InboundReply.attribution}). */
type ReplyAttribution = 'question' | 'latest-message' | 'none';

/** Inbound replies, each recorded once. */
export interface ReplyStore {
  /** Whether a reply was recorded (a provider retry or a replay of one already handled). */
  hasReply(replyId: string): Promise<boolean>;
  /** Records an inbound reply once (`replyId` is the provider's message id). */
  recordReply(reply: InboundReply): Promise<'created' | 'exists'>;
}
