import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoStoreError } from '../../functions/adapters/dynamodb/dynamo-store-error.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import type { DynamoDbEngine } from './local-dynamodb.ts';

/** Logged once per start on dynalite, so nobody waits for old records to disappear. */
export const DYNALITE_TTL_NOTE =
  'dynalite: TTL expiry is not emulated (no UpdateTimeToLive); records stay until `npm start -- --fresh`';

/**
 * {@link createJourneyTable} for the local engines: on dynalite, which has no UpdateTimeToLive
 * (and whose DescribeTimeToLive always answers DISABLED), the table is used without TTL and
 * `log` says so once. Everything else fails as it does on DynamoDB, and DynamoDB Local gets TTL
 * exactly as the deployed table does.
 *
 * @throws {DynamoStoreError} when the table cannot be created or made ACTIVE.
 */
export async function createLocalJourneyTable(
  client: DynamoDBClient,
  tableName: string,
  engine: DynamoDbEngine,
  log: (line: string) => void,
): Promise<void> {
  try {
    await createJourneyTable(client, tableName);
  } catch (error) {
    // The table exists and is ACTIVE by the time UpdateTimeToLive is asked: only TTL is missing.
    const ttlUnsupported =
      engine === 'dynalite' &&
      error instanceof DynamoStoreError &&
      error.operation === 'UpdateTimeToLive' &&
      error.cause instanceof Error &&
      error.cause.name === 'UnknownOperationException';
    if (!ttlUnsupported) throw error;
    log(DYNALITE_TTL_NOTE);
  }
}
