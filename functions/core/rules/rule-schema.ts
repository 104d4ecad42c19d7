import { Duration, IANAZone } from 'luxon';
import * as z from 'zod';
import { canonicalLocale } from '../messages/template-locale.ts';
import { MAX_REPLY_WINDOW_DAYS, REPLY_EXPECTATIONS } from '../replies/score-reply.ts';
import { MAX_THRESHOLD_COUNT } from './rule-limits.ts';
import { WEEKDAYS } from './weekdays.ts';

/**
 * The notification rule language, as operations staff write it in `rules/*.yaml`.
 * One zod schema is the single source of truth: it validates the files, types the engine and
 * is exported as JSON Schema (`nudge rules schema`) so editors can autocomplete.
 */

/**
 * An ISO-8601 duration with at least one number (luxon also accepts a bare `P` or `PT`, as
 * zero, which is never what someone meant). A duration that reads forwards ("after", a
 * horizon) must not be negative; an offset from a date may be.
 */
const isoDuration = (example: string, sign: 'any' | 'not-negative' = 'any') =>
  z
    .string()
    .refine((value) => /\d/.test(value) && Duration.fromISO(value).isValid, {
      message: `expected an ISO-8601 duration such as ${example}`,
    })
    .refine((value) => sign === 'any' || !(Duration.fromISO(value).toMillis() < 0), {
      message: `must not be negative (such as ${example})`,
    });

/**
 * A duration that must be longer than zero (and, with `maxDays`, at most that many days): one
 * message per problem, the first that applies, so a typo is not reported three ways.
 */
const positiveDuration = (example: string, what: string, maxDays?: number) =>
  z.string().check((ctx) => {
    const value = ctx.value;
    const duration = Duration.fromISO(value);
    const message = !(/\d/.test(value) && duration.isValid)
      ? `expected an ISO-8601 duration such as ${example}`
      : duration.toMillis() < 0
        ? `must not be negative (such as ${example})`
        : duration.toMillis() === 0
          ? `expected ${what} longer than zero, such as ${example}`
          : maxDays !== undefined && duration.toMillis() > maxDays * 86_400_000
            ? `expected ${what} of at most ${maxDays} days (P${maxDays}D)`
            : undefined;
    if (message !== undefined) ctx.issues.push({ code: 'custom', message, input: value });
  });

/** A dotted path into the event, e.g. `detail.renewalDate` or `detail.customer.id`. */
const eventPath = z.string().regex(/^[A-Za-z_$][\w$-]*(\.[A-Za-z_$][\w$-]*)*$/, {
  message: 'expected a dotted path into the event such as detail.renewalDate',
});

const localTime = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'expected a local time of day as HH:mm, such as 10:00' });

const hoursRange = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d-(([01]\d|2[0-3]):[0-5]\d|24:00)$/, {
    message: 'expected opening hours as HH:mm-HH:mm, such as 08:00-20:00',
  })
  .refine(
    (value) => {
      const [start = '', end = ''] = value.split('-');
      return start < end;
    },
    { message: 'the window must close after it opens on the same day, such as 08:00-20:00' },
  );

export { WEEKDAYS };

/**
 * An EventBridge event pattern. Its full syntax is checked by the pattern validator
 * (`validatePattern`), which reports the exact path of each problem; here it only has to be an object.
 */
const eventPattern = z.record(z.string(), z.unknown()).describe('An Amazon EventBridge event pattern');

/** When a message goes out, relative to the triggering event. */
const SendSpecSchema = z.union([
  z.literal('immediately').describe('Send as soon as the event arrives'),
  z.strictObject({
    after: isoDuration('PT1H', 'not-negative').describe('Send this long after the event time, e.g. PT1H'),
    ifPast: z.enum(['send-now', 'skip']).optional(),
  }),
  z.strictObject({
    at: z.strictObject({
      field: eventPath.describe('A date (2026-12-07) or date-time field of the event'),
      offset: isoDuration('-P14D').optional().describe('Shift from the field, e.g. -P14D for 14 days before'),
      time: localTime.optional().describe("Local time of day in the customer's time zone, e.g. 10:00"),
    }),
    ifPast: z
      .enum(['send-now', 'skip'])
      .optional()
      .describe('What to do when the planned time has already passed on arrival (default: skip)'),
  }),
]);

/** Allowed sending hours in the recipient's time zone. */
export const WindowSchema = z.strictObject({
  days: z.array(z.enum(WEEKDAYS)).min(1).optional().describe('Allowed week days (default: every day)'),
  hours: hoursRange.describe('Allowed local hours, e.g. 08:00-20:00 (start inclusive, end exclusive)'),
  outside: z
    .enum(['defer', 'drop'])
    .optional()
    .describe('Outside the window: defer to the next opening (default) or drop with a reason'),
});
export type WindowSpec = z.infer<typeof WindowSchema>;

/** A later, correlated event that closes the matter and cancels the pending message. */
const CancelSchema = z.strictObject({
  on: z.array(eventPattern).min(1).describe('Event patterns that cancel the pending message'),
  key: eventPath.describe('Path in the triggering event whose value correlates, e.g. detail.policyId'),
  eventKey: eventPath.optional().describe('Path in the cancelling event (default: the same path as key)'),
});

/** The deadline of a missed-expectation rule: a duration after the event, or an offset from a field. */
const DeadlineSchema = z.union([
  z.strictObject({
    after: isoDuration('PT2H', 'not-negative').describe('This long after the trigger event time'),
  }),
  z.strictObject({
    field: eventPath.describe('A date-time field of the trigger, e.g. detail.promisedDeliveryAt'),
    offset: isoDuration('PT2H').optional(),
  }),
]);

/** Send only if a correlated event did NOT arrive by the deadline. */
const ExpectSchema = z.strictObject({
  on: z.array(eventPattern).min(1).describe('Patterns of the expected event, e.g. OrderDelivered'),
  key: eventPath.describe('Path in the triggering event whose value correlates, e.g. detail.orderId'),
  eventKey: eventPath.optional().describe('Path in the expected event (default: the same path as key)'),
  by: DeadlineSchema.describe('When the expected event is late'),
});

/**
 * A threshold alert: N similar events within a sliding window (by event time) give ONE alert to
 * an operations address. "Similar" means the same value at `key` (all matching events when absent).
 */
const ThresholdSchema = z.strictObject({
  count: z
    // Missing: zod's own message, which the parser reports as 'required'.
    .number({ error: (issue) => (issue.input === undefined ? undefined : 'expected a whole number ≥ 2') })
    .int({ message: 'expected a whole number ≥ 2' })
    .min(2, { message: 'expected a whole number ≥ 2' })
    .max(MAX_THRESHOLD_COUNT, { message: `expected at most ${MAX_THRESHOLD_COUNT} events` })
    .describe('How many similar events within the window make an alert, e.g. 20'),
  within: positiveDuration('PT1H', 'a window', 31).describe(
    'The sliding window, by event time, e.g. PT1H (at most 31 days)',
  ),
  key: eventPath
    .optional()
    .describe('What makes events similar, e.g. detail.problemCode (default: every matching event)'),
  cooldown: positiveDuration('PT1H', 'a cooldown')
    .optional()
    .describe('After an alert, none for the same key until this much later by event time (default: within)'),
});
export type ThresholdSpec = z.infer<typeof ThresholdSchema>;

/** An E.164 phone number as operations staff write it in a rule, e.g. "+46701234567". */
const e164 = z.string().regex(/^\+[1-9]\d{6,14}$/, {
  message: 'expected a phone number in E.164 form such as "+46701234567"',
});

/**
 * The operations recipient of a threshold alert: not a customer, so it has no stored profile,
 * no consent history and no frequency cap. Its locale and time zone choose the template and the
 * window (defaults from nudge.config.yaml).
 */
const OperationsRecipientSchema = z.strictObject({
  email: z.email({ message: 'expected an email address such as ops@acme.example' }).optional(),
  sms: e164.optional().describe('Phone number for the sms channel, in E.164 form'),
  locale: z.string().min(2).max(35).optional().describe('Template locale (default: defaults.locale)'),
  timeZone: z
    .string()
    .refine((zone) => IANAZone.isValidZone(zone), {
      message: 'expected an IANA time zone such as Europe/Stockholm',
    })
    .optional()
    .describe('Time zone of the window and the date filters (default: defaults.timeZone)'),
});
type OperationsRecipient = z.infer<typeof OperationsRecipientSchema>;

/**
 * A goal (or an unwanted outcome, `avoid`) of a rule: an event matching `on` whose value at `key`
 * equals the value at the same `key` of the triggering event, at most `within` after the decision's
 * send time, converts that decision (docs/rules.md, "Goals and holdouts").
 */
const GoalSchema = z.strictObject({
  on: z
    .union([eventPattern, z.array(eventPattern).min(1)])
    .describe('Pattern(s) of the goal event, e.g. { detail-type: [PaymentReceived] }'),
  key: eventPath.describe('Path read from both the trigger and the goal event, e.g. detail.invoiceId'),
  within: positiveDuration('P7D', 'a window', 366).describe(
    'How long after the send time a goal event counts, e.g. P7D (at most 366 days)',
  ),
});
export type GoalSpec = z.infer<typeof GoalSchema>;

/** The largest holdout share: more would withhold the message from most customers. */
const MAX_HOLDOUT_PERCENT = 50;

/** `10%`, `2.5%` or a number of percent (10): parsed to a fraction; over 50 % refused. */
const HoldoutSchema = z.union([z.string(), z.number()]).transform((value, ctx) => {
  const text = typeof value === 'number' ? String(value) : value.trim();
  const match = /^(\d+(?:\.\d+)?)\s*%?$/.exec(text);
  const percent = match === null ? Number.NaN : Number(match[1]);
  if (Number.isNaN(percent)) {
    ctx.addIssue({ code: 'custom', message: "expected a share of customers such as '10%'" });
    return z.NEVER;
  }
  if (percent > MAX_HOLDOUT_PERCENT) {
    ctx.addIssue({
      code: 'custom',
      message: `a holdout of ${percent}% is refused: at most ${MAX_HOLDOUT_PERCENT}% of customers may be held out`,
    });
    return z.NEVER;
  }
  return percent / 100;
});

const CHANNELS = ['sms', 'email'] as const;
export type Channel = (typeof CHANNELS)[number];

/** One notification rule. */
export const RuleSchema = z
  .strictObject({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, {
      message: 'expected a rule id of lower-case letters, digits and dashes, such as renewal-reminder',
    }),
    description: z.string().min(1),
    enabled: z.boolean().default(true),
    priority: z.number().int().min(0).max(100).default(50).describe('Higher is more important'),
    urgent: z.boolean().default(false).describe('Urgent rules bypass the frequency cap'),
    on: eventPattern.describe('The EventBridge pattern of the triggering event'),
    send: SendSpecSchema.optional().describe(
      'When to send; omit for expect rules (they send at the deadline)',
    ),
    window: z
      .union([z.literal('always'), WindowSchema])
      .optional()
      .describe('Send window in the recipient time zone; "always" for none; default from config'),
    cancel: CancelSchema.optional(),
    expect: ExpectSchema.optional(),
    channels: z.array(z.enum(CHANNELS)).min(1).describe('Ordered preference; later ones are fallbacks'),
    template: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'expected a template name such as renewal-reminder' }),
    maxSegments: z.number().int().min(1).max(10).optional().describe('Longest SMS allowed, in segments'),
    threshold: ThresholdSchema.optional().describe(
      'Alert operations once when this many similar events arrive within a window',
    ),
    to: OperationsRecipientSchema.optional().describe(
      'The operations recipient of a threshold rule (customer rules send to the event customer)',
    ),
    dedupe: z
      .strictObject({
        key: z
          .string()
          .min(1)
          .describe('Key template such as "{{ detail.policyId }}:{{ detail.renewalDate }}"'),
        horizon: isoDuration('P30D', 'not-negative')
          .optional()
          .describe('How long a key blocks a repeat (default: forever)'),
      })
      .optional()
      .describe('Default: one message per rule per triggering event id'),
    vars: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional()
      .describe('Constants the template can use as {{ vars.name }}'),
    locale: z
      .string()
      .refine((tag) => canonicalLocale(tag) !== undefined && !tag.includes('_'), {
        message: "expected a BCP 47 locale tag such as 'sv' or 'sv-SE'",
      })
      .optional()
      .describe("The rule's language, e.g. sv: used when the customer has no locale, and the last fallback"),
    goal: GoalSchema.optional().describe('A wanted event that shows the message helped (lift report)'),
    avoid: GoalSchema.optional().describe('An unwanted event the message should prevent (lift report)'),
    holdout: HoldoutSchema.optional().describe(
      "Share of customers who get no message from this rule (a control group), e.g. '10%'; at most 50%",
    ),
    replies: z
      .strictObject({
        expect: z
          .enum(REPLY_EXPECTATIONS)
          .describe('What a reply answers: a 1–5 score, yes/no, or free text'),
        within: positiveDuration('P3D', 'a reply window', MAX_REPLY_WINDOW_DAYS)
          .default('P3D')
          .describe('How long after sending a reply still answers this message (default P3D, at most P14D)'),
      })
      .optional()
      .describe('This rule asks a question: replies to its messages are read as answers (SurveyAnswered)'),
    examples: z
      .array(z.strictObject({ detail: z.record(z.string(), z.unknown()) }))
      .min(1)
      .optional()
      .describe(
        'Example triggering events ({ detail }): template and key variables under detail are checked against them',
      ),
  })
  .superRefine((rule, ctx) => {
    if (rule.send !== undefined && rule.expect !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['send'],
        message: 'an expect rule sends at its deadline (expect.by); remove send',
      });
    }
    if (rule.cancel !== undefined && rule.expect !== undefined && rule.cancel.key !== rule.expect.key) {
      ctx.addIssue({
        code: 'custom',
        path: ['cancel', 'key'],
        message: `a rule correlates on one key: use ${rule.expect.key} here too (set eventKey for other paths)`,
      });
    }
    thresholdIssues(rule, ctx);
    if (rule.send === undefined && rule.expect === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['send'],
        message: 'say when to send: immediately, { after: PT1H } or { at: { field, offset, time } }',
      });
    }
  });
export type Rule = z.output<typeof RuleSchema>;

/** What a threshold rule may and must say, checked across fields (each issue at its field). */
function thresholdIssues(
  rule: {
    threshold?: ThresholdSpec | undefined;
    to?: OperationsRecipient | undefined;
    expect?: unknown;
    cancel?: unknown;
    dedupe?: unknown;
    locale?: unknown;
    goal?: unknown;
    avoid?: unknown;
    holdout?: unknown;
    channels: ReadonlyArray<Channel>;
  },
  ctx: z.RefinementCtx,
): void {
  if (rule.threshold === undefined) {
    if (rule.to !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['to'],
        message: 'only a threshold rule sends to a fixed recipient; other rules send to the event customer',
      });
    }
    return;
  }
  if (rule.to === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['to'],
      message: 'a threshold rule needs an operations recipient, such as { email: ops@acme.example }',
    });
  } else {
    const addresses = { email: rule.to.email, sms: rule.to.sms };
    for (const [index, channel] of rule.channels.entries()) {
      if (addresses[channel] === undefined) {
        ctx.addIssue({
          code: 'custom',
          path: ['channels', index],
          message: `to has no ${channel} address: add to.${channel} or remove ${channel} from channels`,
        });
      }
    }
  }
  for (const field of ['expect', 'cancel', 'dedupe', 'locale', 'goal', 'avoid', 'holdout'] as const) {
    if (rule[field] !== undefined) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message:
          field === 'locale'
            ? 'a threshold rule sends to its operations recipient: set to.locale instead'
            : `a threshold rule sends one alert per crossing; ${field} does not apply to it`,
      });
    }
  }
}
/** A rule as written in YAML, before defaults are applied. */
export type RuleInput = z.input<typeof RuleSchema>;
