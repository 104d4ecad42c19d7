import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { DedupeClaim, DedupeClaims } from '../../app/ports/dedupe.ts';
import { deleteItemIf } from './delete-item.ts';
import { isConditionFailure } from './dynamo-store-error.ts';
import { CONDITION_RETRIES, conditionItem, conditionRace, type DynamoTable, record } from './dynamo-table.ts';
import { dedupeHolderFromRaw, ITEM_TYPE, itemKey, toDedupeHolder } from './journey-items.ts';
import { ATTR } from './table-design.ts';

/** {@link DedupeClaims} on DynamoDB: one item per key, claimed by a conditional PutItem. */
export class DynamoDedupeClaims implements DedupeClaims {
  constructor(private readonly table: DynamoTable) {}

  async claimDedupe(
    key: string,
    messageId: string,
    now: string,
    expiresAt: string | undefined,
  ): Promise<string> {
    const item = {
      ...itemKey.dedupe(key),
      [ATTR.type]: ITEM_TYPE.dedupe,
      messageId,
      claimedAt: now,
      // The port's `expiresAt` (end of the dedupe horizon) is `heldUntil` here: `expiresAt` is
      // the TTL attribute, and a claim must not be deleted before its horizon ends.
      ...(expiresAt === undefined ? {} : { heldUntil: expiresAt }),
      [ATTR.expiresAt]: this.table.expiresAt(now, expiresAt),
    };
    for (let attempt = 1; ; attempt++) {
      try {
        await this.table.call('PutItem', () =>
          this.table.doc.send(
            new PutCommand({
              TableName: this.table.tableName,
              Item: record(item),
              // Free, or held by another message past its horizon. The same message re-claiming
              // (a redelivered event) is refused too and answered from the holder below, so a
              // redelivery never extends the horizon it started.
              ConditionExpression: 'attribute_not_exists(#pk) OR (#held <= :now AND #mid <> :id)',
              ExpressionAttributeNames: { '#pk': ATTR.pk, '#held': 'heldUntil', '#mid': 'messageId' },
              ExpressionAttributeValues: { ':now': now, ':id': messageId },
              ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
            }),
          ),
        );
        return messageId;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
        // The failure carries the holder (ReturnValuesOnConditionCheckFailure), so no second
        // request; the read is only a fallback for an endpoint that leaves it out.
        const raw = conditionItem(error);
        if (raw !== undefined) return dedupeHolderFromRaw(raw);
        const holder = await this.table.getItem(itemKey.dedupe(key));
        if (holder !== undefined) return toDedupeHolder(holder);
        // Deleted by TTL between the write and the read: the key is free again, claim it.
        if (attempt >= CONDITION_RETRIES) throw conditionRace('PutItem', key);
      }
    }
  }

  async getDedupe(key: string): Promise<DedupeClaim | undefined> {
    const item = await this.table.getItem(itemKey.dedupe(key));
    if (item === undefined) return undefined;
    const claim: DedupeClaim = { key, messageId: toDedupeHolder(item) };
    if (typeof item.claimedAt === 'string') claim.claimedAt = item.claimedAt;
    if (typeof item.heldUntil === 'string') claim.heldUntil = item.heldUntil;
    return claim;
  }

  async releaseDedupe(key: string, messageId: string): Promise<boolean> {
    const done = await deleteItemIf(this.table, itemKey.dedupe(key), {
      expression: '#mid = :id',
      names: { '#mid': 'messageId' },
      values: { ':id': messageId },
    });
    return done === 'deleted';
  }
}
