import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IAlarmAction,
  type IMetric,
  MathExpression,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { MetricName } from '../../functions/app/ports/metrics.ts';
import type { NudgeFunctionName } from '../bundling.ts';

/**
 * The CloudWatch namespace of Nudge's own metrics for a stage: the functions' Powertools
 * `POWERTOOLS_METRICS_NAMESPACE` (nudge-function.ts) and the alarms' namespace, so they meet.
 */
export function metricsNamespace(stage: string): string {
  return `Nudge/${stage}`;
}

/** The `service` dimension Powertools puts on a function's metrics (`POWERTOOLS_SERVICE_NAME`). */
export function serviceNameOf(name: NudgeFunctionName): string {
  return `nudge-${name}`;
}

/** Thresholds of the metric alarms (docs/deploy.md, "Watching"). */
const THRESHOLDS = {
  /** Per cent of the messages handed to the send step in 15 minutes that ended failed. */
  failedPercent: 10,
  /** Webhook calls refused in 5 minutes (a forger, or a secret rotated on one side only). */
  webhookRefused: 10,
  /** p99 of the providers' answer time, ms, three 5-minute periods in a row. */
  providerLatencyP99Ms: 5_000,
  /** Events refused in 5 minutes: a publisher sends something Nudge cannot read. */
  eventsRejected: 1,
} as const;

/** Props of {@link Alarms}. */
export interface AlarmsProps {
  stage: string;
  /** Every dead-letter queue, by a readable name. Anything in one needs a person. */
  deadLetterQueues: Readonly<Record<string, IQueue>>;
  /** Notify this SNS topic on alarm and on recovery. */
  alarmTopicArn: string | undefined;
}

/**
 * The alarms that mean "a customer may not get a message, or gets it late": a dead letter
 * anywhere (SQS's own metric: nothing else sees it), and Nudge's own EMF metrics (the functions
 * emit them through Powertools; functions/app/ports/metrics.ts): the share of messages that
 * failed, webhook refusals, provider latency, rejected events. Each uses the `service`-only
 * dimension set the functions write beside the `reason`/`channel` ones. Missing data is "not
 * breaching": an empty queue and a quiet day are fine.
 */
export class Alarms extends Construct {
  readonly alarms: Alarm[] = [];
  private readonly action: IAlarmAction | undefined;

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    this.action =
      props.alarmTopicArn === undefined
        ? undefined
        : new SnsAction(Topic.fromTopicArn(this, 'Topic', props.alarmTopicArn));
    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      this.add(`${name}DeadLetters`, {
        description: `Nudge ${props.stage}: messages in the ${name} dead-letter queue (see docs/deploy.md, "Watching")`,
        metric: queue.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 1,
      });
    }
    this.addMetricAlarms(props.stage);
  }

  private addMetricAlarms(stage: string): void {
    const metric = (service: NudgeFunctionName, name: MetricName, statistic: string, minutes: number) =>
      new Metric({
        namespace: metricsNamespace(stage),
        metricName: name,
        dimensionsMap: { service: serviceNameOf(service) },
        statistic,
        period: Duration.minutes(minutes),
      });
    this.add('MessagesFailedRate', {
      description: `Nudge ${stage}: more than ${THRESHOLDS.failedPercent}% of the messages sent in 15 minutes failed (send step or provider report)`,
      metric: new MathExpression({
        expression: 'IF(sent + failed > 0, 100 * (failed + reported) / (sent + failed), 0)',
        usingMetrics: {
          sent: metric('send', 'MessagesSent', 'Sum', 15),
          failed: metric('send', 'MessagesFailed', 'Sum', 15),
          reported: metric('webhook', 'MessagesFailed', 'Sum', 15),
        },
        period: Duration.minutes(15),
        label: 'failed %',
      }),
      threshold: THRESHOLDS.failedPercent,
      strictlyGreater: true,
    });
    this.add('WebhookRefused', {
      description: `Nudge ${stage}: ${THRESHOLDS.webhookRefused} or more webhook calls refused in 5 minutes (bad signatures: a forger, or a rotated secret)`,
      metric: metric('webhook', 'WebhookRefused', 'Sum', 5),
      threshold: THRESHOLDS.webhookRefused,
    });
    this.add('ProviderLatencyP99', {
      description: `Nudge ${stage}: providers' p99 answer time above ${THRESHOLDS.providerLatencyP99Ms} ms for 15 minutes`,
      metric: metric('send', 'ProviderLatency', 'p99', 5),
      threshold: THRESHOLDS.providerLatencyP99Ms,
      strictlyGreater: true,
      evaluationPeriods: 3,
    });
    this.add('EventsRejected', {
      description: `Nudge ${stage}: journey events rejected (see the console's rejected list for the reasons)`,
      metric: metric('evaluate', 'EventsRejected', 'Sum', 5),
      threshold: THRESHOLDS.eventsRejected,
    });
  }

  private add(
    id: string,
    spec: {
      description: string;
      metric: IMetric;
      threshold: number;
      strictlyGreater?: boolean;
      evaluationPeriods?: number;
    },
  ): void {
    const alarm = new Alarm(this, id, {
      alarmDescription: spec.description,
      metric: spec.metric,
      threshold: spec.threshold,
      comparisonOperator:
        spec.strictlyGreater === true
          ? ComparisonOperator.GREATER_THAN_THRESHOLD
          : ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      evaluationPeriods: spec.evaluationPeriods ?? 1,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (this.action !== undefined) {
      alarm.addAlarmAction(this.action);
      alarm.addOkAction(this.action);
    }
    this.alarms.push(alarm);
  }
}
