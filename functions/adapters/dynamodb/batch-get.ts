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
  return batchGetItems(doc, tableName, keys, true);
}

/**
 * {@link batchGetConsistent} with the read consistency chosen: an eventually consistent read costs
 * half (0.5 RCU per item up to 4 KB, "DynamoDB read and write operations") and may miss writes
 * of the last moment.
 */
export async function batchGetItems(
  doc: DynamoDBDocumentClient,
  tableName: string,
  keys: ReadonlyArray<ItemKey>,
  consistent: boolean,
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
          new BatchGetCommand({
            RequestItems: { [tableName]: { Keys: request, ConsistentRead: consistent } },
          }),
        ),
      );
      items.push(...(result.Responses?.[tableName] ?? []));
      pending = result.UnprocessedKeys?.[tableName]?.Keys ?? [];
    }
  }
  return items;
}

interface PendingGet {
  key: ItemKey;
  resolve: (item: Record<string, unknown> | undefined) => void;
  reject: (error: unknown) => void;
}

/** Gets waiting for the end of the current turn, per document client and table. */
const waiting = new WeakMap<DynamoDBDocumentClient, Map<string, PendingGet[]>>();

/**
 * A consistent read of one item, joined with the other reads of the same table asked for in the
 * same turn of the event loop into one BatchGetItem (the send step reads a customer's profile and
 * cap ledger together this way: one call instead of two). Alone, it is one BatchGetItem of one key.
 */
export function coalescedGet(
  doc: DynamoDBDocumentClient,
  tableName: string,
  key: ItemKey,
): Promise<Record<string, unknown> | undefined> {
  return new Promise((resolve, reject) => {
    const tables = waiting.get(doc) ?? new Map<string, PendingGet[]>();
    waiting.set(doc, tables);
    const queue = tables.get(tableName);
    if (queue !== undefined) {
      queue.push({ key, resolve, reject });
      return;
    }
    const batch: PendingGet[] = [{ key, resolve, reject }];
    tables.set(tableName, batch);
    // After the promises already queued in this turn (a Promise.all of reads) have asked.
    setImmediate(() => {
      tables.delete(tableName);
      batchGetConsistent(
        doc,
        tableName,
        batch.map((get) => get.key),
      ).then(
        (items) => {
          const byKey = new Map(items.map((item) => [`${String(item.PK)}\u0000${String(item.SK)}`, item]));
          for (const get of batch) get.resolve(byKey.get(`${get.key.PK}\u0000${get.key.SK}`));
        },
        (error: unknown) => {
          for (const get of batch) get.reject(error);
        },
      );
    });
  });
}
