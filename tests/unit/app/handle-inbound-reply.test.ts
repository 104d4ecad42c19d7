import { describe, expect, it } from 'vitest';
import { createMemoryStores, type MemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { MemorySuppressionStore } from '../../../functions/adapters/memory/memory-suppression-store.ts';
import { handleInboundReply, type ReplyDeps } from '../../../functions/app/handle-inbound-reply.ts';
import type { MessageRecord } from '../../../functions/app/message-record.ts';
import type { OutcomePublisher } from '../../../functions/app/ports.ts';
import { type SendDeps, sendMessage } from '../../../functions/app/send-message.ts';
import type { OutcomeEvent } from '../../../functions/core/outcomes/outcome-events.ts';
import { keywordTable } from '../../../functions/core/replies/inbound-keywords.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { aProfile, aRule, at, settings } from '../../support/factories.ts';
import { aMessageRecord } from '../../support/store-contract-fixtures.ts';

const SHARED = '+46701234567';

class CollectingPublisher implements OutcomePublisher {
  readonly events: OutcomeEvent[] = [];
  async publish(events: ReadonlyArray<OutcomeEvent>): Promise<void> {
    this.events.push(...events);
  }
}

function harness() {
  const stores = createMemoryStores();
  const suppressions = new MemorySuppressionStore();
  const outcomes = new CollectingPublisher();
  const sent: Array<{ messageId: string; to: string }> = [];
  const replyDeps: ReplyDeps = { ...stores, suppressions, outcomes, keywords: keywordTable() };
  const sendDeps: SendDeps = {
    ...stores,
    suppressions,
    scheduler: { schedule: async () => undefined, cancel: async () => undefined },
    clock: { now: () => at('2026-11-23T12:00:00Z') },
    settings: settings({ cap: { max: 10, per: 'P1D' } }),
    rules: compileRuleSet([aRule({ id: 'renewal-reminder', window: 'always', channels: ['sms'] })]),
    channels: {
      sms: {
        send: async (message) => {
          sent.push({ messageId: message.messageId, to: message.to });
          return { ok: true, providerId: `SM-out-${sent.length}` };
        },
      },
      email: { send: async () => ({ ok: false, retryable: false, code: 'unused', detail: 'unused' }) },
    },
    render: () => () => ({
      ok: true,
      locale: 'sv',
      message: { channel: 'sms', text: 'Hej', encoding: 'GSM-7', segments: 1 },
    }),
    random: () => 0.5,
  };
  const reply = (replyId: string, body: string, receivedAt: string, from = SHARED) =>
    handleInboundReply({ replyId, from, body, receivedAt }, replyDeps);
  /** Creates a due message to a customer and runs the send step on it. */
  const sendTo = async (customerId: string, messageId: string) => {
    await stores.messages.createMessage(
      aMessageRecord({
        messageId,
        customerId,
        sendAt: '2026-11-23T12:00:00.000Z',
        createdAt: '2026-11-23T11:00:00.000Z',
      }),
    );
    return sendMessage(messageId, sendDeps);
  };
  return { stores, suppressions, outcomes, sent, reply, sendTo };
}

/** A message that went to a number, as the send step records it. */
async function sentBefore(
  stores: MemoryStores,
  record: Partial<MessageRecord> & { messageId: string },
  sentAt = '2026-11-20T09:00:00.000Z',
) {
  await stores.messages.createMessage(aMessageRecord({ ...record, sendAt: sentAt }));
  await stores.messages.claimForSending(record.messageId, sentAt, '2026-11-20T23:00:00.000Z');
  await stores.messages.transition(
    record.messageId,
    ['sending'],
    { at: sentAt, status: 'sent' },
    {
      channel: 'sms',
      to: SHARED,
      locale: 'sv',
      rendered: { channel: 'sms', text: 'Hej', encoding: 'GSM-7', segments: 1 },
      providerId: `SM-${record.messageId}`,
      sentAt,
    },
  );
}

describe('handleInboundReply: STOP applies to the number', () => {
  it('a STOP from a number never messaged suppresses it: a customer with that number gets nothing later', async () => {
    // Arrange
    const h = harness();
    await h.stores.profiles.putProfile(aProfile({ id: 'cust-anna', phone: '070-123 45 67' }));

    // Act
    await h.reply('SM-stop', 'STOP', '2026-11-23T10:00:00.000Z');
    const later = await h.sendTo('cust-anna', 'm-later');

    // Assert
    expect(await h.suppressions.get('sms', SHARED)).toMatchObject({ suppressed: true, reason: 'stop-reply' });
    expect(later).toMatchObject({ kind: 'suppressed', reason: 'no-usable-channel' });
    expect(h.sent).toEqual([]);
    const optedOut = h.outcomes.events.filter((event) => event.detailType === 'CustomerOptedOut');
    expect(optedOut).toHaveLength(1);
    expect(optedOut[0]?.detail).toMatchObject({
      channel: 'sms',
      source: 'reply:SM-stop',
      reason: 'stop-reply',
    });
    expect(optedOut[0]?.detail).not.toHaveProperty('customerId');
  });

  it('two customers sharing a number: after one STOP neither gets a later send', async () => {
    // Arrange: Lars was messaged last, so the STOP correlates to him only
    const h = harness();
    await h.stores.profiles.putProfile(aProfile({ id: 'cust-anna', phone: SHARED }));
    await h.stores.profiles.putProfile(aProfile({ id: 'cust-lars', phone: SHARED, firstName: 'Lars' }));
    await sentBefore(h.stores, { messageId: 'm-anna', customerId: 'cust-anna' });
    await sentBefore(h.stores, { messageId: 'm-lars', customerId: 'cust-lars' }, '2026-11-20T10:00:00.000Z');

    // Act
    await h.reply('SM-stop', 'stopp', '2026-11-23T10:00:00.000Z');
    const toAnna = await h.sendTo('cust-anna', 'm-anna-2');
    const toLars = await h.sendTo('cust-lars', 'm-lars-2');

    // Assert
    expect([toAnna.kind, toLars.kind]).toEqual(['suppressed', 'suppressed']);
    expect(h.sent).toEqual([]);
  });

  it('START from the same number lifts the suppression and the correlated customer’s opt-out', async () => {
    // Arrange
    const h = harness();
    await h.stores.profiles.putProfile(aProfile({ id: 'cust-anna', phone: SHARED }));
    await sentBefore(h.stores, { messageId: 'm-anna', customerId: 'cust-anna' });
    await h.reply('SM-stop', 'STOP', '2026-11-23T10:00:00.000Z');

    // Act
    await h.reply('SM-start', 'START', '2026-11-23T11:00:00.000Z');
    const later = await h.sendTo('cust-anna', 'm-later');

    // Assert
    expect(await h.suppressions.get('sms', SHARED)).toMatchObject({
      suppressed: false,
      source: 'reply:SM-start',
    });
    expect((await h.stores.profiles.getProfile('cust-anna'))?.consent.sms).toMatchObject({ granted: true });
    expect(later.kind).toBe('sent');
  });

  it('a replayed STOP (the same reply id) is applied once and published once', async () => {
    const h = harness();

    await h.reply('SM-stop', 'STOP', '2026-11-23T10:00:00.000Z');
    await h.reply('SM-stop', 'STOP', '2026-11-23T10:00:00.000Z');

    expect((await h.suppressions.get('sms', SHARED))?.history).toHaveLength(1);
    expect(h.outcomes.events.filter((event) => event.detailType === 'CustomerOptedOut')).toHaveLength(1);
  });
});
