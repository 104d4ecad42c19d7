import type { MessageRecord, RejectedEvent } from '../message-record.ts';
import type { ArchivedEvent } from './event-archive.ts';
import type { InboundReply } from './replies.ts';

/**
 * One entry of a customer's activity, as the `timeline` index files it: an event that named her
 * (matched by a rule or not) with the decisions evaluating it made, a message (at its creation),
 * or a reply (at its arrival).
 */
export type ActivityEntry =
  | {
      kind: 'event';
      at: string;
      event: ArchivedEvent;
      /** The messages evaluating this event planned, held back or held out (none: no rule matched). */
      decisions: MessageRecord[];
    }
  | { kind: 'message'; at: string; message: MessageRecord }
  | { kind: 'reply'; at: string; reply: InboundReply };

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
  /**
   * A customer's activity, newest first, one bounded page at a time: every archived event that
   * named her (with its decisions), her messages and replies. `cursor` continues a previous page
   * (opaque); no cursor back = the end. Key reads only (Query on the `timeline` index).
   */
  customerActivity(
    customerId: string,
    options: { limit: number; cursor?: string },
  ): Promise<{ items: ActivityEntry[]; cursor?: string }>;
  /** Rejected inputs, newest first. */
  listRejected(limit: number): Promise<RejectedEvent[]>;
}
