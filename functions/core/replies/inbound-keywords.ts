/**
 * What a customer means by an SMS reply, in English, Swedish, Danish, Norwegian and Finnish.
 * Opt-out words follow the carriers' and Twilio's conventions (STOP, UNSUBSCRIBE, …) plus the
 * Nordic ones customers actually send (STOPP, AVSLUTA, AVBRYT, SLUTA, AFMELD, AVSLUTT, LOPETA,
 * SEIS). docs/rules.md ("Replies and keywords") shows the table and the matching rule.
 */
export const REPLY_INTENTS = ['stop', 'start', 'help', 'yes', 'no'] as const;
export type ReplyIntent = (typeof REPLY_INTENTS)[number];

/** The shipped keywords; `keywords` in nudge.config.yaml adds more per intent. */
export const DEFAULT_KEYWORDS: Readonly<Record<ReplyIntent, ReadonlyArray<string>>> = {
  stop: [
    // en (Twilio's and the carriers' opt-out words)
    'STOP',
    'STOPALL',
    'UNSUBSCRIBE',
    'CANCEL',
    'END',
    'QUIT',
    'OPTOUT',
    'REVOKE',
    // sv
    'STOPP',
    'AVSLUTA',
    'AVBRYT',
    'SLUTA',
    'AVREGISTRERA',
    // da
    'AFMELD',
    'AFMELDING',
    // no
    'AVMELD',
    'AVSLUTT',
    'SLUTT',
    // fi
    'LOPETA',
    'LOPPU',
    'SEIS',
  ],
  start: ['START', 'UNSTOP', 'SUBSCRIBE', 'STARTA', 'TILMELD', 'MELDPÅ', 'ALOITA'],
  help: ['HELP', 'INFO', 'HJÄLP', 'HJÆLP', 'HJELP', 'APUA', 'OHJE'],
  yes: ['YES', 'Y', 'OK', 'CONFIRM', 'JA', 'JAA', 'KYLLÄ', 'JOO'],
  no: ['NO', 'N', 'NEJ', 'NEI', 'EI', 'NEJTACK'],
};

/**
 * Keywords that are also how ordinary sentences begin ("Cancel my appointment", "Quit asking",
 * "Avbryt min bokning", "Ok see you"): they count only as the whole message (courtesy words
 * aside), as Twilio counts every keyword. Every other keyword also counts as the first word.
 */
export const WHOLE_MESSAGE_ONLY: ReadonlySet<string> = new Set([
  'CANCEL',
  'END',
  'QUIT',
  'AVBRYT',
  'Y',
  'N',
  'OK',
]);

/**
 * Courtesy words around a keyword ("please stop", "stop thanks", "snälla sluta", "lopeta
 * kiitos"), folded as messages are; dropped from both ends before matching.
 */
const COURTESY_PHRASES: ReadonlyArray<string> = [
  'PLEASE',
  'PLS',
  'PLZ',
  'KINDLY',
  'THANKS',
  'THANX',
  'THX',
  'TY',
  'THANK YOU',
  'SNALLA',
  'VANLIGEN',
  'TACK',
  'TACK SA MYCKET',
  'VENLIGST',
  'TAK',
  'TUSIND TAK',
  'VENNLIGST',
  'TAKK',
  'VAER SA SNILL',
  'KIITOS',
  'KIITOS PALJON',
  'OLE HYVA',
];

/** One keyword's meaning and whether it may start a longer message. */
interface KeywordMeaning {
  intent: ReplyIntent;
  wholeMessageOnly: boolean;
}

/** Keywords, folded (see {@link foldWords}), as a lookup. */
export type KeywordTable = ReadonlyMap<string, KeywordMeaning>;

/** A configured keyword that cannot be used, with where it is in the `keywords` block. */
export interface KeywordConflict {
  intent: ReplyIntent;
  index: number;
  word: string;
  reason: string;
}

/**
 * Configured extra keywords that would change the meaning of a shipped or an earlier configured
 * word once folded ("OK" as a STOP, "halt" for both stop and start), or that fold to nothing.
 * Settings validation refuses them, so no word silently changes meaning.
 */
export function keywordConflicts(
  extra: Partial<Record<ReplyIntent, ReadonlyArray<string>>>,
): KeywordConflict[] {
  const known = new Map<string, ReplyIntent>();
  for (const intent of REPLY_INTENTS)
    for (const word of DEFAULT_KEYWORDS[intent]) known.set(foldKeyword(word), intent);
  const conflicts: KeywordConflict[] = [];
  for (const intent of REPLY_INTENTS) {
    (extra[intent] ?? []).forEach((word, index) => {
      const key = foldKeyword(word);
      const meaning = known.get(key);
      if (key === '') conflicts.push({ intent, index, word, reason: 'has no letters or digits' });
      else if (meaning !== undefined && meaning !== intent)
        conflicts.push({ intent, index, word, reason: `already means ${meaning}` });
      else known.set(key, intent);
    });
  }
  return conflicts;
}

/**
 * Builds the lookup from the shipped keywords plus configured extras. A configured word that
 * conflicts (see {@link keywordConflicts}) keeps its first meaning; settings validation has
 * refused such a configuration already.
 */
export function keywordTable(extra: Partial<Record<ReplyIntent, ReadonlyArray<string>>> = {}): KeywordTable {
  const table = new Map<string, KeywordMeaning>();
  for (const intent of REPLY_INTENTS) {
    for (const word of [...DEFAULT_KEYWORDS[intent], ...(extra[intent] ?? [])]) {
      const key = foldKeyword(word);
      if (key === '' || table.has(key)) continue;
      table.set(key, { intent, wholeMessageOnly: WHOLE_MESSAGE_ONLY.has(key) });
    }
  }
  return table;
}

const COURTESY = COURTESY_PHRASES.map((phrase) => phrase.split(' ')).sort((a, b) => b.length - a.length);

/**
 * The intent of a reply. The message is folded (upper case, accents and emoji and punctuation
 * dropped, Æ→AE, Ø→O) into words, and courtesy words at either end are dropped. Then:
 * 1. the whole message (one word, or two written apart: "STOP ALL", "MELD PÅ") is a keyword;
 * 2. or its first word (or first two, joined) is a keyword that may start a message.
 * Anything else (a score "4", "Can you stop calling at night?") has no intent and is kept as a
 * plain reply.
 */
export function classifyReply(body: string, table: KeywordTable): ReplyIntent | undefined {
  const words = stripCourtesy(foldWords(body));
  const [first, second] = words;
  if (first === undefined) return undefined;
  if (words.length <= 2) {
    const whole = table.get(words.join(''));
    if (whole !== undefined) return whole.intent;
  }
  for (const key of second === undefined ? [first] : [first, `${first}${second}`]) {
    const meaning = table.get(key);
    if (meaning !== undefined && !meaning.wholeMessageOnly) return meaning.intent;
  }
  return undefined;
}

/**
 * A text as the words matching compares: compatibility-decomposed (ligatures, full-width
 * letters), accents removed, upper case, Æ→AE, Ø→O, Œ→OE, and every run of anything that is not
 * a letter or a digit (punctuation, emoji, symbols, spaces) a word break.
 */
function foldWords(text: string): string[] {
  return text
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toUpperCase()
    .replaceAll('Æ', 'AE')
    .replaceAll('Ø', 'O')
    .replaceAll('Œ', 'OE')
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

function foldKeyword(word: string): string {
  return foldWords(word).join('');
}

function stripCourtesy(words: string[]): string[] {
  let start = 0;
  let end = words.length;
  let changed = true;
  while (changed && start < end) {
    changed = false;
    for (const phrase of COURTESY) {
      if (phrase.length > end - start) continue;
      if (phrase.every((word, i) => words[start + i] === word)) {
        start += phrase.length;
        changed = true;
        break;
      }
      if (phrase.every((word, i) => words[end - phrase.length + i] === word)) {
        end -= phrase.length;
        changed = true;
        break;
      }
    }
  }
  return words.slice(start, end);
}
