import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwilioSandbox, type TwilioSandbox } from '../../../local/sandboxes/index.ts';
import { readTwimlMessages } from '../../../local/sandboxes/twiml-messages.ts';

const ACCOUNT_SID = `AC${'7e1f0a2b'.repeat(4)}`;
const AUTH_TOKEN = 'sandbox-twiml-auth-token';
const OUR_NUMBER = '+46766861004';

/** TwiML as Twilio's own library writes it: the oracle for what a webhook may answer. */
function twiml(build: (response: InstanceType<typeof twilio.twiml.MessagingResponse>) => void): string {
  const response = new twilio.twiml.MessagingResponse();
  build(response);
  return response.toString();
}

describe('reading TwiML answers as Twilio does', () => {
  it('reads each <Message>, its text exactly as written, with its to and from when given', () => {
    const tricky = 'Fish & chips < 5 > 3 "quoted" \'single\' ]]> 🙏 Hjälp\nline two';
    const document = twiml((response) => {
      response.message(tricky);
      response.message({ to: '+4520123456', from: '+4570000000' }, 'Hej');
      response.message('').body('In a Body noun');
    });
    expect(readTwimlMessages(document)).toEqual([
      { body: tricky },
      { body: 'Hej', to: '+4520123456', from: '+4570000000' },
      { body: 'In a Body noun' },
    ]);
  });

  it('reads nothing from an empty response or from an answer that is not TwiML', () => {
    expect(readTwimlMessages(twiml(() => undefined))).toEqual([]);
    expect(readTwimlMessages('<?xml version="1.0" encoding="UTF-8"?><Response></Response>')).toEqual([]);
    expect(readTwimlMessages('ok')).toEqual([]);
    expect(readTwimlMessages('<html><Message>no</Message></html>')).toEqual([]);
  });
});

describe('Twilio sandbox: the answer to an inbound webhook is sent as Twilio sends it', () => {
  let sandbox: TwilioSandbox;
  let server: Server;
  let url: string;
  // What the webhook answers next, per path.
  const answers = new Map<string, { status: number; contentType: string; body: string }>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const answer = answers.get(req.url ?? '') ?? { status: 404, contentType: 'text/plain', body: '' };
        res.writeHead(answer.status, { 'content-type': answer.contentType });
        res.end(answer.body);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    sandbox = await startTwilioSandbox({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      statusCallbackDelayMs: 5,
      inboundWebhookUrl: `${url}/inbound`,
    });
  });

  afterAll(async () => {
    await sandbox?.stop();
    await new Promise((resolve) => server?.close(resolve));
  });

  const repliesTo = (number: string) =>
    sandbox.messages().filter((sms) => sms.direction === 'outbound-reply' && sms.to === number);

  it('keeps each <Message> of a 200 TwiML answer as an outbound-reply to the sender, from our number', async () => {
    answers.set('/inbound', {
      status: 200,
      contentType: 'text/xml',
      body: twiml((response) => response.message('You will get no more messages from Acme.')),
    });

    const result = await sandbox.sendInbound({ from: '+46701110001', to: OUR_NUMBER, body: 'STOP' });
    await sandbox.whenIdle();

    expect(result.replies).toHaveLength(1);
    expect(repliesTo('+46701110001')).toEqual([
      expect.objectContaining({
        direction: 'outbound-reply',
        from: OUR_NUMBER,
        body: 'You will get no more messages from Acme.',
        status: 'delivered',
      }),
    ]);
  });

  it('sends the answer to a replayed webhook again, as Twilio would: the receiver decides', async () => {
    answers.set('/inbound', {
      status: 200,
      contentType: 'text/xml',
      body: twiml((response) => response.message('Info: Acme.')),
    });
    const first = await sandbox.sendInbound({ from: '+46701110002', to: OUR_NUMBER, body: 'HELP' });
    await sandbox.replayCallback(first.attempt.id);
    answers.set('/inbound', { status: 200, contentType: 'text/xml', body: twiml(() => undefined) });
    await sandbox.replayCallback(first.attempt.id);
    await sandbox.whenIdle();

    expect(repliesTo('+46701110002').map((sms) => sms.body)).toEqual(['Info: Acme.', 'Info: Acme.']);
  });

  it('sends nothing for a failed or a non-TwiML answer, and refuses a reply to an opted-out number', async () => {
    answers.set('/inbound', {
      status: 500,
      contentType: 'text/xml',
      body: twiml((response) => response.message('never sent')),
    });
    await sandbox.sendInbound({ from: '+46701110003', to: OUR_NUMBER, body: 'HELP' });
    answers.set('/inbound', { status: 200, contentType: 'text/plain', body: 'ok' });
    await sandbox.sendInbound({ from: '+46701110003', to: OUR_NUMBER, body: 'HELP' });
    expect(repliesTo('+46701110003')).toEqual([]);

    sandbox.unsubscribe('+46701110004');
    answers.set('/inbound', {
      status: 200,
      contentType: 'text/xml',
      body: twiml((response) => response.message('blocked')),
    });
    await sandbox.sendInbound({ from: '+46701110004', to: OUR_NUMBER, body: 'HELP' });
    expect(repliesTo('+46701110004')).toEqual([
      expect.objectContaining({ status: 'failed', errorCode: 21610, body: 'blocked' }),
    ]);
  });
});
