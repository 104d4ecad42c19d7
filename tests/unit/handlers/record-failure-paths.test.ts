// What an SQS record handler does with a failure, told apart by the adapter error's `retryable`
// (decided by the AWS SDK's own classification): a permanent one (DynamoDB's ValidationException)
// is recorded where people look and the record acknowledged; a throttling one goes back to the
// queue. Every failed record is logged with its SQS message id and reason. The errors are built as
// the SDK builds them and pass through the DynamoDB adapter's own wrapper (callDynamo), so the
// handler sees exactly what it sees in Lambda. Also: what each path counts in the metrics port.
import { DynamoDBServiceException, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { callDynamo } from '../../../functions/adapters/dynamodb/dynamo-store-error.ts';
import { MemoryConsoleQueries } from '../../../functions/adapters/memory/memory-console-queries.ts';
import { MemoryMessageStore } from '../../../functions/adapters/memory/memory-message-store.ts';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { VirtualScheduler } from '../../../functions/adapters/memory/virtual-scheduler.ts';
import { MemoryMetrics } from '../../../functions/adapters/metrics/memory-metrics.ts';
import type { EvaluateDeps } from '../../../functions/app/evaluate-event.ts';
import type { MessageRecord } from '../../../functions/app/message-record.ts';
import type { ChannelSender } from '../../../functions/app/ports.ts';
import type { SendDeps } from '../../../functions/app/send-message.ts';
import { messageIdFor } from '../../../functions/core/ids.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { evaluateRecordHandler } from '../../../functions/handlers/evaluate-records.ts';
import { sendRecordHandler } from '../../../functions/handlers/send-records.ts';
import { createSqsBatchHandler } from '../../../functions/handlers/sqs-batch.ts';
import { aCustomer, anEvent, aRule, settings } from '../../support/factories.ts';
import { sqsRecord } from '../../support/sqs-record.ts';

const NOW = DateTime.fromISO('2026-11-23T10:00:00Z', { zone: 'utc' });
const clock = { now: () => NOW };
const rule = aRule({ id: 'r-confirm' });

/** DynamoDB's ValidationException as the SDK deserialises it (unmodeled: a service exception so named). */
function validationException(): Error {
  return new DynamoDBServiceException({
    name: 'ValidationException',
    $fault: 'client',
    message: 'One or more parameter values were invalid: an AttributeValue may not contain an empty string',
    $metadata: { httpStatusCode: 400, requestId: 'req-v', attempts: 1 },
  });
}

function throttling(): Error {
  return new ProvisionedThroughputExceededException({
    message: 'The level of configured provisioned throughput for the table was exceeded',
    $metadata: { httpStatusCode: 400, requestId: 'req-t', attempts: 3 },
  });
}

type Fault = 'permanent' | 'throttled' | undefined;

/** A memory message store whose chosen call fails the way the DynamoDB adapter reports an SDK error. */
class FaultyStore extends MemoryMessageStore {
  /** The failing call, and (for claims) the one message it fails for: the others go through. */
  fault: { on: 'claimForSending' | 'createMessage'; kind: Fault; messageId?: string } = {
    on: 'createMessage',
    kind: undefined,
  };

  private async fail(on: string, messageId?: string): Promise<void> {
    if (this.fault.on !== on || this.fault.kind === undefined) return;
    if (this.fault.messageId !== undefined && this.fault.messageId !== messageId) return;
    const kind = this.fault.kind;
    await callDynamo('nudge-test', 'UpdateItem', async () => {
      throw kind === 'permanent' ? validationException() : throttling();
    });
  }
  override async claimForSending(messageId: string, now: string, leaseUntil: string) {
    await this.fail('claimForSending', messageId);
    return super.claimForSending(messageId, now, leaseUntil);
  }
  override async createMessage(record: MessageRecord) {
    await this.fail('createMessage');
    return super.createMessage(record);
  }
}

interface Line {
  level: string;
  message: string;
  fields: Record<string, unknown>;
}

const context = {
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
} satisfies Context;

const accepting: ChannelSender = { send: async () => ({ ok: true, providerId: 'SM-1' }) };

function world() {
  const store = new FaultyStore();
  const stores = { ...createMemoryStores(), messages: store };
  const queries = new MemoryConsoleQueries({
    messages: store,
    inboundReplies: stores.inboundReplies,
    rejected: stores.rejected,
  });
  const metrics = new MemoryMetrics();
  const lines: Line[] = [];
  const log = (message: string, fields: Record<string, unknown>, level = 'info') =>
    lines.push({ level, message, fields });
  const evaluateDeps: EvaluateDeps = {
    ...stores,
    scheduler: new VirtualScheduler(),
    clock,
    settings: settings(),
    rules: compileRuleSet([rule]),
  };
  const sendDeps: SendDeps = {
    ...evaluateDeps,
    caps: stores.caps,
    channels: { sms: accepting, email: accepting },
    render: () => (channel) =>
      channel === 'sms'
        ? { ok: true, locale: 'sv', message: { channel, text: 'Hej', encoding: 'GSM-7', segments: 1 } }
        : { ok: false, detail: 'sms only' },
  };
  const evaluate = createSqsBatchHandler(evaluateRecordHandler(evaluateDeps, log, metrics));
  const send = createSqsBatchHandler(sendRecordHandler(sendDeps, log, metrics));
  return { store, queries, metrics, lines, evaluate, send };
}

/** An event for the rule, with a customer who consented to SMS, as the ingest queue delivers it. */
function eventRecord(eventId: string): SQSRecord {
  const event = anEvent({
    id: eventId,
    time: '2026-11-23T09:59:00Z',
    detail: { customer: aCustomer({ consent: { sms: true } }) },
  });
  return sqsRecord(`sqs-${eventId}`, JSON.stringify(event));
}

function sendRecord(messageId: string): SQSRecord {
  return sqsRecord(`sqs-send-${messageId}`, JSON.stringify({ messageId }));
}

function batch(...records: SQSRecord[]): SQSEvent {
  return { Records: records };
}

describe('evaluate: failures by kind', () => {
  it('a permanent store failure is recorded as a rejected event, logged, counted and acknowledged', async () => {
    const { store, queries, metrics, lines, evaluate } = world();
    store.fault = { on: 'createMessage', kind: 'permanent' };

    const response = await evaluate(batch(eventRecord('ev-perm')), context);

    expect(response.batchItemFailures).toEqual([]);
    const rejected = await queries.listRejected(10);
    expect(rejected).toHaveLength(1);
    expect(rejected[0]?.eventId).toBe('ev-perm');
    expect(rejected[0]?.reason).toMatch(/^permanent-error: DynamoStoreError.*ValidationException/);
    const failure = lines.find((line) => line.fields.sqsMessageId === 'sqs-ev-perm');
    expect(failure?.level).toBe('error');
    expect(String(failure?.fields.reason)).toContain('ValidationException');
    expect(metrics.total('EventsRejected', { reason: 'permanent-error' })).toBe(1);
  });

  it('a throttled store call goes back to the queue, logged, with nothing recorded', async () => {
    const { store, queries, lines, evaluate } = world();
    store.fault = { on: 'createMessage', kind: 'throttled' };

    // With a record that succeeds: when every record fails, Powertools fails the whole invocation.
    const unmatched = sqsRecord('sqs-other', JSON.stringify(anEvent({ 'detail-type': 'Other' })));
    const response = await evaluate(batch(eventRecord('ev-slow'), unmatched), context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'sqs-ev-slow' }]);
    expect(await queries.listRejected(10)).toEqual([]);
    const failure = lines.find((line) => line.fields.sqsMessageId === 'sqs-ev-slow');
    expect(failure?.level).toBe('error');
    expect(String(failure?.fields.reason)).toContain('ProvisionedThroughputExceededException');
  });

  it('counts received, matched, planned and rejected events', async () => {
    const { metrics, evaluate } = world();

    await evaluate(
      batch(eventRecord('ev-1'), eventRecord('ev-2'), sqsRecord('sqs-bad', 'not json')),
      context,
    );

    expect(metrics.total('EventsReceived')).toBe(3);
    expect(metrics.total('EventsMatched')).toBe(2);
    expect(metrics.total('MessagesPlanned')).toBe(2);
    expect(metrics.total('EventsRejected', { reason: 'invalid-event' })).toBe(1);
  });
});

describe('send: failures by kind', () => {
  async function planned(w: ReturnType<typeof world>, eventId: string): Promise<string> {
    await w.evaluate(batch(eventRecord(eventId)), context);
    const messageId = messageIdFor(rule.id, eventId);
    expect((await w.store.getMessage(messageId))?.status).toBe('scheduled');
    return messageId;
  }

  it('a permanent store failure fails the message with its reason, logged, counted and acknowledged', async () => {
    const w = world();
    const messageId = await planned(w, 'ev-s-perm');
    w.store.fault = { on: 'claimForSending', kind: 'permanent' };

    const response = await w.send(batch(sendRecord(messageId)), context);

    expect(response.batchItemFailures).toEqual([]);
    const message = await w.store.getMessage(messageId);
    expect(message?.status).toBe('failed');
    expect(message?.reason).toBe('permanent-error');
    expect(message?.detail).toContain('ValidationException');
    const failure = w.lines.find((line) => line.fields.sqsMessageId === `sqs-send-${messageId}`);
    expect(failure?.level).toBe('error');
    expect(String(failure?.fields.reason)).toContain('ValidationException');
    expect(w.metrics.total('MessagesFailed', { reason: 'permanent-error' })).toBe(1);
  });

  it('a throttled store call goes back to the queue and the message stays scheduled', async () => {
    const w = world();
    const messageId = await planned(w, 'ev-s-slow');
    w.store.fault = { on: 'claimForSending', kind: 'throttled', messageId };

    // With a record that succeeds: when every record fails, Powertools fails the whole invocation.
    const response = await w.send(batch(sendRecord(messageId), sendRecord('m-unknown')), context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: `sqs-send-${messageId}` }]);
    expect((await w.store.getMessage(messageId))?.status).toBe('scheduled');
    const failure = w.lines.find((line) => line.fields.sqsMessageId === `sqs-send-${messageId}`);
    expect(failure?.level).toBe('error');
    expect(String(failure?.fields.reason)).toContain('ProvisionedThroughputExceededException');
    expect(w.metrics.total('MessagesFailed')).toBe(0);
  });

  it('a permanent failure that cannot be recorded either goes back to the queue, logged as such', async () => {
    const w = world();
    const messageId = await planned(w, 'ev-s-stuck');
    w.store.fault = { on: 'claimForSending', kind: 'permanent', messageId };
    w.store.transition = async () => {
      throw validationException();
    };

    const response = await w.send(batch(sendRecord(messageId), sendRecord('m-unknown')), context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: `sqs-send-${messageId}` }]);
    expect((await w.store.getMessage(messageId))?.status).toBe('scheduled');
    const failure = w.lines.find((line) => line.fields.sqsMessageId === `sqs-send-${messageId}`);
    expect(failure?.level).toBe('error');
    expect(failure?.message).toContain('could not be recorded');
    expect(w.metrics.total('MessagesFailed')).toBe(0);
  });

  it('counts a sent message by channel and the provider latency', async () => {
    const w = world();
    const messageId = await planned(w, 'ev-s-ok');

    await w.send(batch(sendRecord(messageId)), context);

    expect((await w.store.getMessage(messageId))?.status).toBe('sent');
    expect(w.metrics.total('MessagesSent', { channel: 'sms' })).toBe(1);
    const latency = w.metrics.snapshot().latencies;
    expect(latency).toHaveLength(1);
    expect(latency[0]).toMatchObject({ name: 'ProviderLatency', dimensions: { channel: 'sms' }, count: 1 });
  });
});
