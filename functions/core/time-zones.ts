import { IANAZone } from 'luxon';

const validity = new Map<string, boolean>();

/**
 * Whether `zone` is an IANA time zone this runtime knows, remembered per name: luxon's
 * `IANAZone.isValidZone` builds an `Intl.DateTimeFormat` on every call, which was the largest
 * single cost of replaying events (a backtest asks once or more per message).
 */
export function isValidTimeZone(zone: string): boolean {
  let valid = validity.get(zone);
  if (valid === undefined) {
    valid = IANAZone.isValidZone(zone);
    // Names come from events: bound the memo so a stream of junk names cannot grow it for ever.
    if (validity.size < 10_000) validity.set(zone, valid);
  }
  return valid;
}
