import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryStores } from '../../../functions/adapters/memory/memory-stores.ts';
import { cancelScheduledMessage, listPendingSends } from '../../../functions/app/pending-sends.ts';
import {
  PROVISIONAL_LABEL,
  pendingPage,
  provisionalBlock,
} from '../../../functions/console/pages/pending-page.ts';
import { aMessage, type ConsoleHarness, startConsoleHarness } from '../../support/fake-console-backend.ts';
import { aMessageRecord, CONTRACT_NOW, contractClock, later } from '../../support/store-contract-fixtures.ts';

const scheduled = (messageId: string, sendAt: string, customerId = 'cust-anna') =>
  aMessage({ messageId, status: 'scheduled', sendAt, customerId, rendered: undefined });

describe('pending page and provisional preview (pure render)', () => {
  it('lists each message with a cancel form and keeps the filter in the pager', () => {
    const html = pendingPage({
      items: [scheduled('msg-1', '2026-11-25T09:00:00.000Z')],
      filter: { rule: 'callback-booked', from: '2026-11-25T08:00:00.000Z' },
      rules: ['callback-booked', 'renewal-reminder'],
      zones: new Map(),
      now: '2026-11-24T09:00:00.000Z',
      nextCursor: '2026-11-25T09:00:00.000Z#msg-1',
    }).toString();

    expect(html).toContain('<form method="post" action="/messages/msg-1/cancel">');
    expect(html).toContain('<option value="callback-booked" selected>');
    expect(html).toContain('value="2026-11-25T08:00"');
    expect(html).toContain(
      'href="/pending?rule=callback-booked&amp;from=2026-11-25T08%3A00%3A00.000Z&amp;cursor=2026-11-25T09%3A00%3A00.000Z%23msg-1"',
    );
  });

  it('labels a provisional preview as such, and says why one would be held back', () => {
    const sms = provisionalBlock({
      kind: 'rendered',
      channel: 'sms',
      locale: 'sv',
      message: { channel: 'sms', text: 'Hej <Anna>', encoding: 'GSM-7', segments: 1 },
    }).toString();
    const held = provisionalBlock({
      kind: 'held-back',
      reason: 'no-usable-channel',
      detail: 'sms: no phone',
    }).toString();

    expect(PROVISIONAL_LABEL).toBe(
      'Provisional: rendered now from the current profile and rules; the text is rendered again when sent',
    );
    expect(sms).toContain(PROVISIONAL_LABEL);
    expect(sms).toContain('Hej &lt;Anna&gt;');
    expect(held).toContain(PROVISIONAL_LABEL);
    expect(held).toContain('no-usable-channel');
  });
});

describe('pending use cases over the memory stores', () => {
  it('filters by customer from her timeline, soonest first, within the window', async () => {
    const stores = createMemoryStores();
    for (const [messageId, minutes, customerId] of [
      ['m-3', 30, 'cust-anna'],
      ['m-1', 10, 'cust-anna'],
      ['m-2', 20, 'cust-lars'],
      ['m-9', 900, 'cust-anna'],
    ] as const) {
      await stores.messages.createMessage(
        aMessageRecord({ messageId, customerId, sendAt: later(CONTRACT_NOW, minutes) }),
      );
    }

    const anna = await listPendingSends(
      { ruleIds: ['renewal-reminder'], customer: 'cust-anna', limit: 10 },
      stores,
    );
    const soon = await listPendingSends(
      { ruleIds: ['renewal-reminder'], customer: 'cust-anna', to: later(CONTRACT_NOW, 60), limit: 10 },
      stores,
    );
    const otherRule = await listPendingSends(
      { ruleIds: ['renewal-reminder'], rule: 'nope', limit: 10 },
      stores,
    );

    expect(anna.items.map((item) => item.messageId)).toEqual(['m-1', 'm-3', 'm-9']);
    expect(soon.items.map((item) => item.messageId)).toEqual(['m-1', 'm-3']);
    expect(otherRule.items).toEqual([]);
  });

  it('cancels a scheduled message once, counted; refuses an unknown or non-scheduled one', async () => {
    const stores = createMemoryStores();
    await stores.messages.createMessage(aMessageRecord({ messageId: 'm-1' }));
    const deps = { messages: stores.messages, clock: contractClock };

    const first = await cancelScheduledMessage('m-1', 'ops@acme', deps);
    const second = await cancelScheduledMessage('m-1', 'ops@acme', deps);
    const unknown = await cancelScheduledMessage('m-x', undefined, deps);
    const [day] = await stores.ruleStats.readDays(
      'renewal-reminder',
      CONTRACT_NOW.slice(0, 10),
      CONTRACT_NOW.slice(0, 10),
    );

    expect(first).toEqual({
      kind: 'cancelled',
      summary: {
        action: 'cancel-message',
        messageId: 'm-1',
        ruleId: 'renewal-reminder',
        customerId: 'cust-anna',
        sendAt: '2026-11-23T09:00:00.000Z',
        from: 'scheduled',
        status: 'cancelled',
        reason: 'cancelled-by-operator',
        at: CONTRACT_NOW,
        by: 'ops@acme',
      },
    });
    expect(second).toEqual({ kind: 'not-scheduled', messageId: 'm-1', status: 'cancelled' });
    expect(unknown).toEqual({ kind: 'not-found', messageId: 'm-x' });
    expect(day?.counts).toEqual({ cancelled: 1, 'cancelled:cancelled-by-operator': 1 });
  });
});

describe('pending routes', () => {
  let harness: ConsoleHarness | undefined;
  afterEach(async () => {
    await harness?.server.stop();
    harness = undefined;
  });

  it('GET /api/pending filters; POST /api/messages/:id/cancel answers 200, 409, 404', async () => {
    harness = await startConsoleHarness((backend) =>
      backend.messages.push(
        scheduled('msg-a', '2026-11-25T09:00:00.000Z'),
        scheduled('msg-b', '2026-11-25T10:00:00.000Z', 'cust-lars'),
      ),
    );

    const lars = await (await harness.request('/api/pending?customer=cust-lars')).json();
    const badFrom = await harness.request('/api/pending?from=yesterday');
    const ok = await harness.postJson('/api/messages/msg-a/cancel', {});
    const again = await harness.postJson('/api/messages/msg-a/cancel', {});
    const missing = await harness.postJson('/api/messages/msg-x/cancel', {});
    const form = await harness.request('/api/messages/msg-b/cancel', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
    });

    expect(lars).toMatchObject({ items: [{ messageId: 'msg-b' }] });
    expect(badFrom.status).toBe(400);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({
      messageId: 'msg-a',
      status: 'cancelled',
      reason: 'cancelled-by-operator',
    });
    expect([again.status, missing.status]).toEqual([409, 404]);
    expect(form.status).toBe(415);
  });

  it('the page form cancels and confirms; a scheduled message page shows the provisional preview', async () => {
    harness = await startConsoleHarness((backend) => {
      backend.messages.push(scheduled('msg-a', '2026-11-25T09:00:00.000Z'));
      backend.previews.set('msg-a', {
        kind: 'held-back',
        reason: 'no-usable-channel',
        detail: 'sms: no phone',
      });
    });

    const message = await (await harness.request('/messages/msg-a')).text();
    const list = await (await harness.request('/pending')).text();
    const posted = await harness.postForm('/messages/msg-a/cancel', {});
    const after = await (await harness.request(posted.headers.get('location') ?? '/pending')).text();

    expect(message).toContain(PROVISIONAL_LABEL);
    expect(message).toContain('action="/messages/msg-a/cancel"');
    expect(list).toContain('data-message-id="msg-a"');
    expect(posted.status).toBe(303);
    expect(after).toContain('Cancelled <code>msg-a</code>');
    expect(after).toContain('Nothing pending matches.');
  });
});
