import type { LambdaContext, LambdaEvent } from 'hono/aws-lambda';

/**
 * An API Gateway HTTP API (payload 2.0) event as the console function receives it, for tests that
 * drive the console through its Lambda host (hono/aws-lambda `handle`).
 */
export function httpApiEvent(
  method: string,
  path: string,
  options: { domain: string; headers?: Record<string, string>; body?: string; query?: string },
): LambdaEvent {
  const [prefix = ''] = options.domain.split('.');
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: options.query ?? '',
    headers: { host: options.domain, 'user-agent': 'test', ...options.headers },
    requestContext: {
      accountId: '111122223333',
      apiId: prefix,
      authentication: null,
      authorizer: {},
      domainName: options.domain,
      domainPrefix: prefix,
      http: { method, path, protocol: 'HTTP/1.1', sourceIp: '198.51.100.7', userAgent: 'test' },
      requestId: 'req-1',
      routeKey: '$default',
      stage: '$default',
      time: '24/Nov/2026:09:10:00 +0000',
      timeEpoch: 1795338600000,
    },
    isBase64Encoded: false,
    body: options.body ?? null,
  };
}

/** The Lambda context the console function gets (only the request id matters to it). */
export const lambdaContext: LambdaContext = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'nudge-console',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-north-1:111122223333:function:nudge-console',
  memoryLimitInMB: '512',
  awsRequestId: 'req-1',
  logGroupName: '/aws/lambda/nudge-console',
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 10_000,
};
