import { request } from 'node:http';
import {
  ConflictException,
  CreateScheduleCommand,
  GetScheduleCommand,
  ListSchedulesCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  atExpression,
  EventBridgeSendScheduler,
  SchedulerAdapterError,
  scheduleNameFor,
} from '../../../functions/adapters/scheduler/eventbridge-send-scheduler.ts';
import { ControllableClock } from '../../../functions/adapters/scheduler/local-send-scheduler.ts';
import type { SendQueue } from '../../../functions/app/ports.ts';
import { type SchedulerApiServer, startSchedulerApiServer } from '../../support/aws/scheduler-api-server.ts';

const GROUP = 'nudge-test';
const TARGET_ARN = 'arn:aws:sqs:eu-north-1:111122223333:nudge-send';
const ROLE_ARN = 'arn:aws:iam::111122223333:role/nudge-scheduler';
const DLQ_ARN = 'arn:aws:sqs:eu-north-1:111122223333:nudge-scheduler-dlq';
const NOW = DateTime.fromISO('2026-11-23T09:00:00Z', { zone: 'utc' });

class RecordingQueue implements SendQueue {
  readonly enqueued: string[] = [];
  readonly delays = new Map<string, number | undefined>();
  async enqueue(messageId: string, options: { delayMs?: number } = {}): Promise<void> {
    this.enqueued.push(messageId);
    this.delays.set(messageId, options.delayMs);
  }
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('EventBridgeSendScheduler against the loopback Scheduler API', () => {
  let server: SchedulerApiServer;
  let client: SchedulerClient;
  let queue: RecordingQueue;
  let scheduler: EventBridgeSendScheduler;
  let clock: ControllableClock;

  beforeAll(async () => {
    server = await startSchedulerApiServer({ groups: [GROUP] });
    client = new SchedulerClient({
      endpoint: server.url,
      region: 'eu-north-1',
      credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local-secret' },
      // One attempt, so an injected fault reaches the adapter instead of the SDK's retry loop.
      maxAttempts: 1,
    });
  });

  afterAll(async () => {
    client.destroy();
    await server.stop();
  });

  beforeEach(() => {
    queue = new RecordingQueue();
    clock = new ControllableClock({ start: NOW });
    scheduler = new EventBridgeSendScheduler({
      client,
      queue,
      groupName: GROUP,
      targetArn: TARGET_ARN,
      roleArn: ROLE_ARN,
      deadLetterArn: DLQ_ARN,
      clock,
    });
  });

  function callsFor(messageId: string) {
    return server.calls().filter((call) => call.name === scheduleNameFor(messageId));
  }

  it('creates one schedule with the exact at() expression, target, DLQ and self-deletion', async () => {
    // Arrange
    const messageId = 'm-0123456789abcdef0123456789abcdef';

    // Act
    await scheduler.schedule(messageId, DateTime.fromISO('2026-12-07T10:00:00+01:00', { setZone: true }));

    // Assert
    const stored = server.schedule(scheduleNameFor(messageId), GROUP);
    expect(stored).toMatchObject({
      Name: `nudge-${messageId}`,
      GroupName: GROUP,
      Arn: `arn:aws:scheduler:eu-north-1:000000000000:schedule/${GROUP}/nudge-${messageId}`,
      ScheduleExpression: 'at(2026-12-07T09:00:00)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Target: {
        Arn: TARGET_ARN,
        RoleArn: ROLE_ARN,
        DeadLetterConfig: { Arn: DLQ_ARN },
        RetryPolicy: { MaximumRetryAttempts: 20, MaximumEventAgeInSeconds: 3600 },
      },
    });
    expect(JSON.parse(stored?.Target.Input ?? '')).toEqual({ messageId });
    expect(queue.enqueued).toEqual([]);
    expect(callsFor(messageId).map((c) => `${c.operation} ${c.status}`)).toEqual(['CreateSchedule 200']);
  });

  it('reads back through GetSchedule and ListSchedules as the SDK models them', async () => {
    // Arrange
    await scheduler.schedule('m-readback', NOW.plus({ hours: 2 }));

    // Act
    const got = await client.send(new GetScheduleCommand({ Name: 'nudge-m-readback', GroupName: GROUP }));
    const listed = await client.send(
      new ListSchedulesCommand({ GroupName: GROUP, NamePrefix: 'nudge-m-readback' }),
    );

    // Assert
    expect(got.ScheduleExpression).toBe('at(2026-11-23T11:00:00)');
    expect(got.ActionAfterCompletion).toBe('DELETE');
    expect(got.Target?.DeadLetterConfig?.Arn).toBe(DLQ_ARN);
    expect(got.CreationDate).toBeInstanceOf(Date);
    expect(listed.Schedules?.map((s) => s.Name)).toEqual(['nudge-m-readback']);
  });

  it('keeps one schedule when the same message is scheduled twice, at the later time', async () => {
    // Arrange
    const messageId = 'm-twice';
    await scheduler.schedule(messageId, NOW.plus({ days: 14 }));

    // Act
    await scheduler.schedule(messageId, NOW.plus({ days: 15, minutes: 30 }));

    // Assert
    const mine = server.schedules().filter((s) => s.Name === scheduleNameFor(messageId));
    expect(mine).toHaveLength(1);
    expect(mine[0]?.ScheduleExpression).toBe('at(2026-12-08T09:30:00)');
    expect(mine[0]?.ActionAfterCompletion).toBe('DELETE');
    expect(callsFor(messageId).map((c) => `${c.operation} ${c.status}`)).toEqual([
      'CreateSchedule 200',
      'CreateSchedule 409',
      'UpdateSchedule 200',
    ]);
  });

  it('a redelivered evaluation (same id, same time) leaves exactly one schedule', async () => {
    // Arrange
    const at = NOW.plus({ hours: 5 });

    // Act
    await Promise.all([scheduler.schedule('m-redelivered', at), scheduler.schedule('m-redelivered', at)]);

    // Assert
    expect(server.schedules().filter((s) => s.Name === 'nudge-m-redelivered')).toHaveLength(1);
  });

  it('sends a time within a minute of now, or past, to the queue and makes no schedule', async () => {
    // Act
    await scheduler.schedule('m-soon', NOW.plus({ seconds: 30 }));
    await scheduler.schedule('m-boundary', NOW.plus({ seconds: 60 }));
    await scheduler.schedule('m-past', NOW.minus({ hours: 1 }));
    await scheduler.schedule('m-later', NOW.plus({ seconds: 61 }));

    // Assert
    expect(queue.enqueued).toEqual(['m-soon', 'm-boundary', 'm-past']);
    expect(callsFor('m-soon')).toEqual([]);
    expect(callsFor('m-past')).toEqual([]);
    expect(server.schedule('nudge-m-later', GROUP)?.ScheduleExpression).toBe('at(2026-11-23T09:01:01)');
  });

  it('holds a near-due message back in the queue until it is due (a retry 2 s later must not arrive early)', async () => {
    // Act
    await scheduler.schedule('m-retry', NOW.plus({ seconds: 2 }));
    await scheduler.schedule('m-due', NOW);
    await scheduler.schedule('m-overdue', NOW.minus({ seconds: 5 }));

    // Assert
    expect(queue.delays.get('m-retry')).toBe(2_000);
    expect(queue.delays.get('m-due')).toBeUndefined();
    expect(queue.delays.get('m-overdue')).toBeUndefined();
  });

  it('rounds a sub-second time up, so the schedule never fires early', () => {
    expect(atExpression(DateTime.fromISO('2026-11-23T09:10:00.001Z'))).toBe('at(2026-11-23T09:10:01)');
    expect(atExpression(DateTime.fromISO('2026-11-23T09:10:00.000Z'))).toBe('at(2026-11-23T09:10:00)');
  });

  it('cancel deletes the schedule; cancelling again, or an unknown id, is fine', async () => {
    // Arrange
    await scheduler.schedule('m-cancel', NOW.plus({ days: 1 }));

    // Act
    await scheduler.cancel('m-cancel');
    await scheduler.cancel('m-cancel');
    await scheduler.cancel('m-never-scheduled');

    // Assert
    expect(server.schedule('nudge-m-cancel', GROUP)).toBeUndefined();
    expect(callsFor('m-cancel').map((c) => `${c.operation} ${c.status}`)).toEqual([
      'CreateSchedule 200',
      'DeleteSchedule 200',
      'DeleteSchedule 404',
    ]);
    expect(callsFor('m-cancel')[1]?.groupName).toBe(GROUP);
  });

  it('re-creates when the schedule vanished between the conflict and the update (it fired)', async () => {
    // Arrange: the create conflicts, but by the update the schedule has deleted itself
    server.failNext({ status: 409, type: 'ConflictException', operation: 'CreateSchedule' });

    // Act
    await scheduler.schedule('m-race', NOW.plus({ hours: 3 }));

    // Assert
    expect(callsFor('m-race').map((c) => `${c.operation} ${c.status}`)).toEqual([
      'CreateSchedule 409',
      'UpdateSchedule 404',
      'CreateSchedule 200',
    ]);
    expect(server.schedule('nudge-m-race', GROUP)?.ScheduleExpression).toBe('at(2026-11-23T12:00:00)');
  });

  it('maps throttling and server faults to a retryable SchedulerAdapterError', async () => {
    // Arrange
    server.failNext({ status: 429, type: 'ThrottlingException', operation: 'CreateSchedule' });
    server.failNext({ status: 500, type: 'InternalServerException', operation: 'DeleteSchedule' });

    // Act
    const throttled = await rejectionOf(scheduler.schedule('m-throttled', NOW.plus({ hours: 1 })));
    const faulted = await rejectionOf(scheduler.cancel('m-throttled'));

    // Assert
    expect(throttled).toBeInstanceOf(SchedulerAdapterError);
    expect(throttled).toMatchObject({
      retryable: true,
      code: 'ThrottlingException',
      operation: 'CreateSchedule',
    });
    expect(faulted).toMatchObject({
      retryable: true,
      code: 'InternalServerException',
      operation: 'DeleteSchedule',
    });
  });

  it('maps a validation error to a non-retryable SchedulerAdapterError', async () => {
    // Arrange: a group that does not exist is ResourceNotFound on create (not retryable)
    const lost = new EventBridgeSendScheduler({
      client,
      queue,
      groupName: 'no-such-group',
      targetArn: TARGET_ARN,
      roleArn: ROLE_ARN,
      deadLetterArn: DLQ_ARN,
      clock,
    });
    server.failNext({ status: 400, type: 'ValidationException', operation: 'CreateSchedule' });

    // Act
    const invalid = await rejectionOf(scheduler.schedule('m-invalid', NOW.plus({ hours: 1 })));
    const missingGroup = await rejectionOf(lost.schedule('m-lost', NOW.plus({ hours: 1 })));

    // Assert
    expect(invalid).toMatchObject({
      name: 'SchedulerAdapterError',
      retryable: false,
      code: 'ValidationException',
    });
    expect(missingGroup).toMatchObject({ retryable: false, code: 'ResourceNotFoundException' });
    expect(missingGroup instanceof Error && missingGroup.cause).toBeInstanceOf(Error);
  });

  it('gives every message id a valid, deterministic, distinct schedule name', () => {
    const long = `m-${'x'.repeat(100)}`;
    const odd = 'rule/with spaces:and#symbols';
    for (const id of [long, odd, `${long}y`]) {
      const name = scheduleNameFor(id);
      expect(name).toMatch(/^[0-9a-zA-Z\-_.]{1,64}$/);
      expect(scheduleNameFor(id)).toBe(name);
    }
    expect(scheduleNameFor(long)).not.toBe(scheduleNameFor(`${long}y`));
    expect(scheduleNameFor('rule/a')).not.toBe(scheduleNameFor('rule_a'));
  });
});

describe('Scheduler API server wire format', () => {
  let server: SchedulerApiServer;
  let client: SchedulerClient;
  const definition = {
    Name: 'wire-check',
    ScheduleExpression: 'at(2027-01-01T00:00:00)',
    FlexibleTimeWindow: { Mode: 'OFF' as const },
    Target: { Arn: TARGET_ARN, RoleArn: ROLE_ARN, Input: '{"messageId":"x"}' },
  };

  beforeAll(async () => {
    server = await startSchedulerApiServer();
    client = new SchedulerClient({
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

  it('answers a duplicate name with the modeled ConflictException (409, x-amzn-ErrorType)', async () => {
    // Arrange
    await client.send(new CreateScheduleCommand(definition));

    // Act
    const error = await rejectionOf(client.send(new CreateScheduleCommand(definition)));

    // Assert
    expect(error).toBeInstanceOf(ConflictException);
    expect(error).toMatchObject({
      $metadata: { httpStatusCode: 409 },
      message: 'Schedule wire-check already exists.',
    });
  });

  it('treats a retried create with the same ClientToken as the original', async () => {
    // Arrange
    const input = { ...definition, Name: 'token-check', ClientToken: 'retry-token-1' };
    const first = await client.send(new CreateScheduleCommand(input));

    // Act
    const second = await client.send(new CreateScheduleCommand(input));

    // Assert
    expect(second.ScheduleArn).toBe(first.ScheduleArn);
  });

  it('rejects an invalid at() expression and a bad retry policy with ValidationException', async () => {
    const badTime = await rejectionOf(
      client.send(
        new CreateScheduleCommand({
          ...definition,
          Name: 'bad-time',
          ScheduleExpression: 'at(2027-02-30T00:00:00)',
        }),
      ),
    );
    const badRetry = await rejectionOf(
      client.send(
        new CreateScheduleCommand({
          ...definition,
          Name: 'bad-retry',
          Target: { ...definition.Target, RetryPolicy: { MaximumEventAgeInSeconds: 30 } },
        }),
      ),
    );
    expect(badTime).toMatchObject({ name: 'ValidationException', $metadata: { httpStatusCode: 400 } });
    expect(badRetry).toMatchObject({ name: 'ValidationException' });
  });

  it('writes REST-JSON errors with the type header and a Message body', async () => {
    // Act
    const answer = await new Promise<{ status: number; errorType: unknown; body: string }>(
      (resolve, reject) => {
        const req = request(
          `${server.url}/schedules/nothing-here?groupName=default`,
          { method: 'DELETE' },
          (res) => {
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              body += chunk;
            });
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, errorType: res.headers['x-amzn-errortype'], body }),
            );
          },
        );
        req.on('error', reject);
        req.end();
      },
    );

    // Assert
    expect(answer.status).toBe(404);
    expect(answer.errorType).toBe('ResourceNotFoundException');
    expect(JSON.parse(answer.body)).toEqual({ Message: 'Schedule nothing-here does not exist.' });
  });
});
