import { setMaxListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { refuseForeignHost } from '../loopback-host.ts';

/** The one host the sandboxes bind: nothing here may listen beyond loopback. */
export const LOOPBACK_HOST = '127.0.0.1';

/** A started loopback HTTP server. */
export interface LoopbackServer {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:49152`. */
  readonly url: string;
  readonly port: number;
  /** Aborted when {@link LoopbackServer.close} starts: timers and outgoing requests listen to it. */
  readonly signal: AbortSignal;
  /** Stop listening, destroy every open connection (hung requests included) and wait for the close. */
  close(): Promise<void>;
}

/** A request handler; a rejection is answered with a bare 500 so a sandbox bug never hangs a test. */
export type RequestHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  signal: AbortSignal,
) => Promise<void>;

/** Start an HTTP server on 127.0.0.1 (port 0 picks a free one). */
export async function startLoopbackServer(handler: RequestHandler, port = 0): Promise<LoopbackServer> {
  const controller = new AbortController();
  // One stop signal for every request in flight: each delayed answer or webhook listens on it, so
  // a busy sandbox has far more than Node's default ten listeners without any leak.
  setMaxListeners(0, controller.signal);
  let actualPort = port;
  const server: Server = createServer((req, res) => {
    // DNS rebinding: only requests addressed to this server by a loopback name (loopback-host.ts).
    if (refuseForeignHost(req, res, actualPort)) return;
    handler(req, res, controller.signal).catch(() => {
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'content-type': 'text/plain' }).end('sandbox error');
      } else {
        res.destroy();
      }
    });
  });
  // Clients (axios over Node's global agent) drop idle sockets after 5 s; keeping ours open
  // longer means the server is never the side that closes a socket the client is about to reuse.
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, LOOPBACK_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('sandbox server has no TCP address');
  actualPort = address.port;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${LOOPBACK_HOST}:${actualPort}`,
    port: actualPort,
    signal: controller.signal,
    close() {
      closing ??= new Promise<void>((resolve) => {
        controller.abort();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Thrown by {@link readBody} when the body is larger than allowed. */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
}

/** Read the whole request body as a UTF-8 string, refusing more than `limitBytes`. */
export async function readBody(req: IncomingMessage, limitBytes: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limitBytes) throw new PayloadTooLargeError(`body exceeds ${limitBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Wait `ms`, resolving `false` instead of throwing if the signal aborts first. */
export async function pause(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
}

/** Write a JSON answer. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': String(Buffer.byteLength(payload)),
    ...headers,
  });
  res.end(payload);
}

/** The `Retry-After` header for a failure, if it has one. */
export function retryAfterHeader(retryAfterSeconds: number | undefined): Record<string, string> {
  return retryAfterSeconds === undefined ? {} : { 'retry-after': String(retryAfterSeconds) };
}

/** Narrow an unknown JSON value to a plain object. */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
