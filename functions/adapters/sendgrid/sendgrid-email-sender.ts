import type { MailService } from '@sendgrid/mail';
import type { ChannelSender, OutboundMessage, SendReceipt } from '../../app/ports.ts';

/** Who the email comes from. */
export interface SendGridEmailSenderConfig {
  mail: MailService;
  from: { email: string; name?: string };
  replyTo?: string;
}

/**
 * Email through the real `@sendgrid/mail`. Our message id travels in `custom_args` (no personal
 * data there), which SendGrid copies onto every Event Webhook event for the message.
 */
export class SendGridEmailSender implements ChannelSender {
  constructor(private readonly config: SendGridEmailSenderConfig) {}

  async send(outbound: OutboundMessage): Promise<SendReceipt> {
    if (outbound.message.channel !== 'email') {
      return {
        ok: false,
        retryable: false,
        code: 'wrong-channel',
        detail: 'SendGridEmailSender sends email only',
      };
    }
    try {
      const [response] = await this.config.mail.send({
        to: outbound.to,
        from: this.config.from,
        ...(this.config.replyTo === undefined ? {} : { replyTo: this.config.replyTo }),
        subject: outbound.message.subject,
        text: outbound.message.text,
        html: outbound.message.html,
        customArgs: { messageId: outbound.messageId },
      });
      const id = headerValue(response.headers, 'x-message-id');
      return { ok: true, providerId: id ?? `sendgrid-${outbound.messageId}` };
    } catch (error) {
      return classifySendGridError(error);
    }
  }
}

/** Maps a SendGrid failure to a receipt: retryable (429, 5xx, network) or permanent (400). */
export function classifySendGridError(error: unknown): SendReceipt {
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
