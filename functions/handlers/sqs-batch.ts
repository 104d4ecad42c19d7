import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';

/**
 * Processes an SQS batch with Powertools partial batch responses: a record whose handler throws
 * is reported back (and retried by SQS, then dead-lettered); the others are done. Handlers throw
 * only for infrastructure failures; bad input is recorded as rejected and returns normally, so
 * it is never retried forever.
 */
export function createSqsBatchHandler(
  handleRecord: (record: SQSRecord) => Promise<void>,
): (event: SQSEvent, context: Context) => Promise<SQSBatchResponse> {
  const processor = new BatchProcessor(EventType.SQS);
  return (event, context) => processPartialResponse(event, handleRecord, processor, { context });
}
