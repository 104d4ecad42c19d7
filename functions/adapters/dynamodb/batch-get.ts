import { setTimeout as sleep } from 'node:timers/promises';
import { BatchGetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { callDynamo, DynamoStoreError, DynamoStoreErrorCode } from './dynamo-store-error.ts';
import type { ItemKey } from './journey-items.ts';

/** BatchGetItem takes at most 100 keys per request. */
const BATCH_GET_MAX = 100;
/** Rounds of UnprocessedKeys retries (with backoff) before BatchGetItem gives up. */
const BATCH_GET_ROUNDS = 8;

/**
 * Consistent BatchGetItem of `keys` (duplicates read once), 100 at a time, retrying
 * UnprocessedKeys with backoff; throws a retryable `Unprocessed` error when throttling outlasts
 * the rounds. Missing items are simply absent from the answer, which is in no particular order.
 */
export async function batchGetConsistent(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: ReadonlyArray<ItemKey>,
): Promise<Array<Record<string, unknown>>> {
  const items: Array<Record<string, unknown>> = [];
  const unique = [...new Map(keys.map((key) => [`${key.PK}\u0000${key.SK}`, key])).values()];
  for (let start = 0; start < unique.length; start += BATCH_GET_MAX) {
    let pending: Array<Record<string, unknown>> = unique
      .slice(start, start + BATCH_GET_MAX)
      .map((key) => ({ ...key }));
    for (let round = 0; pending.length > 0; round++) {
      if (round >= BATCH_GET_ROUNDS) {
        throw new DynamoStoreError(
          `BatchGetItem on ${tableName} left ${pending.length} keys unprocessed after ${round} rounds`,
          { operation: 'BatchGetItem', retryable: true, code: DynamoStoreErrorCode.Unprocessed },
        );
      }
      if (round > 0) await sleep(Math.min(2_000, 50 * 2 ** round));
      const request = pending;
      const result = await callDynamo(tableName, 'BatchGetItem', () =>
        doc.send(
          new BatchGetCommand({ RequestItems: { [tableName]: { Keys: request, ConsistentRead: true } } }),
        ),
      );
      items.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return items;
}
