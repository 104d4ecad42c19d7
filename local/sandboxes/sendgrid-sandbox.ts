import { generateKeyPairSync, type KeyObject, randomBytes, sign, timingSafeEqual } from 'node:crypto';
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
import {
  type SandboxAddress,
  type SandboxPersonalization,
  type SendGridErrorItem,
  validateMailSend,
} from './sendgrid-mail-validation.ts';
import { type WebhookAttempt, WebhookDispatcher } from './webhook-dispatcher.ts';

/** Header carrying the base64 DER ECDSA signature of an event webhook POST. */
const SENDGRID_SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
/** Header carrying the Unix-seconds timestamp that is signed together with the body. */
const SENDGRID_TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

/**
 * How delivery to one recipient ends; `processed` always comes first.
 * `dropped` reasons SendGrid uses include `Bounced Address`, `Unsubscribed Address`,
 * `Spam Reporting Address` and `Invalid`.
 */
type EmailOutcome =
  | { readonly event: 'delivered'; readonly response?: string }
  | {
      readonly event: 'bounce';
      readonly reason?: string;
      readonly status?: string;
      readonly type?: 'bounce' | 'blocked';
    }
  | { readonly event: 'dropped'; readonly reason?: string };

/** One event as posted to the Event Webhook (reserved fields plus the message's custom args). */
interface SendGridEvent {
  readonly email: string;
  readonly timestamp: number;
  readonly event: 'processed' | 'delivered' | 'bounce' | 'dropped';
  readonly sg_event_id: string;
  readonly sg_message_id: string;
  readonly 'smtp-id': string;
  readonly [field: string]: unknown;
}

/** One recipient of a kept email. */
interface SandboxEmailRecipient {
  readonly email: string;
  readonly name: string | null;
  readonly kind: 'to' | 'cc' | 'bcc';
  /** Index of its personalization. */
  readonly personalization: number;
  /** `<X-Message-Id>.filter…`: the id its events carry. */
  readonly sgMessageId: string;
  /** Message-level custom args overlaid with its personalization's. */
  readonly customArgs: Readonly<Record<string, string>>;
}

/** An email the sandbox accepted (202). */
interface SandboxEmail {
  /** The `X-Message-Id` the sandbox answered with. */
  readonly messageId: string;
  readonly receivedAt: Date;
  readonly from: SandboxAddress;
  readonly replyTo: SandboxAddress | null;
  readonly subject: string | null;
  readonly content: ReadonlyArray<{ readonly type: string; readonly value: string }>;
  readonly templateId: string | null;
  readonly categories: readonly string[];
  readonly customArgs: Readonly<Record<string, string>>;
  /** Message-level `headers` as sent (the two RFC 8058 one-click unsubscribe headers, …). */
  readonly headers: Readonly<Record<string, string>>;
  readonly personalizations: readonly SandboxPersonalization[];
  readonly recipients: readonly SandboxEmailRecipient[];
  /** The request body as parsed JSON, untouched. */
  readonly request: unknown;
}

/** Options of {@link startSendGridSandbox}. */
export interface SendGridSandboxOptions {
  /** The one API key accepted as `Authorization: Bearer <apiKey>`. */
  readonly apiKey: string;
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  readonly port?: number;
  /** Where event batches are posted; without it events are only kept. */
  readonly eventWebhookUrl?: string;
  /** Delay before each automatic event batch (default 10 ms). */
  readonly eventDelayMs?: number;
  /** `auto` (default) posts events by itself; `manual` waits for {@link SendGridSandbox.deliverOutcome}. */
  readonly events?: 'auto' | 'manual';
  /** How long the webhook receiver may take to answer (default 15 000 ms). */
  readonly webhookTimeoutMs?: number;
  /** Clock for timestamps and outages (default: the system clock). */
  readonly now?: () => Date;
}

/** A running SendGrid sandbox. */
export interface SendGridSandbox {
  /** Base URL to give `createSendGridMail({ apiBaseUrl })`. */
  readonly url: string;
  /** Verification key as SendGrid's settings page shows it: base64 DER SubjectPublicKeyInfo (P-256). */
  readonly publicKey: string;
  /** Fault injection for `/v3/…` requests (not for the webhooks the sandbox sends). */
  readonly faults: SandboxFaults;
  /** Every accepted email, oldest first. */
  messages(): SandboxEmail[];
  /** One accepted email by `X-Message-Id`. */
  message(messageId: string): SandboxEmail | undefined;
  /** Every event generated so far, in order (posted or not). */
  events(): SendGridEvent[];
  /** Every event-webhook attempt, with the receiver's answer. */
  eventDeliveries(): WebhookAttempt[];
  /** Decide how delivery to `email` ends (case-insensitive). */
  setRecipientOutcome(email: string, outcome: EmailOutcome): void;
  /** How delivery ends when no recipient outcome is set (initially `delivered`). */
  setDefaultOutcome(outcome: EmailOutcome): void;
  /** Shorthand: mail to `email` is dropped with `reason` (default `Unsubscribed Address`). */
  suppress(email: string, reason?: string): void;
  /**
   * Generate and post the events of an accepted email now (`processed`, then each recipient's
   * outcome, or `outcome` for all). Rejects if its events were already generated.
   */
  deliverOutcome(messageId: string, outcome?: EmailOutcome): Promise<WebhookAttempt[]>;
  /** Re-send an earlier event POST verbatim (same body, timestamp and signature). */
  replayDelivery(attemptId: number): Promise<WebhookAttempt>;
  /** Signature headers SendGrid would send for `rawBody` at `timestamp` (Unix seconds). */
  signPayload(rawBody: string, timestamp?: number): Record<string, string>;
  /** Resolve when no automatic event batch or webhook is pending. */
  whenIdle(): Promise<void>;
  /** Stop: abort pending events, drop open (even hung) connections, close the port. */
  stop(): Promise<void>;
}

interface StoredEmail {
  readonly email: SandboxEmail;
  eventsStarted: boolean;
}

const REQUEST_LIMIT_BYTES = 30 * 1024 * 1024;
const MAIL_SEND_PATH = '/v3/mail/send';

/**
 * Start a loopback server that speaks SendGrid's v3 mail/send closely enough for the real
 * `@sendgrid/mail` client, keeps every accepted email, and posts ECDSA-signed Event Webhook
 * batches the way SendGrid's Signed Event Webhook does.
 */
export async function startSendGridSandbox(options: SendGridSandboxOptions): Promise<SendGridSandbox> {
  if (options.apiKey.length === 0) throw new Error('apiKey must not be empty');
  const now = options.now ?? (() => new Date());
  const eventDelayMs = options.eventDelayMs ?? 10;
  const mode = options.events ?? 'auto';
  const faults = new SandboxFaults(() => now().getTime());
  const store = new Map<string, StoredEmail>();
  const allEvents: SendGridEvent[] = [];
  const recipientOutcomes = new Map<string, EmailOutcome>();
  let defaultOutcome: EmailOutcome = { event: 'delivered' };
  let filterSequence = 0;
  const expectedAuth = Buffer.from(`Bearer ${options.apiKey}`);
  // A fresh key pair per sandbox, as SendGrid makes one when signing is switched on.
  const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const privateKey: KeyObject = keys.privateKey;
  const publicKey = keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');

  const server = await startLoopbackServer(handle, options.port ?? 0);
  const webhooks = new WebhookDispatcher(options.webhookTimeoutMs ?? 15_000, server.signal);

  async function handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', server.url);
    let raw: string;
    try {
      raw = await readBody(req, REQUEST_LIMIT_BYTES);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) {
        sendErrors(res, 413, [{ field: null, message: 'Payload Too Large', help: null }]);
        return;
      }
      throw error;
    }
    if (!requestUrl.pathname.startsWith('/v3/')) {
      sendErrors(res, 404, [{ field: null, message: 'resource not found', help: null }]);
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
    if (decision.kind === 'lose') {
      // The provider accepted the mail; only its answer never reaches the client.
      res.destroy();
      return;
    }
    if (answer.accepted) {
      res.writeHead(202, { 'x-message-id': answer.messageId, 'content-length': '0' }).end();
      return;
    }
    sendErrors(res, answer.status, answer.errors);
  }

  function route(
    req: IncomingMessage,
    requestUrl: URL,
    raw: string,
  ):
    | { accepted: true; messageId: string }
    | { accepted: false; status: number; errors: SendGridErrorItem[] } {
    const header = req.headers.authorization;
    if (header === undefined) {
      return {
        accepted: false,
        status: 401,
        errors: [{ field: null, message: 'authorization required', help: null }],
      };
    }
    const given = Buffer.from(header);
    if (!(given.length === expectedAuth.length && timingSafeEqual(given, expectedAuth))) {
      return {
        accepted: false,
        status: 401,
        errors: [
          {
            field: null,
            message: 'The provided authorization grant is invalid, expired, or revoked',
            help: null,
          },
        ],
      };
    }
    if (requestUrl.pathname !== MAIL_SEND_PATH) {
      return {
        accepted: false,
        status: 404,
        errors: [{ field: null, message: 'resource not found', help: null }],
      };
    }
    if (req.method !== 'POST') {
      return {
        accepted: false,
        status: 405,
        errors: [{ field: null, message: 'method not allowed', help: null }],
      };
    }
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      return { accepted: false, status: 400, errors: [{ field: null, message: 'Bad Request', help: null }] };
    }
    const validation = validateMailSend(payload);
    if (!validation.ok) return { accepted: false, status: 400, errors: validation.errors };
    const mail = validation.mail;
    const messageId = randomBytes(16).toString('base64url');
    const recipients: SandboxEmailRecipient[] = [];
    mail.personalizations.forEach((personalization, index) => {
      for (const kind of ['to', 'cc', 'bcc'] as const) {
        for (const address of personalization[kind]) {
          filterSequence++;
          recipients.push({
            email: address.email,
            name: address.name,
            kind,
            personalization: index,
            // Shaped like SendGrid's: the X-Message-Id, then the filter node's suffix.
            sgMessageId: `${messageId}.filter0001.${filterSequence}.${randomBytes(4).toString('hex').toUpperCase()}.${recipients.length}`,
            customArgs: { ...mail.customArgs, ...personalization.customArgs },
          });
        }
      }
    });
    const stored: StoredEmail = {
      email: { messageId, receivedAt: now(), ...mail, recipients, request: payload },
      eventsStarted: false,
    };
    store.set(messageId, stored);
    if (mode === 'auto') void webhooks.track(emitEvents(stored, undefined, eventDelayMs));
    return { accepted: true, messageId };
  }

  function outcomeFor(email: string): EmailOutcome {
    return recipientOutcomes.get(email.toLowerCase()) ?? defaultOutcome;
  }

  /** `processed` for every recipient, then each recipient's outcome: one signed POST per batch. */
  async function emitEvents(
    stored: StoredEmail,
    override: EmailOutcome | undefined,
    delayMs: number,
  ): Promise<WebhookAttempt[]> {
    stored.eventsStarted = true;
    const attempts: WebhookAttempt[] = [];
    const { email } = stored;
    const batches: Array<(recipient: SandboxEmailRecipient) => SendGridEvent> = [
      (recipient) => makeEvent(email, recipient, { event: 'processed' }),
      (recipient) => makeEvent(email, recipient, outcomeFields(override ?? outcomeFor(recipient.email))),
    ];
    for (const build of batches) {
      if (!(await pause(delayMs, server.signal))) return attempts;
      const batch = email.recipients.map(build);
      allEvents.push(...batch);
      if (options.eventWebhookUrl !== undefined) {
        const body = JSON.stringify(batch);
        attempts.push(
          await webhooks.post({
            kind: 'event',
            subject: email.messageId,
            url: options.eventWebhookUrl,
            headers: {
              'content-type': 'application/json',
              'user-agent': 'SendGrid Event API',
              ...signPayload(body, unixSeconds(now())),
            },
            body,
          }),
        );
      }
    }
    return attempts;
  }

  function makeEvent(
    email: SandboxEmail,
    recipient: SandboxEmailRecipient,
    fields: { event: SendGridEvent['event'] } & Record<string, unknown>,
  ): SendGridEvent {
    const category = email.categories.length === 1 ? email.categories[0] : email.categories;
    // Custom args go first so they can never overwrite the reserved fields.
    return {
      ...recipient.customArgs,
      ...(email.categories.length > 0 ? { category } : {}),
      email: recipient.email,
      timestamp: unixSeconds(now()),
      'smtp-id': `<${email.messageId}@ismtpd-sandbox>`,
      sg_event_id: randomBytes(16).toString('base64url'),
      sg_message_id: recipient.sgMessageId,
      ...fields,
    };
  }

  function signPayload(rawBody: string, timestamp = unixSeconds(now())): Record<string, string> {
    const signature = sign('sha256', Buffer.from(`${timestamp}${rawBody}`, 'utf8'), privateKey).toString(
      'base64',
    );
    return { [SENDGRID_SIGNATURE_HEADER]: signature, [SENDGRID_TIMESTAMP_HEADER]: String(timestamp) };
  }

  function sendFailure(res: ServerResponse, failure: SandboxFailure): void {
    const headers = retryAfterHeader(failure.retryAfterSeconds);
    if (failure.status === 429 && failure.retryAfterSeconds !== undefined) {
      // SendGrid's own rate-limit headers say when the window resets, in epoch seconds.
      headers['x-ratelimit-reset'] = String(unixSeconds(now()) + failure.retryAfterSeconds);
    }
    sendErrors(
      res,
      failure.status,
      [{ field: null, message: failure.message ?? defaultFailureMessage(failure.status), help: null }],
      headers,
    );
  }

  return {
    url: server.url,
    publicKey,
    faults,
    messages: () => [...store.values()].map((s) => structuredClone(s.email)),
    message: (messageId) => {
      const stored = store.get(messageId);
      return stored === undefined ? undefined : structuredClone(stored.email);
    },
    events: () => structuredClone(allEvents),
    eventDeliveries: () => webhooks.attempts(),
    setRecipientOutcome: (email, outcome) => {
      recipientOutcomes.set(email.toLowerCase(), outcome);
    },
    setDefaultOutcome: (outcome) => {
      defaultOutcome = outcome;
    },
    suppress: (email, reason = 'Unsubscribed Address') => {
      recipientOutcomes.set(email.toLowerCase(), { event: 'dropped', reason });
    },
    deliverOutcome: async (messageId, outcome) => {
      const stored = store.get(messageId);
      if (stored === undefined) throw new Error(`unknown message ${messageId}`);
      if (stored.eventsStarted) throw new Error(`events of ${messageId} were already generated`);
      return webhooks.track(emitEvents(stored, outcome, 0));
    },
    replayDelivery: (attemptId) => webhooks.replay(attemptId),
    signPayload,
    whenIdle: () => webhooks.whenIdle(),
    stop: () => server.close(),
  };
}

function outcomeFields(outcome: EmailOutcome): { event: SendGridEvent['event'] } & Record<string, unknown> {
  switch (outcome.event) {
    case 'delivered':
      return { event: 'delivered', response: outcome.response ?? '250 OK' };
    case 'bounce':
      return {
        event: 'bounce',
        reason: outcome.reason ?? '550 5.1.1 The email account that you tried to reach does not exist.',
        status: outcome.status ?? '5.1.1',
        type: outcome.type ?? 'bounce',
      };
    case 'dropped':
      return { event: 'dropped', reason: outcome.reason ?? 'Unsubscribed Address' };
  }
}

function sendErrors(
  res: ServerResponse,
  status: number,
  errors: readonly SendGridErrorItem[],
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { errors }, headers);
}

function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

function defaultFailureMessage(status: number): string {
  switch (status) {
    case 429:
      return 'too many requests';
    case 500:
      return 'internal server error';
    case 502:
      return 'bad gateway';
    case 503:
      return 'service unavailable';
    case 504:
      return 'gateway timeout';
    default:
      return `HTTP ${status}`;
  }
}
