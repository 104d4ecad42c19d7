/**
 * Twilio "connection overrides" (Twilio docs, "Webhooks (HTTP callbacks): Connection Overrides"):
 * key=value pairs in the URL fragment of a webhook URL that set how Twilio calls it. Twilio reads
 * them and never sends the fragment itself (a fragment is not part of an HTTP request).
 *
 * Without them Twilio's defaults apply (the page gives `rc`, the retry count, a default of 1, and
 * the retry policy `rp` decides which failures are retried at all). A status callback that meets
 * a throttle (the webhook's reserved concurrency, DynamoDB) answers 5xx, and a lost delivery
 * report cannot be asked for again; so both are set explicitly rather than left to a default:
 *
 * - `rc=3`: up to three retries (valid 0–5).
 * - `rp=ct,5xx`: retry when the connection fails (`ct`) or the answer is a 5xx (`5xx`). A 4xx
 *   (403 for a bad signature, 400 for a report we cannot read) is never retried: it cannot
 *   succeed the second time. Read timeouts (`rt`) are left out: the webhook's 10 s timeout is
 *   below Twilio's 15 s default read timeout, so a slow answer arrives as a 5xx anyway.
 *
 * The store applies each provider event once, so a retry of a report that was in fact recorded
 * changes nothing.
 */
const TWILIO_STATUS_CALLBACK_OVERRIDES = 'rc=3&rp=ct,5xx';

/** `url` with the connection-override fragment appended (replacing any fragment it had). */
export function withConnectionOverrides(url: string, overrides = TWILIO_STATUS_CALLBACK_OVERRIDES): string {
  const hash = url.indexOf('#');
  return `${hash === -1 ? url : url.slice(0, hash)}#${overrides}`;
}
