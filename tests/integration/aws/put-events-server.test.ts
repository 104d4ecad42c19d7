import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  type EventBridgeEvent,
  type PutEventsDelivery,
  type PutEventsServer,
  startPutEventsServer,
} from '../../../local/aws/put-events-server.ts';

const run = promisify(execFile);

interface RawAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A hand-made JSON 1.1 request, as `curl -H 'X-Amz-Target: …' --data …` would send it. */
function postRaw(url: string, body: string, headers: Record<string, string>): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const JSON_11 = { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'AWSEvents.PutEvents' };

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function awsCliAvailable(): Promise<boolean> {
  try {
    await run('aws', ['--version'], { timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

describe('PutEvents loopback endpoint', () => {
  let server: PutEventsServer;
  let client: EventBridgeClient;
  let delivered: Array<{ events: EventBridgeEvent[]; delivery: PutEventsDelivery }>;
  let consumerFails = false;

  beforeAll(async () => {
    server = await startPutEventsServer({
      host: '127.0.0.1',
      onEvents: (events, delivery) => {
        if (consumerFails) throw new Error('consumer down');
        delivered.push({ events, delivery });
      },
    });
    client = new EventBridgeClient({
      endpoint: server.url,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await server.stop();
  });

  beforeEach(() => {
    delivered = [];
    consumerFails = false;
  });

  it('accepts the SDK, delivers valid entries as target envelopes and fails malformed ones per entry', async () => {
    // Act
    const answer = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            Source: 'acme.policies',
            DetailType: 'PolicyRenewalDue',
            Detail: JSON.stringify({ policyId: 'P-1', renewalDate: '2026-12-07' }),
            Time: new Date('2026-11-23T09:00:00.750Z'),
            Resources: ['arn:aws:acme:::policy/P-1'],
            EventBusName: 'journeys',
          },
          { Source: 'acme.policies', DetailType: 'Broken', Detail: '{"policyId": ' },
          { Source: 'acme.policies', DetailType: 'NotAnObject', Detail: '[1,2,3]' },
          { Source: 'acme.policies', Detail: '{}' },
          { Source: 'acme.orders', DetailType: 'ParcelLate', Detail: '{"orderId":"O-9"}' },
        ],
      }),
    );

    // Assert: per-entry results, in request order
    expect(answer.FailedEntryCount).toBe(3);
    expect(answer.Entries?.[0]?.EventId).toMatch(/^[0-9a-f-]{36}$/);
    expect(answer.Entries?.[1]).toEqual({
      ErrorCode: 'MalformedDetail',
      ErrorMessage: 'Detail is malformed.',
    });
    expect(answer.Entries?.[2]).toEqual({
      ErrorCode: 'MalformedDetail',
      ErrorMessage: 'Detail is malformed.',
    });
    expect(answer.Entries?.[3]).toEqual({
      ErrorCode: 'InvalidArgument',
      ErrorMessage: 'Parameter DetailType is not valid. Reason: DetailType is a required argument.',
    });
    expect(answer.Entries?.[4]?.EventId).toBeDefined();

    // Assert: the two valid entries reached the consumer as EventBridge envelopes
    expect(delivered).toHaveLength(1);
    const [renewal, parcel] = delivered[0]?.events ?? [];
    expect(renewal).toEqual({
      version: '0',
      id: answer.Entries?.[0]?.EventId,
      'detail-type': 'PolicyRenewalDue',
      source: 'acme.policies',
      account: '000000000000',
      time: '2026-11-23T09:00:00Z',
      region: 'eu-north-1',
      resources: ['arn:aws:acme:::policy/P-1'],
      detail: { policyId: 'P-1', renewalDate: '2026-12-07' },
    });
    expect(parcel?.id).toBe(answer.Entries?.[4]?.EventId);
    expect(parcel?.resources).toEqual([]);
    expect(parcel?.time).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    expect(delivered[0]?.delivery.eventBusNames).toEqual(['journeys', 'default']);
  });

  it('accepts a raw, unsigned JSON 1.1 request (curl-style) and answers in JSON 1.1', async () => {
    // Act
    const answer = await postRaw(
      server.url,
      JSON.stringify({
        Entries: [
          {
            Source: 'curl.test',
            DetailType: 'Ping',
            Detail: '{"n":1}',
            Time: Date.parse('2026-11-22T09:00:00Z') / 1000,
          },
        ],
      }),
      JSON_11,
    );

    // Assert
    expect(answer.status).toBe(200);
    expect(answer.headers['content-type']).toBe('application/x-amz-json-1.1');
    expect(answer.headers['x-amzn-requestid']).toBeDefined();
    const body = JSON.parse(answer.body);
    expect(body.FailedEntryCount).toBe(0);
    expect(body.Entries[0].EventId).toBe(delivered[0]?.events[0]?.id);
    expect(delivered[0]?.events[0]?.time).toBe('2026-11-22T09:00:00Z');
    expect(delivered[0]?.events[0]?.region).toBe('us-east-1');
  });

  it('answers an unknown X-Amz-Target with the service error shape', async () => {
    // Act
    const answer = await postRaw(server.url, '{}', { ...JSON_11, 'x-amz-target': 'AWSEvents.ListRules' });

    // Assert
    expect(answer.status).toBe(400);
    const body = JSON.parse(answer.body);
    expect(body.__type).toBe('UnknownOperationException');
    expect(typeof body.message).toBe('string');
  });

  it('rejects a body that is not JSON with SerializationException', async () => {
    const answer = await postRaw(server.url, '{"Entries": [', JSON_11);
    expect(answer.status).toBe(400);
    expect(JSON.parse(answer.body).__type).toBe('SerializationException');
  });

  it('rejects more than 10 entries, and none, with ValidationException', async () => {
    // Arrange
    const entry = { Source: 's', DetailType: 'd', Detail: '{}' };

    // Act
    const tooMany = await rejectionOf(client.send(new PutEventsCommand({ Entries: Array(11).fill(entry) })));
    const none = await rejectionOf(client.send(new PutEventsCommand({ Entries: [] })));

    // Assert
    expect(tooMany).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect(none).toMatchObject({ name: 'ValidationException' });
    expect(delivered).toEqual([]);
  });

  it('rejects a request over 256 KiB of entries', async () => {
    const big = JSON.stringify({ pad: 'x'.repeat(140 * 1024) });
    const error = await rejectionOf(
      client.send(
        new PutEventsCommand({
          Entries: [
            { Source: 's', DetailType: 'd', Detail: big },
            { Source: 's', DetailType: 'd', Detail: big },
          ],
        }),
      ),
    );
    expect(error).toMatchObject({
      name: 'ValidationException',
      message: 'Total size of the entries in the request is over the limit.',
    });
  });

  it('fails the entries with InternalFailure when the consumer throws', async () => {
    // Arrange
    consumerFails = true;

    // Act
    const answer = await client.send(
      new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }),
    );

    // Assert
    expect(answer.FailedEntryCount).toBe(1);
    expect(answer.Entries?.[0]?.ErrorCode).toBe('InternalFailure');
  });

  it('works with `aws events put-events --endpoint-url`', async () => {
    // The AWS CLI ships with this machine image (pyenv's Python); without it this test fails
    // rather than skipping, so the CLI path is never silently untested.
    expect(
      await awsCliAvailable(),
      'the aws CLI is needed: pip install awscli or apt-get install awscli',
    ).toBe(true);
    // Arrange
    const dir = await mkdtemp(join(tmpdir(), 'nudge-put-events-'));
    const entriesFile = join(dir, 'entries.json');
    await writeFile(
      entriesFile,
      JSON.stringify([
        { Source: 'cli.test', DetailType: 'FromCli', Detail: '{"ok":true}', Time: '2026-11-23T09:00:00Z' },
        { Source: 'cli.test', DetailType: 'FromCli', Detail: 'nope' },
      ]),
    );

    try {
      // Act
      const { stdout } = await run(
        'aws',
        [
          'events',
          'put-events',
          '--endpoint-url',
          server.url,
          '--region',
          'eu-west-1',
          '--entries',
          `file://${entriesFile}`,
          '--output',
          'json',
        ],
        {
          timeout: 60_000,
          env: {
            PATH: process.env.PATH,
            HOME: dir,
            AWS_ACCESS_KEY_ID: 'AKIDLOCAL',
            AWS_SECRET_ACCESS_KEY: 'local-secret',
            AWS_EC2_METADATA_DISABLED: 'true',
          },
        },
      );

      // Assert
      const answer = JSON.parse(stdout);
      expect(answer.FailedEntryCount).toBe(1);
      expect(answer.Entries[1]).toEqual({
        ErrorCode: 'MalformedDetail',
        ErrorMessage: 'Detail is malformed.',
      });
      expect(delivered[0]?.events).toMatchObject([
        {
          source: 'cli.test',
          'detail-type': 'FromCli',
          time: '2026-11-23T09:00:00Z',
          region: 'eu-west-1',
          detail: { ok: true },
        },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('PutEvents back-pressure', () => {
  it('holds a request while the backlog is full, delivers it once there is room, and throttles after the longest wait', async () => {
    // Arrange: a consumer whose backlog the test controls.
    let backlog = 3;
    const delivered: string[] = [];
    const server = await startPutEventsServer({
      onEvents: (events) => {
        delivered.push(...events.map((event) => event['detail-type']));
      },
      backPressure: { backlog: () => backlog, limit: 3, maxWaitMs: 400, pollMs: 2 },
    });
    const client = new EventBridgeClient({
      endpoint: server.url,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      maxAttempts: 1,
    });
    const put = (detailType: string) =>
      client.send(
        new PutEventsCommand({ Entries: [{ Source: 'acme.test', DetailType: detailType, Detail: '{}' }] }),
      );
    try {
      // Act 1: full backlog, room 150 ms later.
      const held = put('Held');
      await new Promise((resolve) => setTimeout(resolve, 150));
      const deliveredWhileFull = [...delivered];
      backlog = 2;
      const answer = await held;
      // Act 2: full backlog that never drains.
      backlog = 3;
      const refused = await rejectionOf(put('Refused'));

      // Assert
      expect(deliveredWhileFull).toEqual([]);
      expect(answer.FailedEntryCount).toBe(0);
      expect(delivered).toEqual(['Held']);
      expect(refused).toMatchObject({ name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
      expect(server.requests().map((request) => request.status)).toEqual([200, 400]);
    } finally {
      client.destroy();
      await server.stop();
    }
  });
});
