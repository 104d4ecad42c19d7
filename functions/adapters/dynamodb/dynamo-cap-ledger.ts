import { PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CapLedger } from '../../app/ports/caps.ts';
import { deleteItemIf } from './delete-item.ts';
import { isConditionFailure } from './dynamo-store-error.ts';
import { conditionRace, type DynamoTable, record } from './dynamo-table.ts';
import { ITEM_TYPE, itemKey, toCapLedger } from './journey-items.ts';
import { ATTR } from './table-design.ts';

/** Concurrent sends to one customer retry their cap reservation; each round one of them wins. */
const CAP_RETRIES = 20;

/** {@link CapLedger} on DynamoDB: one versioned item per customer, beside the profile. */
export class DynamoCapLedger implements CapLedger {
  constructor(private readonly table: DynamoTable) {}

  async countCapSlots(customerId: string, since: string, except?: string): Promise<number> {
    const item = await this.table.getItem(itemKey.cap(customerId));
    const sends = item === undefined ? {} : toCapLedger(item).sends;
    return Object.entries(sends).filter(([messageId, at]) => messageId !== except && at >= since).length;
  }

  async reserveCapSlot(
    customerId: string,
    messageId: string,
    at: string,
    since: string,
    max?: number,
  ): Promise<boolean> {
    const key = itemKey.cap(customerId);
    for (let attempt = 1; ; attempt++) {
      const item = await this.table.getItem(key);
      const ledger = item === undefined ? undefined : toCapLedger(item);
      const sends = ledger?.sends ?? {};
      if (Object.hasOwn(sends, messageId)) return true; // a redelivery of a send that got this far
      // Entries older than the cap period are dropped on every write: the ledger stays small.
      const recent = Object.fromEntries(Object.entries(sends).filter(([, sentAt]) => sentAt >= since));
      if (max !== undefined && Object.keys(recent).length >= max) return false;
      recent[messageId] = at;
      try {
        await this.table.call('PutItem', () =>
          this.table.doc.send(
            new PutCommand({
              TableName: this.table.tableName,
              Item: record({
                ...key,
                [ATTR.type]: ITEM_TYPE.cap,
                customerId,
                sends: recent,
                version: (ledger?.version ?? 0) + 1,
                [ATTR.expiresAt]: this.table.expiresAt(at),
              }),
              // The version read above: a concurrent send that wrote in between makes this fail,
              // and the loop decides again on what it wrote. That is what makes the cap exact.
              ...(ledger === undefined
                ? {
                    ConditionExpression: 'attribute_not_exists(#pk)',
                    ExpressionAttributeNames: { '#pk': ATTR.pk },
                  }
                : {
                    ConditionExpression: '#version = :version',
                    ExpressionAttributeNames: { '#version': 'version' },
                    ExpressionAttributeValues: { ':version': ledger.version },
                  }),
            }),
          ),
        );
        return true;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        if (attempt >= CAP_RETRIES) throw conditionRace('PutItem', key.PK);
      }
    }
  }

  async releaseCapSlot(customerId: string, messageId: string): Promise<void> {
    try {
      await this.table.call('UpdateItem', () =>
        this.table.doc.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: itemKey.cap(customerId),
            UpdateExpression: 'REMOVE #sends.#id SET #version = #version + :one',
            ConditionExpression: 'attribute_exists(#sends.#id)',
            ExpressionAttributeNames: { '#sends': 'sends', '#id': messageId, '#version': 'version' },
            ExpressionAttributeValues: { ':one': 1 },
          }),
        ),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error; // not in the ledger: nothing to release
    }
  }

  async readCapLedger(customerId: string): Promise<Record<string, string>> {
    const item = await this.table.getItem(itemKey.cap(customerId));
    return item === undefined ? {} : toCapLedger(item).sends;
  }

  async deleteCapLedger(customerId: string): Promise<boolean> {
    return (await deleteItemIf(this.table, itemKey.cap(customerId))) === 'deleted';
  }
}
