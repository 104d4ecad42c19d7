import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * DNS-rebinding protection for the local servers. A web page open in the developer's browser can
 * make its own name resolve to 127.0.0.1 and then call any local port with the page's name in
 * the `Host` header. Every local server therefore answers only requests addressed to itself by a
 * loopback name and its own port, as the console does (functions/console/http-io.ts): `127.0.0.1:<port>`,
 * `localhost:<port>` or `[::1]:<port>`. SDK clients and `fetch` pointed at the server's URL send
 * exactly that.
 */
function isOwnLoopbackHost(hostHeader: string | undefined, port: number): boolean {
  if (hostHeader === undefined) return false;
  const host = hostHeader.toLowerCase();
  return host === `127.0.0.1:${port}` || host === `localhost:${port}` || host === `[::1]:${port}`;
}

/**
 * Answers 403 and returns true when the request's `Host` is not this server's own loopback
 * address (see {@link isOwnLoopbackHost}); the caller then stops. The body is read and dropped
 * so the client sees the answer, not a reset.
 */
export function refuseForeignHost(req: IncomingMessage, res: ServerResponse, port: number): boolean {
  if (isOwnLoopbackHost(req.headers.host, port)) return false;
  req.resume();
  const body = `host ${req.headers.host === undefined || req.headers.host === '' ? '(none)' : req.headers.host} is not this local server`;
  res.writeHead(403, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
  return true;
}
