import type { SQSRecord } from 'aws-lambda';
import { type EvaluateDeps, evaluateEvent } from '../app/evaluate-event.ts';
import { logRecordFailures, type RecordLog } from './sqs-batch.ts';

/** Logs one line per event, with counts and reasons; never the payload. */
export type EvaluateLog = RecordLog;

/**
 * The evaluate step for one SQS record: the body is the EventBridge event the rule delivered.
 * A body that is not JSON is evaluated as a string so the engine records it as rejected. A record
 * that fails (throws) is logged with its id and reason, then given back for a retry.
 */
export function evaluateRecordHandler(deps: EvaluateDeps, log: EvaluateLog) {
  return logRecordFailures(handleEvaluateRecord(deps, log), log, 'evaluate');
}

function handleEvaluateRecord(deps: EvaluateDeps, log: EvaluateLog) {
  return async (record: SQSRecord): Promise<void> => {
    let input: unknown = record.body;
    try {
      input = JSON.parse(record.body);
    } catch {
      // kept as the raw string: evaluateEvent rejects it with a reason and records it
    }
    const result = await evaluateEvent(input, deps);
    log(result.rejected === undefined ? 'event evaluated' : 'event rejected', {
      eventId: result.eventId ?? null,
      rejected: result.rejected ?? null,
      planned: result.planned,
      closed: result.closed,
      counted: result.counted,
    });
  };
}
