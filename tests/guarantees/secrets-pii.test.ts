import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { SQSRecord } from 'aws-lambda';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBridgeOutcomePublisher } from '../../functions/adapters/eventbridge/eventbridge-outcome-publisher.ts';
import { loadProject } from '../../functions/adapters/files/load-project.ts';
import { createLogger } from '../../functions/adapters/logging/logger.ts';
import { createSendGridMail } from '../../functions/adapters/sendgrid/sendgrid-client.ts';
import { SendGridEmailSender } from '../../functions/adapters/sendgrid/sendgrid-email-sender.ts';
import { createTwilioClient } from '../../functions/adapters/twilio/twilio-client.ts';
import { TwilioSmsSender } from '../../functions/adapters/twilio/twilio-sms-sender.ts';
import type { OutboundMessage, SendScheduler } from '../../functions/app/ports.ts';
import { catalogRenderer } from '../../functions/app/render-factory.ts';
import { keywordTable } from '../../functions/core/replies/inbound-keywords.ts';
import { compileRuleSet } from '../../functions/core/rules/rule-set.ts';
import { evaluateRecordHandler } from '../../functions/handlers/evaluate-records.ts';
import { sendRecordHandler } from '../../functions/handlers/send-records.ts';
import { createWebhookRouter } from '../../functions/handlers/webhook-router.ts';
import type { LocalRuntime } from '../../local/runtime/local-runtime.ts';
import { cells, recordFigures } from './support/figures.ts';
import { piiIn } from './support/public-surfaces.ts';
import { startFrozenRuntime } from './support/runtime-driver.ts';

// Guarantee: provider credentials never appear in logs; phone numbers and emails are masked
// there. The whole flow runs with known fake credentials and known contact data — sends on both
// channels, provider faults, a lost answer, a crash whose error quotes its request, a rejected
// event, STOP and START, a forged webhook — and every line the local runtime logs is captured;
// then the Lambda handlers' code paths run with the Powertools logger of
// functions/adapters/logging/logger.ts and everything it writes to stdout and stderr is captured.
const START = DateTime.fromISO('2027-02-02T09:00:00Z', { zone: 'utc' });
const CREDENTIALS = {
  twilioAccountSid: `AC${'a1b2c3d4'.repeat(4)}`,
  twilioAuthToken: 'f4k3t0k3n9d8c7b6a5e4f3a2b1c0d9e8',
  sendgridApiKey: 'SG.f4k3-ap1-k3y.8c7b6a5e4f3a2b1c0d9e8f7a6b5c4d3e',
};
const BASIC = Buffer.from(`${CREDENTIALS.twilioAccountSid}:${CREDENTIALS.twilioAuthToken}`).toString(
  'base64',
);
const CUSTOMERS = [
  {
    id: 'cust-pii-1',
    firstName: 'Petra',
    phone: '+46701230001',
    email: 'petra.persson@example.se',
    locale: 'sv',
    timeZone: 'Europe/Stockholm',
  },
  {
    id: 'cust-pii-2',
    firstName: 'Pelle',
    phone: '+46701230002',
    email: 'pelle.p@example.se',
    locale: 'sv',
    timeZone: 'Europe/Stockholm',
  },
  // Publishers do use email addresses as customer ids.
  {
    id: 'olga.olsson@example.se',
    firstName: 'Olga',
    phone: '+46701230003',
    email: 'olga.olsson@example.se',
    locale: 'en',
    timeZone: 'America/New_York',
  },
] as const;
const SANDBOX_NUMBER = '+46766861004';

/** Every form in which a credential could show up (known values: exact, and base64 in a Basic header). */
const SECRETS = [CREDENTIALS.twilioAuthToken, CREDENTIALS.sendgridApiKey, BASIC];
/** Nudge's own sender addresses: not a customer's contact data. */
const OURS = new Set([SANDBOX_NUMBER, 'nudge@acme.example']);

/**
 * Credentials as known strings; contact data as PATTERNS (support/public-surfaces.ts): any
 * phone-number-shaped digit run (E.164, national, `tel:`, `(415) 555-0100`, URL-encoded) and any
 * email-shaped string (also URL-encoded), whoever's it is — not only the customers the test knows.
 */
function leaks(lines: ReadonlyArray<string>): Array<{ line: string; secret: string }> {
  return lines.flatMap((line) => [
    ...SECRETS.filter((secret) => line.includes(secret)).map(() => ({ line, secret: 'credential' })),
    ...piiIn(line)
      .filter((found) => !OURS.has(safeDecode(found.match)))
      .map((found) => ({ line, secret: `${found.kind}: ${found.match}` })),
  ]);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Contact data written the ways publishers and SDK errors write it, for the rejection paths. */
const HARD_FORMS = [
  'tel:+46701230001.',
  '(415) 555-0100',
  '%2B46701230002',
  'petra.persson%40example.se',
  '+46 70 123 00 03!',
  '070-123 00 01',
] as const;

const runtimeLines: string[] = [];
let crashNext = false;
let runtime: LocalRuntime;

beforeAll(async () => {
  runtime = await startFrozenRuntime(START, {
    sandboxCredentials: CREDENTIALS,
    log: (line) => runtimeLines.push(line),
    // An SDK error that quotes its request, recipient and Authorization header included: the
    // worst a dependency could hand to a log line.
    decorateSendPorts: (ports) => ({
      messages: ports.messages,
      channels: {
        sms: {
          send: (message: OutboundMessage) => {
            if (!crashNext) return ports.channels.sms.send(message);
            crashNext = false;
            return Promise.reject(
              new Error(
                `POST /Messages.json To=${message.to} failed (body To=${encodeURIComponent(message.to)}&From=${encodeURIComponent(SANDBOX_NUMBER)}; recipient tel:${message.to}.); Authorization: Basic ${BASIC}; token ${CREDENTIALS.twilioAuthToken}`,
              ),
            );
          },
        },
        email: ports.channels.email,
      },
    }),
  });
}, 120_000);

afterAll(async () => runtime?.stop());

let serial = 0;
function event(type: string, source: string, detail: Record<string, unknown>) {
  serial++;
  return {
    version: '0',
    id: `ev-pii-${serial}`,
    'detail-type': type,
    source,
    account: '111122223333',
    time: runtime.clock.now().toISO(),
    region: 'eu-north-1',
    resources: [],
    detail,
  };
}

describe('7 secrets and PII in logs', () => {
  it('the local runtime, end to end with faults, crashes, replies and forgeries: no credential, phone number or email in any log line', async () => {
    // Arrange
    const [petra, pelle, olga] = CUSTOMERS;
    runtime.twilio.faults.failNext(1, { status: 429, retryAfterSeconds: 1 });
    runtime.sendgrid.faults.failNext(1, { status: 500 });

    // Act
    await runtime.evaluate(
      event('CallbackBooked', 'acme.contact-centre', {
        callbackId: 'CB-P1',
        caseId: 'K-P1',
        callbackAt: START.plus({ hours: 2 }).toISO(),
        customer: petra,
      }),
    );
    await runtime.evaluate(
      event('EmailReceived', 'acme.contact-centre', {
        channel: 'email',
        caseId: 'K-P2',
        subject: `Fråga från ${pelle.email} (${pelle.phone})`,
        receivedAt: START.toISO(),
        customer: pelle,
      }),
    );
    await runtime.evaluate(
      event('CallbackBooked', 'acme.contact-centre', {
        callbackId: 'CB-P3',
        caseId: 'K-P3',
        callbackAt: START.plus({ hours: 5 }).toISO(),
        customer: olga,
      }),
    );
    await runtime.evaluate(
      event('CallbackBooked', 'acme.contact-centre', {
        callbackId: 'CB-P4',
        caseId: 'K-P4',
        callbackAt: 'when you can',
        customer: { ...petra, timeZone: `Mars/${petra.phone}` },
      }),
    );
    for (const [index, form] of HARD_FORMS.entries()) {
      await runtime.evaluate(
        event('CallbackBooked', 'acme.contact-centre', {
          callbackId: `CB-H${index}`,
          caseId: `K-H${index}`,
          callbackAt: `call ${form}`,
          customer: { ...petra, timeZone: `Mars/${form}` },
        }),
      );
    }
    await runtime.drain();
    runtime.clock.set(runtime.clock.now().plus({ seconds: 30 }));
    await runtime.drain();
    runtime.twilio.faults.loseAnswerNext(1);
    crashNext = true;
    await runtime.evaluate(
      event('CallbackBooked', 'acme.contact-centre', {
        callbackId: 'CB-P5',
        caseId: 'K-P5',
        callbackAt: START.plus({ hours: 6 }).toISO(),
        customer: pelle,
      }),
    );
    await runtime.evaluate(
      event('CallbackBooked', 'acme.contact-centre', {
        callbackId: 'CB-P6',
        caseId: 'K-P6',
        callbackAt: START.plus({ hours: 6 }).toISO(),
        customer: petra,
      }),
    );
    await runtime.drain();
    runtime.clock.set(runtime.clock.now().plus({ minutes: 2 }));
    await runtime.drain();
    await runtime.twilio.sendInbound({ from: petra.phone, to: SANDBOX_NUMBER, body: 'STOPP' });
    await runtime.twilio.sendInbound({ from: petra.phone, to: SANDBOX_NUMBER, body: 'START' });
    await runtime.twilio.sendInbound({
      from: '+46709999999',
      to: SANDBOX_NUMBER,
      body: `Hej, min mejl är ${pelle.email}`,
    });
    await fetch(`${runtime.urls.webhooks}/webhooks/twilio/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': 'forged' },
      body: new URLSearchParams({ From: olga.phone, Body: 'STOP', MessageSid: 'SMforged' }).toString(),
    });
    await runtime.settle();

    // Assert
    const found = leaks(runtimeLines);
    runtimeFigures.lines = runtimeLines.length;
    runtimeFigures.leaks = found.length;
    expect(runtimeLines.some((line) => line.includes('will retry'))).toBe(true);
    expect(runtimeLines.some((line) => line.startsWith('webhook warn: webhook refused'))).toBe(true);
    expect(
      runtimeLines.some((line) => line.includes('rejected') || line.includes('detail.customer.timeZone')),
    ).toBe(true);
    expect(runtimeLines.some((line) => line.startsWith('send ') && line.includes(': sent'))).toBe(true);
    expect(found).toEqual([]);
  });

  it("the Lambda handlers' code paths with the Powertools logger: stdout and stderr carry no credential, phone number or email", async ({
    task,
  }) => {
    // Arrange
    const written: string[] = [];
    const stdout = process.stdout.write.bind(process.stdout);
    const stderr = process.stderr.write.bind(process.stderr);
    const capture = (chunk: unknown) => {
      written.push(
        typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : String(chunk),
      );
      return true;
    };
    process.stdout.write = capture;
    process.stderr.write = capture;
    try {
      const logger = createLogger('nudge-guarantees');
      const project = loadProject({ rules: 'rules', templates: 'templates', config: 'nudge.config.yaml' });
      const rules = compileRuleSet(project.rules.map((loaded) => loaded.rule));
      const due: string[] = [];
      const scheduler: SendScheduler = {
        schedule: async (id) => void due.push(id),
        cancel: async () => undefined,
      };
      const bus = new EventBridgeClient({
        endpoint: runtime.urls.events,
        region: 'eu-north-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const outcomes = new EventBridgeOutcomePublisher({ client: bus, busName: 'default' });
      const evaluate = evaluateRecordHandler(
        {
          ...runtime.stores,
          scheduler,
          clock: runtime.clock,
          settings: project.settings,
          rules,
        },
        (message, fields) => logger.info(message, fields),
      );
      const send = sendRecordHandler(
        {
          ...runtime.stores,
          scheduler,
          clock: runtime.clock,
          settings: project.settings,
          rules,
          channels: {
            sms: new TwilioSmsSender({
              client: createTwilioClient({
                accountSid: CREDENTIALS.twilioAccountSid,
                authToken: CREDENTIALS.twilioAuthToken,
                apiBaseUrl: runtime.twilio.url,
              }),
              from: SANDBOX_NUMBER,
              statusCallbackBaseUrl: runtime.urls.webhooks,
            }),
            email: new SendGridEmailSender({
              mail: createSendGridMail({
                apiKey: CREDENTIALS.sendgridApiKey,
                apiBaseUrl: runtime.sendgrid.url,
              }),
              from: { email: 'nudge@acme.example' },
            }),
          },
          render: catalogRenderer(project.catalog, project.settings),
          outcomes,
        },
        (message, fields) => logger.info(message, fields),
      );
      const route = createWebhookRouter({
        ...runtime.stores,
        outcomes,
        keywords: keywordTable(project.settings.keywords),
        clock: runtime.clock,
        twilioAuthToken: CREDENTIALS.twilioAuthToken,
        sendgridPublicKey: runtime.sendgrid.publicKey,
        publicBaseUrl: runtime.urls.webhooks,
        log: (level, message, fields) => logger[level](message, fields ?? {}),
      });
      const sqs = (body: string, index: number): SQSRecord => ({
        messageId: `sqs-${index}`,
        receiptHandle: 'r',
        body,
        attributes: {
          ApproximateReceiveCount: '1',
          SentTimestamp: '0',
          SenderId: 'x',
          ApproximateFirstReceiveTimestamp: '0',
        },
        messageAttributes: {},
        md5OfBody: '',
        eventSource: 'aws:sqs',
        eventSourceARN: 'arn:aws:sqs:eu-north-1:111122223333:q',
        awsRegion: 'eu-north-1',
      });
      const [petra, pelle, olga] = CUSTOMERS;

      // Act
      const bodies = [
        event('CallbackBooked', 'acme.contact-centre', {
          callbackId: 'CB-L1',
          caseId: 'K-L1',
          callbackAt: START.plus({ hours: 9 }).toISO(),
          customer: olga,
        }),
        event('EmailReceived', 'acme.contact-centre', {
          channel: 'email',
          caseId: 'K-L2',
          subject: `Från ${petra.email}`,
          receivedAt: START.toISO(),
          customer: petra,
        }),
        event('CallbackBooked', 'acme.contact-centre', {
          callbackId: 'CB-L3',
          customer: { ...pelle, timeZone: `Mars/${pelle.email}` },
        }),
        { ...event('CallbackBooked', 'acme.contact-centre', { customer: pelle }), time: `${pelle.phone}` },
      ].map((body) => JSON.stringify(body));
      bodies.push(`not json, from ${olga.email} ${olga.phone}`);
      for (const [index, body] of bodies.entries()) await evaluate(sqs(body, index));
      for (const [index, id] of [...due].entries()) await send(sqs(JSON.stringify({ messageId: id }), index));
      await send(sqs(`{"messageId": 42, "to": "${petra.phone}"}`, 99));
      await runtime.settle();
      const statusUrl = `${runtime.urls.webhooks}/webhooks/twilio/inbound`;
      const params = {
        AccountSid: CREDENTIALS.twilioAccountSid,
        Body: 'STOPP',
        From: olga.phone,
        MessageSid: 'SMlogger1',
        To: SANDBOX_NUMBER,
      };
      await route({
        method: 'POST',
        path: '/webhooks/twilio/inbound',
        query: '',
        headers: { 'x-twilio-signature': runtime.twilio.signatureFor(statusUrl, params) },
        rawBody: new URLSearchParams(params).toString(),
      });
      await route({
        method: 'POST',
        path: '/webhooks/twilio/inbound',
        query: '',
        headers: { 'x-twilio-signature': 'forged' },
        rawBody: new URLSearchParams(params).toString(),
      });
      await route({
        method: 'POST',
        path: '/webhooks/sendgrid/events',
        query: '',
        headers: runtime.sendgrid.signPayload(
          JSON.stringify([{ email: petra.email, event: 'bounce' }]),
          Math.floor(runtime.clock.now().toSeconds()),
        ),
        rawBody: JSON.stringify([{ email: petra.email, event: 'bounce' }]),
      });
      logger.error(
        'an SDK error as the handlers would log it',
        new Error(
          `To=${olga.phone} from ${olga.email}; body To=${encodeURIComponent(olga.phone)}&Email=${encodeURIComponent(olga.email)}; tel:${olga.phone}.; call (415) 555-0100`,
        ),
      );
      bus.destroy();
    } finally {
      process.stdout.write = stdout;
      process.stderr.write = stderr;
    }

    // Assert
    const lines = written
      .join('')
      .split('\n')
      .filter((line) => line.trim() !== '');
    const found = leaks(lines);
    recordFigures(task, {
      suite: '7 secrets and PII in logs',
      injected: cells([
        ['known fake credentials', 3],
        ['known phone numbers and emails', CUSTOMERS.length * 2],
        ['contact data in hard forms (tel:, (415) 555-0100, URL-encoded, punctuation)', HARD_FORMS.length],
        [
          'flows',
          'SMS + email sends, 429/500, lost answer, crash quoting its request, rejected events, STOP/START, forged webhook',
        ],
      ]),
      observed: cells([
        ['runtime log lines', runtimeFigures.lines],
        ['Powertools log lines', lines.length],
        ['unmasked secrets or contact data', runtimeFigures.leaks + found.length],
      ]),
    });
    expect(lines.length).toBeGreaterThan(5);
    expect(lines.some((line) => line.includes('"message":"event rejected"'))).toBe(true);
    expect(lines.some((line) => line.includes('"message":"send attempt"'))).toBe(true);
    expect(lines.some((line) => line.includes('webhook refused'))).toBe(true);
    expect(found).toEqual([]);
  });
});

const runtimeFigures = { lines: 0, leaks: 0 };
