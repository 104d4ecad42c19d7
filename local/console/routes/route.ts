import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ConsoleBackend } from '../console-backend.ts';
import type { CustomerZones } from '../customer-zones.ts';
import { ConsoleHttpError } from '../http-io.ts';
import type { MetricsSource } from '../metrics-route.ts';

/** The methods the console answers (HEAD is answered by the GET handler). */
type Method = 'GET' | 'POST';

/** What a route handler gets: the request, its answer, and the console's backend. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Decoded path parameters, in order. */
  params: string[];
  /** This response's CSP nonce (pages only use it). */
  nonce: string;
  backend: ConsoleBackend;
  zones: CustomerZones;
  /** The local runtime's in-memory metrics (`GET /api/metrics`), when there is one. */
  metrics?: MetricsSource;
}

/** One route: a path pattern (capturing its parameters) and a handler per method. */
export interface Route {
  pattern: RegExp;
  methods: Partial<Record<Method, (ctx: RouteContext) => Promise<void>>>;
}

/**
 * Runs the first route of `routes` whose pattern matches `path`: a 405 with `Allow` when the route
 * has no handler for the method, a 404 when no route matches.
 */
export async function dispatch(routes: readonly Route[], path: string, ctx: RouteContext): Promise<void> {
  const isApi = path === '/api' || path.startsWith('/api/');
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (match === null) continue;
    const method = ctx.req.method === 'HEAD' ? 'GET' : narrowMethod(ctx.req.method);
    const handler = method === undefined ? undefined : route.methods[method];
    if (handler === undefined) {
      const allowed = Object.keys(route.methods).flatMap((name) =>
        name === 'GET' ? ['GET', 'HEAD'] : [name],
      );
      throw new ConsoleHttpError(
        405,
        'method-not-allowed',
        `${ctx.req.method ?? '?'} not allowed on ${path}`,
        {
          allow: allowed.join(', '),
        },
      );
    }
    await handler({ ...ctx, params: match.slice(1).map(decodeParam) });
    return;
  }
  throw new ConsoleHttpError(404, 'not-found', `no such ${isApi ? 'endpoint' : 'page'}: ${path}`);
}

function narrowMethod(method: string | undefined): Method | undefined {
  return method === 'GET' || method === 'POST' ? method : undefined;
}

function decodeParam(raw: string | undefined): string {
  try {
    return decodeURIComponent(raw ?? '');
  } catch {
    throw new ConsoleHttpError(400, 'invalid-path', 'the path is not valid percent-encoding');
  }
}
