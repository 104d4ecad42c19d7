import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { AdapterError } from '../../app/ports/adapter-error.ts';
import type { BatchSendQueue, QueuedSend } from '../../app/ports/release.ts';
import type { SendQueue } from '../../app/ports.ts';
import { awsCodeOf, isRetryableAwsError } from '../aws-errors.ts';

/**
 * The body of a send request, on the send queue and as a Scheduler target's `Input` (the
 * scheduler delivers it to the same queue), so the send handler reads one format.
 */
const SendRequestSchema = z.strictObject({ messageId: z.string().min(1) });
type SendRequest = z.infer<typeof SendRequestSchema>;

/** The JSON body for a message id: `{"messageId":"…"}`. */
export function encodeSendRequest(messageId: string): string {
  return JSON.stringify({ messageId } satisfies SendRequest);
}

/** Reads a send-queue body, or says what is wrong with it (for the handler's batch failure report). */
export function decodeSendRequest(
  body: string,
): { ok: true; messageId: string } | { ok: false; reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = SendRequestSchema.safeParse(value);
  if (!parsed.success) {
    return {
      ok: false,
      reason: parsed.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; '),
    };
  }
  return { ok: true, messageId: parsed.data.messageId };
}

/** A failed enqueue (an {@link AdapterError}; `code` is the AWS error code, `QueueDoesNotExist` …). */
export class SendQueueError extends AdapterError {
  override readonly name = 'SendQueueError';
  readonly messageId: string;

  constructor(
    message: string,
    details: { messageId: string; retryable: boolean; code: string | undefined; cause?: unknown },
  ) {
    super(message, { retryable: details.retryable, code: details.code, cause: details.cause });
    this.messageId = details.messageId;
  }
}

/** Options of {@link SqsSendQueue}. */
export interface SqsSendQueueOptions {
  client: SQSClient;
  /** The send queue's URL (`https://sqs.<region>.amazonaws.com/<account>/<name>`). */
  queueUrl: string;
}

/** SQS holds a message back at most 15 minutes (`DelaySeconds`). */
const MAX_DELAY_SECONDS = 900;

/** SendMessageBatch takes at most ten entries. */
const MAX_BATCH_ENTRIES = 10;

/** Batches in flight at once in {@link SqsSendQueue.enqueueMany}. */
const BATCH_CONCURRENCY = 16;

/** Whole seconds, rounded up (never early), within SQS's 0–900. */
function delaySecondsOf(delayMs: number | undefined): number {
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((delayMs ?? 0) / 1000)));
}

/** The send queue on Amazon SQS: one message per due send, body `{"messageId":"…"}`. */
export class SqsSendQueue implements SendQueue, BatchSendQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;

  constructor(options: SqsSendQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
  }

  async enqueue(messageId: string, options: { delayMs?: number } = {}): Promise<void> {
    const delaySeconds = delaySecondsOf(options.delayMs);
    try {
      await this.client.send(
        new SendMessageCommand({
          QueueUrl: this.queueUrl,
          MessageBody: encodeSendRequest(messageId),
          ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
        }),
      );
    } catch (error) {
      const { code, retryable } = classifySqsError(error);
      throw new SendQueueError(`SendMessage for ${messageId} failed: ${code ?? 'unknown error'}`, {
        messageId,
        retryable,
        code,
        cause: error,
      });
    }
  }

  /**
   * SendMessageBatch, ten entries a call, {@link BATCH_CONCURRENCY} calls at once. An entry SQS
   * refused, or every entry of a call that failed as a whole, comes back by id; the caller
   * decides (the release sweep fails and is retried, and the send step claims a message once,
   * so re-enqueuing one that went is harmless).
   */
  async enqueueMany(entries: ReadonlyArray<QueuedSend>): Promise<string[]> {
    const batches: QueuedSend[][] = [];
    for (let start = 0; start < entries.length; start += MAX_BATCH_ENTRIES) {
      batches.push(entries.slice(start, start + MAX_BATCH_ENTRIES));
    }
    const failed: string[] = [];
    const sendBatch = async (batch: QueuedSend[]): Promise<void> => {
      try {
        const result = await this.client.send(
          new SendMessageBatchCommand({
            QueueUrl: this.queueUrl,
            // Batch entry ids are positions: a message id may repeat (two shards never hold one,
            // but a caller may) and may hold characters an entry id may not.
            Entries: batch.map((entry, position) => {
              const delaySeconds = delaySecondsOf(entry.delayMs);
              return {
                Id: String(position),
                MessageBody: encodeSendRequest(entry.messageId),
                ...(delaySeconds > 0 ? { DelaySeconds: delaySeconds } : {}),
              };
            }),
          }),
        );
        for (const refused of result.Failed ?? []) {
          const entry = batch[Number(refused.Id)];
          if (entry !== undefined) failed.push(entry.messageId);
        }
      } catch {
        failed.push(...batch.map((entry) => entry.messageId));
      }
    };
    const workers = Array.from({ length: Math.min(BATCH_CONCURRENCY, batches.length) }, async () => {
      for (let batch = batches.shift(); batch !== undefined; batch = batches.shift()) await sendBatch(batch);
    });
    await Promise.all(workers);
    return failed;
  }
}

/**
 * The SDK's classification ({@link isRetryableAwsError}), plus a body whose MD5 did not match
 * (the SDK's check: the message was damaged in transit; a resend is safe since the send step is
 * idempotent).
 */
function classifySqsError(error: unknown): { code: string | undefined; retryable: boolean } {
  if (error instanceof Error && error.message === 'InvalidChecksumError') {
    return { code: 'InvalidChecksumError', retryable: true };
  }
  return { code: awsCodeOf(error), retryable: isRetryableAwsError(error) };
}
