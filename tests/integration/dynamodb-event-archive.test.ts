import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, test } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { countDynamoDbCalls } from '../support/count-dynamodb-calls.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';
import { CONTRACT_NOW, contractClock } from '../support/store-contract-fixtures.ts';

// The event archive's key design on the real engine: an hour of events is spread over shards,
// read back with Query only, and each customer's events are on the `timeline` index by key.
const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
const doc = DynamoDBDocumentClient.from(client);
const tables: string[] = [];

afterAll(async () => {
  await Promise.all(tables.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  client.destroy();
});

async function archiveStores() {
  const tableName = createTestTableName('archive');
  await createJourneyTable(client, tableName);
  tables.push(tableName);
  return { tableName, stores: createDynamoStores({ tableName, client, clock: contractClock }) };
}

function anEvent(id: string, at: string, customerId?: string) {
  return {
    event: { id, source: 'acme.test', 'detail-type': 'Thing', time: at, detail: { customerId } },
    at,
    receivedAt: CONTRACT_NOW,
    ...(customerId === undefined ? {} : { customerId }),
  };
}

describe('the event archive on DynamoDB Local', () => {
  test('200 events of one hour land on many partitions and read back in time order without a Scan', async () => {
    const { tableName, stores } = await archiveStores();
    const base = Date.parse('2026-11-22T10:00:00.000Z');
    const ids = Array.from({ length: 200 }, (_, i) => `e-${String(i).padStart(3, '0')}`);
    await Promise.all(
      ids.map((id, i) => stores.events.archive(anEvent(id, new Date(base + i * 1_000).toISOString()))),
    );
    const calls = countDynamoDbCalls(client);

    const read: string[] = [];
    for await (const entry of stores.events.readRange('2026-11-22T10:00:00.000Z', '2026-11-22T11:00:00.000Z'))
      read.push(entry.event.id);
    calls.stop();

    expect(read).toEqual(ids);
    expect(calls.counts().Scan).toBeUndefined();
    expect(calls.counts().Query).toBeGreaterThanOrEqual(2);
    const partitions = new Set<string>();
    for (let shard = 0; shard < 64; shard++) {
      const page = await doc.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': `EVENTS#2026-11-22T10#${shard}` },
          Select: 'COUNT',
        }),
      );
      if ((page.Count ?? 0) > 0) partitions.add(String(shard));
      // No partition holds more than a fair share and a margin: the shard spreads the hour.
      expect(page.Count ?? 0).toBeLessThan(40);
    }
    expect(partitions.size).toBeGreaterThan(8);
  });

  test("a customer's archived event is on the timeline index under CUST#<id> / <at>#EVENT#<id>", async () => {
    const { tableName, stores } = await archiveStores();
    await stores.events.archive(anEvent('e-anna', '2026-11-22T10:15:00.000Z', 'cust-anna'));
    await stores.events.archive(anEvent('e-nobody', '2026-11-22T10:16:00.000Z'));

    const page = await doc.send(
      new QueryCommand({
        TableName: tableName,
        IndexName: 'timeline',
        KeyConditionExpression: 'timelinePK = :pk',
        ExpressionAttributeValues: { ':pk': 'CUST#cust-anna' },
      }),
    );

    expect(page.Items?.map((item) => item.timelineSK)).toEqual(['2026-11-22T10:15:00.000Z#EVENT#e-anna']);
  });
});
