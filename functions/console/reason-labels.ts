/**
 * Reason codes as the console shows them: one sentence per code, with the parameters the record
 * holds (`outside-window` → "Outside the send window; moved to 08:00 Tue 8 Dec"). The codes stay
 * what is stored, counted and sent on the bus; only the console translates them, here, once.
 */
import { DateTime, IANAZone } from 'luxon';
import type { EvaluationResult } from '../app/evaluate-event.ts';
import type { SUPPRESSION_REASONS } from '../core/customers/suppression-address.ts';
import type { SUPPRESS_REASONS } from '../core/planning/decide.ts';

/** What a label may quote: the record's `detail`, the message's send time and the viewer's zone. */
export interface ReasonContext {
  detail?: string;
  /** The message's (new) send time, ISO UTC: where a deferral moved it. */
  sendAt?: string;
  /** The zone to write times in (the viewer's); UTC when absent or unknown. */
  zone?: string;
}

type Label = (context: ReasonContext) => string;

/**
 * The codes the type system knows (planner, address suppressions, closing events): a code added
 * to one of those unions fails to compile here until it has a label.
 */
type TypedReason =
  | (typeof SUPPRESS_REASONS)[number]
  | (typeof SUPPRESSION_REASONS)[number]
  | EvaluationResult['closed'][number]['reason'];

const withDetail =
  (sentence: string): Label =>
  ({ detail }) =>
    detail === undefined || detail === '' ? sentence : `${sentence}: ${detail}`;

const TYPED: Record<TypedReason, Label> = {
  'missing-field': withDetail('A field the rule needs is missing from the event'),
  'invalid-date': withDetail('A date in the event could not be read'),
  'planned-time-passed': withDetail('The planned time had already passed and the rule does not send late'),
  'outside-window': outsideWindow,
  'no-usable-channel': withDetail('No channel of the rule can reach the customer'),
  'frequency-cap': withDetail("The customer's frequency cap was reached"),
  duplicate: withDetail('Already planned once (same dedupe key)'),
  'template-error': withDetail('The template could not be rendered'),
  'rule-disabled': () => 'The rule was disabled before the message was due',
  'rule-removed': () => 'The rule is no longer in the active rule set',
  'unknown-customer': withDetail('The customer is unknown (no profile)'),
  'too-large': withDetail('The message is larger than Nudge sends'),
  'stop-reply': () => 'The customer replied STOP',
  'carrier-opt-out': () => 'The number opted out at the carrier',
  unsubscribe: () => 'The recipient unsubscribed',
  'one-click-unsubscribe': () => 'The recipient used the one-click unsubscribe link',
  'spam-report': () => 'The recipient reported the email as spam',
  'hard-bounce': () => 'The email address does not exist (hard bounce)',
  'closed-by-event': withDetail('Closed by a later event'),
  'expectation-met': withDetail('The expected event arrived in time'),
};

/**
 * The other codes: the send step's and its retries, the providers' stable receipt codes (mapped
 * in each adapter), contact and render problems, and Nudge's own failure classes.
 */
const OTHER: Readonly<Record<string, Label>> = {
  late: () => 'The planned time had passed; sent at once',
  holdout: () => "Held out: in the rule's holdout group, so never sent (measures the rule's effect)",
  fallback: withDetail('Sent on a fallback channel'),
  retry: withDetail('The provider failed for now; trying again'),
  'retries-exhausted': withDetail('The provider kept failing; gave up after the last retry'),
  network: withDetail('The provider could not be reached'),
  'rate-limited': withDetail('The provider asked to slow down'),
  'provider-error': withDetail('The provider had an error'),
  'provider-auth': withDetail("The provider refused Nudge's credentials"),
  'wrong-channel': () => 'The message went to a sender of another channel',
  'unsubscribe-link': withDetail('The email could not carry its unsubscribe link'),
  'score-link': withDetail('The email could not carry its score links'),
  'invalid-number': () => 'The provider says the phone number is not valid',
  'invalid-address': withDetail('The address is not valid'),
  'region-not-enabled': () => "The number's country is not enabled at the provider",
  'recipient-unsubscribed': () => 'The recipient opted out at the provider',
  'unreachable-number': () => 'The provider says the number cannot be reached',
  'not-a-mobile-number': () => 'The number is not a mobile number',
  'body-too-long': () => 'The provider says the text is too long',
  'landline-or-unreachable': () => 'The number is a landline or unreachable',
  'carrier-filtered': () => "The recipient's carrier filtered the message",
  'opted-out': withDetail('The customer opted out of the channel'),
  'no-address': withDetail('The customer has no address for the channel'),
  'template-not-found': withDetail('No template for the channel and language'),
  'unknown-variable': withDetail('The template uses a value the event does not have'),
  'invalid-value': withDetail('A value in the event cannot be formatted'),
  'invalid-request': withDetail('The render request was not usable'),
  'empty-message': withDetail('The template rendered to nothing'),
  'unsafe-link': withDetail('The template has a link that is not http(s), mailto or tel'),
  'invalid-event': withDetail('The event is not a valid journey event'),
  'future-time': withDetail("The event's time is too far in the future"),
  'permanent-error': withDetail('Sending failed with an error that a retry will not fix'),
  'provider-report': withDetail('The provider reported a failure'),
  'bad-signature': () => 'A webhook call had a missing or wrong signature',
  malformed: withDetail('The input could not be read'),
  'payload-too-large': () => 'The input was too large',
};

const LABELS: Readonly<Record<string, Label>> = { ...TYPED, ...OTHER };

/** A provider's numbered refusal as the adapters name it: `twilio-21606`, `sendgrid-400`. */
const PROVIDER_CODE = /^(twilio|sendgrid)-(\d+)$/;

/** Whether a reason code has its own sentence (the test checks every code the engine has). */
export function hasReasonLabel(reason: string): boolean {
  return Object.hasOwn(LABELS, reason) || PROVIDER_CODE.test(reason);
}

/**
 * A reason as a sentence for people. A code without a label (free text from a provider report,
 * say) is shown as it is, with its detail.
 */
export function reasonLabel(reason: string, context: ReasonContext = {}): string {
  const label = Object.hasOwn(LABELS, reason) ? LABELS[reason] : undefined;
  if (label !== undefined) return label(context);
  const provider = PROVIDER_CODE.exec(reason);
  if (provider !== null) {
    const name = provider[1] === 'twilio' ? 'Twilio' : 'SendGrid';
    return withDetail(`${name} refused the message (error ${provider[2]})`)(context);
  }
  return withDetail(reason)(context);
}

/**
 * `outside-window`: a scheduled message moved to the window's next opening (the planner's
 * `deferred from …`, the send step's `deferred to …`), or one dropped because the rule says so.
 */
function outsideWindow(context: ReasonContext): string {
  const detail = context.detail ?? '';
  const deferredTo = /^deferred to (\S+)$/.exec(detail)?.[1];
  const movedTo = deferredTo ?? (detail.startsWith('deferred from ') ? context.sendAt : undefined);
  if (movedTo !== undefined) return `Outside the send window; moved to ${shortTime(movedTo, context.zone)}`;
  return withDetail('Outside the send window; not sent, as the rule drops such messages')(context);
}

/** `08:00 Tue 8 Dec` in the zone (UTC when unknown), as people say it. */
function shortTime(iso: string, zone: string | undefined): string {
  const shown = zone !== undefined && IANAZone.isValidZone(zone) ? zone : 'UTC';
  const time = DateTime.fromISO(iso, { zone: 'utc' });
  if (!time.isValid) return iso;
  const text = time.setZone(shown).toFormat('HH:mm ccc d LLL', { locale: 'en-GB' });
  return shown === 'UTC' ? `${text} UTC` : text;
}
