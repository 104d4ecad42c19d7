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

/** The audit's context variables (`auditDetail`, `auditRoute`) are part of {@link AuthEnv}. */
export type AuditEnv = AuthEnv;

/**
 * Records every non-GET request made by a signed-in user that got past sign-in and its role check
 * (mount it after both), and every read that needed the `privacy` role (a customer's export): who, under which role, which route, about which id, when, and the
 * outcome (`ok 200`, `refused 409`, `failed 500`) ahead of the route's own detail. A 401 or 403
 * is the refusal of a request, not a write, and is not recorded. A failing audit write is
 * logged, and the response (the write has happened) still goes out.
 */
export function auditWrites(
  audit: AuditLog,
  deps: { now?: () => Date; log?: (line: string) => void } = {},
): MiddlewareHandler<AuditEnv> {
  const now = deps.now ?? (() => new Date());
  return async (c, next) => {
    await next();
    const status = c.res.status;
    const role: Role | undefined = c.get('authorizedAs');
    // A read is not audited, except one that needed the privacy role: an export discloses a person.
    if ((READS.has(c.req.method) && role !== 'privacy') || status === 401 || status === 403) return;
    const user: ConsoleUser | undefined = c.get('user');
    if (user === undefined) return;
    const params: Record<string, string | undefined> = c.req.param();
    const target = params.id ?? Object.values(params)[0];
    const routeDetail: string | undefined = c.get('auditDetail');
    const route: string | undefined = c.get('auditRoute');
    const entry: AuditEntry = {
      at: now().toISOString(),
      actor: { sub: user.sub, name: user.name },
      role: role ?? describeRoles(user),
      action: `${c.req.method} ${route ?? routePath(c, -1)}`,
      ...(target === undefined ? {} : { target }),
      detail: routeDetail === undefined ? outcome(status) : `${outcome(status)} · ${routeDetail}`,
    };
    try {
      await audit.record(entry);
    } catch (error) {
      deps.log?.(`AUDIT WRITE FAILED for ${entry.action} by ${user.sub}: ${String(error)}`);
    }
  };
}

/** What became of a write, from its status: `ok 200`, `refused 409`, `failed 500`. */
function outcome(status: number): string {
  if (status < 400) return `ok ${status}`;
  return status < 500 ? `refused ${status}` : `failed ${status}`;
}

/** Largest page `GET /api/audit` gives. */
const MAX_LIMIT = 200;

/**
 * `GET /api/audit?limit=&cursor=` (JSON page, newest first) and `GET /audit` (the page), behind
 * `guard` (the console passes `requireRole('viewer')`).
 */
export function auditRoutes(audit: AuditLog, guard: MiddlewareHandler<AuthEnv>): Hono<AuthEnv> {
  const routes = new Hono<AuthEnv>();
  routes.get('/api/audit', guard, async (c) => {
    const result = await readAuditPage(audit, c.req.query('limit'), c.req.query('cursor'));
    if (!result.ok) return c.json({ error: { code: 'invalid-query', message: result.message } }, 400);
    return c.json(result.page);
  });
  routes.get('/audit', guard, async (c) => {
    const result = await readAuditPage(audit, c.req.query('limit'), c.req.query('cursor'));
    if (!result.ok) return c.html(renderAuthPage({ title: 'Audit', paragraphs: [result.message] }), 400);
    return c.html(renderAuditDocument(result.page));
  });
  return routes;
}

/**
 * One page of the trail for `?limit=&cursor=` (limit 1–{@link MAX_LIMIT}, default 50), or what is
 * wrong with the query (a bad limit, a cursor this console did not issue).
 */
export async function readAuditPage(
  audit: AuditLog,
  limitText: string | undefined,
  cursor: string | undefined,
): Promise<{ ok: true; page: AuditPage } | { ok: false; message: string }> {
  const limit = limitText === undefined ? 50 : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return { ok: false, message: `limit must be a whole number from 1 to ${MAX_LIMIT}` };
  }
  try {
    return { ok: true, page: await audit.list({ limit, ...(cursor ? { cursor } : {}) }) };
  } catch (error) {
    if (isCursorError(error)) return { ok: false, message: 'cursor is not one this console issued' };
    throw error;
  }
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
