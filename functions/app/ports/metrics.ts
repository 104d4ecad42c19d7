import { SUPPRESS_REASONS } from '../../core/planning/decide.ts';

/**
 * The metrics Nudge emits (CloudWatch, namespace `Nudge`, through Powertools EMF in Lambda; in
 * memory locally, served at `GET /api/metrics`). Counts unless said otherwise. Dimension values
 * are closed sets ({@link metricReason}), so a metric never grows one series per message.
 */
const METRIC_NAMES = [
  /** One per journey event the evaluate step read. */
  'EventsReceived',
  /** One per event that at least one rule matched (trigger, closer or threshold). */
  'EventsMatched',
  /** One per event refused; dimension `reason`. */
  'EventsRejected',
  /** One per message planned to be sent (scheduled). */
  'MessagesPlanned',
  /** One per message a provider accepted; dimension `channel`. */
  'MessagesSent',
  /** One per delivery report that says delivered; dimension `channel`. */
  'MessagesDelivered',
  /** One per message recorded failed (send step or provider report); dimension `reason`. */
  'MessagesFailed',
  /** One per message held back; dimension `reason`. */
  'MessagesSuppressed',
  /** Milliseconds a provider took to answer a send; dimension `channel`. */
  'ProviderLatency',
  /** One per webhook call refused; dimension `reason`. */
  'WebhookRefused',
] as const;
export type MetricName = (typeof METRIC_NAMES)[number];

/** The one dimension a metric may carry (besides the service), from a closed set of values. */
export type MetricDimensions = { reason: string } | { channel: string } | Record<string, never>;

/** Where use-case outcomes are counted. Built once per process; flushed per invocation. */
export interface Metrics {
  /** Adds `value` (default 1) to a count, or one sample (ms) of `ProviderLatency`. */
  add(name: MetricName, dimensions?: MetricDimensions, value?: number): void;
}

/** A metrics port that counts nothing (the simulator, tests that do not look). */
export const noMetrics: Metrics = { add: () => {} };

/**
 * Reasons that are counted as they are: the suppress reasons of the planner, the send step's
 * and the providers' stable codes, and Nudge's own failure classes. Anything else (a provider's
 * numbered code, a free-text rejection) is folded into a class by {@link metricReason}.
 */
export const KNOWN_REASONS: ReadonlySet<string> = new Set([
  ...SUPPRESS_REASONS,
  // send failures (provider adapters' receipt codes)
  'retries-exhausted',
  'network',
  'rate-limited',
  'provider-error',
  'provider-auth',
  'wrong-channel',
  'unsubscribe-link',
  'invalid-number',
  'invalid-address',
  'region-not-enabled',
  'recipient-unsubscribed',
  'unreachable-number',
  'not-a-mobile-number',
  'body-too-long',
  'landline-or-unreachable',
  'carrier-filtered',
  // Nudge's own classes
  'holdout', // a held-out decision: counted with the held back, never sent
  'invalid-event',
  'future-time',
  'permanent-error',
  'provider-report',
  'bad-signature',
  'malformed',
  'payload-too-large',
]);

/**
 * A reason as a metric dimension: a known code as it is; a provider's numbered refusal
 * (`twilio-21606`, `sendgrid-400`) as `provider-refused`; anything else as `other`. The full
 * reason stays on the message record and in the log line.
 */
export function metricReason(reason: string): string {
  if (KNOWN_REASONS.has(reason)) return reason;
  if (/^(twilio|sendgrid)-\d+$/.test(reason)) return 'provider-refused';
  return 'other';
}
