import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import type { OutcomePublisher } from '../../app/ports.ts';
import { OUTCOME_SCHEMAS, type OutcomeEvent } from '../../core/outcomes/outcome-events.ts';
import { awsCodeOf, isRetryableAwsError } from '../aws-errors.ts';
import {
  checkOutcomeEvent,
  type FailedOutcome,
  OutcomePublishError,
} from '../eventbridge/eventbridge-outcome-publisher.ts';

/**
 * Bytes of outcome JSON per queue message. SQS takes 256 KiB per message (the quota table of the
 * SQS developer guide, "Message size"); this leaves room for the envelope and attributes.
 */
const MAX_BODY_BYTES = 200 * 1024;

const OUTCOME_TYPES = Object.keys(OUTCOME_SCHEMAS) as [
  keyof typeof OUTCOME_SCHEMAS,
  ...(keyof typeof OUTCOME_SCHEMAS)[],
];

/** A queued body: `{"outcomes":[{detailType, detail, time}, …]}` (details checked by the relay). */
const QueuedOutcomesSchema = z.strictObject({
  outcomes: z
    .array(z.strictObject({ detailType: z.enum(OUTCOME_TYPES), detail: z.unknown(), time: z.string() }))
    .min(1),
});

/** The JSON body for outcome events already serialised one by one: `{"outcomes":[…]}`. */
function encodeQueuedOutcomes(serialised: ReadonlyArray<string>): string {
  return `{"outcomes":[${serialised.join(',')}]}`;
}

/**
 * Reads a queued body back: the events, each checked against its contract exactly as PutEvents
 * would take it ({@link checkOutcomeEvent}), or what is wrong with the body.
 */
export function decodeQueuedOutcomes(
  body: string,
): { ok: true; events: OutcomeEvent[] } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = QueuedOutcomesSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
    };
  }
  const events = parsed.data.outcomes as OutcomeEvent[];
  for (const [index, event] of events.entries()) {
    const checked = checkOutcomeEvent(event);
    if (!checked.ok)
      return { ok: false, reason: `outcomes.${index} (${event.detailType}): ${checked.problem.message}` };
  }
  return { ok: true, events };
}

/** Options of {@link SqsOutcomeQueue}. */
export interface SqsOutcomeQueueOptions {
  client: SQSClient;
  /** The outcome queue's URL; the relay function puts what arrives there on the bus, 10 per call. */
  queueUrl: string;
}

/**
 * Outcome events of the webhook function, queued for the relay function instead of put on the
 * bus one request at a time. A provider callback carries one outcome, so the webhook alone would
 * make a PutEvents call per callback; PutEvents calls count against an account quota per region
 * while a standard queue's SendMessage does not (docs/capacity.md). The relay puts them on the
 * bus in calls of up to 10.
 *
 * Each event is checked against its contract here first, as the bus publisher does: a violation
 * is a bug in Nudge and fails the caller at once (nothing queued), instead of dead-lettering later.
 */
export class SqsOutcomeQueue implements OutcomePublisher {
  private readonly client: SQSClient;
  private readonly queueUrl: string;

  constructor(options: SqsOutcomeQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
  }

  async publish(events: ReadonlyArray<OutcomeEvent>): Promise<void> {
    if (events.length === 0) return;
    const invalid: FailedOutcome[] = [];
    const serialised: string[] = [];
    events.forEach((event, index) => {
      const checked = checkOutcomeEvent(event);
      if (checked.ok) serialised.push(JSON.stringify(event));
      else invalid.push({ index, detailType: event.detailType, ref: '(queued)', ...checked.problem });
    });
    if (invalid.length > 0) {
      throw new OutcomePublishError(
        `invalid outcome events, none queued: ${invalid.map((f) => `#${f.index} ${f.detailType} (${f.code}: ${f.message})`).join(', ')}`,
        { failures: invalid, retryable: false },
      );
    }
    const chunks = chunksOf(events, serialised);
    for (const [position, chunk] of chunks.entries()) {
      try {
        await this.client.send(
          new SendMessageCommand({
            QueueUrl: this.queueUrl,
            MessageBody: encodeQueuedOutcomes(
              serialised.slice(chunk.first, chunk.first + chunk.events.length),
            ),
          }),
        );
      } catch (error) {
        const code = awsCodeOf(error) ?? 'SendMessageFailed';
        const failures = chunks.slice(position).flatMap((rest, offset) =>
          rest.events.map((event, i) => ({
            index: rest.first + i,
            detailType: event.detailType,
            ref: '(queued)',
            code: offset === 0 ? code : 'NotAttempted',
            message: offset === 0 ? `SendMessage failed (${code})` : `not queued after ${code}`,
          })),
        );
        throw new OutcomePublishError(`SendMessage of outcome events failed (${code})`, {
          failures,
          retryable: isRetryableAwsError(error),
          cause: error,
        });
      }
    }
  }
}

/** Consecutive events in bodies of at most {@link MAX_BODY_BYTES} (one event per body at least). */
function chunksOf(
  events: ReadonlyArray<OutcomeEvent>,
  serialised: ReadonlyArray<string>,
): Array<{ first: number; events: OutcomeEvent[] }> {
  const chunks: Array<{ first: number; events: OutcomeEvent[] }> = [];
  let bytes = 0;
  events.forEach((event, index) => {
    const size = Buffer.byteLength(serialised[index] ?? '', 'utf8') + 1;
    const last = chunks.at(-1);
    if (last === undefined || bytes + size > MAX_BODY_BYTES) {
      chunks.push({ first: index, events: [event] });
      bytes = size;
    } else {
      last.events.push(event);
      bytes += size;
    }
  });
  return chunks;
}
