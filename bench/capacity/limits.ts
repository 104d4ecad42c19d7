/**
 * Every documented limit the capacity model measures load against, as data: the value, whether
 * it can be raised, and the page it comes from. `npm run capacity` divides by these values and
 * docs/capacity.md cites the same entries (a test holds the two together), so a limit is
 * changed in one place. Values are the defaults of us-east-1 (and the other large Regions where
 * they are the same); smaller Regions have lower EventBridge and Scheduler quotas — see the pages.
 */

/** One documented limit. */
export interface Limit {
  /** What is limited, as a person would name it. */
  name: string;
  value: number;
  unit: string;
  /** `true`: a quota increase can be requested; `false`: a hard limit of the service. */
  adjustable: boolean;
  /** Where the value is documented. */
  source: string;
  /** What a reader should know about the value (a conflicting copy, a Region, a plan). */
  note?: string;
  /** The documented default, when `value` is a quota the account has had raised. */
  raisedFrom?: number;
}

/**
 * An adjustable quota as the account has it: the documented default, or the raised value the
 * traffic model states (a Service Quotas request granted).
 */
export function accountQuota(limit: Limit, raised: number | undefined): Limit {
  if (raised === undefined || raised === limit.value) return limit;
  if (!limit.adjustable) throw new Error(`${limit.name} is a hard limit: it cannot be raised`);
  return { ...limit, value: raised, raisedFrom: limit.value };
}

export const LIMITS = {
  dynamoPartitionWrites: {
    name: 'DynamoDB write units per partition (table or GSI)',
    value: 1_000,
    unit: 'WCU/s',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html',
    note: 'The same limit applies to every partition of a global secondary index; an index write throttled there throttles the table write.',
  },
  dynamoPartitionReads: {
    name: 'DynamoDB read units per partition (table or GSI)',
    value: 3_000,
    unit: 'RCU/s',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/warm-throughput-scenarios.html',
  },
  dynamoWriteUnitBytes: {
    name: 'DynamoDB bytes per write unit',
    value: 1_024,
    unit: 'bytes',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html',
  },
  dynamoReadUnitBytes: {
    name: 'DynamoDB bytes per strongly consistent read unit',
    value: 4_096,
    unit: 'bytes',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html',
    note: 'A Query is charged on the total size of the items it reads (Select COUNT included), rounded up to 4 KB; eventually consistent reads cost half.',
  },
  putEventsTps: {
    name: 'EventBridge PutEvents requests per second (account, Region)',
    value: 10_000,
    unit: 'requests/s',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html',
    note: 'us-east-1, us-west-2, eu-west-1; us-east-2 2,400 and smaller Regions less. Shared by every bus and every publisher in the account.',
  },
  putEventsEntries: {
    name: 'EventBridge PutEvents entries per request',
    value: 10,
    unit: 'entries',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html',
  },
  eventBridgeInvocations: {
    name: 'EventBridge rule target invocations per second (account, Region)',
    value: 18_750,
    unit: 'invocations/s',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-quota.html',
    note: 'us-east-1, us-west-2, eu-west-1; 4,500 in us-east-2 and eu-central-1, 1,100 in most others. Over it, invocations are delayed, not lost.',
  },
  createScheduleTps: {
    name: 'EventBridge Scheduler CreateSchedule requests per second',
    value: 1_000,
    unit: 'requests/s',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html',
    note: 'The translated copies of the page list 1,000 in the large Regions (250 elsewhere); one English copy lists 5,000. The model uses the lower value; read your account in the Service Quotas console.',
  },
  deleteScheduleTps: {
    name: 'EventBridge Scheduler DeleteSchedule requests per second',
    value: 1_000,
    unit: 'requests/s',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html',
  },
  schedulerInvocations: {
    name: 'EventBridge Scheduler target invocations per second',
    value: 1_000,
    unit: 'invocations/s',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/scheduler/latest/UserGuide/scheduler-quotas.html',
    note: 'Over it, invocations are delayed: a window opening that releases more at once drains at this rate.',
  },
  sqsBatchEntries: {
    name: 'SQS SendMessageBatch entries per request',
    value: 10,
    unit: 'entries',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/API_SendMessageBatch.html',
  },
  sqsMaxDelay: {
    name: 'SQS message delay (DelaySeconds), longest',
    value: 900,
    unit: 's',
    adjustable: false,
    source:
      'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-delay-queues.html',
    note: 'The release sweep looks 13 minutes ahead and the scheduler sends anything due within 14 straight to the queue (functions/core/planning/release-window.ts).',
  },
  dynamoIndexEntryOverhead: {
    name: 'DynamoDB bytes of overhead per indexed item',
    value: 100,
    unit: 'bytes',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html',
    note: "Counted in the release sweep's reads: a KEYS_ONLY entry is its keys plus this.",
  },
  lambdaConcurrency: {
    name: 'Lambda concurrent executions (account, Region)',
    value: 1_000,
    unit: 'executions',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html',
    note: 'New accounts start lower and are raised with use; up to tens of thousands on request.',
  },
  lambdaScalingRate: {
    name: 'Lambda concurrency scaling rate per function',
    value: 1_000,
    unit: 'new environments per 10 s',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/scaling-behavior.html',
  },
  sqsEventSourceMaxConcurrency: {
    name: 'SQS event source maximum concurrency (invocations one event source mapping may run)',
    value: 1_000,
    unit: 'invocations',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/lambda/latest/dg/API_ScalingConfig.html',
    note: 'ScalingConfig.MaximumConcurrency: 2 to 1,000. Without it, Lambda scales an SQS mapping by up to 300 more instances a minute, to 1,250 by default (services-sqs-scaling.html).',
  },
  sqsInFlight: {
    name: 'SQS standard queue messages in flight',
    value: 120_000,
    unit: 'messages',
    adjustable: true,
    source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-queues.html',
    note: 'Approximate ("for most standard queues"); raised through a support request.',
  },
  sqsThroughput: {
    name: 'SQS standard queue API calls per second (SendMessage, ReceiveMessage, DeleteMessage)',
    value: Number.POSITIVE_INFINITY,
    unit: 'requests/s',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html',
    note: '"Nearly unlimited" for standard queues: no number to divide by.',
  },
  getSecretValueTps: {
    name: 'Secrets Manager GetSecretValue requests per second',
    value: 10_000,
    unit: 'requests/s',
    adjustable: false,
    source: 'https://docs.aws.amazon.com/secretsmanager/latest/userguide/reference_limits.html',
  },
  twilioLongCode: {
    name: 'Twilio long code (US/CA local number) message segments per second',
    value: 1,
    unit: 'segments/s per sender',
    adjustable: false,
    source:
      'https://support.twilio.com/hc/en-us/articles/115002943027-Understanding-Twilio-Rate-Limits-and-Message-Queues',
    note: 'US A2P 10DLC traffic is limited per campaign instead; numbers sending outside +1 get 10 segments/s.',
  },
  twilioTollFree: {
    name: 'Twilio US toll-free number message segments per second',
    value: 3,
    unit: 'segments/s per sender',
    adjustable: true,
    source:
      'https://support.twilio.com/hc/en-us/articles/4411046744987-Toll-Free-SMS-and-MMS-messaging-throughput-MPS',
    note: 'High-throughput toll-free starts at 25 and goes up to 150 segments/s (through Twilio sales).',
  },
  twilioShortCode: {
    name: 'Twilio US short code message segments per second',
    value: 100,
    unit: 'segments/s per sender',
    adjustable: true,
    source:
      'https://support.twilio.com/hc/en-us/articles/115002943027-Understanding-Twilio-Rate-Limits-and-Message-Queues',
    note: 'More throughput is bought per short code through Twilio sales.',
  },
  twilioAlphanumeric: {
    name: 'Twilio alphanumeric sender ID message segments per second',
    value: 10,
    unit: 'segments/s per sender',
    adjustable: true,
    source:
      'https://support.twilio.com/hc/en-us/articles/360057082693-Can-I-increase-message-throughput-MPS-for-an-Alphanumeric-Sender-ID',
    note: 'An increase is requested from Twilio support and needs a Messaging Service.',
  },
  twilioQueueHours: {
    name: 'Twilio per-sender queue, hours of sending at the sender rate',
    value: 10,
    unit: 'hours',
    adjustable: false,
    source:
      'https://support.twilio.com/hc/en-us/articles/115002943027-Understanding-Twilio-Rate-Limits-and-Message-Queues',
    note: 'Requests over the rate are queued per sender up to this depth (36,000 segments for a US long code), then refused.',
  },
  sendGridMailSend: {
    name: 'SendGrid v3 Mail Send requests per second',
    value: Number.NaN,
    unit: 'requests/s',
    adjustable: true,
    source: 'https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits',
    note: "SendGrid publishes no number for Mail Send: limits vary by plan and are reported in X-RateLimit-* headers (a 429 over them). Pass --sendgrid-rps with your account's figure to rate the row.",
  },
  sendGridRecipients: {
    name: 'SendGrid v3 Mail Send recipients per request',
    value: 1_000,
    unit: 'recipients',
    adjustable: false,
    source: 'https://docs.sendgrid.com/api-reference/mail-send/limitations',
  },
} as const satisfies Record<string, Limit>;
