/**
 * Reading a survey answer out of a reply: a score on a 1–5 scale (`4`, `4/5`, `4 av 5`, `fyra`,
 * `⭐⭐⭐⭐`) or yes/no, in English, Swedish, Danish, Norwegian and Finnish. Pure: the reply text
 * is always kept; a reply that is not an answer, or a score out of range, gives `score: null`.
 */

/** What a rule's `replies.expect` asks for. */
export const REPLY_EXPECTATIONS = ['score', 'yes-no', 'text'] as const;
export type ReplyExpectation = (typeof REPLY_EXPECTATIONS)[number];

/**
 * The longest `replies.within` a rule may set: the reply handler reads the messages sent to a
 * number in the longest window (a bounded, newest-first query), and score links expire after it.
 */
export const MAX_REPLY_WINDOW_DAYS = 14;

/** The survey scale: 1 (worst) to 5 (best). */
export const SCORE_MIN = 1;
export const SCORE_MAX = 5;

/**
 * A reply read as an answer. `score` is 1–5 for `score`, 1 (yes) or 0 (no) for `yes-no`, and
 * null for `text` or when the reply is not a readable answer; `text` is the reply as sent.
 */
export interface SurveyAnswer {
  score: number | null;
  text: string;
}

/** Number words 1–5 in en, sv, da, no, fi (folded: lower case, å/ä/ö kept). */
const NUMBER_WORDS: Readonly<Record<string, number>> = {
  // en
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  // sv (en/ett), da (en/et), no (en/ett/ei)
  en: 1,
  ett: 1,
  et: 1,
  två: 2,
  to: 2,
  tre: 3,
  fyra: 4,
  fire: 4,
  fem: 5,
  // fi
  yksi: 1,
  kaksi: 2,
  kolme: 3,
  neljä: 4,
  viisi: 5,
};

/** Yes/no words in the five languages (whole message, folded). */
const YES_NO_WORDS: Readonly<Record<string, 0 | 1>> = {
  yes: 1,
  y: 1,
  yeah: 1,
  yep: 1,
  ja: 1,
  jo: 1,
  jaa: 1,
  joo: 1,
  kyllä: 1,
  no: 0,
  n: 0,
  nope: 0,
  nej: 0,
  nei: 0,
  ei: 0,
};

/** "of" between a score and its scale: en `of`/`out of`, sv/no `av`, da `af`, fi `/` only. */
const OUT_OF = String.raw`(?:\/|out of|of|av|af)`;
const FRACTION = new RegExp(String.raw`^(\d{1,3})\s*${OUT_OF}\s*(\d{1,3})$`);
// Stars, with the emoji variation selector some keyboards add after ⭐ (U+FE0F), and spaces.
const STARS_ONLY = /^(?:\s|⭐|★|☆|\uFE0F)+$/u;

/** Reads a reply as the answer a rule expects. Never throws. */
export function readSurveyAnswer(text: string, expect: ReplyExpectation): SurveyAnswer {
  switch (expect) {
    case 'score':
      return { score: readScore(text), text };
    case 'yes-no':
      return { score: YES_NO_WORDS[fold(text)] ?? null, text };
    case 'text':
      return { score: null, text };
    default:
      return assertNever(expect);
  }
}

/** A 1–5 score, or null when the text is not one (or is out of range). */
function readScore(text: string): number | null {
  const folded = fold(text);
  if (STARS_ONLY.test(folded)) {
    const stars = [...folded].filter((char) => char === '⭐' || char === '★').length;
    return inRange(stars);
  }
  if (/^\d{1,3}$/.test(folded)) return inRange(Number(folded));
  const word = NUMBER_WORDS[folded];
  if (word !== undefined) return word;
  const fraction = FRACTION.exec(folded);
  if (fraction === null) return null;
  // A fraction on another scale (10/10, 3/4) is not a 1–5 answer: kept as text, not rescaled.
  return Number(fraction[2]) === SCORE_MAX ? inRange(Number(fraction[1])) : null;
}

function inRange(score: number): number | null {
  return Number.isInteger(score) && score >= SCORE_MIN && score <= SCORE_MAX ? score : null;
}

/** Lower case, NFC, spaces collapsed and trimmed, trailing punctuation dropped. */
function fold(text: string): string {
  return text
    .normalize('NFC')
    .toLocaleLowerCase('en')
    .replace(/\s+/g, ' ')
    .trim()
    .replace(/[.!,;:)]+$/u, '')
    .trim();
}

function assertNever(value: never): never {
  throw new Error(`unhandled reply expectation ${String(value)}`);
}
