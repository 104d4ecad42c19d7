import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/** A log line from a record handler; `level` defaults to info. */
export type RecordLog = (
  message: string,
  fields: Record<string, unknown>,
  level?: 'info' | 'warn' | 'error',
) => void;

/**
 * Processes an SQS batch with Powertools partial batch responses: a record whose handler throws
 * is reported back (and retried by SQS, then dead-lettered); the others are done. Handlers throw
 * only for infrastructure failures; bad input is recorded as rejected and returns normally, so
 * it is never retried forever. Record handlers log their own failures ({@link logRecordFailures}):
 * Powertools only collects them into the response.
 */
export function createSqsBatchHandler(
  handleRecord: (record: SQSRecord) => Promise<void>,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  return (event, context) => processPartialResponse(event, handleRecord, processor, { context });
}

/**
 * Wraps a record handler so every record it fails is logged, at error level, with its SQS
 * message id, its receive count and the reason (error name and message), and then given back
 * to the batch unchanged. Without this a throttled call retries, and finally dead-letters,
 * without a line in the logs. The logger masks contact data (mask-pii.ts).
 */
export function logRecordFailures(
  handleRecord: (record: SQSRecord) => Promise<void>,
  log: RecordLog,
  step: string,
): (record: SQSRecord) => Promise<void> {
  return async (record) => {
    try {
      await handleRecord(record);
    } catch (error) {
      const receiveCount = Number(record.attributes?.ApproximateReceiveCount);
      log(
        `${step}: record failed, given back to SQS for a retry`,
        {
          sqsMessageId: record.messageId,
          receiveCount: Number.isFinite(receiveCount) ? receiveCount : null,
          reason: describeError(error),
        },
        'error',
      );
      throw error;
    }
  };
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? ` (${error.code})` : '';
    return `${error.name}${code}: ${error.message}`.slice(0, 1_000);
  }
  return String(error).slice(0, 1_000);
}
