import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { WebhookRequest } from './webhook-router.ts';

/**
 * A Lambda Function URL event as the webhook router reads it: lower-case headers, decoded body,
 * and `host` set to the Function URL's domain (requestContext.domainName), not the caller's Host.
 */
export function webhookRequestFromFunctionUrl(event: APIGatewayProxyEventV2): WebhookRequest {
  const headers: Record<string, string | undefined> = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  // The Twilio signature is checked over the URL Twilio called. On a Function URL that is the
  // function's own domain, which Lambda reports in requestContext.domainName; the Host header is
  // whatever the caller wrote, so it never names the host we verify against.
  headers.host = event.requestContext.domainName;
  const raw = event.body ?? '';
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: event.rawQueryString ?? '',
    headers,
    rawBody: event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw,
  };
}
