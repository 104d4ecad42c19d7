/**
 * The console's audit: `auditWrites(audit)` records every write that succeeded (who, under which
 * role, which route, about which id, when), and `auditRoutes` lists the trail as JSON
 * (`GET /api/audit`) and as a page (`GET /audit`). Entries never carry request bodies, and the
 * audit log masks any phone number or email in the target or detail before storing.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { AdapterError } from '../../app/ports/adapter-error.ts';
import type { AuditEntry, AuditLog, AuditPage } from '../../app/ports/audit.ts';
import { escapeHtml, renderAuthPage } from './auth-pages.ts';
import type { AuthEnv } from './console-auth.ts';
import { type ConsoleUser, describeRoles, type Role } from './roles.ts';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** What a route may add to its audit entry (`c.set('auditDetail', 'version 7')`). */
export interface AuditEnv {
  Variables: AuthEnv['Variables'] & { auditDetail: string };
}

/**
 * Records every non-GET request that succeeded (status below 400) and was made by a signed-in
 * user; mount it after `session`. A failing audit write is logged, and the response (the write
 * has happened) still goes out.
 */
export function auditWrites(
  audit: AuditLog,
  deps: { now?: () => Date; log?: (line: string) => void } = {},
): MiddlewareHandler<AuditEnv> {
  const now = deps.now ?? (() => new Date());
  return async (c, next) => {
    await next();
    if (READS.has(c.req.method) || c.res.status >= 400) return;
    const user: ConsoleUser | undefined = c.get('user');
    if (user === undefined) return;
    const role: Role | undefined = c.get('authorizedAs');
    const params: Record<string, string | undefined> = c.req.param();
    const target = params.id ?? Object.values(params)[0];
    const detail: string | undefined = c.get('auditDetail');
    const entry: AuditEntry = {
      at: now().toISOString(),
      actor: { sub: user.sub, name: user.name },
      role: role ?? describeRoles(user),
      action: `${c.req.method} ${routePath(c, -1)}`,
      ...(target === undefined ? {} : { target }),
      ...(detail === undefined ? {} : { detail }),
    };
    try {
      await audit.record(entry);
    } catch (error) {
      deps.log?.(`AUDIT WRITE FAILED for ${entry.action} by ${user.sub}: ${String(error)}`);
    }
  };
}

/** Largest page `GET /api/audit` gives. */
const MAX_LIMIT = 200;

/**
 * `GET /api/audit?limit=&cursor=` (JSON page, newest first) and `GET /audit` (the page), behind
 * `guard` (the console passes `requireRole('viewer')`).
 */
export function auditRoutes(audit: AuditLog, guard: MiddlewareHandler<AuthEnv>): Hono<AuthEnv> {
  const routes = new Hono<AuthEnv>();
  const read = async (limitText: string | undefined, cursor: string | undefined) => {
    const limit = limitText === undefined ? 50 : Number(limitText);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
      return { ok: false as const, message: `limit must be a whole number from 1 to ${MAX_LIMIT}` };
    }
    try {
      return { ok: true as const, page: await audit.list({ limit, ...(cursor ? { cursor } : {}) }) };
    } catch (error) {
      if (isCursorError(error))
        return { ok: false as const, message: 'cursor is not one this console issued' };
      throw error;
    }
  };
  routes.get('/api/audit', guard, async (c) => {
    const result = await read(c.req.query('limit'), c.req.query('cursor'));
    if (!result.ok) return c.json({ error: { code: 'invalid-query', message: result.message } }, 400);
    return c.json(result.page);
  });
  routes.get('/audit', guard, async (c) => {
    const result = await read(c.req.query('limit'), c.req.query('cursor'));
    if (!result.ok) return c.html(renderAuthPage({ title: 'Audit', paragraphs: [result.message] }), 400);
    return c.html(renderAuditDocument(result.page));
  });
  return routes;
}

function isCursorError(error: unknown): boolean {
  return error instanceof RangeError || (error instanceof AdapterError && error.code === 'InvalidCursor');
}

/**
 * The audit trail as an HTML fragment (a table, newest first, and a link to the next page), for
 * the console's layout. Pure: every value escaped, times in UTC as stored.
 */
export function renderAuditTable(page: AuditPage): string {
  const rows = page.entries
    .map(
      (entry) =>
        `<tr data-audit-action="${escapeHtml(entry.action)}"><td><time datetime="${escapeHtml(entry.at)}">${escapeHtml(entry.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z'))}</time></td><td title="${escapeHtml(entry.actor.sub)}">${escapeHtml(entry.actor.name)}</td><td>${escapeHtml(entry.role)}</td><td><code>${escapeHtml(entry.action)}</code></td><td>${escapeHtml(entry.target ?? '')}</td><td>${escapeHtml(entry.detail ?? '')}</td></tr>`,
    )
    .join('\n');
  const empty = page.entries.length === 0 ? '<p class="empty">No writes recorded yet.</p>' : '';
  const next =
    page.cursor === undefined
      ? ''
      : `<p><a rel="next" href="/audit?cursor=${encodeURIComponent(page.cursor)}">Older entries</a></p>`;
  return `<section class="audit">
<h2>Audit trail</h2>
<table class="audit-trail">
<thead><tr><th>When (UTC)</th><th>Who</th><th>Role</th><th>Action</th><th>Target</th><th>Detail</th></tr></thead>
<tbody>
${rows}
</tbody>
</table>
${empty}${next}
</section>`;
}

/** A whole page around {@link renderAuditTable}, until the console's layout wraps it. */
function renderAuditDocument(page: AuditPage): string {
  return renderAuthPage({ title: 'Audit', paragraphs: [] }).replace(
    '</main>',
    `${renderAuditTable(page)}\n</main>`,
  );
}
