import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordAccesses } from '../../../bench/capacity/access-recorder.ts';
import { createJourneyTable } from '../../../functions/adapters/dynamodb/table-design.ts';
import { dynamoDbLocalClientConfig } from '../../../local/dynamodb/dynamodb-local.ts';
import { createTestTableName } from '../../support/dynamodb-test-server.ts';

// The capacity model's input: every DynamoDB call booked on the partition it lands on, with the
// units DynamoDB Local reports, index writes per index. The items below are written by hand, so
// which indexes each one enters is known from the item itself, not from the recorder.
const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
const documents = DynamoDBDocumentClient.from(client);
const tableName = createTestTableName('capacity');

beforeAll(async () => {
  await createJourneyTable(client, tableName);
});

afterAll(async () => {
  await client.send(new DeleteTableCommand({ TableName: tableName }));
  client.destroy();
});

describe('the access recorder of the capacity model', () => {
  it('books an item write on its table partition and one write on each index the item enters', async () => {
    // Arrange
    const recorder = recordAccesses(client);
    // A message as created: in `timeline` and `outbox`, not in `lifecycle` or `address` (no sentAt).
    const item = {
      PK: 'MSG#m-1',
      SK: 'MSG',
      timelinePK: 'CUST#c-1',
      timelineSK: '2026-11-24T09:00:00.000Z#MSG#m-1',
      outboxPK: 'OUTBOX#2026-11',
      outboxSK: '2026-11-24T09:00:00.000Z#m-1',
      to: '+46705550001',
    };

    // Act
    await documents.send(new PutCommand({ TableName: tableName, Item: item }));
    recorder.stop();

    // Assert
    const accesses = recorder.accesses(1);
    expect(accesses.map((a) => `${a.target} ${a.op} ${a.calls} ${a.units}`).sort()).toEqual([
      'index:outbox write 1 1',
      'index:timeline write 1 1',
      'table:MSG write 1 1',
    ]);
    expect(recorder.operations(1)).toEqual({ PutItem: 1 });
  });

  it('books each key of a BatchGetItem on its own partition, and flags a COUNT over a range', async () => {
    // Arrange
    const recorder = recordAccesses(client);

    // Act: two suppressions that do not exist (a read still costs a unit each), then a window count.
    await documents.send(
      new BatchGetCommand({
        RequestItems: {
          [tableName]: {
            Keys: [
              { PK: 'ADDR#sms#+46705550001', SK: 'SUPPRESSION' },
              { PK: 'ADDR#email#a@example.se', SK: 'SUPPRESSION' },
            ],
            ConsistentRead: true,
          },
        },
      }),
    );
    await documents.send(
      new QueryCommand({
        TableName: tableName,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': 'THRESHOLD#spike#HOT', ':from': 'a', ':to': 'z' },
        Select: 'COUNT',
        ConsistentRead: true,
      }),
    );
    recorder.stop();

    // Assert
    expect(
      recorder.accesses(1).map((a) => `${a.target} ${a.op} ${a.calls} ${a.units} ${a.windowCount}`),
    ).toEqual(['table:ADDR read 2 2 false', 'table:THRESHOLD read 1 1 true']);
  });

  it('books each item of a TransactWriteItems on its own partition (a message write with its rule counter)', async () => {
    // Arrange
    const recorder = recordAccesses(client);

    // Act: a message created together with one shard of its rule's daily counter (issue 13).
    await documents.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: tableName,
              Item: {
                PK: 'MSG#m-tx',
                SK: 'MSG',
                outboxPK: 'OUTBOX#2026-11',
                outboxSK: '2026-11-24T09:00:00.000Z#m-tx',
              },
            },
          },
          {
            Update: {
              TableName: tableName,
              Key: { PK: 'STATS#rule#3', SK: 'DAY#2026-11-24' },
              UpdateExpression: 'ADD planned :one',
              ExpressionAttributeValues: { ':one': 1 },
            },
          },
        ],
      }),
    );
    recorder.stop();

    // Assert: both partitions and the index the message enters are booked, one call each.
    const accesses = recorder.accesses(1);
    expect(accesses.map((a) => `${a.target} ${a.op} ${a.calls}`).sort()).toEqual([
      'index:outbox write 1',
      'table:MSG write 1',
      'table:STATS write 1',
    ]);
    // A transaction costs two write units per item of up to 1 KB: 4 for the two, shared evenly.
    const tableUnits = accesses.filter((a) => a.target.startsWith('table:')).map((a) => a.units);
    expect(tableUnits).toEqual([2, 2]);
    expect(recorder.operations(1)).toEqual({ TransactWriteItems: 1 });
  });
});
