import { Client } from '@sendgrid/client';
import { MailService } from '@sendgrid/mail';

export type { MailService } from '@sendgrid/mail';

/** Configuration of {@link createSendGridMail}. */
export interface SendGridMailConfig {
  readonly apiKey: string;
  /**
   * Send requests here instead of `https://api.sendgrid.com/` (e.g. the loopback sandbox,
   * `http://127.0.0.1:49152`). The SDK appends `/v3/mail/send` to it.
   */
  readonly apiBaseUrl?: string;
  /** Request timeout in milliseconds (the SDK sets none by default). */
  readonly timeoutMs?: number;
}

/**
 * Build a real `@sendgrid/mail` `MailService` with its own `@sendgrid/client` `Client` (never the
 * module singletons, so two configurations can live in one process).
 */
export function createSendGridMail(config: SendGridMailConfig): MailService {
  const client = new Client();
  // setApiKey also resets baseUrl to the region's host, so the override must come after it.
  client.setApiKey(config.apiKey);
  if (config.apiBaseUrl !== undefined) {
    const base = new URL(config.apiBaseUrl);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new Error(`apiBaseUrl must be an http(s) URL, got ${base.protocol}`);
    }
    client.setDefaultRequest('baseUrl', base.href);
  }
  const mail = new MailService();
  mail.setClient(client);
  if (config.timeoutMs !== undefined) mail.setTimeout(config.timeoutMs);
  return mail;
}
