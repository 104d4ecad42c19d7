import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { MemoryAuditLog } from '../../../../functions/adapters/memory/memory-audit-log.ts';
import {
  type AuditEnv,
  auditRoutes,
  auditWrites,
  renderAuditTable,
} from '../../../../functions/console/auth/audit-writes.ts';

const NOW = new Date('2026-12-05T08:30:00.000Z');

/** An app whose session is always Priya (privacy), with the audit middleware and a few routes. */
function anApp(audit: MemoryAuditLog) {
  const app = new Hono<AuditEnv>();
  app.use(async (c, next) => {
    c.set('user', { sub: 'sub-priya', name: 'Priya Privacy', roles: ['privacy'] });
    await next();
  });
  app.use(auditWrites(audit, { now: () => NOW }));
  app.route(
    '/',
    auditRoutes(audit, async (_c, next) => next()),
  );
  app.post(
    '/api/customers/:id/erase',
    async (c, next) => {
      c.set('authorizedAs', 'privacy');
      c.set('auditDetail', 'erased 3 messages');
      await next();
    },
    (c) => c.json({ erased: true }),
  );
  app.post('/api/refused', (c) => c.json({ error: { code: 'conflict', message: 'no' } }, 409));
  app.get('/api/read', (c) => c.json({ ok: true }));
  return app;
}

describe('auditWrites', () => {
  it('records a successful write: who, role, route, target id, detail, when; contact data masked', async () => {
    const audit = new MemoryAuditLog();
    const app = anApp(audit);

    const response = await app.request('/api/customers/anna@example.se/erase', { method: 'POST' });

    expect(response.status).toBe(200);
    const { entries } = await audit.list({ limit: 10 });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      at: '2026-12-05T08:30:00.000Z',
      actor: { sub: 'sub-priya', name: 'Priya Privacy' },
      role: 'privacy',
      action: 'POST /api/customers/:id/erase',
      detail: 'ok 200 · erased 3 messages',
    });
    expect(entries[0]?.target).not.toContain('anna@example.se');
  });

  it('records a write that failed with its outcome, and no reads', async () => {
    const audit = new MemoryAuditLog();
    const app = anApp(audit);

    await app.request('/api/read');
    await app.request('/api/refused', { method: 'POST' });

    const { entries } = await audit.list({ limit: 10 });
    expect(entries.map((entry) => `${entry.action} → ${entry.detail ?? ''}`)).toEqual([
      'POST /api/refused → refused 409',
    ]);
  });

  it('records no request refused by sign-in or a role check (401, 403)', async () => {
    const audit = new MemoryAuditLog();
    const app = anApp(audit);
    app.post('/api/forbidden', (c) => c.json({ error: { code: 'forbidden', message: 'no' } }, 403));
    app.post('/api/unauthenticated', (c) =>
      c.json({ error: { code: 'unauthenticated', message: 'no' } }, 401),
    );

    await app.request('/api/forbidden', { method: 'POST' });
    await app.request('/api/unauthenticated', { method: 'POST' });

    expect((await audit.list({ limit: 10 })).entries).toEqual([]);
  });

  it('GET /api/audit pages the trail and refuses a bad limit or cursor', async () => {
    const audit = new MemoryAuditLog();
    const app = anApp(audit);
    await app.request('/api/customers/c-1/erase', { method: 'POST' });
    await app.request('/api/customers/c-2/erase', { method: 'POST' });

    const first: unknown = await (await app.request('/api/audit?limit=1')).json();
    const { cursor } = z.object({ cursor: z.string() }).parse(first);
    const second: unknown = await (await app.request(`/api/audit?limit=1&cursor=${cursor}`)).json();
    const badLimit = await app.request('/api/audit?limit=0');
    const badCursor = await app.request('/api/audit?cursor=nonsense');

    expect(first).toMatchObject({ entries: [{ target: 'c-2' }] });
    expect(second).toEqual({ entries: [expect.objectContaining({ target: 'c-1' })] });
    expect(badLimit.status).toBe(400);
    expect(badCursor.status).toBe(400);
    expect(await badCursor.json()).toEqual({
      error: { code: 'invalid-query', message: 'cursor is not one this console issued' },
    });
  });

  it('the page escapes what it shows', () => {
    const html = renderAuditTable({
      entries: [
        {
          at: '2026-12-05T08:30:00.000Z',
          actor: { sub: 's', name: '<script>alert(1)</script>' },
          role: 'editor',
          action: 'POST /api/rules/:id/draft',
          target: 'r-1',
        },
      ],
      cursor: 'abc',
    });

    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('2026-12-05 08:30:00Z');
    expect(html).toContain('href="/audit?cursor=abc"');
  });
});
