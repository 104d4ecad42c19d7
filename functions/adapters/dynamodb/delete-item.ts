/**
 * Conditional DeleteItem on the journey table, for the privacy erase: every delete names what the
 * item must still be (present, held by this message, not in flight), so an erase racing a send or
 * a new claim removes only what it found.
 */
import { DeleteCommand, type DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { callDynamo, isConditionFailure } from './dynamo-store-error.ts';
import { conditionItem } from './dynamo-table.ts';
import type { ItemKey } from './journey-items.ts';
import { ATTR } from './table-design.ts';

/** A condition besides "the item exists", in DynamoDB expression syntax. */
export interface DeleteCondition {
  expression: string;
  names: Record<string, string>;
  values?: Record<string, unknown>;
}

/**
 * Deletes `key` when the item exists and meets `condition`. 'deleted', 'refused' (it exists but
 * the condition failed) or 'absent'.
 */
export async function deleteItemIf(
  target: { doc: DynamoDBDocumentClient; tableName: string },
  key: ItemKey,
  condition?: DeleteCondition,
): Promise<'deleted' | 'refused' | 'absent'> {
  const expression =
    condition === undefined ? 'attribute_exists(#pk)' : `attribute_exists(#pk) AND (${condition.expression})`;
  try {
    await callDynamo(target.tableName, 'DeleteItem', () =>
      target.doc.send(
        new DeleteCommand({
          TableName: target.tableName,
          Key: key,
          ConditionExpression: expression,
          ExpressionAttributeNames: { '#pk': ATTR.pk, ...condition?.names },
          ...(condition?.values === undefined ? {} : { ExpressionAttributeValues: condition.values }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    return 'deleted';
  } catch (error) {
    if (!isConditionFailure(error)) throw error;
    if (conditionItem(error) !== undefined) return 'refused';
    // An endpoint that leaves the old item out of the failure (dynalite): ask.
    const found = await callDynamo(target.tableName, 'GetItem', () =>
      target.doc.send(new GetCommand({ TableName: target.tableName, Key: key, ConsistentRead: true })),
    );
    return found.Item === undefined ? 'absent' : 'refused';
  }
}
