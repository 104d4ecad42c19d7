/** A customer's reply to a message (YES, NO, STOP, …), correlated to the latest message to their number. */
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
}

/** Inbound replies, each recorded once. */
export interface ReplyStore {
  /** Whether a reply was recorded (a provider retry or a replay of one already handled). */
  hasReply(replyId: string): Promise<boolean>;
  /** Records an inbound reply once (`replyId` is the provider's message id). */
  recordReply(reply: InboundReply): Promise<'created' | 'exists'>;
}
