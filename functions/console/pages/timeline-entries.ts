/**
 * The entries of a customer's timeline page, newest first: each event that named her with the
 * decisions it made (or none), messages with every status change, replies and consent changes.
 * Times are in the viewer's zone with UTC on hover; reasons are sentences (reason-labels.ts).
 */
import type { MessageRecord, StatusChange } from '../../app/message-record.ts';
import type { ActivityEntry } from '../../app/ports/console-queries.ts';
import type { Suppression } from '../../app/ports/suppressions.ts';
import type { InboundReply } from '../../app/ports.ts';
import type { CustomerProfile } from '../../core/customers/customer-profile.ts';
import { href, html, instantMillis, prettyJson, type SafeHtml, timeIn } from '../html.ts';
import { reasonLabel } from '../reason-labels.ts';
import { badge, maskContact, maskContactFields, messageGist, statusBadge } from './parts.ts';

/** One row of the timeline list. */
export interface TimelineRow {
  at: string;
  kind: 'event' | 'message' | 'reply' | 'consent';
  label: SafeHtml;
  body: SafeHtml;
}

/** What the decision a message began with is called on the timeline. */
const DECISION_NAMES: Readonly<Record<string, string>> = {
  scheduled: 'planned',
  suppressed: 'held back',
  'held-out': 'held out',
};

/** A status change's reason as a sentence, quoting the message's send time in the viewer's zone. */
function why(record: MessageRecord, change: StatusChange, zone: string | undefined): SafeHtml | false {
  if (change.reason === undefined) return false;
  const context = {
    zone,
    sendAt: record.sendAt,
    ...(change.detail === undefined ? {} : { detail: change.detail }),
  };
  return html` <span class="reason" data-reason="${change.reason}">${reasonLabel(change.reason, context)}</span>`;
}

function ruleLink(record: MessageRecord): SafeHtml {
  return html`<a href="${href('/messages', record.messageId)}">${record.ruleId}</a>`;
}

/** A message's story: the decision it began with, then every later status change, each with its reason. */
function messageStory(record: MessageRecord, zone: string | undefined): SafeHtml {
  const [first, ...later] = record.history;
  const decision = first?.status ?? record.status;
  const name = DECISION_NAMES[decision] ?? decision;
  const when =
    decision === 'scheduled' &&
    html` for ${timeIn(record.sendAt, zone)}${record.channel !== undefined && html` by ${record.channel}`}`;
  const changes = later.map(
    (change) =>
      html`<li>${timeIn(change.at, zone, { seconds: true })} ${statusBadge(change.status)}${why(record, change, zone)}${change.status === 'sent' && html` to ${maskContact(record.to)}`}</li>`,
  );
  return html`<div class="decision" data-decision="${decision}" data-message-id="${record.messageId}">${badge(name, decision === 'scheduled' ? 'plan' : 'warn')} ${ruleLink(record)}${when}${first !== undefined && why(record, first, zone)}
<div class="small">${messageGist(record)}</div>${changes.length > 0 && html`<ul class="changes small">${changes}</ul>`}</div>`;
}

/** Messages this event closed: a `cancelled` change whose detail names the event (`<type> <id>`). */
function closedBy(eventId: string, messages: ReadonlyArray<MessageRecord>): MessageRecord[] {
  return messages.filter((record) =>
    record.history.some(
      (change) => change.status === 'cancelled' && (change.detail ?? '').endsWith(` ${eventId}`),
    ),
  );
}

function eventRow(
  entry: Extract<ActivityEntry, { kind: 'event' }>,
  onPage: ReadonlyArray<MessageRecord>,
  zone: string | undefined,
): TimelineRow {
  const { event } = entry.event;
  const closed = closedBy(event.id, onPage);
  const decisions = entry.decisions.map((record) => messageStory(record, zone));
  const closes = closed.map(
    (record) =>
      html`<div class="decision" data-decision="cancelled">${statusBadge('cancelled')} ${ruleLink(record)} ${reasonLabel(record.reason ?? 'closed-by-event', { zone, ...(record.detail === undefined ? {} : { detail: record.detail }) })}</div>`,
  );
  const none =
    decisions.length === 0 &&
    closes.length === 0 &&
    html`<div class="decision" data-decision="none">${badge('no rule matched')} <span class="muted small">no message was planned or closed for this event</span></div>`;
  return {
    at: entry.at,
    kind: 'event',
    label: badge('event in'),
    body: html`<strong>${event['detail-type']}</strong> <span class="muted">from ${event.source}</span> <span class="muted small">· received ${timeIn(entry.event.receivedAt, zone, { seconds: true })}</span>
${decisions}${closes}${none}
<details id="event-${event.id}"><summary>event <code>${event.id}</code></summary><pre>${prettyJson(maskContactFields(event))}</pre></details>`,
  };
}

function messageRow(record: MessageRecord, at: string, zone: string | undefined): TimelineRow {
  return {
    at,
    kind: 'message',
    label: badge('decision', 'plan'),
    body: html`<span class="muted small">on ${record.trigger.detailType} <code>${record.trigger.id}</code></span>${messageStory(record, zone)}`,
  };
}

function replyRow(reply: InboundReply): TimelineRow {
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
  return {
    at: reply.receivedAt,
    kind: 'reply',
    label: badge('reply', 'ok'),
    body: html`<div class="bubble me reply-body">${reply.body}</div><div class="small muted">from ${maskContact(reply.from)} · intent ${reply.intent ?? 'none recognised'}${about}</div>`,
  };
}

/** Consent statements on the profile and every change of her addresses' suppressions. */
export function consentRows(
  profile: CustomerProfile | undefined,
  suppressions: ReadonlyArray<Suppression>,
): TimelineRow[] {
  const rows: TimelineRow[] = [];
  for (const channel of ['sms', 'email'] as const) {
    const entry = profile?.consent[channel];
    if (entry === undefined) continue;
    rows.push({
      at: entry.at,
      kind: 'consent',
      label: badge('consent', entry.granted ? 'ok' : 'bad'),
      body: html`${channel} consent ${entry.granted ? 'granted' : 'withdrawn'} <span class="muted small">via ${entry.source}</span>`,
    });
  }
  for (const entry of suppressions) {
    for (const change of entry.history) {
      rows.push({
        at: change.at,
        kind: 'consent',
        label: badge(
          change.suppressed ? 'address suppressed' : 'suppression lifted',
          change.suppressed ? 'bad' : 'ok',
        ),
        body: html`${entry.channel} ${maskContact(entry.address)}${change.reason !== undefined && html` — <span class="reason" data-reason="${change.reason}">${reasonLabel(change.reason)}</span>`} <span class="muted small">via <code>${change.source}</code></span>`,
      });
    }
  }
  return rows;
}

/**
 * The rows of one page of activity, newest first. A message whose event is on the page is told
 * under that event; one whose event is not (another page, or past the archive's retention) is a
 * row of its own at its creation.
 */
export function activityRows(items: ReadonlyArray<ActivityEntry>, zone: string | undefined): TimelineRow[] {
  const eventIds = new Set(items.flatMap((entry) => (entry.kind === 'event' ? [entry.event.event.id] : [])));
  const onPage = [
    ...new Map(
      items
        .flatMap((entry) =>
          entry.kind === 'message' ? [entry.message] : entry.kind === 'event' ? entry.decisions : [],
        )
        .map((record) => [record.messageId, record]),
    ).values(),
  ];
  const rows: TimelineRow[] = [];
  for (const entry of items) {
    if (entry.kind === 'event') rows.push(eventRow(entry, onPage, zone));
    else if (entry.kind === 'reply') rows.push(replyRow(entry.reply));
    else if (!eventIds.has(entry.message.trigger.id) || !isDecisionOf(entry.message, items))
      rows.push(messageRow(entry.message, entry.at, zone));
  }
  return rows;
}

/** Whether the message is among the decisions of an event on the page (so it is told there). */
function isDecisionOf(message: MessageRecord, items: ReadonlyArray<ActivityEntry>): boolean {
  return items.some(
    (entry) =>
      entry.kind === 'event' && entry.decisions.some((decision) => decision.messageId === message.messageId),
  );
}

/** Newest first; at one instant, the later step of a story first (reply, message, event). */
export function newestFirst(rows: TimelineRow[]): TimelineRow[] {
  const rank = { consent: 0, reply: 1, message: 2, event: 3 } as const;
  return rows.sort((a, b) => instantMillis(b.at) - instantMillis(a.at) || rank[a.kind] - rank[b.kind]);
}
