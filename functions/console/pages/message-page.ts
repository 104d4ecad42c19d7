import type { MessageRecord } from '../../app/message-record.ts';
import type { ProvisionalPreview } from '../../app/pending-sends.ts';
import { displayZone, href, html, prettyJson, type SafeHtml, timeIn } from '../html.ts';
import { emptyState, maskContact, maskContactFields, plural, statusBadge } from './parts.ts';
import { provisionalBlock } from './pending-page.ts';

/**
 * The message as the customer sees it. Email HTML comes from templates (and event data inside
 * them), so it is only ever placed in an `<iframe sandbox="" srcdoc="…">`: the empty sandbox
 * gives it an opaque origin with no scripts, forms, popups or top navigation, and `srcdoc` is an
 * attribute value, escaped like any other, so it can never close the iframe and join the page.
 */
function preview(record: MessageRecord, provisional: ProvisionalPreview | undefined): SafeHtml {
  const rendered = record.rendered;
  if (rendered === undefined && provisional !== undefined) return provisionalBlock(provisional);
  if (rendered === undefined) {
    return emptyState(
      record.status === 'scheduled'
        ? 'Not rendered yet: the message is rendered when it is due, with the customer’s latest details.'
        : 'Nothing was rendered for this message.',
    );
  }
  if (rendered.channel === 'sms') {
    return html`<div class="phone" aria-label="SMS as the customer sees it">
  <div class="bubble sms-text">${rendered.text}</div>
  <div class="sms-meta"><span class="badge ${rendered.encoding === 'UCS-2' ? 'warn' : 'info'}">${rendered.encoding}</span> ${plural(rendered.segments, 'segment')} · ${rendered.text.length} characters</div>
</div>`;
  }
  return html`<div class="subject email-subject">${rendered.subject}</div>
<iframe class="email" title="Email HTML as the customer sees it" sandbox="" referrerpolicy="no-referrer" srcdoc="${rendered.html}"></iframe>
<h3>Text part</h3>
<pre class="email-text">${rendered.text}</pre>`;
}

/** `/messages/:id`: preview, facts, full status history with reasons, the triggering event. */
export function messagePage(
  record: MessageRecord,
  zone: string | undefined,
  provisional?: ProvisionalPreview,
  /** Whether the reader may cancel (an editor): the button is shown only then. */
  mayCancel = true,
): SafeHtml {
  const shownZone = displayZone(zone);
  const history = [...record.history].map(
    (change) => html`<tr>
  <td class="nowrap">${timeIn(change.at, zone, { seconds: true })}</td>
  <td>${statusBadge(change.status)}</td>
  <td>${change.reason ?? ''}</td>
  <td>${change.detail ?? ''}</td>
</tr>`,
  );
  return html`<h1>Message ${statusBadge(record.status)}</h1>
<p class="muted small"><code>${record.messageId}</code> · times in ${shownZone} (hover for UTC)</p>
<div class="grid2">
  <section class="card">
    <h2>As the customer sees it</h2>
    ${preview(record, provisional)}
    ${mayCancel && record.status === 'scheduled' && html`<form method="post" action="${href('/messages', record.messageId)}/cancel"><button type="submit" class="secondary small">Cancel this message</button></form>`}
  </section>
  <section class="card">
    <h2>Facts</h2>
    <dl class="facts">
      <dt>Rule</dt><dd><a href="/rules#rule-${encodeURIComponent(record.ruleId)}">${record.ruleId}</a></dd>
      <dt>Customer</dt><dd><a href="${href('/customers', record.customerId)}">${record.customerId}</a></dd>
      <dt>Channel</dt><dd>${record.channel ?? '—'}</dd>
      <dt>To</dt><dd>${maskContact(record.to)}</dd>
      <dt>Locale</dt><dd>${record.locale ?? '—'}</dd>
      <dt>Rule set</dt><dd>${record.ruleSetVersion === undefined ? '—' : `version ${record.ruleSetVersion}`}</dd>
      <dt>Status</dt><dd>${statusBadge(record.status)} ${record.reason ?? ''}${record.detail !== undefined && html` <span class="muted">${record.detail}</span>`}</dd>
      <dt>Created</dt><dd>${timeIn(record.createdAt, zone, { seconds: true })}</dd>
      <dt>Due</dt><dd>${timeIn(record.sendAt, zone, { seconds: true })}</dd>
      <dt>Sent</dt><dd>${record.sentAt === undefined ? '—' : timeIn(record.sentAt, zone, { seconds: true })}</dd>
      <dt>Attempts</dt><dd>${record.attempts}</dd>
      <dt>Provider id</dt><dd>${record.providerId === undefined ? '—' : html`<code>${record.providerId}</code>`}</dd>
      <dt>Dedupe key</dt><dd><code>${record.dedupeKey}</code></dd>
      ${record.correlationKey !== undefined && html`<dt>Correlation</dt><dd><code>${record.correlationKey}</code></dd>`}
    </dl>
  </section>
</div>
<section class="card" id="history" data-live>
  <h2>Status history</h2>
  ${
    history.length === 0
      ? emptyState('No status changes recorded.')
      : html`<table class="history"><thead><tr><th>When</th><th>Status</th><th>Reason</th><th>Detail</th></tr></thead><tbody>${history}</tbody></table>`
  }
</section>
<section class="card">
  <h2>Triggering event</h2>
  <p class="small muted">${record.trigger.source} · ${record.trigger.detailType} · <code>${record.trigger.id}</code> · ${timeIn(record.trigger.time, zone, { seconds: true })}</p>
  <pre class="trigger-json">${prettyJson(maskContactFields(record.trigger))}</pre>
  <p class="small muted">Contact fields are masked here; <code>GET /api/messages/:id</code> returns the event as stored.</p>
</section>`;
}
