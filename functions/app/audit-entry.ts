import { DateTime } from 'luxon';
import { maskPiiText } from '../core/customers/mask-pii.ts';
import { isoOf } from './iso-time.ts';
import type { AuditEntry } from './ports/audit.ts';

/**
 * An entry as every {@link import('./ports/audit.ts').AuditLog} stores it: `at` in UTC with
 * milliseconds (so entries sort as text), phone numbers and emails in `target` and `detail`
 * masked (an erase request's customer id may well be an address), empty optional fields dropped.
 *
 * @throws {RangeError} when `at` is not an ISO instant.
 */
export function auditEntryToStore(entry: AuditEntry): AuditEntry {
  const time = DateTime.fromISO(entry.at, { setZone: true });
  if (!time.isValid) throw new RangeError(`audit entry: at '${entry.at}' is not an ISO instant`);
  return {
    at: isoOf(time),
    // The actor is staff, named on purpose: the point of an audit.
    actor: { sub: entry.actor.sub, name: entry.actor.name },
    role: entry.role,
    action: maskPiiText(entry.action),
    ...(entry.target === undefined || entry.target === '' ? {} : { target: maskPiiText(entry.target) }),
    ...(entry.detail === undefined || entry.detail === '' ? {} : { detail: maskPiiText(entry.detail) }),
  };
}
