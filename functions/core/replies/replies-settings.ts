import * as z from 'zod';

// The schema of `replies` in nudge.config.yaml, apart from the answering (reply-answers.ts):
// synthesis and the console validate settings with it, the webhook only answers with settings
// already validated, so it does not build this at cold start.

// Characters XML 1.0 cannot carry at all (a TwiML answer holding one is refused by Twilio).
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters refused.
const NOT_XML = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/;

const AnswerText = z
  .string()
  .trim()
  .min(1)
  .max(1600, { message: 'Twilio refuses a message body over 1600 characters' })
  .refine((text) => !NOT_XML.test(text), { message: 'contains a control character' });

const AnswerTexts = z
  .record(
    z
      .string()
      .regex(/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/, { message: 'expected a locale such as sv or en-GB' }),
    AnswerText,
  )
  .default({});

/** `replies` in nudge.config.yaml: who answers HELP, STOP and START, and with what. */
export const RepliesSettingsSchema = z.strictObject({
  answer: z
    .enum(['nudge', 'twilio'])
    .default('nudge')
    .describe(
      "nudge: Nudge answers HELP, STOP and START in the webhook's TwiML (turn Twilio's own keyword answers off); twilio: Twilio's keyword handling answers and Nudge stays silent",
    ),
  sender: z
    .string()
    .trim()
    .min(1)
    .max(40)
    .refine((text) => !NOT_XML.test(text), { message: 'contains a control character' })
    .default('Nudge')
    .describe('Who the customer gets messages from, as {sender} in the answers'),
  contact: z
    .string()
    .trim()
    .min(1)
    .max(80)
    .refine((text) => !NOT_XML.test(text), { message: 'contains a control character' })
    .optional()
    .describe('Phone, email or web address for questions, as {contact}; carriers expect it in HELP'),
  help: AnswerTexts.describe('HELP answers per locale, over the shipped ones'),
  stop: AnswerTexts.describe('STOP confirmations per locale, over the shipped ones'),
  start: AnswerTexts.describe('START confirmations per locale, over the shipped ones'),
});
export type RepliesSettings = z.output<typeof RepliesSettingsSchema>;
