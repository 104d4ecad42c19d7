import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';
import { countDynamoDbCalls } from '../support/count-dynamodb-calls.ts';

// The production path end to end on 127.0.0.1: the real EventBridge, DynamoDB, Twilio and
// SendGrid SDKs; DynamoDB Local; the provider sandboxes with signed callbacks; the same use
// cases and webhook router as the Lambda functions. The clock is frozen and moved by the test.
const START = DateTime.fromISO('2026-11-24T09:00:00Z', { zone: 'utc' }); // Tuesday, 10:00 in Stockholm

let runtime: LocalRuntime;
let bus: EventBridgeClient;

async function put(source: string, detailType: string, detail: Record<string, unknown>): Promise<string> {
  const answer = await bus.send(
    new PutEventsCommand({
      Entries: [{ Source: source, DetailType: detailType, Detail: JSON.stringify(detail) }],
    }),
  );
  const id = answer.Entries?.[0]?.EventId;
  if (id === undefined) throw new Error(`PutEvents refused: ${JSON.stringify(answer.Entries)}`);
  return id;
}

async function messagesOf(customerId: string) {
  return (await runtime.stores.queries.customerTimeline(customerId, 50)).messages;
}

beforeAll(async () => {
  runtime = await startLocalRuntime({
    projectDir: process.cwd(),
    demo: false,
    watch: false,
    speed: 0,
    clockStart: START,
    ports: { console: 0, events: 0 },
  });
  bus = new EventBridgeClient({
    endpoint: runtime.urls.events,
    region: 'eu-north-1',
    credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
  });
}, 120_000);

afterAll(async () => runtime?.stop());

describe('production path on one machine', () => {
  it('SMS: event → plan → schedule → clock advanced → send → signed delivery callback → delivered → outcome events', async () => {
    const calls = countDynamoDbCalls(runtime.dynamoClient);
    await put('acme.bookings', 'AppointmentBooked', {
      appointmentId: 'A-100',
      location: 'Klinik Nord',
      appointmentAt: START.plus({ days: 2 }).toISO(),
      customer: {
        id: 'cust-sms',
        firstName: 'Sara',
        phone: '+46701112233',
        locale: 'sv',
        timeZone: 'Europe/Stockholm',
      },
    });
    const [planned] = await messagesOf('cust-sms');
    expect(planned).toMatchObject({
      ruleId: 'appointment-reminder',
      status: 'scheduled',
      sendAt: START.plus({ days: 1 }).toISO(),
    });
    expect(runtime.twilio.messages()).toHaveLength(0);

    calls.reset();
    runtime.clock.set(START.plus({ days: 1 })); // the scheduler fires when the clock reaches the send time
    await runtime.settle();

    const [sms] = runtime.twilio.messages();
    expect(sms).toMatchObject({ to: '+46701112233', status: 'delivered' });
    expect(sms?.body).toContain('Klinik Nord');
    const record = await runtime.stores.messages.getMessage(planned?.messageId ?? '');
    expect(record?.history.map((step) => step.status)).toEqual(['scheduled', 'sending', 'sent', 'delivered']);
    expect(record?.providerId).toBe(sms?.sid);
    const outcomes = runtime.outcomes().filter((event) => event.detail.messageId === planned?.messageId);
    expect(outcomes.map((event) => event['detail-type'])).toEqual(['MessageSent', 'MessageDelivered']);
    // From due to delivered: claim, the pre-send write (where it goes and what it says, before
    // the provider is called) with the cap ledger's reservation in one transaction, sent,
    // delivered (the record was created at planning time).
    expect(calls.writes()).toBe(4);
    expect(calls.counts().Scan ?? 0).toBe(0);
    calls.stop();
  });

  it('email: immediate acknowledgement → SendGrid → signed event webhook → delivered', async () => {
    await put('acme.contact-centre', 'EmailReceived', {
      channel: 'email',
      caseId: 'K-7',
      subject: 'Faktura',
      receivedAt: START.plus({ days: 1 }).toISO(),
      customer: {
        id: 'cust-mail',
        firstName: 'Mats',
        email: 'mats@example.se',
        locale: 'sv',
        timeZone: 'Europe/Stockholm',
      },
    });
    await runtime.settle();
    const [message] = await messagesOf('cust-mail');
    expect(message).toMatchObject({
      ruleId: 'email-received',
      status: 'delivered',
      channel: 'email',
      to: 'mats@example.se',
    });
    expect(message?.rendered).toMatchObject({ channel: 'email', subject: 'Vi har fått ditt mejl: Faktura' });
    const sent = runtime.sendgrid.messages().at(-1);
    expect(sent?.customArgs).toEqual({ messageId: message?.messageId });
    expect(
      runtime
        .outcomes()
        .filter((event) => event.detail.messageId === message?.messageId)
        .map((event) => event['detail-type']),
    ).toEqual(['MessageSent', 'MessageDelivered']);
  });

  it('refuses forged and stale webhooks with 403 and changes nothing', async () => {
    const [message] = await messagesOf('cust-sms');
    const before = await runtime.stores.messages.getMessage(message?.messageId ?? '');
    const forgedTwilio = await fetch(
      `${runtime.urls.webhooks}/webhooks/twilio/status?messageId=${message?.messageId}`,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'x-twilio-signature': 'bm90IGEgc2lnbmF0dXJl',
        },
        body: new URLSearchParams({
          MessageSid: before?.providerId ?? '',
          MessageStatus: 'undelivered',
          ErrorCode: '30003',
        }).toString(),
      },
    );
    const staleSendGrid = await fetch(`${runtime.urls.webhooks}/webhooks/sendgrid/events`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-twilio-email-event-webhook-timestamp': String(Math.floor(START.toSeconds()) - 3600),
        'x-twilio-email-event-webhook-signature': 'MEUCIQDx',
      },
      body: JSON.stringify([
        { event: 'bounce', sg_event_id: 'x', timestamp: 1, messageId: message?.messageId },
      ]),
    });
    expect([forgedTwilio.status, staleSendGrid.status]).toEqual([403, 403]);
    expect(await runtime.stores.messages.getMessage(message?.messageId ?? '')).toEqual(before);
  });

  it('a STOPP reply opts the customer out: the next message on that channel is suppressed', async () => {
    const customer = {
      id: 'cust-stop',
      firstName: 'Stina',
      phone: '+46702223344',
      locale: 'sv',
      timeZone: 'Europe/Stockholm',
    };
    const booked = (id: string) => ({
      callbackId: id,
      caseId: `K-${id}`,
      callbackAt: START.plus({ days: 1, hours: 2 }).toISO(),
      customer,
    });
    await put('acme.contact-centre', 'CallbackBooked', booked('CB-1'));
    await runtime.settle();
    expect(runtime.twilio.messages().filter((sms) => sms.to === customer.phone)).toHaveLength(1);

    const reply = await runtime.twilio.sendInbound({
      from: customer.phone,
      to: '+46766861004',
      body: 'STOPP',
    });
    expect(reply.status).toBe(200);
    await put('acme.contact-centre', 'CallbackBooked', booked('CB-2'));
    await runtime.settle();

    // One message of a rule; the other SMS to the number is the STOP confirmation in the TwiML answer.
    const sent = runtime.twilio.messages().filter((sms) => sms.to === customer.phone);
    expect(sent.map((sms) => sms.direction)).toEqual(['outbound-api', 'outbound-reply']);
    const second = (await messagesOf('cust-stop')).find(
      (message) => message.trigger.detail.callbackId === 'CB-2' && message.ruleId === 'callback-booked',
    );
    expect(second).toMatchObject({
      status: 'suppressed',
      reason: 'no-usable-channel',
      detail: 'sms: customer opted out; email: no address',
    });
    expect(
      runtime
        .outcomes()
        .some(
          (event) => event['detail-type'] === 'CustomerOptedOut' && event.detail.customerId === 'cust-stop',
        ),
    ).toBe(true);
  });

  it('a duplicated and concurrently redelivered send reaches the provider once', async () => {
    await put('acme.bookings', 'AppointmentBooked', {
      appointmentId: 'A-200',
      location: 'Vårdcentralen',
      appointmentAt: START.plus({ days: 3 }).toISO(),
      customer: {
        id: 'cust-dup',
        firstName: 'Dan',
        phone: '+46703334455',
        locale: 'sv',
        timeZone: 'Europe/Stockholm',
      },
    });
    const [planned] = await messagesOf('cust-dup');
    const id = planned?.messageId ?? '';
    runtime.clock.set(START.plus({ days: 2 }));
    await Promise.all([runtime.enqueue(id), runtime.enqueue(id), runtime.enqueue(id)]);
    await runtime.settle();
    expect(runtime.twilio.messages().filter((sms) => sms.to === '+46703334455')).toHaveLength(1);
    expect((await runtime.stores.messages.getMessage(id))?.status).toBe('delivered');
  });
});
