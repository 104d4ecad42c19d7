import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';

// What `npm start` runs, on free ports, driven the way a developer would: the real EventBridge
// SDK against the PutEvents endpoint, the console's JSON API, and a reply from the customer's phone.
let runtime: LocalRuntime;
let bus: EventBridgeClient;

const customer = {
  id: 'cust-e2e',
  firstName: 'Eva',
  phone: '+46705556677',
  locale: 'sv',
  timeZone: 'Europe/Stockholm',
};

async function callbackBooked(callbackId: string): Promise<void> {
  const answer = await bus.send(
    new PutEventsCommand({
      Entries: [
        {
          Source: 'acme.contact-centre',
          DetailType: 'CallbackBooked',
          Detail: JSON.stringify({
            callbackId,
            caseId: `K-${callbackId}`,
            callbackAt: new Date(Date.now() + 2 * 3600_000).toISOString(),
            customer,
          }),
        },
      ],
    }),
  );
  expect(answer.FailedEntryCount).toBe(0);
}

const ApiMessages = z.object({
  items: z.array(
    z.looseObject({
      messageId: z.string(),
      ruleId: z.string(),
      status: z.string(),
      reason: z.string().optional(),
      detail: z.string().optional(),
      customerId: z.string(),
      trigger: z.looseObject({ detail: z.record(z.string(), z.unknown()) }),
    }),
  ),
});
type ApiMessage = z.infer<typeof ApiMessages>['items'][number];

async function apiMessages(): Promise<ApiMessage[]> {
  const response = await fetch(`${runtime.urls.console}/api/messages?limit=50`);
  expect(response.status).toBe(200);
  return ApiMessages.parse(await response.json()).items;
}

beforeAll(async () => {
  runtime = await startLocalRuntime({
    projectDir: process.cwd(),
    demo: false,
    watch: false,
    ports: { console: 0, events: 0 },
  });
  bus = new EventBridgeClient({
    endpoint: runtime.urls.events,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
}, 120_000);

afterAll(async () => runtime?.stop());

describe('npm start, end to end', () => {
  it('an event put on the local bus becomes an SMS in the sandbox and in the console API', async () => {
    await callbackBooked('CB-E2E-1');
    await runtime.settle();

    const sms = runtime.twilio.messages().filter((message) => message.to === customer.phone);
    expect(sms).toHaveLength(1);
    expect(sms[0]?.body).toMatch(/^Hej Eva! Vi ringer dig .* kl\. \d\d:\d\d\. Ärende K-CB-E2E-1\.$/);
    const confirmation = (await apiMessages()).find((message) => message.ruleId === 'callback-booked');
    expect(confirmation).toMatchObject({ customerId: 'cust-e2e', status: 'delivered' });
  });

  it('after the customer replies STOP, the next message to them is suppressed', async () => {
    const reply = await fetch(`${runtime.urls.console}/api/replies`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ from: customer.phone, body: 'STOP' }),
    });
    expect(reply.status).toBeLessThan(300);

    await callbackBooked('CB-E2E-2');
    await runtime.settle();

    // One message of a rule; the other SMS to the number is the STOP confirmation in the TwiML answer.
    const sent = runtime.twilio.messages().filter((message) => message.to === customer.phone);
    expect(sent.map((message) => message.direction)).toEqual(['outbound-api', 'outbound-reply']);
    const second = (await apiMessages()).find(
      (message) => message.ruleId === 'callback-booked' && message.trigger.detail.callbackId === 'CB-E2E-2',
    );
    expect(second).toMatchObject({ status: 'suppressed', reason: 'no-usable-channel' });
    expect(second?.detail).toContain('sms: customer opted out');
  });

  it('GET /api/metrics counts what happened, as the console lists it', async () => {
    // Oracle: the console's own message list (the store), not the metrics code.
    const messages = await apiMessages();
    const Metrics = z.object({
      counters: z.array(
        z.object({ name: z.string(), dimensions: z.record(z.string(), z.string()), value: z.number() }),
      ),
      latencies: z.array(
        z.looseObject({ name: z.string(), dimensions: z.record(z.string(), z.string()), count: z.number() }),
      ),
    });
    const response = await fetch(`${runtime.urls.console}/api/metrics`);
    expect(response.status).toBe(200);
    const { counters, latencies } = Metrics.parse(await response.json());
    const total = (name: string, dimensions: Record<string, string> = {}) =>
      counters
        .filter((c) => c.name === name && Object.entries(dimensions).every(([k, v]) => c.dimensions[k] === v))
        .reduce((sum, c) => sum + c.value, 0);

    expect(total('EventsReceived')).toBe(2);
    const handed = messages.filter((m) => m.status === 'sent' || m.status === 'delivered');
    expect(total('MessagesSent', { channel: 'sms' })).toBe(handed.length);
    expect(total('MessagesDelivered', { channel: 'sms' })).toBe(
      messages.filter((m) => m.status === 'delivered').length,
    );
    const suppressed = messages.filter((m) => m.status === 'suppressed');
    expect(total('MessagesSuppressed')).toBe(suppressed.length);
    expect(total('MessagesSuppressed', { reason: 'no-usable-channel' })).toBe(
      suppressed.filter((m) => m.reason === 'no-usable-channel').length,
    );
    const sms = latencies.find((l) => l.name === 'ProviderLatency' && l.dimensions.channel === 'sms');
    expect(sms?.count).toBe(handed.length);
  });
});
