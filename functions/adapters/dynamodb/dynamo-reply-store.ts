import type { InboundReply, ReplyStore } from '../../app/ports/replies.ts';
import { replyCounters } from '../../app/rule-stat-counters.ts';
import { countedWrite } from './dynamo-rule-stats.ts';
import { type DynamoTable, record } from './dynamo-table.ts';
import { customerPartition, ITEM_TYPE, itemKey, timelineSort, withoutUndefined } from './journey-items.ts';
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
    // Recorded once, and counted for the correlated rule (replied, optedOut) in the same write.
    const result = await countedWrite(
      this.table,
      {
        Put: {
          TableName: this.table.tableName,
          Item: record(withoutUndefined(item)),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': ATTR.pk },
        },
      },
      reply.ruleId === undefined
        ? undefined
        : { ruleId: reply.ruleId, id: reply.replyId, at: reply.receivedAt, counters: replyCounters(reply) },
    );
    return result.written ? 'created' : 'exists';
  }
}
