import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readSurveyAnswer } from '../../../functions/core/replies/score-reply.ts';

describe('a survey reply read as a score', () => {
  // Each row: what a customer sent, and the score a person reading it would write down.
  const scores: ReadonlyArray<[string, number]> = [
    ['4', 4],
    [' 5 ', 5],
    ['1', 1],
    ['4/5', 4],
    ['4 / 5', 4],
    ['3 av 5', 3],
    ['2 af 5', 2],
    ['5 out of 5', 5],
    ['4 of 5', 4],
    ['four', 4],
    ['Four!', 4],
    ['fyra', 4],
    ['Fem', 5],
    ['två', 2],
    ['fire', 4],
    ['to', 2],
    ['neljä', 4],
    ['viisi', 5],
    ['yksi', 1],
    ['⭐⭐⭐⭐', 4],
    ['⭐️⭐️⭐️', 3],
    ['★★', 2],
    ['★★★☆☆', 3],
    ['3.', 3],
  ];
  it.each(scores)('%j scores %d', (text, score) => {
    expect(readSurveyAnswer(text, 'score')).toEqual({ score, text });
  });

  // Out of range or not a score at all: no score, the words kept as sent.
  const unreadable = [
    '0',
    '6',
    '10',
    '10/10',
    '8/10',
    '6/5',
    '0 av 5',
    '⭐⭐⭐⭐⭐⭐',
    '☆☆',
    'great service',
    '4 pm works for me',
    '',
    'yes',
    '-3',
    '4.5',
  ];
  it.each(unreadable)('%j has no score and keeps its text', (text) => {
    expect(readSurveyAnswer(text, 'score')).toEqual({ score: null, text });
  });
});

describe('a survey reply read as yes or no', () => {
  const answers: ReadonlyArray<[string, 0 | 1]> = [
    ['yes', 1],
    ['Ja', 1],
    ['JA!', 1],
    ['kyllä', 1],
    ['Joo', 1],
    ['no', 0],
    ['Nej', 0],
    ['nei', 0],
    ['ei', 0],
  ];
  it.each(answers)('%j answers %d', (text, score) => {
    expect(readSurveyAnswer(text, 'yes-no')).toEqual({ score, text });
  });

  it('something else is kept as text with no score', () => {
    expect(readSurveyAnswer('maybe later', 'yes-no')).toEqual({ score: null, text: 'maybe later' });
    expect(readSurveyAnswer('4', 'yes-no')).toEqual({ score: null, text: '4' });
  });
});

describe('properties', () => {
  const scoreForms = fc
    .integer({ min: 1, max: 5 })
    .chain((n) =>
      fc
        .constantFrom(
          `${n}`,
          `${n}/5`,
          `${n} av 5`,
          `${n} out of 5`,
          '⭐'.repeat(n),
          '★'.repeat(n) + '☆'.repeat(5 - n),
        )
        .chain((form) => fc.tuple(fc.constant(n), fc.constantFrom(form, ` ${form} `, `${form}!`))),
    );

  it('every way of writing 1–5 reads back as that number', () => {
    fc.assert(
      fc.property(scoreForms, ([n, text]) => {
        expect(readSurveyAnswer(text, 'score').score).toBe(n);
      }),
    );
  });

  it('any whole number outside 1–5, alone or over 5, has no score', () => {
    const outside = fc.oneof(fc.integer({ min: 0, max: 0 }), fc.integer({ min: 6, max: 999 }));
    fc.assert(
      fc.property(outside, fc.boolean(), (n, asFraction) => {
        const text = asFraction ? `${n}/5` : `${n}`;
        expect(readSurveyAnswer(text, 'score')).toEqual({ score: null, text });
      }),
    );
  });

  it('any text at all keeps its text and gets a score of 1–5 or none', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), (text) => {
        const answer = readSurveyAnswer(text, 'score');
        expect(answer.text).toBe(text);
        expect(answer.score === null || [1, 2, 3, 4, 5].includes(answer.score)).toBe(true);
        expect(readSurveyAnswer(text, 'text')).toEqual({ score: null, text });
        expect([null, 0, 1]).toContain(readSurveyAnswer(text, 'yes-no').score);
      }),
    );
  });
});
