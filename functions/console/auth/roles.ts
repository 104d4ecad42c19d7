/**
 * The console's roles and what each one includes. Pure: no I/O, so the role map is unit-tested
 * on its own and the middleware only asks {@link hasRole}.
 */

/** The console's roles, least to most powerful within each line. */
export const ROLES = ['viewer', 'editor', 'publisher', 'privacy'] as const;

/** A console role: `viewer` reads, `editor` drafts and tries, `publisher` publishes, `privacy` answers privacy requests. */
export type Role = (typeof ROLES)[number];

/**
 * The roles each role includes (itself too): editor ⊇ viewer, publisher ⊇ editor,
 * privacy ⊇ viewer. A privacy officer does not edit rules and an editor sees no contact data.
 */
const INCLUDES: Readonly<Record<Role, ReadonlySet<Role>>> = {
  viewer: new Set(['viewer']),
  editor: new Set(['editor', 'viewer']),
  publisher: new Set(['publisher', 'editor', 'viewer']),
  privacy: new Set(['privacy', 'viewer']),
};

/** Who is signed in, as the session cookie carries it (never a token from the issuer). */
export interface ConsoleUser {
  /** The issuer's subject identifier. */
  sub: string;
  /** A name to show and to audit: the `name` claim, else the email, else the subject. */
  name: string;
  email?: string;
  /** The roles the user's groups map to; empty when none of the groups is known. */
  roles: Role[];
}

/** True when one of the user's roles includes `role`. */
export function hasRole(user: Pick<ConsoleUser, 'roles'>, role: Role): boolean {
  return user.roles.some((held) => INCLUDES[held].has(role));
}

/**
 * True when the console may show this user phone numbers and email addresses unmasked: the
 * `privacy` role only. Everyone else sees them masked (see functions/core/customers/mask-pii.ts).
 */
export function canSeeContacts(user: Pick<ConsoleUser, 'roles'>): boolean {
  return user.roles.includes('privacy');
}

/** Narrows a string to a {@link Role}. */
function isRole(value: string): value is Role {
  return (ROLES as ReadonlyArray<string>).includes(value);
}

/**
 * The roles a user's groups give, through `groupRoles` (group name → role). Without a map, a
 * group named like a role is that role (the identity map). Unknown groups give nothing; the
 * result is sorted in {@link ROLES} order, without duplicates.
 *
 * @param groups the groups claim as the issuer sent it: an array of strings, one string, or absent.
 */
export function rolesFromGroups(groups: unknown, groupRoles?: Readonly<Record<string, Role>>): Role[] {
  const names = typeof groups === 'string' ? [groups] : Array.isArray(groups) ? groups : [];
  const found = new Set<Role>();
  for (const name of names) {
    if (typeof name !== 'string') continue;
    // Own keys only: a group named `constructor` must not find Object.prototype's.
    const mapped =
      groupRoles === undefined || !Object.hasOwn(groupRoles, name) ? undefined : groupRoles[name];
    const role = groupRoles === undefined ? (isRole(name) ? name : undefined) : mapped;
    if (role !== undefined) found.add(role);
  }
  return ROLES.filter((role) => found.has(role));
}

/** The roles a user holds, for messages and the audit (`editor+privacy`, or `none`). */
export function describeRoles(user: Pick<ConsoleUser, 'roles'>): string {
  return user.roles.length === 0 ? 'none' : user.roles.join('+');
}
