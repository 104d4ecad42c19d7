import { createHash } from 'node:crypto';
import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  decodeSendRequest,
  encodeSendRequest,
  SendQueueError,
  SqsSendQueue,
} from '../../../functions/adapters/sqs/sqs-send-queue.ts';
import { type SqsApiServer, startSqsApiServer } from '../../support/aws/sqs-api-server.ts';
import { md5OfMessageAttributes } from '../../support/aws/sqs-wire.ts';

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('SqsSendQueue and the loopback SQS JSON endpoint, through @aws-sdk/client-sqs', () => {
  let server: SqsApiServer;
  let client: SQSClient;

  beforeAll(async () => {
    server = await startSqsApiServer({ queues: ['nudge-send', 'roundtrip'] });
    client = new SQSClient({
      endpoint: server.url,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await server.stop();
  });

  it('enqueues {"messageId": …} with the MD5 the SDK verifies', async () => {
    // Arrange
    const queue = new SqsSendQueue({ client, queueUrl: server.queueUrl('nudge-send') });

    // Act
    await queue.enqueue('m-0123456789abcdef');
    await queue.enqueue('m-ünïcødé-✓');

    // Assert
    const stored = server.messages('nudge-send');
    expect(stored.map((m) => JSON.parse(m.body))).toEqual([
      { messageId: 'm-0123456789abcdef' },
      { messageId: 'm-ünïcødé-✓' },
    ]);
    for (const message of stored) {
      expect(message.md5OfBody).toBe(createHash('md5').update(message.body, 'utf8').digest('hex'));
    }
  });

  it('holds a message back for the delay asked for (SQS DelaySeconds, at most 900)', async () => {
    // Arrange
    const queue = new SqsSendQueue({ client, queueUrl: server.queueUrl('nudge-send') });
    const before = server.messages('nudge-send').length;

    // Act
    await queue.enqueue('m-later', { delayMs: 1_500 });
    await queue.enqueue('m-capped', { delayMs: 3_600_000 });
    await queue.enqueue('m-now', { delayMs: 0 });

    // Assert: the loopback server refuses DelaySeconds outside 0–900, so the cap is checked too.
    const stored = server.messages('nudge-send').slice(before);
    expect(stored.map((message) => [JSON.parse(message.body).messageId, message.visible])).toEqual([
      ['m-later', false],
      ['m-capped', false],
      ['m-now', true],
    ]);
  });

  it('round-trips a body through encode and decode, and rejects a foreign one', () => {
    expect(decodeSendRequest(encodeSendRequest('m-1'))).toEqual({ ok: true, messageId: 'm-1' });
    expect(decodeSendRequest('{"id":"m-1"}')).toMatchObject({ ok: false });
    expect(decodeSendRequest('not json')).toEqual({ ok: false, reason: 'body is not JSON' });
  });

  it('receives (MD5OfBody checked by the SDK), hides in flight, and deletes', async () => {
    // Arrange
    const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: 'roundtrip' }));
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: '{"messageId":"m-rt"}' }));

    // Act
    const first = await client.send(
      new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, MessageSystemAttributeNames: ['All'] }),
    );
    const whileInFlight = await client.send(new ReceiveMessageCommand({ QueueUrl }));
    const message = first.Messages?.[0];
    await client.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: message?.ReceiptHandle }));

    // Assert
    expect(first.Messages).toHaveLength(1);
    expect(message?.Body).toBe('{"messageId":"m-rt"}');
    expect(message?.Attributes?.ApproximateReceiveCount).toBe('1');
    expect(whileInFlight.Messages).toBeUndefined();
    expect(server.messages('roundtrip')).toEqual([]);
  });

  it('long-polls until a message arrives', async () => {
    // Arrange
    const QueueUrl = server.queueUrl('roundtrip');
    const polling = client.send(new ReceiveMessageCommand({ QueueUrl, WaitTimeSeconds: 5 }));

    // Act
    await new Promise((resolve) => setTimeout(resolve, 30));
    await client.send(new SendMessageCommand({ QueueUrl, MessageBody: 'late arrival' }));
    const received = await polling;

    // Assert
    expect(received.Messages?.[0]?.Body).toBe('late arrival');
    await client.send(
      new DeleteMessageCommand({ QueueUrl, ReceiptHandle: received.Messages?.[0]?.ReceiptHandle }),
    );
  });

  it('computes MD5OfMessageAttributes as SQS does (published test vector)', async () => {
    // Arrange
    const attributes = { attribName1: { DataType: 'String', StringValue: 'attribValue 1' } };

    // Act
    const sent = await client.send(
      new SendMessageCommand({
        QueueUrl: server.queueUrl('roundtrip'),
        MessageBody: 'with attributes',
        MessageAttributes: attributes,
      }),
    );

    // Assert
    expect(sent.MD5OfMessageAttributes).toBe('19e27d4e946b072f3f58da80d94fd778');
    expect(md5OfMessageAttributes(attributes)).toBe('19e27d4e946b072f3f58da80d94fd778');
  });

  it('reports a missing queue as a non-retryable SendQueueError from the modeled QueueDoesNotExist', async () => {
    // Arrange
    const queue = new SqsSendQueue({ client, queueUrl: server.queueUrl('no-such-queue') });

    // Act
    const error = await rejectionOf(queue.enqueue('m-lost'));

    // Assert
    expect(error).toBeInstanceOf(SendQueueError);
    expect(error).toMatchObject({ retryable: false, code: 'QueueDoesNotExist', messageId: 'm-lost' });
    expect(error instanceof Error && error.cause).toBeInstanceOf(QueueDoesNotExist);
  });

  it('rejects invalid message contents with the service error', async () => {
    const error = await rejectionOf(
      client.send(
        new SendMessageCommand({ QueueUrl: server.queueUrl('roundtrip'), MessageBody: 'bell \u0007' }),
      ),
    );
    expect(error).toMatchObject({ name: 'InvalidMessageContents', $metadata: { httpStatusCode: 400 } });
  });
});
