/**
 * `/pending`: scheduled messages, soonest first, with a filter (rule, customer, due window in UTC)
 * and a cancel button per message; and the provisional preview a scheduled message's page shows.
 * Pure render functions (data → HTML). The list is not refreshed every 2 s like the others: a
 * listing queries every shard of every rule's `due` index (docs/data-model.md, pending sends).
 */
import type { MessageRecord } from '../../app/message-record.ts';
import type { ProvisionalPreview } from '../../app/pending-sends.ts';
import { href, html, relativeTo, type SafeHtml, timeIn } from '../html.ts';
import { emptyState, plural } from './parts.ts';

/** The filter as the page was asked for it (due times ISO UTC). */
export interface PendingFilter {
  rule?: string;
  customer?: string;
  from?: string;
  to?: string;
}

/** What the pending page shows. */
export interface PendingView {
  items: MessageRecord[];
  filter: PendingFilter;
  /** The loaded rules' ids, for the filter's choice. */
  rules: string[];
  zones: Map<string, string | undefined>;
  /** Virtual now, for "in 2 h". */
  now: string;
  cursor?: string;
  nextCursor?: string;
  /** A message id just cancelled, to confirm it. */
  cancelled?: string;
  /** Whether the reader may cancel (an editor): the Cancel buttons are shown only then. */
  mayCancel?: boolean;
}

/** The `datetime-local` value of an ISO instant, in UTC (minutes). */
function localValue(iso: string | undefined): string {
  return iso === undefined ? '' : iso.slice(0, 16);
}

function filterForm(view: PendingView): SafeHtml {
  const { filter } = view;
  const options = view.rules.map(
    (rule) => html`<option value="${rule}"${filter.rule === rule ? html` selected` : ''}>${rule}</option>`,
  );
  return html`<form class="card filter" method="get" action="/pending">
  <div class="field"><label for="rule">Rule</label><select id="rule" name="rule"><option value="">every rule</option>${options}</select></div>
  <div class="field"><label for="customer">Customer id</label><input type="text" id="customer" name="customer" value="${filter.customer ?? ''}"></div>
  <div class="field"><label for="from">Due from (UTC)</label><input type="datetime-local" id="from" name="from" value="${localValue(filter.from)}"></div>
  <div class="field"><label for="to">Due until (UTC)</label><input type="datetime-local" id="to" name="to" value="${localValue(filter.to)}"></div>
  <button type="submit">Filter</button> <a href="/pending">Clear</a>
</form>`;
}

/** The query string of the filter, for the pager. */
function filterQuery(filter: PendingFilter): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filter)) if (value !== undefined) params.set(key, value);
  return params.toString();
}

function row(record: MessageRecord, view: PendingView): SafeHtml {
  const zone = view.zones.get(record.customerId);
  return html`<tr data-message-id="${record.messageId}">
  <td class="nowrap">${timeIn(record.sendAt, zone)}</td>
  <td class="muted small nowrap">${relativeTo(record.sendAt, view.now)}</td>
  <td class="nowrap"><a href="/rules#rule-${encodeURIComponent(record.ruleId)}">${record.ruleId}</a></td>
  <td class="nowrap"><a href="${href('/customers', record.customerId)}">${record.customerId}</a></td>
  <td><a href="${href('/messages', record.messageId)}"><code>${record.messageId}</code></a>${record.reason !== undefined && html` <span class="muted small">${record.reason}</span>`}</td>
  ${view.mayCancel !== false && html`<td><form method="post" action="${href('/messages', record.messageId)}/cancel"><button type="submit" class="secondary small">Cancel</button></form></td>`}
</tr>`;
}

/** `/pending`: the filter, the scheduled messages soonest first, paging by cursor. */
export function pendingPage(view: PendingView): SafeHtml {
  const notice =
    view.cancelled !== undefined &&
    html`<div class="notice" role="status">Cancelled <code>${view.cancelled}</code>: it will not be sent.</div>`;
  const table =
    view.items.length === 0
      ? emptyState(view.cursor === undefined ? 'Nothing pending matches.' : 'No later pending sends.')
      : html`<div class="card table-card"><table>
<thead><tr><th>Due (customer time)</th><th></th><th>Rule</th><th>Customer</th><th>Message</th>${view.mayCancel !== false && html`<th></th>`}</tr></thead>
<tbody>${view.items.map((record) => row(record, view))}</tbody>
</table></div>`;
  const query = filterQuery(view.filter);
  const pager = html`<div class="pager">
  ${view.cursor !== undefined && html`<a href="/pending${query === '' ? '' : `?${query}`}">← Soonest</a>`}
  ${view.nextCursor !== undefined && html`<a href="/pending?${query === '' ? '' : `${query}&`}cursor=${encodeURIComponent(view.nextCursor)}" rel="next">Later →</a>`}
</div>`;
  return html`<h1>Pending sends</h1>
${notice}
<p class="muted small">Scheduled messages, soonest first (${plural(view.items.length, 'message')} on this page). Cancelling one is final: the send that fires later finds it cancelled and does nothing.</p>
${filterForm(view)}
<div id="pending">${table}${pager}</div>`;
}

/** The label every provisional preview carries. */
export const PROVISIONAL_LABEL =
  'Provisional: rendered now from the current profile and rules; the text is rendered again when sent';

/** A scheduled message's provisional preview (or why it would be held back), labelled as such. */
export function provisionalBlock(preview: ProvisionalPreview): SafeHtml {
  const label = html`<p class="provisional badge warn">${PROVISIONAL_LABEL}</p>`;
  if (preview.kind === 'held-back') {
    return html`${label}<div class="empty">Would be held back now: <strong>${preview.reason}</strong> <span class="small">${preview.detail}</span></div>`;
  }
  const message = preview.message;
  if (message.channel === 'sms') {
    return html`${label}<div class="phone" aria-label="Provisional SMS"><div class="bubble sms-text">${message.text}</div>
<div class="sms-meta">${message.encoding} · ${plural(message.segments, 'segment')} · ${preview.locale}</div></div>`;
  }
  return html`${label}<div class="subject email-subject">${message.subject}</div>
<iframe class="email" title="Provisional email HTML" sandbox="" referrerpolicy="no-referrer" srcdoc="${message.html}"></iframe>
<pre class="email-text">${message.text}</pre>`;
}
