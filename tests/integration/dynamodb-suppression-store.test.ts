import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, inject, test } from 'vitest';
import {
  DynamoSuppressionStore,
  suppressionKey,
} from '../../functions/adapters/dynamodb/dynamo-suppression-store.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { countDynamoDbCalls } from '../support/count-dynamodb-calls.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';

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
  await Promise.all(tables.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  client.destroy();
});

describe('DynamoSuppressionStore on DynamoDB Local', () => {
  test('the item is keyed by channel and address, carries no TTL, and each decision is one write', async () => {
    // Arrange
    const ownClient = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
    const tableName = await newTable('suppr-item');
    const store = new DynamoSuppressionStore({ tableName, client: ownClient });
    const calls = countDynamoDbCalls(ownClient);

    // Act
    const applied = await store.suppress({
      channel: 'sms',
      address: '+46701234567',
      reason: 'stop-reply',
      source: 'reply:SM1',
      at: '2026-11-23T10:00:00Z',
    });
    const lifted = await store.lift({
      channel: 'sms',
      address: '+46701234567',
      source: 'reply:SM2',
      at: '2026-11-23T11:00:00Z',
    });
    const counted = calls.counts();
    calls.stop();

    // Assert
    expect([applied, lifted]).toEqual(['applied', 'applied']);
    expect(counted).toEqual({ UpdateItem: 2 });
    const item = (
      await doc.send(
        new GetCommand({ TableName: tableName, Key: { PK: 'ADDR#sms#+46701234567', SK: 'SUPPRESSION' } }),
      )
    ).Item;
    expect(suppressionKey('sms', '+46701234567')).toEqual({ PK: 'ADDR#sms#+46701234567', SK: 'SUPPRESSION' });
    expect(item).toMatchObject({ type: 'suppression', channel: 'sms', suppressed: false });
    expect(item !== undefined && 'expiresAt' in item).toBe(false);
    ownClient.destroy();
  });

  test('a whole file of suppression calls never Scans', () => {
    expect(wholeRun.counts().Scan ?? 0).toBe(0);
  });
});
