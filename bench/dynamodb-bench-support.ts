/**
 * DynamoDB helpers for the benchmarks that run against DynamoDB Local: request units per call
 * (what on-demand billing counts), DynamoDB Local's own conditional-PutItem ceiling on a fresh
 * table, and the pid of the java child so its peak memory can be read.
 */
import { readdirSync, readFileSync } from 'node:fs';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  PutItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments } from '@smithy/types';
import * as z from 'zod';
import { nowMs } from './report.ts';

/** Operations that accept `ReturnConsumedCapacity`. */
const CAPACITY_OPERATIONS: ReadonlySet<string> = new Set([
  'GetItem',
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'BatchWriteItem',
  'TransactGetItems',
  'TransactWriteItems',
]);

/** Operations whose units are read request units; every other one above consumes write units. */
const READ_OPERATIONS: ReadonlySet<string> = new Set([
  'GetItem',
  'Query',
  'Scan',
  'BatchGetItem',
  'TransactGetItems',
]);

const ConsumedSchema = z.object({ CapacityUnits: z.number().optional() });
const ConsumedListSchema = z.union([ConsumedSchema, z.array(ConsumedSchema)]);

/** Request units consumed through one client since the start or the last reset. */
export interface CapacityTracker {
  /** Read request units (strongly consistent 4 KB = 1, eventually consistent = ½). */
  readUnits(): number;
  /** Write request units, index writes included (1 per KB written to the table and to each GSI). */
  writeUnits(): number;
  /** Calls whose answer carried no ConsumedCapacity (a failed conditional write, an error). */
  unreported(): number;
  reset(): void;
  stop(): void;
}

let trackers = 0;

/**
 * Asks DynamoDB for `ReturnConsumedCapacity: INDEXES` on every call through `client` and sums what
 * it reports. DynamoDB Local reports the units the service would bill, GSI writes included, so
 * this turns a run into on-demand request units without modelling item sizes. It changes nothing
 * else about the requests.
 */
export function trackConsumedCapacity(client: DynamoDBClient | DynamoDBDocumentClient): CapacityTracker {
  let read = 0;
  let write = 0;
  let unreported = 0;
  const name = `nudge-bench-capacity-${++trackers}`;
  // One generic middleware serves the plain and the document client (their stacks are typed
  // differently), as in tests/support/count-dynamodb-calls.ts.
  const middleware =
    <Input extends object, Output extends object>(
      next: InitializeHandler<Input, Output>,
      context: HandlerExecutionContext,
    ) =>
    async (args: InitializeHandlerArguments<Input>) => {
      const operation = String(context.commandName ?? '').replace(/Command$/, '');
      const counted = CAPACITY_OPERATIONS.has(operation);
      if (counted) Reflect.set(args.input, 'ReturnConsumedCapacity', 'INDEXES');
      let result: Awaited<ReturnType<typeof next>>;
      try {
        result = await next(args);
      } catch (error) {
        if (counted) unreported++;
        throw error;
      }
      if (!counted) return result;
      const consumed = ConsumedListSchema.safeParse(Reflect.get(result.output, 'ConsumedCapacity'));
      if (!consumed.success) {
        unreported++;
        return result;
      }
      const units = (Array.isArray(consumed.data) ? consumed.data : [consumed.data]).reduce(
        (sum, entry) => sum + (entry.CapacityUnits ?? 0),
        0,
      );
      if (READ_OPERATIONS.has(operation)) read += units;
      else write += units;
      return result;
    };
  client.middlewareStack.add(middleware, { step: 'initialize', name, priority: 'high' });
  return {
    readUnits: () => read,
    writeUnits: () => write,
    unreported: () => unreported,
    reset: () => {
      read = 0;
      write = 0;
      unreported = 0;
    },
    stop: () => {
      client.middlewareStack.remove(name);
    },
  };
}

/** The settings every benchmark client of DynamoDB Local uses (it accepts any credentials). */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

/** What DynamoDB Local sustains on its own. */
export interface DynamoCeiling {
  concurrency: number;
  putsPerSecond: number;
  measuredSeconds: number;
}

/**
 * Conditional `PutItem`s per second (`attribute_not_exists(PK)`, ~1 KB items, every key new) from
 * `concurrency` clients in a loop, on a fresh table with no index, after a warm-up. One SDK client
 * as in the runtime (same default connection pool), so the figure is the bound the runtime's own
 * client could reach. The table is deleted afterwards.
 */
export async function measureDynamoCeiling(
  endpoint: string,
  concurrency: number,
  options: { warmUpMs: number; measureMs: number },
): Promise<DynamoCeiling> {
  const client = localDynamoClient(endpoint);
  const table = `bench-ceiling-${concurrency}-${Date.now()}`;
  await client.send(
    new CreateTableCommand({
      TableName: table,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'PK', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }],
    }),
  );
  await waitUntilTableExists({ client, maxWaitTime: 30 }, { TableName: table });
  const body = 'x'.repeat(900);
  const started = nowMs();
  const windowStart = started + options.warmUpMs;
  const windowEnd = windowStart + options.measureMs;
  let inWindow = 0;
  const worker = async (id: number) => {
    for (let sequence = 0; nowMs() < windowEnd; sequence++) {
      await client.send(
        new PutItemCommand({
          TableName: table,
          Item: { PK: { S: `k-${id}-${sequence}` }, body: { S: body }, at: { N: String(sequence) } },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      const done = nowMs();
      if (done >= windowStart && done < windowEnd) inWindow++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, id) => worker(id)));
  await client.send(new DeleteTableCommand({ TableName: table }));
  client.destroy();
  return {
    concurrency,
    putsPerSecond: inWindow / (options.measureMs / 1000),
    measuredSeconds: options.measureMs / 1000,
  };
}

/**
 * The pid of this process's java child listening on `port` (DynamoDB Local started by the local
 * runtime, which does not expose it), from /proc; undefined when not found.
 */
export function findDynamoDbLocalPid(port: number): number | undefined {
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  for (const entry of entries) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …": comm may hold spaces, so read after the last ')'.
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== process.pid) continue;
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const portAt = args.indexOf('-port');
      if (portAt !== -1 && args[portAt + 1] === String(port)) return Number(entry);
    } catch {
      // The process ended while we looked: not ours to report.
    }
  }
  return undefined;
}
