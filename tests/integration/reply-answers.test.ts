import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';

// HELP, STOP and START through the real signed path: the Twilio sandbox signs the inbound webhook
// as Twilio does, the webhook router answers with TwiML, and the sandbox sends each <Message> of
// the answer as Twilio would. The answers are this test's own texts (its nudge.config.yaml), so
// what the sandbox captured is compared with what the test wrote, not with the shipped copy.
const START = DateTime.fromISO('2026-11-24T09:00:00Z', { zone: 'utc' }); // Tuesday, 10:00 in Stockholm
const OUR_NUMBER = '+46766861004';
const TEXTS = {
  help: {
    en: 'Acme reminders. Questions: 010-100 00 00. Reply STOP to end.',
    sv: 'Acme påminnelser. Frågor: 010-100 00 00. Svara STOPP för att avsluta.',
    da: 'Acme påmindelser. Spørgsmål: 010-100 00 00. Svar STOP for at afmelde.',
  },
  stop: {
    en: 'No more texts from Acme. Reply START to come back.',
    sv: 'Inga fler sms från Acme. Svara START för att komma tillbaka.',
    fi: 'Ei enää viestejä Acmelta. Vastaa ALOITA palataksesi.',
  },
  start: {
    en: 'Texts from Acme are back on. Reply STOP to end.',
    fi: 'Acmen viestit taas päällä. Vastaa LOPETA lopettaaksesi.',
  },
};

let runtime: LocalRuntime;
let projectDir: string;

beforeAll(async () => {
  projectDir = mkdtempSync(join(tmpdir(), 'nudge-replies-'));
  // A fixture rule of the test's own (not the shipped samples, which operations staff change):
  // one SMS right after a booking, so the replies below correlate with a message.
  mkdirSync(join(projectDir, 'rules'));
  mkdirSync(join(projectDir, 'templates', 'booked'), { recursive: true });
  writeFileSync(
    join(projectDir, 'rules', 'booked.yaml'),
    [
      'id: booked',
      'description: Confirm a booking at once (fixture).',
      'on:',
      '  source: [acme.contact-centre]',
      '  detail-type: [CallbackBooked]',
      'send: immediately',
      'window: always',
      'channels: [sms]',
      'template: booked',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(projectDir, 'templates', 'booked', 'en.sms.liquid'),
    'Booked, case {{ detail.caseId }}.',
  );
  writeFileSync(
    join(projectDir, 'nudge.config.yaml'),
    JSON.stringify({ defaults: { locale: 'en' }, replies: { sender: 'Acme', ...TEXTS } }),
  );
  runtime = await startLocalRuntime({
    projectDir,
    demo: false,
    watch: false,
    speed: 0,
    clockStart: START,
    ports: { console: 0, events: 0 },
  });
}, 120_000);

afterAll(async () => {
  await runtime?.stop();
  if (projectDir !== undefined) rmSync(projectDir, { recursive: true, force: true });
});

/** What Twilio sent to `number` because the webhook answered: the confirmations, counted. */
function answersTo(number: string): string[] {
  return runtime.twilio
    .messages()
    .filter((sms) => sms.direction === 'outbound-reply' && sms.to === number)
    .map((sms) => sms.body);
}

async function text(from: string, body: string) {
  const result = await runtime.twilio.sendInbound({ from, to: OUR_NUMBER, body });
  await runtime.settle();
  expect(result.status).toBe(200);
  return result;
}

describe('answers to HELP, STOP and START through the signed Twilio path', () => {
  it('confirms a STOP once, in the language of the number; a replayed webhook sends no second one', async () => {
    const stop = await text('+46705550001', 'Stopp!');
    await runtime.twilio.replayCallback(stop.attempt.id);
    await runtime.twilio.replayCallback(stop.attempt.id);
    await runtime.settle();

    expect(answersTo('+46705550001')).toEqual([TEXTS.stop.sv]);
  });

  it('answers HELP with the program message, and START with its confirmation, per country', async () => {
    await text('+4520123456', 'hjælp');
    await text('+358401234567', 'SEIS');
    await text('+358401234567', 'Aloita');

    expect(answersTo('+4520123456')).toEqual([TEXTS.help.da]);
    expect(answersTo('+358401234567')).toEqual([TEXTS.stop.fi, TEXTS.start.fi]);
  });

  it('answers a known customer in their own language, and the answers are no message of a rule', async () => {
    const customer = {
      id: 'cust-en',
      firstName: 'Emma',
      phone: '+46705550002',
      locale: 'en',
      timeZone: 'Europe/Stockholm',
    };
    const bus = new EventBridgeClient({
      endpoint: runtime.urls.events,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
    });
    await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'acme.contact-centre',
            DetailType: 'CallbackBooked',
            Detail: JSON.stringify({
              callbackId: 'CB-ANS-1',
              caseId: 'K-ANS-1',
              callbackAt: START.plus({ days: 1, hours: 2 }).toISO(),
              customer,
            }),
          },
        ],
      }),
    );
    await runtime.settle();
    const before = await runtime.stores.queries.customerTimeline(customer.id, 50);
    // The confirmation went out, so the replies below correlate with this customer.
    const sent = runtime.twilio
      .messages()
      .filter((sms) => sms.direction === 'outbound-api' && sms.to === customer.phone);
    expect(sent).toHaveLength(1);

    await text(customer.phone, 'HELP');
    await text(customer.phone, 'please stop');
    await text(customer.phone, 'START');

    expect(answersTo(customer.phone)).toEqual([TEXTS.help.en, TEXTS.stop.en, TEXTS.start.en]);
    // Nothing recorded as a message of a rule, so nothing a frequency cap counts; the replies are.
    const after = await runtime.stores.queries.customerTimeline(customer.id, 50);
    expect(after.messages.map((message) => message.messageId)).toEqual(
      before.messages.map((message) => message.messageId),
    );
    expect(after.replies.map((reply) => reply.intent).sort()).toEqual(['help', 'start', 'stop']);
    bus.destroy();
  });
});
