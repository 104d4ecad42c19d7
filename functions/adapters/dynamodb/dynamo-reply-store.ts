import type { InboundReply, ReplyStore } from '../../app/ports/replies.ts';
import type { DynamoTable } from './dynamo-table.ts';
import { customerPartition, ITEM_TYPE, itemKey, timelineSort } from './journey-items.ts';
import { ATTR } from './table-design.ts';

/** {@link ReplyStore} on DynamoDB: one item per provider message id, in the customer's timeline. */
export class DynamoReplyStore implements ReplyStore {
  constructor(private readonly table: DynamoTable) {}

  async hasReply(replyId: string): Promise<boolean> {
    return (await this.table.getItem(itemKey.reply(replyId))) !== undefined;
  }

  async recordReply(reply: InboundReply): Promise<'created' | 'exists'> {
    const item = {
      ...reply,
      // Keyed by the provider's id alone: a webhook retry may carry another receivedAt.
      ...itemKey.reply(reply.replyId),
      [ATTR.type]: ITEM_TYPE.reply,
      ...(reply.customerId === undefined
        ? {}
        : {
            [ATTR.timelinePk]: customerPartition(reply.customerId),
            [ATTR.timelineSk]: timelineSort('REPLY', reply.receivedAt, reply.replyId),
          }),
      [ATTR.expiresAt]: this.table.expiresAt(reply.receivedAt),
    };
    return this.table.putIfAbsent(item);
  }
}
