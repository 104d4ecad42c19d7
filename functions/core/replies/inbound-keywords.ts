/**
 * What a customer means by an SMS reply, in English, Swedish, Danish, Norwegian and Finnish.
 * Opt-out words follow the carriers' and Twilio's conventions (STOP, UNSUBSCRIBE, …) plus the
 * Nordic ones customers actually send (STOPP, AVSLUTA, AFMELD, AVMELD, LOPETA).
 */
export const REPLY_INTENTS = ['stop', 'start', 'help', 'yes', 'no'] as const;
export type ReplyIntent = (typeof REPLY_INTENTS)[number];

/** The shipped keywords; `keywords` in nudge.config.yaml adds more per intent. */
export const DEFAULT_KEYWORDS: Readonly<Record<ReplyIntent, ReadonlyArray<string>>> = {
  stop: [
    'STOP',
    'STOPALL',
    'UNSUBSCRIBE',
    'CANCEL',
    'END',
    'QUIT',
    'OPTOUT',
    'REVOKE',
    'STOPP',
    'AVSLUTA',
    'AVREGISTRERA', // sv
    'AFMELD',
    'AFMELDING', // da
    'AVMELD',
    'AVSLUTT', // no
    'LOPETA',
    'LOPPU', // fi
  ],
  start: ['START', 'UNSTOP', 'SUBSCRIBE', 'STARTA', 'TILMELD', 'MELDPÅ', 'ALOITA'],
  help: ['HELP', 'INFO', 'HJÄLP', 'HJÆLP', 'HJELP', 'APUA', 'OHJE'],
  yes: ['YES', 'Y', 'OK', 'CONFIRM', 'JA', 'JAA', 'KYLLÄ', 'JOO'],
  no: ['NO', 'N', 'NEJ', 'NEI', 'EI', 'NEJTACK'],
};

/** Keywords per intent, upper-cased, as a lookup. */
export type KeywordTable = ReadonlyMap<string, ReplyIntent>;

/** Builds the lookup from the defaults plus configured extras. */
export function keywordTable(extra: Partial<Record<ReplyIntent, ReadonlyArray<string>>> = {}): KeywordTable {
  const table = new Map<string, ReplyIntent>();
  for (const intent of REPLY_INTENTS) {
    for (const word of [...DEFAULT_KEYWORDS[intent], ...(extra[intent] ?? [])])
      table.set(normalise(word), intent);
  }
  return table;
}

/**
 * The intent of a reply: its first word, case- and accent-insensitive where that is safe
 * ("Stopp!", "ja tack", " JA. "). Anything else (a score "4", a sentence) has no intent and is
 * kept as a plain reply.
 */
export function classifyReply(body: string, table: KeywordTable): ReplyIntent | undefined {
  const words = body.trim().split(/\s+/);
  const first = normalise(words[0] ?? '');
  if (first === '') return undefined;
  const single = table.get(first);
  if (single !== undefined) return single;
  // Two-word forms such as "NEJ TACK" / "STOP ALL".
  return table.get(normalise(`${words[0] ?? ''}${words[1] ?? ''}`));
}

function normalise(word: string): string {
  return word
    .toUpperCase()
    .replace(/[.,!?;:'"()\-–—]+/g, '')
    .trim();
}
