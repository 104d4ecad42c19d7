import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  EventBridgeOutcomePublisher,
  OutcomePublishError,
} from '../../../functions/adapters/eventbridge/eventbridge-outcome-publisher.ts';
import type { OutcomeEvent } from '../../../functions/core/outcomes/outcome-events.ts';
import {
  type EntryFailure,
  type EventBridgeEvent,
  type PutEventsRequestEntry,
  type PutEventsServer,
  startPutEventsServer,
} from '../../../local/aws/put-events-server.ts';

const BUS = 'nudge-journeys';

type MessageSentEvent = Extract<OutcomeEvent, { detailType: 'MessageSent' }>;

function sent(n: number): MessageSentEvent {
  return {
    detailType: 'MessageSent',
    time: '2026-11-23T09:00:00Z',
    detail: {
      schemaVersion: '1',
      messageId: `m-${n}`,
      ruleId: 'renewal-reminder',
      customerId: 'cust-anna',
      triggerEventId: `ev-${n}`,
      channel: 'sms',
      providerId: `SM${n}`,
      sentAt: '2026-11-23T09:00:00Z',
      locale: 'sv',
    },
  };
}

const optedOut: OutcomeEvent = {
  detailType: 'CustomerOptedOut',
  time: '2026-11-23T09:05:00+01:00',
  detail: {
    schemaVersion: '1',
    customerId: 'cust-anna',
    channel: 'sms',
    source: 'STOP',
    at: '2026-11-23T08:05:00Z',
  },
};

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('EventBridgeOutcomePublisher through @aws-sdk/client-eventbridge and the PutEvents endpoint', () => {
  let server: PutEventsServer;
  let client: EventBridgeClient;
  let received: Array<{ event: EventBridgeEvent; bus: string | undefined }>;
  let failEntry: (entry: PutEventsRequestEntry) => EntryFailure | undefined;
  let requestsBefore: number;
  const sleeps: number[] = [];

  const publisher = () =>
    new EventBridgeOutcomePublisher({
      client,
      busName: BUS,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
    });
  const newRequests = () => server.requests().slice(requestsBefore);

  beforeAll(async () => {
    server = await startPutEventsServer({
      onEvents: (events, delivery) => {
        events.forEach((event, i) => {
          received.push({ event, bus: delivery.eventBusNames[i] });
        });
      },
      failEntry: (entry) => failEntry(entry),
    });
    client = new EventBridgeClient({
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

  beforeEach(() => {
    received = [];
    failEntry = () => undefined;
    sleeps.length = 0;
    requestsBefore = server.requests().length;
  });

  it('publishes 23 events in PutEvents calls of 10, 10 and 3, each as its envelope on the bus', async () => {
    // Arrange
    const events: OutcomeEvent[] = [...Array.from({ length: 22 }, (_, i) => sent(i)), optedOut];

    // Act
    await publisher().publish(events);

    // Assert
    expect(newRequests().map((r) => r.entryCount)).toEqual([10, 10, 3]);
    expect(received).toHaveLength(23);
    expect(received.every((r) => r.bus === BUS && r.event.source === 'nudge')).toBe(true);
    expect(received[0]?.event).toMatchObject({
      'detail-type': 'MessageSent',
      time: '2026-11-23T09:00:00Z',
      detail: sent(0).detail,
    });
    expect(received[22]?.event).toMatchObject({
      'detail-type': 'CustomerOptedOut',
      time: '2026-11-23T08:05:00Z',
      detail: optedOut.detail,
    });
  });

  it('validates every detail against its contract and sends nothing when one is invalid', async () => {
    // Arrange: a field the strict contract does not know (a phone number must never leak onto
    // the bus; spread in, as a careless caller would), and a time that is not ISO-8601
    const leaked = { phone: '+46701234567' };
    const withPhone = sent(1);
    const bad: OutcomeEvent[] = [
      sent(0),
      { ...withPhone, detail: { ...withPhone.detail, ...leaked } },
      { ...sent(2), time: 'yesterday' },
    ];

    // Act
    const error = await rejectionOf(publisher().publish(bad));

    // Assert
    expect(error).toBeInstanceOf(OutcomePublishError);
    expect(error).toMatchObject({ retryable: false });
    const failures = error instanceof OutcomePublishError ? error.failures : [];
    expect(failures.map((f) => [f.index, f.detailType, f.ref, f.code])).toEqual([
      [1, 'MessageSent', 'm-1', 'InvalidDetail'],
      [2, 'MessageSent', 'm-2', 'InvalidTime'],
    ]);
    expect(newRequests()).toEqual([]);
  });

  it('retries only the entries of a partial failure, once, and succeeds', async () => {
    // Arrange: m-1 and m-3 are throttled the first time they are seen
    const seen = new Set<string>();
    failEntry = (entry) => {
      const id = JSON.parse(entry.Detail ?? '{}').messageId;
      if ((id === 'm-1' || id === 'm-3') && !seen.has(id)) {
        seen.add(id);
        return { code: 'ThrottlingException', message: 'Rate exceeded' };
      }
      return undefined;
    };

    // Act
    await publisher().publish([sent(0), sent(1), sent(2), sent(3)]);

    // Assert
    expect(newRequests().map((r) => [r.entryCount, r.failedEntryCount])).toEqual([
      [4, 2],
      [2, 0],
    ]);
    expect(received.map((r) => r.event.detail.messageId)).toEqual(['m-0', 'm-2', 'm-1', 'm-3']);
    expect(sleeps).toEqual([100]);
  });

  it('gives up after maxAttempts and names the entries that never made it', async () => {
    // Arrange
    failEntry = (entry) =>
      entry.Detail?.includes('"m-2"')
        ? { code: 'InternalFailure', message: 'The request processing has failed.' }
        : undefined;

    // Act
    const error = await rejectionOf(publisher().publish([sent(1), sent(2)]));

    // Assert
    expect(error).toBeInstanceOf(OutcomePublishError);
    expect(error).toMatchObject({
      retryable: true,
      failures: [{ index: 1, detailType: 'MessageSent', ref: 'm-2', code: 'InternalFailure' }],
    });
    expect(error instanceof Error && error.message).toContain('m-2');
    expect(newRequests().map((r) => r.entryCount)).toEqual([2, 1, 1]);
    expect(received.map((r) => r.event.detail.messageId)).toEqual(['m-1']);
    expect(sleeps).toEqual([100, 200]);
  });

  it('does not retry an entry whose error code is not retryable', async () => {
    // Arrange
    failEntry = (entry) =>
      entry.Detail?.includes('"m-5"') ? { code: 'AccessDeniedException', message: 'not allowed' } : undefined;

    // Act
    const error = await rejectionOf(publisher().publish([sent(5), sent(6)]));

    // Assert
    expect(error).toMatchObject({
      retryable: false,
      failures: [{ ref: 'm-5', code: 'AccessDeniedException' }],
    });
    expect(newRequests().map((r) => r.entryCount)).toEqual([2]);
    expect(received.map((r) => r.event.detail.messageId)).toEqual(['m-6']);
  });

  it('reports a whole-call failure with the batches not sent', async () => {
    // Arrange: a client pointed at a port nothing listens on
    const closed = await startPutEventsServer({ onEvents: () => undefined });
    await closed.stop();
    const offline = new EventBridgeClient({
      endpoint: closed.url,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      maxAttempts: 1,
    });
    const events = Array.from({ length: 12 }, (_, i) => sent(i));

    // Act
    const error = await rejectionOf(
      new EventBridgeOutcomePublisher({ client: offline, busName: BUS }).publish(events),
    );
    offline.destroy();

    // Assert
    expect(error).toBeInstanceOf(OutcomePublishError);
    const failures = error instanceof OutcomePublishError ? error.failures : [];
    expect(failures).toHaveLength(12);
    expect(failures.filter((f) => f.code === 'NotAttempted').map((f) => f.index)).toEqual([10, 11]);
    expect(error).toMatchObject({ retryable: true });
  });

  it('publishes nothing for an empty list', async () => {
    await publisher().publish([]);
    expect(newRequests()).toEqual([]);
  });
});
