import { afterEach, describe, expect, it } from 'vitest';
import {
  aConsoleRule,
  aMessage,
  aProfile,
  type ConsoleHarness,
  type FakeConsoleBackend,
  startConsoleHarness,
} from '../../support/fake-console-backend.ts';

let harness: ConsoleHarness | undefined;

async function start(seed?: Parameters<typeof startConsoleHarness>[0]): Promise<ConsoleHarness> {
  harness = await startConsoleHarness(seed);
  return harness;
}

afterEach(async () => {
  await harness?.server.stop();
  harness = undefined;
});

async function json(response: Response): Promise<unknown> {
  expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
  return response.json();
}

function seedAll(backend: FakeConsoleBackend): void {
  backend.messages.push(aMessage());
  backend.profiles.set('cust-anna', aProfile());
  backend.consoleRules.push(aConsoleRule());
  backend.rejectedEvents.push({ receivedAt: backend.now, reason: 'detail.customer.id: required', raw: '{}' });
  backend.capturedMessages.push({
    providerId: 'SM1',
    channel: 'sms',
    to: '+46701234567',
    at: backend.now,
    summary: 'Hej',
    status: 'sent',
  });
}

describe('JSON API reads', () => {
  it.each([
    '/api/messages',
    '/api/messages/msg-1',
    '/api/customers',
    '/api/customers/cust-anna',
    '/api/rules',
    '/api/rejected',
    '/api/captured',
    '/api/samples',
    '/api/clock',
  ])('GET %s is 200 JSON', async (path) => {
    const { request } = await start(seedAll);
    const response = await request(path);
    expect(response.status).toBe(200);
    await json(response);
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('returns the documented shapes', async () => {
    // Arrange
    const { request } = await start(seedAll);

    // Act + Assert
    expect(await json(await request('/api/messages'))).toEqual({ items: [aMessage()] });
    expect(await json(await request('/api/messages/msg-1'))).toEqual(aMessage());
    expect(await json(await request('/api/customers'))).toEqual({
      items: [{ id: 'cust-anna', lastSeen: '2026-11-24T09:05:01Z' }],
    });
    expect(await json(await request('/api/customers/cust-anna'))).toEqual({
      id: 'cust-anna',
      profile: aProfile(),
      messages: [aMessage()],
      replies: [],
    });
    expect(await json(await request('/api/rules'))).toEqual({
      valid: true,
      issues: [],
      rules: [aConsoleRule()],
    });
    expect(await json(await request('/api/rejected'))).toEqual({
      items: [{ receivedAt: '2026-11-24T09:10:00.000Z', reason: 'detail.customer.id: required', raw: '{}' }],
    });
    expect(await json(await request('/api/captured?limit=1'))).toMatchObject({
      items: [{ providerId: 'SM1' }],
    });
    expect(await json(await request('/api/samples'))).toMatchObject({
      items: [{ name: expect.any(String) }, {}],
    });
    expect(await json(await request('/api/clock'))).toEqual({ now: '2026-11-24T09:10:00.000Z', speed: 60 });
  });

  it('reports rule issues with valid: false', async () => {
    const { request } = await start((backend) => {
      backend.issues = ['rules/a.yaml:2 id: required'];
    });
    expect(await json(await request('/api/rules'))).toEqual({
      valid: false,
      issues: ['rules/a.yaml:2 id: required'],
      rules: [],
    });
  });

  it('pages the outbox with limit and cursor', async () => {
    const { request } = await start((backend) => {
      for (let i = 0; i < 5; i++) {
        backend.messages.push(aMessage({ messageId: `m-${i}`, createdAt: `2026-11-24T08:0${i}:00Z` }));
      }
    });
    const first = await json(await request('/api/messages?limit=2'));
    expect(first).toMatchObject({ items: [{ messageId: 'm-4' }, { messageId: 'm-3' }], cursor: 'c2' });
    const last = await json(await request('/api/messages?limit=2&cursor=c4'));
    expect(last).toEqual({ items: [expect.objectContaining({ messageId: 'm-0' })] });
  });

  it.each(['0', '201', 'abc', '1.5', '-1'])('refuses limit=%s with 400', async (limit) => {
    const { request } = await start();
    const response = await request(`/api/messages?limit=${limit}`);
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({
      error: { code: 'invalid-limit', message: `limit must be an integer from 1 to 200, got ${limit}` },
    });
  });

  it('answers 404 for unknown messages, customers and endpoints, and 405 with Allow', async () => {
    const { request } = await start();
    const message = await request('/api/messages/nope');
    expect(message.status).toBe(404);
    expect(await json(message)).toEqual({ error: { code: 'not-found', message: 'no message with id nope' } });
    expect((await request('/api/customers/nobody')).status).toBe(404);
    const endpoint = await request('/api/nothing');
    expect(endpoint.status).toBe(404);
    expect(await json(endpoint)).toMatchObject({ error: { code: 'not-found' } });
    const wrong = await request('/api/messages', { method: 'DELETE' });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET, HEAD');
    expect(await json(wrong)).toMatchObject({ error: { code: 'method-not-allowed' } });
    const getEvents = await request('/api/events');
    expect(getEvents.status).toBe(405);
    expect(getEvents.headers.get('allow')).toBe('POST');
  });
});

describe('POST /api/events', () => {
  it('sends one event and returns its id', async () => {
    const { postJson, backend } = await start();
    const response = await postJson('/api/events', backend.sampleEvents[0]?.event);
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({
      accepted: 1,
      rejected: 0,
      results: [{ ok: true, eventId: 'ev-sample-cb' }],
    });
    expect(backend.messages).toHaveLength(1);
  });

  it('sends an array in order and reports each rejection with 422', async () => {
    const { postJson, backend } = await start();
    const response = await postJson('/api/events', [backend.sampleEvents[1]?.event, { source: 'x' }]);
    expect(response.status).toBe(422);
    expect(await json(response)).toEqual({
      error: { code: 'events-rejected', message: '1 of 2 events rejected' },
      accepted: 1,
      rejected: 1,
      results: [
        { ok: true, eventId: 'ev-sample-em' },
        { ok: false, error: 'detail-type: required' },
      ],
    });
  });

  it.each([
    ['{"id": 1,', 'invalid-json', /^request body is not valid JSON: /],
    ['', 'invalid-json', /^request body is empty: expected JSON$/],
    ['"text"', 'invalid-events', /^expected one event \(a JSON object\) or an array of events$/],
    ['[]', 'invalid-events', /^the array of events is empty$/],
    ['[{}, 3]', 'invalid-events', /^item 1 of the array is not a JSON object$/],
    [
      JSON.stringify(Array.from({ length: 101 }, () => ({}))),
      'invalid-events',
      /^at most 100 events per request, got 101$/,
    ],
  ])('refuses %j with 400 %s', async (body, code, message) => {
    const { postJson, backend } = await start();
    const response = await postJson('/api/events', body);
    expect(response.status).toBe(400);
    const answer = await json(response);
    expect(answer).toEqual({ error: { code, message: expect.stringMatching(message) } });
    expect(backend.sentEvents).toEqual([]);
  });

  it('refuses a body over 256 KB with 413 and a non-JSON content type with 415', async () => {
    const { request } = await start();
    const big = await request('/api/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ detail: { pad: 'x'.repeat(300 * 1024) } }),
    });
    expect(big.status).toBe(413);
    expect(await json(big)).toEqual({
      error: { code: 'payload-too-large', message: 'request body exceeds 262144 bytes' },
    });
    const text = await request('/api/events', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{}',
    });
    expect(text.status).toBe(415);
    expect(await json(text)).toMatchObject({ error: { code: 'unsupported-media-type' } });
  });
});

describe('POST /api/replies', () => {
  it('replies as the customer', async () => {
    const { postJson, backend } = await start((fake) => {
      fake.capturedMessages.push({
        providerId: 'SM1',
        channel: 'sms',
        to: '+46701234567',
        at: fake.now,
        summary: 'Hej',
        status: 'sent',
      });
      fake.messages.push(aMessage({ providerId: 'SM1' }));
    });
    const response = await postJson('/api/replies', { from: '+46701234567', body: 'JA' });
    expect(response.status).toBe(200);
    expect(await json(response)).toEqual({ ok: true });
    expect(backend.replies).toMatchObject([{ body: 'JA', intent: 'yes', messageId: 'msg-1' }]);
  });

  it.each([
    [[1], 'expected a JSON object { from, body }'],
    [{ body: 'YES' }, '`from` must be a string'],
    [{ from: '+46701234567', body: 3 }, '`body` must be a string'],
    [{ from: ' ', body: 'YES' }, '`from` is required: the customer phone number the reply comes from'],
    [{ from: '+46701234567', body: '' }, '`body` is required: the text of the reply'],
    [{ from: '+46701234567', body: 'x'.repeat(1601) }, '`body` is longer than 1600 characters'],
  ])('refuses %j with 400', async (body, message) => {
    const { postJson } = await start();
    const response = await postJson('/api/replies', body);
    expect(response.status).toBe(400);
    expect(await json(response)).toEqual({ error: { code: 'invalid-request', message } });
  });

  it('passes a backend refusal on as 422', async () => {
    const { postJson } = await start();
    const response = await postJson('/api/replies', { from: '+4670000000', body: 'YES' });
    expect(response.status).toBe(422);
    expect(await json(response)).toEqual({
      error: { code: 'reply-rejected', message: 'no SMS was sent to +4670000000' },
    });
  });
});

describe('protection', () => {
  it('refuses a foreign Host (DNS rebinding) on reads', async () => {
    const { server } = await start();
    // fetch() sets Host from the URL, so speak HTTP directly to send another one.
    const { request: httpRequest } = await import('node:http');
    const status = await new Promise<number | undefined>((resolve, reject) => {
      const req = httpRequest(`${server.url}/api/clock`, { headers: { host: 'evil.example:80' } }, (res) => {
        res.resume();
        resolve(res.statusCode);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });

  it('refuses cross-site writes by Origin and Sec-Fetch-Site, and accepts curl-like ones', async () => {
    const { request, server } = await start();
    const post = (headers: Record<string, string>) =>
      request('/api/replies', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: '{"from":"+4670000000","body":"YES"}',
      });
    const foreign = await post({ origin: 'http://evil.example' });
    expect(foreign.status).toBe(403);
    expect(await json(foreign)).toMatchObject({ error: { code: 'cross-origin' } });
    expect((await post({ 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    // A sandboxed frame (e.g. an email preview) posts with an opaque origin.
    expect((await post({ origin: 'null' })).status).toBe(403);
    expect((await post({ origin: server.url, 'sec-fetch-site': 'same-origin' })).status).toBe(422);
    expect((await post({})).status).toBe(422);
  });

  it('answers a failing backend with 500 JSON that holds no stack and no detail', async () => {
    const h = await start((backend) => {
      backend.failReadsWith = new Error('secret detail');
    });
    const response = await h.request('/api/messages');
    expect(response.status).toBe(500);
    expect(await json(response)).toEqual({
      error: { code: 'internal', message: 'internal error: see the runtime log' },
    });
    expect(h.errors).toEqual([h.backend.failReadsWith]);
  });
});
