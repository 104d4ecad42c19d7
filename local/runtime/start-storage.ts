import { rmSync } from 'node:fs';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DateTime } from 'luxon';
import { createDynamoClient } from '../../functions/adapters/dynamodb/dynamo-client.ts';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import type {
  ControllableClock,
  LocalSendScheduler,
} from '../../functions/adapters/scheduler/local-send-scheduler.ts';
import type { MessageRecord } from '../../functions/app/message-record.ts';
import type { ConsoleQueries } from '../../functions/app/ports/console-queries.ts';
import {
  type DynamoDbEngineChoice,
  localDynamoDbDataDirs,
  startLocalDynamoDb,
} from '../dynamodb/local-dynamodb.ts';
import { createLocalJourneyTable } from '../dynamodb/local-journey-table.ts';

/** The journey table in the local DynamoDB. */
export const TABLE = 'nudge-local';
/** What the SDK clients of the local runtime sign with (the local servers accept anything). */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };

type Stops = Array<() => Promise<void>>;

/**
 * DynamoDB Local (or dynalite): persisted in dataDir unless --fresh wipes it, for both engines,
 * so switching engines after --fresh never finds the other one's old data. Then the journey
 * table and the stores on it.
 */
export async function startStorage(
  options: { dataDir?: string; fresh?: boolean; dynamodb?: DynamoDbEngineChoice },
  clock: ControllableClock,
  log: (line: string) => void,
  stops: Stops,
) {
  if (options.fresh === true && options.dataDir !== undefined) {
    for (const dir of Object.values(localDynamoDbDataDirs(options.dataDir)))
      rmSync(dir, { recursive: true, force: true });
  }
  const dynamo = await startLocalDynamoDb({
    engine: options.dynamodb ?? 'auto',
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
  });
  stops.push(() => dynamo.stop());
  if (dynamo.notice !== undefined) log(dynamo.notice);
  const dynamoClient = createDynamoClient({
    endpoint: dynamo.endpoint,
    region: 'eu-north-1',
    credentials: LOCAL_CREDENTIALS,
  });
  // Stopped before the server (stops run in reverse): no keep-alive socket holds dynalite's close.
  stops.push(async () => dynamoClient.destroy());
  const firstStart = !(await tableExists(dynamoClient));
  await createLocalJourneyTable(dynamoClient, TABLE, dynamo.engine, log);
  const stores = createDynamoStores({ tableName: TABLE, client: dynamoClient, clock });
  return { dynamo, dynamoClient, firstStart, stores };
}

async function tableExists(client: DynamoDBClient): Promise<boolean> {
  try {
    await client.send(new DescribeTableCommand({ TableName: TABLE }));
    return true;
  } catch {
    return false;
  }
}

/** Messages scheduled before a restart live in DynamoDB: gives them back to the scheduler. */
export async function restoreSchedules(
  queries: ConsoleQueries,
  scheduler: LocalSendScheduler,
): Promise<number> {
  let cursor: string | undefined;
  let restored = 0;
  do {
    const page: { items: MessageRecord[]; cursor?: string } = await queries.listMessages({
      limit: 100,
      ...(cursor === undefined ? {} : { cursor }),
    });
    for (const record of page.items) {
      if (record.status !== 'scheduled') continue;
      await scheduler.schedule(record.messageId, DateTime.fromISO(record.sendAt, { zone: 'utc' }));
      restored++;
    }
    cursor = page.cursor;
  } while (cursor !== undefined);
  return restored;
}
