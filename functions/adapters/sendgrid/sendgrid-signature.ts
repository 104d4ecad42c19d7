import type { EventWebhook } from '@sendgrid/eventwebhook';

/** SendGrid's signed Event Webhook headers. */
export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

/** How old a signed timestamp may be before the request is treated as a replay. */
const SENDGRID_MAX_AGE_SECONDS = 300;

let verifier: Promise<EventWebhook> | undefined;

/**
 * SendGrid's verifier, loaded with the first signed request rather than at cold start: its ECDSA
 * code (starkbank-ecdsa, big-integer) is the webhook function's largest module evaluated at load
 * otherwise, and only the SendGrid route needs it.
 */
function sendGridVerifier(): Promise<EventWebhook> {
  verifier ??= import('@sendgrid/eventwebhook').then(({ EventWebhook }) => new EventWebhook());
  return verifier;
}

/**
 * Checks SendGrid's signed Event Webhook: an ECDSA (P-256, SHA-256) signature over the timestamp
 * header followed by the raw body, with the verification key shown under Mail Settings. A
 * timestamp older than five minutes (or more than five minutes ahead) is refused even with a good
 * signature, so a captured request cannot be replayed later.
 */
export async function verifySendGridSignature(input: {
  publicKey: string;
  signature: string | undefined;
  timestamp: string | undefined;
  rawBody: string;
  nowEpochSeconds: number;
}): Promise<{ ok: true } | { ok: false; why: 'missing' | 'stale' | 'invalid' }> {
  const { signature, timestamp } = input;
  if (
    signature === undefined ||
    signature === '' ||
    timestamp === undefined ||
    !/^\d{1,12}$/.test(timestamp)
  ) {
    return { ok: false, why: 'missing' };
  }
  if (Math.abs(input.nowEpochSeconds - Number(timestamp)) > SENDGRID_MAX_AGE_SECONDS)
    return { ok: false, why: 'stale' };
  const verifier = await sendGridVerifier();
  try {
    const key = verifier.convertPublicKeyToECDSA(input.publicKey);
    return verifier.verifySignature(key, input.rawBody, signature, timestamp)
      ? { ok: true }
      : { ok: false, why: 'invalid' };
  } catch {
    // A malformed signature or key is a refusal, never a crash.
    return { ok: false, why: 'invalid' };
  }
}
