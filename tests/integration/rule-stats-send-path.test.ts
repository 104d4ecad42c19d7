/**
 * The per-rule counters through the real send path: the local runtime (the production use cases,
 * DynamoDB Local, the Twilio sandbox with signed callbacks) on a fixture project of its own. The
 * oracle is what the sandbox captured and what the test itself put in, counted here; every
 * event, send request and callback is then delivered again, and the counters must not move.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';
import { SANDBOX_SENDER } from '../../local/runtime/start-providers.ts';

const START = DateTime.fromISO('2026-11-24T09:00:00Z', { zone: 'utc' });
const DAY = '2026-11-24';

const PING_RULE = `id: stats-ping
description: Confirm a ping at once.
urgent: true
on:
  source: [acme.test]
  detail-type: [Ping]
send: immediately
window: always
channels: [sms]
template: stats-ping
examples:
  - detail: { ref: R-1 }
`;

const LATER_RULE = `id: stats-later
description: A reminder a day after a Later event.
urgent: true
on:
  source: [acme.test]
  detail-type: [Later]
send: { after: P1D }
window: always
channels: [sms]
template: stats-ping
examples:
  - detail: { ref: R-1 }
`;

let project: string;
let runtime: LocalRuntime;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'nudge-stats-'));
  mkdirSync(join(project, 'rules'));
  mkdirSync(join(project, 'templates', 'stats-ping'), { recursive: true });
  writeFileSync(join(project, 'rules', 'stats-ping.yaml'), PING_RULE);
  writeFileSync(join(project, 'rules', 'stats-later.yaml'), LATER_RULE);
  writeFileSync(join(project, 'templates', 'stats-ping', 'en.sms.liquid'), 'Ping {{ detail.ref }}\n');
  writeFileSync(join(project, 'nudge.config.yaml'), 'defaults:\n  locale: en\n');
  runtime = await startLocalRuntime({
    projectDir: project,
    demo: false,
    watch: false,
    speed: 0,
    clockStart: START,
    ports: { console: 0, events: 0 },
  });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  rmSync(project, { recursive: true, force: true });
});

/** A Ping envelope for customer `n`; without `phone` the customer cannot be reached. */
function ping(n: number, phone: string | undefined, type = 'Ping', time = START) {
  return {
    version: '0',
    id: `ev-${type}-${n}`,
    'detail-type': type,
    source: 'acme.test',
    account: '111122223333',
    time: time.toISO(),
    region: 'eu-north-1',
    resources: [],
    detail: {
      ref: `R-${n}`,
      customer: {
        id: `cust-${type}-${n}`,
        locale: 'en',
        timeZone: 'Europe/Stockholm',
        ...(phone === undefined ? {} : { phone }),
      },
    },
  };
}

async function counters(): Promise<Record<string, number>> {
  const [today] = await runtime.stores.ruleStats.readDays('stats-ping', DAY, DAY);
  return today?.counts ?? {};
}

describe('rule counters on the real send path', () => {
  it('count exactly what was planned, sent, delivered, held back and replied; redeliveries count once', async () => {
    const phones = ['+46701000001', '+46701000002', '+46701000003', '+46701000004', '+46701000005'];
    runtime.twilio.setRecipientOutcome(phones[4] ?? '', { status: 'undelivered', errorCode: 30003 });
    const envelopes = [...phones.map((phone, index) => ping(index, phone)), ping(9, undefined)];

    const planned = [];
    for (const envelope of envelopes) planned.push(...(await runtime.evaluate(envelope)).planned);
    await runtime.settle();
    await runtime.twilio.sendInbound({ from: phones[0] ?? '', to: SANDBOX_SENDER, body: 'STOP' });
    await runtime.twilio.sendInbound({ from: phones[1] ?? '', to: SANDBOX_SENDER, body: 'Thanks' });
    await runtime.settle();
    const first = await counters();

    // Everything again: the events, the send requests, every webhook (status and inbound).
    for (const envelope of envelopes) await runtime.evaluate(envelope);
    for (const outcome of planned) await runtime.enqueue(outcome.messageId);
    for (const attempt of runtime.twilio.callbacks().filter((each) => each.replayOf === null))
      await runtime.twilio.replayCallback(attempt.id);
    await runtime.settle();
    const again = await counters();

    // The oracle: what the sandbox holds, and what this test put in.
    const outbound = runtime.twilio.messages().filter((sms) => sms.direction === 'outbound-api');
    const status = (wanted: string) => outbound.filter((sms) => sms.status === wanted).length;
    expect([outbound.length, status('delivered'), status('undelivered')]).toEqual([5, 4, 1]);
    expect(first).toEqual({
      planned: envelopes.length,
      sent: outbound.length,
      delivered: status('delivered'),
      undelivered: status('undelivered'),
      suppressed: 1,
      'suppressed:no-usable-channel': 1,
      replied: 2,
      optedOut: 1,
    });
    expect(again).toEqual(first);
  });
});

/** The message ids and cursor of a `GET /api/pending` answer. */
async function page(response: Response): Promise<{ ids: string[]; cursor: unknown }> {
  const body: unknown = await response.json();
  if (typeof body !== 'object' || body === null || !('items' in body) || !Array.isArray(body.items))
    throw new Error(`not a listing: ${JSON.stringify(body)}`);
  const ids = body.items.map((item: unknown) =>
    typeof item === 'object' && item !== null && 'messageId' in item ? String(item.messageId) : '',
  );
  return { ids, cursor: 'cursor' in body ? body.cursor : undefined };
}

describe('pending sends and cancel by hand, through the console API', () => {
  it('lists by rule, customer and due window; a cancelled message never reaches the sandbox and is counted', async () => {
    // Later events a minute apart: each reminder is due a day after its event.
    const phones = ['+46702000001', '+46702000002', '+46702000003'];
    const planned: string[] = [];
    for (const [index, phone] of phones.entries()) {
      const result = await runtime.evaluate(ping(index, phone, 'Later', START.plus({ minutes: index })));
      planned.push(result.planned[0]?.messageId ?? '');
    }
    const api = (path: string, init?: RequestInit) => fetch(`${runtime.urls.console}${path}`, init);
    const idsOf = async (path: string) => (await page(await api(path))).ids;
    const dueAt = (minutes: number) => START.plus({ days: 1, minutes }).toISO() ?? '';

    const byRule = await idsOf('/api/pending?rule=stats-later');
    const byCustomer = await idsOf('/api/pending?customer=cust-Later-1');
    const byWindow = await idsOf(
      `/api/pending?from=${encodeURIComponent(dueAt(1))}&to=${encodeURIComponent(dueAt(2))}`,
    );
    const firstPage = await page(await api('/api/pending?limit=2'));
    const cancel = await api(`/api/messages/${planned[1]}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const summary = await cancel.json();
    const again = await api(`/api/messages/${planned[1]}/cancel`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    const afterCancel = await idsOf('/api/pending?rule=stats-later');

    runtime.clock.set(START.plus({ days: 1, minutes: 5 }));
    await runtime.settle();

    expect(byRule).toEqual(planned);
    expect(byCustomer).toEqual([planned[1]]);
    expect(byWindow).toEqual([planned[1], planned[2]]);
    expect([firstPage.ids.length, typeof firstPage.cursor]).toEqual([2, 'string']);
    expect(cancel.status).toBe(200);
    expect(summary).toMatchObject({
      action: 'cancel-message',
      messageId: planned[1],
      ruleId: 'stats-later',
      customerId: 'cust-Later-1',
      from: 'scheduled',
      status: 'cancelled',
      reason: 'cancelled-by-operator',
    });
    expect(again.status).toBe(409);
    expect(afterCancel).toEqual([planned[0], planned[2]]);
    const reached = runtime.twilio
      .messages()
      .filter((sms) => phones.includes(sms.to))
      .map((sms) => sms.to);
    expect(reached.sort()).toEqual([phones[0], phones[2]]);
    const [today] = await runtime.stores.ruleStats.readDays('stats-later', '2026-11-24', '2026-11-25');
    const [tomorrow] = await runtime.stores.ruleStats.readDays('stats-later', '2026-11-25', '2026-11-25');
    expect(today?.counts).toEqual({ planned: 3, cancelled: 1, 'cancelled:cancelled-by-operator': 1 });
    expect(tomorrow?.counts).toMatchObject({ sent: 2 });
  });
});
