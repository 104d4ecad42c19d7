/**
 * How the console masks contact data, in one place. Who may see it is one rule
 * (`canSeeContacts` in auth/roles.ts: the `privacy` role); everyone else (viewer, editor,
 * publisher) gets the console's backend through {@link contactMaskedBackend}, so every page and
 * every API route — including routes added later — renders masked data without masking anything
 * itself.
 */
import { maskPiiText } from '../core/customers/mask-pii.ts';
import type { ConsoleBackend } from './console-backend.ts';

// Opaque tokens the console hands back to itself: masking would break paging.
const OPAQUE_KEYS: ReadonlySet<string> = new Set(['cursor', 'nextCursor']);

/**
 * A copy of `value` with every phone number and email in its strings masked (`+467*****67`,
 * `a***@e***.se`), at any depth of plain objects and arrays. A customer id that is itself an
 * address is contact data too and is masked like any other string; other ids, times and counts
 * are left as they are (see maskPiiText).
 */
function maskContacts(value: unknown): unknown {
  if (typeof value === 'string') return maskPiiText(value);
  if (Array.isArray(value)) return value.map(maskContacts);
  if (!isPlainObject(value)) return value;
  const masked: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value))
    masked[key] = OPAQUE_KEYS.has(key) ? field : maskContacts(field);
  return masked;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/**
 * The backend as a role without contact access reads it: every method's answer (sync or a
 * promise) goes through {@link maskContacts}. A Proxy, not a list of methods, so a method another
 * part of the console adds to {@link ConsoleBackend} is masked without anyone remembering to.
 */
export function contactMaskedBackend(backend: ConsoleBackend): ConsoleBackend {
  const masked = new Proxy(backend, {
    get(target, key, receiver) {
      const member: unknown = Reflect.get(target, key, receiver);
      if (typeof member !== 'function') return member;
      return (...args: unknown[]): unknown => {
        const result: unknown = Reflect.apply(member, target, args);
        return result instanceof Promise ? result.then(maskContacts) : maskContacts(result);
      };
    },
  });
  MASKED_BACKENDS.add(masked);
  return masked;
}

const MASKED_BACKENDS = new WeakSet<ConsoleBackend>();

/**
 * `value` as the reader of `backend` may see it: contact data masked unless `backend` is the
 * unmasked one (the privacy role's). For what a page shows that does not come from the backend:
 * the request's own input echoed back (a Try it event or reply, a report's customer id).
 */
export function maskedFor<T>(backend: ConsoleBackend, value: T): T {
  return MASKED_BACKENDS.has(backend) ? (maskContacts(value) as T) : value;
}

/** True when the reader of `backend` sees contact data: the privacy role (or the open local console). */
export function showsContacts(backend: ConsoleBackend): boolean {
  return !MASKED_BACKENDS.has(backend);
}
