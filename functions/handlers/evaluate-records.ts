import type { SQSRecord } from 'aws-lambda';
import { type EvaluateDeps, type EvaluationResult, evaluateEvent } from '../app/evaluate-event.ts';
import { type Metrics, metricReason, noMetrics } from '../app/ports/metrics.ts';
import { describeError, handleRecordFailures, type RecordLog } from './sqs-batch.ts';

/** Logs one line per event, with counts and reasons; never the payload. */
export type EvaluateLog = RecordLog;

/** Raw input kept with a rejection recorded here (as evaluate-event.ts keeps it). */
const MAX_RAW = 8_000;

/**
 * The evaluate step for one SQS record: the body is the EventBridge event the rule delivered.
 * A body that is not JSON is evaluated as a string so the engine records it as rejected. Every
 * failed record is logged with its id and reason. A permanent failure (an adapter's
 * `retryable: false`) is recorded as a rejected event (reason `permanent-error: …`, in the
 * console's rejected list) and the record acknowledged; any other failure goes back to the
 * queue. Counted in `metrics`: EventsReceived, EventsMatched, EventsRejected, MessagesPlanned,
 * MessagesSuppressed.
 */
export function evaluateRecordHandler(deps: EvaluateDeps, log: EvaluateLog, metrics: Metrics = noMetrics) {
  return handleRecordFailures(handleEvaluateRecord(deps, log, metrics), {
    log,
    step: 'evaluate',
    recordPermanent: async (record, error) => {
      const input = parsed(record.body);
      const id = typeof input === 'object' && input !== null && 'id' in input ? input.id : undefined;
      const eventId = typeof id === 'string' ? id.slice(0, 256) : undefined;
      await deps.rejected.recordRejected({
        receivedAt: deps.clock.now().toUTC().toISO() ?? '',
        reason: `permanent-error: ${describeError(error)}`,
        ...(eventId === undefined ? {} : { eventId }),
        raw: record.body.slice(0, MAX_RAW),
      });
      metrics.add('EventsRejected', { reason: 'permanent-error' });
      return { eventId: eventId ?? null, recorded: 'rejected' };
    },
  });
}

function handleEvaluateRecord(deps: EvaluateDeps, log: EvaluateLog, metrics: Metrics) {
  return async (record: SQSRecord): Promise<void> => {
    const result = await evaluateEvent(parsed(record.body), deps);
    countEvaluation(result, metrics);
    const fields = {
      eventId: result.eventId ?? null,
      rejected: result.rejected ?? null,
      planned: result.planned,
      closed: result.closed,
      counted: result.counted,
    };
    if (result.rejected !== undefined) log('event rejected', fields, 'warn');
    else log('event evaluated', fields, matched(result) ? 'info' : 'debug');
  };
}

/** The body as JSON, or the raw string (evaluateEvent rejects it with a reason and records it). */
function parsed(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return body;
  }
}

function matched(result: EvaluationResult): boolean {
  return result.planned.length + result.closed.length + result.counted.length > 0;
}

/**
 * Counts one evaluated event: EventsReceived, then EventsRejected (by class) or EventsMatched,
 * MessagesPlanned and MessagesSuppressed (by reason). The local runtime counts with it too.
 */
export function countEvaluation(result: EvaluationResult, metrics: Metrics): void {
  metrics.add('EventsReceived');
  if (result.rejected !== undefined) {
    metrics.add('EventsRejected', { reason: rejectionClass(result.rejected) });
    return;
  }
  if (matched(result)) metrics.add('EventsMatched');
  for (const planned of result.planned) {
    if (planned.outcome === 'scheduled') metrics.add('MessagesPlanned');
    else metrics.add('MessagesSuppressed', { reason: metricReason(planned.reason ?? planned.outcome) });
  }
}

/**
 * A rejection's class for the metric's `reason` (the full text is on the rejected record): an
 * event time too far ahead of its arrival (evaluate-event.ts futureTimeProblem), or an event
 * that is not a valid journey event (not JSON, a missing or wrong field, too large).
 */
function rejectionClass(reason: string): 'future-time' | 'invalid-event' {
  return /min after its arrival/.test(reason) ? 'future-time' : 'invalid-event';
}
