/**
 * The ONE definition of Nudge's DynamoDB table: key schema, attribute names, indexes and TTL, as
 * plain data. The CDK stack and {@link createJourneyTable} (tests, the local runtime) both read it,
 * so the deployed table and the tested one cannot drift apart. docs/data-model.md explains why
 * each index exists and which access pattern uses it.
 */
import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTimeToLiveCommand,
  type DynamoDBClient,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import { DynamoStoreError, isRetryableDynamoError } from './dynamo-store-error.ts';

/** Attribute names that are part of a key (table or index) or that DynamoDB itself reads (TTL). */
export const ATTR = {
  /** Table partition key, e.g. `MSG#<messageId>`. */
  pk: 'PK',
  /** Table sort key, e.g. `MSG`. */
  sk: 'SK',
  /** Epoch seconds; DynamoDB's TTL deletes the item some time after it. */
  expiresAt: 'expiresAt',
  /** Item kind (`message`, `profile`, `dedupe`, `reply`, `rejected`, `cap`, `threshold`), for people reading the table. */
  type: 'type',
  timelinePk: 'timelinePK',
  timelineSk: 'timelineSK',
  outboxPk: 'outboxPK',
  outboxSk: 'outboxSK',
  lifecyclePk: 'lifecyclePK',
  lifecycleSk: 'lifecycleSK',
  /** The `due` index (pending sends by rule): `DUE#<ruleId>#<shard>` / `<sendAt>#<messageId>`. */
  duePk: 'duePK',
  dueSk: 'dueSK',
  /**
   * The `release` index (messages due later than the send queue's longest delay, by time alone):
   * `REL#<shard>` / `<sendAt>#<messageId>`, set by the send scheduler, removed by every status change.
   */
  releasePk: 'releasePK',
  releaseSk: 'releaseSK',
  /** The message's `to` field, used as is: the address index is sparse on it and `sentAt`. */
  to: 'to',
  /** The message's `sentAt` field, used as is. */
  sentAt: 'sentAt',
} as const;

/** How an index copies items: only keys, so a status change never costs an index write. */
export type IndexProjection = 'KEYS_ONLY';

/** One global secondary index, as plain data. Every key attribute is a string. */
export interface IndexDesign {
  indexName: string;
  partitionKey: string;
  sortKey: string;
  projection: IndexProjection;
  /** Why it exists, for the CDK stack's comments and the docs. */
  purpose: string;
}

/**
 * The global secondary indexes. All are sparse (an item is indexed only while it has both key
 * attributes) and KEYS_ONLY (reads fetch the full records with one consistent BatchGetItem).
 */
export const INDEXES = {
  timeline: {
    indexName: 'timeline',
    partitionKey: ATTR.timelinePk,
    sortKey: ATTR.timelineSk,
    projection: 'KEYS_ONLY',
    purpose: "A customer's messages and replies, newest first (CUST#<id> / <at>#MSG|REPLY#<id>).",
  },
  outbox: {
    indexName: 'outbox',
    partitionKey: ATTR.outboxPk,
    sortKey: ATTR.outboxSk,
    projection: 'KEYS_ONLY',
    purpose:
      'Every message, newest first, per month sharded by message id (OUTBOX#<yyyy-mm>#<shard> / <createdAt>#<id>).',
  },
  lifecycle: {
    indexName: 'lifecycle',
    partitionKey: ATTR.lifecyclePk,
    sortKey: ATTR.lifecycleSk,
    projection: 'KEYS_ONLY',
    purpose: 'Scheduled messages by correlation key, for cancel and expect (PENDING#<key> / <sendAt>).',
  },
  due: {
    indexName: 'due',
    partitionKey: ATTR.duePk,
    sortKey: ATTR.dueSk,
    projection: 'KEYS_ONLY',
    purpose:
      'Scheduled messages of a rule, soonest first, sharded (DUE#<ruleId>#<shard> / <sendAt>#<messageId>): the pending-sends view.',
  },
  release: {
    indexName: 'release',
    partitionKey: ATTR.releasePk,
    sortKey: ATTR.releaseSk,
    projection: 'KEYS_ONLY',
    purpose:
      'Scheduled messages due later than the send queue can hold them, by due time alone, sharded (REL#<shard> / <sendAt>#<messageId>): the release sweep.',
  },
  address: {
    indexName: 'address',
    partitionKey: ATTR.to,
    sortKey: ATTR.sentAt,
    projection: 'KEYS_ONLY',
    purpose: 'The latest message sent to a phone number or email address, to correlate replies.',
  },
} as const satisfies Record<string, IndexDesign>;

/**
 * Shards of the month partitions: the `outbox` index (every new message writes it) and the
 * rejected inputs (table items). DynamoDB serves at most 1,000 write units a second per partition
 * (table and global secondary index alike), so one partition per month caps the whole account near
 * 1,000 messages/s; spread by a hash of the id, 10,000 messages/s put ~313 WCU/s on each of 32,
 * and the outbox 64, since DynamoDB Local charges each message two index writes (capacity.md: a
 * shard then carries ~310 WCU/s at 10,000 messages/s). Listings query every shard of a month and
 * merge them newest first (sharded-listing.ts); a count only ever grows (items written under
 * fewer shards stay on shards still read).
 */
export const MONTH_PARTITION_SHARDS = { outbox: 64, rejected: 32 } as const;

/** The whole table, as plain data. */
export const JOURNEY_TABLE = {
  partitionKey: ATTR.pk,
  sortKey: ATTR.sk,
  ttlAttribute: ATTR.expiresAt,
  billingMode: 'PAY_PER_REQUEST',
  indexes: Object.values(INDEXES),
} as const;

/**
 * Audit entries of console writes (dynamo-audit-log.ts): table items in one partition per UTC
 * month (`AUDIT#<yyyy-MM>`, sort key `<at>#<sequence>#<uuid>`), listed newest first by Query. No
 * index and no TTL: the trail is kept for good.
 */
export const AUDIT_ITEMS = { partitionPrefix: 'AUDIT#', type: 'audit' } as const;

/** Records are kept this many days after their last write (or planned send time) by default. */
export const DEFAULT_RETENTION_DAYS = 400;

/** The CreateTable request for {@link JOURNEY_TABLE}, on-demand capacity. */
function createTableInput(tableName: string): CreateTableCommandInput {
  const keyAttributes = new Set<string>([JOURNEY_TABLE.partitionKey, JOURNEY_TABLE.sortKey]);
  for (const index of JOURNEY_TABLE.indexes) {
    keyAttributes.add(index.partitionKey);
    keyAttributes.add(index.sortKey);
  }
  return {
    TableName: tableName,
    BillingMode: JOURNEY_TABLE.billingMode,
    AttributeDefinitions: [...keyAttributes].map((name) => ({ AttributeName: name, AttributeType: 'S' })),
    KeySchema: [
      { AttributeName: JOURNEY_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: JOURNEY_TABLE.sortKey, KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: JOURNEY_TABLE.indexes.map((index) => ({
      IndexName: index.indexName,
      KeySchema: [
        { AttributeName: index.partitionKey, KeyType: 'HASH' },
        { AttributeName: index.sortKey, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: index.projection },
    })),
  };
}

/** Longest wait for a new table to become ACTIVE (the real service takes seconds, Local none). */
const TABLE_ACTIVE_WAIT_SECONDS = 120;

/**
 * Creates the journey table if it does not exist, waits until it is ACTIVE, and enables TTL on
 * `expiresAt`. Idempotent: an existing table (ResourceInUseException) and TTL already enabled
 * are fine, so tests and the local runtime can call it on every start. Production tables come
 * from the CDK stack, which reads the same {@link JOURNEY_TABLE}.
 *
 * @throws {DynamoStoreError} when DynamoDB refuses for any other reason.
 */
export async function createJourneyTable(client: DynamoDBClient, tableName: string): Promise<void> {
  try {
    await client.send(new CreateTableCommand(createTableInput(tableName)));
  } catch (error) {
    if (!(error instanceof Error && error.name === 'ResourceInUseException')) {
      throw wrap('CreateTable', tableName, error);
    }
  }
  let step = 'DescribeTable';
  try {
    await waitUntilTableExists(
      { client, maxWaitTime: TABLE_ACTIVE_WAIT_SECONDS, minDelay: 1, maxDelay: 5 },
      { TableName: tableName },
    );
    // Asked first because enabling TTL twice is an error, not a no-op.
    step = 'DescribeTimeToLive';
    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    const status = ttl.TimeToLiveDescription?.TimeToLiveStatus;
    if (status === 'ENABLED' || status === 'ENABLING') return;
    step = 'UpdateTimeToLive';
    await client.send(
      new UpdateTimeToLiveCommand({
        TableName: tableName,
        TimeToLiveSpecification: { AttributeName: JOURNEY_TABLE.ttlAttribute, Enabled: true },
      }),
    );
  } catch (error) {
    throw wrap(step, tableName, error);
  }
}

function wrap(operation: string, tableName: string, error: unknown): DynamoStoreError {
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new DynamoStoreError(`${operation} on table ${tableName} failed: ${detail}`, {
    operation,
    retryable: isRetryableDynamoError(error),
    cause: error,
  });
}
