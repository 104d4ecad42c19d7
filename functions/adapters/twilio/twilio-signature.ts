// Only the webhook helper, not the whole SDK: it bundles to a few kB (PITFALLS.md).
import { timingSafeEqual } from 'node:crypto';
import { getExpectedTwilioSignature } from 'twilio/lib/webhooks/webhooks.js';

/**
 * Checks `X-Twilio-Signature`: base64 HMAC-SHA1, keyed with the auth token, over the full URL
 * Twilio called plus every POST parameter sorted by name (Twilio's "Webhooks security").
 * The URL must be the public one Twilio was given (scheme, host, path and query), not one
 * rebuilt from a proxy's view of the request.
 *
 * Stricter than the SDK's `validateRequest`, which also accepts a signature made for the URL with
 * its port removed or added, whatever the port: a signature for `http://host/…` would then pass on
 * `http://host:8443/…`. Here only the scheme's DEFAULT port may be written or left out (`:443` for
 * https, `:80` for http), the one variation Twilio's own signing is documented to make.
 */
export function verifyTwilioSignature(input: {
  authToken: string;
  signature: string | undefined;
  url: string;
  params: Readonly<Record<string, string>>;
}): boolean {
  if (input.signature === undefined || input.signature === '') return false;
  const given = Buffer.from(input.signature);
  return defaultPortVariants(input.url).some((url) => {
    const expected = Buffer.from(getExpectedTwilioSignature(input.authToken, url, { ...input.params }));
    return expected.length === given.length && timingSafeEqual(expected, given);
  });
}

/** The URL as given, and with its scheme's default port written out or left out. */
function defaultPortVariants(url: string): string[] {
  const parsed = new URL(url);
  const defaultPort = parsed.protocol === 'https:' ? '443' : parsed.protocol === 'http:' ? '80' : undefined;
  if (defaultPort === undefined) return [url];
  // WHATWG URL drops a default port, so `parsed.port` is '' both when it was absent and when it
  // was the default: tell them apart from the text.
  const authority = /^[a-z]+:\/\/([^/?#]*)/i.exec(url)?.[1] ?? '';
  const hasPort = /:\d+$/.test(authority.replace(/^\[[^\]]*\]/, ''));
  if (!hasPort) return [url, url.replace(authority, `${authority}:${defaultPort}`)];
  if (authority.endsWith(`:${defaultPort}`))
    return [url, url.replace(authority, authority.slice(0, -(defaultPort.length + 1)))];
  return [url];
}
