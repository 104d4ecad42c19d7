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
 * answers: 'exists', undefined, 'duplicate', …). `retryable` says whether the same call may
 * succeed later (throttling, a 5xx, a timeout), so a handler can let SQS redeliver instead of
 * dead-lettering.
 */
export class DynamoStoreError extends Error {
  override readonly name = 'DynamoStoreError';
  readonly code: DynamoStoreErrorCode;
  /** The DynamoDB operation, e.g. `UpdateItem`. */
  readonly operation: string;
  readonly retryable: boolean;

  constructor(
    message: string,
    options: { operation: string; retryable: boolean; code?: DynamoStoreErrorCode; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.operation = options.operation;
    this.retryable = options.retryable;
    this.code = options.code ?? DynamoStoreErrorCode.Request;
  }
}

/** Error names DynamoDB (or the network under it) uses for conditions that pass with time. */
const RETRYABLE_NAMES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'LimitExceededException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Network failures below the SDK, which reach us with a Node error code. */
const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
]);

/**
 * Whether an error from the AWS SDK is worth retrying: the SDK's own `$retryable` mark, a 5xx
 * fault, a throttling or timeout name, or a network error code. The SDK has already retried
 * with backoff by then, so `true` means "later", not "now".
 */
export function isRetryableAwsError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (RETRYABLE_NAMES.has(error.name)) return true;
  if ('$retryable' in error && error.$retryable !== undefined && error.$retryable !== null) return true;
  if ('$fault' in error && error.$fault === 'server') return true;
  return 'code' in error && typeof error.code === 'string' && RETRYABLE_CODES.has(error.code);
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
      retryable: isRetryableAwsError(error),
      cause: error,
      ...(isItemSizeError(error) ? { code: DynamoStoreErrorCode.RecordTooLarge } : {}),
    });
  }
}
