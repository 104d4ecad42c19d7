/**
 * The send handler publishes the outcome events of one SQS batch together: PutEvents calls of at
 * most 10 entries (the EventBridge quota), entries the service reports failed retried, and what
 * still fails logged with its message id, never dropped silently. The real
 * @aws-sdk/client-eventbridge against the loopback PutEvents endpoint, which counts the calls;
 * the stores are the memory ones (what is counted here is the bus, not the store).
 */
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBridgeOutcomePublisher } from '../../../functions/adapters/eventbridge/eventbridge-outcome-publisher.ts';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { VirtualScheduler } from '../../../functions/adapters/memory/virtual-scheduler.ts';
import type { ChannelSender } from '../../../functions/app/ports.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { BatchedOutcomes, sendRecordHandler } from '../../../functions/handlers/send-records.ts';
import { createSqsBatchHandler } from '../../../functions/handlers/sqs-batch.ts';
import {
  type EntryFailure,
  type EventBridgeEvent,
  type PutEventsRequestEntry,
  type PutEventsServer,
  startPutEventsServer,
} from '../../../local/aws/put-events-server.ts';
import { aProfile, aRule, settings } from '../../support/factories.ts';
import { sqsRecord } from '../../support/sqs-record.ts';
import { aMessageRecord } from '../../support/store-contract-fixtures.ts';

const NOW = DateTime.fromISO('2026-11-23T10:00:00Z', { zone: 'utc' });

let server: PutEventsServer;
let client: EventBridgeClient;
const received: EventBridgeEvent[] = [];
let failEntry: (entry: PutEventsRequestEntry) => EntryFailure | undefined = () => undefined;

beforeAll(async () => {
  server = await startPutEventsServer({
    onEvents: (events) => {
      received.push(...events);
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

const accepting: ChannelSender = {
  send: async (message) => ({ ok: true, providerId: `SM-${message.messageId}` }),
};

/** The send queue's record for a message id. */
function sendRequest(messageId: string): SQSRecord {
  return sqsRecord(`sqs-${messageId}`, JSON.stringify({ messageId }));
}

const context: Context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'nudge-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-north-1:123456789012:function:nudge-test',
  memoryLimitInMB: '512',
  awsRequestId: 'req-1',
  logGroupName: '/nudge/test',
  logStreamName: 'stream',
  getRemainingTimeInMillis: () => 30_000,
  done: () => {},
  fail: () => {},
  succeed: () => {},
};

/** A send handler over `count` due messages (each to its own customer) and the batch's outcomes. */
async function aBatch(prefix: string, count: number) {
  const stores = createMemoryStores();
  const ids = Array.from({ length: count }, (_, n) => `${prefix}-${n}`);
  for (const [n, messageId] of ids.entries()) {
    const customerId = `cust-${prefix}-${n}`;
    await stores.profiles.putProfile(
      aProfile({ id: customerId, phone: `+4670123${String(n).padStart(4, '0')}` }),
    );
    await stores.messages.createMessage(aMessageRecord({ messageId, customerId, ruleId: 'batch-rule' }));
  }
  const lines: Array<{ message: string; fields: Record<string, unknown>; level: string }> = [];
  const log = (message: string, fields: Record<string, unknown>, level = 'info') =>
    lines.push({ message, fields, level });
  const outcomes = new BatchedOutcomes();
  const deps = {
    ...stores,
    scheduler: new VirtualScheduler(),
    clock: { now: () => NOW },
    settings: settings(),
    rules: compileRuleSet([aRule({ id: 'batch-rule', urgent: true })]),
    channels: { sms: accepting, email: accepting },
    render: () => () => ({
      ok: true as const,
      locale: 'sv',
      message: { channel: 'sms' as const, text: 'Hej', encoding: 'GSM-7' as const, segments: 1 },
    }),
    outcomes: new EventBridgeOutcomePublisher({ client, busName: 'nudge-journeys', sleep: async () => {} }),
  };
  const batch = createSqsBatchHandler(sendRecordHandler(deps, log, undefined, outcomes));
  const event: SQSEvent = { Records: ids.map(sendRequest) };
  const run = async () => {
    const response = await batch(event, context);
    await outcomes.flush(deps.outcomes, log);
    return response;
  };
  return { ids, lines, run };
}

describe('outcome events of one send batch', () => {
  it('12 sends: two PutEvents calls (10 + 2 entries), every MessageSent on the bus once', async () => {
    const { ids, run } = await aBatch('ok', 12);
    const before = server.requests().length;

    const response = await run();

    expect(response.batchItemFailures).toEqual([]);
    const calls = server.requests().slice(before);
    expect(calls.map((call) => call.entryCount)).toEqual([10, 2]);
    const sent = received.filter((event) => String(event.detail.messageId).startsWith('ok-'));
    expect(sent.map((event) => event['detail-type'])).toEqual(ids.map(() => 'MessageSent'));
    expect(sent.map((event) => event.detail.messageId).sort()).toEqual([...ids].sort());
  });

  it('entries the service fails are retried (FailedEntryCount) until they go out; none lost', async () => {
    const { ids, run } = await aBatch('retry', 5);
    const before = server.requests().length;
    const failedOnce = new Set<string>();
    failEntry = (entry) => {
      const messageId = String(JSON.parse(entry.Detail ?? '{}').messageId);
      if (!['retry-1', 'retry-3'].includes(messageId) || failedOnce.has(messageId)) return undefined;
      failedOnce.add(messageId);
      return { code: 'ThrottlingException', message: 'slow down' };
    };

    await run();
    failEntry = () => undefined;

    const calls = server.requests().slice(before);
    expect(calls.map((call) => [call.entryCount, call.failedEntryCount])).toEqual([
      [5, 2],
      [2, 0],
    ]);
    const sent = received.filter((event) => String(event.detail.messageId).startsWith('retry-'));
    expect(sent.map((event) => event.detail.messageId).sort()).toEqual([...ids].sort());
  });

  it('an entry that fails for good is logged at error level with its message id, not dropped silently', async () => {
    const { run, lines } = await aBatch('bad', 3);
    failEntry = (entry) =>
      String(JSON.parse(entry.Detail ?? '{}').messageId) === 'bad-2'
        ? { code: 'InvalidArgument', message: 'refused' }
        : undefined;

    const response = await run();
    failEntry = () => undefined;

    expect(response.batchItemFailures).toEqual([]);
    const sent = received.filter((event) => String(event.detail.messageId).startsWith('bad-'));
    expect(sent.map((event) => event.detail.messageId).sort()).toEqual(['bad-0', 'bad-1']);
    const errors = lines.filter((line) => line.level === 'error');
    expect(errors).toEqual([
      {
        level: 'error',
        message: 'send: outcome event not published',
        fields: { detailType: 'MessageSent', messageId: 'bad-2', code: 'InvalidArgument', reason: 'refused' },
      },
    ]);
  });
});
