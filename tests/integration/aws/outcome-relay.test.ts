import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  EventBridgeOutcomePublisher,
  OutcomePublishError,
} from '../../../functions/adapters/eventbridge/eventbridge-outcome-publisher.ts';
import { SqsOutcomeQueue } from '../../../functions/adapters/sqs/sqs-outcome-queue.ts';
import type { OutcomeEvent } from '../../../functions/core/outcomes/outcome-events.ts';
import { relayOutcomeBatch } from '../../../functions/handlers/outcome-relay-records.ts';
import {
  type EntryFailure,
  type EventBridgeEvent,
  type PutEventsRequestEntry,
  type PutEventsServer,
  startPutEventsServer,
} from '../../../local/aws/put-events-server.ts';
import { type SqsApiServer, startSqsApiServer } from '../../support/aws/sqs-api-server.ts';
import { sqsRecord } from '../../support/sqs-record.ts';

// The webhook's outcome events take the AWS path end to end: SqsOutcomeQueue → SQS (the
// loopback SQS JSON endpoint, through @aws-sdk/client-sqs) → the relay → PutEvents (the loopback
// endpoint, through @aws-sdk/client-eventbridge). The oracle is what the test itself published.

const BUS = 'nudge-journeys';
const QUEUE = 'nudge-outcomes';
const credentials = { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' };

function delivered(n: number): OutcomeEvent {
  return {
    detailType: 'MessageDelivered',
    time: '2026-11-23T09:00:00Z',
    detail: {
      schemaVersion: '1',
      messageId: `m-${n}`,
      ruleId: 'renewal-reminder',
      customerId: `cust-${n}`,
      triggerEventId: `ev-${n}`,
      channel: 'sms',
      status: 'delivered',
      at: '2026-11-23T09:00:00Z',
    },
  };
}

describe('the outcome relay: webhook outcome events queued, then put on the bus 10 per call', () => {
  let sqs: SqsApiServer;
  let bus: PutEventsServer;
  let sqsClient: SQSClient;
  let busClient: EventBridgeClient;
  let received: EventBridgeEvent[];
  let failEntry: (entry: PutEventsRequestEntry) => EntryFailure | undefined;
  let requestsBefore: number;
  const logged: Array<{ message: string; fields: Record<string, unknown> }> = [];

  const queue = () => new SqsOutcomeQueue({ client: sqsClient, queueUrl: sqs.queueUrl(QUEUE) });
  const relay = () =>
    relayOutcomeBatch({
      publisher: new EventBridgeOutcomePublisher({ client: busClient, busName: BUS, sleep: async () => {} }),
      log: (message, fields) => {
        logged.push({ message, fields });
      },
    });

  /** What Lambda's SQS event source would hand the relay: every visible message, received once. */
  async function batchFromQueue(): Promise<SQSEvent> {
    const records: SQSRecord[] = [];
    for (;;) {
      const out = await sqsClient.send(
        new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl(QUEUE), MaxNumberOfMessages: 10 }),
      );
      const messages = out.Messages ?? [];
      if (messages.length === 0) break;
      for (const m of messages) records.push(sqsRecord(m.MessageId ?? '', m.Body ?? ''));
    }
    return { Records: records };
  }

  beforeAll(async () => {
    sqs = await startSqsApiServer({ queues: [QUEUE] });
    bus = await startPutEventsServer({
      onEvents: (events) => {
        received.push(...events);
      },
      failEntry: (entry) => failEntry(entry),
    });
    sqsClient = new SQSClient({ endpoint: sqs.url, region: 'eu-north-1', credentials, maxAttempts: 1 });
    busClient = new EventBridgeClient({
      endpoint: bus.url,
      region: 'eu-north-1',
      credentials,
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    sqsClient.destroy();
    busClient.destroy();
    await sqs.stop();
    await bus.stop();
  });

  beforeEach(() => {
    received = [];
    failEntry = () => undefined;
    logged.length = 0;
    requestsBefore = bus.requests().length;
  });

  it('23 callbacks, one outcome each: 23 queued messages, then 3 PutEvents calls (10, 10, 3) carrying exactly them', async () => {
    // Arrange: one publish per provider callback, as the webhook makes them.
    const sent = Array.from({ length: 23 }, (_, i) => delivered(i));
    const sentBefore = sqs.sentCount(QUEUE);
    for (const event of sent) await queue().publish([event]);

    // Act
    const response = await relay()(await batchFromQueue());

    // Assert
    expect(sqs.sentCount(QUEUE) - sentBefore).toBe(23);
    expect(response.batchItemFailures).toEqual([]);
    expect(
      bus
        .requests()
        .slice(requestsBefore)
        .map((r) => r.entryCount),
    ).toEqual([10, 10, 3]);
    expect(received.map((e) => e.detail).sort(byMessageId)).toEqual(
      sent.map((e) => e.detail).sort(byMessageId),
    );
    expect(received.every((e) => e.source === 'nudge' && e['detail-type'] === 'MessageDelivered')).toBe(true);
  });

  it('gives back only the records whose events did not reach the bus, and those whose body is unreadable', async () => {
    // Arrange: m-1 is throttled on every attempt; one body is not JSON, one breaks the contract.
    failEntry = (entry) =>
      entry.Detail?.includes('"messageId":"m-1"')
        ? { code: 'ThrottlingException', message: 'Rate exceeded' }
        : undefined;
    for (const n of [0, 1, 2]) await queue().publish([delivered(n)]);
    const batch = await batchFromQueue();
    const idOf = (messageId: string) =>
      batch.Records.find((r) => r.body.includes(`"messageId":"${messageId}"`))?.messageId;
    const broken = sqsRecord('not-json', '{"outcomes": [');
    const badDetail = sqsRecord(
      'bad-detail',
      JSON.stringify({
        outcomes: [{ ...delivered(9), detail: { ...delivered(9).detail, status: 'maybe' } }],
      }),
    );

    // Act
    const response = await relay()({ Records: [...batch.Records, broken, badDetail] });

    // Assert
    expect(response.batchItemFailures.map((f) => f.itemIdentifier).sort()).toEqual(
      [idOf('m-1'), 'not-json', 'bad-detail'].sort(),
    );
    const onBus = received.map((e) => (e.detail as { messageId: string }).messageId).sort();
    expect(onBus).toEqual(['m-0', 'm-2']);
    expect(
      logged.some((l) => l.message.includes('body rejected') && l.fields.sqsMessageId === 'bad-detail'),
    ).toBe(true);
  });

  it('refuses an event that breaks its contract at the webhook, and queues nothing', async () => {
    // Arrange
    const before = sqs.sentCount(QUEUE);
    const bad = { ...delivered(5), time: 'yesterday' };

    // Act
    const error = await queue()
      .publish([delivered(4), bad])
      .then(
        () => undefined,
        (e: unknown) => e,
      );

    // Assert
    expect(error).toBeInstanceOf(OutcomePublishError);
    expect((error as OutcomePublishError).retryable).toBe(false);
    expect((error as OutcomePublishError).failures.map((f) => [f.index, f.code])).toEqual([
      [1, 'InvalidTime'],
    ]);
    expect(sqs.sentCount(QUEUE)).toBe(before);
  });

  it('names every event not queued when SendMessage fails (the queue does not exist)', async () => {
    // Arrange
    const missing = new SqsOutcomeQueue({ client: sqsClient, queueUrl: sqs.queueUrl('no-such-queue') });

    // Act
    const error = await missing.publish([delivered(1), delivered(2)]).then(
      () => undefined,
      (e: unknown) => e,
    );

    // Assert
    expect(error).toBeInstanceOf(OutcomePublishError);
    expect((error as OutcomePublishError).failures.map((f) => f.index)).toEqual([0, 1]);
  });
});

function byMessageId(a: unknown, b: unknown): number {
  return String((a as { messageId: string }).messageId).localeCompare((b as { messageId: string }).messageId);
}
