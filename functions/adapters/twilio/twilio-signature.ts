// Only the webhook helper, not the whole SDK: it bundles to a few kB (PITFALLS.md).
import { validateRequest } from 'twilio/lib/webhooks/webhooks.js';

/**
 * Checks `X-Twilio-Signature`: base64 HMAC-SHA1, keyed with the auth token, over the full URL
 * Twilio called plus every POST parameter sorted by name (Twilio's "Webhooks security").
 * The URL must be the public one Twilio was given (scheme, host, path and query), not one
 * rebuilt from a proxy's view of the request.
 */
export function verifyTwilioSignature(input: {
  authToken: string;
  signature: string | undefined;
  url: string;
  params: Readonly<Record<string, string>>;
}): boolean {
  if (input.signature === undefined || input.signature === '') return false;
  return validateRequest(input.authToken, input.signature, input.url, { ...input.params });
}
