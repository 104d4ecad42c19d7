import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { DateTime } from 'luxon';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createDynamoStores } from '../../functions/adapters/dynamodb/dynamo-stores.ts';
import { createJourneyTable } from '../../functions/adapters/dynamodb/table-design.ts';
import { type EvaluateDeps, evaluateEvent } from '../../functions/app/evaluate-event.ts';
import { handleInboundReply } from '../../functions/app/handle-inbound-reply.ts';
import type { OutboundMessage, SendScheduler } from '../../functions/app/ports.ts';
import { type SendDeps, sendMessage } from '../../functions/app/send-message.ts';
import type { OutcomeEvent } from '../../functions/core/outcomes/outcome-events.ts';
import { keywordTable } from '../../functions/core/replies/inbound-keywords.ts';
import { compileRuleSet } from '../../functions/core/rules/rule-set.ts';
import { dynamoDbLocalClientConfig } from '../../local/dynamodb/dynamodb-local.ts';
import { createTestTableName } from '../support/dynamodb-test-server.ts';
import { aCustomer, anEvent, aRule, at, settings } from '../support/factories.ts';

const client = new DynamoDBClient(dynamoDbLocalClientConfig(inject('dynamodbEndpoint')));
const tables: string[] = [];

afterAll(async () => {
  await Promise.all(tables.map((TableName) => client.send(new DeleteTableCommand({ TableName }))));
  client.destroy();
});

class RecordingScheduler implements SendScheduler {
  readonly due = new Set<string>();
  async schedule(messageId: string, _when: DateTime): Promise<void> {
    this.due.add(messageId);
  }
  async cancel(messageId: string): Promise<void> {
    this.due.delete(messageId);
  }
}

/** Evaluate → send → reply on one DynamoDB Local table, the way the three Lambdas share it. */
async function engine() {
  const tableName = createTestTableName('consent');
  await createJourneyTable(client, tableName);
  tables.push(tableName);
  let now = at('2026-11-23T09:00:00Z');
  const clock = { now: () => now };
  const stores = createDynamoStores({ tableName, client, clock });
  const suppressions = stores.suppressions;
  const scheduler = new RecordingScheduler();
  const published: OutcomeEvent[] = [];
  const outcomes = { publish: async (events: ReadonlyArray<OutcomeEvent>) => void published.push(...events) };
  const sent: OutboundMessage[] = [];
  const engineSettings = settings({ cap: { max: 20, per: 'P1D' } });
  const rules = compileRuleSet([aRule({ id: 'notice', channels: ['sms', 'email'] })]);
  const evaluateDeps: EvaluateDeps = {
    ...stores,
    suppressions,
    scheduler,
    clock,
    settings: engineSettings,
    rules,
  };
  const sendDeps: SendDeps = {
    ...stores,
    ...evaluateDeps,
    outcomes,
    channels: {
      sms: { send: async (message) => ({ ok: true, providerId: `SM${sent.push(message)}` }) },
      email: { send: async (message) => ({ ok: true, providerId: `SG${sent.push(message)}` }) },
    },
    render: () => (channel) => ({
      ok: true,
      locale: 'sv',
      message:
        channel === 'sms'
          ? { channel: 'sms', text: 'Hej', encoding: 'GSM-7', segments: 1 }
          : { channel: 'email', subject: 'Hej', text: 'Hej', html: '<p>Hej</p>' },
    }),
    random: () => 0.5,
  };
  return {
    stores,
    suppressions,
    published,
    sent,
    advance(iso: string) {
      now = at(iso);
    },
    /** An event for a customer, evaluated, and every send it planned run now. */
    async notify(customer: Record<string, unknown>, time: string) {
      await evaluateEvent(anEvent({ time, detail: { customer: aCustomer(customer) } }), evaluateDeps);
      for (const messageId of [...scheduler.due]) {
        scheduler.due.delete(messageId);
        await sendMessage(messageId, sendDeps);
      }
    },
    reply: (replyId: string, from: string, body: string, receivedAt: string) =>
      handleInboundReply(
        { replyId, from, body, receivedAt },
        { ...stores, suppressions, outcomes, keywords: keywordTable(), defaultCountry: 'SE' },
      ),
  };
}

describe('per-address suppressions on DynamoDB Local', () => {
  it('a STOP from a number never messaged: later sends to anyone with that number go by email, or not at all', async () => {
    // Arrange
    const e = await engine();

    // Act
    await e.reply('SM-stop-1', '+46701234567', 'Stopp!', '2026-11-23T09:00:00Z');
    e.advance('2026-11-23T09:10:00Z');
    await e.notify(
      { id: 'cust-anna', phone: '070-123 45 67', email: 'anna@example.se' },
      '2026-11-23T09:10:00Z',
    );
    await e.notify({ id: 'cust-lars', phone: '+46 70 123 45 67', email: undefined }, '2026-11-23T09:10:00Z');

    // Assert: counted against the STOP the test sent, not against what the system published
    expect(e.sent.filter((message) => message.channel === 'sms')).toEqual([]);
    expect(e.sent.map((message) => [message.channel, message.to])).toEqual([['email', 'anna@example.se']]);
    expect(await e.suppressions.get('sms', '+46701234567')).toMatchObject({
      suppressed: true,
      reason: 'stop-reply',
    });
  });

  it('two customers sharing a number, one STOP: neither is texted again; START from the number lifts it', async () => {
    // Arrange: both texted once; Lars last
    const e = await engine();
    await e.notify({ id: 'cust-anna', phone: '+46701234567', email: undefined }, '2026-11-23T09:00:00Z');
    e.advance('2026-11-23T09:05:00Z');
    await e.notify({ id: 'cust-lars', phone: '+46701234567', email: undefined }, '2026-11-23T09:05:00Z');
    const texts = () => e.sent.filter((message) => message.channel === 'sms').length;
    const before = texts();

    // Act
    await e.reply('SM-stop-2', '+46701234567', 'STOP', '2026-11-23T09:06:00Z');
    e.advance('2026-11-23T09:10:00Z');
    await e.notify({ id: 'cust-anna', email: undefined }, '2026-11-23T09:10:00Z');
    await e.notify({ id: 'cust-lars', email: undefined }, '2026-11-23T09:10:00Z');
    const afterStop = texts();
    await e.reply('SM-start-2', '+46701234567', 'START', '2026-11-23T09:20:00Z');
    e.advance('2026-11-23T09:30:00Z');
    await e.notify({ id: 'cust-anna', email: undefined }, '2026-11-23T09:30:00Z');

    // Assert
    expect([before, afterStop, texts()]).toEqual([2, 2, 3]);
    expect(e.published.filter((event) => event.detailType === 'CustomerOptedOut')).toHaveLength(1);
  });
});
