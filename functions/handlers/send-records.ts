import { performance } from 'node:perf_hooks';
import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { type Metrics, metricReason, noMetrics } from '../app/ports/metrics.ts';
import type { ChannelSender } from '../app/ports.ts';
import { recordSendFailure } from '../app/record-send-failure.ts';
import { type SendDeps, sendMessage } from '../app/send-message.ts';
import type { SendOutcome } from '../app/send-outcome.ts';
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
export function sendRecordHandler(deps: SendDeps, log: RecordLog, metrics: Metrics = noMetrics) {
  const timed: SendDeps = { ...deps, channels: timedChannels(deps.channels, metrics) };
  return handleRecordFailures(handleSendRecord(timed, log, metrics), {
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

function handleSendRecord(deps: SendDeps, log: RecordLog, metrics: Metrics) {
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
    const outcome = await sendMessage(messageId, deps);
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
