import { createHash } from 'node:crypto';
import {
  CreateScheduleCommand,
  type CreateScheduleCommandInput,
  DeleteScheduleCommand,
  type SchedulerClient,
  UpdateScheduleCommand,
} from '@aws-sdk/client-scheduler';
import { DateTime } from 'luxon';
import { AdapterError } from '../../app/ports/adapter-error.ts';
import type { Clock, SendQueue, SendScheduler } from '../../app/ports.ts';
import { awsCodeOf, isRetryableAwsError } from '../aws-errors.ts';
import { encodeSendRequest } from '../sqs/sqs-send-queue.ts';

/** Scheduler names: 1–64 characters of `[0-9a-zA-Z-_.]`. */
const SCHEDULE_NAME_MAX_LENGTH = 64;
const NAME_PREFIX = 'nudge-';
const NAME_ALLOWED = /^[0-9a-zA-Z\-_.]+$/;

/** How long and how often Scheduler keeps trying to put a due message on the send queue. */
export interface ScheduleRetryPolicy {
  /** 0–185. */
  maximumRetryAttempts: number;
  /** 60–86400. */
  maximumEventAgeSeconds: number;
}

/**
 * Default retry policy. Short on purpose: a reminder an hour late is better dead-lettered (and
 * recorded as such) than delivered at a time the customer no longer expects it.
 */
const DEFAULT_SCHEDULE_RETRY_POLICY: ScheduleRetryPolicy = {
  maximumRetryAttempts: 20,
  maximumEventAgeSeconds: 3600,
};

/** Options of {@link EventBridgeSendScheduler}. */
export interface EventBridgeSendSchedulerOptions {
  client: SchedulerClient;
  /** Where near-due messages go directly, and where the schedules deliver (same queue). */
  queue: SendQueue;
  /** The schedule group holding Nudge's schedules. */
  groupName: string;
  /** ARN of the send queue (the schedules' target). */
  targetArn: string;
  /** Role Scheduler assumes to `sqs:SendMessage` to the target and the dead-letter queue. */
  roleArn: string;
  /** SQS queue receiving deliveries Scheduler gave up on. */
  deadLetterArn: string;
  clock: Clock;
  /**
   * A time this close to now (or past) goes to the queue instead of a schedule, held back by the
   * queue's delay until it is due. Default 60 s: one-time schedules fire with minute granularity
   * and cost per schedule, so a schedule for "in 20 seconds" is both late and wasted. At most
   * 900 s (the longest SQS delay).
   */
  immediateWithinMs?: number;
  retryPolicy?: ScheduleRetryPolicy;
}

/** Which Scheduler call failed. */
export type SchedulerOperation = 'CreateSchedule' | 'UpdateSchedule' | 'DeleteSchedule';

/** A Scheduler call that failed (an {@link AdapterError}; `code` is the AWS error code). */
export class SchedulerAdapterError extends AdapterError {
  override readonly name = 'SchedulerAdapterError';
  readonly operation: SchedulerOperation | undefined;
  readonly messageId: string;

  constructor(
    message: string,
    details: {
      messageId: string;
      operation?: SchedulerOperation;
      retryable: boolean;
      code?: string | undefined;
      cause?: unknown;
    },
  ) {
    super(message, { retryable: details.retryable, code: details.code, cause: details.cause });
    this.messageId = details.messageId;
    this.operation = details.operation;
  }
}

/**
 * The schedule name for a message id: deterministic, so a redelivered evaluation addresses the
 * same schedule. Ids that fit Scheduler's name rules keep their readable form (`nudge-<id>`);
 * others get a sanitised prefix plus a hash of the whole id, so different ids never collide.
 */
export function scheduleNameFor(messageId: string): string {
  const plain = `${NAME_PREFIX}${messageId}`;
  if (messageId.length > 0 && plain.length <= SCHEDULE_NAME_MAX_LENGTH && NAME_ALLOWED.test(messageId))
    return plain;
  const hash = createHash('sha256').update(messageId).digest('hex').slice(0, 24);
  const readable = messageId.replace(/[^0-9a-zA-Z\-_.]/g, '_');
  const room = SCHEDULE_NAME_MAX_LENGTH - NAME_PREFIX.length - hash.length - 1;
  return `${NAME_PREFIX}${readable.slice(0, room)}-${hash}`;
}

/**
 * The one-time schedule expression for an instant, in UTC: `at(yyyy-mm-ddThh:mm:ss)`. Rounded
 * up to the whole second, so a schedule never fires before the planned time.
 */
export function atExpression(at: DateTime): string {
  const seconds = Math.ceil(at.toMillis() / 1000);
  const utc = DateTime.fromMillis(seconds * 1000, { zone: 'utc' });
  return `at(${utc.toFormat("yyyy-MM-dd'T'HH:mm:ss")})`;
}

/**
 * Delivers due message ids to the send queue through EventBridge Scheduler one-time schedules.
 *
 * `schedule` creates `nudge-<id>` in the group; when it exists (a redelivered evaluation, or a
 * reschedule) the ConflictException turns into an UpdateSchedule with the same full definition,
 * so a message never has two schedules and the last time given wins. Schedules delete themselves
 * after firing (`ActionAfterCompletion: DELETE`).
 *
 * A near-due time goes straight to the queue, delayed until it is due. A schedule made earlier for the same message is
 * then left to fire: the send step claims a message once, so the late delivery is a no-op, and
 * not deleting saves a call on the common path.
 */
export class EventBridgeSendScheduler implements SendScheduler {
  private readonly client: SchedulerClient;
  private readonly queue: SendQueue;
  private readonly groupName: string;
  private readonly targetArn: string;
  private readonly roleArn: string;
  private readonly deadLetterArn: string;
  private readonly clock: Clock;
  private readonly immediateWithinMs: number;
  private readonly retryPolicy: ScheduleRetryPolicy;

  constructor(options: EventBridgeSendSchedulerOptions) {
    const immediateWithinMs = options.immediateWithinMs ?? 60_000;
    const retryPolicy = options.retryPolicy ?? DEFAULT_SCHEDULE_RETRY_POLICY;
    if (!Number.isFinite(immediateWithinMs) || immediateWithinMs < 0 || immediateWithinMs > 900_000) {
      throw new RangeError('immediateWithinMs must be a number from 0 to 900000 (the longest SQS delay)');
    }
    if (!isIntegerIn(retryPolicy.maximumRetryAttempts, 0, 185)) {
      throw new RangeError('retryPolicy.maximumRetryAttempts must be an integer from 0 to 185');
    }
    if (!isIntegerIn(retryPolicy.maximumEventAgeSeconds, 60, 86_400)) {
      throw new RangeError('retryPolicy.maximumEventAgeSeconds must be an integer from 60 to 86400');
    }
    if (!/^[0-9a-zA-Z\-_.]{1,64}$/.test(options.groupName)) {
      throw new RangeError(`invalid schedule group name ${JSON.stringify(options.groupName)}`);
    }
    this.client = options.client;
    this.queue = options.queue;
    this.groupName = options.groupName;
    this.targetArn = options.targetArn;
    this.roleArn = options.roleArn;
    this.deadLetterArn = options.deadLetterArn;
    this.clock = options.clock;
    this.immediateWithinMs = immediateWithinMs;
    this.retryPolicy = retryPolicy;
  }

  async schedule(messageId: string, at: DateTime): Promise<void> {
    if (!at.isValid) {
      throw new SchedulerAdapterError(
        `cannot schedule ${messageId}: invalid time (${at.invalidExplanation})`,
        {
          messageId,
          retryable: false,
        },
      );
    }
    const waitMs = at.toMillis() - this.clock.now().toMillis();
    if (waitMs <= this.immediateWithinMs) {
      // Held back by the queue until it is due: delivered early, the send step would find it not
      // due yet and drop the request (a retry 2 s later, a Retry-After of 30 s).
      await this.queue.enqueue(messageId, waitMs > 0 ? { delayMs: waitMs } : {});
      return;
    }
    const definition = this.definitionFor(messageId, at);
    // Create, or update when it exists. Update can find it gone if it fired (and deleted itself)
    // or was cancelled in between; then create again. Bounded: a third race is reported, retryable.
    for (let round = 0; round < 3; round++) {
      try {
        await this.client.send(new CreateScheduleCommand(definition));
        return;
      } catch (error) {
        if (!isAwsError(error, 'ConflictException')) throw this.failure(error, 'CreateSchedule', messageId);
      }
      try {
        await this.client.send(new UpdateScheduleCommand(definition));
        return;
      } catch (error) {
        if (!isAwsError(error, 'ResourceNotFoundException'))
          throw this.failure(error, 'UpdateSchedule', messageId);
      }
    }
    throw new SchedulerAdapterError(
      `schedule ${definition.Name} kept appearing and disappearing; try again`,
      {
        messageId,
        operation: 'UpdateSchedule',
        retryable: true,
      },
    );
  }

  async cancel(messageId: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteScheduleCommand({ Name: scheduleNameFor(messageId), GroupName: this.groupName }),
      );
    } catch (error) {
      // None there: it was never made (sent at once), already fired, or already cancelled.
      if (isAwsError(error, 'ResourceNotFoundException')) return;
      throw this.failure(error, 'DeleteSchedule', messageId);
    }
  }

  /** The full definition, used for create and update alike (UpdateSchedule replaces every field). */
  private definitionFor(messageId: string, at: DateTime): CreateScheduleCommandInput & { Name: string } {
    return {
      Name: scheduleNameFor(messageId),
      GroupName: this.groupName,
      ScheduleExpression: atExpression(at),
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
      State: 'ENABLED',
      Description: `Nudge send ${messageId}`.slice(0, 512),
      Target: {
        Arn: this.targetArn,
        RoleArn: this.roleArn,
        Input: encodeSendRequest(messageId),
        DeadLetterConfig: { Arn: this.deadLetterArn },
        RetryPolicy: {
          MaximumRetryAttempts: this.retryPolicy.maximumRetryAttempts,
          MaximumEventAgeInSeconds: this.retryPolicy.maximumEventAgeSeconds,
        },
      },
    };
  }

  private failure(error: unknown, operation: SchedulerOperation, messageId: string): SchedulerAdapterError {
    const code = awsCodeOf(error);
    return new SchedulerAdapterError(`${operation} for ${messageId} failed: ${code ?? 'unknown error'}`, {
      messageId,
      operation,
      code,
      retryable: isRetryable(error, operation),
      cause: error,
    });
  }
}

/**
 * The SDK's classification ({@link isRetryableAwsError}), plus one of Scheduler's own: a
 * ConflictException outside CreateSchedule is a concurrent change to the same schedule
 * ("updating or deleting the resource can cause an inconsistent state"), so a later try can work.
 */
function isRetryable(error: unknown, operation: SchedulerOperation): boolean {
  if (isAwsError(error, 'ConflictException')) return operation !== 'CreateSchedule';
  return isRetryableAwsError(error);
}

function isAwsError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

function isIntegerIn(value: number, min: number, max: number): boolean {
  return Number.isInteger(value) && value >= min && value <= max;
}
