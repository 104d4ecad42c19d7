import { performance } from 'node:perf_hooks';
import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { OutcomePublishError } from '../adapters/eventbridge/eventbridge-outcome-publisher.ts';
import { type Metrics, metricReason, noMetrics } from '../app/ports/metrics.ts';
import type { ChannelSender, OutcomePublisher } from '../app/ports.ts';
import { recordSendFailure } from '../app/record-send-failure.ts';
import { type SendDeps, sendMessage } from '../app/send-message.ts';
import type { SendOutcome } from '../app/send-outcome.ts';
import type { OutcomeEvent } from '../core/outcomes/outcome-events.ts';
import type { Channel } from '../core/rules/rule-schema.ts';
import { handleRecordFailures, type RecordLog } from './sqs-batch.ts';

const SendRequestSchema = z.object({ messageId: z.string().min(1) });

/** The reason a message failed for good because an adapter call would fail again (metrics: closed set). */
const PERMANENT_ERROR = 'permanent-error';

/**
 * The send step for one SQS record `{"messageId": "…"}` (from the evaluate step or a schedule).
 * Every failed record is logged with its id and reason. A permanent failure (an adapter's
 * `retryable: false`) is recorded on the message (`failed`, reason `permanent-error`) and the
 * record acknowledged; any other failure goes back to the queue. Outcomes are counted in
 * `metrics` (MessagesSent, MessagesFailed, MessagesSuppressed, ProviderLatency).
 */
export function sendRecordHandler(
  deps: SendDeps,
  log: RecordLog,
  metrics: Metrics = noMetrics,
  outcomes?: BatchedOutcomes,
) {
  const channels = timedChannels(deps.channels, metrics);
  // Read per record, not copied once: a new rule-set version is swapped into `deps` between batches.
  const current = (): SendDeps => ({ ...deps, channels, ...(outcomes === undefined ? {} : { outcomes }) });
  return handleRecordFailures(handleSendRecord(current, log, metrics), {
    log,
    step: 'send',
    recordPermanent: async (record, error) => {
      const messageId = requestOf(record);
      if (messageId === undefined) return { recorded: 'nothing: no message id' };
      const result = await recordSendFailure(messageId, { reason: PERMANENT_ERROR, error }, deps);
      if (result.kind === 'recorded') metrics.add('MessagesFailed', { reason: PERMANENT_ERROR });
      return {
        messageId,
        recorded: result.kind,
        ...(result.kind === 'recorded' ? { published: result.published } : {}),
      };
    },
  });
}

function handleSendRecord(deps: () => SendDeps, log: RecordLog, metrics: Metrics) {
  return async (record: SQSRecord): Promise<void> => {
    const messageId = requestOf(record);
    if (messageId === undefined) {
      // Not ours to retry: a malformed send request can never succeed. Logged for the DLQ alarm's reader.
      log(
        'send request rejected',
        { sqsMessageId: record.messageId, reason: 'body is not {"messageId": string}' },
        'warn',
      );
      return;
    }
    const outcome = await sendMessage(messageId, deps());
    countSendOutcome(outcome, metrics);
    log('send attempt', { ...outcome }, levelOf(outcome));
  };
}

function requestOf(record: SQSRecord): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(record.body);
  } catch {
    return undefined;
  }
  const request = SendRequestSchema.safeParse(body);
  return request.success ? request.data.messageId : undefined;
}

/** Counts one send attempt: MessagesSent by channel, MessagesSuppressed and MessagesFailed by reason. */
export function countSendOutcome(outcome: SendOutcome, metrics: Metrics): void {
  if (outcome.kind === 'sent') metrics.add('MessagesSent', { channel: outcome.channel });
  if (outcome.kind === 'suppressed')
    metrics.add('MessagesSuppressed', { reason: metricReason(outcome.reason) });
  if (outcome.kind === 'failed') metrics.add('MessagesFailed', { reason: metricReason(outcome.reason) });
}

/** Decisions at info; a failure recorded on the message at warn; nothing-to-do at debug. */
function levelOf(outcome: SendOutcome): 'debug' | 'info' | 'warn' {
  if (outcome.kind === 'failed') return 'warn';
  return outcome.kind === 'skipped' ? 'debug' : 'info';
}

/** Each channel's sender, timed: ProviderLatency (ms, by channel) whatever the provider answered. */
export function timedChannels(
  channels: Readonly<Record<Channel, ChannelSender>>,
  metrics: Metrics,
): Readonly<Record<Channel, ChannelSender>> {
  const timed = (channel: Channel): ChannelSender => ({
    send: async (message) => {
      const started = performance.now();
      try {
        return await channels[channel].send(message);
      } finally {
        metrics.add('ProviderLatency', { channel }, performance.now() - started);
      }
    },
  });
  return { sms: timed('sms'), email: timed('email') };
}

/**
 * The outcome events of one SQS batch, held until the batch is done and then put on the bus
 * together ({@link BatchedOutcomes.flush}): PutEvents takes 1 to 10 entries a call (PutEvents
 * API reference, `Entries`: https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html),
 * so a batch of sends costs one call per 10 outcomes instead of one per outcome; entries it
 * reports failed are sent again ("Handling failures with PutEvents",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevents.html). Held for one
 * invocation (Lambda runs one at a time per instance).
 */
export class BatchedOutcomes implements OutcomePublisher {
  private held: OutcomeEvent[] = [];

  async publish(events: ReadonlyArray<OutcomeEvent>): Promise<void> {
    this.held.push(...events);
  }

  /**
   * Publishes what the batch held through `target` (which retries the entries PutEvents reports
   * failed). What still does not go out is logged at error level, one line per event with its
   * id and reason: the messages are sent and recorded, so giving the records back
   * to SQS would not publish them again (a redelivered send finds the message handled).
   */
  async flush(target: OutcomePublisher | undefined, log: RecordLog): Promise<void> {
    const events = this.held;
    this.held = [];
    if (events.length === 0 || target === undefined) return;
    try {
      await target.publish(events);
    } catch (error) {
      const failures =
        error instanceof OutcomePublishError
          ? error.failures.map((failure) => ({ ...failure, event: events[failure.index] }))
          : events.map((event, index) => ({ index, code: 'PublishFailed', message: String(error), event }));
      for (const failure of failures) {
        const detail = failure.event?.detail;
        log(
          'send: outcome event not published',
          {
            detailType: failure.event?.detailType ?? null,
            messageId: detail !== undefined && 'messageId' in detail ? detail.messageId : null,
            code: failure.code,
            reason: failure.message,
          },
          'error',
        );
      }
    }
  }
}
