import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** The metric the failed-send filter publishes. */
const FAILED_SENDS_METRIC = 'FailedSends';

/**
 * The send function's log line for a send that ended `failed` (send-records.ts logs
 * `logger.info('send attempt', { kind, … })`; Powertools writes the fields at the top level of
 * its JSON line). Other kinds (sent, suppressed, deferred, retrying, skipped) are not failures.
 */
const FAILED_SEND_PATTERN = FilterPattern.all(
  FilterPattern.stringValue('$.message', '=', 'send attempt'),
  FilterPattern.stringValue('$.kind', '=', 'failed'),
);

/** Props of {@link Alarms}. */
export interface AlarmsProps {
  stage: string;
  /** Every dead-letter queue, by a readable name. Anything in one needs a person. */
  deadLetterQueues: Readonly<Record<string, IQueue>>;
  sendLogGroup: ILogGroup;
  /** Notify this SNS topic on alarm and on recovery. */
  alarmTopicArn: string | undefined;
}

/**
 * The alarms that mean "a customer may not get a message": a dead letter anywhere, or a send that
 * failed for good. Missing data is "not breaching": an empty queue and a quiet day are fine.
 */
export class Alarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly failedSends: Metric;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const action: IAlarmAction | undefined =
      props.alarmTopicArn === undefined
        ? undefined
        : new SnsAction(Topic.fromTopicArn(this, 'Topic', props.alarmTopicArn));

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.add(
        new Alarm(this, `${name}DeadLetters`, {
          alarmDescription: `Nudge ${props.stage}: messages in the ${name} dead-letter queue (see docs/deploy.md, "Watching")`,
          metric: queue.metricApproximateNumberOfMessagesVisible({
            period: Duration.minutes(1),
            statistic: 'Maximum',
          }),
          threshold: 1,
          comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: TreatMissingData.NOT_BREACHING,
        }),
        action,
      );
    }

    const filter = new MetricFilter(this, 'FailedSendsFilter', {
      logGroup: props.sendLogGroup,
      filterPattern: FAILED_SEND_PATTERN,
      metricNamespace: `Nudge/${props.stage}`,
      metricName: FAILED_SENDS_METRIC,
      metricValue: '1',
    });
    this.failedSends = filter.metric({ statistic: 'Sum', period: Duration.minutes(5) });
    this.add(
      new Alarm(this, 'FailedSends', {
        alarmDescription: `Nudge ${props.stage}: a message failed for good (send attempt kind=failed in the send log)`,
        metric: this.failedSends,
        threshold: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: 1,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
      action,
    );
  }

  private add(alarm: Alarm, action: IAlarmAction | undefined): void {
    if (action !== undefined) {
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
    }
    this.alarms.push(alarm);
  }
}
