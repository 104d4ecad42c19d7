/**
 * The account quotas and provider limits of the capacity model: EventBridge, Scheduler, Lambda,
 * SQS, Secrets Manager, Twilio and SendGrid, each from the traffic model and the measured
 * outcome events and callbacks per message (bench/capacity/model.ts has the partitions).
 */

import { DEFAULT_SENDER_MPS } from '../../functions/core/messages/sender-rate.ts';
import { RELAY_BATCH_SIZE } from '../../infra/constructs/outcome-relay.ts';
import { LIMITS, type Limit } from './limits.ts';
import { fmt, MARK_ABOVE, perSecond, type Row, sendRates, workRates } from './model.ts';
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
  return [
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'EventBridge PutEvents calls',
      load: outcomeCalls + journeyCalls,
      limit: LIMITS.putEventsTps,
      basis: `${fmt(outcomes)} outcome events/s (send step ${fmt(sent)} in calls of ${perSendCall}, one per SQS batch; webhook ${fmt(relayed)} relayed in calls of ${LIMITS.putEventsEntries.value}) + ${fmt(journeyEvents)} journey events/s in publishers' calls of ${traffic.journeyEventsPerCall}`,
      fix: `Nudge's own calls are ${fmt(outcomeCalls)}/s; publishers batch their journey events 10 per PutEvents call (${fmt(batched)} calls/s in all), or request a PutEvents quota of ≥ ${fmt((outcomeCalls + journeyCalls) / MARK_ABOVE)}/s (adjustable)`,
    }),
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'EventBridge rule invocations (bus → ingest queue)',
      load: journeyEvents,
      limit: LIMITS.eventBridgeInvocations,
      basis: `${fmt(journeyEvents)} journey events/s, one rule target each`,
      fix: `request an invocations quota of ≥ ${fmt(journeyEvents / MARK_ABOVE)}/s`,
    }),
  ];
}

/** Scheduler: a schedule per reminder and per held message, all held ones firing at the opening. */
export function schedulerRows(traffic: Traffic): Row[] {
  const rates = workRates(traffic);
  const held = traffic.messagesPerSecond * traffic.windowHeldShare;
  const burst = released(traffic) / traffic.windowReleaseSeconds;
  const spreadSeconds = released(traffic) / (MARK_ABOVE * LIMITS.schedulerInvocations.value);
  const bucketed =
    'one schedule per (due minute, shard) that releases its messages from a due-time index, not one per message';
  return [
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'Scheduler CreateSchedule',
      load: rates.reminder,
      limit: LIMITS.createScheduleTps,
      basis: `${fmt(rates.reminder)} reminders/s, one schedule each`,
      fix: bucketed,
    }),
    row({
      group: 'AWS quota',
      scenario: 'held hours',
      name: 'Scheduler CreateSchedule',
      load: held,
      limit: LIMITS.createScheduleTps,
      basis: `${fmt(held)} messages/s deferred by a closed window, one schedule each`,
      fix: bucketed,
    }),
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'Scheduler DeleteSchedule (cancelled reminders)',
      load: rates.cancel,
      limit: LIMITS.deleteScheduleTps,
      basis: `${fmt(traffic.cancelShare * 100)} % of reminders cancelled before their time`,
      fix: 'leave the schedule and let the send step find the message cancelled (it re-checks), or bucket schedules as above',
    }),
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'Scheduler invocations',
      load: rates.reminder - rates.cancel,
      limit: LIMITS.schedulerInvocations,
      basis: 'reminders that reach their time',
      fix: bucketed,
    }),
    row({
      group: 'AWS quota',
      scenario: 'window opening',
      name: 'Scheduler invocations',
      load: burst,
      limit: LIMITS.schedulerInvocations,
      basis: `${fmt(released(traffic))} held messages released over ${fmt(traffic.windowReleaseSeconds)} s`,
      fix: `jitter the releases over ≥ ${fmt(spreadSeconds)} s, or release in bulk (one invocation per bucket of messages)`,
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
      load: total,
      limit: LIMITS.lambdaConcurrency,
      basis: `evaluate ${fmt(evaluate)} + send ${fmt(send)} (÷ batch ${traffic.sendBatchSize}) + webhook ${fmt(webhook)} + outcome relay ${fmt(relay)} (÷ batch ${RELAY_BATCH_SIZE}) (rate × ${traffic.evaluateMs}/${traffic.sendMs}/${traffic.webhookMs}/${traffic.relayMs} ms assumed)`,
      fix: `request a concurrency quota of ≥ ${fmt(total / MARK_ABOVE)}`,
    }),
    row({
      group: 'AWS quota',
      scenario: 'window opening',
      name: 'Lambda scaling of send (new environments per 10 s)',
      load: burstSend / traffic.sendBatchSize,
      limit: LIMITS.lambdaScalingRate,
      basis: `${fmt(burstRate)} released sends/s × ${traffic.sendMs} ms ÷ batch ${traffic.sendBatchSize}, from a cold start of the window`,
      fix: `ramp the release up: ≤ ${fmt((MARK_ABOVE * LIMITS.lambdaScalingRate.value * traffic.sendBatchSize) / (traffic.sendMs / 1_000))} more sends/s every 10 s (or provisioned concurrency)`,
    }),
    row({
      group: 'AWS quota',
      scenario: 'sustained',
      name: 'SQS event source maxConcurrency of send (hard maximum)',
      load: send,
      limit: LIMITS.sqsEventSourceMaxConcurrency,
      basis: `${perInvocation}: invocations needed at once`,
      fix: `a larger batch (SEND_BATCH_SIZE ${traffic.sendBatchSize} → ${Math.ceil((send * traffic.sendBatchSize) / (MARK_ABOVE * LIMITS.sqsEventSourceMaxConcurrency.value))}) or the send queue split in ${Math.ceil(send / (MARK_ABOVE * LIMITS.sqsEventSourceMaxConcurrency.value))}`,
    }),
    row({
      group: 'design setting',
      scenario: 'sustained',
      name: 'send concurrency (SQS event source maxConcurrency)',
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
      load: segments / traffic.twilioSenders,
      limit: perSender,
      basis: `${fmt(segments)} segments/s over ${traffic.twilioSenders} sender(s); each send instance may use ${fmt(share)}/s (${fmt(perSender.value)} ÷ sendConcurrency ${traffic.sendMaxConcurrency})`,
      fix: `spread over ≥ ${fmt(senders(segments))} senders (a Messaging Service, twilioSenderMps its pool's sum) or buy throughput: the guard holds the rest in the queue`,
    }),
    row({
      group: 'provider',
      scenario: 'window opening',
      name: 'Twilio message segments',
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
