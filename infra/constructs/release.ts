import { Duration } from 'aws-cdk-lib';
import { EventField, Rule, RuleTargetInput, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import type { Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INDEXES } from '../../functions/adapters/dynamodb/table-design.ts';
import { RELEASE_TIMING } from '../../functions/core/planning/release-window.ts';
import { acknowledgeNag } from '../nag.ts';
import type { NudgeSettings } from '../settings.ts';
import type { JourneyTable } from './journey-table.ts';
import { NudgeFunction } from './nudge-function.ts';
import { deadLetterQueue } from './queues.ts';
import type { SendQueue } from './sending.ts';

/**
 * Invocations each sweep is split into (one rule each): shard `s` of the release index is swept by
 * group `s mod RELEASE_SHARD_GROUPS`. At a window opening every held message is released within
 * two sweeps; splitting keeps one invocation's share small enough to finish well inside its
 * timeout (docs/capacity.md, "Release sweep").
 */
export const RELEASE_SHARD_GROUPS = 8;

/** A sweep reads a few shards and enqueues ten messages a call; a window opening takes longest. */
const RELEASE_TIMEOUT = Duration.minutes(5);

/** Props of {@link Release}. */
export interface ReleaseProps {
  settings: NudgeSettings;
  projectFile: string;
  table: JourneyTable;
  sendQueue: SendQueue;
}

/**
 * Later sends: the `release` function, run every minute by {@link RELEASE_SHARD_GROUPS}
 * EventBridge rules (one per group of shards), puts the messages of the release index due in the
 * next minutes on the send queue with a delay (functions/core/planning/release-window.ts). The
 * rule passes its scheduled time, so a retried run sweeps the same window again.
 *
 * Its role may Query the `release` index (nothing else of the table) and SendMessage to the send
 * queue.
 */
export class Release extends Construct {
  readonly fn: NudgeFunction;
  readonly rules: Rule[];
  /** Sweeps that failed after Lambda's retries (the event names the window to replay). */
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: ReleaseProps) {
    super(scope, id);
    this.fn = new NudgeFunction(this, 'Release', {
      name: 'release',
      description: 'Nudge: every minute, puts the messages due in the next minutes on the send queue',
      settings: props.settings,
      projectFile: props.projectFile,
      timeout: RELEASE_TIMEOUT,
      memorySize: 512,
      environment: {
        NUDGE_TABLE_NAME: props.table.table.tableName,
        NUDGE_SEND_QUEUE_URL: props.sendQueue.queue.queueUrl,
      },
    });
    const role = this.fn.role;
    Grant.addToPrincipal({
      grantee: role,
      actions: ['dynamodb:Query'],
      resourceArns: [`${props.table.table.tableArn}/index/${INDEXES.release.indexName}`],
    });
    props.sendQueue.grantSend(role);
    // An async invocation that fails is retried twice by Lambda with the same event (the same
    // window); past that the neighbouring sweep's window still covers its due times
    // (release-window.ts), and the event lands here, with an alarm, to be replayed by hand.
    this.deadLetters = deadLetterQueue(this, 'DeadLetters');
    acknowledgeNag(
      this.deadLetters,
      'AwsSolutions-SQS3',
      "This queue is itself a dead-letter queue: the release function's on-failure destination for sweeps " +
        'that failed after Lambda retried them, so no SQS redrive policy points at it and cdk-nag cannot tell. ' +
        'The ReleaseDeadLetters alarm fires on its first message.',
    );
    this.fn.function.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.minutes(10),
      onFailure: new SqsDestination(this.deadLetters),
    });
    const everyMinute = Schedule.rate(Duration.minutes(RELEASE_TIMING.periodMs / 60_000));
    this.rules = Array.from({ length: RELEASE_SHARD_GROUPS }, (_, group) => {
      const rule = new Rule(this, `Every${group}`, {
        description: `Nudge release sweep, shard group ${group} of ${RELEASE_SHARD_GROUPS}`,
        schedule: everyMinute,
      });
      rule.addTarget(
        new LambdaFunction(this.fn.function, {
          event: RuleTargetInput.fromObject({
            time: EventField.time,
            shardGroup: group,
            shardGroups: RELEASE_SHARD_GROUPS,
          }),
          retryAttempts: 185,
          maxEventAge: Duration.hours(1),
        }),
      );
      return rule;
    });
  }
}
