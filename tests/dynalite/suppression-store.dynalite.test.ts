import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { DynamoSuppressionStore } from '../../functions/adapters/dynamodb/dynamo-suppression-store.ts';
import { type Dynalite, startDynalite } from '../../local/dynamodb/dynalite-server.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { createLocalJourneyTable } from '../../local/dynamodb/local-journey-table.ts';
import { describeSuppressionStoreContract } from '../support/suppression-store-contract.ts';

// `npm start` without Java runs on dynalite: the suppression contract must hold there too.
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

describeSuppressionStoreContract('DynamoSuppressionStore on dynalite', async () => {
  const tableName = `suppr-${randomBytes(6).toString('hex')}`;
  await createLocalJourneyTable(client, tableName, 'dynalite', () => undefined);
  return new DynamoSuppressionStore({ tableName, client });
});
