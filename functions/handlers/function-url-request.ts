import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { WebhookRequest } from './webhook-router.ts';

/** A Lambda Function URL event as the webhook router reads it: lower-case headers, decoded body. */
export function webhookRequestFromFunctionUrl(event: APIGatewayProxyEventV2): WebhookRequest {
  const headers = Object.fromEntries(
    Object.entries(event.headers ?? {}).map(([name, value]) => [name.toLowerCase(), value]),
  );
  const raw = event.body ?? '';
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query: event.rawQueryString ?? '',
    headers,
    rawBody: event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw,
  };
}
