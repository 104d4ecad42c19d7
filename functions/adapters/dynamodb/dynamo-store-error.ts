import { AdapterError } from '../../app/ports/adapter-error.ts';
import { isRetryableAwsError } from '../aws-errors.ts';

/** Why a {@link DynamoStoreError} was thrown, for callers that branch on it. */
export const DynamoStoreErrorCode = {
  /** DynamoDB refused or could not be reached; see `cause`. */
  Request: 'Request',
  /** An item read back does not have the shape this store writes (hand-edited, or another writer). */
  InvalidItem: 'InvalidItem',
  /** A `listMessages` cursor this store did not issue. */
  InvalidCursor: 'InvalidCursor',
  /** The caller passed something the table cannot key on (e.g. a timestamp that is not ISO). */
  InvalidInput: 'InvalidInput',
  /** BatchGetItem kept returning unprocessed keys (sustained throttling). */
  Unprocessed: 'Unprocessed',
  /** The write would make the item larger than DynamoDB's 400 KB (the port's `RECORD_TOO_LARGE`). */
  RecordTooLarge: 'RecordTooLarge',
} as const;
export type DynamoStoreErrorCode = (typeof DynamoStoreErrorCode)[keyof typeof DynamoStoreErrorCode];

/**
 * Anything the DynamoDB journey store could not do, other than a failed condition (those are
 * answers: 'exists', undefined, 'duplicate', …). An {@link AdapterError}: `retryable` says
 * whether the same call may succeed later (throttling, a 5xx, a timeout), so a handler lets SQS
 * redeliver it, or records the failure and acknowledges the record.
 */
export class DynamoStoreError extends AdapterError {
  override readonly name = 'DynamoStoreError';
  declare readonly code: DynamoStoreErrorCode;
  /** The DynamoDB operation, e.g. `UpdateItem`. */
  readonly operation: string;

  constructor(
    message: string,
    options: { operation: string; retryable: boolean; code?: DynamoStoreErrorCode; cause?: unknown },
  ) {
    super(message, {
      retryable: options.retryable,
      code: options.code ?? DynamoStoreErrorCode.Request,
      cause: options.cause,
    });
    this.operation = options.operation;
  }
}

/**
 * DynamoDB's own transient errors that the SDK's classification does not list: a transaction
 * that collided with another one on the same item passes with time.
 */
const DYNAMODB_RETRYABLE: ReadonlySet<string> = new Set(['TransactionConflictException']);

/**
 * Whether an error from DynamoDB is worth retrying, by the SDK's own classification
 * ({@link isRetryableAwsError}) plus {@link DYNAMODB_RETRYABLE}.
 */
export function isRetryableDynamoError(error: unknown): boolean {
  return isRetryableAwsError(error, DYNAMODB_RETRYABLE);
}

/** DynamoDB's refusal of a write that would make an item larger than 400 KB. */
function isItemSizeError(error: unknown): boolean {
  return error instanceof Error && error.name === 'ValidationException' && /item size/i.test(error.message);
}

/** Whether DynamoDB refused a write because its condition did not hold (an answer, not a fault). */
export function isConditionFailure(error: unknown): boolean {
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/**
 * Runs one SDK call on `tableName`. A failed condition is rethrown as it is (the caller turns it
 * into an answer); anything else becomes a {@link DynamoStoreError} with the operation, the table,
 * whether a retry may help, and `RecordTooLarge` for DynamoDB's item-size refusal.
 */
export async function callDynamo<T>(tableName: string, operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (isConditionFailure(error)) throw error;
    const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new DynamoStoreError(`${operation} on table ${tableName} failed: ${detail}`, {
      operation,
      retryable: isRetryableDynamoError(error),
      cause: error,
      ...(isItemSizeError(error) ? { code: DynamoStoreErrorCode.RecordTooLarge } : {}),
    });
  }
}
