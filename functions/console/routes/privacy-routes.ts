/**
 * Privacy requests from the console's pages (GDPR art. 15 and 17), for the `privacy` role: the
 * customer page's "Download everything held" link and its erase form. Thin: the backend's
 * export and erase do the work (the JSON API in api-routes.ts calls the same two), and the
 * console's write middleware audits the POST.
 */
import { html } from '../html.ts';
import { jsonResponse } from '../http-io.ts';
import { plural } from '../pages/parts.ts';
import { noSuchCustomer } from './api-routes.ts';
import { errorPage, page } from './page-view.ts';
import { readForm } from './request-input.ts';
import type { Route, RouteContext } from './route.ts';

export const PRIVACY_PAGE_ROUTES: readonly Route[] = [
  { path: '/customers/:id/export', role: 'privacy', methods: { GET: exportDownload } },
  { path: '/customers/:id/erase', role: 'privacy', methods: { POST: eraseForm } },
];

async function exportDownload(ctx: RouteContext): Promise<Response> {
  const id = ctx.params.id ?? '';
  const document = await ctx.backend.exportCustomer(id);
  if (document === undefined) return errorPage(ctx, 404, 'Nothing to export', noSuchCustomer(id));
  const file = `nudge-customer-${id.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
  return jsonResponse(200, document, { 'content-disposition': `attachment; filename="${file}"` });
}

async function eraseForm(ctx: RouteContext): Promise<Response> {
  const id = ctx.params.id ?? '';
  const form = await readForm(ctx.req);
  // The form asks to type the id again: an erase cannot be undone.
  if ((form.get('confirm') ?? '').trim() !== id)
    return errorPage(
      ctx,
      400,
      'Not erased',
      `Type the customer id ${id} exactly to confirm the erase. Nothing was erased.`,
    );
  const result = await ctx.backend.eraseCustomer(id, { actor: ctx.actor ?? 'local-console' });
  switch (result.outcome) {
    case 'not-found':
      return errorPage(ctx, 404, 'Not erased', noSuchCustomer(id));
    case 'in-flight':
      return errorPage(
        ctx,
        409,
        'Not erased',
        `${plural(result.inFlight, 'message')} to ${id} are being sent right now; nothing was erased. Try again in a minute.`,
      );
    case 'erased': {
      const s = result.summary;
      const entries = Object.entries(s.entries).map(([kind, count]) => html`<li>${kind}: ${count}</li>`);
      const body = html`<h1>Customer <code>${id}</code> erased</h1>
<div class="notice" role="status">Everything Nudge held about this customer is deleted. The erase is in the <a href="/audit">audit log</a>, without personal data.</div>
<section class="card"><ul>
<li>Profile: ${s.profile}</li><li>Messages: ${s.messages} (${s.pendingCancelled} still scheduled, their schedules deleted)</li>
<li>Cap ledger entries: ${s.capLedger}</li><li>Dedupe claims: ${s.dedupeClaims}</li>${entries}
<li>Address suppressions kept, without the customer id, to honour the opt-out: ${s.suppressionsKept}</li>
${s.remaining > 0 && html`<li><strong>${plural(s.remaining, 'message')} claimed by a sender while the erase ran: erase again in a minute.</strong></li>`}
</ul></section>
<p><a href="/customers">Back to customers</a></p>`;
      return page(ctx, 200, `Customer ${id} erased`, '/customers', body);
    }
  }
}
