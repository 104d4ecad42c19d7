/**
 * Sign-in for the console as a self-contained hono piece: the `/auth/*` routes (login, callback,
 * logout, signed-out), the `session` middleware that puts the signed-in user on `c.var.user`,
 * and `requireRole(role)`. The console app mounts the routes before the session middleware and
 * puts `requireRole` on each route with the least role allowed to call it.
 *
 * Pages (anything outside `/api/`) send a browser without a valid session to the issuer's
 * sign-in; the JSON API answers 401. A signed-in user whose groups map to no role gets 403
 * everywhere ("your account has no Nudge role"); a role short of the route's gets 403 naming both.
 */
import { type Context, Hono, type MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  type ConsoleAuthConfig,
  type ConsoleAuthConfigInput,
  parseConsoleAuthConfig,
} from './auth-config.ts';
import { renderAuthPage } from './auth-pages.ts';
import { createOidcSignIn, type OidcSignIn, SignInError } from './oidc-sign-in.ts';
import { type ConsoleUser, describeRoles, hasRole, type Role } from './roles.ts';
import {
  LOGIN_TTL_SECONDS,
  sessionKey,
  signLogin,
  signSession,
  verifyLogin,
  verifySession,
} from './session-token.ts';

/** What the auth middleware puts on the context. */
export interface AuthEnv {
  Variables: {
    user: ConsoleUser;
    /** The role `requireRole` checked for this request (what the audit records). */
    authorizedAs: Role;
    /** The least role of the matched route, set by a console whose routes are a table (read by `middleware`). */
    requiredRole: Role;
    /** What a route may add to its audit entry (`c.set('auditDetail', 'version 7')`). */
    auditDetail: string;
    /** The route as registered (`/api/customers/:id/erase`), when the app knows it better than hono's last match. */
    auditRoute: string;
    /** This response's CSP nonce (the console's pages). */
    nonce: string;
  };
}

/** Where sign-in gets its clock and writes its log lines (no token or secret ever reaches them). */
export interface ConsoleAuthDeps {
  now?: () => Date;
  log?: (line: string) => void;
}

/** The sign-in routes and middleware for one console. */
export interface ConsoleAuth {
  /** `/auth/login`, `/auth/callback`, `/auth/logout`, `/auth/signed-out`: mount before `session`. */
  routes: Hono<AuthEnv>;
  /** Sets `c.var.user`, or redirects a page to sign-in / answers 401 on the API / 403 without a role. */
  session: MiddlewareHandler<AuthEnv>;
  /** 403, with a message naming the role needed and the roles held, unless the user's roles include `role`. */
  requireRole(role: Role): MiddlewareHandler<AuthEnv>;
  /**
   * `session` then `requireRole(c.var.requiredRole)` (viewer when the route set none), as one
   * middleware: for a console that sets each route's least role before its auth hook.
   */
  middleware: MiddlewareHandler<AuthEnv>;
}

/** @throws {import('./auth-config.ts').ConsoleAuthConfigError} when the configuration is unusable. */
export function createConsoleAuth(input: ConsoleAuthConfigInput, deps: ConsoleAuthDeps = {}): ConsoleAuth {
  const config = parseConsoleAuthConfig(input);
  const ctx: AuthContext = {
    config,
    key: sessionKey(config.sessionSecret),
    now: deps.now ?? (() => new Date()),
    log: deps.log ?? (() => undefined),
    oidc: createOidcSignIn(config),
    cookies: cookieNames(config.secureCookies),
  };
  const session = sessionMiddleware(ctx);
  const middleware: MiddlewareHandler<AuthEnv> = (c, next) =>
    session(c, async () => {
      const required: Role | undefined = c.get('requiredRole');
      const refused = await roleGuard(required ?? 'viewer')(c, next);
      if (refused instanceof Response) c.res = refused;
    });
  return { routes: authRoutes(ctx), session, requireRole: (role) => roleGuard(role), middleware };
}

interface AuthContext {
  config: ConsoleAuthConfig;
  key: Uint8Array;
  now: () => Date;
  log: (line: string) => void;
  oidc: OidcSignIn;
  cookies: { session: string; login: string };
}

/** `__Host-`/`__Secure-` prefixes make the browser refuse the cookie without `Secure` (and, for the session, on another path or domain). */
function cookieNames(secure: boolean): { session: string; login: string } {
  return secure
    ? { session: '__Host-nudge_session', login: '__Secure-nudge_sign_in' }
    : { session: 'nudge_session', login: 'nudge_sign_in' };
}

const CALLBACK_PATH = '/auth/callback';

function authRoutes(ctx: AuthContext): Hono<AuthEnv> {
  const routes = new Hono<AuthEnv>();
  routes.get('/auth/login', async (c) => {
    const returnTo = safeReturnTo(c.req.query('returnTo'));
    let started: Awaited<ReturnType<OidcSignIn['start']>>;
    try {
      started = await ctx.oidc.start(returnTo);
    } catch (error) {
      return failure(c, ctx, 502, 'Sign-in is unavailable', error);
    }
    setCookie(c, ctx.cookies.login, await signLogin(started.login, ctx.key, ctx.now()), {
      httpOnly: true,
      secure: ctx.config.secureCookies,
      sameSite: 'Lax', // sent on the issuer's top-level redirect back to the callback
      path: CALLBACK_PATH,
      maxAge: LOGIN_TTL_SECONDS,
    });
    return c.redirect(started.url.href, 302);
  });
  routes.get(CALLBACK_PATH, (c) => callback(c, ctx));
  routes.get('/auth/logout', (c) =>
    html(c, 200, {
      title: 'Sign out',
      paragraphs: ['Sign out of the Nudge console?'],
      actions: [{ label: 'Sign out', href: '/auth/logout', method: 'post' }],
    }),
  );
  routes.post('/auth/logout', async (c) => {
    deleteCookie(c, ctx.cookies.session, { path: '/', secure: ctx.config.secureCookies });
    const endSession = await ctx.oidc.endSessionUrl().catch((error: unknown) => {
      ctx.log(`console sign-out: no end-session redirect (${String(error)})`);
      return undefined;
    });
    return c.redirect(endSession?.href ?? '/auth/signed-out', 303);
  });
  routes.get('/auth/signed-out', (c) =>
    html(c, 200, {
      title: 'Signed out',
      paragraphs: ['You are signed out of the Nudge console.'],
      actions: [{ label: 'Sign in again', href: '/auth/login' }],
    }),
  );
  return routes;
}

async function callback(c: Context<AuthEnv>, ctx: AuthContext): Promise<Response> {
  const query = new URL(c.req.url).search;
  const issuerError = c.req.query('error');
  if (issuerError !== undefined) {
    const description = c.req.query('error_description') ?? '';
    return failure(
      c,
      ctx,
      400,
      'Sign-in failed',
      new SignInError(`the issuer said ${issuerError} ${description}`.trim()),
    );
  }
  const token = getCookie(c, ctx.cookies.login);
  const login = token === undefined ? undefined : await verifyLogin(token, ctx.key, ctx.now());
  if (login === undefined || !login.ok) {
    const why =
      login === undefined ? 'no sign-in in progress in this browser' : `the sign-in is ${login.reason}`;
    return failure(c, ctx, 400, 'Sign-in failed', new SignInError(why));
  }
  deleteCookie(c, ctx.cookies.login, { path: CALLBACK_PATH, secure: ctx.config.secureCookies });
  let user: ConsoleUser;
  try {
    user = await ctx.oidc.finish(query, login.login);
  } catch (error) {
    return failure(c, ctx, 400, 'Sign-in failed', error);
  }
  setCookie(c, ctx.cookies.session, await signSession(user, ctx.key, ctx.now(), ctx.config.sessionHours), {
    httpOnly: true,
    secure: ctx.config.secureCookies,
    sameSite: 'Lax',
    path: '/',
    maxAge: Math.round(ctx.config.sessionHours * 3600),
  });
  ctx.log(`console sign-in: ${user.sub} (${describeRoles(user)})`);
  return c.redirect(login.login.returnTo, 303);
}

function sessionMiddleware(ctx: AuthContext): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const token = getCookie(c, ctx.cookies.session);
    const session = token === undefined ? undefined : await verifySession(token, ctx.key, ctx.now());
    if (session === undefined || !session.ok) {
      if (session !== undefined)
        deleteCookie(c, ctx.cookies.session, { path: '/', secure: ctx.config.secureCookies });
      return unauthenticated(c, session === undefined ? 'missing' : session.reason);
    }
    if (session.user.roles.length === 0) {
      return refuse(
        c,
        'no-role',
        `your account (${session.user.name}) has no Nudge role: ask an administrator to add you to a Nudge group`,
      );
    }
    c.set('user', session.user);
    await next();
  };
}

function roleGuard(role: Role): MiddlewareHandler<AuthEnv> {
  return async (c, next) => {
    const user = c.get('user');
    if (!hasRole(user, role)) {
      return refuse(c, 'forbidden', `this needs the ${role} role; ${user.name} has ${describeRoles(user)}`);
    }
    c.set('authorizedAs', role);
    await next();
  };
}

const isApi = (c: Context) => c.req.path === '/api' || c.req.path.startsWith('/api/');

function unauthenticated(c: Context<AuthEnv>, reason: 'missing' | 'expired' | 'invalid'): Response {
  const message =
    reason === 'expired'
      ? 'your session has expired: sign in again'
      : reason === 'invalid'
        ? 'your session is not valid: sign in again'
        : 'sign in to use the console';
  if (isApi(c)) return c.json({ error: { code: `unauthenticated`, message } }, 401);
  const url = new URL(c.req.url);
  const login = `/auth/login?returnTo=${encodeURIComponent(url.pathname + url.search)}`;
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return c.redirect(login, 303);
  return html(c, 401, {
    title: 'Sign in again',
    paragraphs: [message],
    actions: [{ label: 'Sign in', href: login }],
  });
}

function refuse(c: Context<AuthEnv>, code: 'no-role' | 'forbidden', message: string): Response {
  if (isApi(c)) return c.json({ error: { code, message } }, 403);
  const title = code === 'no-role' ? 'Your account has no Nudge role' : 'Not allowed';
  return html(c, 403, {
    title,
    paragraphs: [message],
    actions: [{ label: 'Sign out', href: '/auth/logout', method: 'post' }],
  });
}

function failure(
  c: Context<AuthEnv>,
  ctx: AuthContext,
  status: ContentfulStatusCode,
  title: string,
  error: unknown,
) {
  const message = error instanceof SignInError ? error.message : 'an unexpected error; see the console log';
  ctx.log(`console sign-in refused: ${error instanceof Error ? error.message : String(error)}`);
  return html(c, status, {
    title,
    paragraphs: [message],
    actions: [{ label: 'Try again', href: '/auth/login' }],
  });
}

function html(c: Context<AuthEnv>, status: ContentfulStatusCode, page: Parameters<typeof renderAuthPage>[0]) {
  return c.html(renderAuthPage(page), status, { 'cache-control': 'no-store' });
}

/** Only a path on this console (`/x`, never `//host` or `https://…`): no open redirect through sign-in. */
export function safeReturnTo(value: string | undefined): string {
  if (value === undefined || !value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\'))
    return '/';
  return value;
}
