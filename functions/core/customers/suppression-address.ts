import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Channel } from '../rules/rule-schema.ts';

/**
 * Why an address is suppressed. Each is final until the same person says START (SMS) or an
 * explicitly named re-opt-in event lifts it (docs/rules.md, consent).
 */
export const SUPPRESSION_REASONS = [
  /** The recipient replied STOP (or a localized stop word) from this number. */
  'stop-reply',
  /** The provider refused the send because the recipient opted out at the carrier (Twilio 21610). */
  'carrier-opt-out',
  /** SendGrid reported an unsubscribe or group unsubscribe. */
  'unsubscribe',
  /** The recipient used the signed one-click link of RFC 8058. */
  'one-click-unsubscribe',
  /** SendGrid reported a spam report. */
  'spam-report',
  /** SendGrid reported a hard bounce (the address does not exist). */
  'hard-bounce',
] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/**
 * The form an address is suppressed under, so a STOP from `+46 70-123 45 67` and a send to
 * `0701234567` meet: E.164 for a phone number (national numbers read in `defaultCountry`),
 * trimmed and lower-cased for an email address. Undefined when it is not an address at all.
 */
export function suppressionAddress(
  channel: Channel,
  raw: string,
  defaultCountry: string,
): string | undefined {
  const trimmed = raw.trim();
  if (trimmed === '') return undefined;
  if (channel === 'email') return trimmed.includes('@') ? trimmed.toLowerCase() : undefined;
  const upper = defaultCountry.toUpperCase();
  const parsed = parsePhoneNumberFromString(trimmed, isCountryCode(upper) ? upper : undefined);
  return parsed === undefined ? undefined : parsed.number;
}

function isCountryCode(code: string): code is CountryCode {
  return /^[A-Z]{2}$/.test(code);
}
