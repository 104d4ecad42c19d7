import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type LoopbackServer,
  PayloadTooLargeError,
  pause,
  readBody,
  retryAfterHeader,
  sendJson,
  startLoopbackServer,
} from './loopback-server.ts';
import { type SandboxFailure, SandboxFaults } from './sandbox-faults.ts';
import {
  type EmailOutcome,
  type SandboxEmail,
  SendGridEmails,
  type SendGridEvent,
  unixSeconds,
} from './sendgrid-emails.ts';
import { type SendGridErrorItem, validateMailSend } from './sendgrid-mail-validation.ts';
import { type WebhookAttempt, WebhookDispatcher } from './webhook-dispatcher.ts';

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

const REQUEST_LIMIT_BYTES = 30 * 1024 * 1024;
const MAIL_SEND_PATH = '/v3/mail/send';

type MailSendAnswer =
  | { accepted: true; messageId: string }
  | { accepted: false; status: number; errors: SendGridErrorItem[] };

/**
 * Start a loopback server that speaks SendGrid's v3 mail/send closely enough for the real
 * `@sendgrid/mail` client, keeps every accepted email, and posts ECDSA-signed Event Webhook
 * batches the way SendGrid's Signed Event Webhook does.
 */
export async function startSendGridSandbox(options: SendGridSandboxOptions): Promise<SendGridSandbox> {
  if (options.apiKey.length === 0) throw new Error('apiKey must not be empty');
  const now = options.now ?? (() => new Date());
  const faults = new SandboxFaults(() => now().getTime());
  // The handler runs only for requests, which arrive after `api` is set below.
  const server = await startLoopbackServer(
    (req, res, signal) => api.handle(req, res, signal),
    options.port ?? 0,
  );
  const webhooks = new WebhookDispatcher(options.webhookTimeoutMs ?? 15_000, server.signal);
  const emails = new SendGridEmails({
    now,
    eventDelayMs: options.eventDelayMs ?? 10,
    mode: options.events ?? 'auto',
    eventWebhookUrl: options.eventWebhookUrl,
    webhooks,
    signal: server.signal,
  });
  const api = new SendGridRestApi(options.apiKey, now, server, faults, emails);
  return {
    url: server.url,
    publicKey: emails.publicKey,
    faults,
    messages: () => emails.all(),
    message: (messageId) => emails.one(messageId),
    events: () => emails.events(),
    eventDeliveries: () => webhooks.attempts(),
    setRecipientOutcome: (email, outcome) => emails.setRecipientOutcome(email, outcome),
    setDefaultOutcome: (outcome) => emails.setDefaultOutcome(outcome),
    suppress: (email, reason = 'Unsubscribed Address') =>
      emails.setRecipientOutcome(email, { event: 'dropped', reason }),
    deliverOutcome: async (messageId, outcome) => emails.deliverOutcome(messageId, outcome),
    replayDelivery: (attemptId) => webhooks.replay(attemptId),
    signPayload: (rawBody, timestamp) => emails.signPayload(rawBody, timestamp),
    whenIdle: () => webhooks.whenIdle(),
    stop: () => server.close(),
  };
}

/** The HTTP side: body limit, injected faults, Bearer auth, then mail/send. */
class SendGridRestApi {
  readonly #expectedAuth: Buffer;
  readonly #now: () => Date;
  readonly #server: LoopbackServer;
  readonly #faults: SandboxFaults;
  readonly #emails: SendGridEmails;

  constructor(
    apiKey: string,
    now: () => Date,
    server: LoopbackServer,
    faults: SandboxFaults,
    emails: SendGridEmails,
  ) {
    this.#expectedAuth = Buffer.from(`Bearer ${apiKey}`);
    this.#now = now;
    this.#server = server;
    this.#faults = faults;
    this.#emails = emails;
  }

  async handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', this.#server.url);
    let raw: string;
    try {
      raw = await readBody(req, REQUEST_LIMIT_BYTES);
    } catch (error) {
      if (error instanceof PayloadTooLargeError) return sendError(res, 413, 'Payload Too Large');
      throw error;
    }
    if (!requestUrl.pathname.startsWith('/v3/')) return sendError(res, 404, 'resource not found');
    const decision = this.#faults.decide();
    if (decision.kind === 'hang') return; // never answered: the client's timeout or stop() ends it
    if (!(await pause(decision.latencyMs, signal))) {
      res.destroy();
      return;
    }
    if (decision.kind === 'fail') return this.#sendFailure(res, decision.failure);
    const answer = this.#route(req, requestUrl, raw);
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

  #route(req: IncomingMessage, requestUrl: URL, raw: string): MailSendAnswer {
    const header = req.headers.authorization;
    if (header === undefined) return refused(401, 'authorization required');
    const given = Buffer.from(header);
    if (!(given.length === this.#expectedAuth.length && timingSafeEqual(given, this.#expectedAuth))) {
      return refused(401, 'The provided authorization grant is invalid, expired, or revoked');
    }
    if (requestUrl.pathname !== MAIL_SEND_PATH) return refused(404, 'resource not found');
    if (req.method !== 'POST') return refused(405, 'method not allowed');
    let payload: unknown;
    try {
      payload = JSON.parse(raw);
    } catch {
      return refused(400, 'Bad Request');
    }
    const validation = validateMailSend(payload);
    if (!validation.ok) return { accepted: false, status: 400, errors: validation.errors };
    return { accepted: true, messageId: this.#emails.accept(validation.mail, payload) };
  }

  #sendFailure(res: ServerResponse, failure: SandboxFailure): void {
    const headers = retryAfterHeader(failure.retryAfterSeconds);
    if (failure.status === 429 && failure.retryAfterSeconds !== undefined) {
      // SendGrid's own rate-limit headers say when the window resets, in epoch seconds.
      headers['x-ratelimit-reset'] = String(unixSeconds(this.#now()) + failure.retryAfterSeconds);
    }
    sendErrors(
      res,
      failure.status,
      [errorItem(failure.message ?? defaultFailureMessage(failure.status))],
      headers,
    );
  }
}

function errorItem(message: string): SendGridErrorItem {
  return { field: null, message, help: null };
}

function refused(status: number, message: string): MailSendAnswer {
  return { accepted: false, status, errors: [errorItem(message)] };
}

function sendError(res: ServerResponse, status: number, message: string): void {
  sendErrors(res, status, [errorItem(message)]);
}

function sendErrors(
  res: ServerResponse,
  status: number,
  errors: readonly SendGridErrorItem[],
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, { errors }, headers);
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
