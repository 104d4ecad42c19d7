/**
 * The traffic the capacity model is asked about, with its defaults (issue 14: 10,000 messages a
 * second, a window opening that releases an hour of deferred messages, 1 % of customers replying,
 * a threshold rule on a hot key at 500 events a second). Overridden by a YAML or JSON file
 * (`--traffic file`) and then by flags (`--messages-per-second 2000`).
 */
import { readFileSync } from 'node:fs';
import { Duration } from 'luxon';
import { parse as parseYaml } from 'yaml';
import * as z from 'zod';
import { EngineSettingsSchema } from '../../functions/core/config/engine-settings.ts';
import { DEFAULT_SEND_CONCURRENCY, SEND_BATCH_SIZE } from '../../infra/send-sizing.ts';

const SENDER_TYPES = ['long-code', 'toll-free', 'short-code', 'alphanumeric'] as const;

const TrafficSchema = z
  .object({
    /** New messages a second, sustained (each from one journey event). */
    messagesPerSecond: z.number().positive(),
    /** Share of messages sent as SMS; the rest are email (of the messages sent at once). */
    smsShare: z.number().min(0).max(1),
    /** Share of messages that are reminders: planned for later (a schedule each), correlated, SMS. */
    reminderShare: z.number().min(0).max(1),
    /** Share of SMS customers who answer (YES, NO, STOP…). */
    replyShare: z.number().min(0).max(1),
    /** Hours of messages a send window holds back and releases when it opens. */
    windowHeldHours: z.number().min(0),
    /** Share of messages held back by a window during those hours. */
    windowHeldShare: z.number().min(0).max(1),
    /**
     * Seconds over which the held messages are released: the engine setting
     * `windowOpening.spread` (default PT10M, read from the code); 1 s is every held message at
     * the opening instant (`spread: PT0S`).
     */
    windowReleaseSeconds: z.number().positive(),
    /** Share of reminders cancelled by a closing event before their time (DeleteSchedule). */
    cancelShare: z.number().min(0).max(1),
    /** Events a second of one threshold rule on its hottest key value. */
    thresholdEventsPerSecond: z.number().min(0),
    /** The threshold rule's window, seconds. */
    thresholdWindowSeconds: z.number().positive(),
    /** The threshold rule's `count`: events in the window that make an alert (2–10,000). */
    thresholdCount: z.number().int().min(2).max(10_000),
    /** The threshold rule's cooldown, seconds (default in a rule: the window). */
    thresholdCooldownSeconds: z.number().positive(),
    /** Journey events rejected as malformed, a second (each kept under REJECTED#<month>). */
    rejectedPerSecond: z.number().min(0),
    /** Size of a rejected input's raw text, bytes (kept up to 8 KB). */
    rejectedBytes: z.number().positive(),
    /** SMS segments per message (Twilio's rate counts segments). */
    segmentsPerSms: z.number().positive(),
    twilioSender: z.enum(SENDER_TYPES),
    /** Senders in the Messaging Service pool (1: one number). */
    twilioSenders: z.number().int().positive(),
    /** Mail Send requests a second your SendGrid account allows (no documented default). */
    sendGridRequestsPerSecond: z.number().positive().optional(),
    /** Lambda duration per record, ms (assumed, as bench/aws-cost.ts assumes them). */
    evaluateMs: z.number().positive(),
    sendMs: z.number().positive(),
    webhookMs: z.number().positive(),
    /** The outcome relay's duration per invocation (a batch of queued bodies, PutEvents calls of 10). */
    relayMs: z.number().positive(),
    /** Cold starts per 100,000 messages, each reading the three secrets once. */
    coldStartsPer100k: z.number().min(0),
    /** Journey events per PutEvents call by the company's publishers (same account quota). */
    journeyEventsPerCall: z.number().int().min(1).max(10),
    /** Send function: SQS event source maxConcurrency (infra setting sendConcurrency, 2–1000) and batch size. */
    sendMaxConcurrency: z.number().int().min(2).max(1000),
    sendBatchSize: z.number().int().positive(),
    /**
     * Segments a second each Twilio sender is configured for (the rate guard's figure,
     * infra setting twilioSenderMps); default: Twilio's default for `twilioSender`.
     */
    twilioSenderMps: z.number().positive().optional(),
    /**
     * The account's quotas where they have been raised (Service Quotas); default: AWS's documented
     * default (bench/capacity/limits.ts). `--size` says what to request.
     */
    lambdaConcurrencyQuota: z.number().int().positive().optional(),
    putEventsQuota: z.number().int().positive().optional(),
    ruleInvocationsQuota: z.number().int().positive().optional(),
  })
  .strict();

export type Traffic = z.infer<typeof TrafficSchema>;

export const DEFAULT_TRAFFIC: Traffic = {
  messagesPerSecond: 10_000,
  smsShare: 0.7,
  reminderShare: 0.3,
  replyShare: 0.01,
  windowHeldHours: 1,
  windowHeldShare: 1,
  windowReleaseSeconds: Duration.fromISO(EngineSettingsSchema.parse({}).windowOpening.spread).as('seconds'),
  cancelShare: 0.1,
  thresholdEventsPerSecond: 500,
  thresholdWindowSeconds: 3_600,
  thresholdCount: 100,
  thresholdCooldownSeconds: 3_600,
  rejectedPerSecond: 100,
  rejectedBytes: 2_048,
  segmentsPerSms: 1,
  twilioSender: 'short-code',
  twilioSenders: 1,
  evaluateMs: 50,
  sendMs: 350,
  webhookMs: 30,
  relayMs: 200,
  coldStartsPer100k: 100,
  journeyEventsPerCall: 1,
  // What the stack deploys by default (infra/send-sizing.ts), read from the code.
  sendMaxConcurrency: DEFAULT_SEND_CONCURRENCY,
  sendBatchSize: SEND_BATCH_SIZE,
};

/** `--messages-per-second` → `messagesPerSecond`. */
function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/** The flag names a traffic field answers to, for `--help`. */
export function trafficFlags(): string[] {
  return Object.keys(TrafficSchema.shape).map(
    (key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`,
  );
}

/**
 * The traffic model: defaults, then the file's fields, then `--field value` flags.
 *
 * @throws {Error} naming the field when a value is not valid.
 */
export function readTraffic(flags: ReadonlyMap<string, string>, file?: string): Traffic {
  const fromFile: unknown = file === undefined ? {} : parseYaml(readFileSync(file, 'utf8'));
  const fromFlags: Record<string, unknown> = {};
  for (const [flag, raw] of flags) {
    const key = camel(flag);
    if (!(key in TrafficSchema.shape)) continue;
    const asNumber = Number(raw);
    fromFlags[key] = raw.trim() !== '' && Number.isFinite(asNumber) ? asNumber : raw;
  }
  const merged = {
    ...DEFAULT_TRAFFIC,
    ...z.record(z.string(), z.unknown()).parse(fromFile ?? {}),
    ...fromFlags,
  };
  const result = TrafficSchema.safeParse(merged);
  if (!result.success) {
    const problems = result.error.issues.map(
      (issue) => `${issue.path.join('.') || '(traffic)'}: ${issue.message}`,
    );
    throw new Error(`invalid traffic model: ${problems.join('; ')}`);
  }
  return result.data;
}
