/**
 * Which tables sit on a server without TransactWriteItems: dynalite, the `npm start` fallback
 * when Java is missing, answers it with UnknownOperationException. DynamoDB and DynamoDB Local
 * take transactions; the writers that use one fall back to their writes one after the other
 * where a table is found here (each says what that costs).
 */
import type { DynamoTable } from './dynamo-table.ts';

const noTransactions = new WeakSet<DynamoTable>();

/** Whether `table` was found on a server without transactions. */
export function transactionsUnsupported(table: DynamoTable): boolean {
  return noTransactions.has(table);
}

/**
 * True, and `table` remembered, when `error` (or the store error wrapping it) is the server
 * saying it has no TransactWriteItems.
 */
export function noteTransactionsUnsupported(table: DynamoTable, error: unknown): boolean {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const unsupported = [error, cause].some(
    (candidate) => candidate instanceof Error && candidate.name === 'UnknownOperationException',
  );
  if (unsupported) noTransactions.add(table);
  return unsupported;
}
