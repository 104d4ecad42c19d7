import type { ReplyIntent } from './inbound-keywords.ts';
import type { RepliesSettings } from './replies-settings.ts';

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

/**
 * The answer settings used when nudge.config.yaml names none: what `RepliesSettingsSchema`
 * (replies-settings.ts) gives for `{}`, a test holds the two equal. Written out rather than parsed
 * so that the webhook, which answers with these, builds no settings schema at cold start.
 */
export const DEFAULT_REPLIES: RepliesSettings = {
  answer: 'nudge',
  sender: 'Nudge',
  help: {},
  stop: {},
  start: {},
};

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
