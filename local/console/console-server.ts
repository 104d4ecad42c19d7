import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { maskPiiText } from '../../functions/core/customers/mask-pii.ts';
import type { ConsoleBackend } from './console-backend.ts';
import { CustomerZones } from './customer-zones.ts';
import { html, type SafeHtml } from './html.ts';
import {
  ConsoleHttpError,
  isJsonType,
  isRecord,
  parseJson,
  readBody,
  redirect,
  requireMediaType,
  sendHtml,
  sendJson,
  sendJsonError,
} from './http-io.ts';
import { customerPage, customersPage } from './pages/customer-pages.ts';
import { layout, type PageFrame, type Section } from './pages/layout.ts';
import { messagePage } from './pages/message-page.ts';
import { outboxPage, zoneOf } from './pages/outbox-page.ts';
import { rulesPage } from './pages/rules-page.ts';
import { type TryView, tryPage } from './pages/try-page.ts';

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
}

/** A running console. */
export interface ConsoleServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:49152`. */
  url: string;
  /** Stops listening, closes open connections and waits for the server to close. */
  stop(): Promise<void>;
}

/** Most events one POST may carry: a test batch, not a bulk import. */
const MAX_EVENTS_PER_POST = 100;
const OUTBOX_PAGE_SIZE = 25;
const MAX_CURSOR_LENGTH = 2048;
const MAX_FROM_LENGTH = 64;
const MAX_REPLY_LENGTH = 1600;

type Method = 'GET' | 'POST';

interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Decoded path parameters, in order. */
  params: string[];
  nonce: string;
}

interface Route {
  pattern: RegExp;
  methods: Partial<Record<Method, (ctx: Context) => Promise<void>>>;
}

/**
 * Starts the operations console: server-rendered pages and a JSON API over a
 * {@link ConsoleBackend}, on node:http, bound to 127.0.0.1 only.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const { backend } = options;
  const host = options.host ?? '127.0.0.1';
  const onError = options.onError ?? defaultOnError;
  const zones = new CustomerZones(backend);
  let allowedHosts = new Set<string>();

  const frame = (nonce: string): PageFrame => ({
    clock: backend.clock(),
    endpoints: backend.endpoints(),
    nonce,
  });

  const page = (ctx: Context, status: number, title: string, section: Section, body: SafeHtml): void => {
    sendHtml(ctx.res, status, layout(frame(ctx.nonce), { title, section }, body), ctx.nonce);
  };

  const errorPage = (ctx: Context, status: number, title: string, message: string): void => {
    let body: SafeHtml;
    try {
      body = layout(
        frame(ctx.nonce),
        { title, section: 'none' },
        html`<h1>${title}</h1><div class="error" role="alert">${message}</div><p><a href="/">Back to the outbox</a></p>`,
      );
    } catch {
      // The backend itself is failing: still answer with a page, just without the header data.
      body = html`<!doctype html><title>${title}</title><h1>${title}</h1><p>${message}</p>`;
    }
    sendHtml(ctx.res, status, body, ctx.nonce);
  };

  // ---------------------------------------------------------------- pages

  const tryView = async (overrides: Partial<TryView>, selectedParam?: string | null): Promise<TryView> => {
    const [captured, rejected] = await Promise.all([backend.captured(50), backend.rejected(20)]);
    const samples = backend.samples();
    const wanted = Number(selectedParam ?? '0');
    const selected = Number.isInteger(wanted) && wanted >= 0 && wanted < samples.length ? wanted : 0;
    const lastSms = captured.find((item) => item.channel === 'sms');
    return {
      samples,
      selected,
      reply: { from: lastSms?.to ?? '', body: '' },
      captured,
      rejected,
      ...overrides,
    };
  };

  const pages: Route[] = [
    {
      pattern: /^\/$/,
      methods: {
        GET: async (ctx) => {
          const cursor = cursorParam(ctx.url);
          const result = await backend.listMessages({
            limit: OUTBOX_PAGE_SIZE,
            ...(cursor === undefined ? {} : { cursor }),
          });
          const found = await zones.lookup(result.items.map((item) => item.customerId));
          const body = outboxPage({
            items: result.items,
            zones: found,
            sent: ctx.url.searchParams.getAll('sent').slice(0, MAX_EVENTS_PER_POST),
            ...(cursor === undefined ? {} : { cursor }),
            ...(result.cursor === undefined ? {} : { nextCursor: result.cursor }),
          });
          page(ctx, 200, 'Outbox', '/', body);
        },
      },
    },
    {
      pattern: /^\/messages\/([^/]+)$/,
      methods: {
        GET: async (ctx) => {
          const id = ctx.params[0] ?? '';
          const record = await backend.getMessage(id);
          if (record === undefined)
            return errorPage(ctx, 404, 'Message not found', `No message with id ${id}.`);
          const found = await zones.lookup([record.customerId]);
          page(ctx, 200, `Message ${id}`, 'none', messagePage(record, zoneOf(record, found)));
        },
      },
    },
    {
      pattern: /^\/customers$/,
      methods: {
        GET: async (ctx) => {
          const customers = await backend.customers();
          const found = await zones.lookup(customers.slice(0, 200).map((customer) => customer.id));
          page(ctx, 200, 'Customers', '/customers', customersPage(customers, found));
        },
      },
    },
    {
      pattern: /^\/customers\/([^/]+)$/,
      methods: {
        GET: async (ctx) => {
          const id = ctx.params[0] ?? '';
          const [found, suppressions] = await Promise.all([
            backend.customer(id),
            backend.customerSuppressions(id),
          ]);
          if (found === undefined)
            return errorPage(ctx, 404, 'Customer not found', `No customer with id ${id}.`);
          zones.remember(id, found.profile?.timeZone);
          page(
            ctx,
            200,
            `Customer ${id}`,
            '/customers',
            customerPage({ customerId: id, ...found, suppressions: suppressions ?? [] }),
          );
        },
      },
    },
    {
      pattern: /^\/rules$/,
      methods: {
        GET: async (ctx) => {
          const rules = await backend.rules();
          const planned = rules.flatMap((rule) =>
            rule.nextPlanned.slice(0, 10).map((plan) => plan.customerId),
          );
          const found = await zones.lookup(planned);
          const body = rulesPage({
            issues: backend.ruleIssues(),
            rules,
            now: backend.clock().now,
            zones: found,
          });
          page(ctx, 200, 'Rules', '/rules', body);
        },
      },
    },
    {
      pattern: /^\/try$/,
      methods: {
        GET: async (ctx) => {
          const view = await tryView(
            { replied: ctx.url.searchParams.get('replied') === '1' },
            ctx.url.searchParams.get('sample'),
          );
          page(ctx, 200, 'Try it', '/try', tryPage(view));
        },
      },
    },
    {
      pattern: /^\/try\/events$/,
      methods: {
        POST: async (ctx) => {
          const form = await readForm(ctx.req);
          const text = form.get('event') ?? '';
          const fail = async (status: number, message: string): Promise<void> => {
            const view = await tryView({ eventText: text, eventError: message }, form.get('sample'));
            page(ctx, status, 'Try it', '/try', tryPage(view));
          };
          let events: Record<string, unknown>[];
          try {
            events = eventsFrom(parseJson(text, 'the event'));
          } catch (error) {
            if (error instanceof ConsoleHttpError) return fail(error.status, error.message);
            throw error;
          }
          const results = await sendEvents(backend, events);
          const failed = results.flatMap((result, index) =>
            result.ok ? [] : [`event ${index + 1}: ${result.error}`],
          );
          const sent = results.flatMap((result) => (result.ok ? [result.eventId] : []));
          if (failed.length > 0) {
            const also = sent.length > 0 ? ` (sent: ${sent.join(', ')})` : '';
            return fail(422, `Rejected — ${failed.join('; ')}${also}`);
          }
          redirect(ctx.res, `/?${sent.map((id) => `sent=${encodeURIComponent(id)}`).join('&')}`);
        },
      },
    },
    {
      pattern: /^\/try\/replies$/,
      methods: {
        POST: async (ctx) => {
          const form = await readForm(ctx.req);
          const from = (form.get('from') ?? '').trim();
          const body = (form.get('quick') ?? form.get('body') ?? '').trim();
          const problem = replyProblem(from, body);
          const result = problem === undefined ? await backend.replyAsCustomer({ from, body }) : undefined;
          if (result?.ok === true) return redirect(ctx.res, '/try?replied=1');
          const message = problem ?? (result?.ok === false ? result.error : 'reply failed');
          const view = await tryView({ reply: { from, body }, replyError: message });
          page(ctx, problem === undefined ? 422 : 400, 'Try it', '/try', tryPage(view));
        },
      },
    },
    {
      pattern: /^\/favicon\.ico$/,
      methods: {
        GET: async (ctx) => {
          ctx.res.writeHead(204, { 'cache-control': 'max-age=3600' }).end();
        },
      },
    },
  ];

  // ---------------------------------------------------------------- JSON API

  const api: Route[] = [
    {
      pattern: /^\/api\/messages$/,
      methods: {
        GET: async (ctx) => {
          const limit = limitParam(ctx.url, 50, 200);
          const cursor = cursorParam(ctx.url);
          const result = await backend.listMessages({ limit, ...(cursor === undefined ? {} : { cursor }) });
          sendJson(ctx.res, 200, {
            items: result.items,
            ...(result.cursor === undefined ? {} : { cursor: result.cursor }),
          });
        },
      },
    },
    {
      pattern: /^\/api\/messages\/([^/]+)$/,
      methods: {
        GET: async (ctx) => {
          const id = ctx.params[0] ?? '';
          const record = await backend.getMessage(id);
          if (record === undefined) throw new ConsoleHttpError(404, 'not-found', `no message with id ${id}`);
          sendJson(ctx.res, 200, record);
        },
      },
    },
    {
      pattern: /^\/api\/customers$/,
      methods: {
        GET: async (ctx) => sendJson(ctx.res, 200, { items: await backend.customers() }),
      },
    },
    {
      pattern: /^\/api\/customers\/([^/]+)$/,
      methods: {
        GET: async (ctx) => {
          const id = ctx.params[0] ?? '';
          const found = await backend.customer(id);
          if (found === undefined) throw new ConsoleHttpError(404, 'not-found', `no customer with id ${id}`);
          sendJson(ctx.res, 200, {
            id,
            profile: found.profile ?? null,
            messages: found.messages,
            replies: found.replies,
          });
        },
      },
    },
    {
      // The suppression entries of a customer's addresses (in force and lifted), with history.
      pattern: /^\/api\/customers\/([^/]+)\/suppressions$/,
      methods: {
        GET: async (ctx) => {
          const id = ctx.params[0] ?? '';
          const items = await backend.customerSuppressions(id);
          if (items === undefined) throw new ConsoleHttpError(404, 'not-found', `no customer with id ${id}`);
          sendJson(ctx.res, 200, { customerId: id, items });
        },
      },
    },
    {
      // One address's suppression, whoever it belongs to (the address URL-encoded: %2B for +).
      pattern: /^\/api\/suppressions\/(sms|email)\/([^/]+)$/,
      methods: {
        GET: async (ctx) => {
          const channel = ctx.params[0] === 'email' ? 'email' : 'sms';
          const entry = await backend.addressSuppression(channel, ctx.params[1] ?? '');
          if (entry === undefined)
            throw new ConsoleHttpError(404, 'not-found', `no ${channel} suppression for that address`);
          sendJson(ctx.res, 200, entry);
        },
      },
    },
    {
      pattern: /^\/api\/rules$/,
      methods: {
        GET: async (ctx) => {
          const rules = await backend.rules();
          const issues = backend.ruleIssues();
          sendJson(ctx.res, 200, { valid: issues.length === 0, issues, rules });
        },
      },
    },
    {
      pattern: /^\/api\/rejected$/,
      methods: {
        GET: async (ctx) =>
          sendJson(ctx.res, 200, { items: await backend.rejected(limitParam(ctx.url, 50, 500)) }),
      },
    },
    {
      pattern: /^\/api\/captured$/,
      methods: {
        GET: async (ctx) =>
          sendJson(ctx.res, 200, { items: await backend.captured(limitParam(ctx.url, 50, 500)) }),
      },
    },
    {
      pattern: /^\/api\/samples$/,
      methods: {
        GET: async (ctx) => sendJson(ctx.res, 200, { items: backend.samples() }),
      },
    },
    {
      pattern: /^\/api\/clock$/,
      methods: {
        GET: async (ctx) => sendJson(ctx.res, 200, backend.clock()),
      },
    },
    {
      pattern: /^\/api\/events$/,
      methods: {
        POST: async (ctx) => {
          requireMediaType(ctx.req, isJsonType, 'application/json');
          const events = eventsFrom(parseJson(await readBody(ctx.req), 'request body'));
          const results = await sendEvents(backend, events);
          const rejected = results.filter((result) => !result.ok).length;
          const summary = { accepted: results.length - rejected, rejected, results };
          if (rejected === 0) return sendJson(ctx.res, 200, summary);
          sendJson(ctx.res, 422, {
            error: { code: 'events-rejected', message: `${rejected} of ${results.length} events rejected` },
            ...summary,
          });
        },
      },
    },
    {
      pattern: /^\/api\/replies$/,
      methods: {
        POST: async (ctx) => {
          requireMediaType(ctx.req, isJsonType, 'application/json');
          const input = parseJson(await readBody(ctx.req), 'request body');
          if (!isRecord(input)) {
            throw new ConsoleHttpError(400, 'invalid-request', 'expected a JSON object { from, body }');
          }
          const from = typeof input.from === 'string' ? input.from.trim() : undefined;
          const body = typeof input.body === 'string' ? input.body.trim() : undefined;
          if (from === undefined)
            throw new ConsoleHttpError(400, 'invalid-request', '`from` must be a string');
          if (body === undefined)
            throw new ConsoleHttpError(400, 'invalid-request', '`body` must be a string');
          const problem = replyProblem(from, body);
          if (problem !== undefined) throw new ConsoleHttpError(400, 'invalid-request', problem);
          const result = await backend.replyAsCustomer({ from, body });
          if (!result.ok) throw new ConsoleHttpError(422, 'reply-rejected', result.error);
          sendJson(ctx.res, 200, result.note === undefined ? { ok: true } : { ok: true, note: result.note });
        },
      },
    },
  ];

  // ---------------------------------------------------------------- dispatch

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
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
    const base: Context = { req, res, url, params: [], nonce };
    const fail = (error: ConsoleHttpError): void => {
      if (isApi) sendJsonError(res, error.status, error.code, error.message, error.headers);
      else if (error.status === 405 || error.status === 403) {
        // No page frame for refused requests: they never reach the backend.
        sendHtml(
          res,
          error.status,
          html`<!doctype html><title>${error.message}</title><p>${error.message}</p>`,
          nonce,
          error.headers,
        );
      } else errorPage(base, error.status, statusTitle(error.status), error.message);
    };
    try {
      checkOrigin(req, allowedHosts);
      const routes = isApi ? api : pages;
      for (const route of routes) {
        const match = route.pattern.exec(path);
        if (match === null) continue;
        const method: Method | undefined = req.method === 'HEAD' ? 'GET' : narrowMethod(req.method);
        const handler = method === undefined ? undefined : route.methods[method];
        if (handler === undefined) {
          const allowed = Object.keys(route.methods).flatMap((name) =>
            name === 'GET' ? ['GET', 'HEAD'] : [name],
          );
          throw new ConsoleHttpError(
            405,
            'method-not-allowed',
            `${req.method ?? '?'} not allowed on ${path}`,
            {
              allow: allowed.join(', '),
            },
          );
        }
        await handler({ ...base, params: match.slice(1).map(decodeParam) });
        return;
      }
      throw new ConsoleHttpError(404, 'not-found', `no such ${isApi ? 'endpoint' : 'page'}: ${path}`);
    } catch (error) {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof ConsoleHttpError) return fail(error);
      onError(error);
      fail(new ConsoleHttpError(500, 'internal', 'internal error: see the runtime log'));
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      onError(error);
      if (!res.headersSent)
        res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('console server has no TCP address');
  const port = address.port;
  allowedHosts = new Set([`${host}:${port}`, `localhost:${port}`]);
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

/**
 * Refuses requests that did not come from the console itself. The Host check stops DNS
 * rebinding (a web page whose name resolves to 127.0.0.1 reading customer data); on writes, the
 * Origin and Sec-Fetch-Site checks stop another site's page from posting events or replies
 * (CSRF). Clients like curl send neither header and pass.
 */
function checkOrigin(req: IncomingMessage, allowedHosts: Set<string>): void {
  const host = req.headers.host ?? '';
  if (!allowedHosts.has(host.toLowerCase())) {
    throw new ConsoleHttpError(
      403,
      'forbidden-host',
      `host ${host === '' ? '(none)' : host} is not this console`,
    );
  }
  // Reading needs no check beyond Host (the browser's same-origin policy keeps other sites from
  // reading the answer), and a link from another local tool to a console page must keep working.
  if (req.method === 'GET' || req.method === 'HEAD') return;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) {
    throw new ConsoleHttpError(403, 'cross-origin', `requests from ${origin} are not accepted`);
  }
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') {
    throw new ConsoleHttpError(403, 'cross-origin', `cross-site requests (${site}) are not accepted`);
  }
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

function statusTitle(status: number): string {
  if (status === 404) return 'Not found';
  if (status === 413) return 'Too large';
  if (status === 415) return 'Unsupported form';
  if (status >= 500) return 'Something went wrong';
  return 'Bad request';
}

function limitParam(url: URL, fallback: number, max: number): number {
  const raw = url.searchParams.get('limit');
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new ConsoleHttpError(400, 'invalid-limit', `limit must be an integer from 1 to ${max}, got ${raw}`);
  }
  return value;
}

function cursorParam(url: URL): string | undefined {
  const raw = url.searchParams.get('cursor');
  if (raw === null || raw === '') return undefined;
  if (raw.length > MAX_CURSOR_LENGTH) {
    throw new ConsoleHttpError(400, 'invalid-cursor', `cursor longer than ${MAX_CURSOR_LENGTH} characters`);
  }
  return raw;
}

/** One event (an object) or an array of 1–{@link MAX_EVENTS_PER_POST} objects, else a 400. */
function eventsFrom(value: unknown): Record<string, unknown>[] {
  if (isRecord(value)) return [value];
  if (!Array.isArray(value)) {
    throw new ConsoleHttpError(
      400,
      'invalid-events',
      'expected one event (a JSON object) or an array of events',
    );
  }
  if (value.length === 0) throw new ConsoleHttpError(400, 'invalid-events', 'the array of events is empty');
  if (value.length > MAX_EVENTS_PER_POST) {
    throw new ConsoleHttpError(
      400,
      'invalid-events',
      `at most ${MAX_EVENTS_PER_POST} events per request, got ${value.length}`,
    );
  }
  return value.map((item: unknown, index) => {
    if (!isRecord(item)) {
      throw new ConsoleHttpError(400, 'invalid-events', `item ${index} of the array is not a JSON object`);
    }
    return item;
  });
}

type SendResult = { ok: true; eventId: string } | { ok: false; error: string };

// One at a time, in order: a batch often tells a story (booked, then completed) whose order matters.
async function sendEvents(backend: ConsoleBackend, events: Record<string, unknown>[]): Promise<SendResult[]> {
  const results: SendResult[] = [];
  for (const event of events) results.push(await backend.sendTestEvent(event));
  return results;
}

function replyProblem(from: string, body: string): string | undefined {
  if (from === '') return '`from` is required: the customer phone number the reply comes from';
  if (from.length > MAX_FROM_LENGTH) return `\`from\` is longer than ${MAX_FROM_LENGTH} characters`;
  if (body === '') return '`body` is required: the text of the reply';
  if (body.length > MAX_REPLY_LENGTH) return `\`body\` is longer than ${MAX_REPLY_LENGTH} characters`;
  return undefined;
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  requireMediaType(
    req,
    (type) => type === 'application/x-www-form-urlencoded',
    'application/x-www-form-urlencoded',
  );
  return new URLSearchParams(await readBody(req));
}

function defaultOnError(error: unknown): void {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  process.stderr.write(`[console] ${maskPiiText(text)}\n`);
}
