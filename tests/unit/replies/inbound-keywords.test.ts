import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EngineSettingsSchema } from '../../../functions/core/config/engine-settings.ts';
import {
  classifyReply,
  DEFAULT_KEYWORDS,
  keywordConflicts,
  keywordTable,
  REPLY_INTENTS,
  type ReplyIntent,
  WHOLE_MESSAGE_ONLY,
} from '../../../functions/core/replies/inbound-keywords.ts';

const table = keywordTable();

describe('what a reply means', () => {
  // Each row: what a customer sent, and what a person reading it would take it to mean.
  const understood: ReadonlyArray<[string, ReplyIntent]> = [
    ['STOP', 'stop'],
    ['Stopp!', 'stop'],
    ['STOP🙏', 'stop'],
    ['stop.', 'stop'],
    ['  Stop  ', 'stop'],
    ['please stop', 'stop'],
    ['Please STOP texting me', 'stop'],
    ['stop please', 'stop'],
    ['Stop, thanks!', 'stop'],
    ['🛑 STOP 🛑', 'stop'],
    ['Stop sending me these', 'stop'],
    ['SLUTA', 'stop'],
    ['sluta skicka sms', 'stop'],
    ['Snälla sluta', 'stop'],
    ['AVBRYT', 'stop'],
    ['avbryt tack', 'stop'],
    ['Avsluta', 'stop'],
    ['AFMELD', 'stop'],
    ['Afmeld venligst', 'stop'],
    ['AVSLUTT', 'stop'],
    ['LOPETA', 'stop'],
    ['SEIS', 'stop'],
    ['Seis!', 'stop'],
    ['Lopeta kiitos', 'stop'],
    ['STOP ALL', 'stop'],
    ['unsubscribe', 'stop'],
    ['CANCEL', 'stop'],
    ['Cancel.', 'stop'],
    ['START', 'start'],
    ['Starta', 'start'],
    ['meld på', 'start'],
    ['HELP', 'help'],
    ['help?', 'help'],
    ['Hjälp', 'help'],
    ['hjalp', 'help'],
    ['HJÆLP', 'help'],
    ['HJELP', 'help'],
    ['APUA', 'help'],
    ['Ohje', 'help'],
    ['INFO', 'help'],
    ['ja tack', 'yes'],
    [' JA. ', 'yes'],
    ['Kyllä', 'yes'],
    ['Nej tack', 'no'],
    ['NEI', 'no'],
  ];
  it.each(understood)('%j means %s', (body, intent) => {
    expect(classifyReply(body, table)).toBe(intent);
  });

  // Ordinary sentences and answers that must not be taken for a keyword, least of all a STOP.
  const plain: ReadonlyArray<string> = [
    '4',
    'Thanks!',
    'Tack',
    'please',
    '🙏',
    '',
    '   ',
    'Can you stop calling at night?',
    "Please don't stop",
    'Cancel my appointment tomorrow',
    'The end of the month suits me',
    'Quit asking, I already paid',
    'Avbryt min bokning',
    'Stopwatch',
    'Okay see you then',
  ];
  it.each(plain)('%j has no keyword meaning', (body) => {
    expect(classifyReply(body, table)).toBeUndefined();
  });

  it('any STOP word in any mix of case, punctuation, emoji and spaces is still a STOP', () => {
    const decoration = fc
      .array(fc.constantFrom(' ', '!', '.', ',', '?', '"', '🙏', '🛑', '😡', '\u00a0', '\t', '-', '…'), {
        maxLength: 4,
      })
      .map((parts) => parts.join(''));
    const randomCase = (word: string) =>
      fc
        .array(fc.boolean(), { minLength: word.length, maxLength: word.length })
        .map((flags) => [...word].map((ch, i) => (flags[i] ? ch.toLowerCase() : ch.toUpperCase())).join(''));
    fc.assert(
      fc.property(
        fc.constantFrom(...DEFAULT_KEYWORDS.stop).chain((word) => randomCase(word)),
        decoration,
        decoration,
        (word, before, after) => {
          expect(classifyReply(`${before}${word}${after}`, table)).toBe('stop');
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe('the keyword table', () => {
  it('has no word that two meanings share once case and accents are folded away', () => {
    // Folded by hand-written rules here, not by the module: strip accents, Æ→AE, Ø→O, upper case.
    const fold = (word: string) =>
      word
        .normalize('NFD')
        .replace(/\p{M}/gu, '')
        .toUpperCase()
        .replaceAll('Æ', 'AE')
        .replaceAll('Ø', 'O')
        .replace(/[^A-Z0-9]/g, '');
    const meanings = new Map<string, Set<ReplyIntent>>();
    for (const intent of REPLY_INTENTS) {
      for (const word of DEFAULT_KEYWORDS[intent]) {
        const folded = fold(word);
        meanings.set(folded, (meanings.get(folded) ?? new Set()).add(intent));
      }
    }
    const shared = [...meanings].filter(([, intents]) => intents.size > 1).map(([word]) => word);
    expect(shared).toEqual([]);
    // And each shipped word, folded or not, is understood as its own meaning.
    for (const intent of REPLY_INTENTS) {
      for (const word of DEFAULT_KEYWORDS[intent]) {
        expect(classifyReply(word, table), word).toBe(intent);
        expect(classifyReply(fold(word), table), fold(word)).toBe(intent);
      }
    }
  });

  it('is the table docs/rules.md shows, with the same whole-message-only words', () => {
    const doc = readFileSync('docs/rules.md', 'utf8');
    const table = doc.slice(
      doc.indexOf('<!-- keyword-table:start -->'),
      doc.indexOf('<!-- keyword-table:end -->'),
    );
    const rows = table
      .split('\n')
      .filter((line) => line.startsWith('| ') && !line.startsWith('| meaning') && !line.startsWith('| ---'))
      .map((line) =>
        line
          .split('|')
          .map((cell) => cell.trim())
          .filter((_cell, i, all) => i > 0 && i < all.length - 1),
      );
    const documented = Object.fromEntries(
      rows.map(([meaning, ...languages]) => [
        meaning,
        languages.flatMap((cell) => (cell === '' ? [] : cell.split(', '))),
      ]),
    );
    expect(Object.keys(documented).sort()).toEqual([...REPLY_INTENTS].sort());
    for (const intent of REPLY_INTENTS) {
      const words: string[] = documented[intent] ?? [];
      expect(words.map((word) => word.replace('¹', '')).sort(), intent).toEqual(
        [...DEFAULT_KEYWORDS[intent]].sort(),
      );
      for (const word of words)
        expect(WHOLE_MESSAGE_ONLY.has(word.replace('¹', '')), word).toBe(word.endsWith('¹'));
    }
  });

  it('names a configured word that would change the meaning of a shipped one, or means nothing', () => {
    expect(keywordConflicts({ stop: ['OK', 'SLUTA', 'NEVER'], yes: ['Ja!', '🙏'] })).toEqual([
      { intent: 'stop', index: 0, word: 'OK', reason: 'already means yes' },
      { intent: 'yes', index: 1, word: '🙏', reason: 'has no letters or digits' },
    ]);
    expect(keywordConflicts({ stop: ['HALT'], start: ['halt'] })).toEqual([
      { intent: 'start', index: 0, word: 'halt', reason: 'already means stop' },
    ]);
  });

  it('refuses nudge.config.yaml keywords that would change a meaning, naming where they are', () => {
    const parsed = EngineSettingsSchema.safeParse({ keywords: { stop: ['HALT', 'ok'] } });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => [issue.path.join('.'), issue.message])).toEqual([
      ['keywords.stop.1', 'keyword "ok" already means yes'],
    ]);
  });

  it('understands configured extra words', () => {
    const extended = keywordTable({ stop: ['HALT'] });
    expect(classifyReply('Halt!', extended)).toBe('stop');
    expect(classifyReply('Halt!', table)).toBeUndefined();
  });
});
