import type { RejectedEvent } from '../../app/message-record.ts';
import { maskPiiText } from '../../core/customers/mask-pii.ts';
import type { CapturedMessage, SampleEvent } from '../console-backend.ts';
import { html, prettyJson, type SafeHtml, timeIn } from '../html.ts';
import { emptyState, maskContact, statusBadge } from './parts.ts';

/** The quick replies offered under the reply form: confirmations and opt-out/in in sv and en. */
const QUICK_REPLIES = ['YES', 'NO', 'STOP', 'STOPP', 'START'] as const;

/** What the Try it page shows; the form fields keep what the user typed when a send fails. */
export interface TryView {
  samples: SampleEvent[];
  /** Index of the sample in the select. */
  selected: number;
  /** The textarea: the user's text after a failed send, else the selected sample. */
  eventText?: string;
  eventError?: string;
  reply: { from: string; body: string };
  replyError?: string;
  replied?: boolean;
  captured: CapturedMessage[];
  /** Why there is nothing captured to show (the deployed console talks to real providers). */
  capturedNote?: string;
  rejected: RejectedEvent[];
}

function eventForm(view: TryView): SafeHtml {
  const sample = view.samples[view.selected];
  const text = view.eventText ?? (sample === undefined ? '' : prettyJson(sample.event));
  const options = view.samples.map(
    (item, index) =>
      html`<option value="${index}" data-event="${prettyJson(item.event)}"${index === view.selected && html` selected`}>${item.name}</option>`,
  );
  return html`<section class="card">
  <h2>Send a test event</h2>
  ${view.eventError !== undefined && html`<div class="error" role="alert">${view.eventError}</div>`}
  ${
    view.samples.length > 0
      ? html`<form method="get" action="/try" class="field">
    <label for="sample">Sample</label>
    <select id="sample" name="sample">${options}</select>
    <noscript><button type="submit" class="secondary small">Load sample</button></noscript>
  </form>`
      : html`<p class="muted small">No samples offered by this runtime: write an event below.</p>`
  }
  <form method="post" action="/try/events">
    <div class="field">
      <label for="event">Event (JSON: one event or an array)</label>
      <textarea id="event" name="event" spellcheck="false">${text}</textarea>
    </div>
    <button type="submit" id="send-event">Send event</button>
  </form>
</section>`;
}

function replyForm(view: TryView): SafeHtml {
  const recipients = [
    ...new Set(view.captured.filter((item) => item.channel === 'sms').map((item) => item.to)),
  ];
  return html`<section class="card">
  <h2>Reply to an SMS as the customer</h2>
  ${view.replyError !== undefined && html`<div class="error" role="alert">${view.replyError}</div>`}
  ${view.replied === true && html`<div class="notice" role="status">Reply sent through the Twilio sandbox's signed inbound webhook.</div>`}
  <form method="post" action="/try/replies">
    <div class="field">
      <label for="from">From (the customer's phone number)</label>
      <input type="text" id="from" name="from" list="recipients" autocomplete="off" value="${view.reply.from}" placeholder="+46701234567">
      <datalist id="recipients">${recipients.map((to) => html`<option value="${to}">${maskContact(to)}</option>`)}</datalist>
    </div>
    <div class="field">
      <label for="body">Message</label>
      <input type="text" id="body" name="body" autocomplete="off" value="${view.reply.body}" placeholder="YES">
    </div>
    <button type="submit">Send reply</button>
    <div class="quick"><span class="muted small">or quickly:</span>${QUICK_REPLIES.map(
      (word) =>
        html`<button type="submit" class="secondary small" name="quick" value="${word}">${word}</button>`,
    )}</div>
  </form>
</section>`;
}

function capturedList(items: CapturedMessage[], channel: 'sms' | 'email'): SafeHtml {
  const mine = items.filter((item) => item.channel === channel);
  if (mine.length === 0) {
    return emptyState(channel === 'sms' ? 'The phone has received nothing yet.' : 'The inbox is empty.');
  }
  if (channel === 'sms') {
    return html`<ul class="phone-list captured-sms">${mine.map(
      (item) => html`<li>
  <div class="meta">${timeIn(item.at, 'UTC')} · to ${maskContact(item.to)} ${statusBadge(item.status)}
    <button type="button" class="secondary small" data-fill-from="${item.to}" title="Reply as this number">reply</button></div>
  <div class="bubble">${item.summary}</div>
</li>`,
    )}</ul>`;
  }
  return html`<ul class="inbox-list captured-email">${mine.map(
    (item) => html`<li>
  <div class="meta">${timeIn(item.at, 'UTC')} · to ${maskContact(item.to)} ${statusBadge(item.status)}</div>
  <div class="subject">${item.summary}</div>
</li>`,
  )}</ul>`;
}

function rejectedList(items: RejectedEvent[]): SafeHtml {
  if (items.length === 0) return emptyState('No rejected inputs.');
  return html`<div class="card table-card"><table><thead><tr><th>When</th><th>Event</th><th>Reason</th></tr></thead><tbody>${items.map(
    (item, index) => html`<tr>
  <td class="nowrap">${timeIn(item.receivedAt, 'UTC')}</td>
  <td>${item.eventId === undefined ? html`<span class="muted">unreadable</span>` : html`<code>${item.eventId}</code>`}</td>
  <td>${item.reason}<details id="rejected-${index}"><summary>raw input (contacts masked)</summary><pre>${maskPiiText(item.raw)}</pre></details></td>
</tr>`,
  )}</tbody></table></div>`;
}

function capturedLists(captured: CapturedMessage[]): SafeHtml {
  return html`<p class="muted small">Times in UTC: the phone and the inbox belong to no one customer.</p>
<div class="grid2">
  <section class="card"><h3>Phone (Twilio sandbox), newest first</h3>${capturedList(captured, 'sms')}</section>
  <section class="card"><h3>Inbox (SendGrid sandbox), newest first</h3>${capturedList(captured, 'email')}</section>
</div>`;
}

/** `/try`: send a test event, reply as the customer, and see what the sandboxes captured. */
export function tryPage(view: TryView): SafeHtml {
  return html`<h1>Try it</h1>
<div class="grid2">${eventForm(view)}${replyForm(view)}</div>
<div id="captured" data-live>
<h2>What the sandboxes captured</h2>
${view.capturedNote === undefined ? capturedLists(view.captured) : html`<p class="notice captured-note">${view.capturedNote}</p>`}
<h2>Rejected inputs</h2>
${rejectedList(view.rejected)}
</div>`;
}
