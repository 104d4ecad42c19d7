import { DateTime, IANAZone } from 'luxon';
import { escapeHtml } from '../core/messages/text-to-html.ts';

// A module-private token: callers outside this file cannot construct SafeHtml directly.
const CONSTRUCT: unique symbol = Symbol('SafeHtml');

/**
 * A piece of HTML that is safe to send: either escaped from data by {@link html}, or a constant
 * written in this source tree. The private field makes it impossible to forge one from a plain
 * object (e.g. a JSON value that happens to have a `value` key).
 */
export class SafeHtml {
  readonly #value: string;

  /** Only {@link html} and {@link trustedHtml} make these. */
  constructor(value: string, token: typeof CONSTRUCT) {
    if (token !== CONSTRUCT) throw new Error('SafeHtml is made by html`` or trustedHtml()');
    this.#value = value;
  }

  /** The HTML text. */
  toString(): string {
    return this.#value;
  }
}

/**
 * What may be interpolated into {@link html}: markup made by `html` (kept), text and numbers
 * (escaped), arrays of those (joined), and `false`/`null`/`undefined` (nothing, for
 * `${cond && html`…`}`). Plain objects are not allowed, so a record can't be dumped by mistake.
 */
export type HtmlValue = SafeHtml | string | number | false | null | undefined | readonly HtmlValue[];

/** Escapes text for an HTML text node or a quoted attribute value (always quote attributes). */
export { escapeHtml };

function render(value: HtmlValue): string {
  if (value === false || value === null || value === undefined) return '';
  if (value instanceof SafeHtml) return value.toString();
  if (typeof value === 'number') return escapeHtml(String(value));
  if (typeof value === 'string') return escapeHtml(value);
  return value.map(render).join('');
}

/**
 * The one way the console writes HTML: every interpolated value is escaped unless it is itself
 * `html` output. Write attribute values in double quotes: `<a href="${url}">`.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + (strings[i + 1] ?? '');
  }
  return new SafeHtml(out, CONSTRUCT);
}

/**
 * Marks a constant from this source tree (the style sheet, the inline script) as HTML. Never
 * pass data through it: that is what {@link html} is for.
 */
export function trustedHtml(constant: string): SafeHtml {
  return new SafeHtml(constant, CONSTRUCT);
}

/** A console path with each segment percent-encoded, e.g. `href('/messages', id)`. */
export function href(base: string, ...segments: string[]): string {
  return [base, ...segments.map((segment) => encodeURIComponent(segment))].join('/');
}

/** The zone to show a customer's times in: theirs when it is a real IANA zone, else UTC. */
export function displayZone(zone: string | undefined): string {
  return zone !== undefined && IANAZone.isValidZone(zone) ? zone : 'UTC';
}

function parse(iso: string): DateTime | undefined {
  const time = DateTime.fromISO(iso, { setZone: true });
  return time.isValid ? time : undefined;
}

/** Milliseconds since the epoch for sorting, or 0 when the text is not an instant. */
export function instantMillis(iso: string): number {
  return parse(iso)?.toMillis() ?? 0;
}

/**
 * An instant in the given zone (`2026-11-24 10:05 CET`), with the UTC instant on hover and in
 * `datetime`. Text that is not an instant is shown as given.
 */
export function timeIn(iso: string, zone: string | undefined, options: { seconds?: boolean } = {}): SafeHtml {
  const time = parse(iso);
  if (time === undefined) return html`<span>${iso}</span>`;
  const utc = time.toUTC();
  const shown = displayZone(zone);
  const local = utc.setZone(shown);
  const pattern = options.seconds === true ? 'yyyy-MM-dd HH:mm:ss ZZZZ' : 'yyyy-MM-dd HH:mm ZZZZ';
  return html`<time datetime="${utc.toISO() ?? iso}" title="${utc.toFormat("yyyy-MM-dd HH:mm:ss 'UTC'")}">${local.toFormat(pattern, { locale: abbreviationLocale(shown) })}</time>`;
}

// Intl knows a zone's familiar abbreviation only in its region's English (CET in en-GB, EST in
// en-US, AEDT in en-AU); elsewhere it prints an offset such as GMT-5, which is still correct.
function abbreviationLocale(zone: string): string {
  if (zone.startsWith('America/')) return 'en-US';
  if (zone.startsWith('Australia/')) return 'en-AU';
  return 'en-GB';
}

/** How far `iso` is from `now`, in words: `in 2 h 5 min`, `3 min ago`, `now`. */
export function relativeTo(iso: string, now: string): string {
  const a = parse(iso);
  const b = parse(now);
  if (a === undefined || b === undefined) return '';
  const minutes = Math.round((a.toMillis() - b.toMillis()) / 60_000);
  if (minutes === 0) return 'now';
  const abs = Math.abs(minutes);
  const days = Math.floor(abs / 1440);
  const hours = Math.floor((abs % 1440) / 60);
  const mins = abs % 60;
  const parts = [
    days > 0 ? `${days} d` : '',
    hours > 0 ? `${hours} h` : '',
    days === 0 && mins > 0 ? `${mins} min` : '',
  ]
    .filter((part) => part !== '')
    .join(' ');
  return minutes > 0 ? `in ${parts}` : `${parts} ago`;
}

/** Pretty JSON for a `<pre>` block (escaped by `html` when interpolated). */
export function prettyJson(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? 'undefined';
}
