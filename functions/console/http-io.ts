import type { SafeHtml } from './html.ts';

/*
 * The console's HTTP edge in one place: the request guards (Host and CSRF checks, body size,
 * media types) and the response writers (security headers and the CSP on every page).
 */

/** Largest request body the console accepts (a batch of test events is far smaller). */
const MAX_BODY_BYTES = 256 * 1024;
// Past this we stop draining and drop the connection: a runaway client must not keep us reading.
const DRAIN_LIMIT_BYTES = 8 * 1024 * 1024;

/**
 * A request the console refuses, with the HTTP status and a stable code for the JSON API.
 * Thrown by the request-reading helpers and mapped to a response in one place.
 */
export class ConsoleHttpError extends Error {
  override readonly name = 'ConsoleHttpError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Refuses requests that did not come from the console itself. The Host check stops DNS
 * rebinding (a web page whose name resolves to 127.0.0.1 reading customer data); on writes, the
 * Origin and Sec-Fetch-Site checks stop another site's page from posting events or replies
 * (CSRF). Clients like curl send neither header and pass. `origins` are the console's own
 * origins (`http://127.0.0.1:3000`, `https://abc.lambda-url.eu-north-1.on.aws`).
 */
export function checkOrigin(req: Request, origins: readonly string[]): void {
  const host = (req.headers.get('host') ?? '').toLowerCase();
  const own = origins.find((origin) => new URL(origin).host === host);
  if (own === undefined) {
    throw new ConsoleHttpError(
      403,
      'forbidden-host',
      `host ${host === '' ? '(none)' : host} is not this console`,
    );
  }
  // Reading needs no check beyond Host (the browser's same-origin policy keeps other sites from
  // reading the answer), and a link from another local tool to a console page must keep working.
  if (req.method === 'GET' || req.method === 'HEAD') return;
  const origin = req.headers.get('origin');
  if (origin !== null && origin !== own) {
    throw new ConsoleHttpError(403, 'cross-origin', `requests from ${origin} are not accepted`);
  }
  const site = req.headers.get('sec-fetch-site');
  if (site !== null && site !== 'same-origin' && site !== 'none') {
    throw new ConsoleHttpError(403, 'cross-origin', `cross-site requests (${site}) are not accepted`);
  }
}

/**
 * Reads the whole body as UTF-8, refusing more than {@link MAX_BODY_BYTES} with a 413. The rest
 * of an oversized body is drained (up to a hard cap) rather than left unread, so the client gets
 * to read the 413 instead of a reset connection.
 */
export async function readBody(req: Request): Promise<string> {
  const declared = Number(req.headers.get('content-length') ?? '0');
  if (Number.isFinite(declared) && declared > DRAIN_LIMIT_BYTES) throw tooLarge();
  if (req.body === null) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = req.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > DRAIN_LIMIT_BYTES) {
      await reader.cancel();
      break;
    }
    if (size <= MAX_BODY_BYTES) chunks.push(value);
  }
  if (size > MAX_BODY_BYTES) throw tooLarge();
  return Buffer.concat(chunks).toString('utf8');
}

function tooLarge(): ConsoleHttpError {
  return new ConsoleHttpError(413, 'payload-too-large', `request body exceeds ${MAX_BODY_BYTES} bytes`);
}

/** The media type of a request without parameters, lower-cased (`application/json`). */
function mediaType(req: Request): string {
  return (req.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Requires a media type on a POST; a 415 otherwise. */
export function requireMediaType(req: Request, accepted: (type: string) => boolean, expected: string): void {
  const type = mediaType(req);
  if (!accepted(type)) {
    throw new ConsoleHttpError(
      415,
      'unsupported-media-type',
      `expected content-type ${expected}, got ${type === '' ? 'none' : type}`,
    );
  }
}

/** `application/json` or any `…+json`. */
export function isJsonType(type: string): boolean {
  return type === 'application/json' || /^application\/[\w.-]+\+json$/.test(type);
}

/** Parses JSON, or a 400 that names the problem (the parser's message says where). */
export function parseJson(text: string, what: string): unknown {
  if (text.trim() === '') throw new ConsoleHttpError(400, 'invalid-json', `${what} is empty: expected JSON`);
  try {
    return JSON.parse(text);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new ConsoleHttpError(400, 'invalid-json', `${what} is not valid JSON: ${detail}`);
  }
}

const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  // `same-origin`, not `no-referrer`: with no-referrer Chrome sends `Origin: null` on form posts,
  // which the CSRF check must refuse; same-origin still tells no other site where the user was.
  'referrer-policy': 'same-origin',
} as const;

/**
 * The policy for every console page. Only the inline script carrying this response's nonce may
 * run; styles may be inline (the console's and the email previews'); images only from here or
 * data: URLs, so previewing an email never calls out to a tracking pixel; no page may frame the
 * console; forms post only back to it.
 */
function contentSecurityPolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    "style-src 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** A JSON answer. */
export function jsonResponse(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { ...COMMON_HEADERS, 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** The JSON error shape every API route uses: `{ error: { code, message } }`. */
export function jsonError(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return jsonResponse(status, { error: { code, message } }, headers);
}

/** A page with the console's security headers. */
export function htmlResponse(
  status: number,
  page: SafeHtml,
  nonce: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(page.toString(), {
    status,
    headers: {
      ...COMMON_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': contentSecurityPolicy(nonce),
      'x-frame-options': 'DENY',
      ...headers,
    },
  });
}

/** A 303 to a console path, so a reload after a form post never posts again. */
export function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { ...COMMON_HEADERS, location } });
}

/** Narrows a JSON value to a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
