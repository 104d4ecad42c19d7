// The one classification of AWS SDK errors (aws-errors.ts, through @smithy/core/retry) against
// the errors the SDK itself builds. Expected values are the service documentation's, not the
// code's: DynamoDB's "Error handling" table (ProvisionedThroughputExceeded, RequestLimitExceeded,
// ThrottlingException, InternalServerError, TransactionConflict: retry; ValidationException,
// ResourceNotFound, ConditionalCheckFailed: fix the request) and Node's network errnos.
import {
  ConditionalCheckFailedException,
  DynamoDBServiceException,
  InternalServerError,
  ProvisionedThroughputExceededException,
  RequestLimitExceeded,
  ResourceNotFoundException,
  ThrottlingException,
  TransactionConflictException,
} from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { awsCodeOf, isRetryableAwsError } from '../../../functions/adapters/aws-errors.ts';
import {
  DynamoStoreError,
  isRetryableDynamoError,
} from '../../../functions/adapters/dynamodb/dynamo-store-error.ts';
import { AdapterError, isPermanentFailure } from '../../../functions/app/ports/adapter-error.ts';

const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode, requestId: 'r-1', attempts: 3 } });

/** DynamoDB's unmodeled ValidationException, as the SDK deserialises it (a service exception named so). */
function validationException(): DynamoDBServiceException {
  return new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    message: 'One or more parameter values were invalid',
    ...meta(400),
  });
}

function errno(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

describe('isRetryableAwsError (the SDK classification)', () => {
  it.each([
    [
      'ProvisionedThroughputExceededException',
      () => new ProvisionedThroughputExceededException({ message: 'slow down', ...meta(400) }),
    ],
    ['RequestLimitExceeded', () => new RequestLimitExceeded({ message: 'account limit', ...meta(400) })],
    ['ThrottlingException', () => new ThrottlingException({ message: 'throttled', ...meta(400) })],
    ['InternalServerError', () => new InternalServerError({ message: 'oops', ...meta(500) })],
    ['ECONNRESET', () => errno('ECONNRESET')],
    ['ETIMEDOUT', () => errno('ETIMEDOUT')],
  ])('%s may pass with time', (_name, build) => {
    expect(isRetryableAwsError(build())).toBe(true);
  });

  it.each([
    ['ValidationException', validationException],
    ['ResourceNotFoundException', () => new ResourceNotFoundException({ message: 'no table', ...meta(400) })],
    [
      'ConditionalCheckFailedException',
      () => new ConditionalCheckFailedException({ message: 'no', ...meta(400) }),
    ],
    ['a plain TypeError', () => new TypeError('x is undefined')],
  ])('%s fails the same way again', (_name, build) => {
    expect(isRetryableAwsError(build())).toBe(false);
  });

  it('DynamoDB adds its transaction conflict, which the SDK does not list', () => {
    const conflict = new TransactionConflictException({ message: 'conflict', ...meta(400) });
    expect(isRetryableAwsError(conflict)).toBe(false);
    expect(isRetryableDynamoError(conflict)).toBe(true);
  });

  it('reads the code of an SDK error and of a Node errno', () => {
    expect(awsCodeOf(validationException())).toBe('ValidationException');
    expect(awsCodeOf(errno('EPIPE'))).toBe('EPIPE');
    expect(awsCodeOf('not an error')).toBeUndefined();
  });
});

describe('AdapterError', () => {
  it('every adapter error is one, and only an explicit retryable: false is permanent', () => {
    const store = new DynamoStoreError('PutItem failed', { operation: 'PutItem', retryable: false });
    expect(store).toBeInstanceOf(AdapterError);
    expect(isPermanentFailure(store)).toBe(true);
    expect(isPermanentFailure(new AdapterError('throttled', { retryable: true }))).toBe(false);
    // A bug or an unknown failure goes back to the queue (and to the DLQ), never failed for good.
    expect(isPermanentFailure(new TypeError('x is undefined'))).toBe(false);
    expect(isPermanentFailure('a string')).toBe(false);
  });
});
