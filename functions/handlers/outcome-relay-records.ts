import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { OutcomePublishError } from '../adapters/eventbridge/eventbridge-outcome-publisher.ts';
import { decodeQueuedOutcomes } from '../adapters/sqs/sqs-outcome-queue.ts';
import type { OutcomePublisher } from '../app/ports.ts';
import type { OutcomeEvent } from '../core/outcomes/outcome-events.ts';
import { describeError, type RecordLog } from './sqs-batch.ts';

/**
 * The relay of queued outcome events (the webhook's, functions/adapters/sqs/sqs-outcome-queue.ts)
 * onto the bus: every event of an SQS batch in one `publish`, so PutEvents goes in calls of up to
 * 10 entries. A record is reported failed (SQS gives it back, then dead-letters it) when its body
 * cannot be read or any of its events did not reach the bus; the others are done. A retried
 * record puts again the events of it that did go out: outcome events are at least once, as a
 * provider's retried callback already makes them.
 */
export function relayOutcomeBatch(deps: {
  publisher: OutcomePublisher;
  log: RecordLog;
}): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const failed = new Set<string>();
    const queued: Array<{ sqsMessageId: string; event: OutcomeEvent }> = [];
    for (const record of event.Records) {
      const decoded = decodeQueuedOutcomes(record.body);
      if (!decoded.ok) {
        deps.log(
          'outcome relay: queued body rejected; given back to SQS until it dead-letters',
          { sqsMessageId: record.messageId, reason: decoded.reason },
          'error',
        );
        failed.add(record.messageId);
        continue;
      }
      for (const outcome of decoded.events) queued.push({ sqsMessageId: record.messageId, event: outcome });
    }
    if (queued.length > 0) {
      try {
        await deps.publisher.publish(queued.map((q) => q.event));
      } catch (error) {
        const notOut =
          error instanceof OutcomePublishError
            ? error.failures.flatMap((f) => queued[f.index] ?? [])
            : queued;
        for (const q of notOut) failed.add(q.sqsMessageId);
        deps.log(
          'outcome relay: events not put on the bus; their records given back to SQS',
          {
            events: notOut.length,
            records: new Set(notOut.map((q) => q.sqsMessageId)).size,
            reason: describeError(error),
          },
          'error',
        );
      }
    }
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
