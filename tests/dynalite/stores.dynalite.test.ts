import { randomBytes } from 'node:crypto';
import { DescribeTimeToLiveCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import { type Dynalite, startDynalite } from '../../local/dynamodb/dynalite-server.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { createLocalJourneyTable, DYNALITE_TTL_NOTE } from '../../local/dynamodb/local-journey-table.ts';
import { contractClock } from '../support/store-contract-fixtures.ts';
import { describeStoreContracts } from '../support/store-contracts.ts';

// The fallback of `npm start` without Java: the same stores, on dynalite instead of DynamoDB Local.
// Every store port's contract runs here so a difference between the two servers shows up as a
// failing test, not as a surprise in somebody's local run. (The integration tier, which proves the
// stores against DynamoDB Local, still needs Java.)
let server: Dynalite;
let client: DynamoDBClient;

beforeAll(async () => {
  server = await startDynalite();
  client = new DynamoDBClient(dynamoDbLocalClientConfig(server.endpoint));
});

afterAll(async () => {
  client.destroy();
  await server.stop();
});

async function newTable(): Promise<string> {
  const tableName = `contract-${randomBytes(6).toString('hex')}`;
  await createLocalJourneyTable(client, tableName, 'dynalite', () => undefined);
  return tableName;
}

describeStoreContracts('DynamoDB stores on dynalite', async () =>
  createDynamoStores({ tableName: await newTable(), client, clock: contractClock }),
);

describe('the journey table on dynalite', () => {
  test('is created without TTL, which dynalite lacks, and the caller is told once', async () => {
    const lines: string[] = [];
    const tableName = `ttl-${randomBytes(6).toString('hex')}`;

    await createLocalJourneyTable(client, tableName, 'dynalite', (line) => lines.push(line));
    await createLocalJourneyTable(client, tableName, 'dynalite', (line) => lines.push(line));

    const ttl = await client.send(new DescribeTimeToLiveCommand({ TableName: tableName }));
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('DISABLED');
    expect(lines).toEqual([DYNALITE_TTL_NOTE, DYNALITE_TTL_NOTE]); // once per table setup
  });

  test('the missing UpdateTimeToLive is tolerated only for dynalite: as DynamoDB Local it is an error', async () => {
    const tableName = `strict-${randomBytes(6).toString('hex')}`;

    await expect(createJourneyTable(client, tableName)).rejects.toMatchObject({
      name: 'DynamoStoreError',
      operation: 'UpdateTimeToLive',
    });
    await expect(
      createLocalJourneyTable(client, tableName, 'dynamodb-local', () => undefined),
    ).rejects.toMatchObject({ operation: 'UpdateTimeToLive' });
  });
});
