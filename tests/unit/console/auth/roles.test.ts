import { describe, expect, it } from 'vitest';
import { userFromClaims } from '../../../../functions/console/auth/oidc-sign-in.ts';
import {
  canSeeContacts,
  hasRole,
  ROLES,
  type Role,
  rolesFromGroups,
} from '../../../../functions/console/auth/roles.ts';

describe('roles from a groups claim', () => {
  it('without a map, groups named like a role are that role; others give nothing', () => {
    expect(rolesFromGroups(['publisher', 'sales', 'viewer'])).toEqual(['viewer', 'publisher']);
    expect(rolesFromGroups(['Sales', 'admins'])).toEqual([]);
  });

  it('with a map, only mapped groups count, and a role named group is not a role by itself', () => {
    const map = { 'ops-readers': 'viewer', 'dpo-team': 'privacy' } as const;

    expect(rolesFromGroups(['dpo-team', 'ops-readers'], map)).toEqual(['viewer', 'privacy']);
    expect(rolesFromGroups(['editor'], map)).toEqual([]);
  });

  it('accepts one group as a string, ignores a missing claim and non-string members', () => {
    expect(rolesFromGroups('editor')).toEqual(['editor']);
    expect(rolesFromGroups(undefined)).toEqual([]);
    expect(rolesFromGroups([42, null, { role: 'editor' }, 'viewer'])).toEqual(['viewer']);
  });

  it('a group called like an Object.prototype member maps to nothing', () => {
    expect(rolesFromGroups(['constructor', 'toString', '__proto__'], { readers: 'viewer' })).toEqual([]);
  });

  it('duplicates collapse', () => {
    expect(rolesFromGroups(['a', 'b'], { a: 'editor', b: 'editor' })).toEqual(['editor']);
  });
});

describe('what each role includes', () => {
  // The table of issue 13: editor ⊇ viewer, publisher ⊇ editor, privacy ⊇ viewer.
  const table: Record<Role, Record<Role, boolean>> = {
    viewer: { viewer: true, editor: false, publisher: false, privacy: false },
    editor: { viewer: true, editor: true, publisher: false, privacy: false },
    publisher: { viewer: true, editor: true, publisher: true, privacy: false },
    privacy: { viewer: true, editor: false, publisher: false, privacy: true },
  };

  for (const held of ROLES) {
    it(`${held}`, () => {
      for (const needed of ROLES) {
        expect(hasRole({ roles: [held] }, needed), `${held} → ${needed}`).toBe(table[held][needed]);
      }
    });
  }

  it('no role allows nothing; two roles allow what either allows', () => {
    expect(hasRole({ roles: [] }, 'viewer')).toBe(false);
    expect(hasRole({ roles: ['editor', 'privacy'] }, 'privacy')).toBe(true);
    expect(hasRole({ roles: ['editor', 'privacy'] }, 'publisher')).toBe(false);
  });

  it('only privacy sees contact data unmasked', () => {
    expect(canSeeContacts({ roles: ['privacy'] })).toBe(true);
    expect(canSeeContacts({ roles: ['publisher'] })).toBe(false);
    expect(canSeeContacts({ roles: ['viewer', 'editor'] })).toBe(false);
  });
});

describe('the user from verified ID token claims', () => {
  it('takes the name, email and roles from Cognito-style claims', () => {
    const user = userFromClaims(
      { sub: 'abc-123', email: 'ops@acme.example', 'cognito:username': 'ops', 'cognito:groups': ['editor'] },
      { groupsClaim: 'cognito:groups' },
    );

    expect(user).toEqual({
      sub: 'abc-123',
      name: 'ops@acme.example',
      email: 'ops@acme.example',
      roles: ['editor'],
    });
  });

  it('reads another groups claim when configured, and falls back to the subject for a name', () => {
    const user = userFromClaims(
      { sub: 's-1', groups: ['readers'] },
      { groupsClaim: 'groups', groupRoles: { readers: 'viewer' } },
    );

    expect(user).toEqual({ sub: 's-1', name: 's-1', roles: ['viewer'] });
  });
});
