import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDynamoStores } from '../functions/adapters/dynamodb/dynamo-stores.ts';
import type { Stores } from '../functions/app/ports/stores.ts';
import { startLocalDynamoDb } from '../local/dynamodb/local-dynamodb.ts';
import { createLocalJourneyTable } from '../local/dynamodb/local-journey-table.ts';
import { readRuntimeFile } from '../local/runtime/runtime-file.ts';
import { LOCAL_CREDENTIALS, TABLE } from '../local/runtime/start-storage.ts';

/** How a CLI command that reads or writes Nudge's records says which table. */
export interface StoreTargetOptions {
  /** A deployed stack's journey table (AWS, default credential chain and region). */
  table?: string;
  region?: string;
  /** The local runtime's data directory (default `.nudge`). */
  dataDir?: string;
}

/** The stores a CLI command works on, where they are, and how to let go of them. */
export interface StoreTarget {
  stores: Stores;
  client: DynamoDBClient;
  tableName: string;
  /** For messages: `table nudge-prod (eu-north-1)` or `the local runtime's table`. */
  where: string;
  close(): Promise<void>;
}

/**
 * Opens the journey table a CLI command works on: with `--table`, the deployed one in AWS;
 * otherwise the local one — through the running `nudge start` when there is one (its
 * `<dataDir>/runtime.json`), else by starting DynamoDB Local on the same data directory for the
 * length of the command.
 */
export async function openStoreTarget(options: StoreTargetOptions): Promise<StoreTarget> {
  if (options.table !== undefined) {
    const client = new DynamoDBClient(options.region === undefined ? {} : { region: options.region });
    const region = await client.config.region();
    return target(client, options.table, `table ${options.table} (${region})`, async () => client.destroy());
  }
  const dataDir = resolve(options.dataDir ?? '.nudge');
  const running = readRuntimeFile(dataDir);
  if (running !== undefined) {
    const client = localClient(running.dynamodbEndpoint);
    return target(client, running.tableName, `the running local runtime's table (${dataDir})`, async () =>
      client.destroy(),
    );
  }
  const dynamo = await startLocalDynamoDb({ engine: 'auto', dataDir });
  const client = localClient(dynamo.endpoint);
  await createLocalJourneyTable(client, TABLE, dynamo.engine, () => undefined);
  return target(client, TABLE, `the local table in ${dataDir}`, async () => {
    client.destroy();
    await dynamo.stop();
  });
}

function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'eu-north-1', credentials: LOCAL_CREDENTIALS });
}

function target(
  client: DynamoDBClient,
  tableName: string,
  where: string,
  close: () => Promise<void>,
): StoreTarget {
  return { stores: createDynamoStores({ tableName, client }), client, tableName, where, close };
}

/** Adds `--table`, `--region` and `--data-dir` to a command. */
export function storeTargetOptions<T extends { option(flags: string, description: string): T }>(
  command: T,
): T {
  return command
    .option(
      '--table <name>',
      "a deployed stack's journey table (AWS credentials and region from the environment)",
    )
    .option('--region <region>', 'AWS region of --table (default: from the environment)')
    .option('--data-dir <dir>', "the local runtime's data directory (default .nudge)");
}
