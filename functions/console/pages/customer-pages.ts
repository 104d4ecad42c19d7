import type { MessageRecord, StatusChange } from '../../app/message-record.ts';
import type { Suppression } from '../../app/ports/suppressions.ts';
import type { InboundReply } from '../../app/ports.ts';
import type { CustomerProfile } from '../../core/customers/customer-profile.ts';
import { displayZone, href, html, instantMillis, prettyJson, type SafeHtml, timeIn } from '../html.ts';
import {
  badge,
  emptyState,
  maskContact,
  maskContactFields,
  messageGist,
  snapshotZone,
  statusBadge,
} from './parts.ts';

/** `/customers`: customers this runtime has seen, most recent first. */
export function customersPage(
  customers: Array<{ id: string; lastSeen: string }>,
  zones: Map<string, string | undefined>,
): SafeHtml {
  const body =
    customers.length === 0
      ? emptyState(
          'No customers yet.',
          html`Customers appear when an event names them in <code>detail.customer</code>. Try one from <a href="/try">Try it</a>.`,
        )
      : html`<div class="card table-card"><table>
<thead><tr><th>Customer</th><th>Last seen (customer time)</th><th>Time zone</th></tr></thead>
<tbody>${customers.map((customer) => {
          const zone = zones.get(customer.id);
          return html`<tr class="row-link"><td><a href="${href('/customers', customer.id)}">${customer.id}</a></td><td>${timeIn(customer.lastSeen, zone)}</td><td>${displayZone(zone)}</td></tr>`;
        })}</tbody>
</table></div>`;
  return html`<h1>Customers</h1>
<div id="customers" data-live>${body}</div>`;
}

/** What the customer timeline page shows. */
export interface CustomerView {
  customerId: string;
  profile: CustomerProfile | undefined;
  messages: MessageRecord[];
  replies: InboundReply[];
  /** The suppression entries of the customer's addresses (in force and lifted). */
  suppressions?: Suppression[];
}

type Kind = 'event' | 'decision' | 'sent' | 'status' | 'reply';

interface Entry {
  at: string;
  kind: Kind;
  /** Orders entries at the same instant causally: event, decision, sending, sent, callback, reply. */
  rank: number;
  label: SafeHtml;
  body: SafeHtml;
}

const DECISIONS = new Set(['scheduled', 'suppressed', 'cancelled', 'held-out']);

function historyEntry(record: MessageRecord, change: StatusChange, zone: string | undefined): Entry {
  const link = html`<a href="${href('/messages', record.messageId)}">${record.ruleId}</a>`;
  const why = html`${change.reason !== undefined && html` — ${change.reason}`}${change.detail !== undefined && html` <span class="muted">(${change.detail})</span>`}`;
  if (DECISIONS.has(change.status)) {
    const when =
      change.status === 'scheduled' &&
      html` for ${timeIn(record.sendAt, zone)}${record.channel !== undefined && html` by ${record.channel}`}`;
    return {
      at: change.at,
      kind: 'decision',
      rank: 1,
      label: badge('decision', 'plan'),
      body: html`${statusBadge(change.status)} ${link}${when}${why}`,
    };
  }
  if (change.status === 'sent') {
    return {
      at: change.at,
      kind: 'sent',
      rank: 3,
      label: badge('message sent', 'info'),
      body: html`${link} · ${record.channel ?? ''} to ${maskContact(record.to)}${why}<div class="small">${messageGist(record)}</div>`,
    };
  }
  return {
    at: change.at,
    kind: 'status',
    rank: change.status === 'sending' ? 2 : 4,
    label: change.status === 'sending' ? badge('send attempt') : badge('status callback', 'ok'),
    body: html`${statusBadge(change.status)} ${link}${why}`,
  };
}

/** Everything that happened to a customer, merged into one list in time order (oldest first). */
function timelineEntries(view: CustomerView, zone: string | undefined): Entry[] {
  const entries: Entry[] = [];
  const events = new Map<string, { record: MessageRecord; rules: string[] }>();
  for (const record of view.messages) {
    const seen = events.get(record.trigger.id);
    if (seen === undefined) events.set(record.trigger.id, { record, rules: [record.ruleId] });
    else if (!seen.rules.includes(record.ruleId)) seen.rules.push(record.ruleId);
    for (const change of record.history) entries.push(historyEntry(record, change, zone));
  }
  for (const [eventId, { record, rules }] of events) {
    entries.push({
      at: record.trigger.time,
      kind: 'event',
      rank: 0,
      label: badge('event in'),
      body: html`<strong>${record.trigger.detailType}</strong> <span class="muted">from ${record.trigger.source}</span> · matched ${rules.join(', ')}
<details id="event-${eventId}"><summary>event <code>${eventId}</code></summary><pre>${prettyJson(maskContactFields(record.trigger))}</pre></details>`,
    });
  }
  for (const reply of view.replies) {
    const link =
      reply.messageId !== undefined &&
      html`<a href="${href('/messages', reply.messageId)}">${reply.ruleId ?? reply.messageId}</a>`;
    const answered =
      reply.expect === 'text' || reply.score === null
        ? 'answered'
        : reply.expect === 'yes-no'
          ? `answered ${reply.score === 1 ? 'yes' : 'no'}`
          : `answered ${reply.score}/5`;
    const about =
      link && (reply.attribution === 'question' ? html` · ${answered} to ${link}` : html` · about ${link}`);
    entries.push({
      at: reply.receivedAt,
      kind: 'reply',
      rank: 5,
      label: badge('reply', 'ok'),
      body: html`<div class="bubble me reply-body">${reply.body}</div><div class="small muted">from ${maskContact(reply.from)} · intent ${reply.intent ?? 'none recognised'}${about}</div>`,
    });
  }
  return entries.sort((a, b) => instantMillis(a.at) - instantMillis(b.at) || a.rank - b.rank);
}

function consentRow(profile: CustomerProfile, channel: 'sms' | 'email', zone: string | undefined): SafeHtml {
  const entry = profile.consent[channel];
  if (entry === undefined) {
    return html`<dt>${channel}</dt><dd>${badge('no statement')} <span class="muted small">consent assumed until the customer opts out</span></dd>`;
  }
  return html`<dt>${channel}</dt><dd>${entry.granted ? badge('granted', 'ok') : badge('withdrawn', 'bad')} ${timeIn(entry.at, zone)} <span class="muted small">via ${entry.source}</span></dd>`;
}

function profileCard(view: CustomerView, zone: string | undefined): SafeHtml {
  const profile = view.profile;
  if (profile === undefined) return emptyState('No stored profile for this customer.');
  const name = [profile.firstName, profile.name]
    .filter((part) => part !== undefined && part !== '')
    .join(' · ');
  return html`<dl class="facts profile">
  <dt>Name</dt><dd class="customer-name">${name === '' ? '—' : name}</dd>
  <dt>Phone</dt><dd>${maskContact(profile.phone)}</dd>
  <dt>Email</dt><dd>${maskContact(profile.email)}</dd>
  <dt>Locale</dt><dd>${profile.locale ?? '—'}</dd>
  <dt>Time zone</dt><dd>${profile.timeZone ?? '—'}${profile.timeZone !== undefined && profile.timeZone !== displayZone(profile.timeZone) && html` <span class="badge bad">not a known zone: times shown in UTC</span>`}</dd>
  ${consentRow(profile, 'sms', zone)}
  ${consentRow(profile, 'email', zone)}
  <dt>Updated</dt><dd>${timeIn(profile.updatedAt, zone)}</dd>
</dl>`;
}

/** The customer's addresses' suppressions: masked address, state, reason, since when, and the statement behind it. */
function suppressionsCard(entries: ReadonlyArray<Suppression>, zone: string | undefined): SafeHtml {
  if (entries.length === 0) {
    return emptyState('No address of this customer is suppressed.');
  }
  return html`<table class="suppressions">
<thead><tr><th>Channel</th><th>Address</th><th>State</th><th>Reason</th><th>Since</th><th>Source</th></tr></thead>
<tbody>${entries.map(
    (entry) =>
      html`<tr data-channel="${entry.channel}"><td>${entry.channel}</td><td>${maskContact(entry.address)}</td><td>${entry.suppressed ? badge('suppressed', 'bad') : badge('lifted', 'ok')}</td><td>${entry.reason}</td><td>${timeIn(entry.at, zone)}</td><td><code>${entry.source}</code></td></tr>`,
  )}</tbody>
</table>`;
}

/** `/customers/:id`: the profile, then one time-ordered list of everything about the customer. */
export function customerPage(view: CustomerView): SafeHtml {
  const first = view.messages[0];
  const zone = view.profile?.timeZone ?? (first === undefined ? undefined : snapshotZone(first));
  const entries = timelineEntries(view, zone);
  const list =
    entries.length === 0
      ? emptyState('Nothing has happened for this customer yet.')
      : html`<ol class="timeline">${entries.map(
          (entry) =>
            html`<li data-kind="${entry.kind}"><div class="nowrap">${timeIn(entry.at, zone, { seconds: true })}</div><div>${entry.label}</div><div>${entry.body}</div></li>`,
        )}</ol>`;
  return html`<h1>Customer <code>${view.customerId}</code></h1>
<p class="muted small">Times in ${displayZone(zone)} (hover for UTC).</p>
<div id="customer" data-live>
<section class="card"><h2>Profile</h2>${profileCard(view, zone)}</section>
<section class="card" id="suppressions"><h2>Address suppressions</h2>${suppressionsCard(view.suppressions ?? [], zone)}</section>
<section class="card"><h2>Timeline</h2>${list}</section>
</div>`;
}
