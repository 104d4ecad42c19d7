// The console function as Lambda runs it: console.handler.ts bundled with the stack's esbuild
// options, cold-started in a child node with the environment the stack gives it, and invoked with
// HTTP API events for the routes that need no AWS call (the rest are covered against the stores in
// tests/unit/console/stores-console-backend.test.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ConsoleBundle,
  DOMAIN,
  ORIGIN,
  SESSION_ARN,
  startConsoleBundle,
} from '../support/console-bundle-rig.ts';
import { httpApiEvent } from '../support/http-api-event.ts';

let bundle: ConsoleBundle;

beforeAll(async () => {
  bundle = await startConsoleBundle({ tableName: 'nudge-test-table', remainingMs: 9_000 });
}, 60_000);

afterAll(async () => {
  await bundle?.stop();
});

describe('the bundled console function', () => {
  it('cold-starts with sign-in on: no session 401, a session signed with the stack key 200; cross-origin and foreign host 403', async () => {
    // Arrange: a session cookie as the callback writes it, signed with the secret's signingKey.
    const cookie = await bundle.cookieFor('Ed', ['editor']);

    // Act
    const [anonymous, clock, captured, crossOrigin, reply, foreignHost] = await bundle.invoke([
      httpApiEvent('GET', '/api/clock', { domain: DOMAIN }),
      httpApiEvent('GET', '/api/clock', { domain: DOMAIN, headers: { cookie } }),
      httpApiEvent('GET', '/api/captured', { domain: DOMAIN, headers: { cookie } }),
      httpApiEvent('POST', '/api/events', {
        domain: DOMAIN,
        headers: { 'content-type': 'application/json', origin: 'https://evil.example', cookie },
        body: JSON.stringify({ source: 'acme.orders', 'detail-type': 'ParcelLate', detail: {} }),
      }),
      httpApiEvent('POST', '/api/replies', {
        domain: DOMAIN,
        headers: { 'content-type': 'application/json', origin: ORIGIN, cookie },
        body: JSON.stringify({ from: '+46701234567', body: 'YES' }),
      }),
      httpApiEvent('GET', '/api/clock', { domain: DOMAIN, headers: { host: 'evil.example', cookie } }),
    ]);

    // Assert
    expect(anonymous?.statusCode).toBe(401);
    expect(clock?.statusCode).toBe(200);
    expect(JSON.parse(clock?.body ?? '')).toMatchObject({ speed: 1 });
    expect(JSON.parse(captured?.body ?? '')).toMatchObject({ items: [] });
    expect(crossOrigin?.statusCode).toBe(403);
    expect(reply?.statusCode).toBe(422);
    expect(JSON.parse(reply?.body ?? '')).toMatchObject({ error: { code: 'reply-rejected' } });
    expect(foreignHost?.statusCode).toBe(403);
    expect(bundle.secretRequests.some((request) => request.includes(SESSION_ARN))).toBe(true);
  }, 30_000);
});
