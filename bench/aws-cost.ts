/**
 * The AWS bill of one message, from the calls the end-to-end benchmark counted and the production
 * wiring (infra/): public on-demand prices, us-east-1, free tiers left out (a busy account has
 * used them up, and they are per account, not per message).
 */
import { int, num, table, usd } from './report.ts';

/** Public on-demand prices, us-east-1, USD, as looked up for this benchmark. */
export const PRICES = {
  region: 'us-east-1',
  /** DynamoDB on-demand: per write request unit (1 KB, each GSI write counts too). */
  dynamoWru: 0.625 / 1e6,
  /** DynamoDB on-demand: per read request unit (4 KB strongly consistent; eventually consistent ½). */
  dynamoRru: 0.125 / 1e6,
  /** Lambda: per request. */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda: per GB-second on arm64 (the functions' architecture, infra/constructs/nudge-function.ts). */
  lambdaGbSecondArm: 0.0000133334,
  /** SQS standard queue: per request (per 64 KB chunk; every Nudge message is far smaller). */
  sqsRequest: 0.4 / 1e6,
  /** EventBridge: per custom event put on a bus (per 64 KB chunk); deliveries to same-account targets are free. */
  eventBridgeEvent: 1.0 / 1e6,
  /** Secrets Manager: per API call ($0.05 per 10,000). */
  secretsManagerCall: 0.05 / 10_000,
} as const;

/** Where each price comes from (search results of the `docs` and `pages` corpora, read 2026). */
export const PRICE_SOURCES: ReadonlyArray<readonly [string, string]> = [
  [
    'DynamoDB on-demand $0.625 per million WRU, $0.125 per million RRU (us-east-1, after the November 2024 cut); unit definitions',
    'https://airbyte.com/data-engineering-resources/dynamodb-pricing, https://aws.amazon.com/dynamodb/pricing/on-demand/',
  ],
  [
    'Lambda $0.20 per million requests, arm64 $0.0000133334 per GB-s',
    'https://cloudchipr.com/blog/aws-lambda-pricing, https://app.unpkg.com/artillery@2.0.28/files/lib/platform/aws-lambda/prices.js',
  ],
  [
    'SQS standard $0.40 per million requests, each 64 KB chunk a request',
    'https://cloudburn.io/blog/amazon-sqs-pricing, https://unanswered.io/guide/aws-sqs-pricing-and-cost-optimization',
  ],
  [
    'EventBridge custom events $1.00 per million (64 KB chunks)',
    'https://aws.amazon.com/eventbridge/pricing/, https://cloudburn.io/blog/amazon-eventbridge-pricing',
  ],
  [
    'Secrets Manager $0.05 per 10,000 API calls, $0.40 per secret-month',
    'https://aws.amazon.com/secrets-manager/pricing/ (as transcribed in api-evangelist/amazon-secrets-manager plans)',
  ],
];

/** Memory of each function as the stack configures it (infra/constructs/ingest.ts, sending.ts, webhooks.ts). */
export const FUNCTION_MEMORY_MB = { evaluate: 512, send: 1024, webhook: 512, relay: 256 } as const;

/** Assumed time of one PutEvents call of the outcome relay (it makes one per 10 queued events). */
const RELAY_MS_PER_CALL = 20;

/**
 * Records per Lambda invocation when the queues are busy: ingest batchSize 10, send
 * SEND_BATCH_SIZE 5, the outcome relay RELAY_BATCH_SIZE 100.
 */
export const FULL_BATCH = { evaluate: 10, send: 5, relay: 100 } as const;

/** What one delivered message used, as measured (DynamoDB, EventBridge, callbacks) end to end. */
export interface MeasuredMessage {
  label: string;
  /** Sent later (through the release index and its sweeps), or sent at once. */
  scheduled: boolean;
  dynamoCalls: number;
  dynamoReadCalls: number;
  dynamoWriteCalls: number;
  scans: number;
  rru: number;
  wru: number;
  /** Outcome events Nudge put on the bus (MessageSent, MessageDelivered, …). */
  outcomeEvents: number;
  /** Provider status callbacks, each a webhook Lambda invocation. */
  callbacks: number;
}

/** Lambda durations per message, ms (see the report for which are measured and which assumed). */
export interface Durations {
  evaluateMs: number;
  sendMs: number;
  webhookMs: number;
}

/** Cold starts of send and of webhook per 100,000 messages, each reading the three secrets (Twilio, SendGrid, unsubscribe signing key) once. */
const COLD_STARTS_PER_100K = 100;

interface Usage {
  sqsRequests: number;
  lambdaRequests: number;
  gbSeconds: number;
  eventBridgeEvents: number;
  /** DynamoDB write units the local runtime does not measure: the release index of a later send. */
  releaseWru: number;
  secretsCalls: number;
}

/**
 * Per-message usage of the services the local runtime runs in process, derived from the
 * production wiring, for evaluate batches of `evaluateBatch` events and send batches of `sendBatch`
 * messages:
 * - SQS: the bus rule's SendMessage to the ingest queue (1); the evaluate event source's
 *   ReceiveMessage and DeleteMessageBatch (1 each per batch); the SendMessage that puts the message
 *   on the send queue (evaluate's for an immediate send: 1); the send event source's ReceiveMessage
 *   and DeleteMessageBatch (1 each per batch). Idle long polling by the event sources, and the
 *   release sweeps (eight invocations a minute), are fixed monthly costs, not per message.
 * - Lambda: evaluate once per batch, send once per batch, webhook once per provider callback.
 * - EventBridge: the journey event that triggered it (1, paid by whoever publishes it) and the
 *   outcome events Nudge published.
 * - A later send: into the release index (an UpdateItem: 1 WRU on the table and 1 on the index),
 *   out again at the claim (1 index WRU), and enqueued by two overlapping sweeps in
 *   SendMessageBatch calls of up to 10 (no Scheduler call at all), so it is received twice and
 *   its second copy (refused by the claim) costs a share of a send invocation too.
 * - The outcome relay: every outcome event but the send step's one `MessageSent` is the
 *   webhook's, queued (SendMessage) and relayed (ReceiveMessage and DeleteMessageBatch per batch,
 *   one invocation per batch of `relayBatch`, a PutEvents call of ~20 ms per 10 events).
 */
function usageOf(
  message: MeasuredMessage,
  durations: Durations,
  evaluateBatch: number,
  sendBatch: number,
  relayBatch: number,
): Usage {
  const gb = (mb: number) => mb / 1024;
  const relayed = Math.max(0, message.outcomeEvents - 1);
  const relayMs = Math.ceil(relayBatch / 10) * RELAY_MS_PER_CALL;
  // A later send is enqueued twice by the sweeps (10 a call when busy) instead of once by evaluate.
  const later = message.scheduled ? 1 : 0;
  const sweepBatch = sendBatch === 1 ? 1 : 10;
  return {
    sqsRequests:
      1 +
      2 / evaluateBatch +
      (1 - later) +
      later * (2 / sweepBatch) +
      (1 + later) * (2 / sendBatch) +
      relayed * (1 + 2 / relayBatch),
    lambdaRequests: 1 / evaluateBatch + (1 + later) / sendBatch + message.callbacks + relayed / relayBatch,
    gbSeconds:
      (durations.evaluateMs / 1000) * gb(FUNCTION_MEMORY_MB.evaluate) +
      (durations.sendMs / 1000) * gb(FUNCTION_MEMORY_MB.send) +
      message.callbacks * (durations.webhookMs / 1000) * gb(FUNCTION_MEMORY_MB.webhook) +
      (relayed / relayBatch) * (relayMs / 1000) * gb(FUNCTION_MEMORY_MB.relay),
    eventBridgeEvents: 1 + message.outcomeEvents,
    releaseWru: later * 3,
    secretsCalls: (COLD_STARTS_PER_100K * 2 * 3) / 100_000,
  };
}

/** Markdown: the calls per message and the cost per 100,000 messages, one column per scenario. */
export function costReport(messages: ReadonlyArray<MeasuredMessage>, durations: Durations): string {
  const scenarios = messages.flatMap((message) => [
    { message, name: `${message.label}, quiet (batches of 1)`, usage: usageOf(message, durations, 1, 1, 1) },
    {
      message,
      name: `${message.label}, busy (batches of ${FULL_BATCH.evaluate} / ${FULL_BATCH.send})`,
      usage: usageOf(message, durations, FULL_BATCH.evaluate, FULL_BATCH.send, FULL_BATCH.relay),
    },
  ]);
  const per100k = 100_000;
  const lines: Array<{ name: string; cost: (s: (typeof scenarios)[number]) => number }> = [
    { name: 'DynamoDB writes (WRU)', cost: (s) => (s.message.wru + s.usage.releaseWru) * PRICES.dynamoWru },
    { name: 'DynamoDB reads (RRU)', cost: (s) => s.message.rru * PRICES.dynamoRru },
    { name: 'Lambda requests', cost: (s) => s.usage.lambdaRequests * PRICES.lambdaRequest },
    { name: 'Lambda duration (GB-s, arm64)', cost: (s) => s.usage.gbSeconds * PRICES.lambdaGbSecondArm },
    { name: 'SQS requests', cost: (s) => s.usage.sqsRequests * PRICES.sqsRequest },
    { name: 'EventBridge events', cost: (s) => s.usage.eventBridgeEvents * PRICES.eventBridgeEvent },
    {
      name: 'Secrets Manager calls (amortised)',
      cost: (s) => s.usage.secretsCalls * PRICES.secretsManagerCall,
    },
  ];
  const usageRows: string[][] = [
    [
      'DynamoDB calls (reads + writes)',
      ...scenarios.map(
        (s) =>
          `${num(s.message.dynamoCalls, 2)} (${num(s.message.dynamoReadCalls, 2)} + ${num(s.message.dynamoWriteCalls, 2)})`,
      ),
    ],
    ['DynamoDB Scans', ...scenarios.map((s) => int(s.message.scans))],
    [
      'DynamoDB request units (RRU / WRU)',
      ...scenarios.map((s) => `${num(s.message.rru, 2)} / ${num(s.message.wru + s.usage.releaseWru, 2)}`),
    ],
    ['SQS requests', ...scenarios.map((s) => num(s.usage.sqsRequests, 2))],
    [
      'Lambda invocations (evaluate + send + webhook)',
      ...scenarios.map((s) => num(s.usage.lambdaRequests, 2)),
    ],
    ['Lambda GB-s', ...scenarios.map((s) => num(s.usage.gbSeconds, 3))],
    [
      'EventBridge events (1 journey event + outcomes)',
      ...scenarios.map((s) => num(s.usage.eventBridgeEvents, 2)),
    ],
    ['Secrets Manager calls', ...scenarios.map((s) => num(s.usage.secretsCalls, 3))],
  ];
  const costRows = lines.map((line) => [line.name, ...scenarios.map((s) => usd(line.cost(s) * per100k))]);
  const totals = scenarios.map((s) => lines.reduce((sum, line) => sum + line.cost(s), 0) * per100k);
  costRows.push(['**total per 100,000 messages**', ...totals.map((total) => `**${usd(total)}**`)]);
  const head = ['', ...scenarios.map((s) => s.name)];
  const align: Array<'l' | 'r'> = ['l', ...scenarios.map((): 'r' => 'r')];
  return [
    'AWS calls per delivered message:',
    '',
    table(head, usageRows, align),
    '',
    `Cost per 100,000 messages, on-demand prices in ${PRICES.region}:`,
    '',
    table(head, costRows, align),
    '',
    'Prices used (USD, us-east-1, free tiers ignored):',
    '',
    table(
      ['price', 'source'],
      PRICE_SOURCES.map(([price, source]) => [price, source]),
    ),
  ].join('\n');
}
