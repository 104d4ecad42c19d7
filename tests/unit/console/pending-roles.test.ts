import { describe, expect, it } from 'vitest';
import { hasRole, type Role } from '../../../functions/console/auth/roles.ts';
import { createConsoleApp } from '../../../functions/console/console-app.ts';
import { aConsoleRule, aMessage, FakeConsoleBackend } from '../../support/fake-console-backend.ts';

const ORIGIN = 'https://console.example';

/** The console app over a fake backend with one scheduled message, signed in as `role`. */
function consoleAs(role: Role) {
  const backend = new FakeConsoleBackend();
  backend.messages.push(
    aMessage({ messageId: 'msg-a', status: 'scheduled', sendAt: '2026-11-25T09:00:00.000Z' }),
    aMessage({ messageId: 'msg-b', status: 'scheduled', sendAt: '2026-11-25T10:00:00.000Z' }),
  );
  backend.consoleRules.push(aConsoleRule({ days: [{ day: '2026-11-24', counts: { planned: 1 } }] }));
  const app = createConsoleApp({
    backend,
    origins: () => [ORIGIN],
    auth: {
      // A stand-in for sign-in: the user holds `role`; the route table says what each route needs.
      middleware: async (c, next) => {
        const needed = c.get('requiredRole');
        if (!hasRole({ roles: [role] }, needed))
          return c.json({ error: { code: 'forbidden', message: `needs ${needed}` } }, 403);
        await next();
      },
    },
  });
  const host = { host: new URL(ORIGIN).host };
  const get = (path: string) => app.request(`${ORIGIN}${path}`, { headers: host });
  const post = (path: string, type: string) =>
    app.request(`${ORIGIN}${path}`, { method: 'POST', headers: { ...host, 'content-type': type }, body: '' });
  return { backend, get, post };
}

describe('pending sends and rule counters: roles', () => {
  it('a viewer reads the pending list and the counters but cannot cancel (nothing changes)', async () => {
    const { backend, get, post } = consoleAs('viewer');

    const pending = await get('/api/pending');
    const page = await get('/pending');
    const stats = await get('/api/rules/callback-booked/stats');
    const api = await post('/api/messages/msg-a/cancel', 'application/json');
    const form = await post('/messages/msg-a/cancel', 'application/x-www-form-urlencoded');

    expect([pending.status, page.status, stats.status]).toEqual([200, 200, 200]);
    expect([api.status, form.status]).toEqual([403, 403]);
    expect(backend.messages.map((message) => message.status)).toEqual(['scheduled', 'scheduled']);
  });

  it('an editor cancels a scheduled message, by the API or the page form', async () => {
    const { backend, post } = consoleAs('editor');

    const api = await post('/api/messages/msg-a/cancel', 'application/json');
    const form = await post('/messages/msg-b/cancel', 'application/x-www-form-urlencoded');

    expect([api.status, form.status]).toEqual([200, 303]);
    expect(backend.messages.map((message) => [message.status, message.reason])).toEqual([
      ['cancelled', 'cancelled-by-operator'],
      ['cancelled', 'cancelled-by-operator'],
    ]);
  });

  it('a privacy officer (viewer, not editor) cannot cancel either', async () => {
    const { backend, post } = consoleAs('privacy');

    const form = await post('/messages/msg-a/cancel', 'application/x-www-form-urlencoded');

    expect(form.status).toBe(403);
    expect(backend.messages[0]?.status).toBe('scheduled');
  });
});
