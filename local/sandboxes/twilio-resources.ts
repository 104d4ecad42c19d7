import { createHmac, randomBytes } from 'node:crypto';
import { segmentSms } from './sms-segments.ts';

/*
 * The Twilio sandbox's wire shapes: the message it keeps, the JSON resource and error bodies
 * Twilio answers with, the list page, and the webhook signature. No state, no I/O.
 */

/** Twilio's REST API version segment, also sent as `ApiVersion` in webhooks. */
export const TWILIO_API_VERSION = '2010-04-01';

/** Message statuses the sandbox moves through (a subset of Twilio's). */
export type TwilioMessageStatus =
  | 'accepted'
  | 'queued'
  | 'sent'
  | 'delivered'
  | 'undelivered'
  | 'failed'
  | 'received';

/**
 * How an outbound message ends. `delivered` and `undelivered` are reported after `sent`;
 * `failed` means the message was never sent, so it is the only callback.
 * Typical error codes: 30003 unreachable handset, 30005 unknown handset, 30006 landline or
 * unreachable carrier, 30007 filtered, 30008 unknown error.
 */
export type SmsOutcome =
  | { readonly status: 'delivered' }
  | { readonly status: 'undelivered'; readonly errorCode: number }
  | { readonly status: 'failed'; readonly errorCode: number };

/**
 * Twilio's `direction` of a message: sent through the REST API, received, or sent because a
 * webhook answered an incoming message with TwiML `<Message>`.
 */
type SandboxSmsDirection = 'outbound-api' | 'outbound-reply' | 'inbound';

/**
 * A message the sandbox keeps: every outbound one it accepted, every inbound one it sent, and
 * every reply an inbound webhook's TwiML answer asked for.
 */
export interface SandboxSms {
  readonly sid: string;
  readonly accountSid: string;
  readonly direction: SandboxSmsDirection;
  readonly to: string;
  /** Null while a Messaging Service has not picked a sender yet. */
  readonly from: string | null;
  readonly messagingServiceSid: string | null;
  readonly body: string;
  readonly mediaUrls: readonly string[];
  readonly statusCallback: string | null;
  readonly status: TwilioMessageStatus;
  readonly errorCode: number | null;
  readonly errorMessage: string | null;
  readonly numSegments: number;
  readonly encoding: 'GSM-7' | 'UCS-2';
  readonly dateCreated: Date;
  readonly dateUpdated: Date;
  readonly dateSent: Date | null;
  /** Every form parameter as received (first value of each), e.g. `To`, `Body`, `StatusCallback`. */
  readonly params: Readonly<Record<string, string>>;
}

/** The sandbox's own, mutable copy of a message; {@link snapshot} hands out {@link SandboxSms}. */
export type StoredSms = { -readonly [K in keyof SandboxSms]: SandboxSms[K] } & {
  mediaUrls: string[];
  params: Record<string, string>;
  /** True while {@link TwilioMessages} walks it to its outcome. */
  moving: boolean;
};

/** An answer of the REST API. */
export interface TwilioAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  /** Work to start once the request is accepted, answered or not (lost answers included). */
  readonly after?: () => void;
}

/** A new message of `direction`, its segments counted, with `fields` over the defaults. */
export function newStoredSms(
  base: Pick<StoredSms, 'accountSid' | 'direction' | 'to' | 'body'>,
  created: Date,
  fields: Partial<StoredSms> = {},
): StoredSms {
  const segmentation = segmentSms(base.body);
  return {
    sid: twilioSid('SM'),
    ...base,
    from: null,
    messagingServiceSid: null,
    mediaUrls: [],
    statusCallback: null,
    status: 'queued',
    errorCode: null,
    errorMessage: null,
    numSegments: segmentation.segments,
    encoding: segmentation.encoding,
    dateCreated: created,
    dateUpdated: created,
    dateSent: null,
    params: {},
    moving: false,
    ...fields,
  };
}

/**
 * Compute Twilio's webhook signature: base64 HMAC-SHA1, keyed with the auth token, over the URL
 * followed by every POST parameter sorted by name as name + value.
 */
export function computeTwilioSignature(
  authToken: string,
  url: string,
  params: Readonly<Record<string, string>>,
): string {
  const data = Object.keys(params)
    .sort()
    .reduce((acc, key) => acc + key + (params[key] ?? ''), url);
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf8')).digest('base64');
}

/** A copy the caller may keep: later moves of the message do not change it. */
export function snapshot(stored: StoredSms): SandboxSms {
  const { moving: _moving, ...fields } = stored;
  return {
    ...fields,
    mediaUrls: [...stored.mediaUrls],
    dateCreated: new Date(stored.dateCreated),
    dateUpdated: new Date(stored.dateUpdated),
    dateSent: stored.dateSent === null ? null : new Date(stored.dateSent),
    params: { ...stored.params },
  };
}

/** The message as Twilio's Message resource JSON. */
export function toResource(stored: StoredSms): Record<string, unknown> {
  const uri = `/${TWILIO_API_VERSION}/Accounts/${stored.accountSid}/Messages/${stored.sid}`;
  return {
    account_sid: stored.accountSid,
    api_version: TWILIO_API_VERSION,
    body: stored.body,
    date_created: rfc2822(stored.dateCreated),
    date_sent: stored.dateSent === null ? null : rfc2822(stored.dateSent),
    date_updated: rfc2822(stored.dateUpdated),
    direction: stored.direction,
    error_code: stored.errorCode,
    error_message: stored.errorMessage,
    from: stored.from,
    messaging_service_sid: stored.messagingServiceSid,
    num_media: String(stored.mediaUrls.length),
    num_segments: String(stored.numSegments),
    price: null,
    price_unit: 'USD',
    sid: stored.sid,
    status: stored.status,
    subresource_uris: { media: `${uri}/Media.json`, feedback: `${uri}/Feedback.json` },
    to: stored.to,
    uri: `${uri}.json`,
  };
}

/** One page of `GET …/Messages.json` over `all` (newest first), with Twilio's paging fields. */
export function messagesPage(
  all: readonly StoredSms[],
  accountSid: string,
  query: URLSearchParams,
): TwilioAnswer {
  const pageSize = clampInt(query.get('PageSize'), 50, 1, 1000);
  const page = clampInt(query.get('Page'), 0, 0, Number.MAX_SAFE_INTEGER);
  const start = page * pageSize;
  const slice = all.slice(start, start + pageSize);
  const base = `/${TWILIO_API_VERSION}/Accounts/${accountSid}/Messages.json`;
  const pageUri = (p: number) => {
    const q = new URLSearchParams(query);
    q.set('PageSize', String(pageSize));
    q.set('Page', String(p));
    return `${base}?${q.toString()}`;
  };
  return {
    status: 200,
    body: {
      messages: slice.map(toResource),
      end: start + Math.max(slice.length - 1, 0),
      first_page_uri: pageUri(0),
      next_page_uri: start + pageSize < all.length ? pageUri(page + 1) : null,
      page,
      page_size: pageSize,
      previous_page_uri: page > 0 ? pageUri(page - 1) : null,
      start,
      uri: pageUri(page),
    },
  };
}

/** Twilio's error body: `{ code, message, more_info, status }`. */
export function twilioError(
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): TwilioAnswer {
  return {
    status,
    body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    ...(headers === undefined ? {} : { headers }),
  };
}

/** A Twilio-shaped sid: two-letter prefix and 32 lowercase hex digits. */
export function twilioSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

/** RFC 2822 in GMT, as Twilio writes it: `Thu, 24 Aug 2023 05:01:45 +0000`. */
function rfc2822(date: Date): string {
  return date.toUTCString().replace(/GMT$/, '+0000');
}

function clampInt(raw: string | null, fallback: number, min: number, max: number): number {
  const parsed = raw === null ? Number.NaN : Number.parseInt(raw, 10);
  if (!Number.isFinite(parsed)) return fallback;
  return Math.min(Math.max(parsed, min), max);
}

/** The reason phrase Twilio puts in the body of an injected HTTP failure. */
export function defaultFailureMessage(status: number): string {
  switch (status) {
    case 429:
      return 'Too Many Requests';
    case 500:
      return 'Internal Server Error';
    case 502:
      return 'Bad Gateway';
    case 503:
      return 'Service Unavailable';
    case 504:
      return 'Gateway Timeout';
    default:
      return `HTTP ${status}`;
  }
}
