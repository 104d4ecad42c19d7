import * as z from 'zod';
import type { ReplyIntent } from './inbound-keywords.ts';

/** The keywords Nudge answers: the three carriers expect an answer to. */
const ANSWERED_INTENTS = ['help', 'stop', 'start'] as const;
type AnsweredIntent = (typeof ANSWERED_INTENTS)[number];

/**
 * The shipped answers per locale. `{sender}` is replaced by `replies.sender`, `{contact}` by
 * `replies.contact` (a HELP answer without `{contact}` gets the contact appended). Each fits one
 * GSM-7 SMS segment with a sender name of up to 20 characters.
 */
const DEFAULT_REPLY_TEXTS: Readonly<Record<AnsweredIntent, Readonly<Record<string, string>>>> = {
  help: {
    en: '{sender}: reminders and updates about your bookings and policies. Reply STOP to opt out, START to opt in again.',
    sv: '{sender}: påminnelser och besked om dina bokningar och försäkringar. Svara STOPP för att avsluta, START för att börja igen.',
    da: '{sender}: påmindelser og besked om dine bookinger og forsikringer. Svar STOP for at afmelde, START for at tilmelde igen.',
    no: '{sender}: påminnelser og beskjeder om dine bestillinger og forsikringer. Svar STOPP for å melde deg av, START for å melde deg på.',
    fi: '{sender}: muistutuksia varauksistasi ja vakuutuksistasi. Vastaa LOPETA lopettaaksesi, ALOITA aloittaaksesi uudelleen.',
  },
  stop: {
    en: 'You will get no more messages from {sender}. Reply START to subscribe again.',
    sv: 'Du får inga fler meddelanden från {sender}. Svara START för att prenumerera igen.',
    da: 'Du modtager ikke flere beskeder fra {sender}. Svar START for at tilmelde dig igen.',
    no: 'Du får ingen flere meldinger fra {sender}. Svar START for å melde deg på igjen.',
    fi: 'Et saa enää viestejä lähettäjältä {sender}. Vastaa ALOITA tilataksesi ne uudelleen.',
  },
  start: {
    en: 'You will get messages from {sender} again. Reply STOP to opt out, HELP for help.',
    sv: 'Du får meddelanden från {sender} igen. Svara STOPP för att avsluta, HJÄLP för hjälp.',
    da: 'Du modtager beskeder fra {sender} igen. Svar STOP for at afmelde, HJÆLP for hjælp.',
    no: 'Du får meldinger fra {sender} igjen. Svar STOPP for å melde deg av, HJELP for hjelp.',
    fi: 'Saat taas viestejä lähettäjältä {sender}. Vastaa LOPETA lopettaaksesi, APUA saadaksesi apua.',
  },
};

/** The locale of an answer to a number of one of these countries when the customer's is unknown. */
const COUNTRY_CODE_LOCALES: Readonly<Record<string, string>> = {
  '+46': 'sv',
  '+45': 'da',
  '+47': 'no',
  '+358': 'fi',
};

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

/** The answer settings used when nudge.config.yaml names none. */
export const DEFAULT_REPLIES: RepliesSettings = RepliesSettingsSchema.parse({});

/** Who asked, as far as the webhook knows. */
export interface AnswerContext {
  /** The correlated customer's locale, if a customer and their locale are known. */
  customerLocale?: string;
  /** The number the reply came from (E.164). */
  from: string;
  /** `defaults.locale` of the settings. */
  defaultLocale: string;
}

/** An answer to send back in the webhook's response. */
export interface ReplyAnswer {
  intent: AnsweredIntent;
  locale: string;
  text: string;
}

/**
 * The answer to a reply, or none: HELP gets the program message, STOP and START a confirmation,
 * anything else (YES, NO, free text) nothing, and nothing at all when Twilio answers
 * (`answer: twilio`). The locale is the customer's if known and answered, else the one of the
 * number's country (+46 sv, +45 da, +47 no, +358 fi), else `defaults.locale`, else English.
 */
export function replyAnswer(
  intent: ReplyIntent | undefined,
  context: AnswerContext,
  settings: RepliesSettings,
): ReplyAnswer | undefined {
  if (settings.answer === 'twilio' || !isAnswered(intent)) return undefined;
  const texts: Record<string, string> = { ...DEFAULT_REPLY_TEXTS[intent], ...settings[intent] };
  const locale = [context.customerLocale, countryLocale(context.from), context.defaultLocale, 'en']
    .map((candidate) => (candidate === undefined ? undefined : answeredLocale(candidate, texts)))
    .find((found) => found !== undefined);
  const template = locale === undefined ? undefined : texts[locale];
  if (locale === undefined || template === undefined) return undefined;
  return { intent, locale, text: fill(intent, template, settings) };
}

/** The locale that the calling code of an E.164 number suggests, if one of {@link COUNTRY_CODE_LOCALES}. */
function countryLocale(e164: string): string | undefined {
  const prefix = Object.keys(COUNTRY_CODE_LOCALES).find((code) => e164.startsWith(code));
  return prefix === undefined ? undefined : COUNTRY_CODE_LOCALES[prefix];
}

function isAnswered(intent: ReplyIntent | undefined): intent is AnsweredIntent {
  return intent === 'help' || intent === 'stop' || intent === 'start';
}

/** `sv-SE` → `sv-SE` if answered, else `sv`; Norwegian Bokmål and Nynorsk (`nb`, `nn`) → `no`. */
function answeredLocale(candidate: string, texts: Readonly<Record<string, string>>): string | undefined {
  const wanted = candidate.trim();
  const exact = Object.keys(texts).find((key) => key.toLowerCase() === wanted.toLowerCase());
  if (exact !== undefined) return exact;
  const language = wanted.split(/[-_]/)[0]?.toLowerCase() ?? '';
  const base = language === 'nb' || language === 'nn' ? 'no' : language;
  return base in texts ? base : undefined;
}

function fill(intent: AnsweredIntent, template: string, settings: RepliesSettings): string {
  const contact = settings.contact;
  const text = template.replaceAll('{sender}', settings.sender).replaceAll('{contact}', contact ?? '');
  // Carriers expect contact details in a HELP answer: add them when the text has no place for them.
  return intent === 'help' && contact !== undefined && !template.includes('{contact}')
    ? `${text} ${contact}`
    : text;
}
