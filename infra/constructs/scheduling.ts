import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { acknowledgeNag } from '../nag.ts';
import { deadLetterQueue } from './queues.ts';

/** Props of {@link Scheduling}. */
export interface SchedulingProps {
  stage: string;
  /** Where schedules deliver `{"messageId": …}` when they fire. */
  sendQueue: IQueue;
}

/**
 * The schedule group of the per-message design this stack replaced (later sends now wait in the
 * release index: release.ts), kept so that one-time `at()` schedules made before the upgrade still
 * deliver: the group, the role Scheduler assumes to deliver them, and the dead-letter queue for
 * deliveries Scheduler gave up on. No function may create, change or delete schedules any more.
 * Remove this construct in a later release, once `aws scheduler list-schedules --group-name
 * nudge-<stage>` is empty (docs/deploy.md, "Upgrading to the release index").
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
}
