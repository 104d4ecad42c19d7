import type { MailService } from '@sendgrid/mail';
import * as z from 'zod';
import type { ChannelSender, OutboundMessage, SendReceipt } from '../../app/ports.ts';
import { fillScoreLinks, hasScoreLinks } from '../../core/replies/score-links.ts';
import { scoreUrl, signScoreToken } from '../links/score-link.ts';
import { assertUnsubscribeBaseUrl, signUnsubscribeToken, unsubscribeUrl } from '../links/unsubscribe-link.ts';

/** Where the one-click unsubscribe links of RFC 8058 point, and how they are signed. */
interface OneClickUnsubscribeConfig {
  /** The webhook function's public base URL (https; plain http only on loopback). */
  baseUrl: string;
  /** The HMAC key the webhook function checks the links with (a secret). */
  signingKey: string;
  /** How long a link works (default `UNSUBSCRIBE_LINK_TTL_DAYS`, 90). */
  ttlDays?: number;
  /** The current time in epoch seconds (the links' expiry counts from it). */
  nowEpochSeconds: () => number;
}

/** Who the email comes from. */
export interface SendGridEmailSenderConfig {
  mail: MailService;
  from: { email: string; name?: string };
  replyTo?: string;
  /**
   * With it, every email carries `List-Unsubscribe: <https://…/unsubscribe?t=…>` and
   * `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058); the deployed send function
   * and the local runtime always set it.
   */
  unsubscribe?: OneClickUnsubscribeConfig;
}

/** The two RFC 8058 headers, exactly as mail clients look for them. */
const LIST_UNSUBSCRIBE_HEADER = 'List-Unsubscribe';
const LIST_UNSUBSCRIBE_POST_HEADER = 'List-Unsubscribe-Post';
const ONE_CLICK_POST_VALUE = 'List-Unsubscribe=One-Click';

/**
 * Email through the real `@sendgrid/mail`. Our message id travels in `custom_args` (no personal
 * data there), which SendGrid copies onto every Event Webhook event for the message. The
 * one-click unsubscribe headers go in the v3 `headers` object (neither is one of SendGrid's
 * reserved headers); SendGrid's DKIM signature covers them. SendGrid's own subscription tracking
 * is switched off per message so that the one List-Unsubscribe header is ours.
 */
export class SendGridEmailSender implements ChannelSender {
  constructor(private readonly config: SendGridEmailSenderConfig) {
    // A base URL that cannot carry a one-click link fails at cold start, not on the first email.
    if (config.unsubscribe !== undefined) assertUnsubscribeBaseUrl(config.unsubscribe.baseUrl);
  }

  async send(outbound: OutboundMessage): Promise<SendReceipt> {
    if (outbound.message.channel !== 'email') {
      return {
        ok: false,
        retryable: false,
        code: 'wrong-channel',
        detail: 'SendGridEmailSender sends email only',
      };
    }
    let unsubscribe: ReturnType<SendGridEmailSender['unsubscribeFields']>;
    try {
      unsubscribe = this.unsubscribeFields(outbound);
    } catch (error) {
      // Never an email without its unsubscribe link, and never a retry that would fail the same
      // way. The reason names the field, not the address.
      return {
        ok: false,
        retryable: false,
        code: 'unsubscribe-link',
        detail: `the one-click unsubscribe link could not be made: ${error instanceof z.ZodError ? error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ') : 'signing failed'}`,
      };
    }
    const scored = this.withScoreLinks(outbound);
    if (scored === undefined) {
      return {
        ok: false,
        retryable: false,
        code: 'score-link',
        detail: 'the email has survey score links but no link signing is configured',
      };
    }
    try {
      const [response] = await this.config.mail.send({
        to: outbound.to,
        from: this.config.from,
        ...(this.config.replyTo === undefined ? {} : { replyTo: this.config.replyTo }),
        subject: outbound.message.subject,
        text: scored.text,
        html: scored.html,
        customArgs: { messageId: outbound.messageId },
        ...unsubscribe,
      });
      const id = headerValue(response.headers, 'x-message-id');
      return { ok: true, providerId: id ?? `sendgrid-${outbound.messageId}` };
    } catch (error) {
      return classifySendGridError(error);
    }
  }

  /**
   * The text and html with survey score links signed in (see core/replies/score-links.ts), with
   * the unsubscribe links' key under another purpose; undefined when there are links to sign
   * and no key.
   */
  private withScoreLinks(outbound: OutboundMessage): { text: string; html: string } | undefined {
    if (outbound.message.channel !== 'email') return undefined;
    const { text, html } = outbound.message;
    if (!hasScoreLinks(text) && !hasScoreLinks(html)) return { text, html };
    const config = this.config.unsubscribe;
    if (config === undefined) return undefined;
    const nowEpochSeconds = config.nowEpochSeconds();
    const urlFor = (score: number) =>
      scoreUrl(
        config.baseUrl,
        signScoreToken(
          { address: outbound.to, messageId: outbound.messageId, score },
          { key: config.signingKey, nowEpochSeconds },
        ),
      );
    return { text: fillScoreLinks(text, urlFor), html: fillScoreLinks(html, urlFor) };
  }

  private unsubscribeFields(outbound: OutboundMessage) {
    const config = this.config.unsubscribe;
    if (config === undefined) return {};
    const token = signUnsubscribeToken(
      {
        address: outbound.to,
        messageId: outbound.messageId,
        ...(outbound.customerId === undefined ? {} : { customerId: outbound.customerId }),
        ...(outbound.locale === undefined ? {} : { locale: outbound.locale }),
      },
      {
        key: config.signingKey,
        nowEpochSeconds: config.nowEpochSeconds(),
        ...(config.ttlDays === undefined ? {} : { ttlDays: config.ttlDays }),
      },
    );
    return {
      headers: {
        [LIST_UNSUBSCRIBE_HEADER]: `<${unsubscribeUrl(config.baseUrl, token)}>`,
        [LIST_UNSUBSCRIBE_POST_HEADER]: ONE_CLICK_POST_VALUE,
      },
      trackingSettings: { subscriptionTracking: { enable: false } },
    };
  }
}

/** Maps a SendGrid failure to a receipt: retryable (429, 5xx, network) or permanent (400). */
function classifySendGridError(error: unknown): SendReceipt {
  const status = numberField(error, 'code');
  const message = error instanceof Error ? error.message : String(error);
  const response: unknown =
    typeof error === 'object' && error !== null ? Reflect.get(error, 'response') : undefined;
  const body: unknown =
    typeof response === 'object' && response !== null ? Reflect.get(response, 'body') : undefined;
  const errors: unknown = typeof body === 'object' && body !== null ? Reflect.get(body, 'errors') : undefined;
  const first: unknown = Array.isArray(errors) ? errors[0] : undefined;
  const field = stringField(first, 'field');
  const detail = `SendGrid ${status ?? 'network'}: ${stringField(first, 'message') ?? message}${field === undefined ? '' : ` (${field})`}`;
  if (status === undefined || status < 100) return { ok: false, retryable: true, code: 'network', detail };
  if (status === 429) {
    const reset = headerValue(
      typeof response === 'object' && response !== null ? Reflect.get(response, 'headers') : undefined,
      'retry-after',
    );
    return {
      ok: false,
      retryable: true,
      code: 'rate-limited',
      detail,
      ...(reset !== undefined && /^\d+$/.test(reset) ? { retryAfterMs: Number(reset) * 1000 } : {}),
    };
  }
  if (status >= 500) return { ok: false, retryable: true, code: 'provider-error', detail };
  if (status === 401 || status === 403) return { ok: false, retryable: true, code: 'provider-auth', detail };
  const invalidAddress = field !== undefined && /\.email$/.test(field);
  return {
    ok: false,
    retryable: false,
    code: invalidAddress ? 'invalid-address' : `sendgrid-${status}`,
    detail,
  };
}

function headerValue(headers: unknown, name: string): string | undefined {
  if (typeof headers !== 'object' || headers === null) return undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return Array.isArray(value) ? String(value[0]) : String(value);
  }
  return undefined;
}

function numberField(value: unknown, field: string): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const found: unknown = Reflect.get(value, field);
  return typeof found === 'number' ? found : undefined;
}

function stringField(value: unknown, field: string): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const found: unknown = Reflect.get(value, field);
  return typeof found === 'string' ? found : undefined;
}
