import { type CountryCode, parsePhoneNumberFromString } from 'libphonenumber-js/max';
import type { Channel } from '../rules/rule-schema.ts';

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
