import { Duration, IANAZone } from 'luxon';
import * as z from 'zod';
import { keywordConflicts } from '../replies/inbound-keywords.ts';
import { RepliesSettingsSchema } from '../replies/replies-settings.ts';
import { WindowSchema } from '../rules/rule-schema.ts';

/**
 * Engine-wide settings (`nudge.config.yaml`): defaults every rule inherits and the keywords
 * customers may reply with. Everything has a default, so the file itself is optional.
 */
export const EngineSettingsSchema = z.strictObject({
  defaults: z
    .strictObject({
      timeZone: z
        .string()
        .refine((zone) => IANAZone.isValidZone(zone), {
          message: 'expected an IANA time zone such as Europe/Stockholm',
        })
        .default('Europe/Stockholm')
        .describe('Used when a customer has no time zone'),
      locale: z
        .string()
        .min(2)
        .default('en')
        .describe('Used when a customer has no locale, and as the last fallback'),
      country: z
        .string()
        .length(2)
        .default('SE')
        .describe('Country for phone numbers written without a country code'),
      window: WindowSchema.default({ hours: '08:00-20:00' }).describe('Send window of rules that name none'),
      currency: z.string().length(3).default('SEK'),
    })
    .prefault({}),
  cap: z
    .strictObject({
      max: z.number().int().min(1).describe('At most this many messages per customer'),
      per: z
        .string()
        .refine((value) => Duration.fromISO(value).isValid, {
          message: 'expected an ISO-8601 duration such as P1D',
        })
        .describe('In any period this long, e.g. P1D'),
    })
    .default({ max: 3, per: 'P1D' })
    .describe('Per-customer frequency cap across rules; urgent rules bypass it'),
  keywords: z
    .strictObject({
      stop: z.array(z.string().min(1)).optional(),
      start: z.array(z.string().min(1)).optional(),
      help: z.array(z.string().min(1)).optional(),
      yes: z.array(z.string().min(1)).optional(),
      no: z.array(z.string().min(1)).optional(),
    })
    .default({})
    // A configured word that already means something else would silently change a STOP's meaning.
    .superRefine((extra, ctx) => {
      for (const conflict of keywordConflicts(extra))
        ctx.addIssue({
          code: 'custom',
          path: [conflict.intent, conflict.index],
          message: `keyword "${conflict.word}" ${conflict.reason}`,
        });
    })
    .describe('Reply keywords added to the shipped ones (en, sv, da, no, fi) per meaning'),
  replies: RepliesSettingsSchema.prefault({}).describe(
    'Answers to HELP, STOP and START (docs/rules.md, "Replies and keywords")',
  ),
  unsubscribe: z
    .strictObject({
      linkDays: z
        .number()
        .int()
        .min(1)
        .max(365)
        .default(90)
        .describe('How many days the one-click unsubscribe link in an email works'),
    })
    .prefault({})
    .describe('One-click unsubscribe (RFC 8058) in every email'),
  consent: z
    .strictObject({
      reoptInEventTypes: z
        .array(z.string().min(1))
        .default(['ConsentGranted'])
        .describe(
          'Event detail-types that may lift an opt-out the person or the provider made (STOP, unsubscribe, …); no other event can',
        ),
      futureToleranceMinutes: z
        .number()
        .int()
        .min(0)
        .max(1440)
        .default(5)
        .describe(
          'An event dated more than this after its arrival is rejected (its time would win every later comparison)',
        ),
    })
    .prefault({})
    .describe(
      'Who may lift an opt-out, and how far ahead of the clock an event time may be (docs/rules.md, consent)',
    ),
  windowOpening: z
    .strictObject({
      spread: z
        .string()
        .refine((value) => Duration.fromISO(value).isValid, {
          message: 'expected an ISO-8601 duration such as PT10M',
        })
        .default('PT10M')
        .describe(
          'Messages deferred to a window opening are spread over this much of the window (by a hash of the message id), never past its end; PT0S sends them all at the opening',
        ),
    })
    .prefault({})
    .describe(
      'How messages held by a closed send window are released when it opens (docs/rules.md, windows)',
    ),
});
export type EngineSettings = z.output<typeof EngineSettingsSchema>;

/** The settings used when there is no config file. */
const _DEFAULT_SETTINGS: EngineSettings = EngineSettingsSchema.parse({});
