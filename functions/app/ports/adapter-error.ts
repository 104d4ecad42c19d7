/**
 * The one error type adapters throw when their vendor (DynamoDB, SQS, Scheduler, EventBridge, …)
 * failed. A use case or a handler reads `retryable` to choose between "try again later" (the SQS
 * record goes back to the queue) and "this will fail the same way every time" (the failure is
 * recorded and the record acknowledged). Each adapter keeps its own subclass (its `name`, and
 * what it adds: the operation, the failed entries), so logs still say where it came from.
 */
export class AdapterError extends Error {
  override name = 'AdapterError';
  /** Whether the same call may succeed later (throttling, a service fault, a timeout). */
  readonly retryable: boolean;
  /** The adapter's or the vendor's code for what went wrong, when there is one. */
  readonly code: string | undefined;

  constructor(message: string, options: { retryable: boolean; code?: string | undefined; cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.retryable = options.retryable;
    this.code = options.code;
  }
}

/**
 * Whether a failure is permanent: an error that says `retryable: false` ({@link AdapterError},
 * or an app error that states it). Anything else, a bug included, counts as retryable: the
 * queue brings it back and finally dead-letters it, where it can be redriven once fixed,
 * instead of being failed for good.
 */
export function isPermanentFailure(error: unknown): boolean {
  return error instanceof Error && 'retryable' in error && error.retryable === false;
}
