import { describe, expect, it } from 'vitest';
import {
  compilePatternIndex,
  type EventPattern,
  matchesPattern,
  parseJsonExact,
} from '../../../functions/core/pattern/index.ts';

/**
 * Edge cases found by a differential run against aws/event-ruler (EventBridge's matching library),
 * plus one inconsistency of Nudge's own. Each runs through the reference matcher and the index.
 */
function bothMatchers(pattern: EventPattern, event: unknown): { direct: boolean; indexed: boolean } {
  const index = compilePatternIndex([{ pattern, value: true }]);
  return { direct: matchesPattern(pattern, event), indexed: index.match(event).length === 1 };
}

/** Pattern and event as JSON text, read the way numbers must be read to compare by their literal. */
function bothOnText(patternText: string, eventText: string): { direct: boolean; indexed: boolean } {
  const pattern = parseJsonExact(patternText) as EventPattern;
  return bothMatchers(pattern, parseJsonExact(eventText));
}

describe('a number beyond the double range is a present value', () => {
  // event-ruler keeps every event number's text: 1e400 is a field with a value. It is no
  // ComparableNumber (outside ±5e9), so numeric conditions do not hold and numeric anything-but
  // does not exclude it.
  it('exists: true matches 1e400', () => {
    expect(bothOnText('{"a":[{"exists":true}]}', '{"a":1e400}')).toEqual({ direct: true, indexed: true });
  });

  it('exists: false does not match -1e400', () => {
    expect(bothOnText('{"a":[{"exists":false}]}', '{"a":-1e400}')).toEqual({
      direct: false,
      indexed: false,
    });
  });

  it('a numeric comparison does not hold for 1e400', () => {
    expect(bothOnText('{"a":[{"numeric":[">",0]}]}', '{"a":1e400}')).toEqual({
      direct: false,
      indexed: false,
    });
  });

  it('a numeric anything-but does not exclude 1e400', () => {
    expect(bothOnText('{"a":[{"anything-but":[1,2]}]}', '{"a":1e400}')).toEqual({
      direct: true,
      indexed: true,
    });
  });

  it('1e400 inside an array is a value there too', () => {
    expect(bothOnText('{"a":{"b":[{"exists":true}]}}', '{"a":[{"b":[1e400]}]}')).toEqual({
      direct: true,
      indexed: true,
    });
  });
});

describe('integers beyond 2^53 compare by their literal', () => {
  it('[12345678901234567890] does not match 12345678901234567000', () => {
    expect(bothOnText('{"a":[12345678901234567890]}', '{"a":12345678901234567000}')).toEqual({
      direct: false,
      indexed: false,
    });
  });

  it('the same literal matches, in an array too', () => {
    expect(bothOnText('{"a":[12345678901234567890]}', '{"a":[1,12345678901234567890]}')).toEqual({
      direct: true,
      indexed: true,
    });
  });

  it('a literal read exactly does not match the double another literal rounds to', () => {
    // 12345678901234567000 read by JSON.parse is the double 12345678901234567168.
    const pattern = parseJsonExact('{"a":[12345678901234567890]}') as EventPattern;
    expect(bothMatchers(pattern, JSON.parse('{"a":12345678901234567000}'))).toEqual({
      direct: false,
      indexed: false,
    });
  });

  it('a double that is an integer beyond 2^53 matches the literal of its exact value', () => {
    // 2^60 = 1152921504606846976 is exactly a double.
    const pattern: EventPattern = { a: [2 ** 60] };
    expect(bothMatchers(pattern, parseJsonExact('{"a":1152921504606846976}'))).toEqual({
      direct: true,
      indexed: true,
    });
  });

  it('a safe integer still matches across number forms', () => {
    expect(bothOnText('{"a":[5]}', '{"a":5.0}')).toEqual({ direct: true, indexed: true });
  });

  it('a big literal is a present value that no numeric condition holds for', () => {
    expect(bothOnText('{"a":[{"numeric":[">",0]}]}', '{"a":12345678901234567890}')).toEqual({
      direct: false,
      indexed: false,
    });
    expect(bothOnText('{"a":[{"exists":true}]}', '{"a":-12345678901234567890}')).toEqual({
      direct: true,
      indexed: true,
    });
  });
});

describe('parseJsonExact reads JSON as JSON.parse does, but for big integers', () => {
  it('gives JSON.parse’s value for text without big integers', () => {
    const text =
      '{"a":[1,2.5,-3e2,"x\\"y",null,true,{}],"__proto__":{"b":false},"a2":"12345678901234567890"}';
    expect(parseJsonExact(text)).toStrictEqual(JSON.parse(text));
  });

  it('keeps big integers exact and everything else as JSON.parse reads it', () => {
    const text =
      '{"n":12345678901234567000,"m":[-9007199254740993,1.5e300,"1234567890123456789"],"__proto__":{"k":1}}';
    const parsed = parseJsonExact(text);
    expect(parsed).toStrictEqual({
      ...JSON.parse(text.replace('12345678901234567000', '0').replace('-9007199254740993', '0')),
      n: 12345678901234567000n,
      m: [-9007199254740993n, 1.5e300, '1234567890123456789'],
    });
    expect(Object.hasOwn(parsed as object, '__proto__')).toBe(true);
  });

  it('throws JSON.parse’s error for invalid text', () => {
    expect(() => parseJsonExact('{"a":12345678901234567890,}')).toThrow(SyntaxError);
  });
});

describe('equals-ignore-case folds a capital sigma the same everywhere', () => {
  // event-ruler folds character by character (no final-sigma rule): "ZΣ" ends with "Σ" ignoring case.
  it('{"suffix":{"equals-ignore-case":"Σ"}} matches "ZΣ"', () => {
    const pattern: EventPattern = { a: [{ suffix: { 'equals-ignore-case': 'Σ' } }] };
    expect(bothMatchers(pattern, { a: 'ZΣ' })).toEqual({ direct: true, indexed: true });
  });

  it('equals-ignore-case "σ" matches "ΑΣ"’s last letter the same way', () => {
    const pattern: EventPattern = { a: [{ 'equals-ignore-case': 'ασ' }] };
    expect(bothMatchers(pattern, { a: 'ΑΣ' })).toEqual({ direct: true, indexed: true });
  });

  it('prefix and anything-but ignore case with a final capital sigma too', () => {
    const prefix: EventPattern = { a: [{ prefix: { 'equals-ignore-case': 'οδοσ' } }] };
    expect(bothMatchers(prefix, { a: 'ΟΔΟΣ' })).toEqual({ direct: true, indexed: true });
    const anythingBut: EventPattern = { a: [{ 'anything-but': { 'equals-ignore-case': 'ΖΣ' } }] };
    expect(bothMatchers(anythingBut, { a: 'ζσ' })).toEqual({ direct: false, indexed: false });
  });

  it('the final form ς is its own letter, as in event-ruler', () => {
    const pattern: EventPattern = { a: [{ 'equals-ignore-case': 'zσ' }] };
    expect(bothMatchers(pattern, { a: 'zς' })).toEqual({ direct: false, indexed: false });
  });
});
