/**
 * The one journey table as every DynamoDB store port sees it (see table-design.ts and
 * docs/data-model.md): the client, the table name, the retention and the clock, and the few
 * requests they all make. Each role's store (dynamo-message-store.ts, dynamo-cap-ledger.ts, …)
 * is built on one of these; `createDynamoStores` shares one between them.
 *
 * Every write that decides something is ONE conditional request, so concurrent Lambdas and
 * redelivered events can race freely and DynamoDB picks the winner. Every read is a GetItem, a
 * Query on the table or on a sparse index, or a BatchGetItem of keys an index returned (or that
 * are known, as a rule counter's shards). Nothing ever Scans.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { DateTime } from 'luxon';
import type { Clock } from '../../app/ports.ts';
import { utcMillisOf } from '../../core/utc-instant.ts';
import { batchGetConsistent } from './batch-get.ts';
import { callDynamo, DynamoStoreError, isConditionFailure } from './dynamo-store-error.ts';
import { type ItemKey, toItemKey, withoutUndefined } from './journey-items.ts';
import { ATTR, DEFAULT_RETENTION_DAYS } from './table-design.ts';

const DAY_MS = 86_400_000;

/** Configuration and client of the DynamoDB stores; nothing is read from the environment. */
export interface DynamoStoresOptions {
  tableName: string;
  /**
   * Built once per process by the caller (module scope in a Lambda). A plain client is wrapped in
   * a document client; a document client is used as it is. Default: a new client from the SDK's
   * default region and credential chain.
   */
  client?: DynamoDBDocumentClient | DynamoDBClient;
  /** Days an item is kept after its last write (or its planned send time). Default 400. */
  retentionDays?: number;
  /** Days an accepted journey event stays in the event archive (dynamo-event-archive.ts). Default 30. */
  eventArchiveDays?: number;
  /**
   * The clock the use cases run on. The stores read it for TTL and to know which month the
   * outbox and rejected listings start from, so the local runtime's sped-up clock and the table
   * agree. Default: the system clock.
   */
  clock?: Clock;
}

/** A condition failure is re-checked by a read; a changing item may need a second try. */
export const CONDITION_RETRIES = 3;

/** The journey table and the requests every store makes on it. */
export class DynamoTable {
  readonly tableName: string;
  readonly doc: DynamoDBDocumentClient;
  readonly retentionDays: number;
  private readonly clock: Clock;
  /**
   * Listings walk back month by month; after this many months in a row without items they stop
   * (a retention's worth, so a quiet stretch shorter than the retention never ends a listing).
   * It bounds the cost of listing a sparse table at ~16 Queries; the price is that messages
   * older than such a gap (kept alive by later writes) are not listed.
   */
  readonly maxEmptyMonths: number;

  /** @throws {RangeError} on a table name DynamoDB would reject or a retention that is not a positive integer. */
  constructor(options: DynamoStoresOptions) {
    if (!/^[A-Za-z0-9_.-]{3,255}$/.test(options.tableName)) {
      throw new RangeError(`tableName '${options.tableName}' is not a valid DynamoDB table name`);
    }
    const retentionDays = options.retentionDays ?? DEFAULT_RETENTION_DAYS;
    if (!Number.isInteger(retentionDays) || retentionDays < 1) {
      throw new RangeError(`retentionDays must be a positive integer, got ${retentionDays}`);
    }
    this.tableName = options.tableName;
    this.retentionDays = retentionDays;
    this.maxEmptyMonths = Math.ceil(retentionDays / 28) + 1;
    this.clock = options.clock ?? { now: () => DateTime.utc() };
    const client = options.client ?? new DynamoDBClient({});
    this.doc =
      client instanceof DynamoDBDocumentClient
        ? client
        : DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  /** Runs one SDK call on the table ({@link callDynamo}). */
  call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    return callDynamo(this.tableName, operation, run);
  }

  /** A strongly consistent GetItem. */
  async getItem(key: ItemKey): Promise<Record<string, unknown> | undefined> {
    const result = await this.call('GetItem', () =>
      this.doc.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true })),
    );
    return result.Item;
  }

  /** Writes a new item; `'exists'` when an item with its key is already there (a redelivery). */
  async putIfAbsent(item: Record<string, unknown>): Promise<'created' | 'exists'> {
    try {
      await this.call('PutItem', () =>
        this.doc.send(
          new PutCommand({
            TableName: this.tableName,
            Item: record(withoutUndefined(item)),
            ConditionExpression: 'attribute_not_exists(#pk)',
            ExpressionAttributeNames: { '#pk': ATTR.pk },
          }),
        ),
      );
      return 'created';
    } catch (error) {
      if (isConditionFailure(error)) return 'exists';
      throw error;
    }
  }

  /** Every item a Query answers, page by page (one Query call per page), in sort-key order. */
  async *queryItems(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey'>,
  ): AsyncGenerator<Record<string, unknown>> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('Query', () =>
        this.doc.send(new QueryCommand({ ...input, TableName: this.tableName, ExclusiveStartKey: startKey })),
      );
      yield* page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined);
  }

  /** Table keys from a Query, following pages until `max` keys `accept`ed or the end. */
  async queryKeys(
    input: Omit<QueryCommandInput, 'TableName' | 'ExclusiveStartKey' | 'Limit'>,
    max = Number.POSITIVE_INFINITY,
    accept: (key: ItemKey) => boolean = () => true,
  ): Promise<ItemKey[]> {
    const keys: ItemKey[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const remaining = max - keys.length;
      const page = await this.call('Query', () =>
        this.doc.send(
          new QueryCommand({
            ...input,
            TableName: this.tableName,
            ExclusiveStartKey: startKey,
            ...(Number.isFinite(remaining) ? { Limit: remaining } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) {
        const key = toItemKey(item);
        if (accept(key)) keys.push(key);
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey !== undefined && keys.length < max);
    return keys;
  }

  /**
   * Consistent BatchGetItem of `keys` ({@link batchGetConsistent}), by partition key (every key
   * here has a unique PK); missing ones (deleted by TTL since the index answered) are absent.
   */
  async batchGet(keys: ReadonlyArray<ItemKey>): Promise<Map<string, Record<string, unknown>>> {
    const items = await batchGetConsistent(this.doc, this.tableName, keys);
    return new Map(items.map((item) => [toItemKey(item).PK, item]));
  }

  /**
   * TTL in epoch seconds: `retentionDays` after the latest of now and the given instants (a
   * reminder planned months ahead must outlive its send time, not just its creation).
   */
  expiresAt(...instants: Array<string | undefined>): number {
    let base = this.clock.now().toMillis();
    for (const iso of instants) {
      const at = iso === undefined ? undefined : utcMillisOf(iso);
      if (at !== undefined && at > base) base = at;
    }
    // A UTC day is always 24 hours.
    return Math.floor((base + this.retentionDays * DAY_MS) / 1000);
  }

  /** The clock's now (the local runtime's may run fast): which rule-counter days are closed. */
  now(): DateTime {
    return this.clock.now();
  }

  /** The clock's UTC month (`yyyy-MM`): where the month-bucketed listings start. */
  currentMonth(): string {
    return this.clock.now().toUTC().toFormat('yyyy-MM');
  }
}

/** A built item as the document client's `Item` type wants it. */
export function record(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError('an item must be an object');
  }
  return Object.fromEntries(Object.entries(value));
}

/** The item a failed condition returned (ReturnValuesOnConditionCheckFailed), if any. */
export function conditionItem(error: unknown): ConditionalCheckFailedException['Item'] {
  return error instanceof ConditionalCheckFailedException ? error.Item : undefined;
}

/** An item that kept changing under a conditional write: retryable. */
export function conditionRace(operation: string, key: string): DynamoStoreError {
  return new DynamoStoreError(`${operation} on ${key}: the item kept changing under a conditional write`, {
    operation,
    retryable: true,
  });
}
