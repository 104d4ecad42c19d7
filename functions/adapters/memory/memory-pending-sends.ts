import type { MessageRecord } from '../../app/message-record.ts';
import type { PendingQuery, PendingSends } from '../../app/ports/pending-sends.ts';
import type { MemoryMessageStore } from './memory-message-store.ts';

/** {@link PendingSends} in memory: the message store's scheduled records, in the DynamoDB store's order. */
export class MemoryPendingSends implements PendingSends {
  constructor(private readonly messages: MemoryMessageStore) {}

  async listPending(query: PendingQuery): Promise<{ items: MessageRecord[]; cursor?: string }> {
    const rules = new Set(query.ruleIds);
    const sortOf = (record: MessageRecord): string => `${record.sendAt}#${record.messageId}`;
    const matching = [...this.messages.records.values()]
      .filter(
        (record) =>
          record.status === 'scheduled' &&
          rules.has(record.ruleId) &&
          (query.from === undefined || record.sendAt >= query.from) &&
          (query.to === undefined || record.sendAt <= query.to) &&
          (query.cursor === undefined || sortOf(record) > query.cursor),
      )
      .sort((a, b) => (sortOf(a) < sortOf(b) ? -1 : 1));
    const items = matching.slice(0, query.limit).map((record) => structuredClone(record));
    const last = items.at(-1);
    return matching.length > items.length && last !== undefined ? { items, cursor: sortOf(last) } : { items };
  }
}
