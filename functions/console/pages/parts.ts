import type { MessageRecord } from '../../app/message-record.ts';
import { html, type SafeHtml } from '../html.ts';

const TONE: Record<string, string> = {
  delivered: 'ok',
  sent: 'info',
  sending: 'warn',
  scheduled: 'plan',
  suppressed: 'warn',
  cancelled: '',
  undelivered: 'bad',
  failed: 'bad',
  bounced: 'bad',
  'dead-lettered': 'bad',
};

/** A coloured status badge: green delivered, blue sent, purple planned, amber held back, red failed. */
export function statusBadge(status: string): SafeHtml {
  const tone = TONE[status] ?? '';
  return html`<span class="badge ${tone}" data-status="${status}">${status}</span>`;
}

/** A plain badge with a tone (`ok`, `info`, `warn`, `bad`, `plan`, or none). */
export function badge(text: string, tone = ''): SafeHtml {
  return html`<span class="badge ${tone}">${text}</span>`;
}

/**
 * A phone number or email address as pages show it, or `—` for none. The masking itself happens
 * once, upstream of every page (functions/console/contact-masking.ts): a role without contact
 * access gets the backend's data already masked (`+467******67`, `a***@e***.se`); `privacy`
 * sees the address as it is. (Kept as a function so pages name where contact data appears.)
 */
export function maskContact(to: string | undefined): string {
  return to === undefined || to === '' ? '—' : to;
}

/**
 * A JSON value (an event) as pages show it. Contact fields are masked upstream for roles without
 * contact access (see {@link maskContact}); this is where pages mark an event that may hold them.
 */
export function maskContactFields(value: unknown): unknown {
  return value;
}

/** The time zone the triggering event gave for the customer, if any. */
export function snapshotZone(record: MessageRecord): string | undefined {
  const customer = record.trigger.detail.customer;
  if (typeof customer !== 'object' || customer === null || !('timeZone' in customer)) return undefined;
  const zone = customer.timeZone;
  return typeof zone === 'string' ? zone : undefined;
}

/** A customer's display name from a trigger snapshot, if the event carried one. */
function _snapshotName(record: MessageRecord): string | undefined {
  const customer = record.trigger.detail.customer;
  if (typeof customer !== 'object' || customer === null) return undefined;
  const name = 'name' in customer ? customer.name : undefined;
  if (typeof name === 'string' && name !== '') return name;
  const first = 'firstName' in customer ? customer.firstName : undefined;
  return typeof first === 'string' && first !== '' ? first : undefined;
}

/** What the message says, in one cell: SMS text with encoding and segments, or the email subject. */
export function messageGist(record: MessageRecord): SafeHtml {
  const rendered = record.rendered;
  if (rendered === undefined) {
    const why = record.reason ?? (record.status === 'scheduled' ? 'rendered when due' : 'not rendered');
    return html`<span class="muted">${why}</span>`;
  }
  if (rendered.channel === 'sms') {
    return html`<div>${rendered.text}</div><div class="small muted">${rendered.encoding} · ${plural(rendered.segments, 'segment')} · ${rendered.text.length} chars</div>`;
  }
  return html`<div><span class="muted small">Subject:</span> ${rendered.subject}</div>`;
}

/** `1 segment`, `2 segments`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** An empty state: what is missing and what to do about it. */
export function emptyState(text: string, hint?: SafeHtml): SafeHtml {
  return html`<div class="empty"><div>${text}</div>${hint !== undefined && html`<div class="small">${hint}</div>`}</div>`;
}
