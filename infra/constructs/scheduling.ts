import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Grant, type IGrantable, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct, type IConstruct } from 'constructs';
import { acknowledgeNag, wildcardResourceFinding } from '../nag.ts';
import { deadLetterQueue } from './queues.ts';

/**
 * The names EventBridgeSendScheduler gives schedules (`scheduleNameFor`: always `nudge-…`), so
 * the functions may touch only Nudge's schedules even inside the group. tests/infra checks the
 * adapter still names them this way.
 */
export const SCHEDULE_NAME_PATTERN = 'nudge-*';

/** The Scheduler calls EventBridgeSendScheduler makes. */
const SCHEDULE_ACTIONS = ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule', 'scheduler:UpdateSchedule'];

/** Props of {@link Scheduling}. */
export interface SchedulingProps {
  stage: string;
  /** Where schedules deliver `{"messageId": …}` when they fire. */
  sendQueue: IQueue;
}

/**
 * Later sends: the schedule group holding one-time `at()` schedules, the role Scheduler assumes
 * to deliver them, and the dead-letter queue for deliveries Scheduler gave up on.
 *
 * The role may do one thing: `sqs:SendMessage`, to the send queue and to this dead-letter queue
 * (Scheduler writes dead letters with the schedule's role too). Both queues use SQS-managed
 * encryption, so no KMS permission is needed. Its trust is limited to Scheduler acting for this
 * account and this group (confused-deputy protection).
 */
export class Scheduling extends Construct {
  readonly group: ScheduleGroup;
  readonly role: Role;
  readonly deadLetters: Queue;

  constructor(scope: Construct, id: string, props: SchedulingProps) {
    super(scope, id);
    const stack = Stack.of(this);
    // Deleting the group deletes its pending schedules, which target this stack's queue; they
    // would have nowhere to deliver once the stack is gone, so nothing is worth retaining.
    this.group = new ScheduleGroup(this, 'Group', {
      scheduleGroupName: `nudge-${props.stage}`,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.deadLetters = deadLetterQueue(this, 'DeadLetters');
    acknowledgeNag(
      this.deadLetters,
      'AwsSolutions-SQS3',
      "This queue is itself a dead-letter queue: EventBridge Scheduler's, named in each schedule's " +
        'DeadLetterConfig by the functions, so no SQS redrive policy points at it and cdk-nag cannot tell. ' +
        'A dead-letter queue of a dead-letter queue would only move the problem; the SchedulerDeadLetters ' +
        'alarm fires on its first message.',
    );
    this.role = new Role(this, 'Role', {
      description: 'Assumed by EventBridge Scheduler to put due Nudge messages on the send queue',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': this.group.scheduleGroupArn },
        },
      }),
    });
    this.role.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [props.sendQueue.queueArn, this.deadLetters.queueArn],
      }),
    );
  }

  /**
   * Create, update and delete Nudge's schedules in this group, and hand Scheduler this role
   * (iam:PassRole on it alone, only to scheduler.amazonaws.com).
   */
  grantManageSchedules(grantee: IGrantable & IConstruct): Grant {
    const pattern = this.scheduleArnPattern();
    const schedules = Grant.addToPrincipal({ grantee, actions: SCHEDULE_ACTIONS, resourceArns: [pattern] });
    acknowledgeNag(
      grantee,
      wildcardResourceFinding(this, pattern),
      'Schedules are created at run time, one per planned message (nudge-<messageId>), so their names cannot ' +
        "be listed in advance. The wildcard is confined to Nudge's own group and to the nudge- name prefix the " +
        'adapter always uses; no other group or schedule is reachable.',
    );
    const passRole = Grant.addToPrincipal({
      grantee,
      actions: ['iam:PassRole'],
      resourceArns: [this.role.roleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
    });
    return schedules.combine(passRole);
  }

  /** `arn:…:scheduler:<region>:<account>:schedule/<group>/nudge-*`. */
  scheduleArnPattern(): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/${SCHEDULE_NAME_PATTERN}`,
    });
  }

  /** The variables EventBridgeSendScheduler reads (with the send queue's own). */
  environment(): Record<string, string> {
    return {
      NUDGE_SCHEDULE_GROUP: this.group.scheduleGroupName,
      NUDGE_SCHEDULER_ROLE_ARN: this.role.roleArn,
      NUDGE_SCHEDULER_DLQ_ARN: this.deadLetters.queueArn,
    };
  }
}
