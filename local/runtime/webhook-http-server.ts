import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import {
  MAX_WEBHOOK_BODY_BYTES,
  type WebhookRequest,
  type WebhookResponse,
} from '../../functions/handlers/webhook-router.ts';
import { refuseForeignHost } from '../loopback-host.ts';

/**
 * Serves the webhook router on loopback, as the Lambda Function URL does in AWS: the same router,
 * the same signature checks; only the HTTP framing differs.
 */
export async function startWebhookHttpServer(options: {
  port?: number;
  route: (request: WebhookRequest) => Promise<WebhookResponse>;
  onError?: (error: unknown) => void;
}): Promise<{ url: string; port: number; stop(): Promise<void> }> {
  let port = options.port ?? 0;
  const server = createServer((req, res) => {
    // DNS rebinding: only requests addressed to this server by a loopback name (loopback-host.ts).
    if (refuseForeignHost(req, res, port)) return;
    void handle(req, res, options.route).catch((error: unknown) => {
      options.onError?.(error);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('internal error');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('webhook server has no TCP address');
  port = address.port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A body this large is not read to the end at all: the connection is dropped. */
const DISCARD_LIMIT_BYTES = 16 * 1024 * 1024;

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  route: (request: WebhookRequest) => Promise<WebhookResponse>,
): Promise<void> {
  const chunks: Buffer[] = [];
  let size = 0;
  let kept = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    // Past the limit the rest is read and dropped, not kept: leaving the loop would destroy the
    // request, and the client would see a reset instead of the 413 the router answers.
    if (size > DISCARD_LIMIT_BYTES) {
      req.destroy();
      return;
    }
    // One byte over the limit is kept, so the router sees the body is too large and says so.
    const room = MAX_WEBHOOK_BODY_BYTES + 1 - kept;
    if (room > 0) {
      chunks.push(buffer.subarray(0, room));
      kept += Math.min(room, buffer.length);
    }
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers[name.toLowerCase()] = value;
    else if (Array.isArray(value)) headers[name.toLowerCase()] = value.join(',');
  }
  const response = await route({
    method: req.method ?? 'GET',
    path: url.pathname,
    query: url.search.replace(/^\?/, ''),
    headers,
    rawBody: Buffer.concat(chunks).toString('utf8'),
  });
  res.writeHead(response.status, response.headers);
  res.end(response.body);
}
