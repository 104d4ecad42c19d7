import type { SQSRecord } from 'aws-lambda';
import * as z from 'zod';
import { type SendDeps, sendMessage } from '../app/send-message.ts';
import { logRecordFailures, type RecordLog } from './sqs-batch.ts';

const SendRequestSchema = z.object({ messageId: z.string().min(1) });

/**
 * The send step for one SQS record `{"messageId": "…"}` (from the evaluate step or a schedule).
 * A record that fails (throws) is logged with its id and reason, then given back for a retry.
 */
export function sendRecordHandler(deps: SendDeps, log: RecordLog) {
  return logRecordFailures(handleSendRecord(deps, log), log, 'send');
}

function handleSendRecord(deps: SendDeps, log: RecordLog) {
  return async (record: SQSRecord): Promise<void> => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const request = SendRequestSchema.safeParse(body);
    if (!request.success) {
      // Not ours to retry: a malformed send request can never succeed. Logged for the DLQ alarm's reader.
      log('send request rejected', {
        sqsMessageId: record.messageId,
        reason: 'body is not {"messageId": string}',
      });
      return;
    }
    const outcome = await sendMessage(request.data.messageId, deps);
    log('send attempt', { ...outcome });
  };
}
