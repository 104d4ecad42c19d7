/**
 * Counts DynamoDB API calls by operation with an SDK middleware, for tests and benchmarks that
 * hold the store to a budget ("one delivered SMS costs 4 writes", "nothing ever Scans").
 *
 * The middleware sits in the `initialize` step, which runs once per `client.send()`: it counts
 * calls as the code makes them, not HTTP attempts (SDK retries happen later, in `finalizeRequest`).
 * Document-client commands (`PutCommand`, …) run through the wrapped client's stack under the
 * low-level name, so they count as `PutItem`, `UpdateItem`, … whichever client is passed.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { HandlerExecutionContext, InitializeHandler, InitializeHandlerArguments } from '@smithy/types';

/** Operations that write (and cost write capacity). */
export const WRITE_OPERATIONS: ReadonlySet<string> = new Set([
  'PutItem',
  'UpdateItem',
  'DeleteItem',
  'BatchWriteItem',
  'TransactWriteItems',
]);

/** A running count of the calls made through one client. */
export interface DynamoDbCallCounter {
  /** Calls by operation name (`PutItem`, `Query`, …) since the start or the last reset. */
  counts(): Record<string, number>;
  /** All calls. */
  total(): number;
  /** Calls that write ({@link WRITE_OPERATIONS}). */
  writes(): number;
  /** Starts counting from zero again. */
  reset(): void;
  /** Removes the middleware; the counts stay readable. */
  stop(): void;
}

let counters = 0;

/**
 * Adds a counting middleware to `client` (a plain client, or a document client, which shares
 * the stack of the client it wraps).
 */
export function countDynamoDbCalls(client: DynamoDBClient | DynamoDBDocumentClient): DynamoDbCallCounter {
  const tally = new Map<string, number>();
  const name = `nudge-count-dynamodb-calls-${++counters}`;
  const record = (context: HandlerExecutionContext): void => {
    const operation = String(context.commandName ?? 'unknown').replace(/Command$/, '');
    tally.set(operation, (tally.get(operation) ?? 0) + 1);
  };
  // The two clients type their stacks with different inputs and outputs; one generic middleware
  // serves both without a cast.
  const middleware =
    <Input extends object, Output extends object>(
      next: InitializeHandler<Input, Output>,
      context: HandlerExecutionContext,
    ) =>
    (args: InitializeHandlerArguments<Input>) => {
      record(context);
      return next(args);
    };
  client.middlewareStack.add(middleware, { step: 'initialize', name, priority: 'high' });
  return {
    counts: () => Object.fromEntries([...tally.entries()].sort(([a], [b]) => a.localeCompare(b))),
    total: () => [...tally.values()].reduce((sum, n) => sum + n, 0),
    writes: () => [...tally.entries()].reduce((sum, [op, n]) => sum + (WRITE_OPERATIONS.has(op) ? n : 0), 0),
    reset: () => tally.clear(),
    stop: () => {
      client.middlewareStack.remove(name);
    },
  };
}
