import { randomUUID } from 'node:crypto';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { RejectedEvent } from '../../app/message-record.ts';
import type { RejectedLog } from '../../app/ports/rejected.ts';
import { type DynamoTable, record } from './dynamo-table.ts';
import { ITEM_TYPE, itemKey, withoutUndefined } from './journey-items.ts';
import { ATTR } from './table-design.ts';

/** {@link RejectedLog} on DynamoDB: one partition per month, listed by dynamo-console-queries.ts. */
export class DynamoRejectedLog implements RejectedLog {
  constructor(private readonly table: DynamoTable) {}

  async recordRejected(rejected: RejectedEvent): Promise<void> {
    const item = {
      ...rejected,
      // A random suffix keeps two rejections of the same instant apart; nothing looks them up by key.
      ...itemKey.rejected(rejected.receivedAt, randomUUID()),
      [ATTR.type]: ITEM_TYPE.rejected,
      [ATTR.expiresAt]: this.table.expiresAt(rejected.receivedAt),
    };
    await this.table.call('PutItem', () =>
      this.table.doc.send(
        new PutCommand({ TableName: this.table.tableName, Item: record(withoutUndefined(item)) }),
      ),
    );
  }
}
