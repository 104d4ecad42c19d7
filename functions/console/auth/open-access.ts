/**
 * The console without sign-in (the local default, on 127.0.0.1 only): whoever reaches it is the
 * local user, holding every role, so every route answers and every write is still audited under
 * that name (`local:<os user>`).
 */
import type { MiddlewareHandler } from 'hono';
import type { AuthEnv } from './console-auth.ts';
import { type ConsoleUser, ROLES } from './roles.ts';

/** Puts the local user (all roles) on every request, authorised as the route's least role. */
export function openConsoleAccess(user: { sub: string; name: string }): MiddlewareHandler<AuthEnv> {
  const local: ConsoleUser = { sub: user.sub, name: user.name, roles: [...ROLES] };
  return async (c, next) => {
    c.set('user', local);
    c.set('authorizedAs', c.get('requiredRole'));
    await next();
  };
}
