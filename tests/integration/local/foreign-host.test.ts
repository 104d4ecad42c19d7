// DNS rebinding: a web page whose name resolves to 127.0.0.1 can send requests to any local port.
// Every local server (PutEvents and SQS APIs, the Twilio and SendGrid sandboxes, the
// webhook recorder, the webhook server) answers only requests addressed to itself by a loopback
// name and its own port, as the console does. Real HTTP, with the Host header set by the test.
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPutEventsServer } from '../../../local/aws/put-events-server.ts';
import { startWebhookHttpServer } from '../../../local/runtime/webhook-http-server.ts';
import { startSendGridSandbox, startTwilioSandbox } from '../../../local/sandboxes/index.ts';
import { startWebhookRecorder } from '../../../local/sandboxes/webhook-recorder.ts';
import { startSqsApiServer } from '../../support/aws/sqs-api-server.ts';

interface Started {
  name: string;
  port: number;
  stop: () => Promise<void>;
}

/** Sends one POST to 127.0.0.1:port with the given Host header; resolves with the status. */
function statusFor(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: '/',
        headers: { host, 'content-type': 'application/json' },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

/** Sends a raw HTTP/1.1 request (Node's client would fill in an empty Host); resolves with the status. */
function rawStatus(port: number, hostLines: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.end(`POST / HTTP/1.1\r\n${hostLines}Content-Length: 2\r\nConnection: close\r\n\r\n{}`);
    });
    let answer = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      answer += chunk;
    });
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

const portOf = (url: string): number => Number(new URL(url).port);

const servers: Started[] = [];
let routed = 0;

beforeAll(async () => {
  const putEvents = await startPutEventsServer({ onEvents: () => {} });
  servers.push({ name: 'PutEvents', port: putEvents.port, stop: () => putEvents.stop() });
  const sqs = await startSqsApiServer();
  servers.push({ name: 'SQS API', port: sqs.port, stop: () => sqs.stop() });
  const twilio = await startTwilioSandbox({
    accountSid: `AC${'0'.repeat(32)}`,
    authToken: 'host-test-token',
  });
  servers.push({ name: 'Twilio sandbox', port: portOf(twilio.url), stop: () => twilio.stop() });
  const sendgrid = await startSendGridSandbox({ apiKey: 'SG.host-test' });
  servers.push({ name: 'SendGrid sandbox', port: portOf(sendgrid.url), stop: () => sendgrid.stop() });
  const recorder = await startWebhookRecorder();
  servers.push({ name: 'webhook recorder', port: portOf(recorder.url), stop: () => recorder.stop() });
  const webhooks = await startWebhookHttpServer({
    route: async () => {
      routed += 1;
      return { status: 200, headers: {}, body: 'ok' };
    },
  });
  servers.push({ name: 'webhook server', port: webhooks.port, stop: () => webhooks.stop() });
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop()));
});

describe('local servers refuse foreign Host headers', () => {
  it.each([
    'evil.example',
    'attacker.example:PORT',
    '127.0.0.1.nip.io:PORT',
    'localhost.attacker.example:PORT',
    '127.0.0.1',
    '127.0.0.1:1',
    '0.0.0.0:PORT',
  ])('refuses Host %j with 403 on every server', async (template) => {
    const routedBefore = routed;
    for (const server of servers) {
      const host = template.replace('PORT', String(server.port));
      expect({ server: server.name, status: await statusFor(server.port, host) }).toEqual({
        server: server.name,
        status: 403,
      });
    }
    expect(routed).toBe(routedBefore);
  });

  it('refuses an empty Host with 403, and a missing one (Node itself answers 400)', async () => {
    const routedBefore = routed;
    for (const server of servers) {
      expect({ server: server.name, status: await rawStatus(server.port, 'Host: \r\n') }).toEqual({
        server: server.name,
        status: 403,
      });
      expect({ server: server.name, status: await rawStatus(server.port, '') }).toEqual({
        server: server.name,
        status: 400,
      });
    }
    expect(routed).toBe(routedBefore);
  });

  it.each(['127.0.0.1:PORT', 'localhost:PORT', 'LOCALHOST:PORT', '[::1]:PORT'])(
    'lets Host %j through to the server itself',
    async (template) => {
      for (const server of servers) {
        const status = await statusFor(server.port, template.replace('PORT', String(server.port)));
        expect({ server: server.name, refused: status === 403 }).toEqual({
          server: server.name,
          refused: false,
        });
      }
    },
  );
});
