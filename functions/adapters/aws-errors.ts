/**
 * One reading of the errors the AWS SDK v3 clients throw, for every adapter: the SDK's own
 * classification (`@smithy/core/retry`, what its retry strategy uses) decides whether a failure
 * may pass with time. No adapter keeps its own list of throttling names and errno codes.
 */
import {
  isClockSkewError,
  isRetryableByTrait,
  isServerError,
  isThrottlingError,
  isTransientError,
} from '@smithy/core/retry';
import type { SdkError } from '@smithy/types';

/**
 * Whether an AWS SDK error is worth another try later: throttling (429, the SDK's throttling
 * names, `$retryable.throttling`), a transient fault (5xx 500/502/503/504, timeouts, Node
 * network errors, `$retryable`), any other 5xx or `$fault: 'server'`, or a clock-skew code.
 * The clock-skew list holds `AccessDeniedException`, a deployment fault: counting it retryable
 * sends the record back to the queue and on to the dead-letter queue, to be redriven once the
 * permission is fixed, rather than failing messages for good. `alsoRetryable` names a service's
 * own transient errors the SDK does not list (DynamoDB's `TransactionConflictException`). The
 * SDK has already retried with backoff by then, so `true` means "later", not "now".
 */
export function isRetryableAwsError(error: unknown, alsoRetryable: ReadonlySet<string> = NONE): boolean {
  if (!(error instanceof Error)) return false;
  if (alsoRetryable.has(error.name)) return true;
  const sdkError = sdkErrorOf(error);
  return (
    isThrottlingError(sdkError) ||
    isTransientError(sdkError) ||
    isServerError(sdkError) ||
    isRetryableByTrait(sdkError) ||
    isClockSkewError(sdkError) ||
    ('$fault' in error && error.$fault === 'server')
  );
}

const NONE: ReadonlySet<string> = new Set();

/** The error as the SDK's classifiers read it: their type wants `cause` to be an Error or absent. */
function sdkErrorOf(error: Error): SdkError {
  if (hasErrorCause(error)) return error;
  return Object.assign(new Error(error.message), error, { name: error.name, cause: undefined });
}

function hasErrorCause(error: Error): error is SdkError {
  return error.cause === undefined || error.cause instanceof Error;
}

/** The AWS error code of an SDK error (its `name`), or a Node errno (`ECONNRESET` …) below it. */
export function awsCodeOf(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  if (error.name !== 'Error') return error.name;
  return 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}
