import type { MessageRecord } from '../../app/message-record.ts';
import { href, html, type SafeHtml, timeIn } from '../html.ts';
import { emptyState, maskContact, messageGist, snapshotZone, statusBadge } from './parts.ts';

/** What the outbox page shows. */
export interface OutboxView {
  items: MessageRecord[];
  /** Continues to older messages, when there are more. */
  nextCursor?: string;
  /** Set when this is not the first page. */
  cursor?: string;
  /** Customers' stored time zones. */
  zones: Map<string, string | undefined>;
  /** Event ids just sent from Try it, to confirm the send. */
  sent: string[];
}

/** The time zone a message's times are shown in: the stored profile's, else the event's. */
export function zoneOf(record: MessageRecord, zones: Map<string, string | undefined>): string | undefined {
  return zones.get(record.customerId) ?? snapshotZone(record);
}

/** `/`: every SMS and email, newest first, with paging by cursor. */
export function outboxPage(view: OutboxView): SafeHtml {
  const notice =
    view.sent.length > 0 &&
    html`<div class="notice" role="status">Event sent: ${view.sent.join(', ')}. Messages appear here as the runtime decides (this page refreshes itself).</div>`;
  const rows = view.items.map((record) => {
    const zone = zoneOf(record, view.zones);
    const link = href('/messages', record.messageId);
    return html`<tr class="row-link" data-message-id="${record.messageId}">
  <td>${statusBadge(record.status)}</td>
  <td class="nowrap"><a href="/rules#rule-${encodeURIComponent(record.ruleId)}">${record.ruleId}</a></td>
  <td class="nowrap"><a href="${href('/customers', record.customerId)}">${record.customerId}</a></td>
  <td>${record.channel ?? html`<span class="muted">—</span>`}</td>
  <td class="nowrap">${maskContact(record.to)}</td>
  <td class="nowrap"><a href="${link}" title="Open the message">${timeIn(record.sentAt ?? record.sendAt, zone)}</a></td>
  <td class="text"><a href="${link}" class="gist">${messageGist(record)}</a></td>
</tr>`;
  });
  const table =
    view.items.length === 0
      ? emptyState(
          view.cursor === undefined ? 'No messages yet.' : 'No older messages.',
          html`Send a test event from <a href="/try">Try it</a>, or publish one to the events endpoint.`,
        )
      : html`<div class="card table-card"><table>
<thead><tr><th>Status</th><th>Rule</th><th>Customer</th><th>Channel</th><th>To</th><th>When (customer time)</th><th>Message</th></tr></thead>
<tbody>${rows}</tbody>
</table></div>`;
  const pager = html`<div class="pager">
  ${view.cursor !== undefined && html`<a href="/">← Newest</a>`}
  ${view.nextCursor !== undefined && html`<a href="/?cursor=${encodeURIComponent(view.nextCursor)}" rel="next">Older →</a>`}
</div>`;
  return html`<h1>Outbox</h1>
${notice}
<p class="muted small">Every SMS and email Nudge planned, held back, sent or closed, newest first. Times are in each customer's time zone (hover for UTC).</p>
<div id="outbox" data-live>${table}${pager}</div>`;
}
