import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { maskPiiText } from '../../functions/core/customers/mask-pii.ts';
import type { ConsoleBackend } from './console-backend.ts';
import { CustomerZones } from './customer-zones.ts';
import { html } from './html.ts';
import { ConsoleHttpError, checkOrigin, sendHtml, sendJsonError } from './http-io.ts';
import type { MetricsSource } from './metrics-route.ts';
import { API_ROUTES } from './routes/api-routes.ts';
import { PAGE_ROUTES } from './routes/page-routes.ts';
import { errorPage } from './routes/page-view.ts';
import { dispatch, type RouteContext } from './routes/route.ts';
import { STATIC_ROUTES } from './routes/static-routes.ts';

/** How to start the console. */
export interface ConsoleServerOptions {
  backend: ConsoleBackend;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The console only ever listens on loopback. */
  host?: '127.0.0.1';
  /**
   * Told about unexpected failures (a backend that throws). The client only ever gets a generic
   * 500; by default the error's name and PII-masked message go to stderr.
   */
  onError?: (error: unknown) => void;
  /** Served at `GET /api/metrics` (metrics-route.ts): the local runtime's in-memory metrics. */
  metrics?: MetricsSource;
}

/** A running console. */
export interface ConsoleServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:49152`. */
  url: string;
  /** Stops listening, closes open connections and waits for the server to close. */
  stop(): Promise<void>;
}

// Routes are tables (routes/*.ts): adding an endpoint is one line there.
const BROWSER_ROUTES = [...PAGE_ROUTES, ...STATIC_ROUTES];

interface Console {
  backend: ConsoleBackend;
  zones: CustomerZones;
  metrics: MetricsSource | undefined;
  onError: (error: unknown) => void;
  /** `host:port` names this console answers to (set once it listens). */
  allowedHosts: Set<string>;
}

/**
 * Starts the operations console: server-rendered pages and a JSON API over a
 * {@link ConsoleBackend}, on node:http, bound to 127.0.0.1 only.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const { backend } = options;
  const host = options.host ?? '127.0.0.1';
  const app: Console = {
    backend,
    zones: new CustomerZones(backend),
    metrics: options.metrics,
    onError: options.onError ?? defaultOnError,
    allowedHosts: new Set(),
  };
  const server: Server = createServer((req, res) => {
    handle(app, req, res).catch((error: unknown) => {
      app.onError(error);
      if (!res.headersSent)
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('internal error');
      else res.destroy();
    });
  });
  const port = await listen(server, options.port ?? 0, host);
  app.allowedHosts = new Set([`${host}:${port}`, `localhost:${port}`]);
  let stopping: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    stop() {
      stopping ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopping;
    },
  };
}

async function listen(server: Server, port: number, host: string): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('console server has no TCP address');
  return address.port;
}

/** Guards, then the route; every refusal or failure becomes a JSON error (API) or a page. */
async function handle(app: Console, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const nonce = randomBytes(16).toString('base64');
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://console.invalid');
  } catch {
    sendJsonError(res, 400, 'invalid-path', 'the request target is not a valid path');
    return;
  }
  const path = url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname;
  const isApi = path === '/api' || path.startsWith('/api/');
  const ctx: RouteContext = { req, res, url, params: [], nonce, backend: app.backend, zones: app.zones };
  if (app.metrics !== undefined) ctx.metrics = app.metrics;
  try {
    checkOrigin(req, app.allowedHosts);
    await dispatch(isApi ? API_ROUTES : BROWSER_ROUTES, path, ctx);
  } catch (error) {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    if (error instanceof ConsoleHttpError) return refuse(ctx, isApi, error);
    app.onError(error);
    refuse(ctx, isApi, new ConsoleHttpError(500, 'internal', 'internal error: see the runtime log'));
  }
}

function refuse(ctx: RouteContext, isApi: boolean, error: ConsoleHttpError): void {
  if (isApi) sendJsonError(ctx.res, error.status, error.code, error.message, error.headers);
  else if (error.status === 405 || error.status === 403) {
    // No page frame for refused requests: they never reach the backend.
    sendHtml(
      ctx.res,
      error.status,
      html`<!doctype html><title>${error.message}</title><p>${error.message}</p>`,
      ctx.nonce,
      error.headers,
    );
  } else errorPage(ctx, error.status, statusTitle(error.status), error.message);
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
