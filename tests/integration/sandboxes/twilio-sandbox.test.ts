import twilio from 'twilio';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTwilioClient,
  observeTwilioCall,
  retryAfterSeconds,
  type TwilioClient,
} from '../../../functions/adapters/twilio/twilio-client.ts';
import {
  type RecordedWebhook,
  startTwilioSandbox,
  startWebhookRecorder,
  type TwilioSandbox,
  type WebhookRecorder,
} from '../../../local/sandboxes/index.ts';

const ACCOUNT_SID = `AC${'5a1d0b0c'.repeat(4)}`;
const AUTH_TOKEN = 'sandbox-auth-token-0f1e2d3c4b5a6978';
const FROM = '+15005550006';

function formOf(request: RecordedWebhook): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(request.rawBody));
}

function signatureIsValid(request: RecordedWebhook, authToken = AUTH_TOKEN): boolean {
  const signature = request.headers['x-twilio-signature'];
  if (signature === undefined) return false;
  return twilio.validateRequest(authToken, signature, request.url, formOf(request));
}

function forMessage(sid: string) {
  return (request: RecordedWebhook) => formOf(request).MessageSid === sid;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

describe('Twilio sandbox through the real twilio SDK', () => {
  let sandbox: TwilioSandbox;
  let receiver: WebhookRecorder;
  let client: TwilioClient;

  beforeAll(async () => {
    receiver = await startWebhookRecorder();
    sandbox = await startTwilioSandbox({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      statusCallbackDelayMs: 5,
      inboundWebhookUrl: `${receiver.url}/sms/inbound`,
    });
    client = createTwilioClient({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: sandbox.url,
      timeoutMs: 5_000,
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await receiver?.stop();
  });

  beforeEach(() => {
    sandbox.faults.reset();
    receiver.respondWith(200);
  });

  it('sends an SMS and keeps it with every field', async () => {
    const message = await client.messages.create({
      to: '+15558675310',
      from: FROM,
      body: 'Your trial ends tomorrow',
      statusCallback: `${receiver.url}/sms/status/keep`,
    });

    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(message).toMatchObject({
      accountSid: ACCOUNT_SID,
      to: '+15558675310',
      from: FROM,
      body: 'Your trial ends tomorrow',
      status: 'queued',
      direction: 'outbound-api',
      numSegments: '1',
      numMedia: '0',
      apiVersion: '2010-04-01',
      errorCode: null,
      uri: `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${message.sid}.json`,
    });
    expect(message.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(message.dateCreated.getTime())).toBe(false);
    expect(sandbox.message(message.sid)).toMatchObject({
      sid: message.sid,
      to: '+15558675310',
      from: FROM,
      body: 'Your trial ends tomorrow',
      statusCallback: `${receiver.url}/sms/status/keep`,
      encoding: 'GSM-7',
      params: {
        To: '+15558675310',
        From: FROM,
        Body: 'Your trial ends tomorrow',
        StatusCallback: `${receiver.url}/sms/status/keep`,
      },
    });
  });

  it('posts sent then delivered, signed so that twilio.validateRequest accepts them', async () => {
    const callbackUrl = `${receiver.url}/sms/status/delivered?tenant=t1`;
    const message = await client.messages.create({
      to: '+15558675311',
      from: FROM,
      body: 'Hello',
      statusCallback: callbackUrl,
    });

    const callbacks = await receiver.waitFor(2, forMessage(message.sid));
    await sandbox.whenIdle();

    expect(callbacks.map((c) => formOf(c).MessageStatus)).toEqual(['sent', 'delivered']);
    for (const callback of callbacks) {
      expect(callback.url).toBe(callbackUrl);
      expect(callback.headers['content-type']).toBe('application/x-www-form-urlencoded');
      expect(signatureIsValid(callback)).toBe(true);
      const form = formOf(callback);
      expect(form).toMatchObject({
        MessageSid: message.sid,
        SmsSid: message.sid,
        AccountSid: ACCOUNT_SID,
        From: FROM,
        To: '+15558675311',
        SmsStatus: form.MessageStatus,
        ApiVersion: '2010-04-01',
      });
      expect(form.ErrorCode).toBeUndefined();
    }
    // The same signature must not validate a tampered body or another key.
    const [first] = callbacks;
    if (first === undefined) throw new Error('no callback');
    const tampered = { ...first, rawBody: first.rawBody.replace('sent', 'delivered') };
    expect(signatureIsValid(tampered)).toBe(false);
    expect(signatureIsValid(first, 'another-token')).toBe(false);

    const fetched = await client.messages(message.sid).fetch();
    expect(fetched.status).toBe('delivered');
    expect(fetched.dateSent).toBeInstanceOf(Date);
    const attempts = sandbox.callbacks().filter((a) => a.subject === message.sid);
    expect(attempts.map((a) => [a.kind, a.responseStatus, a.accepted])).toEqual([
      ['status', 200, true],
      ['status', 200, true],
    ]);
  });

  it('reports undelivered after sent, and failed alone, with the configured error codes', async () => {
    sandbox.setRecipientOutcome('+15550030003', { status: 'undelivered', errorCode: 30003 });
    sandbox.setRecipientOutcome('+15550030006', { status: 'failed', errorCode: 30006 });
    const statusCallback = `${receiver.url}/sms/status/outcomes`;

    const undelivered = await client.messages.create({
      to: '+15550030003',
      from: FROM,
      body: 'a',
      statusCallback,
    });
    const failed = await client.messages.create({
      to: '+15550030006',
      from: FROM,
      body: 'b',
      statusCallback,
    });
    const undeliveredCallbacks = await receiver.waitFor(2, forMessage(undelivered.sid));
    const failedCallbacks = await receiver.waitFor(1, forMessage(failed.sid));
    await sandbox.whenIdle();

    expect(undeliveredCallbacks.map((c) => [formOf(c).MessageStatus, formOf(c).ErrorCode])).toEqual([
      ['sent', undefined],
      ['undelivered', '30003'],
    ]);
    expect(sandbox.callbacks().filter((a) => a.subject === failed.sid)).toHaveLength(1);
    expect(failedCallbacks.map((c) => [formOf(c).MessageStatus, formOf(c).ErrorCode])).toEqual([
      ['failed', '30006'],
    ]);
    expect(failedCallbacks.every((c) => signatureIsValid(c))).toBe(true);
    const fetched = await client.messages(undelivered.sid).fetch();
    expect(fetched).toMatchObject({ status: 'undelivered', errorCode: 30003 });
  });

  it('records a callback the receiver refused, with the status it answered', async () => {
    receiver.respondWith((request) => (request.path.startsWith('/sms/status/refuse') ? 403 : 200));
    const message = await client.messages.create({
      to: '+15558675312',
      from: FROM,
      body: 'Hi',
      statusCallback: `${receiver.url}/sms/status/refuse`,
    });

    await sandbox.whenIdle();

    const attempts = sandbox.callbacks().filter((a) => a.subject === message.sid);
    expect(attempts.map((a) => [a.responseStatus, a.accepted, a.error])).toEqual([
      [403, false, null],
      [403, false, null],
    ]);
  });

  it('moves a message only when told to in manual mode', async () => {
    const manual = await startTwilioSandbox({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      statusCallbacks: 'manual',
    });
    try {
      const manualClient = createTwilioClient({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        apiBaseUrl: manual.url,
      });
      const message = await manualClient.messages.create({
        to: '+15558675313',
        from: FROM,
        body: 'Later',
        statusCallback: `${receiver.url}/sms/status/manual`,
      });
      expect(manual.message(message.sid)?.status).toBe('queued');

      const attempts = await manual.deliverOutcome(message.sid, { status: 'undelivered', errorCode: 30005 });

      expect(attempts.map((a) => new URLSearchParams(a.body).get('MessageStatus'))).toEqual([
        'sent',
        'undelivered',
      ]);
      expect(manual.message(message.sid)).toMatchObject({ status: 'undelivered', errorCode: 30005 });
      await expect(manual.deliverOutcome(message.sid)).rejects.toThrow(/already undelivered/);
    } finally {
      await manual.stop();
    }
  });

  it('lets a Messaging Service pick the sender', async () => {
    const message = await client.messages.create({
      to: '+15558675314',
      messagingServiceSid: `MG${'0'.repeat(32)}`,
      body: 'Via service',
    });
    expect(message).toMatchObject({ status: 'accepted', from: null, numSegments: '0' });

    await sandbox.whenIdle();

    expect(sandbox.message(message.sid)).toMatchObject({ status: 'delivered', from: FROM, numSegments: 1 });
  });

  it('counts segments like a carrier for long and non-GSM bodies', async () => {
    const long = await client.messages.create({ to: '+15558675315', from: FROM, body: 'x'.repeat(161) });
    const unicode = await client.messages.create({ to: '+15558675315', from: FROM, body: '✓'.repeat(71) });

    expect(long.numSegments).toBe('2');
    expect(unicode.numSegments).toBe('2');
    expect(sandbox.message(unicode.sid)?.encoding).toBe('UCS-2');
  });

  it('lists messages across pages and answers 20404 for an unknown sid', async () => {
    const to = '+15558675316';
    for (const body of ['one', 'two', 'three']) await client.messages.create({ to, from: FROM, body });

    const listed = await client.messages.list({ to, pageSize: 2, limit: 3 });
    const missing = await rejectionOf(client.messages(`SM${'0'.repeat(32)}`).fetch());

    expect(listed.map((m) => m.body)).toEqual(['three', 'two', 'one']);
    expect(missing).toBeInstanceOf(twilio.RestException);
    expect(missing).toMatchObject({ status: 404, code: 20404 });
  });

  it('posts a signed inbound message to the inbound webhook', async () => {
    const result = await sandbox.sendInbound({ from: '+15557654321', to: FROM, body: 'STOP' });

    expect(result.status).toBe(200);
    const [inbound] = await receiver.waitFor(
      1,
      (r) => r.path === '/sms/inbound' && formOf(r).MessageSid === result.sid,
    );
    if (inbound === undefined) throw new Error('no inbound webhook');
    expect(signatureIsValid(inbound)).toBe(true);
    expect(formOf(inbound)).toMatchObject({
      MessageSid: result.sid,
      SmsSid: result.sid,
      SmsMessageSid: result.sid,
      AccountSid: ACCOUNT_SID,
      From: '+15557654321',
      To: FROM,
      Body: 'STOP',
      NumSegments: '1',
      NumMedia: '0',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
    });
    expect(sandbox.message(result.sid)).toMatchObject({
      direction: 'inbound',
      status: 'received',
      body: 'STOP',
    });
  });

  it('replays a callback verbatim, signature and idempotency token included', async () => {
    const message = await client.messages.create({
      to: '+15558675317',
      from: FROM,
      body: 'Replay me',
      statusCallback: `${receiver.url}/sms/status/replay`,
    });
    await receiver.waitFor(2, forMessage(message.sid));
    await sandbox.whenIdle();
    const original = sandbox.callbacks().find((a) => a.subject === message.sid);
    if (original === undefined) throw new Error('no callback attempt');

    const replay = await sandbox.replayCallback(original.id);

    const received = await receiver.waitFor(3, forMessage(message.sid));
    const last = received.at(-1);
    expect(replay).toMatchObject({ replayOf: original.id, accepted: true, body: original.body });
    expect(last?.rawBody).toBe(original.body);
    expect(last?.headers['x-twilio-signature']).toBe(original.headers['x-twilio-signature']);
    expect(last?.headers['i-twilio-idempotency-token']).toBe(original.headers['i-twilio-idempotency-token']);
    expect(last !== undefined && signatureIsValid(last)).toBe(true);
  });

  it('refuses wrong credentials with RestException 401 / 20003', async () => {
    const before = sandbox.messages().length;
    const wrong = createTwilioClient({
      accountSid: ACCOUNT_SID,
      authToken: 'not-the-token',
      apiBaseUrl: sandbox.url,
    });

    const error = await rejectionOf(wrong.messages.create({ to: '+15558675318', from: FROM, body: 'x' }));

    expect(error).toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({
      status: 401,
      code: 20003,
      message: 'Authenticate',
      moreInfo: 'https://www.twilio.com/docs/errors/20003',
    });
    expect(sandbox.messages()).toHaveLength(before);
  });

  it.each([
    { name: 'a number that is not E.164', to: '5558675310', code: 21211 },
    { name: 'an unsubscribed recipient', to: '+15550021610', code: 21610 },
  ])('refuses $name with RestException 400 / $code', async ({ to, code }) => {
    sandbox.unsubscribe('+15550021610');

    const error = await rejectionOf(client.messages.create({ to, from: FROM, body: 'x' }));

    expect(error).toBeInstanceOf(twilio.RestException);
    expect(error).toMatchObject({
      status: 400,
      code,
      moreInfo: `https://www.twilio.com/docs/errors/${code}`,
    });
  });

  it('surfaces a 429 with its Retry-After to the caller, then recovers', async () => {
    sandbox.faults.failNext(1, { status: 429, retryAfterSeconds: 7 });
    const before = sandbox.messages().length;

    const throttled = await observeTwilioCall(() =>
      client.messages.create({ to: '+15558675319', from: FROM, body: 'x' }),
    );
    const retried = await observeTwilioCall(() =>
      client.messages.create({ to: '+15558675319', from: FROM, body: 'x' }),
    );

    expect(throttled.result.status).toBe('rejected');
    if (throttled.result.status !== 'rejected') return;
    expect(throttled.result.reason).toBeInstanceOf(twilio.RestException);
    expect(throttled.result.reason).toMatchObject({ status: 429, code: 20429 });
    expect(throttled.response?.statusCode).toBe(429);
    expect(throttled.response?.headers['retry-after']).toBe('7');
    expect(retryAfterSeconds(throttled.response, new Date())).toBe(7);
    expect(retried.result.status).toBe('fulfilled');
    expect(retried.response?.statusCode).toBe(201);
    expect(sandbox.messages()).toHaveLength(before + 1);
  });

  it('answers 503 / 20503 during an outage and recovers when it ends', async () => {
    let clock = Date.parse('2030-01-01T00:00:00Z');
    const flaky = await startTwilioSandbox({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      now: () => new Date(clock),
    });
    try {
      const flakyClient = createTwilioClient({
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        apiBaseUrl: flaky.url,
      });
      const send = () => flakyClient.messages.create({ to: '+15558675320', from: FROM, body: 'x' });
      flaky.faults.outage({ durationMs: 60_000 });

      const during = [await rejectionOf(send()), await rejectionOf(send())];
      clock += 60_000;
      const after = await send();

      for (const error of during) expect(error).toMatchObject({ status: 503, code: 20503 });
      expect(after.status).toBe('queued');
      expect(flaky.faults.counts()).toMatchObject({ seen: 3, outage: 2, passed: 1 });
      expect(flaky.messages()).toHaveLength(1);
    } finally {
      await flaky.stop();
    }
  });

  it('fails the same requests for the same seed', async () => {
    async function failurePattern(seed: number): Promise<string> {
      const seeded = await startTwilioSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
      try {
        const seededClient = createTwilioClient({
          accountSid: ACCOUNT_SID,
          authToken: AUTH_TOKEN,
          apiBaseUrl: seeded.url,
        });
        seeded.faults.failRate({ rate: 0.3, seed, failure: { status: 500 } });
        let pattern = '';
        for (let i = 0; i < 20; i++) {
          const { result } = await observeTwilioCall(() =>
            seededClient.messages.create({ to: '+15558675321', from: FROM, body: `n${i}` }),
          );
          pattern += result.status === 'fulfilled' ? '.' : 'x';
        }
        expect(seeded.faults.counts()).toMatchObject({ seen: 20, failed: pattern.split('x').length - 1 });
        expect(seeded.messages()).toHaveLength(pattern.split('.').length - 1);
        return pattern;
      } finally {
        await seeded.stop();
      }
    }

    const first = await failurePattern(42);
    const again = await failurePattern(42);
    const other = await failurePattern(7);

    expect(again).toBe(first);
    expect(first).toMatch(/x/);
    expect(first).toMatch(/\./);
    expect(other).not.toBe(first);
  });

  it('hangs until the client times out, and still stops cleanly with a request hanging', async () => {
    const impatient = createTwilioClient({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: sandbox.url,
      timeoutMs: 200,
    });
    sandbox.faults.hangNext();

    const timedOut = await rejectionOf(
      impatient.messages.create({ to: '+15558675322', from: FROM, body: 'x' }),
    );

    expect(String(timedOut)).toMatch(/timeout/i);
    expect(sandbox.faults.counts().hung).toBeGreaterThanOrEqual(1);

    const stuck = await startTwilioSandbox({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN });
    const patient = createTwilioClient({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: stuck.url,
    });
    stuck.faults.hangNext();
    const pending = rejectionOf(patient.messages.create({ to: '+15558675322', from: FROM, body: 'x' }));
    await expect.poll(() => stuck.faults.counts().hung).toBe(1);
    const startedStopping = performance.now();
    await stuck.stop();
    expect(performance.now() - startedStopping).toBeLessThan(1_000);
    expect(String(await pending)).toMatch(/socket hang up|ECONNRESET/);
  });

  it('keeps a message whose answer was lost, and still reports its delivery', async () => {
    sandbox.faults.loseAnswerNext();

    const lost = await rejectionOf(
      client.messages.create({
        to: '+15558675323',
        from: FROM,
        body: 'Lost answer',
        statusCallback: `${receiver.url}/sms/status/lost`,
      }),
    );

    expect(lost).not.toBeInstanceOf(twilio.RestException);
    expect(String(lost)).toMatch(/socket hang up|ECONNRESET/);
    const kept = sandbox.messages().find((m) => m.body === 'Lost answer');
    if (kept === undefined) throw new Error('message not kept');
    const callbacks = await receiver.waitFor(2, forMessage(kept.sid));
    expect(callbacks.map((c) => formOf(c).MessageStatus)).toEqual(['sent', 'delivered']);
    expect(sandbox.faults.counts().lost).toBeGreaterThanOrEqual(1);
  });

  it('adds latency to answers', async () => {
    sandbox.faults.setLatency(150);
    const started = performance.now();

    await client.messages.create({ to: '+15558675324', from: FROM, body: 'slow' });

    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });
});
