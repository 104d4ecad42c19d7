// Every SQS record a batch gives back for a retry is logged with its message id and the reason:
// Powertools' partial batch response only collects the failures, so without this a throttled
// DynamoDB call retries (and finally dead-letters) without a line in the logs.
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { MemoryMessageStore } from '../../../functions/adapters/memory/memory-message-store.ts';
import { MemoryProfileStore } from '../../../functions/adapters/memory/memory-profile-store.ts';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import { VirtualScheduler } from '../../../functions/adapters/memory/virtual-scheduler.ts';
import type { Stores } from '../../../functions/app/ports/stores.ts';
import type { ChannelSender } from '../../../functions/app/ports.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { evaluateRecordHandler } from '../../../functions/handlers/evaluate-records.ts';
import { sendRecordHandler } from '../../../functions/handlers/send-records.ts';
import { createSqsBatchHandler } from '../../../functions/handlers/sqs-batch.ts';
import { anEvent, settings } from '../../support/factories.ts';
import { sqsRecord } from '../../support/sqs-record.ts';

const NOW = DateTime.fromISO('2026-11-23T10:00:00Z', { zone: 'utc' });
const clock = { now: () => NOW };

/** What the AWS SDK throws when DynamoDB throttles: a named error with a message. */
function throttled(): Error {
  const error = new Error('Rate of requests exceeds the allowed throughput.');
  error.name = 'ThrottlingException';
  return error;
}

/** Messages whose reads of one message are throttled. */
class ThrottledMessages extends MemoryMessageStore {
  override async getMessage(messageId: string) {
    if (messageId === 'm-throttled') throw throttled();
    return super.getMessage(messageId);
  }
}

/** Profiles whose every write is throttled. */
class ThrottledProfiles extends MemoryProfileStore {
  override async putProfile(): Promise<never> {
    throw throttled();
  }
}

/** Memory stores with the throttled message reads and profile writes. */
function throttledStores(): Stores {
  return { ...createMemoryStores(), messages: new ThrottledMessages(), profiles: new ThrottledProfiles() };
}

const noChannel: ChannelSender = {
  send: async () => ({ ok: false, retryable: false, code: 'unused', detail: 'not called' }),
};

/** A record on its third receipt (the failure log names the count). */
function thirdReceipt(messageId: string, body: string): SQSRecord {
  return sqsRecord(messageId, body, { receiveCount: 3 });
}

interface Line {
  level: string;
  message: string;
  fields: Record<string, unknown>;
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

describe('failed SQS records are logged', () => {
  it('send: a throttled record is logged with its SQS message id and reason, and given back', async () => {
    const lines: Line[] = [];
    const stores = throttledStores();
    const handler = createSqsBatchHandler(
      sendRecordHandler(
        {
          ...stores,
          suppressions: new MemorySuppressionStore(),
          scheduler: new VirtualScheduler(),
          clock,
          settings: settings(),
          rules: compileRuleSet([]),
          channels: { sms: noChannel, email: noChannel },
          render: () => () => ({ ok: false, detail: 'unused' }),
        },
        (message, fields, level = 'info') => lines.push({ level, message, fields }),
      ),
    );
    const event: SQSEvent = {
      Records: [
        thirdReceipt('sqs-ok', JSON.stringify({ messageId: 'm-missing' })),
        thirdReceipt('sqs-throttled', JSON.stringify({ messageId: 'm-throttled' })),
      ],
    };

    const response = await handler(event, context);

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: 'sqs-throttled' }]);
    const failures = lines.filter((line) => line.fields.sqsMessageId === 'sqs-throttled');
    expect(failures).toHaveLength(1);
    expect(failures[0]?.level).toBe('error');
    expect(String(failures[0]?.fields.reason)).toContain('ThrottlingException');
    expect(String(failures[0]?.fields.reason)).toContain('exceeds the allowed throughput');
    expect(failures[0]?.fields.receiveCount).toBe(3);
  });

  it('evaluate: every failed record of a batch gets its own line', async () => {
    const lines: Line[] = [];
    const handler = createSqsBatchHandler(
      evaluateRecordHandler(
        {
          ...throttledStores(),
          suppressions: new MemorySuppressionStore(),
          scheduler: new VirtualScheduler(),
          clock,
          settings: settings(),
          rules: compileRuleSet([]),
        },
        (message, fields, level = 'info') => lines.push({ level, message, fields }),
      ),
    );
    const events = ['ev-1', 'ev-2', 'ev-3'].map((id) =>
      thirdReceipt(`sqs-${id}`, JSON.stringify(anEvent({ id, 'detail-type': 'CustomerUpdated' }))),
    );

    // One record that is not JSON: recorded as rejected, not retried, so the batch is partial.
    const response = await handler(
      { Records: [...events, thirdReceipt('sqs-not-json', 'not json')] },
      context,
    );

    const givenBack = response.batchItemFailures.map((failure) => failure.itemIdentifier).sort();
    const logged = lines
      .filter((line) => line.level === 'error')
      .map((line) => line.fields.sqsMessageId)
      .sort();
    expect(givenBack).toEqual(['sqs-ev-1', 'sqs-ev-2', 'sqs-ev-3']);
    expect(logged).toEqual(givenBack);
  });
});
