import { PutCommand } from '@aws-sdk/lib-dynamodb';
import type { ProfileStore } from '../../app/ports/profiles.ts';
import type { CustomerProfile } from '../../core/customers/customer-profile.ts';
import { coalescedGet } from './batch-get.ts';
import { deleteItemIf } from './delete-item.ts';
import { isConditionFailure } from './dynamo-store-error.ts';
import { type DynamoTable, record } from './dynamo-table.ts';
import { ITEM_TYPE, itemKey, toProfile, withoutUndefined } from './journey-items.ts';
import { ATTR } from './table-design.ts';

/** {@link ProfileStore} on DynamoDB: one item per customer, written under its revision. */
export class DynamoProfileStore implements ProfileStore {
  constructor(private readonly table: DynamoTable) {}

  async getProfile(customerId: string): Promise<CustomerProfile | undefined> {
    // Joined with a read of the cap ledger asked for at the same time (the send step): one call.
    const item = await coalescedGet(this.table.doc, this.table.tableName, itemKey.profile(customerId));
    return item === undefined ? undefined : toProfile(item);
  }

  async putProfile(profile: CustomerProfile): Promise<'written' | 'conflict'> {
    // An opt-out must outlive the retention window: were the profile to expire, the next event
    // would recreate it without the STOP and Nudge would text someone who said no.
    const optedOut = Object.values(profile.consent).some((entry) => entry?.granted === false);
    const item = {
      ...profile,
      ...itemKey.profile(profile.id),
      [ATTR.type]: ITEM_TYPE.profile,
      revision: (profile.revision ?? 0) + 1,
      ...(optedOut ? {} : { [ATTR.expiresAt]: this.table.expiresAt(profile.updatedAt) }),
    };
    try {
      await this.table.call('PutItem', () =>
        this.table.doc.send(
          new PutCommand({
            TableName: this.table.tableName,
            Item: record(withoutUndefined(item)),
            // Optimistic: the revision read must still be the stored one. A profile written before
            // revisions existed has none and is taken as revision 0 (absent).
            ...(profile.revision === undefined
              ? {
                  ConditionExpression: 'attribute_not_exists(#pk) OR attribute_not_exists(#revision)',
                  ExpressionAttributeNames: { '#pk': ATTR.pk, '#revision': 'revision' },
                }
              : {
                  ConditionExpression: '#revision = :revision',
                  ExpressionAttributeNames: { '#revision': 'revision' },
                  ExpressionAttributeValues: { ':revision': profile.revision },
                }),
          }),
        ),
      );
      return 'written';
    } catch (error) {
      if (isConditionFailure(error)) return 'conflict';
      throw error;
    }
  }

  async deleteProfile(customerId: string): Promise<boolean> {
    return (await deleteItemIf(this.table, itemKey.profile(customerId))) === 'deleted';
  }
}
