import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { AdapterError } from '../../app/ports/adapter-error.ts';
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

/** The send queue on Amazon SQS: one message per due send, body `{"messageId":"…"}`. */
export class SqsSendQueue implements SendQueue {
  private readonly client: SQSClient;
  private readonly queueUrl: string;

  constructor(options: SqsSendQueueOptions) {
    this.client = options.client;
    this.queueUrl = options.queueUrl;
  }

  async enqueue(messageId: string, options: { delayMs?: number } = {}): Promise<void> {
    // Whole seconds, rounded up (never early), within SQS's 0–900.
    const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((options.delayMs ?? 0) / 1000)));
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
