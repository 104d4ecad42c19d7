// The hot path's DynamoDB client (dynamo-client.ts): without a logger it drops the SDK's logging
// middleware (which filters every input and output for a line the default logger discards) and
// still answers calls; with a logger, that logger hears every call as the SDK would log it. The
// oracle is the SDK itself: its stack listing and what its logger receives. The HTTP handler is
// a stub answering a canned GetItem response, so no server is needed.
import { Readable } from 'node:stream';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createDynamoClient } from '../../../functions/adapters/dynamodb/dynamo-client.ts';

const ITEM = { PK: { S: 'CUST#c-1' }, SK: { S: 'PROFILE' } };

/** A request handler that answers every request with one stored item, counting requests. */
function cannedHandler() {
  const requests: string[] = [];
  return {
    requests,
    handler: {
      handle: async (request: { headers: Record<string, string> }) => {
        requests.push(request.headers['x-amz-target'] ?? '');
        return {
          response: {
            statusCode: 200,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: Readable.from([Buffer.from(JSON.stringify({ Item: ITEM }))]),
          },
        };
      },
    },
  };
}

const base = { region: 'eu-north-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' } };
const get = new GetItemCommand({ TableName: 'nudge-test', Key: ITEM });

describe('createDynamoClient', () => {
  it('without a logger: no SDK logging middleware, and a call still goes out and answers', async () => {
    const stub = cannedHandler();
    const client = createDynamoClient({ ...base, requestHandler: stub.handler });

    const names = client.middlewareStack.identify().join('\n');
    const answer = await client.send(get);

    expect(names).not.toContain('loggerMiddleware');
    expect(names).toContain('serializerMiddleware');
    expect(names).toContain('httpSigningMiddleware');
    expect(stub.requests).toEqual(['DynamoDB_20120810.GetItem']);
    expect(answer.Item).toEqual(ITEM);
  });

  it('with a logger: the SDK logs each call to it', async () => {
    const stub = cannedHandler();
    const lines: unknown[] = [];
    const logger = {
      debug: () => {},
      info: (line: unknown) => lines.push(line),
      warn: () => {},
      error: () => {},
    };
    const client = createDynamoClient({ ...base, requestHandler: stub.handler, logger });

    await client.send(get);

    expect(client.middlewareStack.identify().join('\n')).toContain('loggerMiddleware');
    expect(lines).toEqual([expect.objectContaining({ commandName: 'GetItemCommand', input: get.input })]);
  });
});
