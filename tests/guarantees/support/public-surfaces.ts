import { randomBytes } from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { DateTime } from 'luxon';
// Twilio's own signing helper, not the sandbox's nor the router's: the oracle for "signed as
// Twilio signs" must not be the code under test.
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';
import type { LocalRuntime } from '../../../local/runtime/local-runtime.ts';

/**
 * Drives Nudge through its public surfaces only (the webhook endpoint, the sandboxes' captures)
 * and judges with oracles of the test's own: what the test sent, normalised by
 * libphonenumber-js directly. Nothing here reads the engine's consent or suppression state.
 */

/** The Twilio number customers text (the sandbox sender). */
export const NUDGE_NUMBER = '+46766861004';

/** A phone number in E.164, normalised by the test (Swedish national numbers allowed). */
export function e164(raw: string): string {
  const parsed = parsePhoneNumberFromString(raw, 'SE');
  if (parsed === undefined || !parsed.isValid()) throw new Error(`test number does not parse: ${raw}`);
  return parsed.number;
}

/** An inbound SMS posted as Twilio posts it, and what the webhook answered. */
export interface InboundAnswer {
  status: number;
  /** The response body: TwiML (`<Response>…</Response>`) when accepted. */
  body: string;
  sid: string;
}

/**
 * Posts an inbound SMS to the runtime's webhook exactly as Twilio would (its form parameters,
 * `X-Twilio-Signature` from `twilio`'s own `getExpectedTwilioSignature` over the public URL).
 */
export async function postInboundSms(
  runtime: LocalRuntime,
  authToken: string,
  input: { from: string; body: string; sid?: string },
): Promise<InboundAnswer> {
  const sid = input.sid ?? `SM${randomBytes(16).toString('hex')}`;
  const url = `${runtime.urls.webhooks}/webhooks/twilio/inbound`;
  const params = inboundParams(runtime.twilio.accountSid, sid, input.from, input.body);
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-twilio-signature': getExpectedTwilioSignature(authToken, url, params),
    },
    body: new URLSearchParams(params).toString(),
  });
  return { status: response.status, body: await response.text(), sid };
}

/** The form parameters of a Twilio incoming-message webhook. */
function inboundParams(accountSid: string, sid: string, from: string, body: string): Record<string, string> {
  return {
    AccountSid: accountSid,
    ApiVersion: '2010-04-01',
    Body: body,
    From: from,
    FromCountry: 'SE',
    MessageSid: sid,
    NumMedia: '0',
    NumSegments: '1',
    SmsMessageSid: sid,
    SmsSid: sid,
    SmsStatus: 'received',
    To: NUDGE_NUMBER,
    ToCountry: 'SE',
  };
}

/** `<Message>` elements of a TwiML answer: the replies Twilio would send back to the customer. */
export function twimlMessages(twiml: string): string[] {
  return [...twiml.matchAll(/<Message\b[^>]*>([\s\S]*?)<\/Message>/g)].map((match) => match[1] ?? '');
}

/** An SMS the Twilio sandbox accepted from Nudge (the provider said yes). */
export interface AcceptedSms {
  to: string;
  at: DateTime;
  messageId: string | null;
  sid: string;
}

/** Every SMS the provider accepted, with the recipient normalised by the test. */
export function acceptedSms(runtime: LocalRuntime): AcceptedSms[] {
  return runtime.twilio
    .messages()
    .filter((sms) => sms.direction === 'outbound-api')
    .map((sms) => ({
      to: e164(sms.to),
      at: DateTime.fromJSDate(sms.dateCreated, { zone: 'utc' }),
      messageId:
        sms.statusCallback === null ? null : new URL(sms.statusCallback).searchParams.get('messageId'),
      sid: sms.sid,
    }));
}

/** One keyword reply the test sent: its own log, the STOP oracle's ground truth. */
export interface SentKeyword {
  number: string;
  at: DateTime;
  kind: 'stop' | 'start';
  /** Why the test sent it (for failure messages). */
  label: string;
}

/**
 * The STOP oracle. An SMS to a number, accepted after a STOP the test sent from that number and
 * before a START the test sent from the same number, is a violation — whoever the number belongs
 * to, whether anyone was ever messaged on it, whatever the system recorded or published.
 *
 * It judges rule messages: give it {@link acceptedSms} (direction `outbound-api`, what Nudge sent
 * through the REST API). The answers Twilio sends from the webhook's TwiML (`outbound-reply`) are
 * not rule messages: the STOP confirmation right after a STOP, and a HELP answer the person asked
 * for, go to a stopped number by design. Those are judged by suite 8c (keyword-answers.test.ts):
 * one answer per keyword the test texted, none for anything else, none unasked to a stopped number.
 */
export class StopLog {
  private readonly entries: SentKeyword[] = [];

  add(entry: SentKeyword): void {
    this.entries.push({ ...entry, number: e164(entry.number) });
  }

  /** Every STOP and START the test sent. */
  all(): ReadonlyArray<SentKeyword> {
    return this.entries;
  }

  /** The STOP in force for `number` at `at` (the latest keyword before it is a STOP), if any. */
  stopInForce(number: string, at: DateTime): SentKeyword | undefined {
    const before = this.entries
      .filter((entry) => entry.number === number && entry.at < at)
      .sort((a, b) => a.at.toMillis() - b.at.toMillis());
    const last = before[before.length - 1];
    return last?.kind === 'stop' ? last : undefined;
  }

  /** Accepted SMS that break a STOP, with the STOP they break. */
  violations(sends: ReadonlyArray<AcceptedSms>): Array<{ sms: AcceptedSms; stop: SentKeyword }> {
    return sends.flatMap((sms) => {
      const stop = this.stopInForce(sms.to, sms.at);
      return stop === undefined ? [] : [{ sms, stop }];
    });
  }
}

/**
 * Contact data as patterns, not known strings: any E.164-ish or national phone-number-shaped
 * digit run (with spaces, dots, dashes or brackets between digits), any email-shaped string,
 * and their URL-encoded forms. A masked form (`+4670*****67`, `a***@e***.se`) does not match.
 */
const PII_PATTERNS: ReadonlyArray<{ name: string; pattern: RegExp }> = [
  { name: 'E.164 number', pattern: /(?<![\w*])\+[1-9](?:[\s.()-]?\d){6,14}(?![\d*])/ },
  { name: 'URL-encoded E.164 number', pattern: /%2B[1-9](?:(?:%20|[\s.()-])?\d){6,14}(?![\d*])/i },
  // A tel: URI with a dialable number after it (masked ones, `tel:+467******02`, keep at most
  // four leading characters and are judged like any masked number).
  { name: 'tel: URI', pattern: /tel:(?:\+|%2B)?\d(?:[\s.()-]?\d){6,}(?![\d*])/i },
  // National: a trunk 0 then 6–12 more digits with separators (070-123 45 67, 08-123 456 78),
  // or a North American (415) 555-0100.
  {
    name: 'national number',
    pattern: /(?<![\w*:.+-])0\d{1,3}[\s-](?:\d[\s-]?){5,10}\d(?![\w*])|(?<![\w*])0\d{8,11}(?![\w*])/,
  },
  { name: 'NANP number', pattern: /\(\d{3}\)\s?\d{3}[\s.-]\d{4}/ },
  { name: 'email', pattern: /[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/i },
  { name: 'URL-encoded email', pattern: /[\w.+-]+%40[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}/i },
];

/** Every contact-data-shaped string in a log line (each match, URL-encoded ones as written). */
export function piiIn(line: string): Array<{ kind: string; match: string }> {
  return PII_PATTERNS.flatMap(({ name, pattern }) =>
    [...line.matchAll(new RegExp(pattern.source, `${pattern.flags}g`))].map((match) => ({
      kind: name,
      match: match[0],
    })),
  );
}

/**
 * The RFC 8058 one-click headers of an email as the provider received it (SendGrid's `headers`,
 * message-level or per personalization): the `List-Unsubscribe` URL when both are present.
 */
function oneClickUnsubscribe(request: unknown): { url: string } | undefined {
  const headerSets: unknown[] = [Reflect.get(Object(request), 'headers')];
  const personalizations: unknown = Reflect.get(Object(request), 'personalizations');
  if (Array.isArray(personalizations))
    for (const item of personalizations) headerSets.push(Reflect.get(Object(item), 'headers'));
  for (const headers of headerSets) {
    if (typeof headers !== 'object' || headers === null) continue;
    const entries = Object.entries(headers).map(([name, value]) => [name.toLowerCase(), String(value)]);
    const list = entries.find(([name]) => name === 'list-unsubscribe')?.[1];
    const post = entries.find(([name]) => name === 'list-unsubscribe-post')?.[1];
    const url = list === undefined ? undefined : /<(https?:[^>]+)>/.exec(list)?.[1];
    if (url !== undefined && post?.trim() === 'List-Unsubscribe=One-Click') return { url };
  }
  return undefined;
}

/** An email the SendGrid sandbox accepted, per recipient, the address lower-cased by the test. */
export interface AcceptedEmail {
  to: string;
  at: DateTime;
  messageId: string | undefined;
  oneClick: { url: string } | undefined;
}

/** Every email the provider accepted, one entry per recipient. */
export function acceptedEmails(runtime: LocalRuntime): AcceptedEmail[] {
  return runtime.sendgrid.messages().flatMap((email) =>
    email.recipients.map((recipient) => ({
      to: recipient.email.trim().toLowerCase(),
      at: DateTime.fromJSDate(email.receivedAt, { zone: 'utc' }),
      messageId: recipient.customArgs.messageId,
      oneClick: oneClickUnsubscribe(email.request),
    })),
  );
}

/**
 * Forged variants of a one-click unsubscribe URL (`…/unsubscribe?t=<signed token>`), for the
 * suite that proves forged links change nothing once one-click unsubscribe lands: a flipped
 * character, a cut token, no token, a second `t` after the real one, another path. An expired
 * link is the real URL after the clock passed its expiry (the test moves the clock).
 */
export function oneClickForgeries(url: string): Array<{ kind: string; url: string }> {
  const real = new URL(url);
  const token = real.searchParams.get('t') ?? '';
  const withToken = (value: string | undefined) => {
    const copy = new URL(real);
    if (value === undefined) copy.searchParams.delete('t');
    else copy.searchParams.set('t', value);
    return copy.toString();
  };
  const flip = (text: string, at: number) =>
    `${text.slice(0, at)}${text[at] === 'A' ? 'B' : 'A'}${text.slice(at + 1)}`;
  const other = new URL(real);
  other.pathname = `${real.pathname}x`;
  // base64url's last character may carry unused low bits: another spelling of the same bytes.
  // A decoder that ignores those bits accepts it unless the link code insists on one spelling.
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const respelled = token.replace(/[A-Za-z0-9_-]$/, (last) => alphabet[alphabet.indexOf(last) ^ 1] ?? last);
  const sameBytes =
    respelled !== token &&
    Buffer.from(respelled.split('.').pop() ?? '', 'base64url').equals(
      Buffer.from(token.split('.').pop() ?? '', 'base64url'),
    );
  return [
    ...(sameBytes ? [{ kind: 'same signature bytes, other spelling', url: withToken(respelled) }] : []),
    { kind: 'flipped first character', url: withToken(flip(token, 0)) },
    { kind: 'flipped middle character', url: withToken(flip(token, Math.floor(token.length / 2))) },
    { kind: 'flipped last character', url: withToken(flip(token, token.length - 1)) },
    { kind: 'token cut short', url: withToken(token.slice(0, Math.max(1, token.length - 4))) },
    { kind: 'no token', url: withToken(undefined) },
    { kind: 'empty token', url: withToken('') },
    { kind: 'second t appended', url: `${real.toString()}&t=${encodeURIComponent(flip(token, 0))}` },
    { kind: 'another path', url: other.toString() },
  ];
}
