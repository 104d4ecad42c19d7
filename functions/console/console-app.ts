import { randomBytes } from 'node:crypto';
import { Hono, type MiddlewareHandler } from 'hono';
import type { AuditLog } from '../app/ports/audit.ts';
import { maskPiiText } from '../core/customers/mask-pii.ts';
import { auditRouteTable } from './auth/audit-page.ts';
import { auditWrites } from './auth/audit-writes.ts';
import type { AuthEnv } from './auth/console-auth.ts';
import { openConsoleAccess } from './auth/open-access.ts';
import { type ConsoleUser, canSeeContacts, hasRole } from './auth/roles.ts';
import type { ConsoleBackend } from './console-backend.ts';
import { contactMaskedBackend } from './contact-masking.ts';
import { CustomerZones } from './customer-zones.ts';
import { html } from './html.ts';
import { ConsoleHttpError, checkOrigin, htmlResponse, jsonError } from './http-io.ts';
import type { MetricsSource } from './metrics-route.ts';
import { API_ROUTES } from './routes/api-routes.ts';
import { PAGE_ROUTES } from './routes/page-routes.ts';
import { errorPage } from './routes/page-view.ts';
import type { Method, Role, Route, RouteContext } from './routes/route.ts';
import { STATIC_ROUTES } from './routes/static-routes.ts';

/**
 * What the console's middleware and routes share per request (hono `c.var`): the CSP nonce, and
 * what sign-in and the audit share (`requiredRole`, the matched route's least role, set just
 * before the auth middleware runs; `user` and `authorizedAs`, set by it; `auditRoute` and
 * `auditDetail`, read by the audit). One environment for all of them: hono's are invariant.
 */
export type ConsoleEnv = AuthEnv;

/**
 * Sign-in, plugged in by the host (optional: the local console is open on 127.0.0.1 by default).
 * `routes` (sign-in, callback, sign-out…) are mounted before the console's own; `middleware` runs
 * before every console route, after `requiredRole` is set to that route's least role, and either
 * calls `next()` or answers itself (401, 403, a redirect to sign in).
 */
export interface ConsoleAuth {
  middleware: MiddlewareHandler<AuthEnv>;
  routes?: Hono<AuthEnv>;
}

/** What the console app is built from. */
export interface ConsoleAppDeps {
  backend: ConsoleBackend;
  /**
   * The console's own origins (`http://127.0.0.1:3000`, `https://…lambda-url…on.aws`): the Host
   * and Origin checks accept only these. A function, as a local console learns its port late.
   */
  origins: () => readonly string[];
  /**
   * Told about unexpected failures (a backend that throws). The client only ever gets a generic
   * 500; by default the error's name and PII-masked message go to stderr.
   */
  onError?: (error: unknown) => void;
  /** Served at `GET /api/metrics` (metrics-route.ts): the local runtime's in-memory metrics. */
  metrics?: MetricsSource;
  /**
   * Sign-in. Without it the console is open (the local default, on 127.0.0.1 only) and every
   * request is {@link localUser}, holding every role.
   */
  auth?: ConsoleAuth;
  /** Who an open console's requests are audited as (`local:<os user>`); default `local-console`. */
  localUser?: { sub: string; name: string; roles?: Role[] };
  /**
   * The audit trail: every POST route that passed its role check is recorded (auth/audit-writes.ts)
   * and `/audit`, `GET /api/audit` list it. Without it nothing is recorded (unit tests' consoles).
   */
  audit?: AuditLog;
}

// Routes are tables (routes/*.ts): adding an endpoint is one line there.
const ROUTES: readonly Route[] = [...PAGE_ROUTES, ...STATIC_ROUTES, ...API_ROUTES];
const METHODS: readonly Method[] = ['GET', 'POST'];

/**
 * The operations console as one hono app: server-rendered pages and a JSON API over a
 * {@link ConsoleBackend}. Hosts: the local runtime (node:http through @hono/node-server) and the
 * console Lambda (hono/aws-lambda). Every refusal or failure becomes a JSON error (API) or a page.
 */
export function createConsoleApp(deps: ConsoleAppDeps): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>({ strict: false });
  const zones = new CustomerZones(deps.backend);
  const onError = deps.onError ?? defaultOnError;
  app.use('*', async (c, next) => {
    c.set('nonce', randomBytes(16).toString('base64'));
    checkOrigin(c.req.raw, deps.origins());
    await next();
  });
  if (deps.auth?.routes !== undefined) app.route('/', deps.auth.routes);
  const backends = { full: deps.backend, masked: contactMaskedBackend(deps.backend) };
  const routes = [...ROUTES, ...(deps.audit === undefined ? [] : auditRouteTable(deps.audit))];
  for (const route of routes) {
    for (const method of METHODS) {
      const handler = route.methods[method];
      if (handler === undefined) continue;
      const run: MiddlewareHandler<ConsoleEnv> = (c) => handler(routeContext(c, deps, zones, backends));
      const [setRole, access, audit] = guards(route, method, deps);
      app.on(method, route.path, setRole, access, audit, run);
    }
    app.all(route.path, (c) => {
      throw methodNotAllowed(route, c.req.method, new URL(c.req.url).pathname);
    });
  }
  app.notFound((c) => {
    const path = new URL(c.req.url).pathname;
    throw new ConsoleHttpError(404, 'not-found', `no such ${isApi(path) ? 'endpoint' : 'page'}: ${path}`);
  });
  app.onError((error, c) => {
    const ctx = { backend: deps.backend, nonce: c.get('nonce') ?? '' };
    const api = isApi(new URL(c.req.url).pathname);
    if (error instanceof ConsoleHttpError) return refuse(ctx, api, error);
    onError(error);
    return refuse(ctx, api, new ConsoleHttpError(500, 'internal', 'internal error: see the runtime log'));
  });
  return app;
}

/**
 * What runs before a route's handler, from its table entry alone (so a route another part of
 * the console adds is covered too): its least role is set, sign-in (or the open local user)
 * checks it, and a write (every POST) is audited with its outcome.
 */
function guards(
  route: Route,
  method: Method,
  deps: ConsoleAppDeps,
): [MiddlewareHandler<ConsoleEnv>, MiddlewareHandler<ConsoleEnv>, MiddlewareHandler<ConsoleEnv>] {
  const setRole: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
    c.set('requiredRole', route.role);
    c.set('auditRoute', route.path);
    await next();
  };
  const access =
    deps.auth?.middleware ??
    openConsoleAccess(deps.localUser ?? { sub: 'local-console', name: 'local-console' });
  const onError = deps.onError ?? defaultOnError;
  const audit: MiddlewareHandler<ConsoleEnv> =
    (method === 'GET' && route.role !== 'privacy') || deps.audit === undefined
      ? (_c, next) => next()
      : auditWrites(deps.audit, { log: (line) => onError(new Error(line)) });
  return [setRole, access, audit];
}

function routeContext(
  c: Parameters<MiddlewareHandler<ConsoleEnv>>[0],
  deps: ConsoleAppDeps,
  zones: CustomerZones,
  backends: { full: ConsoleBackend; masked: ConsoleBackend },
): RouteContext {
  // Undefined only under a host's own auth hook that names nobody: then nothing is unmasked.
  const user: ConsoleUser | undefined = c.get('user');
  const ctx: RouteContext = {
    req: c.req.raw,
    url: new URL(c.req.url),
    params: c.req.param(),
    nonce: c.get('nonce'),
    // The one place contact data is masked: only the privacy role reads the backend unmasked.
    backend: user !== undefined && canSeeContacts(user) ? backends.full : backends.masked,
    zones,
  };
  if (user !== undefined) {
    ctx.actor = user.sub;
    ctx.may = (role) => hasRole(user, role);
  }
  if (deps.metrics !== undefined) ctx.metrics = deps.metrics;
  return ctx;
}

function methodNotAllowed(route: Route, method: string, path: string): ConsoleHttpError {
  const allowed = Object.keys(route.methods).flatMap((name) => (name === 'GET' ? ['GET', 'HEAD'] : [name]));
  return new ConsoleHttpError(405, 'method-not-allowed', `${method} not allowed on ${path}`, {
    allow: allowed.join(', '),
  });
}

function isApi(path: string): boolean {
  return path === '/api' || path.startsWith('/api/');
}

function refuse(
  ctx: { backend: ConsoleBackend; nonce: string },
  api: boolean,
  error: ConsoleHttpError,
): Response {
  if (api) return jsonError(error.status, error.code, error.message, error.headers);
  if (error.status === 405 || error.status === 403) {
    // No page frame for refused requests: they never reach the backend.
    return htmlResponse(
      error.status,
      html`<!doctype html><title>${error.message}</title><p>${error.message}</p>`,
      ctx.nonce,
      error.headers,
    );
  }
  return errorPage(ctx, error.status, statusTitle(error.status), error.message);
}

function statusTitle(status: number): string {
  if (status === 404) return 'Not found';
  if (status === 413) return 'Too large';
  if (status === 415) return 'Unsupported form';
  if (status >= 500) return 'Something went wrong';
  return 'Bad request';
}

function defaultOnError(error: unknown): void {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`[console] ${maskPiiText(text)}\n`);
}
