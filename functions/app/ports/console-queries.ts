import type { MessageRecord, RejectedEvent } from '../message-record.ts';
import type { InboundReply } from './replies.ts';

/** The read side of the console: listings across messages, replies and rejected inputs. */
export interface ConsoleQueries {
  /**
   * Newest first (by `createdAt`), for the outbox; `cursor` continues a previous page. A cursor is
   * opaque; pages never repeat or skip a message; the last page may be empty. No cursor = done.
   */
  listMessages(options: {
    limit: number;
    cursor?: string;
  }): Promise<{ items: MessageRecord[]; cursor?: string }>;
  /**
   * Everything about one customer, newest first: messages and replies. `limit` bounds the two
   * together (the newest `limit` entries, messages by `createdAt`, replies by `receivedAt`).
   */
  customerTimeline(
    customerId: string,
    limit: number,
  ): Promise<{ messages: MessageRecord[]; replies: InboundReply[] }>;
  /** Rejected inputs, newest first. */
  listRejected(limit: number): Promise<RejectedEvent[]>;
}
