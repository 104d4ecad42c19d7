import type { RejectedEvent } from '../../app/message-record.ts';
import { maskPiiText } from '../../core/customers/mask-pii.ts';
import type { CapturedMessage, SampleEvent } from '../console-backend.ts';
import { href, html, prettyJson, type SafeHtml, timeIn } from '../html.ts';
import type { TryDecision, TryReport } from '../try-report.ts';
import { badge, emptyState, maskContact, plural, statusBadge } from './parts.ts';

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

/** What a decided message says: the SMS text, or the email's subject and text; else when it renders. */
function renderedText(decision: TryDecision): SafeHtml {
  const rendered = decision.rendered;
  if (rendered === undefined) {
    return decision.decision === 'scheduled'
      ? html`<span class="muted">rendered when due (${timeIn(decision.sendAt, 'UTC')})</span>`
      : html`<span class="muted">not rendered</span>`;
  }
  if (rendered.channel === 'sms') {
    return html`<div class="bubble rendered">${rendered.text}</div><div class="small muted">${rendered.encoding} · ${plural(rendered.segments, 'segment')}</div>`;
  }
  return html`<div class="rendered"><strong>${rendered.subject}</strong></div><div class="small">${rendered.text}</div>`;
}

const DECISION_NAMES: Readonly<Record<string, string>> = {
  scheduled: 'planned',
  suppressed: 'held back',
  'held-out': 'held out',
  cancelled: 'closed',
};

function decisionRows(decisions: ReadonlyArray<TryDecision>): SafeHtml {
  return html`<table class="try-decisions"><thead><tr><th>Rule</th><th>Decision</th><th>Why</th><th>Now</th><th>Text</th></tr></thead><tbody>${decisions.map(
    (decision) =>
      html`<tr data-message-id="${decision.messageId}" data-decision="${decision.decision}"><td><a href="${href('/messages', decision.messageId)}">${decision.ruleId}</a></td><td>${badge(DECISION_NAMES[decision.decision] ?? decision.decision, decision.decision === 'scheduled' ? 'plan' : 'warn')}${decision.decision === 'scheduled' && html` <span class="small">for ${timeIn(decision.sendAt, 'UTC')}${decision.channel !== undefined && html` by ${decision.channel}`}</span>`}</td><td class="reason">${decision.label ?? '—'}</td><td>${statusBadge(decision.status)}</td><td class="text">${renderedText(decision)}</td></tr>`,
  )}</tbody></table>`;
}

function reportCard(report: TryReport): SafeHtml {
  const links = html`<p class="small">${report.timeline !== undefined && html`<a href="${report.timeline}">Timeline of ${report.customerId ?? ''}</a> · `}<a href="/">Outbox</a></p>`;
  if (report.state === 'no-customer') {
    return html`<section class="card try-report" data-state="no-customer"><h2>Event <code>${report.eventId}</code></h2>
<p>The event names no customer (<code>detail.customer.id</code> or <code>detail.customerId</code>), so it is on no timeline: see the outbox for what it did.</p>${links}</section>`;
  }
  if (report.state === 'waiting') {
    return html`<section class="card try-report" data-state="waiting"><h2>Event <code>${report.eventId}</code></h2>
<p class="muted">Waiting for the engine to evaluate it… this page refreshes by itself.</p>${links}</section>`;
  }
  const summary =
    report.decisions.length === 0 && report.closed.length === 0
      ? html`${badge('no rule matched')} No message was planned or closed.`
      : html`Rules matched: ${report.matched.length === 0 ? '—' : report.matched.join(', ')}.`;
  return html`<section class="card try-report" data-state="evaluated"><h2>Event <code>${report.eventId}</code></h2>
<p class="try-summary">${summary}</p>
${report.decisions.length > 0 && decisionRows(report.decisions)}
${report.closed.length > 0 && html`<h3>Closed by this event</h3>${decisionRows(report.closed)}`}
${links}</section>`;
}

/** `/try/report`: what each event just sent did (refreshes until the engine has evaluated them). */
export function tryReportPage(reports: ReadonlyArray<TryReport>): SafeHtml {
  return html`<h1>Try it: what the event did</h1>
<p class="small"><a href="/try">← Send another event</a></p>
<div id="try-report" data-live>${reports.length === 0 ? emptyState('No event to report on.') : reports.map(reportCard)}</div>`;
}
