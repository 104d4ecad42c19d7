import {
  DeleteTableCommand,
  DescribeTableCommand,
  DescribeTimeToLiveCommand,
  DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DateTime } from 'luxon';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { DynamoStoreError } from '../../functions/adapters/dynamodb/dynamo-store-error.ts';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import {
  createJourneyTable,
  INDEXES,
  JOURNEY_TABLE,
} from '../../functions/adapters/dynamodb/table-design.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { countDynamoDbCalls } from '../support/count-dynamodb-calls.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';
import { aMessageRecord, CONTRACT_NOW, contractClock } from '../support/store-contract-fixtures.ts';
import { describeStoreContracts } from '../support/store-contracts.ts';

const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
const doc = DynamoDBDocumentClient.from(client);
/** Counts every call of the whole file, contract included: it must never Scan. */
const wholeRun = countDynamoDbCalls(client);
const tables: string[] = [];

async function newTable(prefix: string): Promise<string> {
  const tableName = createTestTableName(prefix);
  await createJourneyTable(client, tableName);
  tables.push(tableName);
  return tableName;
}

afterAll(async () => {
  wholeRun.stop();
  // DynamoDB Local is shared by every test file of the run: leave it as we found it.
  await Promise.all(tables.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  client.destroy();
});

describeStoreContracts('DynamoDB stores on DynamoDB Local', async () =>
  createDynamoStores({ tableName: await newTable('contract'), client, clock: contractClock }),
);

describe('DynamoDB stores on DynamoDB Local', () => {
  /** Stores on their own table and client, with a counter that sees only this test's calls. */
  async function isolatedStores(retentionDays?: number) {
    const ownClient = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
    const tableName = await newTable('budget');
    const stores = createDynamoStores({
      tableName,
      client: ownClient,
      clock: contractClock,
      ...(retentionDays === undefined ? {} : { retentionDays }),
    });
    return { stores, tableName, calls: countDynamoDbCalls(ownClient), done: () => ownClient.destroy() };
  }

  test('the write path of one delivered SMS is exactly 5 writes: create, claim, pre-send, sent, delivered', async () => {
    const { stores, calls, done } = await isolatedStores();
    const now = CONTRACT_NOW;

    const created = await stores.messages.createMessage(
      aMessageRecord({ correlationKey: 'renewal-reminder#P-1' }),
    );
    const claimed = await stores.messages.claimForSending('m-1', now, '2026-11-23T09:01:00.000Z');
    const prepared = await stores.messages.prepareSend('m-1', claimed?.attempts ?? -1, {
      channel: 'sms',
      to: '+46701234567',
      locale: 'sv',
      rendered: { channel: 'sms', text: 'Hej', encoding: 'GSM-7', segments: 1 },
    });
    const sent = await stores.messages.recordSent('m-1', claimed?.attempts ?? -1, {
      at: now,
      providerId: 'SM1',
      sentAt: now,
    });
    const delivered = await stores.messages.applyProviderStatus('m-1', {
      providerEventId: 'SM1:delivered',
      status: 'delivered',
      at: '2026-11-23T09:00:04.000Z',
    });
    const counts = calls.counts();
    done();

    expect([created, claimed?.status, prepared, sent?.status, delivered]).toEqual([
      'created',
      'sending',
      true,
      'sent',
      'applied',
    ]);
    // Create, sent and delivered are counted on the rule's daily counters in the same
    // transaction (docs/data-model.md, rule stats); sent and delivered first read the message's
    // rule (a projected, eventually consistent GetItem), and sent reads the record back.
    expect(counts).toEqual({ TransactWriteItems: 3, UpdateItem: 2, GetItem: 3 });
    expect(calls.writes()).toBe(5);
  });

  test('a cancelled reminder costs one Query, one BatchGetItem and two writes', async () => {
    const { stores, calls, done } = await isolatedStores();
    const key = 'renewal-reminder#P-1';

    await stores.messages.createMessage(aMessageRecord({ correlationKey: key }));
    const pending = await stores.messages.findPending(key);
    const cancelled = await stores.messages.transition('m-1', ['scheduled'], {
      at: CONTRACT_NOW,
      status: 'cancelled',
      reason: 'closed-by-event',
    });
    const afterwards = calls.counts();
    const stillPending = await stores.messages.findPending(key);
    done();

    expect(pending).toHaveLength(1);
    expect(cancelled?.status).toBe('cancelled');
    expect(stillPending).toEqual([]);
    // Created and cancelled are counted in the same transaction; the cancel reads the rule
    // first and the record back after (a transaction returns no values).
    expect(afterwards).toEqual({ TransactWriteItems: 2, Query: 1, BatchGetItem: 1, GetItem: 2 });
  });

  test('a duplicate or stale provider report costs one write attempt and no read', async () => {
    const { stores, calls, done } = await isolatedStores();
    await stores.messages.createMessage(
      aMessageRecord({ status: 'delivered', sentAt: CONTRACT_NOW, to: '+46701234567' }),
    );
    calls.reset();

    const stale = await stores.messages.applyProviderStatus('m-1', {
      providerEventId: 'SM1:sent',
      status: 'sent',
      at: CONTRACT_NOW,
    });
    const counts = calls.counts();
    done();

    expect(stale).toBe('stale');
    // The failed condition returns the item (ReturnValuesOnConditionCheckFailure), so no GetItem.
    expect(counts).toEqual({ UpdateItem: 1 });
  });

  test('the lifecycle index holds a message exactly while scheduled, and never once it is sent', async () => {
    const { stores, tableName, done } = await isolatedStores();
    const key = 'renewal-reminder#P-1';
    const inPartition = async (partition: string): Promise<string[]> => {
      const page = await doc.send(
        new QueryCommand({
          TableName: tableName,
          IndexName: INDEXES.lifecycle.indexName,
          KeyConditionExpression: '#pk = :pk',
          ExpressionAttributeNames: { '#pk': INDEXES.lifecycle.partitionKey },
          ExpressionAttributeValues: { ':pk': partition },
        }),
      );
      return (page.Items ?? []).map((item) => String(item.PK));
    };
    const snapshot = async () => ({
      pending: await inPartition(`PENDING#${key}`),
      sent: await inPartition('CUST#cust-anna'),
    });

    await stores.messages.createMessage(aMessageRecord({ correlationKey: key }));
    const created = await snapshot();
    await stores.messages.claimForSending('m-1', CONTRACT_NOW, '2026-11-23T09:01:00.000Z');
    const claimed = await snapshot();
    await stores.messages.transition(
      'm-1',
      ['sending'],
      { at: CONTRACT_NOW, status: 'scheduled', reason: 'outside-window' },
      { sendAt: '2026-11-24T07:00:00.000Z' },
    );
    const deferred = await snapshot();
    await stores.messages.claimForSending('m-1', '2026-11-24T07:00:00.000Z', '2026-11-24T07:01:00.000Z');
    await stores.messages.transition(
      'm-1',
      ['sending'],
      { at: '2026-11-24T07:00:01.000Z', status: 'sent' },
      { to: '+46701234567', sentAt: '2026-11-24T07:00:01.000Z' },
    );
    const sent = await snapshot();
    await stores.messages.applyProviderStatus('m-1', {
      providerEventId: 'e1',
      status: 'failed',
      at: '2026-11-24T07:00:09.000Z',
    });
    const failed = await snapshot();
    done();

    expect(created).toEqual({ pending: ['MSG#m-1'], sent: [] });
    expect(claimed).toEqual({ pending: [], sent: [] });
    expect(deferred).toEqual({ pending: ['MSG#m-1'], sent: [] });
    // The cap counts sends in its own ledger: a sent message costs no index write here.
    expect(sent).toEqual({ pending: [], sent: [] });
    expect(failed).toEqual({ pending: [], sent: [] });
  });

  test('every item carries the TTL attribute: retentionDays after its last write or planned send', async () => {
    const { stores, tableName, done } = await isolatedStores(30);
    const day = 24 * 60 * 60;
    const nowSeconds = DateTime.fromISO(CONTRACT_NOW).toSeconds();
    const sendAt = '2027-03-01T09:00:00.000Z';

    await stores.messages.createMessage(aMessageRecord({ messageId: 'm-now' }));
    await stores.messages.createMessage(aMessageRecord({ messageId: 'm-later', sendAt }));
    await stores.profiles.putProfile({ id: 'cust-anna', consent: {}, updatedAt: '2026-11-01T00:00:00.000Z' });
    await stores.profiles.putProfile({
      id: 'cust-stop',
      consent: { sms: { granted: false, at: CONTRACT_NOW, source: 'reply:SM9' } },
      updatedAt: CONTRACT_NOW,
    });
    await stores.dedupe.claimDedupe('rule#k', 'm-now', CONTRACT_NOW, '2027-06-01T00:00:00.000Z');
    await stores.inboundReplies.recordReply({
      replyId: 'SM-in',
      receivedAt: CONTRACT_NOW,
      from: '+46701234567',
      body: 'JA',
    });
    const ttl = async (PK: string, SK: string): Promise<unknown> =>
      (await doc.send(new GetCommand({ TableName: tableName, Key: { PK, SK } }))).Item?.[
        JOURNEY_TABLE.ttlAttribute
      ];
    const now = await ttl('MSG#m-now', 'MSG');
    const later = await ttl('MSG#m-later', 'MSG');
    const profile = await ttl('CUST#cust-anna', 'PROFILE');
    const optedOut = await ttl('CUST#cust-stop', 'PROFILE');
    const dedupe = await ttl('DEDUPE#rule#k', 'DEDUPE');
    const reply = await ttl('REPLY#SM-in', 'REPLY');
    const described = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    done();

    expect(now).toBe(nowSeconds + 30 * day);
    expect(later).toBe(DateTime.fromISO(sendAt).toSeconds() + 30 * day);
    expect(profile).toBe(nowSeconds + 30 * day);
    // An opt-out is kept for good: losing it would let the next event re-enable texting.
    expect(optedOut).toBeUndefined();
    // A claim is kept until its horizon ends even past the retention.
    expect(dedupe).toBe(DateTime.fromISO('2027-06-01T00:00:00.000Z').toSeconds() + 30 * day);
    expect(reply).toBe(nowSeconds + 30 * day);
    expect(described.TimeToLiveDescription).toMatchObject({
      AttributeName: 'expiresAt',
      TimeToLiveStatus: 'ENABLED',
    });
  });

  test('createJourneyTable is idempotent and builds every index from table-design', async () => {
    const tableName = await newTable('idempotent');

    await createJourneyTable(client, tableName);
    const table = await client.send(new DescribeTableCommand({ TableName: tableName }));

    expect(table.Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName).sort()).toEqual(
      Object.values(INDEXES)
        .map((index) => index.indexName)
        .sort(),
    );
    expect(table.Table?.KeySchema).toEqual([
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ]);
  });

  test('a failure that is not a condition is a DynamoStoreError with the cause kept', async () => {
    const stores = createDynamoStores({ tableName: 'no-such-table', client, clock: contractClock });

    const error = await stores.messages.getMessage('m-1').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DynamoStoreError);
    expect(error).toMatchObject({
      name: 'DynamoStoreError',
      operation: 'GetItem',
      retryable: false,
      cause: expect.objectContaining({ name: 'ResourceNotFoundException' }),
    });
  });

  test('an item that is not a valid record is refused with a located reason, not returned', async () => {
    const tableName = await newTable('corrupt');
    const stores = createDynamoStores({ tableName, client, clock: contractClock });
    await doc.send(
      new PutCommand({ TableName: tableName, Item: { PK: 'MSG#m-bad', SK: 'MSG', status: 'lost' } }),
    );

    const error = await stores.messages.getMessage('m-bad').catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DynamoStoreError);
    expect(error).toMatchObject({ code: 'InvalidItem', retryable: false });
    expect(String(error)).toContain('MSG#m-bad');
  });

  test('the constructor refuses a bad table name or retention at once', () => {
    expect(() => createDynamoStores({ tableName: 'x', client })).toThrow(RangeError);
    expect(() => createDynamoStores({ tableName: 'journey', client, retentionDays: 0 })).toThrow(RangeError);
  });
});

// Last in the file (tests run in order): the whole run above, contract included, never scanned.
test('no Scan was issued by anything in this file', () => {
  const counts = wholeRun.counts();

  expect(counts.Scan).toBeUndefined();
  expect(counts.PutItem).toBeGreaterThan(0);
  expect(counts.Query).toBeGreaterThan(0);
});
