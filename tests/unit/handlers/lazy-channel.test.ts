// The send function's channels are built on their first message (provider SDK and secret loaded
// then): one load however many messages arrive at once, and a failed load is tried again.
import { describe, expect, it } from 'vitest';
import type { ChannelSender, OutboundMessage } from '../../../functions/app/ports.ts';
import { lazyChannel } from '../../../functions/handlers/lazy-channel.ts';

function aMessage(messageId: string): OutboundMessage {
  return {
    messageId,
    channel: 'sms',
    to: '+46701234567',
    message: { channel: 'sms', text: 'Hi', encoding: 'GSM-7', segments: 1 },
  };
}

/** A sender that answers with the message id as the provider id. */
const echo: ChannelSender = {
  send: async (message) => ({ ok: true, providerId: `p-${message.messageId}` }),
};

describe('lazyChannel', () => {
  it('loads nothing until the first message, then once for concurrent messages', async () => {
    let loads = 0;
    const channel = lazyChannel(async () => {
      loads += 1;
      return echo;
    });
    expect(loads).toBe(0);

    const receipts = await Promise.all(['m-1', 'm-2', 'm-3'].map((id) => channel.send(aMessage(id))));
    await channel.send(aMessage('m-4'));

    expect(loads).toBe(1);
    expect(receipts).toEqual(['m-1', 'm-2', 'm-3'].map((id) => ({ ok: true, providerId: `p-${id}` })));
  });

  it('passes a failed load to the message and loads again for the next one', async () => {
    let loads = 0;
    const channel = lazyChannel(async () => {
      loads += 1;
      if (loads === 1) throw new Error('Twilio secret is invalid (authToken: Required)');
      return echo;
    });

    await expect(channel.send(aMessage('m-1'))).rejects.toThrow('Twilio secret is invalid');
    const receipt = await channel.send(aMessage('m-2'));

    expect(loads).toBe(2);
    expect(receipt).toEqual({ ok: true, providerId: 'p-m-2' });
  });
});
