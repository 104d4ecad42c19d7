import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { evaluateEvent } from '../../../functions/app/evaluate-event.ts';
import type { SentReceipt } from '../../../functions/app/ports/messages.ts';
import type {
  ChannelSender,
  OutboundMessage,
  SendReceipt,
  SendScheduler,
} from '../../../functions/app/ports.ts';
import { sendMessage } from '../../../functions/app/send-message.ts';
import { buildTemplateCatalog } from '../../../functions/core/messages/index.ts';
import { compileRuleSet } from '../../../functions/core/rules/rule-set.ts';
import { composeNudge } from '../../../functions/wiring/compose-send.ts';
import { anEvent, aRule, settings } from '../../support/factories.ts';

const NOW = DateTime.fromISO('2026-11-23T09:00:00Z', { zone: 'utc' });

/** The same text in every locale a customer may have. */
function catalog(text: string) {
  const files: Record<string, string> = {};
  for (const locale of ['en', 'sv', 'fi', 'no', 'da']) files[`test-template/${locale}.sms.liquid`] = text;
  return buildTemplateCatalog(files).catalog;
}

class RecordingScheduler implements SendScheduler {
  readonly due: string[] = [];
  async schedule(messageId: string): Promise<void> {
    this.due.push(messageId);
  }
  async cancel(): Promise<void> {}
}

class CapturingChannel implements ChannelSender {
  readonly texts: string[] = [];
  async send(message: OutboundMessage): Promise<SendReceipt> {
    this.texts.push(message.message.text);
    return { ok: true, providerId: `SM${this.texts.length}` };
  }
}

function compose() {
  const stores = createMemoryStores();
  const scheduler = new RecordingScheduler();
  const channel = new CapturingChannel();
  const nudge = composeNudge({
    stores,
    scheduler,
    clock: { now: () => NOW },
    project: { settings: settings(), rules: compileRuleSet([aRule({ id: 'first' })]) },
    catalog: catalog('first text'),
    channels: { sms: channel, email: channel },
    outcomes: { publish: async () => undefined },
  });
  /** Evaluates an event, then sends everything it scheduled. */
  const deliver = async (detailType: string) => {
    const result = await evaluateEvent(anEvent({ 'detail-type': detailType }), nudge.evaluate);
    for (const messageId of scheduler.due.splice(0)) await sendMessage(messageId, nudge.send);
    return result;
  };
  return { stores, channel, nudge, deliver };
}

describe('the composition root', () => {
  it('builds evaluate and send over the given adapters, and a reload swaps rules, settings and templates in place', async () => {
    const { channel, nudge, deliver } = compose();

    const before = await deliver('Thing');
    nudge.reload({
      settings: settings(),
      rules: compileRuleSet([
        aRule({ id: 'second', on: { source: ['acme.test'], 'detail-type': ['Other'] } }),
      ]),
      catalog: catalog('second text'),
    });
    const oldType = await deliver('Thing');
    const newType = await deliver('Other');

    expect(before.planned.map((planned) => planned.ruleId)).toEqual(['first']);
    expect(oldType.planned).toEqual([]);
    expect(newType.planned.map((planned) => planned.ruleId)).toEqual(['second']);
    expect(channel.texts).toEqual(['first text', 'second text']);
  });

  it('the send step uses the send stores it is given; evaluate keeps the plain ones', async () => {
    const stores = createMemoryStores();
    const scheduler = new RecordingScheduler();
    const recorded: string[] = [];
    const messages = stores.messages;
    const watched = Object.assign(Object.create(messages), {
      recordSent: (messageId: string, claim: number, sent: SentReceipt) => {
        recorded.push(messageId);
        return messages.recordSent(messageId, claim, sent);
      },
    });
    const channel = new CapturingChannel();
    const nudge = composeNudge({
      stores,
      sendStores: { messages: watched },
      scheduler,
      clock: { now: () => NOW },
      project: { settings: settings(), rules: compileRuleSet([aRule({ id: 'first' })]) },
      catalog: catalog('hello'),
      channels: { sms: channel, email: channel },
      outcomes: { publish: async () => undefined },
    });

    const result = await evaluateEvent(anEvent(), nudge.evaluate);
    const messageId = result.planned[0]?.messageId ?? '';
    await sendMessage(messageId, nudge.send);

    expect(nudge.evaluate.messages).toBe(messages);
    expect(recorded).toEqual([messageId]);
    expect((await messages.getMessage(messageId))?.status).toBe('sent');
  });
});
