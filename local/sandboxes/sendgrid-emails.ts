import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { pause } from './loopback-server.ts';
import type { ValidMailSend } from './sendgrid-mail-validation.ts';
import type { WebhookAttempt, WebhookDispatcher } from './webhook-dispatcher.ts';

/** Header carrying the base64 DER ECDSA signature of an event webhook POST. */
const SENDGRID_SIGNATURE_HEADER = 'X-Twilio-Email-Event-Webhook-Signature';
/** Header carrying the Unix-seconds timestamp that is signed together with the body. */
const SENDGRID_TIMESTAMP_HEADER = 'X-Twilio-Email-Event-Webhook-Timestamp';

/**
 * How delivery to one recipient ends; `processed` always comes first.
 * `dropped` reasons SendGrid uses include `Bounced Address`, `Unsubscribed Address`,
 * `Spam Reporting Address` and `Invalid`.
 */
export type EmailOutcome =
  | { readonly event: 'delivered'; readonly response?: string }
  | {
      readonly event: 'bounce';
      readonly reason?: string;
      readonly status?: string;
      readonly type?: 'bounce' | 'blocked';
    }
  | { readonly event: 'dropped'; readonly reason?: string };

/** One event as posted to the Event Webhook (reserved fields plus the message's custom args). */
export interface SendGridEvent {
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
export interface SandboxEmail extends ValidMailSend {
  /** The `X-Message-Id` the sandbox answered with. */
  readonly messageId: string;
  readonly receivedAt: Date;
  readonly recipients: readonly SandboxEmailRecipient[];
  /** The request body as parsed JSON, untouched. */
  readonly request: unknown;
}

/** How {@link SendGridEmails} behaves (resolved sandbox options). */
export interface SendGridEmailsConfig {
  readonly now: () => Date;
  readonly eventDelayMs: number;
  readonly mode: 'auto' | 'manual';
  readonly eventWebhookUrl: string | undefined;
  readonly webhooks: WebhookDispatcher;
  /** The sandbox's stop signal: a pending event batch ends with it. */
  readonly signal: AbortSignal;
}

interface StoredEmail {
  readonly email: SandboxEmail;
  eventsStarted: boolean;
}

/**
 * The SendGrid sandbox's accepted emails and their Event Webhook: one id per recipient,
 * `processed` then each recipient's outcome, posted as ECDSA-signed batches.
 */
export class SendGridEmails {
  readonly #config: SendGridEmailsConfig;
  readonly #store = new Map<string, StoredEmail>();
  readonly #allEvents: SendGridEvent[] = [];
  readonly #recipientOutcomes = new Map<string, EmailOutcome>();
  #defaultOutcome: EmailOutcome = { event: 'delivered' };
  #filterSequence = 0;
  readonly #privateKey: KeyObject;
  /** Verification key as SendGrid's settings page shows it: base64 DER SubjectPublicKeyInfo (P-256). */
  readonly publicKey: string;

  constructor(config: SendGridEmailsConfig) {
    this.#config = config;
    // A fresh key pair per sandbox, as SendGrid makes one when signing is switched on.
    const keys = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.#privateKey = keys.privateKey;
    this.publicKey = keys.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
  }

  all(): SandboxEmail[] {
    return [...this.#store.values()].map((s) => structuredClone(s.email));
  }

  one(messageId: string): SandboxEmail | undefined {
    const stored = this.#store.get(messageId);
    return stored === undefined ? undefined : structuredClone(stored.email);
  }

  events(): SendGridEvent[] {
    return structuredClone(this.#allEvents);
  }

  setRecipientOutcome(email: string, outcome: EmailOutcome): void {
    this.#recipientOutcomes.set(email.toLowerCase(), outcome);
  }

  setDefaultOutcome(outcome: EmailOutcome): void {
    this.#defaultOutcome = outcome;
  }

  /** Keeps a valid mail/send request and returns its `X-Message-Id`; events start in `auto` mode. */
  accept(mail: ValidMailSend, request: unknown): string {
    const messageId = randomBytes(16).toString('base64url');
    const recipients: SandboxEmailRecipient[] = [];
    mail.personalizations.forEach((personalization, index) => {
      for (const kind of ['to', 'cc', 'bcc'] as const) {
        for (const address of personalization[kind]) {
          this.#filterSequence++;
          recipients.push({
            email: address.email,
            name: address.name,
            kind,
            personalization: index,
            // Shaped like SendGrid's: the X-Message-Id, then the filter node's suffix.
            sgMessageId: `${messageId}.filter0001.${this.#filterSequence}.${randomBytes(4).toString('hex').toUpperCase()}.${recipients.length}`,
            customArgs: { ...mail.customArgs, ...personalization.customArgs },
          });
        }
      }
    });
    const stored: StoredEmail = {
      email: { messageId, receivedAt: this.#config.now(), ...mail, recipients, request },
      eventsStarted: false,
    };
    this.#store.set(messageId, stored);
    const { mode, webhooks, eventDelayMs } = this.#config;
    if (mode === 'auto') void webhooks.track(this.#emitEvents(stored, undefined, eventDelayMs));
    return messageId;
  }

  /** Generates and posts an email's events now (see `SendGridSandbox.deliverOutcome`). */
  deliverOutcome(messageId: string, outcome?: EmailOutcome): Promise<WebhookAttempt[]> {
    const stored = this.#store.get(messageId);
    if (stored === undefined) throw new Error(`unknown message ${messageId}`);
    if (stored.eventsStarted) throw new Error(`events of ${messageId} were already generated`);
    return this.#config.webhooks.track(this.#emitEvents(stored, outcome, 0));
  }

  /** Signature headers SendGrid would send for `rawBody` at `timestamp` (Unix seconds). */
  signPayload(rawBody: string, timestamp = unixSeconds(this.#config.now())): Record<string, string> {
    const signature = sign(
      'sha256',
      Buffer.from(`${timestamp}${rawBody}`, 'utf8'),
      this.#privateKey,
    ).toString('base64');
    return { [SENDGRID_SIGNATURE_HEADER]: signature, [SENDGRID_TIMESTAMP_HEADER]: String(timestamp) };
  }

  #outcomeFor(email: string): EmailOutcome {
    return this.#recipientOutcomes.get(email.toLowerCase()) ?? this.#defaultOutcome;
  }

  /** `processed` for every recipient, then each recipient's outcome: one signed POST per batch. */
  async #emitEvents(
    stored: StoredEmail,
    override: EmailOutcome | undefined,
    delayMs: number,
  ): Promise<WebhookAttempt[]> {
    stored.eventsStarted = true;
    const attempts: WebhookAttempt[] = [];
    const { email } = stored;
    const batches: Array<(recipient: SandboxEmailRecipient) => SendGridEvent> = [
      (recipient) => this.#makeEvent(email, recipient, { event: 'processed' }),
      (recipient) =>
        this.#makeEvent(email, recipient, outcomeFields(override ?? this.#outcomeFor(recipient.email))),
    ];
    for (const build of batches) {
      if (!(await pause(delayMs, this.#config.signal))) return attempts;
      const batch = email.recipients.map(build);
      this.#allEvents.push(...batch);
      const attempt = await this.#postBatch(email.messageId, batch);
      if (attempt !== undefined) attempts.push(attempt);
    }
    return attempts;
  }

  async #postBatch(messageId: string, batch: SendGridEvent[]): Promise<WebhookAttempt | undefined> {
    const url = this.#config.eventWebhookUrl;
    if (url === undefined) return undefined;
    const body = JSON.stringify(batch);
    return this.#config.webhooks.post({
      kind: 'event',
      subject: messageId,
      url,
      headers: {
        'content-type': 'application/json',
        'user-agent': 'SendGrid Event API',
        ...this.signPayload(body, unixSeconds(this.#config.now())),
      },
      body,
    });
  }

  #makeEvent(
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
      timestamp: unixSeconds(this.#config.now()),
      'smtp-id': `<${email.messageId}@ismtpd-sandbox>`,
      sg_event_id: randomBytes(16).toString('base64url'),
      sg_message_id: recipient.sgMessageId,
      ...fields,
    };
  }
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

/** Whole seconds since the epoch, as SendGrid's timestamps are. */
export function unixSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
