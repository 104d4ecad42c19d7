import type { SQSRecord } from 'aws-lambda';

/** An SQS record as Lambda's event source hands it to a function (only what the handlers read varies). */
export function sqsRecord(
  messageId: string,
  body: string,
  options: { receiveCount?: number; queue?: string } = {},
): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: '1795428000000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1795428000000',
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: `arn:aws:sqs:eu-north-1:123456789012:${options.queue ?? 'nudge-dev-send'}`,
    awsRegion: 'eu-north-1',
  };
}
