import { randomUUID } from 'node:crypto';
import { pause } from './loopback-server.ts';
import { segmentSms } from './sms-segments.ts';
import {
  computeTwilioSignature,
  messagesPage,
  newStoredSms,
  type SandboxSms,
  type SmsOutcome,
  type StoredSms,
  snapshot,
  TWILIO_API_VERSION,
  type TwilioAnswer,
  type TwilioMessageStatus,
  toResource,
  twilioError,
} from './twilio-resources.ts';
import { readTwimlMessages } from './twiml-messages.ts';
import type { WebhookAttempt, WebhookDispatcher } from './webhook-dispatcher.ts';

/** How {@link TwilioMessages} behaves (resolved sandbox options). */
export interface TwilioMessagesConfig {
  readonly accountSid: string;
  readonly authToken: string;
  readonly now: () => Date;
  readonly callbackDelayMs: number;
  readonly mode: 'auto' | 'manual';
  readonly serviceNumber: string;
  readonly webhooks: WebhookDispatcher;
  /** The sandbox's stop signal: a pending status step ends with it. */
  readonly signal: AbortSignal;
}

/** An incoming SMS as the sandbox posts it (see `TwilioSandbox.sendInbound`). */
export interface InboundSms {
  readonly from: string;
  /** Your Twilio number. */
  readonly to: string;
  readonly body: string;
  readonly messagingServiceSid?: string;
  /** Overrides `inboundWebhookUrl` for this message. */
  readonly url?: string;
}

const E164 = /^\+[1-9]\d{1,14}$/;
const BODY_LIMIT = 1600;
const FINAL_STATUSES: ReadonlySet<TwilioMessageStatus> = new Set(['delivered', 'undelivered', 'failed']);
const DELIVERY_ERROR_MESSAGES: Readonly<Record<number, string>> = {
  30003: 'Unreachable destination handset',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered',
  30008: 'Unknown error',
};

/**
 * The Twilio sandbox's messages and what happens to them: creating, listing and fetching (the
 * REST API's answers), walking each to its outcome with signed status callbacks, inbound
 * webhooks and the TwiML replies they ask for, and the opted-out list.
 */
export class TwilioMessages {
  readonly #config: TwilioMessagesConfig;
  readonly #store = new Map<string, StoredSms>();
  readonly #recipientOutcomes = new Map<string, SmsOutcome>();
  readonly #optedOut = new Set<string>();
  #defaultOutcome: SmsOutcome = { status: 'delivered' };

  constructor(config: TwilioMessagesConfig) {
    this.#config = config;
  }

  all(): SandboxSms[] {
    return [...this.#store.values()].map(snapshot);
  }

  one(sid: string): SandboxSms | undefined {
    const stored = this.#store.get(sid);
    return stored === undefined ? undefined : snapshot(stored);
  }

  setRecipientOutcome(to: string, outcome: SmsOutcome): void {
    this.#recipientOutcomes.set(to, outcome);
  }

  setDefaultOutcome(outcome: SmsOutcome): void {
    this.#defaultOutcome = outcome;
  }

  unsubscribe(to: string): void {
    this.#optedOut.add(to);
  }

  resubscribe(to: string): void {
    this.#optedOut.delete(to);
  }

  /** `POST …/Messages.json`: Twilio's validation and error codes, then a kept message. */
  create(form: URLSearchParams): TwilioAnswer {
    const params: Record<string, string> = {};
    for (const [key, value] of form) if (!(key in params)) params[key] = value;
    const mediaUrls = form.getAll('MediaUrl');
    const refused = this.#refusal(params, mediaUrls);
    if (refused !== undefined) return refused;
    const to = params.To ?? '';
    const from = params.From ?? null;
    // A Messaging Service message starts `accepted` with no sender and 0 segments until the
    // service picks a number; a plain one starts `queued`.
    const viaService = from === null;
    const { accountSid, now } = this.#config;
    const stored = newStoredSms(
      { accountSid, direction: 'outbound-api', to, body: params.Body ?? '' },
      now(),
      {
        from,
        messagingServiceSid: params.MessagingServiceSid ?? null,
        mediaUrls,
        statusCallback: params.StatusCallback ?? null,
        status: viaService ? 'accepted' : 'queued',
        ...(viaService ? { numSegments: 0 } : {}),
        params,
      },
    );
    this.#store.set(stored.sid, stored);
    return { status: 201, body: toResource(stored), after: () => this.#autoMove(stored) };
  }

  #refusal(params: Record<string, string>, mediaUrls: string[]): TwilioAnswer | undefined {
    const { To: to, Body: body = '' } = params;
    if (to === undefined || to === '') return twilioError(400, 21604, "A 'To' phone number is required.");
    if (!E164.test(to)) return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (params.From === undefined && params.MessagingServiceSid === undefined) {
      return twilioError(400, 21603, "A 'From' phone number is required.");
    }
    if (body === '' && mediaUrls.length === 0 && params.ContentSid === undefined) {
      return twilioError(400, 21602, 'Message body is required.');
    }
    if ([...body].length > BODY_LIMIT) {
      return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    }
    if (this.#optedOut.has(to)) return twilioError(400, 21610, 'Attempt to send to unsubscribed recipient');
    return undefined;
  }

  /** `GET …/Messages.json`: most recent first, filtered by `To` and `From`. */
  list(query: URLSearchParams): TwilioAnswer {
    const to = query.get('To');
    const from = query.get('From');
    const all = [...this.#store.values()]
      .filter((m) => (to === null || m.to === to) && (from === null || m.from === from))
      .reverse();
    return messagesPage(all, this.#config.accountSid, query);
  }

  /** `GET …/Messages/{Sid}.json`. */
  fetch(sid: string, path: string): TwilioAnswer {
    const stored = this.#store.get(sid);
    return stored === undefined
      ? twilioError(404, 20404, `The requested resource ${path} was not found`)
      : { status: 200, body: toResource(stored) };
  }

  /** Moves a queued message to `outcome` now (see `TwilioSandbox.deliverOutcome`). */
  deliverOutcome(sid: string, outcome?: SmsOutcome): Promise<WebhookAttempt[]> {
    const stored = this.#store.get(sid);
    if (stored === undefined) throw new Error(`unknown message ${sid}`);
    if (stored.direction === 'inbound') throw new Error(`message ${sid} is inbound`);
    if (FINAL_STATUSES.has(stored.status)) throw new Error(`message ${sid} is already ${stored.status}`);
    if (stored.moving) throw new Error(`message ${sid} is already being moved to its outcome`);
    return this.#config.webhooks.track(this.#move(stored, outcome ?? this.#outcomeFor(stored.to), 0));
  }

  /** Keeps an inbound message, posts its signed webhook, then sends the TwiML replies. */
  async receive(
    sms: InboundSms,
    url: string,
  ): Promise<{ attempt: WebhookAttempt; sid: string; replies: SandboxSms[] }> {
    const { accountSid, now } = this.#config;
    const created = now();
    const stored = newStoredSms({ accountSid, direction: 'inbound', to: sms.to, body: sms.body }, created, {
      from: sms.from,
      messagingServiceSid: sms.messagingServiceSid ?? null,
      status: 'received',
      dateSent: created,
    });
    const params: Record<string, string> = {
      AccountSid: accountSid,
      ApiVersion: TWILIO_API_VERSION,
      Body: sms.body,
      From: sms.from,
      MessageSid: stored.sid,
      NumMedia: '0',
      NumSegments: String(stored.numSegments),
      SmsMessageSid: stored.sid,
      SmsSid: stored.sid,
      SmsStatus: 'received',
      To: sms.to,
    };
    if (sms.messagingServiceSid !== undefined) params.MessagingServiceSid = sms.messagingServiceSid;
    stored.params = params;
    this.#store.set(stored.sid, stored);
    const attempt = await this.#postSigned('inbound', stored.sid, url, params);
    return { attempt, sid: stored.sid, replies: this.sendTwimlReplies(attempt) };
  }

  /**
   * What Twilio does with the answer to an incoming-message webhook: each TwiML `<Message>` of a
   * 2xx answer becomes a message to the sender (or its `to`), from the number texted (or its
   * `from`). A non-2xx answer, or one that is not TwiML, sends nothing.
   */
  sendTwimlReplies(attempt: WebhookAttempt): SandboxSms[] {
    const inbound = this.#store.get(attempt.subject);
    if (attempt.kind !== 'inbound' || inbound === undefined) return [];
    if (!attempt.accepted || attempt.responseBody === null) return [];
    return readTwimlMessages(attempt.responseBody).map((message) => {
      const to = message.to ?? inbound.from ?? '';
      const refused = this.#optedOut.has(to);
      const { accountSid, now } = this.#config;
      const reply = newStoredSms({ accountSid, direction: 'outbound-reply', to, body: message.body }, now(), {
        from: message.from ?? inbound.to,
        messagingServiceSid: inbound.messagingServiceSid,
        status: refused ? 'failed' : 'queued',
        errorCode: refused ? 21610 : null,
        errorMessage: refused ? 'Attempt to send to unsubscribed recipient' : null,
        params: { To: to, Body: message.body },
      });
      this.#store.set(reply.sid, reply);
      if (!refused) this.#autoMove(reply);
      return snapshot(reply);
    });
  }

  signatureFor(url: string, params: Readonly<Record<string, string>>): string {
    return computeTwilioSignature(this.#config.authToken, url, params);
  }

  #autoMove(stored: StoredSms): void {
    const { mode, webhooks, callbackDelayMs } = this.#config;
    if (mode === 'auto')
      void webhooks.track(this.#move(stored, this.#outcomeFor(stored.to), callbackDelayMs));
  }

  #outcomeFor(to: string): SmsOutcome {
    return this.#recipientOutcomes.get(to) ?? this.#defaultOutcome;
  }

  /** Walk a message to its outcome, posting a callback at each reported status. */
  async #move(stored: StoredSms, outcome: SmsOutcome, delayMs: number): Promise<WebhookAttempt[]> {
    stored.moving = true;
    const attempts: WebhookAttempt[] = [];
    try {
      for (const step of stepsTo(outcome)) {
        if (!(await pause(delayMs, this.#config.signal))) return attempts;
        this.#advance(stored, step.status, step.errorCode);
        if (stored.statusCallback !== null) attempts.push(await this.#postStatusCallback(stored));
      }
      return attempts;
    } finally {
      stored.moving = false;
    }
  }

  #advance(stored: StoredSms, status: TwilioMessageStatus, errorCode: number | null): void {
    const at = this.#config.now();
    if (stored.from === null) stored.from = this.#config.serviceNumber;
    if (stored.numSegments === 0) stored.numSegments = segmentSms(stored.body).segments;
    if (status === 'sent') stored.dateSent = at;
    stored.status = status;
    stored.errorCode = errorCode;
    stored.errorMessage = errorCode === null ? null : (DELIVERY_ERROR_MESSAGES[errorCode] ?? null);
    stored.dateUpdated = at;
  }

  #postStatusCallback(stored: StoredSms): Promise<WebhookAttempt> {
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
    return this.#postSigned('status', stored.sid, stored.statusCallback ?? '', params);
  }

  #postSigned(
    kind: string,
    subject: string,
    url: string,
    params: Record<string, string>,
  ): Promise<WebhookAttempt> {
    return this.#config.webhooks.post({
      kind,
      subject,
      url,
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'TwilioProxy/1.1',
        'i-twilio-idempotency-token': randomUUID(),
        'x-twilio-signature': this.signatureFor(url, params),
      },
      body: new URLSearchParams(params).toString(),
    });
  }
}

/** The statuses a message reports on its way to `outcome`: `failed` alone, else `sent` first. */
function stepsTo(outcome: SmsOutcome): Array<{ status: TwilioMessageStatus; errorCode: number | null }> {
  if (outcome.status === 'failed') return [{ status: 'failed', errorCode: outcome.errorCode }];
  return [
    { status: 'sent', errorCode: null },
    { status: outcome.status, errorCode: outcome.status === 'undelivered' ? outcome.errorCode : null },
  ];
}
