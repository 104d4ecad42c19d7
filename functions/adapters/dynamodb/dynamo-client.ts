import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';

/** The SDK's logging middleware, by the name it is registered under in every v3 client's stack. */
const SDK_LOGGER_MIDDLEWARE = 'loggerMiddleware';

/**
 * A DynamoDB client for the hot path. Without a `logger` in `config`, the SDK's logging
 * middleware is taken off the stack: the default logger drops every line, yet the middleware
 * still walks each call's whole input and output through the sensitive-data filter to build the
 * line it drops (a measurable share of Node's CPU per call; BENCHMARKS.md, end to end). With a
 * `logger` the client is left as the SDK builds it.
 */
export function createDynamoClient(config: DynamoDBClientConfig = {}): DynamoDBClient {
  const client = new DynamoDBClient(config);
  if (config.logger === undefined) client.middlewareStack.remove(SDK_LOGGER_MIDDLEWARE);
  return client;
}
