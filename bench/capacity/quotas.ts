/**
 * The account quotas and provider limits of the capacity model: EventBridge, the release path, Lambda,
 * SQS, Secrets Manager, Twilio and SendGrid, each from the traffic model and the measured
 * outcome events and callbacks per message (bench/capacity/model.ts has the partitions).
 */

import { RELEASE_SHARDS } from '../../functions/adapters/dynamodb/dynamo-release-index.ts';
import { INDEXES } from '../../functions/adapters/dynamodb/table-design.ts';
import { DEFAULT_SENDER_MPS } from '../../functions/core/messages/sender-rate.ts';
import { RELEASE_TIMING } from '../../functions/core/planning/release-window.ts';
import { RELAY_BATCH_SIZE } from '../../infra/constructs/outcome-relay.ts';
import { RELEASE_SHARD_GROUPS } from '../../infra/constructs/release.ts';
import { accountQuota, LIMITS, type Limit } from './limits.ts';
import { fmt, MARK_ABOVE, perSecond, type Row, sendRates, workRates } from './model.ts';
import { hottestShare, type KeyFunctions } from './partitions.ts';
import type { Profile } from './profile.ts';
import type { Traffic } from './traffic.ts';

function row(fields: Omit<Row, 'share'>): Row {
  return { ...fields, share: fields.load / fields.limit.value };
}

/** Messages held during the closed hours and released when the window opens. */
function released(traffic: Traffic): number {
  return traffic.messagesPerSecond * 3_600 * traffic.windowHeldHours * traffic.windowHeldShare;
}

/** EventBridge: PutEvents calls (outcomes and the publishers' journey events) and rule invocations. */
export function eventBridgeRows(traffic: Traffic, profile: Profile): Row[] {
  const outcomes = perSecond(traffic, profile.outcomeEvents);
  const { sent, relayed } = outcomeRates(traffic, profile);
  const perSendCall = Math.min(LIMITS.putEventsEntries.value, traffic.sendBatchSize);
  const outcomeCalls = sent / perSendCall + relayed / LIMITS.putEventsEntries.value;
  const journeyEvents =
    traffic.messagesPerSecond + workRates(traffic).cancel + traffic.thresholdEventsPerSecond;
  const journeyCalls = journeyEvents / traffic.journeyEventsPerCall;
  const batched = outcomeCalls + journeyEvents / LIMITS.putEventsEntries.value;
  const putEvents = accountQuota(LIMITS.putEventsTps, traffic.putEventsQuota);
  const invocations = accountQuota(LIMITS.eventBridgeInvocations, traffic.ruleInvocationsQuota);
  return [
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'EventBridge PutEvents calls',
      knob: { field: 'putEventsQuota', scales: 'limit' },
      load: outcomeCalls + journeyCalls,
      limit: putEvents,
      basis: `${fmt(outcomes)} outcome events/s (send step ${fmt(sent)} in calls of ${perSendCall}, one per SQS batch; webhook ${fmt(relayed)} relayed in calls of ${LIMITS.putEventsEntries.value}) + ${fmt(journeyEvents)} journey events/s in publishers' calls of ${traffic.journeyEventsPerCall}`,
      fix: `Nudge's own calls are ${fmt(outcomeCalls)}/s; publishers batch their journey events 10 per PutEvents call (${fmt(batched)} calls/s in all), or request a PutEvents quota of ≥ ${fmt((outcomeCalls + journeyCalls) / MARK_ABOVE)}/s (adjustable)`,
    }),
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'EventBridge rule invocations (bus → ingest queue)',
      knob: { field: 'ruleInvocationsQuota', scales: 'limit' },
      load: journeyEvents,
      limit: invocations,
      basis: `${fmt(journeyEvents)} journey events/s, one rule target each`,
      fix: `request an invocations quota of ≥ ${fmt(journeyEvents / MARK_ABOVE)}/s`,
    }),
  ];
}

/**
 * The release path's design figures (functions/core/planning/release-window.ts,
 * infra/constructs/release.ts, functions/adapters/sqs/sqs-send-queue.ts): a sweep a minute per
 * shard group, each releasing two minutes of due times (so each message is enqueued twice), a
 * shard's pages enqueued ten a call with 16 calls in flight, eight shards at once per invocation.
 */
const RELEASE = {
  periodSeconds: RELEASE_TIMING.periodMs / 1_000,
  lookbackSeconds: RELEASE_TIMING.lookbackMs / 1_000,
  shards: RELEASE_SHARDS,
  groups: RELEASE_SHARD_GROUPS,
  shardsInParallel: 8,
  callsInFlightPerShard: 16,
  /** Assumed SendMessageBatch round trip inside the Region. */
  batchCallMs: 25,
  timeoutSeconds: 300,
  /** A KEYS_ONLY entry: table keys (`MSG#<id>`, `MSG`) and index keys (`REL#<n>`, `<sendAt>#<id>`), names included. */
  entryKeyBytes: 150,
} as const;

/**
 * The release path (docs/architecture.md, "Later sends"): messages due later than the queue can
 * hold wait in the sharded `release` index (in when scheduled, out when claimed: 1 WCU each),
 * and the sweep's rules enqueue them with SendMessageBatch. No per-message Scheduler call.
 */
export function releaseRows(traffic: Traffic, keys: KeyFunctions): Row[] {
  const rates = workRates(traffic);
  const held = traffic.messagesPerSecond * traffic.windowHeldShare;
  const burst = released(traffic) / traffic.windowReleaseSeconds;
  const sendCapacity = (traffic.sendMaxConcurrency * traffic.sendBatchSize) / (traffic.sendMs / 1_000);
  const claims = Math.min(burst, sendCapacity);
  const target = `index:${INDEXES.release.indexName}` as const;
  const hottest = (rate: number) => hottestShare(keys, target, 'reminder', rate);
  const copies = RELEASE.lookbackSeconds / RELEASE.periodSeconds;
  const entryBytes = RELEASE.entryKeyBytes + LIMITS.dynamoIndexEntryOverhead.value;
  // A shard is read a page at a time, each page enqueued before the next: read no faster than released.
  const shardReleaseRate =
    (RELEASE.callsInFlightPerShard * LIMITS.sqsBatchEntries.value) / (RELEASE.batchCallMs / 1_000);
  const readUnitsPerEntry = entryBytes / (2 * LIMITS.dynamoReadUnitBytes.value);
  const perSweepPerShard = burst * RELEASE.lookbackSeconds * hottest(burst);
  const invocationRate = shardReleaseRate * RELEASE.shardsInParallel;
  const perInvocation = (burst * RELEASE.lookbackSeconds) / RELEASE.groups;
  const timeout: Limit = {
    name: 'release function timeout (infra/constructs/release.ts)',
    value: RELEASE.timeoutSeconds,
    unit: 's',
    adjustable: true,
    source: 'infra/constructs/release.ts (RELEASE_TIMEOUT); Lambda allows up to 900 s',
  };
  const more = (load: number, limit: number) =>
    `${Math.ceil((RELEASE.shards * load) / (MARK_ABOVE * limit))} shards (RELEASE_SHARDS may only grow)`;
  const writesSustained = rates.reminder * 2 * hottest(rates.reminder);
  const writesHeld = held * hottest(held);
  const writesOpening = claims * hottest(claims);
  const readLoad = Math.min(perSweepPerShard, shardReleaseRate) * readUnitsPerEntry;
  return [
    row({
      group: 'DynamoDB partition',
      scenario: 'sustained',
      name: `${target} writes (in when scheduled, out when claimed)`,
      load: writesSustained,
      limit: LIMITS.dynamoPartitionWrites,
      basis: `reminder ${fmt(rates.reminder)}/s × 2 × 1 WCU × hottest of ${RELEASE.shards} shards ${fmt(hottest(rates.reminder) * 100)} %`,
      fix: `more shards: ${more(writesSustained, LIMITS.dynamoPartitionWrites.value)}`,
    }),
    row({
      group: 'DynamoDB partition',
      scenario: 'held hours',
      name: `${target} writes (messages deferred by a closed window)`,
      load: writesHeld,
      limit: LIMITS.dynamoPartitionWrites,
      basis: `${fmt(held)} deferred/s × 1 WCU × hottest ${fmt(hottest(held) * 100)} %`,
      fix: `more shards: ${more(writesHeld, LIMITS.dynamoPartitionWrites.value)}`,
    }),
    row({
      group: 'DynamoDB partition',
      scenario: 'window opening',
      name: `${target} writes (claims take the held messages out)`,
      load: writesOpening,
      limit: LIMITS.dynamoPartitionWrites,
      basis: `claims at the send function's pace, ${fmt(claims)}/s (≤ ${fmt(burst)} released/s) × 1 WCU × hottest ${fmt(hottest(claims) * 100)} %`,
      fix: `more shards: ${more(writesOpening, LIMITS.dynamoPartitionWrites.value)}`,
    }),
    row({
      group: 'DynamoDB partition',
      scenario: 'window opening',
      name: `${target} reads (release sweep Query, eventually consistent)`,
      load: readLoad,
      limit: LIMITS.dynamoPartitionReads,
      basis: `${fmt(perSweepPerShard)} entries per shard per sweep, read a page at a time at ≤ ${fmt(shardReleaseRate)} entries/s × ${entryBytes} B ÷ 8 KB`,
      fix: 'fewer calls in flight per shard, or more shards',
    }),
    row({
      group: 'design setting',
      scenario: 'window opening',
      name: 'release sweep duration (one shard group)',
      load: perInvocation / invocationRate,
      limit: timeout,
      basis: `${fmt(burst)} due/s × ${RELEASE.lookbackSeconds} s window ÷ ${RELEASE.groups} groups = ${fmt(perInvocation)} messages at ${fmt(invocationRate)}/s (${RELEASE.shardsInParallel} shards × ${RELEASE.callsInFlightPerShard} SendMessageBatch of 10 in flight, ${RELEASE.batchCallMs} ms each)`,
      fix: 'more shard groups (RELEASE_SHARD_GROUPS), or more calls in flight',
    }),
    row({
      group: 'AWS quota',
      scenario: 'window opening',
      name: 'SQS SendMessageBatch (release sweeps)',
      load: (burst * copies) / LIMITS.sqsBatchEntries.value,
      limit: LIMITS.sqsThroughput,
      basis: `${fmt(burst)} due/s, each enqueued by ${fmt(copies)} overlapping sweeps, ${LIMITS.sqsBatchEntries.value} a call`,
      fix: '–',
    }),
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'SQS SendMessageBatch (release sweeps)',
      load: (rates.reminder * copies) / LIMITS.sqsBatchEntries.value,
      limit: LIMITS.sqsThroughput,
      basis: `${fmt(rates.reminder)} reminders/s, each enqueued by ${fmt(copies)} overlapping sweeps, ${LIMITS.sqsBatchEntries.value} a call`,
      fix: '–',
    }),
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'EventBridge rule invocations (release sweeps)',
      load: RELEASE.groups / RELEASE.periodSeconds,
      limit: accountQuota(LIMITS.eventBridgeInvocations, traffic.ruleInvocationsQuota),
      basis: `${RELEASE.groups} scheduled rules, one invocation a minute each, whatever the traffic (no Scheduler call per message)`,
      fix: '–',
    }),
  ];
}

/**
 * Send invocations busy at once: a batch's records are sent in parallel
 * (functions/handlers/sqs-batch.ts), so an invocation of `sendBatchSize` lasts about one send.
 */
/** Outcome events a second: the send step's (`MessageSent`) and the webhook's (relayed). */
function outcomeRates(traffic: Traffic, profile: Profile): { sent: number; relayed: number } {
  const sent = perSecond(traffic, profile.sentOutcomeEvents);
  return { sent, relayed: perSecond(traffic, profile.outcomeEvents) - sent };
}

function sendExecutions(traffic: Traffic, sendRate: number): number {
  return (sendRate * (traffic.sendMs / 1_000)) / traffic.sendBatchSize;
}

/** Lambda: concurrency from rate × duration, per function and for the account. */
export function lambdaRows(traffic: Traffic, profile: Profile): Row[] {
  const rates = workRates(traffic);
  const sends = sendRates(traffic);
  const sendRate = sends.sms + sends.email;
  // Every journey event is evaluated: the messages', the closing events', the counted ones.
  const events = traffic.messagesPerSecond + rates.cancel + traffic.thresholdEventsPerSecond;
  const evaluate = events * (traffic.evaluateMs / 1_000);
  const send = sendExecutions(traffic, sendRate);
  const callbacks = perSecond(traffic, profile.callbacks);
  const webhook = callbacks * (traffic.webhookMs / 1_000);
  const relay = (outcomeRates(traffic, profile).relayed / RELAY_BATCH_SIZE) * (traffic.relayMs / 1_000);
  const total = evaluate + send + webhook + relay;
  const burstRate = released(traffic) / traffic.windowReleaseSeconds;
  const burstSend = burstRate * (traffic.sendMs / 1_000);
  const sendSetting: Limit = {
    name: 'send function: SQS event source maxConcurrency (sendConcurrency)',
    value: traffic.sendMaxConcurrency,
    unit: 'invocations',
    adjustable: true,
    source: 'infra/send-sizing.ts (DEFAULT_SEND_CONCURRENCY, SEND_BATCH_SIZE), infra setting sendConcurrency',
  };
  const perInvocation = `${fmt(sendRate)} sends/s × ${traffic.sendMs} ms ÷ batch ${traffic.sendBatchSize}`;
  const capacity = (traffic.sendMaxConcurrency * traffic.sendBatchSize) / (traffic.sendMs / 1_000);
  return [
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'Lambda concurrent executions (account)',
      knob: { field: 'lambdaConcurrencyQuota', scales: 'limit' },
      load: total,
      limit: accountQuota(LIMITS.lambdaConcurrency, traffic.lambdaConcurrencyQuota),
      basis: `evaluate ${fmt(evaluate)} + send ${fmt(send)} (÷ batch ${traffic.sendBatchSize}) + webhook ${fmt(webhook)} + outcome relay ${fmt(relay)} (÷ batch ${RELAY_BATCH_SIZE}) (rate × ${traffic.evaluateMs}/${traffic.sendMs}/${traffic.webhookMs}/${traffic.relayMs} ms assumed)`,
      fix: `request a concurrency quota of ≥ ${fmt(total / MARK_ABOVE)}`,
    }),
    row({
      group: 'AWS quota',
      scenario: 'window opening',
      name: 'Lambda scaling of send (new environments per 10 s)',
      knob: { field: 'windowReleaseSeconds', scales: 'inverse' },
      load: burstSend / traffic.sendBatchSize,
      limit: LIMITS.lambdaScalingRate,
      basis: `${fmt(burstRate)} released sends/s × ${traffic.sendMs} ms ÷ batch ${traffic.sendBatchSize}, from a cold start of the window`,
      fix: `ramp the release up: ≤ ${fmt((MARK_ABOVE * LIMITS.lambdaScalingRate.value * traffic.sendBatchSize) / (traffic.sendMs / 1_000))} more sends/s every 10 s (or provisioned concurrency)`,
    }),
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'SQS event source maxConcurrency of send (hard maximum)',
      knob: { field: 'sendBatchSize', scales: 'inverse', max: 10 },
      load: send,
      limit: LIMITS.sqsEventSourceMaxConcurrency,
      basis: `${perInvocation}: invocations needed at once`,
      fix: `a larger batch (SEND_BATCH_SIZE ${traffic.sendBatchSize} → ${Math.ceil((send * traffic.sendBatchSize) / (MARK_ABOVE * LIMITS.sqsEventSourceMaxConcurrency.value))}) or the send queue split in ${Math.ceil(send / (MARK_ABOVE * LIMITS.sqsEventSourceMaxConcurrency.value))}`,
    }),
    row({
      group: 'design setting',
      scenario: 'sustained',
      name: 'send concurrency (SQS event source maxConcurrency)',
      knob: { field: 'sendMaxConcurrency', scales: 'limit', max: LIMITS.sqsEventSourceMaxConcurrency.value },
      load: send,
      limit: sendSetting,
      basis: `${perInvocation}; ${traffic.sendMaxConcurrency} × ${traffic.sendBatchSize} ÷ ${traffic.sendMs / 1_000} s ≈ ${fmt(capacity)} messages/s at most`,
      fix: `size sendConcurrency to ≥ ${fmt(Math.ceil(send / MARK_ABOVE))} (messages/s ≈ concurrency × ${traffic.sendBatchSize} ÷ ${traffic.sendMs / 1_000} s)${send / MARK_ABOVE > LIMITS.sqsEventSourceMaxConcurrency.value ? ': above the event source maximum of 1,000, so also a larger batch or a split send queue' : ''}, within the account's concurrency`,
    }),
  ];
}

/** SQS and Secrets Manager. */
export function queueAndSecretRows(traffic: Traffic): Row[] {
  const sends = sendRates(traffic);
  const inFlight = (sends.sms + sends.email) * (traffic.sendMs / 1_000);
  const coldStarts = (traffic.messagesPerSecond * traffic.coldStartsPer100k) / 100_000;
  return [
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'SQS send queue messages in flight',
      load: inFlight,
      limit: LIMITS.sqsInFlight,
      basis: 'sends/s × send duration (received, not yet deleted)',
      fix: 'split the send queue (per channel or shard) or request a higher in-flight quota',
    }),
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'SQS SendMessage / ReceiveMessage / DeleteMessage',
      load: traffic.messagesPerSecond * 2,
      limit: LIMITS.sqsThroughput,
      basis: 'ingest + send queue; standard queues have no number to divide by',
      fix: '–',
    }),
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'Secrets Manager GetSecretValue',
      load: coldStarts * 2 * 3,
      limit: LIMITS.getSecretValueTps,
      basis: `${fmt(coldStarts)} cold starts/s of send and of webhook, 3 secrets each`,
      fix: 'read the secrets on first use and cache them across invocations (already per cold start)',
    }),
  ];
}

const SENDER_LIMIT = {
  'long-code': LIMITS.twilioLongCode,
  'toll-free': LIMITS.twilioTollFree,
  'short-code': LIMITS.twilioShortCode,
  alphanumeric: LIMITS.twilioAlphanumeric,
} as const;

/**
 * One sender's limit: the rate guard's figure (`twilioSenderMps`), else Twilio's default for the
 * kind as the guard reads it (functions/core/messages/sender-rate.ts), cited from limits.ts.
 */
function senderLimit(traffic: Traffic): Limit {
  const cited = SENDER_LIMIT[traffic.twilioSender];
  const mps = traffic.twilioSenderMps ?? DEFAULT_SENDER_MPS[traffic.twilioSender];
  return {
    ...cited,
    name: `Twilio ${traffic.twilioSender} sender (rate guard at ${fmt(mps)}/s)`,
    value: mps,
  };
}

/** Twilio segments per second per sender and across the pool; SendGrid requests per second. */
export function providerRows(traffic: Traffic): Row[] {
  const rates = sendRates(traffic);
  const perSender = senderLimit(traffic);
  const pool: Limit = {
    ...perSender,
    name: `Twilio ${traffic.twilioSender} × ${traffic.twilioSenders} sender(s)`,
    value: perSender.value * traffic.twilioSenders,
  };
  const segments = rates.sms * traffic.segmentsPerSms;
  const burstSegments =
    (released(traffic) / traffic.windowReleaseSeconds) * traffic.smsShare * traffic.segmentsPerSms;
  const sendGrid: Limit = {
    ...LIMITS.sendGridMailSend,
    value: traffic.sendGridRequestsPerSecond ?? Number.NaN,
  };
  const senders = (load: number) => Math.ceil(load / (MARK_ABOVE * perSender.value));
  const share = perSender.value / traffic.sendMaxConcurrency;
  return [
    row({
      group: 'provider',
      scenario: 'sustained',
      name: 'Twilio segments per sender (rate guard)',
      knob: { field: 'twilioSenders', scales: 'inverse' },
      load: segments / traffic.twilioSenders,
      limit: perSender,
      basis: `${fmt(segments)} segments/s over ${traffic.twilioSenders} sender(s); each send instance may use ${fmt(share)}/s (${fmt(perSender.value)} ÷ sendConcurrency ${traffic.sendMaxConcurrency})`,
      fix: `spread over ≥ ${fmt(senders(segments))} senders (a Messaging Service, twilioSenderMps its pool's sum) or buy throughput: the guard holds the rest in the queue`,
    }),
    row({
      group: 'provider',
      scenario: 'window opening',
      name: 'Twilio message segments',
      knob: { field: 'windowReleaseSeconds', scales: 'inverse' },
      load: burstSegments,
      limit: pool,
      basis:
        "the held SMS offered at once: the rate guard sends at the senders' rate and the rest wait (queue, then rate-limited retries)",
      fix: `release the held SMS at the senders' rate: jitter over ≥ ${fmt((released(traffic) * traffic.smsShare * traffic.segmentsPerSms) / (MARK_ABOVE * pool.value))} s, or more senders`,
    }),
    row({
      group: 'provider',
      scenario: 'sustained',
      name: 'SendGrid Mail Send requests',
      load: rates.email,
      limit: sendGrid,
      basis: `${fmt(rates.email)} emails/s, one request each`,
      fix: "ask SendGrid for the account's Mail Send rate; batch up to 1,000 recipients per request where content allows",
    }),
  ];
}
