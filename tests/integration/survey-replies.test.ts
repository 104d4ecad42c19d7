import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalRuntime, startLocalRuntime } from '../../local/runtime/local-runtime.ts';
import { countDynamoDbCalls } from '../support/count-dynamodb-calls.ts';

// Survey answers through the real signed path: the Twilio sandbox signs the inbound webhook as
// Twilio does, the webhook router hands it to the reply use case, DynamoDB Local keeps the reply.
// The fixture has a survey rule (replies: expect score) and a callback confirmation rule that
// asks nothing; the confirmation goes out AFTER the survey, so "the latest message" is the wrong
// answer and "the latest question" the right one.
const START = DateTime.fromISO('2026-11-24T09:00:00Z', { zone: 'utc' });
const OUR_NUMBER = '+46766861004';

let runtime: LocalRuntime;
let projectDir: string;
let bus: EventBridgeClient;

function rule(id: string, detailType: string, extra: string[]): string {
  return [
    `id: ${id}`,
    `description: ${id} (fixture).`,
    'on:',
    '  source: [acme.contact-centre]',
    `  detail-type: [${detailType}]`,
    'send: immediately',
    'window: always',
    'urgent: true',
    'channels: [sms]',
    `template: ${id}`,
    ...extra,
    '',
  ].join('\n');
}

beforeAll(async () => {
  projectDir = mkdtempSync(join(tmpdir(), 'nudge-survey-'));
  mkdirSync(join(projectDir, 'rules'));
  for (const id of ['survey', 'confirm']) mkdirSync(join(projectDir, 'templates', id), { recursive: true });
  writeFileSync(
    join(projectDir, 'rules', 'survey.yaml'),
    rule('survey', 'CallEnded', ['replies:', '  expect: score', '  within: P3D']),
  );
  writeFileSync(join(projectDir, 'rules', 'confirm.yaml'), rule('confirm', 'CallbackBooked', []));
  writeFileSync(join(projectDir, 'templates', 'survey', 'en.sms.liquid'), 'How did we do, 1-5?');
  writeFileSync(join(projectDir, 'templates', 'confirm', 'en.sms.liquid'), 'Callback booked.');
  writeFileSync(join(projectDir, 'nudge.config.yaml'), JSON.stringify({ defaults: { locale: 'en' } }));
  runtime = await startLocalRuntime({
    projectDir,
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

afterAll(async () => {
  bus?.destroy();
  await runtime?.stop();
  if (projectDir !== undefined) rmSync(projectDir, { recursive: true, force: true });
});

async function put(detailType: string, id: string, phone: string) {
  const customer = { id, phone, locale: 'en', timeZone: 'Europe/Stockholm' };
  await bus.send(
    new PutEventsCommand({
      Entries: [
        { Source: 'acme.contact-centre', DetailType: detailType, Detail: JSON.stringify({ customer }) },
      ],
    }),
  );
  await runtime.settle();
}

async function text(from: string, body: string): Promise<string> {
  const result = await runtime.twilio.sendInbound({ from, to: OUR_NUMBER, body });
  await runtime.settle();
  expect(result.status).toBe(200);
  return result.sid;
}

/** The id of the customer's one message of `ruleId`, read from the store. */
async function messageIdOf(customerId: string, ruleId: string): Promise<string> {
  const timeline = await runtime.stores.queries.customerTimeline(customerId, 50);
  const found = timeline.messages.filter((message) => message.ruleId === ruleId);
  expect(found).toHaveLength(1);
  return found[0]?.messageId ?? '';
}

const answers = () => runtime.outcomes().filter((event) => event['detail-type'] === 'SurveyAnswered');

describe('a survey reply is attributed to the question, not to the latest message', () => {
  it('"4" after a later callback confirmation answers the survey with score 4', async () => {
    const phone = '+46705551001';
    await put('CallEnded', 'cust-s1', phone);
    runtime.clock.advance({ hours: 1 });
    await put('CallbackBooked', 'cust-s1', phone);
    runtime.clock.advance({ hours: 1 });
    const sent = runtime.twilio
      .messages()
      .filter((sms) => sms.direction === 'outbound-api' && sms.to === phone);
    expect(sent.map((sms) => sms.body)).toEqual(['How did we do, 1-5?', 'Callback booked.']);
    const survey = await messageIdOf('cust-s1', 'survey');
    const calls = countDynamoDbCalls(runtime.dynamoClient);

    await text(phone, '4');
    calls.stop();

    const timeline = await runtime.stores.queries.customerTimeline('cust-s1', 50);
    expect(timeline.replies).toHaveLength(1);
    expect(timeline.replies[0]).toMatchObject({
      body: '4',
      messageId: survey,
      ruleId: 'survey',
      attribution: 'question',
      score: 4,
    });
    // Found with one bounded Query of the address index (and a batch read), never a Scan.
    expect(calls.counts().Scan ?? 0).toBe(0);
    expect(calls.counts().Query).toBe(1);
    expect(answers().map((event) => event.detail)).toEqual([
      expect.objectContaining({
        ruleId: 'survey',
        messageId: survey,
        customerId: 'cust-s1',
        score: 4,
        text: '4',
        channel: 'sms',
      }),
    ]);
  });

  it('an unreadable answer is kept as text with score null; after the window it answers nothing', async () => {
    const phone = '+46705551002';
    await put('CallEnded', 'cust-s2', phone);
    runtime.clock.advance({ hours: 2 });
    const before = answers().length;

    await text(phone, 'ten out of ten!!');
    runtime.clock.advance({ days: 3 });
    await text(phone, '5');

    const added = answers().slice(before);
    expect(added.map((event) => [event.detail.score, event.detail.text])).toEqual([
      [null, 'ten out of ten!!'],
    ]);
    const replies = (await runtime.stores.queries.customerTimeline('cust-s2', 50)).replies;
    const late = replies.find((reply) => reply.body === '5');
    // Past P3D the survey is closed: the reply is kept, about the latest message, with no score.
    expect(late).toMatchObject({ attribution: 'latest-message', ruleId: 'survey' });
    expect(late?.score).toBeUndefined();
  });

  it('a reply from a number never messaged is recorded, about nothing', async () => {
    const before = answers().length;
    const sid = await text('+46705551099', '5');
    expect(await runtime.stores.inboundReplies.hasReply(sid)).toBe(true);
    expect(answers().length).toBe(before);
    const replied = runtime.outcomes().find((event) => event.detail.replyId === sid);
    expect(replied?.detail).toMatchObject({ text: '5' });
    expect(replied?.detail.messageId).toBeUndefined();
  });
});
