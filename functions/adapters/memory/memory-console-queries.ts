import type { MessageRecord, RejectedEvent } from '../../app/message-record.ts';
import type { ActivityEntry, ConsoleQueries } from '../../app/ports/console-queries.ts';
import type { InboundReply } from '../../app/ports/replies.ts';
import type { MemoryEventArchive } from './memory-event-archive.ts';
import type { MemoryMessageStore } from './memory-message-store.ts';
import type { MemoryRejectedLog } from './memory-rejected-log.ts';
import type { MemoryReplyStore } from './memory-reply-store.ts';

/** {@link ConsoleQueries} over the memory stores' contents, sorted as the DynamoDB indexes sort. */
export class MemoryConsoleQueries implements ConsoleQueries {
  constructor(
    private readonly stored: {
      messages: MemoryMessageStore;
      inboundReplies: MemoryReplyStore;
      rejected: MemoryRejectedLog;
      events?: MemoryEventArchive;
    },
  ) {}

  /**
   * Newest first by `createdAt` (then message id, as the DynamoDB outbox sorts). The cursor is the
   * position of the last item returned, so pages stay right while new messages arrive.
   *
   * @throws {RangeError} on a cursor this store did not issue.
   */
  async listMessages(options: {
    limit: number;
    cursor?: string;
  }): Promise<{ items: MessageRecord[]; cursor?: string }> {
    const limit = Math.floor(options.limit);
    if (!(limit > 0)) return { items: [] };
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const ordered = [...this.stored.messages.records.values()]
      .map((record) => ({ record, position: outboxPosition(record) }))
      .filter((entry) => after === undefined || entry.position < after)
      .sort((a, b) => (a.position < b.position ? 1 : a.position > b.position ? -1 : 0));
    const page = ordered.slice(0, limit);
    const last = page.at(-1);
    const items = page.map((entry) => structuredClone(entry.record));
    return ordered.length > limit && last !== undefined
      ? { items, cursor: Buffer.from(last.position, 'utf8').toString('base64url') }
      : { items };
  }

  /** The newest `limit` entries of the customer's timeline, split by kind (as in DynamoDB). */
  async customerTimeline(
    customerId: string,
    limit: number,
  ): Promise<{ messages: MessageRecord[]; replies: InboundReply[] }> {
    const entries: Array<
      | { at: string; message: MessageRecord; reply?: never }
      | { at: string; reply: InboundReply; message?: never }
    > = [];
    for (const message of this.stored.messages.records.values()) {
      if (message.customerId === customerId) {
        entries.push({ at: `${message.createdAt}#MSG#${message.messageId}`, message });
      }
    }
    for (const reply of this.stored.inboundReplies.replies.values()) {
      if (reply.customerId === customerId)
        entries.push({ at: `${reply.receivedAt}#REPLY#${reply.replyId}`, reply });
    }
    entries.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
    const newest = entries.slice(0, Math.max(0, Math.floor(limit)));
    return {
      messages: newest.flatMap((entry) =>
        entry.message === undefined ? [] : [structuredClone(entry.message)],
      ),
      replies: newest.flatMap((entry) => (entry.reply === undefined ? [] : [structuredClone(entry.reply)])),
    };
  }

  /**
   * Newest first by the DynamoDB `timeline` sort key (`<at>#<KIND>#<id>`); the cursor is the
   * position of the last entry returned. An event's decisions: its messages created when it was
   * accepted (as the DynamoDB key range reads them).
   *
   * @throws {RangeError} on a cursor this store did not issue.
   */
  async customerActivity(
    customerId: string,
    options: { limit: number; cursor?: string },
  ): Promise<{ items: ActivityEntry[]; cursor?: string }> {
    const limit = Math.floor(options.limit);
    if (!(limit > 0)) return { items: [] };
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const mine = [...this.stored.messages.records.values()].filter((m) => m.customerId === customerId);
    const all: Array<{ position: string; entry: ActivityEntry }> = [
      ...mine.map((message) => ({
        position: `${message.createdAt}#MSG#${message.messageId}`,
        entry: { kind: 'message', at: message.createdAt, message: structuredClone(message) } as const,
      })),
      ...[...this.stored.inboundReplies.replies.values()]
        .filter((reply) => reply.customerId === customerId)
        .map((reply) => ({
          position: `${reply.receivedAt}#REPLY#${reply.replyId}`,
          entry: { kind: 'reply', at: reply.receivedAt, reply: structuredClone(reply) } as const,
        })),
      ...(this.stored.events?.forCustomer(customerId) ?? []).map((archived) => ({
        position: `${archived.at}#EVENT#${archived.event.id}`,
        entry: {
          kind: 'event',
          at: archived.at,
          event: archived,
          decisions: mine
            .filter((m) => m.trigger.id === archived.event.id && m.createdAt === archived.receivedAt)
            .map((m) => structuredClone(m)),
        } as const,
      })),
    ];
    const ordered = all
      .filter((item) => after === undefined || item.position < after)
      .sort((a, b) => (a.position < b.position ? 1 : a.position > b.position ? -1 : 0));
    const page = ordered.slice(0, limit);
    const last = page.at(-1);
    const items = page.map((item) => item.entry);
    return ordered.length > limit && last !== undefined
      ? { items, cursor: Buffer.from(last.position, 'utf8').toString('base64url') }
      : { items };
  }

  async listRejected(limit: number): Promise<RejectedEvent[]> {
    return this.stored.rejected.rejected
      .map((rejected, index) => ({ rejected, index }))
      .sort((a, b) =>
        a.rejected.receivedAt < b.rejected.receivedAt
          ? 1
          : a.rejected.receivedAt > b.rejected.receivedAt
            ? -1
            : b.index - a.index,
      )
      .slice(0, Math.max(0, Math.floor(limit)))
      .map((entry) => structuredClone(entry.rejected));
  }
}

/** Sorts like the DynamoDB outbox index: `<createdAt>#<messageId>`. */
function outboxPosition(record: MessageRecord): string {
  return `${record.createdAt}#${record.messageId}`;
}

function decodeCursor(cursor: string): string {
  const position = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^\d{4}-\d{2}-\d{2}T.*#.+$/.test(position)) {
    throw new RangeError('listMessages: the cursor was not issued by this store');
  }
  return position;
}
