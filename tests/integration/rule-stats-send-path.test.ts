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

let project: string;
let runtime: LocalRuntime;

beforeAll(async () => {
  project = mkdtempSync(join(tmpdir(), 'nudge-stats-'));
  mkdirSync(join(project, 'rules'));
  mkdirSync(join(project, 'templates', 'stats-ping'), { recursive: true });
  writeFileSync(join(project, 'rules', 'stats-ping.yaml'), PING_RULE);
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
function ping(n: number, phone: string | undefined) {
  return {
    version: '0',
    id: `ev-ping-${n}`,
    'detail-type': 'Ping',
    source: 'acme.test',
    account: '111122223333',
    time: START.toISO(),
    region: 'eu-north-1',
    resources: [],
    detail: {
      ref: `R-${n}`,
      customer: {
        id: `cust-${n}`,
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
