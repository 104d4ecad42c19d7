import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import fc from 'fast-check';
import { DateTime } from 'luxon';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalRuntime } from '../../local/runtime/local-runtime.ts';
import { computeTwilioSignature } from '../../local/sandboxes/index.ts';
import { cells, recordFigures } from './support/figures.ts';
import { startFrozenRuntime } from './support/runtime-driver.ts';
import { sized } from './support/scale.ts';

// Guarantee: a webhook with a missing, wrong or stale signature, a tampered body or query, or an
// oversized body is refused and changes nothing; a replay of a valid one is absorbed (no second
// state change, no second outcome event). Real HTTP against the runtime's webhook endpoint, the
// same router the Lambda Function URL serves; the affected DynamoDB items are compared byte for
// byte before and after.
const SEED = 20_270_601;
const FORGERIES = sized(300, 3_000);
const START = DateTime.fromISO('2027-02-02T09:00:00Z', { zone: 'utc' });
const CREDENTIALS = {
  twilioAccountSid: `AC${'f'.repeat(32)}`,
  twilioAuthToken: 'forged-suite-auth-token',
  sendgridApiKey: 'SG.forged-suite-api-key',
};
const SANDBOX_NUMBER = '+46766861004';
const CUSTOMER = {
  id: 'cust-hook',
  firstName: 'Hugo',
  phone: '+46701117777',
  email: 'hugo@example.se',
  locale: 'sv',
  timeZone: 'Europe/Stockholm',
};

let runtime: LocalRuntime;
let doc: DynamoDBDocumentClient;
const ids = { sms: '', email: '', stopSid: '' };

beforeAll(async () => {
  runtime = await startFrozenRuntime(START, { sandboxCredentials: CREDENTIALS });
  doc = DynamoDBDocumentClient.from(runtime.dynamoClient);
  const event = (n: number, type: string, source: string, detail: Record<string, unknown>) => ({
    version: '0',
    id: `ev-hook-${n}`,
    'detail-type': type,
    source,
    time: runtime.clock.now().toISO(),
    detail: { ...detail, customer: CUSTOMER },
  });
  const sms = await runtime.evaluate(
    event(1, 'CallbackBooked', 'acme.contact-centre', {
      callbackId: 'CB-H',
      caseId: 'K-H',
      callbackAt: START.plus({ hours: 3 }).toISO(),
    }),
  );
  const email = await runtime.evaluate(
    event(2, 'EmailReceived', 'acme.contact-centre', {
      channel: 'email',
      caseId: 'K-H2',
      subject: 'Hej',
      receivedAt: START.toISO(),
    }),
  );
  await runtime.settle();
  ids.sms = sms.planned.find((item) => item.ruleId === 'callback-booked')?.messageId ?? '';
  ids.email = email.planned.find((item) => item.ruleId === 'email-received')?.messageId ?? '';
  // The customer says STOP, then START a minute later: a replayed STOP must not opt them out again.
  const stop = await runtime.twilio.sendInbound({ from: CUSTOMER.phone, to: SANDBOX_NUMBER, body: 'STOPP' });
  ids.stopSid = stop.sid;
  runtime.clock.set(runtime.clock.now().plus({ minutes: 1 }));
  await runtime.twilio.sendInbound({ from: CUSTOMER.phone, to: SANDBOX_NUMBER, body: 'START' });
  await runtime.settle();
}, 120_000);

afterAll(async () => runtime?.stop());

/** The items a webhook could change, exactly as stored. */
async function snapshot(extraReplyIds: ReadonlyArray<string> = []): Promise<string> {
  const keys = [
    { PK: `MSG#${ids.sms}`, SK: 'MSG' },
    { PK: `MSG#${ids.email}`, SK: 'MSG' },
    { PK: `CUST#${CUSTOMER.id}`, SK: 'PROFILE' },
    { PK: `CUST#${CUSTOMER.id}`, SK: 'CAP' },
    { PK: `REPLY#${ids.stopSid}`, SK: 'REPLY' },
    ...extraReplyIds.map((sid) => ({ PK: `REPLY#${sid}`, SK: 'REPLY' })),
  ];
  const items = [];
  for (const key of keys) {
    items.push(
      (await doc.send(new GetCommand({ TableName: runtime.tableName, Key: key, ConsistentRead: true })))
        .Item ?? null,
    );
  }
  return JSON.stringify(items);
}

async function post(
  path: string,
  headers: Record<string, string>,
  body: string,
  method = 'POST',
): Promise<number> {
  const response = await fetch(`${runtime.urls.webhooks}${path}`, {
    method,
    headers,
    ...(method === 'GET' ? {} : { body }),
  });
  await response.text();
  return response.status;
}

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

interface Forgery {
  kind: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  method?: string;
  /** Inbound replies it tried to record (they must not exist afterwards). */
  replySid?: string;
}

/** Forged requests of every kind, built from the real ones so only the forgery differs. */
function forgeryArb(now: () => DateTime): fc.Arbitrary<Forgery> {
  const statusPath = () => `/webhooks/twilio/status?messageId=${ids.sms}`;
  const statusUrl = () => `${runtime.urls.webhooks}${statusPath()}`;
  const statusParams = (status: string): Record<string, string> => ({
    AccountSid: CREDENTIALS.twilioAccountSid,
    ApiVersion: '2010-04-01',
    From: SANDBOX_NUMBER,
    MessageSid: `SM${'1'.repeat(32)}`,
    MessageStatus: status,
    SmsSid: `SM${'1'.repeat(32)}`,
    SmsStatus: status,
    To: CUSTOMER.phone,
    ...(status === 'undelivered' || status === 'failed' ? { ErrorCode: '30003' } : {}),
  });
  const twilioHeaders = (signature: string | undefined) => ({
    'content-type': 'application/x-www-form-urlencoded',
    ...(signature === undefined ? {} : { 'x-twilio-signature': signature }),
  });
  const inboundParams = (sid: string, body: string): Record<string, string> => ({
    AccountSid: CREDENTIALS.twilioAccountSid,
    ApiVersion: '2010-04-01',
    Body: body,
    From: CUSTOMER.phone,
    MessageSid: sid,
    NumMedia: '0',
    SmsStatus: 'received',
    To: SANDBOX_NUMBER,
  });
  const sendgridBody = (event: string) =>
    JSON.stringify([
      {
        email: CUSTOMER.email,
        event,
        messageId: ids.email,
        sg_event_id: `sg-${randomBytes(6).toString('hex')}`,
        timestamp: Math.floor(now().toSeconds()),
      },
    ]);
  const status = fc.constantFrom('undelivered', 'failed', 'delivered');
  const garbage = fc.oneof(
    fc.base64String({ minLength: 1, maxLength: 40 }),
    fc.string({ minLength: 1, maxLength: 40 }).filter((text) => /^[\x20-\x7e]+$/.test(text)),
  );
  const sid = fc.constant(null).map(() => `SM${randomBytes(16).toString('hex')}`);

  return fc.oneof(
    status.map(
      (value): Forgery => ({
        kind: 'Twilio status, no signature',
        path: statusPath(),
        headers: twilioHeaders(undefined),
        body: form(statusParams(value)),
      }),
    ),
    fc.tuple(status, garbage).map(
      ([value, signature]): Forgery => ({
        kind: 'Twilio status, wrong signature',
        path: statusPath(),
        headers: twilioHeaders(signature),
        body: form(statusParams(value)),
      }),
    ),
    status.map(
      (value): Forgery => ({
        kind: 'Twilio status, signed with another token',
        path: statusPath(),
        headers: twilioHeaders(computeTwilioSignature('not-the-token', statusUrl(), statusParams(value))),
        body: form(statusParams(value)),
      }),
    ),
    status.map((value): Forgery => {
      const signed = statusParams('delivered');
      return {
        kind: 'Twilio status, body tampered after signing',
        path: statusPath(),
        headers: twilioHeaders(computeTwilioSignature(CREDENTIALS.twilioAuthToken, statusUrl(), signed)),
        body: form({
          ...signed,
          MessageStatus: value === 'delivered' ? 'failed' : value,
          ErrorCode: '30007',
        }),
      };
    }),
    status.map(
      (value): Forgery => ({
        kind: 'Twilio status, signed for another message id',
        path: statusPath(),
        headers: twilioHeaders(
          computeTwilioSignature(
            CREDENTIALS.twilioAuthToken,
            `${runtime.urls.webhooks}/webhooks/twilio/status?messageId=m-other`,
            statusParams(value),
          ),
        ),
        body: form(statusParams(value)),
      }),
    ),
    fc.tuple(sid, garbage).map(
      ([replySid, signature]): Forgery => ({
        kind: 'Twilio inbound STOP, wrong signature',
        path: '/webhooks/twilio/inbound',
        headers: twilioHeaders(signature),
        body: form(inboundParams(replySid, 'START')),
        replySid,
      }),
    ),
    sid.map(
      (replySid): Forgery => ({
        kind: 'Twilio inbound, body tampered after signing',
        path: '/webhooks/twilio/inbound',
        headers: twilioHeaders(
          computeTwilioSignature(
            CREDENTIALS.twilioAuthToken,
            `${runtime.urls.webhooks}/webhooks/twilio/inbound`,
            inboundParams(replySid, 'HELP'),
          ),
        ),
        body: form(inboundParams(replySid, 'START')),
        replySid,
      }),
    ),
    fc.constantFrom('bounce', 'dropped', 'spamreport').map(
      (event): Forgery => ({
        kind: 'SendGrid, no signature',
        path: '/webhooks/sendgrid/events',
        headers: { 'content-type': 'application/json' },
        body: sendgridBody(event),
      }),
    ),
    fc.tuple(fc.constantFrom('bounce', 'dropped', 'spamreport'), garbage).map(
      ([event, signature]): Forgery => ({
        kind: 'SendGrid, wrong signature',
        path: '/webhooks/sendgrid/events',
        headers: {
          'content-type': 'application/json',
          'x-twilio-email-event-webhook-signature': signature,
          'x-twilio-email-event-webhook-timestamp': String(Math.floor(now().toSeconds())),
        },
        body: sendgridBody(event),
      }),
    ),
    fc
      .tuple(
        fc.constantFrom('bounce', 'dropped', 'spamreport'),
        fc.integer({ min: 301, max: 86_400 }),
        fc.boolean(),
      )
      .map(([event, age, future]): Forgery => {
        const body = sendgridBody(event);
        const at = Math.floor(now().toSeconds()) + (future ? age : -age);
        return {
          kind: 'SendGrid, stale or future timestamp (validly signed)',
          path: '/webhooks/sendgrid/events',
          headers: { 'content-type': 'application/json', ...runtime.sendgrid.signPayload(body, at) },
          body,
        };
      }),
    fc.constantFrom('bounce', 'dropped', 'spamreport').map((event): Forgery => {
      const signedFor = sendgridBody('delivered');
      return {
        kind: 'SendGrid, body tampered after signing',
        path: '/webhooks/sendgrid/events',
        headers: {
          'content-type': 'application/json',
          ...runtime.sendgrid.signPayload(signedFor, Math.floor(now().toSeconds())),
        },
        body: signedFor.replace('"delivered"', `"${event}"`),
      };
    }),
    // Past 1 MB: over the cap today (256 KB) and after it is raised for SendGrid's batches (1 MB).
    fc.integer({ min: 1024 * 1024 + 1, max: 2 * 1024 * 1024 }).map(
      (size): Forgery => ({
        kind: 'oversized body',
        path: '/webhooks/sendgrid/events',
        headers: {
          'content-type': 'application/json',
          ...runtime.sendgrid.signPayload('[]', Math.floor(now().toSeconds())),
        },
        body: `[${' '.repeat(size)}]`,
      }),
    ),
    fc
      .constantFrom('GET', 'PUT', 'DELETE')
      .map(
        (method): Forgery => ({ kind: 'wrong method', path: statusPath(), headers: {}, body: '', method }),
      ),
  );
}

describe('6 forged and replayed webhooks', () => {
  it('forged, tampered, stale and oversized webhooks are refused and change no record; replays of valid ones are absorbed', async ({
    task,
  }) => {
    // Arrange
    console.info(`forged webhooks: seed ${SEED}`);
    const smsRecord = await runtime.stores.messages.getMessage(ids.sms);
    const profile = await runtime.stores.profiles.getProfile(CUSTOMER.id);
    expect(smsRecord?.status).toBe('delivered');
    expect((await runtime.stores.messages.getMessage(ids.email))?.status).toBe('delivered');
    expect(profile?.consent.sms?.granted).toBe(true);
    const forgeries = fc.sample(
      forgeryArb(() => runtime.clock.now()),
      { seed: SEED, numRuns: FORGERIES },
    );
    const before = await snapshot(
      forgeries.flatMap((forgery) => (forgery.replySid === undefined ? [] : [forgery.replySid])),
    );
    const outcomesBefore = runtime.outcomes().length;
    const smsDelivered = runtime.twilio
      .callbacks()
      .find((attempt) => attempt.kind === 'status' && attempt.body.includes('MessageStatus=delivered'));
    const stopAttempt = runtime.twilio
      .callbacks()
      .find((attempt) => attempt.kind === 'inbound' && attempt.subject === ids.stopSid);
    const emailEvents = runtime.sendgrid
      .eventDeliveries()
      .filter((attempt) => attempt.body.includes(ids.email));

    // Act
    const answers = new Map<string, number[]>();
    for (const forgery of forgeries) {
      const status = await post(forgery.path, forgery.headers, forgery.body, forgery.method);
      answers.set(forgery.kind, [...(answers.get(forgery.kind) ?? []), status]);
    }
    const replays = [];
    for (let round = 0; round < 3; round++) {
      if (smsDelivered !== undefined) replays.push(await runtime.twilio.replayCallback(smsDelivered.id));
      if (stopAttempt !== undefined) replays.push(await runtime.twilio.replayCallback(stopAttempt.id));
      for (const attempt of emailEvents) replays.push(await runtime.sendgrid.replayDelivery(attempt.id));
    }
    await runtime.settle();
    runtime.clock.set(runtime.clock.now().plus({ minutes: 10 }));
    const lateReplays = [];
    for (const attempt of emailEvents) lateReplays.push(await runtime.sendgrid.replayDelivery(attempt.id));

    // Assert
    const after = await snapshot(
      forgeries.flatMap((forgery) => (forgery.replySid === undefined ? [] : [forgery.replySid])),
    );
    const refused = [...answers.values()].flat().filter((status) => status >= 400).length;
    const accepted = [...answers].filter(([, statuses]) => statuses.some((status) => status < 400));
    recordFigures(task, {
      suite: '6 forged and replayed webhooks',
      seed: SEED,
      injected: cells([
        ['forged requests', forgeries.length],
        ['kinds', answers.size],
        [
          'replays of valid requests (a STOP after a START included; SendGrid within its 5 minutes)',
          replays.length,
        ],
        ['SendGrid replays after it', lateReplays.length],
      ]),
      observed: cells([
        ['refused (403/413/405)', refused],
        ['accepted forgeries', accepted.length],
        [
          'replays absorbed (200, no change)',
          replays.filter((attempt) => attempt.responseStatus === 200).length,
        ],
        ['late replays refused', lateReplays.filter((attempt) => attempt.responseStatus === 403).length],
        ['records changed', after === before ? 0 : 1],
        ['outcome events added', runtime.outcomes().length - outcomesBefore],
      ]),
    });
    expect(accepted.map(([kind]) => kind)).toEqual([]);
    for (const [kind, statuses] of answers) {
      const expected = kind === 'oversized body' ? 413 : kind === 'wrong method' ? 405 : 403;
      expect(new Set(statuses), kind).toEqual(new Set([expected]));
    }
    expect(replays.length).toBeGreaterThanOrEqual(9);
    expect(replays.map((attempt) => attempt.responseStatus)).toEqual(replays.map(() => 200));
    expect(lateReplays.map((attempt) => attempt.responseStatus)).toEqual(lateReplays.map(() => 403));
    expect(after).toBe(before);
    expect(runtime.outcomes().length).toBe(outcomesBefore);
  });

  it("Twilio requests signed with twilio's own helper for another scheme, host, port, path or query, or with parameters added, removed or doubled after signing: each refused (403), nothing changes", async ({
    task,
  }) => {
    // Arrange
    const real = new URL(runtime.urls.webhooks);
    const inboundPath = '/webhooks/twilio/inbound';
    const statusPath = `/webhooks/twilio/status?messageId=${ids.sms}`;
    const token = CREDENTIALS.twilioAuthToken;
    const sid = () => `SM${randomBytes(16).toString('hex')}`;
    const inbound = (replySid: string, body: string): Record<string, string> => ({
      AccountSid: CREDENTIALS.twilioAccountSid,
      ApiVersion: '2010-04-01',
      Body: body,
      From: CUSTOMER.phone,
      MessageSid: replySid,
      NumMedia: '0',
      SmsStatus: 'received',
      To: SANDBOX_NUMBER,
    });
    const status = (value: string): Record<string, string> => ({
      AccountSid: CREDENTIALS.twilioAccountSid,
      MessageSid: `SM${'2'.repeat(32)}`,
      MessageStatus: value,
      To: CUSTOMER.phone,
      ErrorCode: '30003',
    });
    const at = (origin: string, path: string) => `${origin}${path}`;
    interface Forged {
      kind: string;
      path: string;
      /** The URL the signature was made for, by twilio's own helper. */
      signedUrl: string;
      signedParams: Record<string, string>;
      /** The body actually sent (default: the signed params). */
      body?: string;
      host?: string;
      replySid?: string;
    }
    const origin = `${real.protocol}//${real.host}`;
    const forgeries: Forged[] = [];
    for (const [path, params, replySid] of [
      [inboundPath, inbound(sid(), 'STOP'), undefined],
      [statusPath, status('undelivered'), undefined],
    ] as const) {
      const replyId = params.MessageSid;
      const reply = path === inboundPath ? replyId : replySid;
      const base = { path, signedParams: { ...params }, ...(reply === undefined ? {} : { replySid: reply }) };
      forgeries.push(
        { ...base, kind: 'https instead of http', signedUrl: at(`https://${real.host}`, path) },
        { ...base, kind: 'another host (localhost)', signedUrl: at(`http://localhost:${real.port}`, path) },
        {
          ...base,
          kind: 'another host, Host header to match',
          signedUrl: at(`http://evil.example:${real.port}`, path),
          host: `evil.example:${real.port}`,
        },
        {
          ...base,
          kind: 'another host, no port, Host header to match',
          signedUrl: at('https://evil.example', path),
          host: 'evil.example',
        },
        {
          ...base,
          kind: 'another port',
          signedUrl: at(`http://${real.hostname}:${Number(real.port) + 1}`, path),
        },
        { ...base, kind: 'no port', signedUrl: at(`http://${real.hostname}`, path) },
        { ...base, kind: 'another path', signedUrl: at(origin, `${path.split('?')[0]}x`) },
        {
          ...base,
          kind: 'query parameter added after signing',
          signedUrl: at(origin, path),
          path: `${path}${path.includes('?') ? '&' : '?'}extra=1`,
        },
        {
          ...base,
          kind: 'parameter added after signing',
          signedUrl: at(origin, path),
          body: new URLSearchParams({ ...params, OptOutType: 'STOP' }).toString(),
        },
        {
          ...base,
          kind: 'parameter removed after signing',
          signedUrl: at(origin, path),
          body: new URLSearchParams(
            Object.entries(params).filter(([name]) => name !== 'AccountSid'),
          ).toString(),
        },
        {
          ...base,
          kind: 'parameter doubled after signing',
          signedUrl: at(origin, path),
          body: `${new URLSearchParams(params).toString()}&${path === inboundPath ? 'Body=START' : 'MessageStatus=delivered'}`,
        },
      );
    }
    // Control: the same requests, signed for the real URL by twilio's helper, are accepted, so a
    // refusal above is the forgery's doing, not the helper's. (They run after the forgeries.)
    const replyIds = forgeries.flatMap((forgery) =>
      forgery.replySid === undefined ? [] : [forgery.replySid],
    );
    const before = await snapshot(replyIds);
    const outcomesBefore = runtime.outcomes().length;

    // Act
    const answers: Array<{ kind: string; path: string; status: number }> = [];
    for (const forgery of forgeries) {
      const body = forgery.body ?? new URLSearchParams(forgery.signedParams).toString();
      const signature = getExpectedTwilioSignature(token, forgery.signedUrl, forgery.signedParams);
      const answer = await rawPost(real, forgery.path, body, {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': signature,
        ...(forgery.host === undefined ? {} : { host: forgery.host }),
      });
      answers.push({ kind: forgery.kind, path: forgery.path.split('?')[0] ?? '', status: answer });
    }
    const after = await snapshot(replyIds);
    const outcomesAfter = runtime.outcomes().length;
    const controlParams = inbound(sid(), 'HELP');
    const control = await rawPost(real, inboundPath, new URLSearchParams(controlParams).toString(), {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': getExpectedTwilioSignature(token, at(origin, inboundPath), controlParams),
    });

    // Assert
    const accepted = answers.filter((answer) => answer.status !== 403);
    recordFigures(task, {
      suite: '6b Twilio forgeries signed by the twilio package',
      injected: cells([
        ['forged requests', forgeries.length],
        [
          'kinds (scheme, host, Host header, port, path, query, added/removed/doubled parameter)',
          new Set(forgeries.map((f) => f.kind)).size,
        ],
      ]),
      observed: cells([
        ['refused 403', answers.length - accepted.length],
        ['accepted or other status', accepted.length],
        ['records changed', after === before ? 0 : 1],
        ['outcome events added', outcomesAfter - outcomesBefore],
        ['control (signed for the real URL) answered', control],
      ]),
      key: [
        {
          figure: 'Twilio forgeries (signed by twilio) refused',
          value: `${answers.length - accepted.length}/${answers.length}`,
          target: '100 %',
        },
      ],
    });
    expect(accepted.map((answer) => `${answer.path} ${answer.kind}: ${answer.status}`)).toEqual([]);
    expect(after).toBe(before);
    expect(outcomesAfter).toBe(outcomesBefore);
    expect(control).toBe(200);
  });
});

/** POSTs with node:http, so the Host header can be what a forger sends (fetch would not allow it). */
function rawPost(target: URL, path: string, body: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { host: target.hostname, port: Number(target.port), method: 'POST', path, headers },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
    request.end(body);
  });
}
