import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Wire details the loopback AWS endpoints share: `put-events-server.ts` (part of `npm start`) and
 * the test-only `tests/support/aws/sqs-api-server.ts`. They accept any SigV4 signature: nothing here holds secrets, and
 * what matters for a local endpoint is that the real SDKs and the AWS CLI talk to it unchanged.
 */

/** The account id the loopback endpoints put in ARNs and event envelopes. */
export const LOCAL_ACCOUNT_ID = '000000000000';

/** The region used when a request carries no SigV4 credential scope (e.g. an unsigned curl). */
export const DEFAULT_LOCAL_REGION = 'us-east-1';

// `Credential=<access key>/<yyyymmdd>/<region>/<service>/aws4_request` (SigV4 credential scope).
const CREDENTIAL_SCOPE = /Credential=[^/,\s]+\/\d{8}\/([a-z0-9-]+)\/[^/,\s]+\/aws4_request/;

/**
 * The region a SigV4-signed request was signed for, read from its credential scope, so a local
 * endpoint answers in the region the client believes it is talking to (ARNs, envelopes).
 */
export function regionOfRequest(req: IncomingMessage): string | undefined {
  const authorization = headerOf(req, 'authorization');
  if (authorization === undefined) return undefined;
  return CREDENTIAL_SCOPE.exec(authorization)?.[1];
}

/** One request header as a single string (the first, when Node collected several). */
export function headerOf(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** A request id in the shape AWS uses (a UUID), sent back as `x-amzn-RequestId`. */
export function newRequestId(): string {
  return randomUUID();
}

/**
 * Write an AWS JSON answer. `body === undefined` sends an empty body, which is what REST-JSON
 * operations without output members (e.g. Scheduler's DeleteSchedule) return.
 */
export function writeAwsJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': contentType,
    'content-length': String(Buffer.byteLength(payload)),
    ...headers,
  });
  res.end(payload);
}

/** Parse JSON, returning `undefined` instead of throwing (the caller answers with the service's error). */
export function parseJsonOrUndefined(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) };
  } catch {
    return undefined;
  }
}
