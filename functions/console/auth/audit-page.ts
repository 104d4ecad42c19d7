/**
 * The audit trail in the console itself: `GET /audit` (a page in the console's layout) and
 * `GET /api/audit?limit=&cursor=` (JSON, newest first), for every role. Routes of the console's
 * route table, so they get the same Host check, sign-in and role check as every other route.
 */
import type { AuditEntry, AuditLog, AuditPage } from '../../app/ports/audit.ts';
import { html, type SafeHtml } from '../html.ts';
import { ConsoleHttpError, jsonResponse } from '../http-io.ts';
import { page } from '../routes/page-view.ts';
import type { Route, RouteContext } from '../routes/route.ts';
import { readAuditPage } from './audit-writes.ts';

/** The audit routes over one audit log. */
export function auditRouteTable(audit: AuditLog): readonly Route[] {
  const read = async (ctx: RouteContext): Promise<AuditPage> => {
    const query = ctx.url.searchParams;
    const result = await readAuditPage(
      audit,
      query.get('limit') ?? undefined,
      query.get('cursor') ?? undefined,
    );
    if (!result.ok) throw new ConsoleHttpError(400, 'invalid-query', result.message);
    return result.page;
  };
  return [
    {
      path: '/api/audit',
      role: 'viewer',
      methods: { GET: async (ctx) => jsonResponse(200, await read(ctx)) },
    },
    {
      path: '/audit',
      role: 'viewer',
      methods: { GET: async (ctx) => page(ctx, 200, 'Audit', '/audit', auditTable(await read(ctx))) },
    },
  ];
}

/** The trail as a table, newest first, with a link to older entries. Times in UTC as stored. */
function auditTable(trail: AuditPage): SafeHtml {
  const next =
    trail.cursor === undefined
      ? ''
      : html`<p><a rel="next" href="/audit?cursor=${encodeURIComponent(trail.cursor)}">Older entries</a></p>`;
  const body =
    trail.entries.length === 0
      ? html`<p class="empty">No writes recorded yet.</p>`
      : html`<div class="card table-card"><table class="audit-trail">
<thead><tr><th>When (UTC)</th><th>Who</th><th>Role</th><th>Action</th><th>Target</th><th>Outcome and detail</th></tr></thead>
<tbody>${trail.entries.map(auditRow)}</tbody></table></div>`;
  return html`<h1>Audit</h1>
<p class="muted">Every write made through the console: who, under which role, what, about which id, when, and how it ended.</p>
${body}${next}`;
}

function auditRow(entry: AuditEntry): SafeHtml {
  const when = entry.at.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  return html`<tr data-audit-action="${entry.action}"><td class="nowrap"><time datetime="${entry.at}">${when}</time></td><td title="${entry.actor.sub}">${entry.actor.name}</td><td>${entry.role}</td><td><code>${entry.action}</code></td><td>${entry.target ?? ''}</td><td>${entry.detail ?? ''}</td></tr>`;
}
