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
import { type InboundSms, TwilioMessages } from './twilio-messages.ts';
import {
  defaultFailureMessage,
  type SandboxSms,
  type SmsOutcome,
  TWILIO_API_VERSION,
  type TwilioAnswer,
  twilioError,
  twilioSid,
} from './twilio-resources.ts';
import { type WebhookAttempt, WebhookDispatcher } from './webhook-dispatcher.ts';

export { computeTwilioSignature } from './twilio-resources.ts';

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

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const MESSAGES_PATH = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages(?:\/([^/]+))?\.json$/;
const REQUEST_LIMIT_BYTES = 1024 * 1024;

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
  const now = options.now ?? (() => new Date());
  const faults = new SandboxFaults(() => now().getTime());
  // The handler runs only for requests, which arrive after `api` is set below.
  const server = await startLoopbackServer(
    (req, res, signal) => api.handle(req, res, signal),
    options.port ?? 0,
  );
  const webhooks = new WebhookDispatcher(options.webhookTimeoutMs ?? 15_000, server.signal);
  const messages = new TwilioMessages({
    accountSid: options.accountSid,
    authToken: options.authToken,
    now,
    callbackDelayMs: options.statusCallbackDelayMs ?? 10,
    mode: options.statusCallbacks ?? 'auto',
    serviceNumber: options.messagingServiceNumber ?? '+15005550006',
    webhooks,
    signal: server.signal,
  });
  const api = new TwilioRestApi(options, server, faults, messages);
  return sandboxOf(options, server, faults, messages, webhooks);
}

/** The public face of a started sandbox. */
function sandboxOf(
  options: TwilioSandboxOptions,
  server: LoopbackServer,
  faults: SandboxFaults,
  messages: TwilioMessages,
  webhooks: WebhookDispatcher,
): TwilioSandbox {
  return {
    url: server.url,
    accountSid: options.accountSid,
    faults,
    messages: () => messages.all(),
    message: (sid) => messages.one(sid),
    callbacks: () => webhooks.attempts(),
    setRecipientOutcome: (to, outcome) => messages.setRecipientOutcome(to, outcome),
    setDefaultOutcome: (outcome) => messages.setDefaultOutcome(outcome),
    unsubscribe: (to) => messages.unsubscribe(to),
    resubscribe: (to) => messages.resubscribe(to),
    deliverOutcome: async (sid, outcome) => messages.deliverOutcome(sid, outcome),
    sendInbound: async (sms) => {
      const url = sms.url ?? options.inboundWebhookUrl;
      if (url === undefined) throw new Error('no inboundWebhookUrl configured and no url given');
      const { attempt, sid, replies } = await messages.receive(sms, url);
      return { status: attempt.responseStatus, sid, attempt, replies };
    },
    replayCallback: async (attemptId) => {
      const attempt = await webhooks.replay(attemptId);
      messages.sendTwimlReplies(attempt);
      return attempt;
    },
    signatureFor: (url, params) => messages.signatureFor(url, params),
    whenIdle: () => webhooks.whenIdle(),
    stop: () => server.close(),
  };
}

/** The HTTP side: body limit, injected faults, Basic auth, then the Messages resource. */
class TwilioRestApi {
  readonly #accountSid: string;
  readonly #expectedAuth: Buffer;
  readonly #server: LoopbackServer;
  readonly #faults: SandboxFaults;
  readonly #messages: TwilioMessages;

  constructor(
    options: TwilioSandboxOptions,
    server: LoopbackServer,
    faults: SandboxFaults,
    messages: TwilioMessages,
  ) {
    this.#accountSid = options.accountSid;
    const basic = Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64');
    this.#expectedAuth = Buffer.from(`Basic ${basic}`);
    this.#server = server;
    this.#faults = faults;
    this.#messages = messages;
  }

  async handle(req: IncomingMessage, res: ServerResponse, signal: AbortSignal): Promise<void> {
    const requestUrl = new URL(req.url ?? '/', this.#server.url);
    let raw: string;
    try {
      raw = await readBody(req, REQUEST_LIMIT_BYTES);
    } catch (error) {
      if (error instanceof PayloadTooLargeError)
        return sendTwilioError(res, 413, 20413, 'Request Entity Too Large');
      throw error;
    }
    if (!requestUrl.pathname.startsWith(`/${TWILIO_API_VERSION}/`)) {
      return sendTwilioError(res, 404, 20404, `The requested resource ${requestUrl.pathname} was not found`);
    }
    const decision = this.#faults.decide();
    if (decision.kind === 'hang') return; // never answered: the client's timeout or stop() ends it
    if (!(await pause(decision.latencyMs, signal))) {
      res.destroy();
      return;
    }
    if (decision.kind === 'fail') return sendFailure(res, decision.failure);
    const answer = this.#route(req, requestUrl, raw);
    answer.after?.();
    if (decision.kind === 'lose') {
      // The provider did the work; only its answer never reaches the client.
      res.destroy();
      return;
    }
    sendJson(res, answer.status, answer.body, { 'twilio-request-id': twilioSid('RQ'), ...answer.headers });
  }

  #route(req: IncomingMessage, requestUrl: URL, raw: string): TwilioAnswer {
    const match = MESSAGES_PATH.exec(requestUrl.pathname);
    if (!this.#authorized(req.headers.authorization)) return twilioError(401, 20003, 'Authenticate');
    if (match === null || match[1] !== this.#accountSid) {
      return twilioError(404, 20404, `The requested resource ${requestUrl.pathname} was not found`);
    }
    const messageSid = match[2];
    if (messageSid === undefined && req.method === 'POST')
      return this.#messages.create(new URLSearchParams(raw));
    if (messageSid === undefined && req.method === 'GET') return this.#messages.list(requestUrl.searchParams);
    if (messageSid !== undefined && req.method === 'GET')
      return this.#messages.fetch(messageSid, requestUrl.pathname);
    return twilioError(405, 20004, 'Method not allowed');
  }

  #authorized(header: string | undefined): boolean {
    if (header === undefined) return false;
    const given = Buffer.from(header);
    return given.length === this.#expectedAuth.length && timingSafeEqual(given, this.#expectedAuth);
  }
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
