import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { isPermanentFailure } from '../app/ports/adapter-error.ts';

/** A log line from a record handler; `level` defaults to info. */
export type RecordLog = (
  message: string,
  fields: Record<string, unknown>,
  level?: 'debug' | 'info' | 'warn' | 'error',
) => void;

/** What runs around each invocation: the logger's Lambda context, the metrics' flush. */
export interface InvocationScope {
  /** Powertools' `logger.addContext`: request id, function name and cold start on every line. */
  logger?: { addContext(context: Context): void };
  /** Writes what the invocation counted (EMF), whether it ended well or not. */
  metrics?: { flush(): void };
}

/**
 * Processes an SQS batch with Powertools partial batch responses: a record whose handler throws
 * is reported back (and retried by SQS, then dead-lettered); the others are done. Handlers throw
 * only for infrastructure failures; bad input is recorded as rejected and returns normally, so
 * it is never retried forever. Record handlers log their own failures ({@link handleRecordFailures}):
 * Powertools only collects them into the response.
 */
export function createSqsBatchHandler(
  handleRecord: (record: SQSRecord) => Promise<void>,
  scope: InvocationScope = {},
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  return async (event, context) => {
    scope.logger?.addContext(context);
    try {
      return await processPartialResponse(event, handleRecord, processor, { context });
    } finally {
      scope.metrics?.flush();
    }
  };
}

/** How a record handler's failures are told apart and where the permanent ones are recorded. */
export interface RecordFailureOptions {
  log: RecordLog;
  /** The step, at the start of every failure line (`send`, `evaluate`). */
  step: string;
  /**
   * Records a failure that would fail the same way again where people look (the message's
   * status, the rejected events) and returns fields for the log line. If it throws, the record
   * goes back to SQS instead (and finally to the dead-letter queue).
   */
  recordPermanent: (record: SQSRecord, error: unknown) => Promise<Record<string, unknown>>;
}

/**
 * Wraps a record handler so every record it fails is logged, at error level, with its SQS
 * message id, its receive count and the reason (error name, code and message), and then:
 * - a permanent failure (an adapter's `retryable: false`, see isPermanentFailure) is recorded
 *   through `recordPermanent` and the record acknowledged: redelivering it would fail again
 *   until it dead-lettered, and the message would stay `sending` or unexplained meanwhile;
 * - anything else (throttling, a timeout, a bug) is given back to SQS for a retry.
 * The logger masks contact data (mask-pii.ts).
 */
export function handleRecordFailures(
  handleRecord: (record: SQSRecord) => Promise<void>,
  options: RecordFailureOptions,
): (record: SQSRecord) => Promise<void> {
  const { log, step } = options;
  return async (record) => {
    try {
      await handleRecord(record);
    } catch (error) {
      const receiveCount = Number(record.attributes?.ApproximateReceiveCount);
      const fields = {
        sqsMessageId: record.messageId,
        receiveCount: Number.isFinite(receiveCount) ? receiveCount : null,
        reason: describeError(error),
      };
      if (!isPermanentFailure(error)) {
        log(`${step}: record failed, given back to SQS for a retry`, fields, 'error');
        throw error;
      }
      let recorded: Record<string, unknown>;
      try {
        recorded = await options.recordPermanent(record, error);
      } catch (recordError) {
        log(
          `${step}: record failed for good and could not be recorded; given back to SQS`,
          { ...fields, recordFailure: describeError(recordError) },
          'error',
        );
        throw error;
      }
      log(`${step}: record failed for good; recorded and acknowledged`, { ...fields, ...recorded }, 'error');
    }
  };
}

/** An error's name, code and message, for a log line (bounded). */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? ` (${error.code})` : '';
    return `${error.name}${code}: ${error.message}`.slice(0, 1_000);
  }
  return String(error).slice(0, 1_000);
}
