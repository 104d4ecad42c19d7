import type { ActivityEntry } from '../../app/ports/console-queries.ts';
import type { Suppression } from '../../app/ports/suppressions.ts';
import type { CustomerProfile } from '../../core/customers/customer-profile.ts';
import { displayZone, href, html, instantMillis, type SafeHtml, timeIn } from '../html.ts';
import { badge, emptyState, maskContact } from './parts.ts';
import { activityRows, consentRows, newestFirst, type TimelineRow } from './timeline-entries.ts';

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

/** What the customer timeline page shows: one page of her activity and what frames it. */
export interface CustomerView {
  customerId: string;
  profile: CustomerProfile | undefined;
  /** One page of her activity, newest first (ConsoleQueries.customerActivity). */
  activity: ActivityEntry[];
  /** The cursor this page was read from (absent: the newest page). */
  cursor?: string;
  /** The cursor of the next (older) page, when there is one. */
  nextCursor?: string;
  /**
   * The oldest instant the newer pages showed (the `from` of the link to this page), so consent
   * changes fall on exactly one page.
   */
  before?: string;
  /** The suppression entries of the customer's addresses (in force and lifted). */
  suppressions?: Suppression[];
  /** The viewer's zone (`?tz=`, set from the browser by the page's script); UTC when absent. */
  viewerZone?: string;
  /** The reader holds the privacy role: the page offers the export and the erase. */
  privacy?: boolean;
}

/** The privacy role's card: download everything held (art. 15), erase it (art. 17). */
function privacyCard(customerId: string): SafeHtml {
  const base = `/customers/${encodeURIComponent(customerId)}`;
  return html`<section class="card" id="privacy"><h2>Privacy requests</h2>
<p><a href="${base}/export" download>Download everything held about this customer (JSON)</a></p>
<form method="post" action="${base}/erase">
<p class="small">Erase deletes the profile, consent history, messages, replies, events, dedupe and threshold entries and pending schedules. Only the suppression of an opted-out address is kept, without the customer id. It cannot be undone.</p>
<label>Type the customer id to confirm <input name="confirm" required autocomplete="off"></label>
<button type="submit" class="danger">Erase customer</button>
</form></section>`;
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

/** Every IANA zone the runtime knows, for the zone picker (read once). */
const ZONES: readonly string[] = Intl.supportedValuesOf('timeZone');

function zonePicker(view: CustomerView, zone: string): SafeHtml {
  const options = [...new Set(['UTC', zone, ...ZONES])].map(
    (name) => html`<option value="${name}"${name === zone && html` selected`}>${name}</option>`,
  );
  return html`<form method="get" action="${href('/customers', view.customerId)}" class="zone-picker small">
<label for="tz">Times in</label> <select id="tz" name="tz"${view.viewerZone === undefined && html` data-browser-zone`}>${options}</select>
<button type="submit" class="secondary small">Show</button> <span class="muted">(hover a time for UTC)</span></form>`;
}

/** The rows of this page: the activity, and the consent changes between this page's bounds. */
function pageRows(view: CustomerView, zone: string): TimelineRow[] {
  const rows = activityRows(view.activity, zone);
  const oldest = view.activity.at(-1)?.at;
  const consent = consentRows(view.profile, view.suppressions ?? []).filter(
    (row) =>
      (view.before === undefined || instantMillis(row.at) < instantMillis(view.before)) &&
      (view.nextCursor === undefined ||
        oldest === undefined ||
        instantMillis(row.at) >= instantMillis(oldest)),
  );
  return newestFirst([...rows, ...consent]);
}

function pager(view: CustomerView, zone: string): SafeHtml {
  const base = href('/customers', view.customerId);
  const oldest = view.activity.at(-1)?.at;
  const older =
    view.nextCursor !== undefined &&
    html`<a href="${base}?${new URLSearchParams({ tz: zone, cursor: view.nextCursor, ...(oldest === undefined ? {} : { before: oldest }) }).toString()}" rel="next">Older →</a>`;
  const newest =
    view.cursor !== undefined && html`<a href="${base}?tz=${encodeURIComponent(zone)}">← Newest</a>`;
  return html`<div class="pager">${newest}${older}</div>`;
}

/** `/customers/:id`: the profile, then one page of everything about the customer, newest first. */
export function customerPage(view: CustomerView): SafeHtml {
  const zone = displayZone(view.viewerZone);
  const customerZone = view.profile?.timeZone;
  const rows = pageRows(view, zone);
  const list =
    rows.length === 0
      ? emptyState('Nothing has happened for this customer yet.')
      : html`<ol class="timeline">${rows.map(
          (row) =>
            html`<li data-kind="${row.kind}"><div class="nowrap">${timeIn(row.at, zone, { seconds: true })}</div><div>${row.label}</div><div>${row.body}</div></li>`,
        )}</ol>`;
  return html`<h1>Customer <code>${view.customerId}</code></h1>
${zonePicker(view, zone)}
<p class="muted small">Times in ${zone} (hover for UTC).${customerZone !== undefined && html` The customer's own zone is ${customerZone}.`}</p>
<div id="customer" data-live>
<section class="card"><h2>Profile</h2>${profileCard(view, customerZone)}</section>
<section class="card" id="suppressions"><h2>Address suppressions</h2>${suppressionsCard(view.suppressions ?? [], customerZone)}</section>
<section class="card"><h2>Timeline, newest first</h2>${list}${pager(view, zone)}</section>
</div>
${view.privacy === true && privacyCard(view.customerId)}`;
}
