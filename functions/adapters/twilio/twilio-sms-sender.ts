import type { ChannelSender, OutboundMessage, SendReceipt } from '../../app/ports.ts';
import { observeTwilioCall, retryAfterSeconds, type TwilioClient } from './twilio-client.ts';
import { withConnectionOverrides } from './twilio-connection-overrides.ts';

/** Where Twilio sends from and reports back to. */
export interface TwilioSmsSenderConfig {
  client: TwilioClient;
  /** A phone number in E.164 or an alphanumeric sender id; or use messagingServiceSid. */
  from?: string;
  messagingServiceSid?: string;
  /** Public base URL of the webhook function; status callbacks go to `<base>/webhooks/twilio/status`. */
  statusCallbackBaseUrl?: string;
  now?: () => Date;
}

/** Twilio error codes that mean "this recipient, never": retrying cannot help. */
const PERMANENT: Readonly<Record<number, string>> = {
  21211: 'invalid-number',
  21214: 'invalid-number',
  21217: 'invalid-number',
  21408: 'region-not-enabled',
  21610: 'recipient-unsubscribed',
  21612: 'unreachable-number',
  21614: 'not-a-mobile-number',
  21617: 'body-too-long',
  30006: 'landline-or-unreachable',
  30007: 'carrier-filtered',
};

/**
 * SMS through the real `twilio` SDK. Our message id travels in the StatusCallback URL (not in
 * the body, and never any personal data), so delivery reports find their record directly.
 * Twilio's answers are mapped to our receipt here and nowhere else.
 */
export class TwilioSmsSender implements ChannelSender {
  constructor(private readonly config: TwilioSmsSenderConfig) {
    if (config.from === undefined && config.messagingServiceSid === undefined) {
      throw new Error('TwilioSmsSender needs a sender: from or messagingServiceSid');
    }
  }

  async send(outbound: OutboundMessage): Promise<SendReceipt> {
    if (outbound.message.channel !== 'sms') {
      return { ok: false, retryable: false, code: 'wrong-channel', detail: 'TwilioSmsSender sends SMS only' };
    }
    const body = outbound.message.text;
    const statusCallback =
      this.config.statusCallbackBaseUrl === undefined
        ? undefined
        : // The fragment asks Twilio to retry a 5xx (twilio-connection-overrides.ts); it is never sent.
          withConnectionOverrides(
            `${this.config.statusCallbackBaseUrl.replace(/\/+$/, '')}/webhooks/twilio/status?messageId=${encodeURIComponent(outbound.messageId)}`,
          );
    const observed = await observeTwilioCall(() =>
      this.config.client.messages.create({
        to: outbound.to,
        body,
        ...(this.config.messagingServiceSid === undefined
          ? { from: this.config.from }
          : { messagingServiceSid: this.config.messagingServiceSid }),
        ...(statusCallback === undefined ? {} : { statusCallback }),
      }),
    );
    if (observed.result.status === 'fulfilled') return { ok: true, providerId: observed.result.value.sid };
    return classifyTwilioError(
      observed.result.reason,
      observed.response,
      (this.config.now ?? (() => new Date()))(),
    );
  }
}

/** Maps a Twilio SDK failure to a receipt: retryable (rate, 5xx, timeouts) or permanent. */
function classifyTwilioError(
  error: unknown,
  response: Parameters<typeof retryAfterSeconds>[0],
  now: Date,
): SendReceipt {
  const status = numberField(error, 'status');
  const code = numberField(error, 'code');
  const message = error instanceof Error ? error.message : String(error);
  if (status === undefined) {
    // No HTTP answer: a timeout or a reset. The provider may have accepted it (the answer was
    // lost); retrying is the documented choice (docs/guarantees.md), a duplicate being the risk.
    return { ok: false, retryable: true, code: 'network', detail: message };
  }
  if (status === 429 || code === 20429) {
    const seconds = retryAfterSeconds(response, now);
    return {
      ok: false,
      retryable: true,
      code: 'rate-limited',
      detail: `Twilio ${code ?? status}: ${message}`,
      ...(seconds === undefined ? {} : { retryAfterMs: seconds * 1000 }),
    };
  }
  if (status >= 500)
    return { ok: false, retryable: true, code: 'provider-error', detail: `Twilio ${status}: ${message}` };
  if (status === 401 || status === 403) {
    // Wrong or rotated credentials: an operator fix makes later attempts succeed.
    return {
      ok: false,
      retryable: true,
      code: 'provider-auth',
      detail: `Twilio ${code ?? status}: ${message}`,
    };
  }
  const permanent = code === undefined ? undefined : PERMANENT[code];
  return {
    ok: false,
    retryable: false,
    code: permanent ?? `twilio-${code ?? status}`,
    detail: `Twilio ${code ?? status}: ${message}`,
    ...(code === 21610 ? { optedOut: true } : {}),
  };
}

function numberField(value: unknown, field: string): number | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const found: unknown = Reflect.get(value, field);
  return typeof found === 'number' ? found : undefined;
}
