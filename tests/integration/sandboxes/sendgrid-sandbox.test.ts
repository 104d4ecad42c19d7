import { createPublicKey } from 'node:crypto';
import { EventWebhook } from '@sendgrid/eventwebhook';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createSendGridMail,
  type MailService,
} from '../../../functions/adapters/sendgrid/sendgrid-client.ts';
import {
  type RecordedWebhook,
  type SendGridSandbox,
  startSendGridSandbox,
  startWebhookRecorder,
  type WebhookRecorder,
} from '../../../local/sandboxes/index.ts';

const API_KEY = 'SG.sandbox-key.0123456789abcdef';
const FROM = { email: 'hello@nudge.example', name: 'Nudge' };

type EventRecord = Record<string, unknown>;

function eventsOf(request: RecordedWebhook): EventRecord[] {
  const parsed: unknown = JSON.parse(request.rawBody);
  if (!Array.isArray(parsed)) throw new Error('event webhook body is not an array');
  return parsed.filter((event: unknown): event is EventRecord => typeof event === 'object' && event !== null);
}

function aboutMessage(messageId: string) {
  return (request: RecordedWebhook) => request.rawBody.includes(`"sg_message_id":"${messageId}.`);
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail');
}

function messageIdOf(headers: unknown): string {
  if (typeof headers === 'object' && headers !== null && 'x-message-id' in headers) {
    const id = headers['x-message-id'];
    if (typeof id === 'string') return id;
  }
  throw new Error('no X-Message-Id header');
}

describe('SendGrid sandbox through the real @sendgrid/mail', () => {
  let sandbox: SendGridSandbox;
  let receiver: WebhookRecorder;
  let mail: MailService;
  const verifier = new EventWebhook();

  function signatureIsValid(request: RecordedWebhook, rawBody = request.rawBody): boolean {
    const signature = request.headers['x-twilio-email-event-webhook-signature'];
    const timestamp = request.headers['x-twilio-email-event-webhook-timestamp'];
    if (signature === undefined || timestamp === undefined) return false;
    const key = verifier.convertPublicKeyToECDSA(sandbox.publicKey);
    return verifier.verifySignature(key, rawBody, signature, timestamp);
  }

  beforeAll(async () => {
    receiver = await startWebhookRecorder();
    sandbox = await startSendGridSandbox({
      apiKey: API_KEY,
      eventWebhookUrl: `${receiver.url}/sendgrid/events`,
      eventDelayMs: 5,
    });
    mail = createSendGridMail({ apiKey: API_KEY, apiBaseUrl: sandbox.url, timeoutMs: 5_000 });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await receiver?.stop();
  });

  beforeEach(() => {
    sandbox.faults.reset();
    receiver.respondWith(200);
  });

  it('accepts an email with 202 and X-Message-Id, and keeps every field', async () => {
    const [response, body] = await mail.send({
      to: { email: 'ada@example.com', name: 'Ada' },
      from: FROM,
      subject: 'Your trial ends tomorrow',
      text: 'Hi Ada',
      html: '<p>Hi Ada</p>',
      categories: ['trial'],
      customArgs: { nudge_message_id: 'msg-1', tenant: 't1' },
    });

    expect(response.statusCode).toBe(202);
    expect(body).toBe('');
    const messageId = messageIdOf(response.headers);
    expect(messageId).toMatch(/^[\w-]{22}$/);
    const kept = sandbox.message(messageId);
    expect(kept).toMatchObject({
      messageId,
      from: { email: 'hello@nudge.example', name: 'Nudge' },
      subject: 'Your trial ends tomorrow',
      content: [
        { type: 'text/plain', value: 'Hi Ada' },
        { type: 'text/html', value: '<p>Hi Ada</p>' },
      ],
      categories: ['trial'],
      customArgs: { nudge_message_id: 'msg-1', tenant: 't1' },
      recipients: [{ email: 'ada@example.com', name: 'Ada', kind: 'to', personalization: 0 }],
    });
    expect(kept?.recipients[0]?.sgMessageId.startsWith(`${messageId}.filter`)).toBe(true);
  });

  it('posts processed then delivered, signed so that @sendgrid/eventwebhook verifies them', async () => {
    const [response] = await mail.send({
      to: 'grace@example.com',
      from: FROM,
      subject: 'Welcome',
      text: 'Welcome aboard',
      customArgs: { nudge_message_id: 'msg-2' },
    });
    const messageId = messageIdOf(response.headers);

    const posts = await receiver.waitFor(2, aboutMessage(messageId));

    const key = createPublicKey({
      key: Buffer.from(sandbox.publicKey, 'base64'),
      format: 'der',
      type: 'spki',
    });
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    for (const post of posts) {
      expect(post.headers['content-type']).toBe('application/json');
      expect(post.headers['x-twilio-email-event-webhook-timestamp']).toMatch(/^\d{10}$/);
      expect(signatureIsValid(post)).toBe(true);
      expect(signatureIsValid(post, post.rawBody.replace('grace@', 'mallory@'))).toBe(false);
    }
    const [processed, delivered] = posts.flatMap(eventsOf);
    for (const event of [processed, delivered]) {
      expect(event).toMatchObject({ email: 'grace@example.com', nudge_message_id: 'msg-2' });
      expect(event?.timestamp).toEqual(expect.any(Number));
      expect(event?.sg_event_id).toEqual(expect.any(String));
      expect(String(event?.sg_message_id).startsWith(`${messageId}.`)).toBe(true);
    }
    expect(processed?.event).toBe('processed');
    expect(delivered).toMatchObject({ event: 'delivered', response: '250 OK' });
    expect(processed?.sg_event_id).not.toBe(delivered?.sg_event_id);
  });

  it('bounces and drops recipients as configured, merging custom args per personalization', async () => {
    sandbox.setRecipientOutcome('bounce@example.com', { event: 'bounce', reason: '550 5.1.1 no such user' });
    sandbox.suppress('Dropped@Example.com');

    const [response] = await mail.send({
      personalizations: [
        { to: [{ email: 'bounce@example.com' }], customArgs: { recipient: 'r1' } },
        { to: [{ email: 'dropped@example.com' }], customArgs: { recipient: 'r2' } },
      ],
      from: FROM,
      subject: 'Two outcomes',
      text: 'x',
      customArgs: { nudge_message_id: 'msg-3' },
    });
    const messageId = messageIdOf(response.headers);
    const posts = await receiver.waitFor(2, aboutMessage(messageId));

    const [processed, outcomes] = posts.map(eventsOf);
    expect(processed?.map((e) => [e.event, e.email, e.recipient, e.nudge_message_id])).toEqual([
      ['processed', 'bounce@example.com', 'r1', 'msg-3'],
      ['processed', 'dropped@example.com', 'r2', 'msg-3'],
    ]);
    expect(outcomes).toMatchObject([
      { event: 'bounce', email: 'bounce@example.com', reason: '550 5.1.1 no such user', type: 'bounce' },
      { event: 'dropped', email: 'dropped@example.com', reason: 'Unsubscribed Address' },
    ]);
    expect(posts.every((post) => signatureIsValid(post))).toBe(true);
  });

  it('records an event POST the receiver refused', async () => {
    receiver.respondWith(401);
    const [response] = await mail.send({ to: 'refused@example.com', from: FROM, subject: 's', text: 't' });
    const messageId = messageIdOf(response.headers);

    await sandbox.whenIdle();

    const deliveries = sandbox.eventDeliveries().filter((d) => d.subject === messageId);
    expect(deliveries.map((d) => [d.responseStatus, d.accepted])).toEqual([
      [401, false],
      [401, false],
    ]);
  });

  it('replays an event POST verbatim, still validly signed', async () => {
    const [response] = await mail.send({ to: 'replay@example.com', from: FROM, subject: 's', text: 't' });
    const messageId = messageIdOf(response.headers);
    await receiver.waitFor(2, aboutMessage(messageId));
    await sandbox.whenIdle();
    const original = sandbox.eventDeliveries().find((d) => d.subject === messageId);
    if (original === undefined) throw new Error('no event delivery');

    const replay = await sandbox.replayDelivery(original.id);

    const received = await receiver.waitFor(3, aboutMessage(messageId));
    const last = received.at(-1);
    if (last === undefined) throw new Error('replay not received');
    expect(replay).toMatchObject({ replayOf: original.id, accepted: true });
    expect(last.rawBody).toBe(original.body);
    expect(last.headers['x-twilio-email-event-webhook-signature']).toBe(
      original.headers['X-Twilio-Email-Event-Webhook-Signature'],
    );
    expect(last.headers['x-twilio-email-event-webhook-timestamp']).toBe(
      original.headers['X-Twilio-Email-Event-Webhook-Timestamp'],
    );
    expect(signatureIsValid(last)).toBe(true);
  });

  it('generates events only when told to in manual mode', async () => {
    const manual = await startSendGridSandbox({
      apiKey: API_KEY,
      eventWebhookUrl: `${receiver.url}/sendgrid/manual`,
      events: 'manual',
    });
    try {
      const manualMail = createSendGridMail({ apiKey: API_KEY, apiBaseUrl: manual.url });
      const [response] = await manualMail.send({
        to: 'later@example.com',
        from: FROM,
        subject: 's',
        text: 't',
      });
      const messageId = messageIdOf(response.headers);
      expect(manual.events()).toHaveLength(0);

      const attempts = await manual.deliverOutcome(messageId, { event: 'bounce' });

      expect(manual.events().map((e) => e.event)).toEqual(['processed', 'bounce']);
      expect(attempts.map((a) => a.accepted)).toEqual([true, true]);
      await expect(manual.deliverOutcome(messageId)).rejects.toThrow(/already generated/);
    } finally {
      await manual.stop();
    }
  });

  it('refuses a wrong API key with 401 and SendGrid’s error body', async () => {
    const wrong = createSendGridMail({ apiKey: 'SG.wrong-key', apiBaseUrl: sandbox.url });

    const error = await rejectionOf(wrong.send({ to: 'x@example.com', from: FROM, subject: 's', text: 't' }));

    expect(error).toMatchObject({
      code: 401,
      response: {
        body: {
          errors: [
            {
              message: 'The provided authorization grant is invalid, expired, or revoked',
              field: null,
              help: null,
            },
          ],
        },
      },
    });
  });

  it('refuses an invalid address with 400 and the field path', async () => {
    const before = sandbox.messages().length;

    const error = await rejectionOf(mail.send({ to: 'not-an-email', from: FROM, subject: 's', text: 't' }));

    expect(error).toMatchObject({
      code: 400,
      response: {
        body: {
          errors: [{ field: 'personalizations.0.to.0.email', message: 'Does not contain a valid address.' }],
        },
      },
    });
    expect(sandbox.messages()).toHaveLength(before);
  });

  it('reports every validation error of a raw request at once', async () => {
    const response = await fetch(`${sandbox.url}/v3/mail/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        personalizations: [{ to: [{ email: 'a@example.com' }], cc: [{ email: 'A@example.com' }] }],
        from: { email: 'nobody' },
        content: [{ type: 'text/plain', value: '' }],
      }),
    });

    expect(response.status).toBe(400);
    const body: unknown = await response.json();
    expect(body).toMatchObject({
      errors: expect.arrayContaining([
        expect.objectContaining({ field: 'personalizations.0' }),
        expect.objectContaining({ field: 'from.email' }),
        expect.objectContaining({ field: 'subject' }),
        expect.objectContaining({ field: 'content.0.value' }),
      ]),
    });
  });

  it('keeps the custom headers of an email (message level and per personalization)', async () => {
    const [response] = await mail.send({
      to: 'ada@example.com',
      from: FROM,
      subject: 's',
      text: 't',
      headers: {
        'List-Unsubscribe': '<https://hooks.example.com/unsubscribe?t=abc>',
        'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      },
    });
    const kept = sandbox.message(messageIdOf(response.headers));
    expect(kept?.headers).toEqual({
      'List-Unsubscribe': '<https://hooks.example.com/unsubscribe?t=abc>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });

    const raw = await fetch(`${sandbox.url}/v3/mail/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        personalizations: [{ to: [{ email: 'bo@example.com' }], headers: { 'X-Per-Recipient': 'bo' } }],
        from: { email: 'hello@nudge.example' },
        subject: 's',
        content: [{ type: 'text/plain', value: 't' }],
      }),
    });
    expect(raw.status).toBe(202);
    const perRecipient = sandbox.message(raw.headers.get('x-message-id') ?? '');
    expect(perRecipient?.personalizations[0]?.headers).toEqual({ 'X-Per-Recipient': 'bo' });
  });

  it('refuses reserved headers and non-string header values with 400 and the field, as the API documents', async () => {
    const before = sandbox.messages().length;
    const response = await fetch(`${sandbox.url}/v3/mail/send`, {
      method: 'POST',
      headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        personalizations: [{ to: [{ email: 'a@example.com' }], headers: { from: 'x@example.com' } }],
        from: { email: 'hello@nudge.example' },
        subject: 's',
        content: [{ type: 'text/plain', value: 't' }],
        headers: { 'DKIM-Signature': 'v=1', 'X-Count': 3, 'List-Unsubscribe': '<https://ok.example/u>' },
      }),
    });
    expect(response.status).toBe(400);
    const body: unknown = await response.json();
    expect(body).toMatchObject({
      errors: expect.arrayContaining([
        expect.objectContaining({ field: 'headers.DKIM-Signature' }),
        expect.objectContaining({ field: 'headers.X-Count' }),
        expect.objectContaining({ field: 'personalizations.0.headers.from' }),
      ]),
    });
    expect(JSON.stringify(body)).not.toContain('List-Unsubscribe');
    expect(sandbox.messages()).toHaveLength(before);
  });

  it('surfaces a 429 with Retry-After, then a 503 outage, then recovers', async () => {
    sandbox.faults.failNext(1, { status: 429, retryAfterSeconds: 3 });
    const message = { to: 'busy@example.com', from: FROM, subject: 's', text: 't' };

    const throttled = await rejectionOf(mail.send(message));
    sandbox.faults.outage({ durationMs: 60_000 });
    const down = await rejectionOf(mail.send(message));
    sandbox.faults.endOutage();
    const [recovered] = await mail.send(message);

    expect(throttled).toMatchObject({
      code: 429,
      response: { headers: { 'retry-after': '3' }, body: { errors: [{ message: 'too many requests' }] } },
    });
    expect(down).toMatchObject({ code: 503 });
    expect(recovered.statusCode).toBe(202);
  });

  it('keeps an email whose answer was lost, and times out on a hung request', async () => {
    const impatient = createSendGridMail({ apiKey: API_KEY, apiBaseUrl: sandbox.url, timeoutMs: 200 });
    sandbox.faults.loseAnswerNext().hangNext();

    const lost = await rejectionOf(
      mail.send({ to: 'lost@example.com', from: FROM, subject: 'lost', text: 't' }),
    );
    const hung = await rejectionOf(
      impatient.send({ to: 'hung@example.com', from: FROM, subject: 'hung', text: 't' }),
    );

    expect(String(lost)).toMatch(/socket hang up|ECONNRESET/);
    expect(String(hung)).toMatch(/timeout/i);
    const kept = sandbox.messages().find((m) => m.subject === 'lost');
    if (kept === undefined) throw new Error('lost email not kept');
    await receiver.waitFor(2, aboutMessage(kept.messageId));
    expect(sandbox.messages().some((m) => m.subject === 'hung')).toBe(false);
    expect(sandbox.faults.counts()).toMatchObject({ lost: 1, hung: 1 });
  });
});
