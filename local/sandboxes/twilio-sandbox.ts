import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  PayloadTooLargeError,
  pause,
  readBody,
  retryAfterHeader,
  sendJson,
  startLoopbackServer,
} from './loopback-server.ts';
import { type SandboxFailure, SandboxFaults } from './sandbox-faults.ts';
import { segmentSms } from './sms-segments.ts';
import { readTwimlMessages } from './twiml-messages.ts';
import { type WebhookAttempt, WebhookDispatcher } from './webhook-dispatcher.ts';

/** Twilio's REST API version segment, also sent as `ApiVersion` in webhooks. */
const TWILIO_API_VERSION = '2010-04-01';

/** Message statuses the sandbox moves through (a subset of Twilio's). */
type TwilioMessageStatus =
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
type SmsOutcome =
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
interface SandboxSms {
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

/** Options of {@link startTwilioSandbox}. */
export interface TwilioSandboxOptions {
  /** The only account the sandbox knows: `AC` + 32 hex characters, like Twilio's. */
  readonly accountSid: string;
  /** The account's auth token: the Basic-auth password and the webhook signing key. */
  readonly authToken: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Delay before each automatic status callback (default 10 ms). */
  readonly statusCallbackDelayMs?: number;
  /**
   * `auto` (default): after accepting a message the sandbox moves it to its outcome and posts
   * the callbacks by itself. `manual`: nothing happens until {@link TwilioSandbox.deliverOutcome}.
   */
  readonly statusCallbacks?: 'auto' | 'manual';
  /** Where {@link TwilioSandbox.sendInbound} posts incoming messages. */
  readonly inboundWebhookUrl?: string;
  /** How long a webhook receiver may take to answer (default 15 000 ms). */
  readonly webhookTimeoutMs?: number;
  /** Sender a Messaging Service "picks" when a message has no `From` (default `+15005550006`). */
  readonly messagingServiceNumber?: string;
  /** Clock for resource dates and outages (default: the system clock). */
  readonly now?: () => Date;
}

/** Incoming SMS for {@link TwilioSandbox.sendInbound}. */
interface InboundSms {
  readonly from: string;
  /** Your Twilio number. */
  readonly to: string;
  readonly body: string;
  readonly messagingServiceSid?: string;
  /** Overrides `inboundWebhookUrl` for this message. */
  readonly url?: string;
}

/** A running Twilio sandbox. */
export interface TwilioSandbox {
  /** Base URL to give `createTwilioClient({ apiBaseUrl })`, e.g. `http://127.0.0.1:49152`. */
  readonly url: string;
  readonly accountSid: string;
  /** Fault injection for the REST API (not for the webhooks the sandbox sends). */
  readonly faults: SandboxFaults;
  /** Every kept message, oldest first (snapshots). */
  messages(): SandboxSms[];
  /** One kept message by sid. */
  message(sid: string): SandboxSms | undefined;
  /** Every status-callback and inbound webhook attempt, with the receiver's answer. */
  callbacks(): WebhookAttempt[];
  /** Decide how messages to `to` end (overrides the default outcome). */
  setRecipientOutcome(to: string, outcome: SmsOutcome): void;
  /** How messages end when no recipient outcome is set (initially `delivered`). */
  setDefaultOutcome(outcome: SmsOutcome): void;
  /** Put `to` on the opted-out list: new messages to it are refused with error 21610. */
  unsubscribe(to: string): void;
  /** Take `to` off the opted-out list. */
  resubscribe(to: string): void;
  /**
   * Move a queued message to `outcome` (default: its configured outcome) now, posting its
   * callbacks; resolves with the attempts made. Rejects if the message is unknown, already
   * final, or being moved already (in `auto` mode the sandbox does this itself).
   */
  deliverOutcome(sid: string, outcome?: SmsOutcome): Promise<WebhookAttempt[]>;
  /**
   * Post a signed incoming-message webhook, as Twilio does when someone texts your number. Each
   * `<Message>` of a 2xx TwiML answer is kept as an `outbound-reply` message to the sender (in
   * `replies`), as Twilio sends it; an answer to a number on the opted-out list fails with 21610.
   */
  sendInbound(sms: InboundSms): Promise<{
    status: number | null;
    sid: string;
    attempt: WebhookAttempt;
    replies: SandboxSms[];
  }>;
  /**
   * Re-send an earlier webhook attempt verbatim (same body and signature), e.g. to test replays.
   * The TwiML answer to a replayed inbound webhook is sent like the first one's.
   */
  replayCallback(attemptId: number): Promise<WebhookAttempt>;
  /** The `X-Twilio-Signature` Twilio would compute for these params posted to `url`. */
  signatureFor(url: string, params: Readonly<Record<string, string>>): string;
  /** Resolve when no automatic progression or webhook is pending. */
  whenIdle(): Promise<void>;
  /** Stop: abort pending callbacks, drop open (even hung) connections, close the port. */
  stop(): Promise<void>;
}

interface StoredSms {
  sid: string;
  accountSid: string;
  direction: SandboxSmsDirection;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  mediaUrls: string[];
  statusCallback: string | null;
  status: TwilioMessageStatus;
  errorCode: number | null;
  errorMessage: string | null;
  numSegments: number;
  encoding: 'GSM-7' | 'UCS-2';
  dateCreated: Date;
  dateUpdated: Date;
  dateSent: Date | null;
  params: Record<string, string>;
  moving: boolean;
}

interface TwilioAnswer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
  /** Work to start once the request is accepted, answered or not (lost answers included). */
  readonly after?: () => void;
}

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const E164 = /^\+[1-9]\d{1,14}$/;
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/([^/]+))?\.json$/;
const BODY_LIMIT = 1600;
const REQUEST_LIMIT_BYTES = 1024 * 1024;
const FINAL_STATUSES: ReadonlySet<TwilioMessageStatus> = new Set(['delivered', 'undelivered', 'failed']);
const DELIVERY_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  30003: 'Unreachable destination handset',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered',
  30008: 'Unknown error',
};

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

/**
 * Start a loopback server that speaks enough of Twilio's Messages API for the real `twilio` SDK:
 * create (`POST …/Messages.json`), fetch (`GET …/Messages/{Sid}.json`) and list
 * (`GET …/Messages.json`), with Basic auth, Twilio's error bodies, signed status callbacks and
 * signed inbound webhooks.
 */
export async function startTwilioSandbox(options: TwilioSandboxOptions): Promise<TwilioSandbox> {
  if (!ACCOUNT_SID.test(options.accountSid))
    throw new Error('accountSid must be AC followed by 32 hex digits');
  if (options.authToken.length === 0) throw new Error('authToken must not be empty');
  const { accountSid, authToken } = options;
  const now = options.now ?? (() => new Date());
  const callbackDelayMs = options.statusCallbackDelayMs ?? 10;
  const mode = options.statusCallbacks ?? 'auto';
  const serviceNumber = options.messagingServiceNumber ?? '+15005550006';
  const faults = new SandboxFaults(() => now().getTime());
  const store = new Map<string, StoredSms>();
  const recipientOutcomes = new Map<string, SmsOutcome>();
  const optedOut = new Set<string>();
  let defaultOutcome: SmsOutcome = { status: 'delivered' };
  const expectedAuth = Buffer.from(`Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`);

  const server = await startLoopbackServer(handle, options.port ?? 0);
  const webhooks = new WebhookDispatcher(options.webhookTimeoutMs ?? 15_000, server.signal);

  async function handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', server.url);
    let raw: string;
    try {
      raw = await readBody(req, REQUEST_LIMIT_BYTES);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        sendTwilioError(res, 413, 20413, 'Request Entity Too Large');
        return;
      }
      throw error;
    }
    if (!requestUrl.pathname.startsWith(`/${TWILIO_API_VERSION}/`)) {
      sendTwilioError(res, 404, 20404, `The requested resource ${requestUrl.pathname} was not found`);
      return;
    }
    const decision = faults.decide();
    if (decision.kind === 'hang') return; // never answered: the client's timeout or stop() ends it
    if (!(await pause(decision.latencyMs, signal))) {
      res.destroy();
      return;
    }
    if (decision.kind === 'fail') {
      sendFailure(res, decision.failure);
      return;
    }
    const answer = route(req, requestUrl, raw);
    answer.after?.();
    if (decision.kind === 'lose') {
      // The provider did the work; only its answer never reaches the client.
      res.destroy();
      return;
    }
    sendJson(res, answer.status, answer.body, { 'twilio-request-id': twilioSid('RQ'), ...answer.headers });
  }

  function route(req: IncomingMessage, requestUrl: URL, raw: string): TwilioAnswer {
    const match = MESSAGES_PATH.exec(requestUrl.pathname);
    if (!authorized(req.headers.authorization)) {
      return twilioError(401, 20003, 'Authenticate');
    }
    if (match === null || match[1] !== accountSid) {
      return twilioError(404, 20404, `The requested resource ${requestUrl.pathname} was not found`);
    }
    const messageSid = match[2];
    if (messageSid === undefined && req.method === 'POST') return createMessage(new URLSearchParams(raw));
    if (messageSid === undefined && req.method === 'GET') return listMessages(requestUrl);
    if (messageSid !== undefined && req.method === 'GET') {
      const stored = store.get(messageSid);
      return stored === undefined
        ? twilioError(404, 20404, `The requested resource ${requestUrl.pathname} was not found`)
        : { status: 200, body: toResource(stored) };
    }
    return twilioError(405, 20004, 'Method not allowed');
  }

  function authorized(header: string | undefined): boolean {
    if (header === undefined) return false;
    const given = Buffer.from(header);
    return given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth);
  }

  function createMessage(form: URLSearchParams): TwilioAnswer {
    const params: Record<string, string> = {};
    for (const [key, value] of form) if (!(key in params)) params[key] = value;
    const to = params.To;
    const from = params.From ?? null;
    const messagingServiceSid = params.MessagingServiceSid ?? null;
    const body = params.Body ?? '';
    const mediaUrls = form.getAll('MediaUrl');
    if (to === undefined || to === '') return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to)) return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (from === null && messagingServiceSid === null) {
      return twilioError(400, 21603, "A 'From' phone number is required.");
    }
    if (body === '' && mediaUrls.length === 0 && params.ContentSid === undefined) {
      return twilioError(400, 21602, 'Message body is required.');
    }
    if ([...body].length > BODY_LIMIT) {
      return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    }
    if (optedOut.has(to)) return twilioError(400, 21610, 'Attempt to send to unsubscribed recipient');
    const created = now();
    const segmentation = segmentSms(body);
    // A Messaging Service message starts `accepted` with no sender and 0 segments until the
    // service picks a number; a plain one starts `queued`.
    const viaService = from === null;
    const stored: StoredSms = {
      sid: twilioSid('SM'),
      accountSid,
      direction: 'outbound-api',
      to,
      from,
      messagingServiceSid,
      body,
      mediaUrls,
      statusCallback: params.StatusCallback ?? null,
      status: viaService ? 'accepted' : 'queued',
      errorCode: null,
      errorMessage: null,
      numSegments: viaService ? 0 : segmentation.segments,
      encoding: segmentation.encoding,
      dateCreated: created,
      dateUpdated: created,
      dateSent: null,
      params,
      moving: false,
    };
    store.set(stored.sid, stored);
    const resource = toResource(stored);
    return {
      status: 201,
      body: resource,
      after: () => {
        if (mode === 'auto') void webhooks.track(move(stored, outcomeFor(to), callbackDelayMs));
      },
    };
  }

  function listMessages(requestUrl: URL): TwilioAnswer {
    const query = requestUrl.searchParams;
    const pageSize = clampInt(query.get('PageSize'), 50, 1, 1000);
    const page = clampInt(query.get('Page'), 0, 0, Number.MAX_SAFE_INTEGER);
    const to = query.get('To');
    const from = query.get('From');
    // Twilio lists the most recent messages first.
    const all = [...store.values()]
      .filter((m) => (to === null || m.to === to) && (from === null || m.from === from))
      .reverse();
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

  function outcomeFor(to: string): SmsOutcome {
    return recipientOutcomes.get(to) ?? defaultOutcome;
  }

  /** Walk a message to its outcome, posting a callback at each reported status. */
  async function move(stored: StoredSms, outcome: SmsOutcome, delayMs: number): Promise<WebhookAttempt[]> {
    stored.moving = true;
    const attempts: WebhookAttempt[] = [];
    const steps: Array<{ status: TwilioMessageStatus; errorCode: number | null }> =
      outcome.status === 'failed'
        ? [{ status: 'failed', errorCode: outcome.errorCode }]
        : [
            { status: 'sent', errorCode: null },
            {
              status: outcome.status,
              errorCode: outcome.status === 'undelivered' ? outcome.errorCode : null,
            },
          ];
    try {
      for (const step of steps) {
        if (!(await pause(delayMs, server.signal))) return attempts;
        const at = now();
        if (stored.from === null) stored.from = serviceNumber;
        if (stored.numSegments === 0) stored.numSegments = segmentSms(stored.body).segments;
        if (step.status === 'sent') stored.dateSent = at;
        stored.status = step.status;
        stored.errorCode = step.errorCode;
        stored.errorMessage =
          step.errorCode === null ? null : (DELIVERY_ERROR_MESSAGES[step.errorCode] ?? null);
        stored.dateUpdated = at;
        if (stored.statusCallback !== null) attempts.push(await postStatusCallback(stored));
      }
      return attempts;
    } finally {
      stored.moving = false;
    }
  }

  /**
   * What Twilio does with the answer to an incoming-message webhook: each TwiML `<Message>` of a
   * 2xx answer becomes a message to the sender (or its `to`), from the number texted (or its
   * `from`). A non-2xx answer, or one that is not TwiML, sends nothing.
   */
  function sendTwimlReplies(attempt: WebhookAttempt): SandboxSms[] {
    const inbound = store.get(attempt.subject);
    if (attempt.kind !== 'inbound' || inbound === undefined) return [];
    if (!attempt.accepted || attempt.responseBody === null) return [];
    return readTwimlMessages(attempt.responseBody).map((message) => {
      const created = now();
      const to = message.to ?? inbound.from ?? '';
      const segmentation = segmentSms(message.body);
      const refused = optedOut.has(to);
      const reply: StoredSms = {
        sid: twilioSid('SM'),
        accountSid,
        direction: 'outbound-reply',
        to,
        from: message.from ?? inbound.to,
        messagingServiceSid: inbound.messagingServiceSid,
        body: message.body,
        mediaUrls: [],
        statusCallback: null,
        status: refused ? 'failed' : 'queued',
        errorCode: refused ? 21610 : null,
        errorMessage: refused ? 'Attempt to send to unsubscribed recipient' : null,
        numSegments: segmentation.segments,
        encoding: segmentation.encoding,
        dateCreated: created,
        dateUpdated: created,
        dateSent: null,
        params: { To: to, Body: message.body },
        moving: false,
      };
      store.set(reply.sid, reply);
      if (!refused && mode === 'auto') void webhooks.track(move(reply, outcomeFor(to), callbackDelayMs));
      return snapshot(reply);
    });
  }

  function postStatusCallback(stored: StoredSms): Promise<WebhookAttempt> {
    const params: Record<string, string> = {
      AccountSid: stored.accountSid,
      ApiVersion: TWILIO_API_VERSION,
      From: stored.from ?? '',
      MessageSid: stored.sid,
      MessageStatus: stored.status,
      SmsSid: stored.sid,
      SmsStatus: stored.status,
      To: stored.to,
    };
    if (stored.messagingServiceSid !== null) params.MessagingServiceSid = stored.messagingServiceSid;
    if (stored.errorCode !== null) params.ErrorCode = String(stored.errorCode);
    return postSigned('status', stored.sid, stored.statusCallback ?? '', params);
  }

  function postSigned(
    kind: string,
    subject: string,
    url: string,
    params: Record<string, string>,
  ): Promise<WebhookAttempt> {
    return webhooks.post({
      kind,
      subject,
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'TwilioProxy/1.1',
        'i-twilio-idempotency-token': randomUUID(),
        'x-twilio-signature': computeTwilioSignature(authToken, url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
  }

  function toResource(stored: StoredSms): Record<string, unknown> {
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

  function twilioError(status: number, code: number, message: string, headers?: Record<string, string>) {
    return {
      status,
      body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
      ...(headers === undefined ? {} : { headers }),
    } satisfies TwilioAnswer;
  }

  function sendTwilioError(res: ServerResponse, status: number, code: number, message: string): void {
    const answer = twilioError(status, code, message);
    sendJson(res, answer.status, answer.body);
  }

  function sendFailure(res: ServerResponse, failure: SandboxFailure): void {
    const code = failure.code ?? 20000 + failure.status;
    const answer = twilioError(
      failure.status,
      code,
      failure.message ?? defaultFailureMessage(failure.status),
      retryAfterHeader(failure.retryAfterSeconds),
    );
    sendJson(res, answer.status, answer.body, { 'twilio-request-id': twilioSid('RQ'), ...answer.headers });
  }

  return {
    url: server.url,
    accountSid,
    faults,
    messages: () => [...store.values()].map(snapshot),
    message: (sid) => {
      const stored = store.get(sid);
      return stored === undefined ? undefined : snapshot(stored);
    },
    callbacks: () => webhooks.attempts(),
    setRecipientOutcome: (to, outcome) => {
      recipientOutcomes.set(to, outcome);
    },
    setDefaultOutcome: (outcome) => {
      defaultOutcome = outcome;
    },
    unsubscribe: (to) => {
      optedOut.add(to);
    },
    resubscribe: (to) => {
      optedOut.delete(to);
    },
    deliverOutcome: async (sid, outcome) => {
      const stored = store.get(sid);
      if (stored === undefined) throw new Error(`unknown message ${sid}`);
      if (stored.direction === 'inbound') throw new Error(`message ${sid} is inbound`);
      if (FINAL_STATUSES.has(stored.status)) throw new Error(`message ${sid} is already ${stored.status}`);
      if (stored.moving) throw new Error(`message ${sid} is already being moved to its outcome`);
      return webhooks.track(move(stored, outcome ?? outcomeFor(stored.to), 0));
    },
    sendInbound: async (sms) => {
      const url = sms.url ?? options.inboundWebhookUrl;
      if (url === undefined) throw new Error('no inboundWebhookUrl configured and no url given');
      const created = now();
      const segmentation = segmentSms(sms.body);
      const stored: StoredSms = {
        sid: twilioSid('SM'),
        accountSid,
        direction: 'inbound',
        to: sms.to,
        from: sms.from,
        messagingServiceSid: sms.messagingServiceSid ?? null,
        body: sms.body,
        mediaUrls: [],
        statusCallback: null,
        status: 'received',
        errorCode: null,
        errorMessage: null,
        numSegments: segmentation.segments,
        encoding: segmentation.encoding,
        dateCreated: created,
        dateUpdated: created,
        dateSent: created,
        params: {},
        moving: false,
      };
      const params: Record<string, string> = {
        AccountSid: accountSid,
        ApiVersion: TWILIO_API_VERSION,
        Body: sms.body,
        From: sms.from,
        MessageSid: stored.sid,
        NumMedia: '0',
        NumSegments: String(segmentation.segments),
        SmsMessageSid: stored.sid,
        SmsSid: stored.sid,
        SmsStatus: 'received',
        To: sms.to,
      };
      if (sms.messagingServiceSid !== undefined) params.MessagingServiceSid = sms.messagingServiceSid;
      stored.params = params;
      store.set(stored.sid, stored);
      const attempt = await postSigned('inbound', stored.sid, url, params);
      return { status: attempt.responseStatus, sid: stored.sid, attempt, replies: sendTwimlReplies(attempt) };
    },
    replayCallback: async (attemptId) => {
      const attempt = await webhooks.replay(attemptId);
      sendTwimlReplies(attempt);
      return attempt;
    },
    signatureFor: (url, params) => computeTwilioSignature(authToken, url, params),
    whenIdle: () => webhooks.whenIdle(),
    stop: () => server.close(),
  };
}

function snapshot(stored: StoredSms): SandboxSms {
  return {
    sid: stored.sid,
    accountSid: stored.accountSid,
    direction: stored.direction,
    to: stored.to,
    from: stored.from,
    messagingServiceSid: stored.messagingServiceSid,
    body: stored.body,
    mediaUrls: [...stored.mediaUrls],
    statusCallback: stored.statusCallback,
    status: stored.status,
    errorCode: stored.errorCode,
    errorMessage: stored.errorMessage,
    numSegments: stored.numSegments,
    encoding: stored.encoding,
    dateCreated: new Date(stored.dateCreated),
    dateUpdated: new Date(stored.dateUpdated),
    dateSent: stored.dateSent === null ? null : new Date(stored.dateSent),
    params: { ...stored.params },
  };
}

/** A Twilio-shaped sid: two-letter prefix and 32 lowercase hex digits. */
function twilioSid(prefix: string): string {
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

function defaultFailureMessage(status: number): string {
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
