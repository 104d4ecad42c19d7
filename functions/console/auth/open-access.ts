/**
 * The console without sign-in (the local default, on 127.0.0.1 only): whoever reaches it is the
 * local user, holding every role, so every route answers and every write is still audited under
 * that name (`local:<os user>`).
 */
import type { MiddlewareHandler } from 'hono';
import type { AuthEnv } from './console-auth.ts';
import { type ConsoleUser, describeRoles, hasRole, ROLES, type Role } from './roles.ts';

/**
 * Puts the local user (every role unless `roles` narrows it, e.g. a test's viewer) on every
 * request; a route beyond those roles is refused with 403.
 */
export function openConsoleAccess(user: {
  sub: string;
  name: string;
  roles?: Role[];
}): MiddlewareHandler<AuthEnv> {
  const local: ConsoleUser = { sub: user.sub, name: user.name, roles: user.roles ?? [...ROLES] };
  return async (c, next) => {
    const required = c.get('requiredRole');
    if (!hasRole(local, required)) {
      const message = `this needs the ${required} role; ${local.name} has ${describeRoles(local)}`;
      return c.json({ error: { code: 'forbidden', message } }, 403);
    }
    c.set('user', local);
    c.set('authorizedAs', required);
    await next();
  };
}
