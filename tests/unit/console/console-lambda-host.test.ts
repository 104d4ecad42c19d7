// The console app hosted as in AWS: through hono/aws-lambda's `handle`, with API Gateway HTTP API
// (payload 2.0) events built here, as the console function receives them.
import { handle, type LambdaEvent } from 'hono/aws-lambda';
import { beforeEach, describe, expect, it } from 'vitest';
import { createConsoleApp } from '../../../functions/console/console-app.ts';
import { aMessage, FakeConsoleBackend } from '../../support/fake-console-backend.ts';
import { httpApiEvent as apiEvent, lambdaContext as context } from '../../support/http-api-event.ts';

const DOMAIN = 'abc123xyz.execute-api.eu-north-1.amazonaws.com';
const ORIGIN = `https://${DOMAIN}`;

function httpApiEvent(
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): LambdaEvent {
  return apiEvent(method, path, { domain: DOMAIN, ...options });
}

describe('the console through the Lambda host (HTTP API events)', () => {
  let backend: FakeConsoleBackend;
  let invoke: (event: LambdaEvent) => ReturnType<ReturnType<typeof handle>>;

  beforeEach(() => {
    backend = new FakeConsoleBackend();
    backend.messages = [aMessage()];
    const app = createConsoleApp({ backend, origins: () => [ORIGIN], onError: () => {} });
    const lambda = handle(app);
    invoke = async (event) => lambda(event, context);
  });

  it('serves a page with the CSP nonce on its one script', async () => {
    // Act
    const result = await invoke(httpApiEvent('GET', '/'));

    // Assert
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('text/html; charset=utf-8');
    const csp = String(result.headers?.['content-security-policy']);
    const nonce = /script-src 'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(result.body).toContain(`<script nonce="${nonce}">`);
    expect(result.body).toContain('msg-1');
  });

  it('answers the JSON API', async () => {
    // Act
    const result = await invoke(httpApiEvent('GET', '/api/messages/msg-1'));

    // Assert
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({ messageId: 'msg-1', customerId: 'cust-anna' });
  });

  it('refuses a POST from another origin (CSRF) with 403 and sends nothing', async () => {
    // Act
    const result = await invoke(
      httpApiEvent('POST', '/api/events', {
        headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
        body: JSON.stringify({ source: 'acme.contact-centre', 'detail-type': 'CallbackBooked', detail: {} }),
      }),
    );

    // Assert
    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body)).toEqual({
      error: { code: 'cross-origin', message: 'requests from https://evil.example are not accepted' },
    });
    expect(backend.sentEvents).toEqual([]);
  });

  it('accepts the same POST from its own origin', async () => {
    // Act
    const result = await invoke(
      httpApiEvent('POST', '/api/events', {
        headers: { 'content-type': 'application/json', origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
        body: JSON.stringify({
          source: 'acme.contact-centre',
          'detail-type': 'CallbackBooked',
          detail: { customer: { id: 'cust-bo', phone: '+46701112233' } },
        }),
      }),
    );

    // Assert
    expect(result.statusCode).toBe(200);
    expect(backend.sentEvents).toHaveLength(1);
  });

  it('refuses a Host that is not its endpoint', async () => {
    // Act
    const result = await invoke(httpApiEvent('GET', '/api/messages', { headers: { host: 'evil.example' } }));

    // Assert
    expect(result.statusCode).toBe(403);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'forbidden-host' } });
  });
});

describe('the auth hook', () => {
  it('runs before each route with the route’s least role, and may refuse', async () => {
    // Arrange: a stand-in for sign-in whose user is a viewer.
    const backend = new FakeConsoleBackend();
    const seen: string[] = [];
    const app = createConsoleApp({
      backend,
      origins: () => [ORIGIN],
      auth: {
        middleware: async (c, next) => {
          const role = c.get('requiredRole');
          seen.push(`${c.req.method} ${new URL(c.req.url).pathname} ${role}`);
          if (role !== 'viewer')
            return c.json({ error: { code: 'forbidden', message: `needs ${role}` } }, 403);
          await next();
        },
      },
    });
    const lambda = handle(app);

    // Act
    const read = await lambda(httpApiEvent('GET', '/api/messages'), context);
    const write = await lambda(
      httpApiEvent('POST', '/api/events', {
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ source: 'acme.contact-centre', 'detail-type': 'CallbackBooked', detail: {} }),
      }),
      context,
    );
    const reply = await lambda(
      httpApiEvent('POST', '/try/replies', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'from=%2B46701234567&body=YES',
      }),
      context,
    );

    // Assert
    expect(read.statusCode).toBe(200);
    expect(write.statusCode).toBe(403);
    expect(reply.statusCode).toBe(403);
    expect(seen).toEqual(['GET /api/messages viewer', 'POST /api/events editor', 'POST /try/replies editor']);
    expect(backend.sentEvents).toEqual([]);
    expect(backend.sentReplies).toEqual([]);
  });
});
